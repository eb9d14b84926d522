"""A database outage pauses the runner instead of dead-lettering; dead letters can be replayed."""

import threading
import time

from sqlalchemy.exc import OperationalError

from consumers.adapters.kafka import ensure_topics, make_producer
from consumers.replay import replay_topic
from deploy.wiring import build_runner, new_metrics
from schemas import Article, DeadLetter, decode, encode
from tests.kafka_helpers import produce, read_topic, unique_settings
from tests.stage_helpers import article


class FlakyDatabase:
    """Wraps a stage; the database is 'down' for the first `failures` calls."""

    def __init__(self, stage, failures: int) -> None:
        self.stage = stage
        self.failures = failures
        self.name = stage.name
        self.input_model = stage.input_model

    def __call__(self, message):
        if self.failures > 0:
            self.failures -= 1
            raise OperationalError("SELECT 1", {}, Exception("connection refused"))
        return self.stage(message)


def test_database_outage_pauses_then_processes_without_dead_letters(broker, sqlite_url):
    settings = unique_settings(broker.bootstrap_servers, database_url=sqlite_url, topic_partitions=1)
    topics = settings.topics()
    ensure_topics(broker.bootstrap_servers, topics.all(), partitions=1, replication_factor=1)
    produce(broker.bootstrap_servers, topics.articles, [(b"k", encode(article()))])
    metrics = new_metrics()
    runner = build_runner("process", settings, broker.bootstrap_servers, metrics)
    runner.stage = FlakyDatabase(runner.stage, failures=2)
    runner._backoff = 0.1  # noqa: SLF001 - keep the test short
    thread = threading.Thread(target=runner.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not (runner.handled == 1 and runner.caught_up()):
        time.sleep(0.2)
    runner.stop()
    thread.join(30)
    assert runner.handled == 1
    assert metrics.registry.get_sample_value("newsingest_infrastructure_errors_total",
                                             {"stage": "process", "component": "database"}) == 2
    assert read_topic(broker.bootstrap_servers, topics.articles_dead_letter, timeout_s=5) == []
    assert len(read_topic(broker.bootstrap_servers, topics.meeting_reports)) == 1


def test_dead_letters_are_replayed_to_their_original_topic(broker):
    settings = unique_settings(broker.bootstrap_servers, topic_partitions=1)
    topics = settings.topics()
    ensure_topics(broker.bootstrap_servers, topics.all(), partitions=1, replication_factor=1)
    import datetime as dt

    payload = encode(article())
    letter = DeadLetter(stage="process", error_type="storage", error_class="OperationalError", error_message="x",
                        original_topic=topics.articles, original_partition=0, original_offset=7,
                        original_key=b"key-1", original_payload=payload, failed_at=dt.datetime.now(dt.timezone.utc))
    produce(broker.bootstrap_servers, topics.articles_dead_letter, [(b"key-1", encode(letter))])
    producer = make_producer(broker.bootstrap_servers)
    result = replay_topic(broker.bootstrap_servers, topics.articles_dead_letter,
                          group_id=f"{settings.consumer_group_prefix}.replay", producer=producer)
    assert result.replayed == 1
    producer.close()
    (record,) = read_topic(broker.bootstrap_servers, topics.articles)
    assert record.key == b"key-1" and decode(Article, record.value) == article()
