"""`newsingest db upgrade|current`: schema migrations of the store (NEWSINGEST_DATABASE_URL) and of the crawl state
(NEWSINGEST_CRAWL_STATE_URL). Each table set has its own Alembic scripts and version table, so both may share one
database; the store's and the crawler's processes also upgrade their own set at start.

`register(app)` adds the `db` sub-app to the `newsingest` Typer app. Failures are `deploy.cli.CliError`, one line:
exit 2 for a bad URL or a missing SQLite directory, 1 for an unreachable database or an upgrade that cannot proceed.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Annotated

import typer

db_app = typer.Typer(no_args_is_help=True, help="Schema migrations of the store and the crawl state (Alembic).")


def register(app: typer.Typer) -> None:
    """Add `db` (upgrade, current) to the `newsingest` app."""
    app.add_typer(db_app, name="db")


def _cli_error(message: str, code: int) -> Exception:
    from deploy.cli import CliError  # here, not at the top: deploy.cli imports this module

    return CliError(message, code)


@dataclass(frozen=True)
class _TableSet:
    label: str
    url: str
    setting: str  # the environment variable the URL came from
    option: str  # the option that overrides it
    overridden: bool
    default_url: str
    module: ModuleType

    @property
    def source(self) -> str:
        return self.option if self.overridden else f"setting {self.setting}"

    @property
    def shown(self) -> str:
        from sqlalchemy.engine import make_url

        try:
            return make_url(self.url).render_as_string(hide_password=True)
        except Exception:  # noqa: BLE001 - a malformed URL is reported by the upgrade itself
            return self.url


def _table_sets(database_url: str | None, crawl_state_url: str | None) -> tuple[list[_TableSet], int]:
    from consumers.adapters import schema_migrations as store_migrations
    from crawlers.watch import schema_migrations as crawl_state_migrations
    from schemas.settings import Settings, SettingsError, load_settings

    overrides = {k: v for k, v in {"database_url": database_url, "crawl_state_url": crawl_state_url}.items()
                 if v is not None}
    try:
        settings = load_settings(**overrides)
    except SettingsError as exc:
        raise _cli_error(str(exc), 2) from None
    fields = Settings.model_fields
    return [
        _TableSet("store", settings.database_url, "NEWSINGEST_DATABASE_URL", "--database-url",
                  database_url is not None, fields["database_url"].default, store_migrations),
        _TableSet("crawl state", settings.crawl_state_url, "NEWSINGEST_CRAWL_STATE_URL", "--crawl-state-url",
                  crawl_state_url is not None, fields["crawl_state_url"].default, crawl_state_migrations),
    ], settings.database_connect_timeout_s


def _sqlite_file(url: str) -> Path | None:
    """The file of a sqlite:/// URL; None for an in-memory database or another dialect."""
    if not url.startswith("sqlite:///") or url.startswith("sqlite:///:memory:"):
        return None
    return Path(url.removeprefix("sqlite:///").split("?", 1)[0]).expanduser()


def _one_line(text: object) -> str:
    return " ".join(str(text).split())


@contextmanager
def _failures(table_set: _TableSet) -> Iterator[None]:
    """Whatever goes wrong with one table set's database, as one CliError line."""
    from alembic.util.exc import CommandError
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError, DBAPIError

    try:
        make_url(table_set.url)
    except (ArgumentError, ValueError) as exc:  # unparsable, a port that is not a number
        raise _cli_error(f"invalid {table_set.source}: {_one_line(exc)}", 2) from None
    try:
        yield
    except ArgumentError as exc:  # an unknown dialect or driver
        raise _cli_error(f"invalid {table_set.source}: {_one_line(exc)}", 2) from exc
    except ModuleNotFoundError as exc:  # a driver that is not installed (e.g. postgresql+psycopg2)
        raise _cli_error(f"invalid {table_set.source}: its driver is not installed ({exc.name}); "
                         f"use sqlite:/// or postgresql+psycopg://", 2) from exc
    except DBAPIError as exc:
        reason = _one_line(str(getattr(exc, "orig", None) or exc).strip().splitlines()[0])
        reason = reason.removeprefix("connection failed: ")
        if "failed: " in reason:
            reason = reason.rsplit("failed: ", 1)[1]
        reason = reason.removeprefix("FATAL: ").removeprefix("FATAL:  ").strip()
        if "does not exist" in reason:
            hint = f"create it (createdb) or point {table_set.option} / {table_set.setting} at another"
        elif table_set.url.startswith("sqlite"):
            hint = f"check the file and its directory, or fix {table_set.option} / {table_set.setting}"
        else:
            hint = f"start PostgreSQL or fix {table_set.option} / {table_set.setting}"
        raise _cli_error(f"{table_set.label} database {table_set.shown} unreachable: {reason}; {hint}", 1) from exc
    except (table_set.module.MigrationError, CommandError) as exc:
        raise _cli_error(f"{table_set.label}: {_one_line(exc)}", 1) from exc


def _prepare_sqlite_dir(table_set: _TableSet) -> None:
    path = _sqlite_file(table_set.url)
    if path is None or path.parent.is_dir():
        return
    if table_set.url == table_set.default_url:
        path.parent.mkdir(parents=True, exist_ok=True)
        return
    raise _cli_error(f"the directory {path.parent} of the {table_set.label}'s SQLite database {path.name} does not "
                     f"exist; create it, or fix {table_set.option} / {table_set.setting}", 2)


def upgrade_line(label: str, result) -> str:
    applied = f"upgraded to {result.after} (applied: {', '.join(result.applied)})" if result.applied \
        else f"already at {result.after}"
    if result.adopted:
        return f"{label}: stamped the tables made before migrations at revision 0001 (rows kept); {applied}"
    return f"{label}: {applied}"


def current_line(label: str, module: ModuleType, state) -> str:
    if state.revision is None:
        if state.pre_migration_tables:
            return (f"{label}: none (tables made before migrations: {', '.join(state.pre_migration_tables)}; "
                    f"'newsingest db upgrade' stamps them at {module.BASELINE} and upgrades to {state.head})")
        return f"{label}: none (no tables; 'newsingest db upgrade' creates them at {state.head})"
    if state.revision == state.head:
        return f"{label}: {state.revision} (head)"
    try:
        module.script().get_revision(state.revision)
    except Exception:  # noqa: BLE001 - alembic's ResolutionError: a revision this release does not have
        return f"{label}: {state.revision} (unknown to this release, whose head is {state.head}: a newer release?)"
    return f"{label}: {state.revision} (head is {state.head}; run 'newsingest db upgrade')"


DatabaseUrl = Annotated[str | None, typer.Option("--database-url", help="override NEWSINGEST_DATABASE_URL")]
CrawlStateUrl = Annotated[str | None, typer.Option("--crawl-state-url", help="override NEWSINGEST_CRAWL_STATE_URL")]


@db_app.command("upgrade")
def upgrade(database_url: DatabaseUrl = None, crawl_state_url: CrawlStateUrl = None) -> None:
    """Bring the store's and the crawl state's tables to the latest revision (idempotent; safe beside running
    processes and other upgrades). Tables made before migrations are stamped at 0001, rows kept."""
    sets, connect_timeout_s = _table_sets(database_url, crawl_state_url)
    for table_set in sets:
        _prepare_sqlite_dir(table_set)
        with _failures(table_set):
            result = table_set.module.run_upgrade(table_set.url, connect_timeout_s=connect_timeout_s)
        typer.echo(upgrade_line(table_set.label, result))


@db_app.command("current")
def current(
    database_url: DatabaseUrl = None,
    crawl_state_url: CrawlStateUrl = None,
    check: Annotated[bool, typer.Option("--check", help="exit 1 unless both are at the latest revision")] = False,
) -> None:
    """The revision each table set's database is at, and the latest this release knows."""
    sets, connect_timeout_s = _table_sets(database_url, crawl_state_url)
    behind = []
    for table_set in sets:
        path = _sqlite_file(table_set.url)
        if path is not None and not path.exists():  # never create an empty file just to look
            typer.echo(f"{table_set.label}: none (no database at {path})")
            behind.append(table_set.label)
            continue
        with _failures(table_set):
            state = table_set.module.state(table_set.url, connect_timeout_s=connect_timeout_s)
        typer.echo(current_line(table_set.label, table_set.module, state))
        if state.revision != state.head:
            behind.append(table_set.label)
    if check and behind:
        raise _cli_error(f"not at the latest revision: {', '.join(behind)}; run 'newsingest db upgrade'", 1)
