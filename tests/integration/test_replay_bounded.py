"""Dead-letter replay is bounded: a run stops at the end the topic had when it started, reads from where the
last run stopped without waiting for a group join, and republishes one message at most N times."""

from __future__ import annotations

import datetime as dt
import threading
import time

from consumers.adapters.kafka import ensure_topics, make_producer
from consumers.replay import replay_topic
from deploy.wiring import build_runner, new_metrics
from schemas import DeadLetter, RawPage, decode, encode
from tests.kafka_helpers import produce, read_topic, unique_settings


def _letter(topic: str, key: bytes, payload: bytes, stage: str = "extract") -> bytes:
    return encode(DeadLetter(stage=stage, error_type="processing", error_class="Rejected:binary_page",
                             error_message="x", original_topic=topic, original_partition=0, original_offset=0,
                             original_key=key, original_payload=payload, failed_at=dt.datetime.now(dt.timezone.utc)))


def _replay(settings, bootstrap, **kwargs):
    producer = make_producer(bootstrap, client_id="test-replay")
    try:
        return replay_topic(bootstrap, settings.topics().raw_pages_dead_letter,
                            group_id=f"{settings.consumer_group_prefix}.replay.extract", producer=producer,
                            stage="extract", **kwargs)
    finally:
        producer.close()


def test_replay_reads_every_letter_without_waiting_for_a_group_join(broker):
    # Default session timeout: a subscribe()-based replay gave up before the embedded broker finished the join.
    settings = unique_settings(broker.bootstrap_servers, kafka_session_timeout_ms=10_000,
                               kafka_heartbeat_interval_ms=3_000)
    topics = settings.topics()
    ensure_topics(broker.bootstrap_servers, topics.all(), partitions=2, replication_factor=1)
    letters = [(f"k{i}".encode(), _letter(topics.raw_pages, f"k{i}".encode(), f"payload {i}".encode()))
               for i in range(3)]
    produce(broker.bootstrap_servers, topics.raw_pages_dead_letter, letters)
    started = time.monotonic()
    result = _replay(settings, broker.bootstrap_servers)
    assert (result.replayed, result.over_limit, result.unreadable) == (3, 0, 0)
    assert time.monotonic() - started < 20
    replayed = read_topic(broker.bootstrap_servers, topics.raw_pages)
    assert sorted(r.value for r in replayed) == [b"payload 0", b"payload 1", b"payload 2"]
    # The next run starts where this one stopped.
    again = _replay(settings, broker.bootstrap_servers)
    assert again.replayed == 0 and again.summary().startswith("replayed 0 dead letter(s)")


def test_unreadable_letters_and_limit_are_reported(broker):
    settings = unique_settings(broker.bootstrap_servers, topic_partitions=1)
    topics = settings.topics()
    ensure_topics(broker.bootstrap_servers, topics.all(), partitions=1, replication_factor=1)
    produce(broker.bootstrap_servers, topics.raw_pages_dead_letter,
            [(b"a", b"not json"), (b"b", _letter(topics.raw_pages, b"b", b"B")),
             (b"c", _letter(topics.raw_pages, b"c", b"C"))])
    first = _replay(settings, broker.bootstrap_servers, limit=1)
    assert (first.replayed, first.unreadable) == (1, 1)
    second = _replay(settings, broker.bootstrap_servers)
    assert second.replayed == 1
    assert sorted(r.value for r in read_topic(broker.bootstrap_servers, topics.raw_pages)) == [b"B", b"C"]


def test_a_page_that_always_fails_is_not_replayed_forever(broker):
    """Issue 9.6: a binary page re-injected until killed (dead letters 2 -> 918 in 120 s)."""
    settings = unique_settings(broker.bootstrap_servers, topic_partitions=1)
    topics = settings.topics()
    ensure_topics(broker.bootstrap_servers, topics.all(), partitions=1, replication_factor=1)
    page = RawPage(url="http://x.test/a.html", final_url="http://x.test/a.html", canonical_url="http://x.test/a.html",
                   portal_id="x", province="Hà Giang", fetched_at=dt.datetime.now(dt.timezone.utc), http_status=200,
                   content_type="text/html", body_encoding="identity", body=b"%PDF-1.7\x00\x01\x02" * 200,
                   body_length=2800)
    produce(broker.bootstrap_servers, topics.raw_pages, [(page.canonical_url.encode(), encode(page))])
    runner = build_runner("extract", settings, broker.bootstrap_servers, new_metrics())
    thread = threading.Thread(target=runner.run, daemon=True)
    thread.start()
    try:
        def letters(expected: int) -> list:
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                found = read_topic(broker.bootstrap_servers, topics.raw_pages_dead_letter, timeout_s=10)
                if len(found) >= expected:
                    return found
                time.sleep(0.5)
            return found

        assert len(letters(1)) == 1
        for run in range(1, 4):  # max_replays = 3: three replays, each fails again
            result = _replay(settings, broker.bootstrap_servers, max_replays=3)
            assert (result.replayed, result.over_limit) == (1, 0), run
            assert len(letters(run + 1)) == run + 1
        # The fourth run leaves it: it was replayed three times already.
        result = _replay(settings, broker.bootstrap_servers, max_replays=3)
        assert (result.replayed, result.over_limit) == (0, 1)
        assert "1 left after 3 replay(s)" in result.summary()
        time.sleep(2)
        final = read_topic(broker.bootstrap_servers, topics.raw_pages_dead_letter, timeout_s=10)
        assert len(final) == 4
        assert all(decode(DeadLetter, r.value).error_class == "Rejected:binary_page" for r in final)
    finally:
        runner.stop()
        thread.join(30)


def test_a_run_stops_at_the_end_it_saw_when_it_started(broker):
    """Letters that arrive while a run goes on wait for the next run, so a run always ends."""
    settings = unique_settings(broker.bootstrap_servers, topic_partitions=1)
    topics = settings.topics()
    ensure_topics(broker.bootstrap_servers, topics.all(), partitions=1, replication_factor=1)
    produce(broker.bootstrap_servers, topics.raw_pages_dead_letter,
            [(b"k", _letter(topics.raw_pages, b"k", f"P{i}".encode())) for i in range(5)])
    stop = threading.Event()

    def keep_failing():
        i = 100
        while not stop.is_set():
            produce(broker.bootstrap_servers, topics.raw_pages_dead_letter,
                    [(b"k", _letter(topics.raw_pages, b"k", f"P{i}".encode()))])
            i += 1

    feeder = threading.Thread(target=keep_failing, daemon=True)
    feeder.start()
    try:
        started = time.monotonic()
        result = _replay(settings, broker.bootstrap_servers)
        assert time.monotonic() - started < 30
        assert result.replayed >= 5
    finally:
        stop.set()
        feeder.join(10)


def test_a_truncated_letter_is_not_replayed(broker):
    settings = unique_settings(broker.bootstrap_servers, topic_partitions=1)
    topics = settings.topics()
    ensure_topics(broker.bootstrap_servers, topics.all(), partitions=1, replication_factor=1)
    if "payload_truncated" not in DeadLetter.model_fields:
        import pytest

        pytest.skip("DeadLetter has no payload_truncated field")
    preview = DeadLetter(stage="extract", error_type="produce", error_class="MessageSizeTooLargeError",
                         error_message="x", original_topic=topics.raw_pages, original_partition=0, original_offset=9,
                         original_key=b"big", original_payload=b"first bytes", payload_truncated=True,
                         failed_at=dt.datetime.now(dt.timezone.utc))
    produce(broker.bootstrap_servers, topics.raw_pages_dead_letter, [(b"big", encode(preview))])
    result = _replay(settings, broker.bootstrap_servers)
    assert (result.replayed, result.truncated) == (0, 1) and "too large to replay" in result.summary()
    assert read_topic(broker.bootstrap_servers, topics.raw_pages, timeout_s=5) == []


def test_a_letter_the_broker_refuses_is_counted_and_the_run_goes_on(broker):
    # A letter carrying an original larger than the producer takes (another limit on the original topic, or a
    # setting lowered since): counted as refused, the run ends, and the letters after it are replayed.
    settings = unique_settings(broker.bootstrap_servers, topic_partitions=1)
    topics = settings.topics()
    ensure_topics(broker.bootstrap_servers, topics.all(), partitions=1, replication_factor=1)
    produce(broker.bootstrap_servers, topics.raw_pages_dead_letter,
            [(b"big", _letter(topics.raw_pages, b"big", b"x" * 300_000)),
             (b"small", _letter(topics.raw_pages, b"small", b"small page"))])
    producer = make_producer(broker.bootstrap_servers, client_id="test-replay", max_request_size=100_000)
    try:
        result = replay_topic(broker.bootstrap_servers, topics.raw_pages_dead_letter,
                              group_id=f"{settings.consumer_group_prefix}.replay.extract", producer=producer,
                              stage="extract")
    finally:
        producer.close()
    assert (result.replayed, result.refused) == (1, 1), result
    assert "1 refused by the broker" in result.summary()
    assert [r.value for r in read_topic(broker.bootstrap_servers, topics.raw_pages, timeout_s=5)] == [b"small page"]
