"""Schema migrations (Alembic) of the store's and the crawl state's tables, on SQLite and PostgreSQL: an empty
database upgrades to exactly the SQLAlchemy models; a database made before migrations is adopted with its rows;
upgrading again is a no-op; concurrent upgrades (threads and processes) all succeed; `newsingest db` says what it
did in one line per table set, and fails in one line."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa
import typer
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from typer.testing import CliRunner

from consumers.adapters import schema_migrations as store_migrations
from consumers.adapters.near_index import NearDuplicateIndex
from consumers.adapters.store import Store
from consumers.adapters.tables import metadata as store_metadata
from consumers.stages.process import ProcessStage
from crawlers.watch import schema_migrations as crawl_migrations
from crawlers.watch.policy import PortalSchedule
from crawlers.watch.state import CrawlState
from crawlers.watch.state import metadata as crawl_metadata
from deploy import db_cli
from tests.conftest import PG_ADMIN_URL
from tests.stage_helpers import MEETING_TEXT, article
from tests.store_0001 import create_0001, write_0001
from tests.unit.test_cli_errors import clean_env, one_line

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[2]
SETS = [store_migrations, crawl_migrations]
# Every revision of each set, in order: what an upgrade of an empty database applies.
REVISIONS = {store_migrations: ["0001", "0002", "0003"], crawl_migrations: ["0001"]}
STORE_HEAD, CRAWL_HEAD = REVISIONS[store_migrations][-1], REVISIONS[crawl_migrations][-1]


# -- databases ------------------------------------------------------------------------------------------------------

def _pg_admin():
    import psycopg

    url = sa.engine.make_url(PG_ADMIN_URL)
    try:
        return psycopg.connect(host=url.host, port=url.port or 5432, user=url.username, dbname=url.database,
                               autocommit=True, connect_timeout=5)
    except psycopg.Error as exc:
        if os.environ.get("CI"):
            pytest.fail(f"PostgreSQL is required in CI: {exc}")
        pytest.skip(f"PostgreSQL not reachable: {str(exc).splitlines()[0]}")


@pytest.fixture
def migr_pg():
    """A fresh, empty PostgreSQL database of this module's own, dropped afterwards (only it)."""
    admin = _pg_admin()
    name = f"newsingest_migr_{uuid.uuid4().hex[:10]}"
    admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    finally:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


@pytest.fixture(params=["sqlite", "postgresql"])
def url(request, tmp_path):
    """One database for both table sets, as production compose has it."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'newsingest.db'}"
    return request.getfixturevalue("migr_pg")


def _diffs(url: str, module) -> list:
    """What autogenerate finds between the database and the set's SQLAlchemy metadata."""
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"include_name": module.include_name,
                                                             "compare_type": True})
            return compare_metadata(context, module.target_metadata())
    finally:
        engine.dispose()


def _tables(url: str) -> set[str]:
    engine = sa.create_engine(url)
    try:
        return set(sa.inspect(engine).get_table_names())
    finally:
        engine.dispose()


def _schema(url: str) -> dict:
    """Tables with their columns, indexes and unique constraints, to compare a database before and after."""
    engine = sa.create_engine(url)
    try:
        inspector = sa.inspect(engine)
        return {t: (sorted((c["name"], str(c["type"]), c["nullable"]) for c in inspector.get_columns(t)),
                    sorted(i["name"] for i in inspector.get_indexes(t)),
                    sorted(u["name"] or "" for u in inspector.get_unique_constraints(t)))
                for t in inspector.get_table_names()}
    finally:
        engine.dispose()


def _stage(store: Store) -> ProcessStage:
    return ProcessStage(store=store, reports_topic="reports", events_topic="events",
                        near_index=NearDuplicateIndex(threshold=0.7))


# -- (a) an empty database becomes exactly the models -----------------------------------------------------------------

def test_empty_database_upgrades_to_exactly_the_models(url):
    for module in SETS:
        result = module.run_upgrade(url)
        head = REVISIONS[module][-1]
        assert (result.before, result.after, result.applied, result.adopted) == (None, head, REVISIONS[module], False)
        assert module.current(url) == module.head() == head
    for module in SETS:
        assert _diffs(url, module) == [], module.NAME
    assert _tables(url) == ({"alembic_version_store", "alembic_version_crawl_state"}
                            | set(store_metadata.tables) | set(crawl_metadata.tables))


def test_the_comparison_sees_a_difference(sqlite_url):
    """The check above is not vacuous: a missing index and a missing table are reported."""
    store_migrations.upgrade(sqlite_url)
    engine = sa.create_engine(sqlite_url)
    with engine.begin() as conn:
        conn.exec_driver_sql("DROP INDEX ix_events_date")
        conn.exec_driver_sql("DROP TABLE event_members")
    engine.dispose()
    kinds = sorted(d[0] for d in _diffs(sqlite_url, store_migrations))
    assert kinds == ["add_index", "add_table"]


def test_migrations_make_what_create_all_made(tmp_path):
    """The revisions make the schema create_all makes from the models, constraint names included (revision 0001:
    the schema as create_all made it before migrations)."""
    migrated, created = f"sqlite:///{tmp_path / 'migrated.db'}", f"sqlite:///{tmp_path / 'created.db'}"
    for module in SETS:
        module.upgrade(migrated)
    engine = sa.create_engine(created)
    store_metadata.create_all(engine)
    crawl_metadata.create_all(engine)
    engine.dispose()
    schema = _schema(migrated)
    del schema["alembic_version_store"], schema["alembic_version_crawl_state"]
    assert schema == _schema(created)


# -- (b) a database made before migrations ----------------------------------------------------------------------------

def test_database_made_before_migrations_is_stamped_and_keeps_its_rows(url):
    engine = sa.create_engine(url)
    create_0001(engine)  # what Store.create_schema and CrawlState.create_schema did before (0001's tables)
    crawl_metadata.create_all(engine)
    engine.dispose()
    write_0001(url, [article()])  # the rows the process stage of that release stored
    old = Store(url)
    counts = old.counts()
    old.dispose()
    assert counts == {"articles": 1, "documents": 1, "meeting_reports": 1, "events": 1}
    state = CrawlState(url)
    state.record_fetch("https://p.vn/a-1.html", "p", 100.0, etag='"v1"')
    state.save_schedule(PortalSchedule("p", 900.0, 1234.5, 2, 99.0))
    state.close()
    assert store_migrations.state(url).pre_migration_tables == store_migrations.BASELINE_TABLES

    for module in SETS:
        result = module.run_upgrade(url)
        assert (result.before, result.after, result.applied, result.adopted) == (
            None, REVISIONS[module][-1], REVISIONS[module][1:], True)
        assert module.current(url) == REVISIONS[module][-1]
        assert _diffs(url, module) == []

    store = Store(url)
    assert store.counts() == counts
    store.create_schema()  # what a process does at start: at head, nothing to do
    stage = _stage(store)
    stage(article(MEETING_TEXT + ["Đoạn bổ sung sau khi đính chính số liệu của hội nghị giao ban."]))
    assert [(r["version"], r["dedup_outcome"]) for r in store.reports()] == [(1, "new"), (2, "revision")]
    store.dispose()
    state = CrawlState(url)
    state.create_schema()
    assert state.article("https://p.vn/a-1.html").etag == '"v1"'
    assert state.schedules() == {"p": PortalSchedule("p", 900.0, 1234.5, 2, 99.0)}
    state.close()


def test_older_database_missing_later_tables_gets_them(sqlite_url):
    """Releases before migrations had fewer tables (no near_index, no crawl_backfills): create_all added them at
    start, and adoption does too."""
    engine = sa.create_engine(sqlite_url)
    create_0001(engine, skip=("near_index",))
    crawl_metadata.create_all(engine, tables=[t for n, t in crawl_metadata.tables.items() if n != "crawl_backfills"])
    engine.dispose()
    for module in SETS:
        result = module.run_upgrade(sqlite_url)
        assert result.adopted and result.after == REVISIONS[module][-1]
        assert _diffs(sqlite_url, module) == []


def test_pre_migration_table_without_a_baseline_column_is_refused_and_left_alone(url):
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE crawl_schedules (portal_id VARCHAR(64) PRIMARY KEY, interval_s FLOAT)")
        conn.exec_driver_sql("INSERT INTO crawl_schedules VALUES ('p', 60)")
    engine.dispose()
    with pytest.raises(crawl_migrations.MigrationError, match="crawl_schedules.*consecutive_failures"):
        crawl_migrations.upgrade(url)
    # One transaction: nothing was created, not even the version table.
    assert _tables(url) == {"crawl_schedules"}
    assert crawl_migrations.current(url) is None


def test_a_revision_from_a_newer_release_is_refused(url):
    store_migrations.upgrade(url)
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.exec_driver_sql("UPDATE alembic_version_store SET version_num = '0999'")
    engine.dispose()
    with pytest.raises(store_migrations.MigrationError, match="revision 0999, which this release does not know"):
        store_migrations.upgrade(url)


# -- (c) idempotent ---------------------------------------------------------------------------------------------------

def test_upgrading_twice_is_a_no_op(url):
    for module in SETS:
        assert module.upgrade(url) == REVISIONS[module]
    before = _schema(url)
    for module in SETS:
        result = module.run_upgrade(url)
        head = REVISIONS[module][-1]
        assert (result.before, result.after, result.applied, result.adopted) == (head, head, [], False)
    store, state = Store(url), CrawlState(url)
    store.create_schema()
    state.create_schema()
    store.dispose()
    state.close()
    assert _schema(url) == before


def test_in_memory_databases_are_migrated_too():
    state = CrawlState("sqlite:///:memory:")
    state.create_schema()
    state.record_fetch("https://p.vn/a-1.html", "p", 1.0)
    assert state.article_count() == 1
    assert crawl_migrations.current(state.engine) == CRAWL_HEAD
    store = Store("sqlite://")
    store.create_schema()
    assert store.counts()["articles"] == 0 and store_migrations.current(store.engine) == STORE_HEAD


# -- (d) concurrent upgrades ------------------------------------------------------------------------------------------

def test_threads_upgrading_an_empty_postgresql_database_at_once_all_succeed(migr_pg):
    """Four threads per table set, both sets in one database, released together."""
    jobs = [module for module in SETS for _ in range(4)]
    barrier = threading.Barrier(len(jobs))
    results: list = [None] * len(jobs)

    def worker(i: int) -> None:
        barrier.wait()
        try:
            results[i] = jobs[i].upgrade(migr_pg)
        except Exception as exc:  # noqa: BLE001 - reported below
            results[i] = exc

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(len(jobs))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    for module in SETS:
        mine = [r for r, m in zip(results, jobs) if m is module]
        assert sorted(mine, key=len) == [[], [], [], REVISIONS[module]], mine
        assert _diffs(migr_pg, module) == []


_PROCESS_SCRIPT = """
import json, sys, time
from pathlib import Path
from consumers.adapters import schema_migrations as store
from crawlers.watch import schema_migrations as crawl
url, go = sys.argv[1], Path(sys.argv[2])
Path(sys.argv[3]).touch()
while not go.exists():
    time.sleep(0.001)
print(json.dumps({"store": store.upgrade(url), "crawl": crawl.upgrade(url)}))
"""


def test_processes_upgrading_one_empty_database_at_once_all_succeed(url, tmp_path):
    """Separate processes: the PostgreSQL advisory lock and SQLite's write lock, not the in-process lock."""
    go = tmp_path / "go"
    procs, ready = [], []
    for i in range(3):
        ready.append(tmp_path / f"ready-{i}")
        procs.append(subprocess.Popen([sys.executable, "-c", _PROCESS_SCRIPT, url, str(go), str(ready[-1])],
                                      cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True))
    deadline = time.monotonic() + 120
    while not all(r.exists() for r in ready) and time.monotonic() < deadline:
        time.sleep(0.01)
    go.touch()
    outputs = []
    for proc in procs:
        out, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err[-3000:]
        outputs.append(json.loads(out.strip().splitlines()[-1]))
    for key, module in (("store", store_migrations), ("crawl", crawl_migrations)):
        assert sorted((o[key] for o in outputs), key=len) == [[], [], REVISIONS[module]], outputs
    for module in SETS:
        assert _diffs(url, module) == []


def test_the_advisory_lock_serialises_upgrades_and_a_long_wait_is_one_error(migr_pg):
    holder = sa.create_engine(migr_pg)
    with holder.connect() as conn:
        conn.execute(sa.text("SELECT pg_advisory_lock(:k)"), {"k": store_migrations.LOCK_KEY})
        conn.commit()
        with pytest.raises(store_migrations.MigrationError, match="another process has been upgrading the store"):
            store_migrations.upgrade(migr_pg, lock_timeout_s=0.5)
        assert crawl_migrations.upgrade(migr_pg) == REVISIONS[crawl_migrations]  # the other set's key is free
        done: list = []
        waiter = threading.Thread(target=lambda: done.append(store_migrations.upgrade(migr_pg)))
        waiter.start()
        time.sleep(1.0)
        assert done == [], "the upgrade did not wait for the lock"
        conn.execute(sa.text("SELECT pg_advisory_unlock(:k)"), {"k": store_migrations.LOCK_KEY})
        conn.commit()
        waiter.join(60)
    holder.dispose()
    assert done == [REVISIONS[store_migrations]]


# -- (e) newsingest db ------------------------------------------------------------------------------------------------

def _app() -> typer.Typer:
    """The `newsingest` app as deploy/cli.py builds it, with the db sub-app registered."""
    app = typer.Typer(add_completion=False, no_args_is_help=True)

    @app.callback()
    def _root() -> None:
        pass

    db_cli.register(app)
    return app


def _invoke(*args: str, **env: str):
    return CliRunner().invoke(_app(), list(args), env={"NEWSINGEST_DATABASE_URL": None,
                                                       "NEWSINGEST_CRAWL_STATE_URL": None, **env})


def test_db_upgrade_and_current_from_the_settings(url):
    env = {"NEWSINGEST_DATABASE_URL": url, "NEWSINGEST_CRAWL_STATE_URL": url}
    result = _invoke("db", "current", **env)
    assert result.exit_code == 0, result.output
    path = db_cli._sqlite_file(url)

    def empty(head: str) -> str:
        return (f"none (no database at {path})" if path
                else f"none (no tables; 'newsingest db upgrade' creates them at {head})")

    assert result.output.splitlines() == [f"store: {empty(STORE_HEAD)}", f"crawl state: {empty(CRAWL_HEAD)}"]
    result = _invoke("db", "upgrade", **env)
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [
        f"store: upgraded to {STORE_HEAD} (applied: {', '.join(REVISIONS[store_migrations])})",
        f"crawl state: upgraded to {CRAWL_HEAD} (applied: {', '.join(REVISIONS[crawl_migrations])})"]
    result = _invoke("db", "upgrade", **env)
    assert result.output.splitlines() == [f"store: already at {STORE_HEAD}", f"crawl state: already at {CRAWL_HEAD}"]
    result = _invoke("db", "current", "--check", **env)
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [f"store: {STORE_HEAD} (head)", f"crawl state: {CRAWL_HEAD} (head)"]
    for module in SETS:
        assert _diffs(url, module) == []


def test_db_upgrade_with_overrides_and_tables_from_before_migrations(tmp_path):
    store_url, crawl_url = f"sqlite:///{tmp_path / 'store.db'}", f"sqlite:///{tmp_path / 'crawl.db'}"
    create_0001(store_url)
    result = _invoke("db", "current", "--database-url", store_url, "--crawl-state-url", crawl_url)
    assert result.output.splitlines()[0].startswith(
        "store: none (tables made before migrations: articles, documents, meeting_reports, near_index")
    assert result.output.splitlines()[1] == f"crawl state: none (no database at {tmp_path / 'crawl.db'})"
    assert not (tmp_path / "crawl.db").exists()
    result = _invoke("db", "upgrade", "--database-url", store_url, "--crawl-state-url", crawl_url,
                     NEWSINGEST_DATABASE_URL="sqlite:///elsewhere/never.db")
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [
        "store: stamped the tables made before migrations at revision 0001 (rows kept); "
        f"upgraded to {STORE_HEAD} (applied: {', '.join(REVISIONS[store_migrations][1:])})",
        f"crawl state: upgraded to {CRAWL_HEAD} (applied: {', '.join(REVISIONS[crawl_migrations])})"]
    assert store_migrations.current(store_url) == STORE_HEAD and crawl_migrations.current(crawl_url) == CRAWL_HEAD


_CLI_SCRIPT = """
from deploy import db_cli
from deploy.cli import _App

app = _App(add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False)


@app.callback()
def _root() -> None:
    pass


db_cli.register(app)
app()
"""


def _run_db(*args: str, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", _CLI_SCRIPT, "db", *args], cwd=REPO, env=clean_env(**env),
                          capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL)


@pytest.mark.parametrize("args,code,expected", [
    (["--database-url", "postgresql://postgres@127.0.0.1:1/x"], 1,
     "error: store database postgresql+psycopg://postgres@127.0.0.1:1/x unreachable: "),
    (["--database-url", "postgresql+psycopg://postgres@127.0.0.1:notaport/x"], 2, "error: invalid --database-url: "),
    (["--crawl-state-url", "postgresql+psycopg2://postgres@127.0.0.1/x"], 2,
     "error: invalid --crawl-state-url: its driver is not installed (psycopg2)"),
    (["--crawl-state-url", "sqlite:////nonexistent-dir-newsingest/state.db"], 2,
     "error: the directory /nonexistent-dir-newsingest of the crawl state's SQLite database state.db does not exist"),
])
def test_db_upgrade_failures_are_one_line(args, code, expected, tmp_path):
    env = {"NEWSINGEST_DATABASE_URL": f"sqlite:///{tmp_path / 's.db'}",
           "NEWSINGEST_CRAWL_STATE_URL": f"sqlite:///{tmp_path / 'c.db'}"}
    result = _run_db("upgrade", *args, **env)
    assert result.returncode == code, result.stderr
    assert one_line(result.stderr).startswith(expected)


def test_db_upgrade_of_a_missing_postgresql_database_is_one_line(migr_pg, tmp_path):
    missing = migr_pg + "_missing"
    result = _run_db("upgrade", "--database-url", missing,
                     NEWSINGEST_CRAWL_STATE_URL=f"sqlite:///{tmp_path / 'c.db'}")
    assert result.returncode == 1
    line = one_line(result.stderr)
    assert "does not exist" in line and "createdb" in line and missing.rsplit("/", 1)[1] in line


# -- writing a revision -----------------------------------------------------------------------------------------------

def test_an_autogenerated_revision_runs_on_both_databases(tmp_path, monkeypatch, request):
    """The documented way to write a revision: `new_revision(..., autogenerate=True)` after changing tables.py.
    Here on a copy of the scripts, with a column and an index added to a copy of the metadata."""
    scripts = tmp_path / "migrations"
    shutil.copytree(store_migrations.SCRIPT_LOCATION, scripts, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(store_migrations, "SCRIPT_LOCATION", scripts)
    changed = sa.MetaData()
    for table in store_metadata.tables.values():
        table.to_metadata(changed)
    place = sa.Column("place", sa.String(200))
    changed.tables["events"].append_column(place)
    sa.Index("ix_events_place", place)
    monkeypatch.setattr(store_migrations, "target_metadata", lambda: changed)

    path = store_migrations.new_revision("events place", autogenerate=True)
    new = f"{int(STORE_HEAD) + 1:04d}"
    assert path == scripts / "versions" / f"{new}_events_place.py"
    assert "batch_alter_table('events'" in path.read_text()
    urls = [f"sqlite:///{tmp_path / 'x.db'}", f"sqlite:///{tmp_path / 'old.db'}"]
    create_0001(urls[1])  # made before migrations: stamped at 0001, then the later revisions applied
    if os.environ.get("CI") or _pg_reachable():
        urls.append(request.getfixturevalue("migr_pg"))
    for url in urls:
        result = store_migrations.run_upgrade(url)
        assert result.after == new and result.applied[-1] == new
        assert _diffs(url, store_migrations) == [], url


def _pg_reachable() -> bool:
    try:
        _pg_admin().close()
        return True
    except BaseException:  # noqa: BLE001 - pytest.skip is a BaseException
        return False
