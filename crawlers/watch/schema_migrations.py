"""Schema migrations of the crawl state's tables (crawlers/watch/state.py): Alembic driven from code, for SQLite
and PostgreSQL. No alembic.ini: the scripts are package data in crawlers/watch/migrations/, and the applied revision
is kept in this set's own version table, `alembic_version_crawl_state`, so the store's migrations
(consumers/adapters/migrations/, `alembic_version_store`) can live in the same database.

`upgrade()` is what `CrawlState.create_schema()` runs at start, and `newsingest db upgrade` runs on demand:

- Serialised across processes. PostgreSQL: a session advisory lock with a fixed key for this table set, held
  around the whole upgrade (a second process waits, then finds the version table at head). SQLite: the upgrade is
  one transaction begun with BEGIN IMMEDIATE (SQLite's DDL is transactional), so the write lock is held from the
  version check to the commit and "table already exists" cannot happen. Within one process, a lock shared with the
  store's migrations, because Alembic's `op` and `context` are process-wide.
- A database made before migrations (tables of revision 0001 present, no version table) is adopted: 0001's tables
  that are missing are created (older releases had fewer), the present ones are kept with their rows and checked
  for 0001's columns, and the database is stamped at 0001; then it is upgraded to head.

A new revision: `python -m crawlers.watch.schema_migrations revision -m "what changes" [--autogenerate]`
(see `main`). This module is kept in step with consumers/adapters/schema_migrations.py: the two packages never
import each other.
"""

from __future__ import annotations

import argparse
import logging
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import alembic
import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util.exc import CommandError
from sqlalchemy.engine import URL, Engine, make_url
from sqlalchemy.pool import NullPool

log = logging.getLogger(__name__)

NAME = "crawl state"
VERSION_TABLE = "alembic_version_crawl_state"
SCRIPT_LOCATION = Path(__file__).resolve().parent / "migrations"
BASELINE = "0001"
# The tables revision 0001 creates: how a database made before migrations is recognised. Never changes.
BASELINE_TABLES = ("crawl_articles", "crawl_schedules", "crawl_listings", "crawl_backfills")
# pg_advisory_lock key of this table set; the store's is ...001. Above 2**31, so never equal to the store's dedup
# lock's hashtext() key, an int4.
LOCK_KEY = 7_424_061_500_002
DEFAULT_LOCK_TIMEOUT_S = 120.0

# Alembic installs `op` and `context` as module globals for the duration of a run: one run at a time per
# process, whichever table set. Kept on the alembic module so the store's migrations find the same lock
# without importing this package.
_PROCESS_LOCK: threading.RLock = vars(alembic).setdefault("_newsingest_migrations_lock", threading.RLock())


class MigrationError(RuntimeError):
    """A schema upgrade that cannot proceed: one line saying why."""


@dataclass
class UpgradeResult:
    before: str | None
    after: str | None = None
    applied: list[str] = field(default_factory=list)  # revisions run by this call, in order
    adopted: bool = False  # tables made before migrations, stamped at BASELINE by this call


@dataclass(frozen=True)
class SchemaState:
    revision: str | None
    head: str
    pre_migration_tables: tuple[str, ...] = ()  # BASELINE_TABLES present while no revision is recorded


def target_metadata() -> sa.MetaData:
    from crawlers.watch.state import metadata

    return metadata


def include_name(name: str | None, type_: str, parent_names) -> bool:
    """Autogenerate and comparisons see this set's tables only: the store's (and its version table) may share the
    database."""
    return type_ != "table" or name in target_metadata().tables


def config(connection: sa.Connection | None = None, **attributes) -> Config:
    """The Alembic configuration, built in code. `connection` is the one env.py runs on."""
    cfg = Config()
    cfg.set_main_option("script_location", str(SCRIPT_LOCATION).replace("%", "%%"))
    cfg.set_main_option("file_template", "%%(rev)s_%%(slug)s")
    cfg.attributes["connection"] = connection
    cfg.attributes.update(attributes)
    return cfg


def script() -> ScriptDirectory:
    return ScriptDirectory.from_config(config())


def head() -> str:
    return script().get_current_head()


def upgrade(engine_or_url: Engine | str | URL, *, lock_timeout_s: float = DEFAULT_LOCK_TIMEOUT_S,
            connect_timeout_s: int = 10) -> list[str]:
    """Bring the database to head; the revisions applied, in order ([] when it was at head already)."""
    return run_upgrade(engine_or_url, lock_timeout_s=lock_timeout_s, connect_timeout_s=connect_timeout_s).applied


def run_upgrade(engine_or_url: Engine | str | URL, *, lock_timeout_s: float = DEFAULT_LOCK_TIMEOUT_S,
                connect_timeout_s: int = 10) -> UpgradeResult:
    """`upgrade()` with what it found and did: the revision before, after, and whether it adopted old tables."""
    engine, owned = _migration_engine(engine_or_url, lock_timeout_s, connect_timeout_s)
    try:
        with _PROCESS_LOCK, engine.connect() as conn, _serialised(conn, lock_timeout_s):
            with conn.begin():  # SQLite: BEGIN IMMEDIATE, the write lock until commit
                return _upgrade_locked(conn)
    finally:
        if owned:
            engine.dispose()


def current(engine_or_url: Engine | str | URL) -> str | None:
    """The revision recorded in the database; None when it is not under migrations (empty, or made before)."""
    return state(engine_or_url).revision


def state(engine_or_url: Engine | str | URL, *, connect_timeout_s: int = 10) -> SchemaState:
    engine, owned = _plain_engine(engine_or_url, connect_timeout_s)
    try:
        with engine.connect() as conn:
            revision = _current(conn)
            old = () if revision else _pre_migration_tables(conn)
    finally:
        if owned:
            engine.dispose()
    return SchemaState(revision, head(), old)


# -- internals ---------------------------------------------------------------------------------------------------

def _current(conn: sa.Connection) -> str | None:
    return MigrationContext.configure(conn, opts={"version_table": VERSION_TABLE}).get_current_revision()


def _pre_migration_tables(conn: sa.Connection) -> tuple[str, ...]:
    present = set(sa.inspect(conn).get_table_names())
    if VERSION_TABLE in present:
        return ()
    return tuple(t for t in BASELINE_TABLES if t in present)


def _upgrade_locked(conn: sa.Connection) -> UpgradeResult:
    scripts = script()
    result = UpgradeResult(before=_current(conn))
    if result.before is not None:
        try:
            scripts.get_revision(result.before)
        except CommandError:
            raise MigrationError(
                f"the {NAME} tables are at revision {result.before}, which this release does not know (made by a "
                f"newer release?); its latest is {scripts.get_current_head()}") from None
    old = () if result.before else _pre_migration_tables(conn)
    if old:
        log.warning("%s: tables made before schema migrations (%s); stamping them at revision %s, rows kept",
                    NAME, ", ".join(old), BASELINE)
        command.upgrade(config(conn, adopt_existing=True), BASELINE)
        result.adopted = True

    def applied(*, step, **_kw) -> None:
        if step.is_upgrade:
            result.applied.extend(step.up_revision_ids)

    command.upgrade(config(conn, on_version_apply=[applied]), "head")
    result.after = _current(conn)
    if result.applied:
        log.info("%s: schema upgraded to %s (applied: %s)", NAME, result.after, ", ".join(result.applied))
    return result


@contextmanager
def _serialised(conn: sa.Connection, lock_timeout_s: float) -> Iterator[None]:
    """PostgreSQL: this table set's session advisory lock (kept across the upgrade's commits, released by unlock or
    by the session's end). SQLite needs nothing here: BEGIN IMMEDIATE serialises."""
    if conn.dialect.name != "postgresql":
        yield
        return
    try:
        with conn.begin():
            conn.execute(sa.text("SELECT set_config('lock_timeout', :t, true)"),
                         {"t": f"{max(1, int(lock_timeout_s * 1000))}ms"})
            conn.execute(sa.text("SELECT pg_advisory_lock(:key)"), {"key": LOCK_KEY})
    except sa.exc.OperationalError as exc:
        if getattr(exc.orig, "sqlstate", None) == "55P03":  # lock_not_available
            raise MigrationError(
                f"another process has been upgrading the {NAME} schema for over {lock_timeout_s:g}s "
                f"(PostgreSQL advisory lock {LOCK_KEY}); try again when it has finished") from exc
        raise
    try:
        yield
    finally:
        try:
            with conn.begin():
                conn.execute(sa.text("SELECT pg_advisory_unlock(:key)"), {"key": LOCK_KEY})
        except Exception:  # noqa: BLE001 - a broken connection: closing the session releases the lock
            conn.invalidate()


def _url(engine_or_url: Engine | str | URL) -> URL:
    if isinstance(engine_or_url, Engine):
        return engine_or_url.url
    url = make_url(engine_or_url)  # ArgumentError for a malformed URL
    if url.drivername == "postgresql":
        url = url.set(drivername="postgresql+psycopg")
    return url


def _in_memory(url: URL) -> bool:
    return url.database in (None, "", ":memory:") or url.query.get("mode") == "memory"


def _plain_engine(engine_or_url: Engine | str | URL, connect_timeout_s: int) -> tuple[Engine, bool]:
    if isinstance(engine_or_url, Engine):
        return engine_or_url, False
    url = _url(engine_or_url)
    args = {"connect_timeout": connect_timeout_s} if url.get_backend_name() == "postgresql" else {}
    return sa.create_engine(url, poolclass=NullPool, connect_args=args), True


def _migration_engine(engine_or_url: Engine | str | URL, lock_timeout_s: float,
                      connect_timeout_s: int) -> tuple[Engine, bool]:
    """(engine, owned). A file SQLite database gets an engine of its own whatever was passed: autocommit at the
    driver and BEGIN IMMEDIATE from SQLAlchemy, so DDL runs inside the transaction that holds the write lock."""
    url = _url(engine_or_url)
    backend = url.get_backend_name()
    if backend == "sqlite":
        if _in_memory(url):  # one connection, no other process: the given engine as it is
            return _plain_engine(engine_or_url, connect_timeout_s)
        engine = sa.create_engine(url, poolclass=NullPool, connect_args={"timeout": lock_timeout_s})

        @sa.event.listens_for(engine, "connect")
        def _autocommit_driver(dbapi_conn, _record):
            dbapi_conn.isolation_level = None

        @sa.event.listens_for(engine, "begin")
        def _begin_immediate(conn):
            conn.exec_driver_sql("BEGIN IMMEDIATE")

        return engine, True
    if backend != "postgresql":
        raise MigrationError(f"unsupported database {backend!r} for the {NAME}: expected sqlite or postgresql")
    return _plain_engine(engine_or_url, connect_timeout_s)


# -- writing revisions -------------------------------------------------------------------------------------------

def new_revision(message: str, *, autogenerate: bool = False, database_url: str | None = None) -> Path:
    """Write versions/<NNNN>_<slug>.py, numbered after head. With `autogenerate`, its operations are what the
    tables of state.py have that a database at head lacks: `database_url` (brought to head first), by default a
    throwaway SQLite file. Review it: autogenerate misses renames and some type changes, and the revision must
    run on both dialects."""
    rev_id = f"{int(head()) + 1:04d}"
    if not autogenerate:
        return Path(command.revision(config(), message, rev_id=rev_id).path)
    with tempfile.TemporaryDirectory() as tmp:
        url = database_url or f"sqlite:///{Path(tmp) / 'head.db'}"
        upgrade(url)
        engine, _ = _plain_engine(url, 10)
        try:
            with _PROCESS_LOCK, engine.connect() as conn:
                revision = command.revision(config(conn), message, autogenerate=True, rev_id=rev_id)
        finally:
            engine.dispose()
    return Path(revision.path)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog=f"python -m {__name__}",
                                     description=f"Schema migrations of the {NAME} tables.")
    sub = parser.add_subparsers(dest="command", required=True)
    rev = sub.add_parser("revision", help="write a new revision file after head")
    rev.add_argument("-m", "--message", required=True)
    rev.add_argument("--autogenerate", action="store_true",
                     help="fill it with the differences between state.py's tables and a database at head")
    rev.add_argument("--database-url", help="the database to compare with (default: a throwaway SQLite file)")
    sql = sub.add_parser("sql", help="print the SQL of an upgrade to head, for review (offline, no database)")
    sql.add_argument("--dialect", choices=("postgresql", "sqlite"), default="postgresql")
    sql.add_argument("--from", dest="start", help="the revision the database is at (default: none, empty)")
    sub.add_parser("heads", help="print the head revision")
    args = parser.parse_args(argv)
    if args.command == "heads":
        print(head())
    elif args.command == "sql":
        cfg = config()
        cfg.set_main_option("sqlalchemy.url", "postgresql+psycopg://" if args.dialect == "postgresql" else "sqlite://")
        with _PROCESS_LOCK:
            command.upgrade(cfg, f"{args.start}:head" if args.start else "head", sql=True)
    else:
        print(new_revision(args.message, autogenerate=args.autogenerate, database_url=args.database_url))


if __name__ == "__main__":
    main()
