"""Bootstrap: builds the real adapters and stages from Settings. The only place that knows them all."""

from __future__ import annotations

import logging
import os
import signal
import threading

from prometheus_client import CollectorRegistry

from consumers.adapters.kafka import make_consumer, make_producer
from consumers.adapters.metrics import ConsumerMetrics
from consumers.adapters.near_index import NearDuplicateIndex
from consumers.adapters.store import DatabaseTimeouts, Store
from consumers.adapters.templates import SqlTemplateStore
from consumers.domain.extraction import BoilerplateMemory
from consumers.domain.extraction.boilerplate import NoBoilerplate, PortalChrome
from consumers.domain.extraction.template import TemplateMemory
from consumers.runner import Runner
from consumers.stages.extract import ExtractStage
from consumers.stages.process import ProcessStage
from schemas.probes import Probes
from schemas.settings import Settings

STAGES = ("extract", "process")
DEFAULT_SHUTDOWN_GRACE_S = 25.0  # below Kubernetes' default 30 s termination grace period

log = logging.getLogger(__name__)


# How often an extract replica stores what it observed and reads the portals' templates back.
TEMPLATE_REFRESH_S = 10.0
# Stage producers: the runner flushes at the end of every polled batch and commits only then, so a long linger
# costs no latency beyond the batch; it packs a batch's outputs into a few produce requests instead of one
# request per output (each request costs the client's network thread about 1 ms of CPU).
STAGE_PRODUCER_LINGER_MS = 200
STAGE_PRODUCER_BATCH_BYTES = 1024 * 1024


def build_portal_chrome(settings: Settings, metrics: ConsumerMetrics | None = None) -> PortalChrome:
    """The extract stage's memory of portals' chrome (NEWSINGEST_TEMPLATE_LEARNING): templates shared through the
    database the process stage uses (default), one process's own memory, or none."""
    mode = settings.template_learning
    if mode == "off":
        return NoBoilerplate()
    if mode == "process":
        return BoilerplateMemory()
    store = SqlTemplateStore(settings.database_url, registry=metrics.registry if metrics is not None else None)
    return TemplateMemory(store, refresh_s=TEMPLATE_REFRESH_S, on_relearned=store.count_relearned,
                          on_error=store.count_error)


def build_stage(name: str, settings: Settings, metrics: ConsumerMetrics, store: Store | None = None):
    topics = settings.topics()
    if name == "extract":
        stage = ExtractStage(output_topic=topics.articles, max_page_bytes=settings.max_page_bytes,
                             time_budget_s=settings.extract_timeout_s,
                             boilerplate=build_portal_chrome(settings, metrics),
                             health=metrics.extraction, max_text_bytes=settings.max_article_bytes)
        return stage, topics.raw_pages, topics.raw_pages_dead_letter
    if name == "process":
        store = store or Store(settings.database_url, DatabaseTimeouts.from_settings(settings))
        store.create_schema()
        stage = ProcessStage(store=store, reports_topic=topics.meeting_reports, events_topic=topics.events,
                             near_index=NearDuplicateIndex(threshold=settings.near_duplicate_threshold,
                                                           window_days=settings.dedup_window_days),
                             metrics=metrics)
        return stage, topics.articles, topics.articles_dead_letter
    raise ValueError(f"unknown stage {name!r}; known: {', '.join(STAGES)}")


def build_runner(name: str, settings: Settings, bootstrap: str, metrics: ConsumerMetrics,
                 store: Store | None = None) -> Runner:
    stage, input_topic, dead_letter_topic = build_stage(name, settings, metrics, store)
    max_message_bytes = settings.kafka_max_message_bytes
    consumer = make_consumer(
        bootstrap, group_id=f"{settings.consumer_group_prefix}.{name}", topic=input_topic,
        session_timeout_ms=settings.kafka_session_timeout_ms,
        heartbeat_interval_ms=settings.kafka_heartbeat_interval_ms,
        max_poll_records=settings.kafka_max_poll_records, client_id=f"newsingest-{name}",
        max_poll_interval_ms=settings.max_poll_interval_ms, max_message_bytes=max_message_bytes,
        client_config=settings.kafka_client_config(),
    )

    def producer_factory():
        return make_producer(bootstrap, client_id=f"newsingest-{name}", max_request_size=max_message_bytes,
                             linger_ms=STAGE_PRODUCER_LINGER_MS,
                             batch_size=min(STAGE_PRODUCER_BATCH_BYTES, max_message_bytes),
                             client_config=settings.kafka_client_config())

    store = getattr(stage, "store", None)
    return Runner(stage, consumer=consumer, producer_factory=producer_factory, input_topic=input_topic,
                  dead_letter_topic=dead_letter_topic, metrics=metrics, max_attempts=settings.stage_max_attempts,
                  max_message_bytes=max_message_bytes, health_check=store.ping if store is not None else None)


def install_stop_signals(runner: Runner, grace_s: float | None = None, *, settings: Settings | None = None,
                         exit=os._exit) -> None:
    """SIGTERM/SIGINT stop the runner (it finishes the batch, commits and closes). If it has not stopped
    `grace_s` seconds later (a call stuck in a driver, a broker that never answers), log and exit the
    process hard, so an orchestrator's stop is honoured within a bound. A second signal exits at once.
    Call from the main thread (`newsingest consume`)."""
    if grace_s is None:
        grace_s = settings.shutdown_grace_s if settings is not None else DEFAULT_SHUTDOWN_GRACE_S
    signalled = threading.Event()

    def hard_exit(signum: int, why: str) -> None:
        log.critical("stage %s did not stop %s after signal %s; exiting hard (uncommitted messages are "
                     "replayed by the next consumer)", runner.stage.name, why, signum)
        for handler_ in logging.getLogger().handlers:
            handler_.flush()
        exit(128 + signum)

    def watchdog(signum: int) -> None:
        if not runner.stopped.wait(grace_s):
            hard_exit(signum, f"within {grace_s:.0f}s")

    def handler(signum, _frame) -> None:
        if signalled.is_set():
            hard_exit(signum, "before a second signal")
            return
        signalled.set()
        log.info("signal %s: stopping stage %s (hard exit after %.0fs)", signum, runner.stage.name, grace_s)
        runner.stop()
        threading.Thread(target=watchdog, args=(signum,), name="stop-watchdog", daemon=True).start()

    signal.signal(signal.SIGTERM, handler)
    signal.signal(signal.SIGINT, handler)


def new_metrics() -> ConsumerMetrics:
    return ConsumerMetrics(CollectorRegistry())


def stage_probes(runner: Runner, stale_s: float | None = None, probes: Probes | None = None) -> Probes:
    """/healthz and /readyz of a consumer stage, from state its loop keeps (never a call to the broker).

    Live: the loop turned within `stale_s` (default: long enough for the slowest legitimate turn, a full
    flush timeout plus the longest pause plus a database operation) and has not ended.
    Ready: the consumer holds a broker connection, has partitions assigned, and (process) its database
    answered last time it was used or checked."""
    import time

    limit = stale_s if stale_s is not None else max(120.0, 3 * (runner.flush_timeout_s + runner.max_backoff_s))
    probes = probes if probes is not None else Probes()
    name = runner.stage.name

    def loop() -> tuple[bool, str]:
        if runner.stopped.is_set():
            return False, "stage loop ended"
        age = time.monotonic() - runner.last_turn
        return age <= limit, f"last turn {age:.1f}s ago (limit {limit:.0f}s)"

    def broker() -> tuple[bool, str]:
        count = runner.broker_connections
        return count > 0, f"{count} broker connection(s)"

    def partitions() -> tuple[bool, str]:
        return runner.assigned > 0, f"{runner.assigned} partition(s) assigned"

    probes.live(f"{name}.loop", loop)
    probes.ready(f"{name}.broker", broker)
    probes.ready(f"{name}.partitions", partitions)
    if runner.health_check is not None:
        def database() -> tuple[bool, str]:
            state = runner.database_up
            return bool(state), {None: "not checked yet", True: "answered", False: "unreachable"}[state]

        probes.ready(f"{name}.database", database)
    return probes


def build_info(metrics: ConsumerMetrics, role: str) -> None:
    from importlib.metadata import PackageNotFoundError, version

    try:
        current = version("newsingest")
    except PackageNotFoundError:  # running from a source tree that was never installed
        current = "unknown"
    metrics.build_info.labels(current, role).set(1)
