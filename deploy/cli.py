"""The `newsingest` command line."""

from __future__ import annotations

import datetime
import json
import sys
import traceback
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from deploy import db_cli
from deploy.portals_cli import portals_app
from schemas.logs import configure_logging, redact
from schemas.settings import DEFAULT_DATABASE_URL, Settings, SettingsError, load_settings

BROKER_HINT = ("start one with 'newsingest broker' and export the address it prints "
               "(NEWSINGEST_KAFKA_BOOTSTRAP_SERVERS=host:port)")


class CliError(Exception):
    """A failure the user can act on: printed as one line, `error: <message>`, exit `code`
    (2 for bad input, 1 for an unreachable or missing service)."""

    def __init__(self, message: str, code: int = 2) -> None:
        super().__init__(message)
        self.code = code


class _State:
    debug = False
    verbose = False


def _one_line(text: object) -> str:
    return " ".join(str(text).split())


class _App(typer.Typer):
    """Every failure is one line on stderr; `--debug` adds the traceback."""

    def __call__(self, *args, **kwargs):
        # Not standalone: Click would print a usage error itself, as a box of several lines, and exit.
        kwargs.setdefault("standalone_mode", False)
        try:
            code = super().__call__(*args, **kwargs)
        except typer.Abort:
            failure: Exception = CliError("aborted", 1)
        except Exception as exc:  # noqa: BLE001 - every failure: one line, the traceback on request
            failure = exc
        else:
            # Not standalone, Click returns the code of a typer.Exit (and a command's return value otherwise).
            sys.exit(code if isinstance(code, int) and not isinstance(code, bool) else 0)
        from crawlers.registry import RegistryError
        from deploy.broker import BrokerError

        if isinstance(failure, typer.TyperException) and hasattr(failure, "format_message"):
            # Click's own errors (typer vendors Click): a usage error (exit 2) names the command's --help.
            code, message = getattr(failure, "exit_code", 1), failure.format_message()
            if not message.strip():  # no arguments: Click printed the help already, as before
                sys.exit(code)
            ctx = getattr(failure, "ctx", None)
            if code == 2 and ctx is not None:
                message = f"{message} (see: {ctx.command_path} --help)"
        elif isinstance(failure, CliError):
            code, message = failure.code, str(failure)
        elif isinstance(failure, (SettingsError, RegistryError)):
            code, message = 2, str(failure)
        elif isinstance(failure, BrokerError):
            code, message = 1, str(failure)
        else:
            code = 1
            message = f"unexpected {type(failure).__name__}: {failure} (run with --debug for the traceback)"
        if _State.debug:
            traceback.print_exception(failure)
        sys.stderr.write(f"error: {redact(_one_line(message))}\n")  # an echoed setting may hold a password
        sys.stderr.flush()
        sys.exit(code)


app = _App(add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False,
           help="newsingest: meeting reports from Vietnamese provincial portals, on Kafka.")
schemas_app = typer.Typer(no_args_is_help=True, help="JSON Schemas for subscribers.")
app.add_typer(schemas_app, name="schemas")
app.add_typer(portals_app, name="portals")
topics_app = typer.Typer(help="Create or check the Kafka topics (partitions, replication, retention, compaction).",
                         no_args_is_help=True)
app.add_typer(topics_app, name="topics")
db_cli.register(app)
console = Console(width=None if sys.stdout.isatty() else 180)
err = Console(stderr=True, width=None if sys.stderr.isatty() else 400)


@app.callback()
def _global(
    debug: Annotated[bool, typer.Option("--debug", help="show the full traceback of a failure")] = False,
    verbose: Annotated[bool, typer.Option("-v", "--verbose",
                                          help="log Scrapy's settings and component lists too")] = False,
) -> None:
    _State.debug = debug
    _State.verbose = verbose


def _settings(role: str | None = None, **overrides) -> Settings:
    settings = load_settings(**{k: v for k, v in overrides.items() if v is not None})  # SettingsError: one line
    configure_logging(settings.log_level, settings.log_format, role=role, debug_loggers=settings.debug_loggers)
    return settings


def _require_bootstrap(settings: Settings, command: str) -> str:
    """The configured broker, once it answered; one line naming what to do when it is unset or absent."""
    from deploy.broker import wait_for_broker

    if not settings.kafka_bootstrap_servers:
        raise CliError(f"`{command}` needs a Kafka broker and NEWSINGEST_KAFKA_BOOTSTRAP_SERVERS is not set; "
                       f"{BROKER_HINT}", 2)
    wait_for_broker(settings.kafka_bootstrap_servers, settings.kafka_connect_timeout_s,  # BrokerUnreachable: 1
                    settings.kafka_client_config())
    return settings.kafka_bootstrap_servers


def sqlite_path(url: str) -> Path | None:
    """The file of a sqlite:/// URL; None for an in-memory database or another dialect."""
    if not url.startswith("sqlite:///") or url.startswith("sqlite:///:memory:"):
        return None
    return Path(url.removeprefix("sqlite:///").split("?", 1)[0]).expanduser()


def check_database(settings: Settings, *, create_dir: bool = False, must_exist: bool = False) -> None:
    """Refuse a database the command cannot use, before anything starts, with one line.

    SQLite: the directory must exist; it is created only for the default ./data/newsingest.db, with
    --create-db-dir or with NEWSINGEST_DATABASE_CREATE_DIR=true. PostgreSQL: one connection within
    NEWSINGEST_DATABASE_CONNECT_TIMEOUT_S (a refused port, an unknown host or a missing database are exit 1)."""
    url = settings.database_url
    timeout_s = settings.database_connect_timeout_s
    if url.startswith("sqlite"):
        path = sqlite_path(url)
        if path is None:
            return
        if must_exist and not path.exists():
            if not path.parent.is_dir() and url != DEFAULT_DATABASE_URL:
                raise CliError(f"no database at {path}: the directory {path.parent} does not exist; "
                               f"pass --database-url or set NEWSINGEST_DATABASE_URL", 2)
            raise CliError(f"no database at {path}: nothing has been stored there yet; run 'newsingest up' "
                           f"first, or pass --database-url (NEWSINGEST_DATABASE_URL)", 1)
        if not path.parent.is_dir():
            if create_dir or settings.database_create_dir or url == DEFAULT_DATABASE_URL:
                path.parent.mkdir(parents=True, exist_ok=True)
            else:
                raise CliError(f"the directory {path.parent} of SQLite database {path.name} does not exist; "
                               f"create it, or pass --create-db-dir (NEWSINGEST_DATABASE_CREATE_DIR=true)", 2)
        return
    import sqlalchemy
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError, DBAPIError

    try:
        shown = make_url(url).render_as_string(hide_password=True)
        engine = sqlalchemy.create_engine(url, connect_args={"connect_timeout": timeout_s})
    except (ArgumentError, ValueError) as exc:
        raise CliError(f"invalid setting NEWSINGEST_DATABASE_URL: {exc}", 2) from exc
    try:
        with engine.connect() as conn:
            conn.exec_driver_sql("SELECT 1")
    except DBAPIError as exc:
        reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
        reason = _one_line(reason).removeprefix("connection failed: ")
        if "failed: " in reason:
            reason = reason.rsplit("failed: ", 1)[1]
        reason = reason.removeprefix("FATAL: ").removeprefix("FATAL:  ")
        if "does not exist" in reason:
            hint = "create it (createdb) or point --database-url / NEWSINGEST_DATABASE_URL at another"
        else:
            hint = "start PostgreSQL or fix --database-url / NEWSINGEST_DATABASE_URL"
        raise CliError(f"database {shown} unreachable: {reason.strip()}; {hint}", 1) from exc
    finally:
        engine.dispose()


@app.command()
def up(
    portals: Annotated[Path | None, typer.Option("--portals", help="portal registry YAML")] = None,
    once: Annotated[bool, typer.Option("--once", help="crawl once, drain every topic, exit")] = False,
    base_url: Annotated[str | None, typer.Option(help="replace {base_url} in the registry")] = None,
    create_db_dir: Annotated[bool, typer.Option(
        "--create-db-dir", help="create the directory of a new SQLite database")] = False,
) -> None:
    """Run the broker (embedded unless configured), the crawler, the consumers and the metrics endpoint."""
    from crawlers.registry import load_registry
    from deploy.broker import wait_for_broker
    from deploy.orchestrator import Orchestrator, UpOptions, format_summary
    from deploy.wiring import new_metrics

    settings = _settings(portals_file=portals)
    load_registry(settings.portals_file, base_url=base_url)  # validate before starting anything
    check_database(settings, create_dir=create_db_dir)
    if settings.kafka_bootstrap_servers:
        wait_for_broker(settings.kafka_bootstrap_servers, settings.kafka_connect_timeout_s)
    options = UpOptions(once=once, portals_file=portals, base_url=base_url, verbose=_State.verbose)
    orchestrator = Orchestrator(settings, new_metrics(), options)
    try:
        summary = orchestrator.run()
    except (TimeoutError, RuntimeError) as exc:
        raise CliError(str(exc), 1) from exc
    for line in format_summary(summary):
        console.print(escape(line), highlight=False)
    if once and summary.crawl_exit_code not in (0, None):
        raise CliError("the crawl failed (pages not fetched or not published); see the log above", 1)


@app.command()
def demo(
    keep_db: Annotated[Path | None, typer.Option(help="write the demo database here instead of a temp dir")] = None,
) -> None:
    """Serve the bundled sample portals on 127.0.0.1, run `up --once` against them, print the reports."""
    from deploy.demo import run_demo

    if keep_db is not None and not keep_db.expanduser().parent.is_dir():
        raise CliError(f"the directory {keep_db.expanduser().parent} for --keep-db does not exist; create it first", 2)
    try:
        run_demo(console, keep_db=keep_db, verbose=_State.verbose)
    except (TimeoutError, RuntimeError) as exc:
        raise CliError(str(exc), 1) from exc


@app.command()
def extract(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="saved HTML page")],
    url: Annotated[str, typer.Option(help="the page's URL")],
    portal: Annotated[str, typer.Option(help="portal id")] = "local",
    province: Annotated[str, typer.Option(help="province of the portal")] = "",
) -> None:
    """One saved page through the extract stage; prints the Article as JSON."""
    article = _extract_file(file, url, portal, province)
    print(article.model_dump_json(indent=2))


@app.command()
def process(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="saved HTML page")],
    url: Annotated[str, typer.Option(help="the page's URL")],
    portal: Annotated[str, typer.Option(help="portal id")] = "local",
    province: Annotated[str, typer.Option(help="province of the portal")] = "",
) -> None:
    """One saved page through extract and classify (no Kafka, no store); prints JSON."""
    from consumers.domain.analysis import analyse

    article = _extract_file(file, url, portal, province)
    analysis = analyse(article.title, article.text, article.published_at, article.province)
    out = {
        "article": json.loads(article.model_dump_json()),
        "classification": {
            "is_meeting_report": analysis.classification.is_meeting_report,
            "meeting_type": analysis.classification.meeting_type,
            "confidence": round(analysis.classification.confidence, 4),
            "evidence": analysis.classification.evidence,
        },
        "facts": analysis.facts_json(),
    }
    print(json.dumps(out, ensure_ascii=False, indent=2, default=str))


def _extract_file(file: Path, url: str, portal: str, province: str):
    import datetime as dt

    from consumers.domain.extraction import PageRejected, extract_page
    from consumers.stages.extract import to_article
    from schemas import RawPage

    settings = _settings()
    body = file.read_bytes()
    try:
        extracted = extract_page(body, url, portal=portal, max_bytes=settings.max_page_bytes,
                                 time_budget_s=settings.extract_timeout_s)
    except PageRejected as exc:
        raise CliError(f"page rejected: {exc}", 1) from None
    page = RawPage(url=url, final_url=url, canonical_url=url, portal_id=portal, province=province,
                   fetched_at=dt.datetime.now(dt.timezone.utc), http_status=200, body_encoding="identity",
                   body=b"", body_length=len(body))
    return to_article(page, extracted)


@app.command()
def reports(
    format: Annotated[str, typer.Option("--format", help="table or json")] = "table",
    database_url: Annotated[str | None, typer.Option(help="override NEWSINGEST_DATABASE_URL")] = None,
) -> None:
    """Stored meeting reports."""
    from consumers.adapters.store import DatabaseTimeouts, Store

    if format not in ("table", "json"):
        raise CliError("--format must be table or json", 2)
    settings = _settings(database_url=database_url)
    check_database(settings, must_exist=True)
    store = Store(settings.database_url, DatabaseTimeouts.from_settings(settings))
    try:
        store.create_schema()
        rows = report_rows(store)
    finally:
        store.dispose()
    if format == "json":
        print(json.dumps(rows, ensure_ascii=False, indent=2, default=str))
    else:
        print_reports(console, rows)


def report_rows(store) -> list[dict]:
    out = []
    for row in store.reports():
        payload = row["payload"]
        out.append({
            "report_id": row["report_id"], "version": row["version"], "url": row["url"], "title": row["title"],
            "portal": row["portal_id"], "province": row["province"], "province_current": row["province_current"],
            "meeting_type": row["meeting_type"],
            "meeting_date": row["meeting_date"].isoformat() if row["meeting_date"] else None,
            "published_at": payload.get("published_at"), "event_id": row["event_id"],
            "dedup_outcome": row["dedup_outcome"], "duplicate_of": row["duplicate_of"],
            "similarity": row["similarity"], "confidence": row["confidence"],
            "presiding": [p["name"] for p in payload.get("presiding", [])],
        })
    return out


_SHORT_TYPES = {
    "standing_secretariat_briefing": "secretariat briefing",
    "provincial_party_executive_conference": "prov. party exec.",
    "provincial_party_standing_committee": "prov. party standing",
    "peoples_council_session": "People's Council",
    "peoples_committee_meeting": "People's Committee",
    "district_party_conference": "district party",
    "review_conference": "review conference",
    "other_official_meeting": "other meeting",
}


def print_reports(out: Console, rows: list[dict]) -> None:
    table = Table(title=f"{len(rows)} meeting report(s)")
    for col, width in (("report", 8), ("v", 1), ("portal", 12), ("province → now", 23), ("type", 20),
                       ("meeting", 10), ("event", 8), ("dedup", 22)):
        table.add_column(col, no_wrap=True, min_width=width)
    table.add_column("title", overflow="ellipsis", no_wrap=True, max_width=48)
    for r in rows:
        dedup = r["dedup_outcome"] + (f" of {r['duplicate_of'][:8]}" if r["duplicate_of"] else "")
        table.add_row(r["report_id"][:8], str(r["version"]), r["portal"],
                      f"{r['province']} → {r['province_current'] or '?'}",
                      _SHORT_TYPES.get(r["meeting_type"], r["meeting_type"]),
                      r["meeting_date"] or "", (r["event_id"] or "")[:8], dedup, r["title"])
    out.print(table)


@app.command()
def consume(
    stage: Annotated[str, typer.Argument(help="extract or process")],
    create_db_dir: Annotated[bool, typer.Option(
        "--create-db-dir", help="create the directory of a new SQLite database (process stage)")] = False,
) -> None:
    """Run one consumer stage (one container per stage in production)."""
    import threading

    from deploy.topics import ensure_all
    from deploy.wiring import STAGES, build_info, build_runner, install_stop_signals, new_metrics, stage_probes
    from schemas.probes import serve

    settings = _settings(role=stage)
    if stage not in STAGES:
        raise CliError(f"unknown stage {stage!r}; known: {', '.join(STAGES)}", 2)
    if stage == "process":
        check_database(settings, create_dir=create_db_dir)
    bootstrap = _require_bootstrap(settings, f"consume {stage}")
    ensure_all(settings, bootstrap)
    metrics = new_metrics()
    build_info(metrics, stage)
    runner = build_runner(stage, settings, bootstrap, metrics)
    if settings.metrics_port:
        try:
            serve(metrics.registry, stage_probes(runner), settings.metrics_port, settings.metrics_host)
        except OSError as exc:
            raise CliError(f"cannot serve metrics on {settings.metrics_host}:{settings.metrics_port}: "
                           f"{exc.strerror}; set NEWSINGEST_METRICS_PORT (0 disables)", 2) from exc
    if threading.current_thread() is threading.main_thread():
        install_stop_signals(runner, settings=settings)  # SIGTERM/SIGINT: finish the batch; hard exit after a grace
    runner.run()


@app.command("replay-dead-letters")
def replay_dead_letters(
    stage: Annotated[str, typer.Argument(help="extract or process: whose dead letters to replay")],
    limit: Annotated[int | None, typer.Option(min=1, help="replay at most this many")] = None,
    max_replays: Annotated[int | None, typer.Option(
        min=1, help="republish one message at most this often (default NEWSINGEST_DEAD_LETTER_MAX_REPLAYS)")] = None,
    from_beginning: Annotated[bool, typer.Option(
        "--from-beginning", help="consider every letter on the topic, not only those since the last run")] = False,
) -> None:
    """Put dead-lettered messages back on their original topic (after fixing their cause).

    Reads the dead-letter topic from where the last replay stopped up to its end when the run started,
    republishes each letter unless it was already replayed --max-replays times, commits, prints a summary."""
    from consumers.adapters.kafka import make_producer
    from consumers.replay import replay_topic

    settings = _settings()
    topics = settings.topics()
    topic = {"extract": topics.raw_pages_dead_letter, "process": topics.articles_dead_letter}.get(stage)
    if topic is None:
        raise CliError(f"unknown stage {stage!r}; known: extract, process", 2)
    bootstrap = _require_bootstrap(settings, "replay-dead-letters")
    # The stages' own record limit: a whole dead letter may carry a payload up to it (make_producer's default,
    # 4 MB, refused larger ones and stopped every run at the same letter).
    producer = make_producer(bootstrap, client_id="newsingest-replay",
                             max_request_size=settings.kafka_max_message_bytes,
                             client_config=settings.kafka_client_config())
    try:
        result = replay_topic(bootstrap, topic, group_id=f"{settings.consumer_group_prefix}.replay.{stage}",
                              producer=producer, stage=stage, limit=limit,
                              max_replays=max_replays or settings.dead_letter_max_replays,
                              from_beginning=from_beginning,
                              timeout_s=max(30.0, settings.kafka_connect_timeout_s),
                              client_config=settings.kafka_client_config())
    finally:
        producer.close()
    console.print(escape(result.summary(topic)), highlight=False)


@app.command()
def broker(
    port: Annotated[int, typer.Option(min=1, max=65535, help="port to listen on")] = 9092,
    host: Annotated[str, typer.Option(help="address to listen on and advertise")] = "127.0.0.1",
    storage: Annotated[str | None, typer.Option(
        help="Tansu storage engine (default NEWSINGEST_BROKER_STORAGE_URL: memory://tansu/)")] = None,
) -> None:
    """Run the embedded broker (Tansu) in the foreground, create the topics, print the address to export.

    For running the stages separately on one machine: `consume`, `crawl` and `replay-dead-letters` in other
    terminals, after `export NEWSINGEST_KAFKA_BOOTSTRAP_SERVERS=...`. Ctrl-C or SIGTERM stops it."""
    import signal
    import threading

    from deploy.broker import EmbeddedBroker
    from deploy.topics import ensure_all

    settings = _settings(broker_storage_url=storage)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    embedded = EmbeddedBroker(host=host, port=port, storage=settings.broker_storage_url)
    embedded.start()  # BrokerError (port taken, binary missing, not ready): one line, exit 1
    try:
        ensure_all(settings, embedded.bootstrap_servers, alter=True)
        print(f"export NEWSINGEST_KAFKA_BOOTSTRAP_SERVERS={embedded.bootstrap_servers}", flush=True)
        err.print(f"embedded broker on {embedded.bootstrap_servers} (storage {escape(settings.broker_storage_url)}), "
                  f"topics created; run the export above in other terminals, then e.g. 'newsingest consume "
                  f"extract'. Ctrl-C stops it.", highlight=False)
        while not stop.wait(0.5):
            if embedded.process is not None and embedded.process.poll() is not None:
                raise CliError(f"the embedded broker exited with {embedded.process.returncode}; "
                               f"its log: {embedded.log_path}", 1)
    finally:
        embedded.stop()


@app.command()
def crawl(
    portals: Annotated[Path | None, typer.Option("--portals", help="portal registry YAML")] = None,
    watch: Annotated[bool, typer.Option("--watch", help="keep running: poll each portal on its own adaptive "
                                        "schedule, refetching nothing unchanged (the crawler container)")] = False,
    backfill: Annotated[bool, typer.Option("--backfill", help="walk one portal's archive (--portal, --until); "
                                           "resumes where the last backfill stopped")] = False,
    portal: Annotated[str | None, typer.Option("--portal", help="the portal to backfill")] = None,
    until: Annotated[str | None, typer.Option("--until", help="backfill back to this day, YYYY-MM-DD")] = None,
) -> None:
    """Crawl every portal once and publish RawPages, or watch them (--watch, the crawler container's command)."""
    import os
    import signal
    import subprocess

    from crawlers.registry import load_registry
    from schemas.settings import settings_env

    if backfill and (watch or not portal or not until):
        raise CliError("--backfill needs --portal ID and --until YYYY-MM-DD, and runs apart from --watch", 2)
    settings = _settings(portals_file=portals)
    registry = load_registry(settings.portals_file)  # RegistryError: one line, exit 2
    if backfill:
        # Bad input is said at once, before any wait for the broker.
        if portal not in {p.id for p in registry}:
            raise CliError(f"unknown portal {portal!r} in {settings.portals_file or 'the bundled registry'}; "
                           "`newsingest portals list` shows the ids", 2)
        try:
            datetime.date.fromisoformat(until)
        except ValueError:
            raise CliError(f"--until expects YYYY-MM-DD, got {until!r}", 2) from None
    _require_bootstrap(settings, "crawl")
    child: list[subprocess.Popen] = []

    def handler(*_):
        for proc in child:
            proc.send_signal(signal.SIGINT)

    signal.signal(signal.SIGTERM, handler)
    signal.signal(signal.SIGINT, handler)
    env = {**os.environ, **settings_env(settings)}
    cmd = [sys.executable, "-m", "crawlers.run"] + (["--verbose"] if _State.verbose else []) + \
        (["--watch"] if watch else []) + (["--backfill", portal, "--until", until] if backfill else [])
    # A child process in its own session: the crawl gets exactly one SIGINT from here, and a crawl that
    # crashes leaves this command able to say so.
    proc = subprocess.Popen(cmd, env=env, stdin=subprocess.DEVNULL, start_new_session=True)
    child[:] = [proc]
    raise typer.Exit(proc.wait())


def _topic_states(alter: bool | None):
    from deploy.topics import admin_client, describe, ensure, topic_specs

    settings = _settings()
    bootstrap = _require_bootstrap(settings, "topics")
    admin = admin_client(bootstrap, settings)
    try:
        specs = topic_specs(settings)
        return describe(admin, specs) if alter is None else ensure(admin, specs, alter=alter)
    finally:
        admin.close()


@topics_app.command("ensure")
def topics_ensure() -> None:
    """Create missing topics and set configs that differ (idempotent; the init step before every role).
    Exits 1 if something still differs afterwards (e.g. fewer partitions than NEWSINGEST_TOPIC_PARTITIONS)."""
    states = _topic_states(alter=True)
    for state in states:
        console.print(escape(state.line()), highlight=False, soft_wrap=True)
    if any(s.differences for s in states):
        raise CliError("some topics still differ from the desired state (see above)", 1)


@topics_app.command("describe")
def topics_describe() -> None:
    """Print each topic as it exists and what differs from the desired state; exits 1 if anything differs."""
    states = _topic_states(alter=None)
    for state in states:
        console.print(escape(state.line()), highlight=False, soft_wrap=True)
    if any(s.differences for s in states):
        raise typer.Exit(1)


@schemas_app.command("export")
def schemas_export(directory: Annotated[Path, typer.Argument(help="where to write the .json files")]) -> None:
    """Write one JSON Schema per message model."""
    from schemas.export import write

    for path in write(directory):
        console.print(str(path))


if __name__ == "__main__":
    # Run the importable module's app, not this __main__ copy: deploy.db_cli raises deploy.cli.CliError, which
    # this copy's handler would not recognise (exit 1 "unexpected" instead of its own code).
    from deploy.cli import app as _app

    _app()
