"""The runner under broker faults, against real (embedded) brokers: a restart, records the broker refuses."""

from __future__ import annotations

import hashlib
import threading
import time
import uuid

from kafka import KafkaProducer

from consumers.adapters.kafka import ensure_topics, make_consumer, make_producer
from consumers.runner import Runner
from consumers.stages.base import Output, StageResult
from deploy.broker import EmbeddedBroker
from deploy.wiring import new_metrics
from schemas import Article, DeadLetter, decode, encode
from tests.kafka_helpers import produce, read_topic
from tests.stage_helpers import article

IN, OUT, DLQ = "faults.in", "faults.out", "faults.dlq"


class Echo:
    """A stage that publishes each article to OUT, padded to `pad_to` characters when its title says 'big'."""

    name = "echo"
    input_model = Article

    def __init__(self, pad_to: int = 0, out: str = OUT) -> None:
        self.pad_to = pad_to
        self.out = out

    def __call__(self, message: Article) -> StageResult:
        if self.pad_to and message.title.startswith("big"):
            message = message.model_copy(update={"text": "x" * self.pad_to})
        return StageResult([Output(self.out, message.canonical_url, message)])


def _articles(n: int, prefix: str = "a") -> list[tuple[bytes, bytes]]:
    out = []
    for i in range(n):
        url = f"https://baoquangninh.vn/{prefix}-{i}.html"
        out.append((url.encode(), encode(article(url=url, title=f"{prefix} {i}"))))
    return out


def _runner(bootstrap: str, group: str, *, stage=None, factory: bool = True, max_message_bytes: int = 1 << 20,
            topics=(IN, OUT, DLQ), **kwargs) -> Runner:
    consumer = make_consumer(bootstrap, group_id=group, topic=topics[0], session_timeout_ms=2000,
                             heartbeat_interval_ms=500, max_poll_records=50, max_message_bytes=max_message_bytes)

    def producer_factory():
        return make_producer(bootstrap, client_id="faults", max_request_size=max_message_bytes)

    wiring = {"producer_factory": producer_factory} if factory else {"producer": producer_factory()}
    runner = Runner(stage or Echo(out=topics[1]), consumer=consumer, input_topic=topics[0], dead_letter_topic=topics[2],
                    metrics=new_metrics(),
                    max_backoff_s=2.0, flush_timeout_s=10.0, max_message_bytes=max_message_bytes, **wiring, **kwargs)
    runner._backoff = 0.2  # noqa: SLF001 - keep the test short
    return runner


def _wait(predicate, timeout_s: float) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.5)
    return False


def _sample(runner: Runner, name: str, **labels) -> float:
    return runner.metrics.registry.get_sample_value(name, labels) or 0.0


def test_broker_restart_gets_a_new_producer_and_the_stage_goes_on():
    broker = EmbeddedBroker().start()
    port = broker.port
    runner = None
    thread = None
    try:
        bootstrap = broker.bootstrap_servers
        ensure_topics(bootstrap, [IN, OUT, DLQ], partitions=1, replication_factor=1)
        produce(bootstrap, IN, _articles(3, "before"))
        runner = _runner(bootstrap, "faults.restart")
        thread = threading.Thread(target=runner.run, daemon=True)
        thread.start()
        assert _wait(lambda: runner.handled >= 3 and runner.caught_up(), 60), "the stage never caught up"

        # Same port, fresh (memory) storage: topics, records, producer ids and group offsets are all gone.
        broker.stop()
        time.sleep(1.0)
        broker = EmbeddedBroker(port=port).start()
        ensure_topics(bootstrap, [IN, OUT, DLQ], partitions=1, replication_factor=1)
        produce(bootstrap, IN, _articles(3, "after"))

        def delivered_after() -> bool:
            records = read_topic(bootstrap, OUT, timeout_s=3)
            return {decode(Article, r.value).title for r in records} >= {f"after {i}" for i in range(3)}

        assert _wait(delivered_after, 120), "the stage is stuck after the broker restart"
        assert read_topic(bootstrap, DLQ, timeout_s=3) == []
        assert _sample(runner, "newsingest_producer_rebuilds_total", stage="echo") >= 1
        # The outage shows in the metrics even where the client rode through it by itself.
        assert _sample(runner, "newsingest_broker_disconnects_total", stage="echo") >= 1
        assert _sample(runner, "newsingest_broker_connections", stage="echo") >= 1  # reconnected
    finally:
        if runner is not None:
            runner.stop()
            thread.join(30)
            assert not thread.is_alive()
        broker.stop()


def _fresh_topics(bootstrap: str) -> tuple[str, str, str]:
    tag = uuid.uuid4().hex[:8]
    names = (f"f{tag}.in", f"f{tag}.out", f"f{tag}.dlq")
    ensure_topics(bootstrap, list(names), partitions=1, replication_factor=1)
    return names


def _produce_large(bootstrap: str, topic: str, messages) -> None:
    """What a broker that does not enforce its limit (Tansu) lets a foreign producer write."""
    producer = KafkaProducer(bootstrap_servers=bootstrap, acks="all", max_request_size=64 << 20)
    for key, value in messages:
        producer.send(topic, key=key, value=value)
    producer.flush()
    producer.close()


def _run_until_caught_up(runner: Runner, expected: int, timeout_s: float = 60.0) -> None:
    thread = threading.Thread(target=runner.run, daemon=True)
    thread.start()
    try:
        assert _wait(lambda: runner.handled >= expected and runner.caught_up(), timeout_s), "never caught up"
    finally:
        runner.stop()
        thread.join(30)


def test_an_output_too_large_for_the_broker_dead_letters_its_input_alone(broker):
    bootstrap = broker.bootstrap_servers
    topics = _fresh_topics(bootstrap)
    produce(bootstrap, topics[0], _articles(2, "small") + [(b"key-big", encode(article(title="big one")))]
            + _articles(2, "later"))
    runner = _runner(bootstrap, f"{topics[0]}.g", stage=Echo(pad_to=2_000_000, out=topics[1]),
                     max_message_bytes=1_000_000, topics=topics)
    _run_until_caught_up(runner, expected=5)

    titles = [decode(Article, r.value).title for r in read_topic(bootstrap, topics[1])]
    assert titles == ["small 0", "small 1", "later 0", "later 1"]
    (letter,) = [decode(DeadLetter, r.value) for r in read_topic(bootstrap, topics[2])]
    assert (letter.error_type, letter.error_class) == ("produce", "MessageSizeTooLargeError")
    assert (letter.original_offset, letter.original_key) == (2, b"key-big")
    assert decode(Article, letter.original_payload).title == "big one"  # small enough to keep whole
    assert _sample(runner, "newsingest_dead_letters_total", stage="echo", reason="output_too_large") == 1
    # Committed: a new runner in the same group finds nothing to do.
    again = _runner(bootstrap, f"{topics[0]}.g", topics=topics)
    _run_until_caught_up(again, expected=0, timeout_s=30)
    assert again.handled == 0


def test_an_oversized_input_is_dead_lettered_undecoded_as_a_bounded_preview(broker):
    bootstrap = broker.bootstrap_servers
    topics = _fresh_topics(bootstrap)
    huge = b"{" + b"x" * 3_000_000  # larger than the input limit (4 x 256 KB), never decoded
    large_garbage = b"not json " * 50_000  # 450 KB: under the input limit, too large to carry whole
    _produce_large(bootstrap, topics[0], [(b"huge", huge), (b"garbage", large_garbage)] + _articles(1, "fine"))
    runner = _runner(bootstrap, f"{topics[0]}.g", max_message_bytes=256 * 1024, topics=topics)
    _run_until_caught_up(runner, expected=1)

    records = read_topic(bootstrap, topics[2])
    assert all(len(r.value) < 256 * 1024 for r in records)
    first, second = (decode(DeadLetter, r.value) for r in records)
    assert (first.error_class, first.original_key, first.original_offset) == ("MessageTooLarge", b"huge", 0)
    assert first.payload_truncated and first.original_size == len(huge)
    assert first.original_payload == huge[:len(first.original_payload)] and 0 < len(first.original_payload) <= 65536
    assert first.original_sha256 == hashlib.sha256(huge).hexdigest()
    assert (second.error_type, second.original_offset, second.payload_truncated) == ("decode", 1, True)
    assert second.original_size == len(large_garbage)
    assert [decode(Article, r.value).title for r in read_topic(bootstrap, topics[1])] == ["fine 0"]
    assert _sample(runner, "newsingest_dead_letters_total", stage="echo", reason="too_large") == 1
