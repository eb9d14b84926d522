"""Bootstrap: builds the real adapters and stages from Settings. The only place that knows them all."""

from __future__ import annotations

from prometheus_client import CollectorRegistry

from consumers.adapters.kafka import make_consumer, make_producer
from consumers.adapters.metrics import ConsumerMetrics
from consumers.adapters.near_index import NearDuplicateIndex
from consumers.adapters.store import Store
from consumers.domain.extraction import BoilerplateMemory
from consumers.runner import Runner
from consumers.stages.extract import ExtractStage
from consumers.stages.process import ProcessStage
from schemas.settings import Settings

STAGES = ("extract", "process")


def build_stage(name: str, settings: Settings, metrics: ConsumerMetrics, store: Store | None = None):
    topics = settings.topics()
    if name == "extract":
        stage = ExtractStage(output_topic=topics.articles, max_page_bytes=settings.max_page_bytes,
                             time_budget_s=settings.extract_timeout_s, boilerplate=BoilerplateMemory(),
                             health=metrics.extraction)
        return stage, topics.raw_pages, topics.raw_pages_dead_letter
    if name == "process":
        store = store or Store(settings.database_url)
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
    consumer = make_consumer(
        bootstrap, group_id=f"{settings.consumer_group_prefix}.{name}", topic=input_topic,
        session_timeout_ms=settings.kafka_session_timeout_ms,
        heartbeat_interval_ms=settings.kafka_heartbeat_interval_ms,
        max_poll_records=settings.kafka_max_poll_records, client_id=f"newsingest-{name}",
        max_poll_interval_ms=settings.max_poll_interval_ms,
    )
    producer = make_producer(bootstrap, client_id=f"newsingest-{name}")
    return Runner(stage, consumer=consumer, producer=producer, input_topic=input_topic,
                  dead_letter_topic=dead_letter_topic, metrics=metrics, max_attempts=settings.stage_max_attempts)


def new_metrics() -> ConsumerMetrics:
    return ConsumerMetrics(CollectorRegistry())
