"""The `newsingest` command line."""

from __future__ import annotations

import json
import logging
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from schemas.settings import Settings, SettingsError, load_settings

app = typer.Typer(add_completion=False, no_args_is_help=True,
                  help="newsingest: meeting reports from Vietnamese provincial portals, on Kafka.")
schemas_app = typer.Typer(no_args_is_help=True, help="JSON Schemas for subscribers.")
app.add_typer(schemas_app, name="schemas")
console = Console(width=None if sys.stdout.isatty() else 180)
err = Console(stderr=True)


def _settings(**overrides) -> Settings:
    try:
        settings = load_settings(**{k: v for k, v in overrides.items() if v is not None})
    except SettingsError as exc:
        err.print(f"[red]error:[/] {exc}")
        raise typer.Exit(2) from None
    logging.basicConfig(level=settings.log_level.upper(),
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s", stream=sys.stderr)
    # kafka-python logs every connection at INFO; operators need its warnings, not its chatter.
    logging.getLogger("kafka").setLevel(max(logging.WARNING, logging.getLogger().level))
    return settings


@app.command()
def up(
    portals: Annotated[Path | None, typer.Option("--portals", help="portal registry YAML")] = None,
    once: Annotated[bool, typer.Option("--once", help="crawl once, drain every topic, exit")] = False,
    base_url: Annotated[str | None, typer.Option(help="replace {base_url} in the registry")] = None,
) -> None:
    """Run the broker (embedded unless configured), the crawler, the consumers and the metrics endpoint."""
    from deploy.orchestrator import Orchestrator, UpOptions
    from deploy.wiring import new_metrics

    settings = _settings(portals_file=portals)
    from crawlers.registry import RegistryError, load_registry  # validate before starting anything

    try:
        load_registry(settings.portals_file, base_url=base_url)
    except RegistryError as exc:
        err.print(f"[red]error:[/] {exc}")
        raise typer.Exit(2) from None
    orchestrator = Orchestrator(settings, new_metrics(), UpOptions(once=once, portals_file=portals, base_url=base_url))
    try:
        summary = orchestrator.run()
    except (TimeoutError, RuntimeError) as exc:
        err.print(f"[red]error:[/] {exc}")
        raise typer.Exit(1) from None
    err.print(f"done: {summary.handled}, crawl exit {summary.crawl_exit_code}")
    if once and summary.crawl_exit_code not in (0, None):
        err.print("[red]error:[/] the crawl failed (pages not fetched or not published); see the log above")
        raise typer.Exit(1)


@app.command()
def demo(
    keep_db: Annotated[Path | None, typer.Option(help="write the demo database here instead of a temp dir")] = None,
) -> None:
    """Serve the bundled sample portals on 127.0.0.1, run `up --once` against them, print the reports."""
    from deploy.demo import run_demo

    run_demo(console, keep_db=keep_db)


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
        err.print(f"[red]rejected:[/] {exc}")
        raise typer.Exit(1) from None
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
    from consumers.adapters.store import Store

    settings = _settings(database_url=database_url)
    store = Store(settings.database_url)
    store.create_schema()
    rows = report_rows(store)
    if format == "json":
        print(json.dumps(rows, ensure_ascii=False, indent=2, default=str))
    elif format == "table":
        print_reports(console, rows)
    else:
        err.print("[red]error:[/] --format must be table or json")
        raise typer.Exit(2)


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
def consume(stage: Annotated[str, typer.Argument(help="extract or process")]) -> None:
    """Run one consumer stage (one container per stage in production)."""
    import signal
    import threading

    from consumers.adapters.kafka import ensure_topics
    from consumers.adapters.metrics import serve
    from deploy.wiring import STAGES, build_runner, new_metrics

    settings = _settings()
    if stage not in STAGES:
        err.print(f"[red]error:[/] unknown stage {stage!r}; known: {', '.join(STAGES)}")
        raise typer.Exit(2)
    if not settings.kafka_bootstrap_servers:
        err.print("[red]error:[/] NEWSINGEST_KAFKA_BOOTSTRAP_SERVERS is required for `consume`")
        raise typer.Exit(2)
    ensure_topics(settings.kafka_bootstrap_servers, settings.topics().all(),
                  partitions=settings.topic_partitions, replication_factor=settings.topic_replication_factor)
    metrics = new_metrics()
    if settings.metrics_port:
        serve(metrics.registry, settings.metrics_port, settings.metrics_host)
    runner = build_runner(stage, settings, settings.kafka_bootstrap_servers, metrics)
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, lambda *_: runner.stop())
        signal.signal(signal.SIGINT, lambda *_: runner.stop())
    runner.run()


@app.command("replay-dead-letters")
def replay_dead_letters(
    stage: Annotated[str, typer.Argument(help="extract or process: whose dead letters to replay")],
    limit: Annotated[int | None, typer.Option(help="replay at most this many")] = None,
) -> None:
    """Put dead-lettered messages back on their original topic (after fixing their cause)."""
    from kafka import KafkaConsumer

    from consumers.adapters.kafka import make_producer
    from consumers.replay import replay

    settings = _settings()
    if not settings.kafka_bootstrap_servers:
        err.print("[red]error:[/] NEWSINGEST_KAFKA_BOOTSTRAP_SERVERS is required for `replay-dead-letters`")
        raise typer.Exit(2)
    topics = settings.topics()
    topic = {"extract": topics.raw_pages_dead_letter, "process": topics.articles_dead_letter}.get(stage)
    if topic is None:
        err.print("[red]error:[/] stage must be extract or process")
        raise typer.Exit(2)
    consumer = KafkaConsumer(
        topic, bootstrap_servers=settings.kafka_bootstrap_servers.split(","),
        group_id=f"{settings.consumer_group_prefix}.replay.{stage}", enable_auto_commit=False,
        auto_offset_reset="earliest", session_timeout_ms=settings.kafka_session_timeout_ms,
        heartbeat_interval_ms=settings.kafka_heartbeat_interval_ms,
    )
    producer = make_producer(settings.kafka_bootstrap_servers, client_id="newsingest-replay")
    try:
        count = replay(consumer, producer, stage=stage, limit=limit)
    finally:
        producer.close()
        consumer.close()
    console.print(f"replayed {count} dead letter(s) from {topic}")


@app.command()
def crawl(
    portals: Annotated[Path | None, typer.Option("--portals", help="portal registry YAML")] = None,
    loop: Annotated[bool, typer.Option("--loop", help="crawl every NEWSINGEST_CRAWL_INTERVAL_S until stopped")] = False,
) -> None:
    """Crawl every portal and publish RawPages (the crawler container's command)."""
    import signal
    import subprocess
    import threading

    from schemas.settings import settings_env

    settings = _settings(portals_file=portals)
    if not settings.kafka_bootstrap_servers:
        err.print("[red]error:[/] NEWSINGEST_KAFKA_BOOTSTRAP_SERVERS is required for `crawl`")
        raise typer.Exit(2)
    stop = threading.Event()
    child: list[subprocess.Popen] = []

    def handler(*_):
        stop.set()
        for proc in child:
            proc.send_signal(signal.SIGINT)

    signal.signal(signal.SIGTERM, handler)
    signal.signal(signal.SIGINT, handler)
    import os

    env = {**os.environ, **settings_env(settings)}
    while True:
        # A fresh process per cycle: Twisted's reactor cannot be restarted inside one process.
        proc = subprocess.Popen([sys.executable, "-m", "crawlers.run"], env=env, stdin=subprocess.DEVNULL,
                                start_new_session=True)
        child[:] = [proc]
        code = proc.wait()
        if not loop or stop.is_set():
            raise typer.Exit(code)
        stop.wait(settings.crawl_interval_s)
        if stop.is_set():
            raise typer.Exit(0)


@schemas_app.command("export")
def schemas_export(directory: Annotated[Path, typer.Argument(help="where to write the .json files")]) -> None:
    """Write one JSON Schema per message model."""
    from schemas.export import write

    for path in write(directory):
        console.print(str(path))


if __name__ == "__main__":
    app()
