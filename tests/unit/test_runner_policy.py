"""The runner's commit and rewind policy with in-memory fakes (the real broker is in tests/integration)."""

import hashlib
import os
import signal
import threading
import time
from collections import namedtuple

import pytest
from kafka.errors import KafkaError, KafkaTimeoutError, MessageSizeTooLargeError
from kafka.structs import TopicPartition
from sqlalchemy.exc import OperationalError

from consumers.runner import Runner
from consumers.stages.base import BatchedCallback, Output, StageResult
from deploy.wiring import install_stop_signals, new_metrics
from schemas import Article, DeadLetter, decode, encode
from tests.stage_helpers import article

Record = namedtuple("Record", "topic partition offset key value")
TP = TopicPartition("in", 0)


class FakeFuture:
    """Like kafka-python's FutureRecordMetadata: answered at once, failed when `fail`."""

    is_done = True

    def __init__(self, fail: bool) -> None:
        self.fail = fail

    def get(self, timeout=None):
        if self.fail:
            raise KafkaTimeoutError("no ack")

    def succeeded(self):
        return not self.fail


class FakeProducer:
    def __init__(self, fail_flush: bool = False) -> None:
        self.fail_flush = fail_flush
        self.sent = []

    def send(self, topic, key=None, value=None):
        self.sent.append((topic, key))
        return FakeFuture(self.fail_flush)

    def flush(self, timeout=None):
        if self.fail_flush:
            raise KafkaTimeoutError("flush timed out")

    def close(self, timeout=None):
        pass


class FakeConsumer:
    def __init__(self, records) -> None:
        self.records = records
        self.seeks = []
        self.commits = []

    def poll(self, timeout_ms=0):
        records, self.records = self.records, []
        return {TP: records} if records else {}

    def assignment(self):
        return {TP}

    def highwater(self, tp):
        return 3

    def position(self, tp):
        return 3

    def seek(self, tp, offset):
        self.seeks.append(offset)

    def commit(self, offsets):
        self.commits.append({tp: o.offset for tp, o in offsets.items()})

    def close(self, autocommit=False):
        pass


class Stage:
    name = "process"
    input_model = Article

    def __init__(self, fail_at: int) -> None:
        self.calls = 0
        self.fail_at = fail_at

    def __call__(self, message):
        self.calls += 1
        if self.calls == self.fail_at:
            raise OperationalError("SELECT 1", {}, Exception("database down"))
        return StageResult([Output("out", "k", message)])


def _runner(consumer, producer, stage):
    runner = Runner(stage, consumer=consumer, producer=producer, input_topic="in", dead_letter_topic="dlq",
                    metrics=new_metrics(), max_backoff_s=0.01)
    runner._backoff = 0.001  # noqa: SLF001
    return runner


def _records(n):
    return [Record("in", 0, i, b"k", encode(article())) for i in range(n)]


def test_outage_mid_batch_commits_what_finished_and_replays_the_rest():
    consumer, producer = FakeConsumer(_records(3)), FakeProducer()
    _runner(consumer, producer, Stage(fail_at=3)).run_once()
    assert consumer.commits == [{TP: 2}]
    assert consumer.seeks == [2]


def test_unacknowledged_outputs_are_never_skipped():
    # The database fails on the third message and the broker does not acknowledge the first two outputs:
    # nothing may be committed and the consumer must go back to the batch start, not past it.
    consumer, producer = FakeConsumer(_records(3)), FakeProducer(fail_flush=True)
    _runner(consumer, producer, Stage(fail_at=3)).run_once()
    assert consumer.commits == []
    assert consumer.seeks == [0]


def test_failed_flush_without_outage_replays_the_batch():
    consumer, producer = FakeConsumer(_records(3)), FakeProducer(fail_flush=True)
    _runner(consumer, producer, Stage(fail_at=99)).run_once()
    assert consumer.commits == [] and consumer.seeks == [0]


class LateFuture:
    """A send the producer is still retrying when the flush gives up; acknowledged at the next flush."""

    def __init__(self) -> None:
        self.is_done = False

    def get(self, timeout=None):
        if not self.is_done:
            raise KafkaTimeoutError("not acknowledged yet")

    def succeeded(self):
        return self.is_done


class LateProducer(FakeProducer):
    """The first flush times out with the sends in flight; the producer's own retry then gets them through."""

    def __init__(self) -> None:
        super().__init__()
        self.futures = []
        self.flushes = 0

    def send(self, topic, key=None, value=None):
        self.sent.append((topic, key))
        self.futures.append(LateFuture())
        return self.futures[-1]

    def flush(self, timeout=None):
        self.flushes += 1
        if self.flushes == 1:
            raise KafkaTimeoutError("flush timed out")
        for future in self.futures:
            future.is_done = True


def test_sends_acknowledged_after_a_failed_flush_are_marked_delivered_before_the_replay():
    # The broker restart of the fault harness: a flush times out while the producer retries, the retry gets
    # through, and the replayed batch published every report a second time (21 duplicates in one run).
    delivered = []

    class DeliveringStage(Stage):
        def __call__(self, message):
            self.calls += 1
            if delivered:  # replayed after its delivery was recorded: nothing to publish again
                return StageResult([])
            return StageResult([Output("out", f"k{self.calls}", message)],
                               on_delivered=lambda: delivered.append(self.calls))

    consumer, producer = FakeConsumer(_records(2)), LateProducer()
    runner = _runner(consumer, producer, DeliveringStage(fail_at=99))
    runner.run_once()
    assert consumer.commits == [] and consumer.seeks == [0] and delivered == []
    consumer.records = _records(2)  # the rewind
    runner.run_once()
    assert len(delivered) == 2, "the acknowledged sends were not marked delivered before the replay"
    assert [topic for topic, _ in producer.sent] == ["out", "out"], "the replay published the outputs again"
    assert consumer.commits == [{TP: 2}]


def test_a_replay_waits_while_sends_of_the_failed_batch_are_unanswered():
    class StuckProducer(LateProducer):
        def flush(self, timeout=None):
            raise KafkaTimeoutError("flush timed out")

    consumer, producer = FakeConsumer(_records(1)), StuckProducer()
    runner = _runner(consumer, producer, Stage(fail_at=99))
    runner.run_once()
    consumer.records = _records(1)
    assert runner.run_once() == 0 and consumer.records, "replayed while the first sends were still in flight"
    producer.futures[0].is_done = True  # answered (failed or not) at last
    runner.run_once()
    assert consumer.commits == []  # FakeConsumer.poll returned the replay; its flush still fails


def test_sends_never_answered_are_given_up_after_bounded_waits_and_replayed():
    # A stage must never wait forever for a producer that lost its sends: after `rebuild_after_failures`
    # waits (or once the producer is replaced) the unanswered sends count as failed and the batch is replayed.
    class SilentProducer(LateProducer):
        def flush(self, timeout=None):
            raise KafkaTimeoutError("flush timed out")

    delivered = []

    class DeliveringStage(Stage):
        def __call__(self, message):
            return StageResult([Output("out", "k", message)], on_delivered=lambda: delivered.append(1))

    consumer, producer = FakeConsumer(_records(1)), SilentProducer()
    runner = _runner(consumer, producer, DeliveringStage(fail_at=99))
    runner.rebuild_after_failures = 2
    runner.run_once()
    consumer.records = _records(1)
    polls = [runner.run_once() for _ in range(4)]
    assert not consumer.records, f"the replay never happened: {polls}"
    assert delivered == [], "an unanswered send was marked delivered"


def test_an_input_arriving_twice_in_one_batch_publishes_its_output_once():
    # Seen in the fault harness after a broker restart: extract replayed an article, both copies landed in one
    # process batch, and the second found the report not yet marked delivered and published it again.
    delivered = []

    class SameOutput(Stage):
        def __call__(self, message):
            self.calls += 1
            return StageResult([Output("out", "report-1", message)], on_delivered=lambda: delivered.append(1))

    records = [Record("in", 0, i, b"k", encode(article())) for i in range(2)]  # the same article twice
    consumer, producer = FakeConsumer(records), FakeProducer()
    _runner(consumer, producer, SameOutput(fail_at=99)).run_once()
    assert producer.sent == [("out", b"report-1")], producer.sent
    assert len(delivered) == 2 and consumer.commits == [{TP: 2}]


Metadata = namedtuple("Metadata", "topic partition offset")


class AnsweredFuture:
    """kafka-python's future once the broker answered: `value` is the RecordMetadata. A produce answered with
    DUPLICATE_SEQUENCE_NUMBER (the broker says it has the batch already) is reported as a success at offset -1."""

    is_done = True

    def __init__(self, topic: str, offset: int) -> None:
        self.value = Metadata(topic, 0, offset)

    def get(self, timeout=None):
        return self.value

    def succeeded(self):
        return True


class RestartedBroker(FakeProducer):
    """The broker of tests/faults/test_broker_restart.py: a batch in flight when it stopped is retried after the
    restart and answered 'duplicate sequence' (offset -1), although the restarted broker does not hold it."""

    def __init__(self, lose: set[bytes]) -> None:
        super().__init__()
        self.lose = set(lose)
        self.topic = []  # what the broker really holds

    def send(self, topic, key=None, value=None):
        self.sent.append((topic, key))
        if key in self.lose:
            self.lose.discard(key)
            return AnsweredFuture(topic, -1)
        self.topic.append(key)
        return AnsweredFuture(topic, len(self.topic) - 1)


def test_an_acknowledgement_without_an_offset_is_not_a_delivery():
    # Seen in the fault harness (broker stopped mid-batch, restarted on s3 storage): two reports were answered at
    # offset -1, marked delivered and committed, and the broker never held them; their re-crawl found them
    # delivered and published nothing: STORED BUT NEVER PUBLISHED. Their inputs must be replayed instead, and only
    # the reports without a place on the topic published again.
    delivered = set()

    class ReportStage:
        name = "process"
        input_model = Article

        def __call__(self, message):
            if message.title in delivered:  # what ProcessStage._duplicate does for a delivered report
                return StageResult([])
            return StageResult([Output("reports", message.title, message)],
                               on_delivered=lambda: delivered.add(message.title))

    consumer, producer = FakeConsumer(_titled(3)), RestartedBroker(lose={b"t1"})
    runner = _runner(consumer, producer, ReportStage())
    runner.run_once()
    assert consumer.commits == [], "committed past a report the broker never placed on the topic"
    assert consumer.seeks == [0] and "t1" not in delivered
    consumer.records = _titled(3)  # the rewind
    runner.run_once()
    assert producer.topic == [b"t0", b"t2", b"t1"], "the unplaced report was not published again (or others were)"
    assert delivered == {"t0", "t1", "t2"} and consumer.commits == [{TP: 3}]


def test_a_failing_delivery_callback_does_not_kill_the_stage():
    def boom():
        raise OperationalError("UPDATE", {}, Exception("locked"))

    class CallbackStage(Stage):
        def __call__(self, message):
            return StageResult([Output("out", "k", message)], on_delivered=boom)

    consumer, producer = FakeConsumer(_records(2)), FakeProducer()
    _runner(consumer, producer, CallbackStage(fail_at=99)).run_once()
    assert consumer.commits == [{TP: 2}]


class MarkingStore:
    """The process stage's delivery bookkeeping in miniature: a report is stored once and published; a later
    copy of its article republishes it only while it is not marked delivered (the duplicate path)."""

    def __init__(self) -> None:
        self.delivered: set[str] = set()
        self.stored: set[str] = set()
        self.database_down = False
        self.mark_attempts = 0

    def mark(self, title: str) -> None:
        self.mark_attempts += 1
        if self.database_down:
            raise OperationalError("UPDATE meeting_reports", {}, Exception("connection refused"))
        self.delivered.add(title)


class ReportingStage(Stage):
    def __init__(self, store: MarkingStore) -> None:
        super().__init__(fail_at=99)
        self.store = store

    def __call__(self, message):
        title = message.title
        if title in self.store.stored and title in self.store.delivered:
            return StageResult([], outcome="duplicate")
        self.store.stored.add(title)
        return StageResult([Output("reports", title, message)], on_delivered=lambda: self.store.mark(title))


def test_a_mark_lost_to_a_database_outage_is_retried_not_turned_into_a_republish():
    # Seen in the fault harness's database outage: the broker acknowledged a report, marking it delivered failed
    # on the outage and was dropped, and the next copy of the article (a re-crawl) published it a second time.
    store = MarkingStore()
    consumer, producer = FakeConsumer(_titled(2)), FakeProducer()
    runner = _runner(consumer, producer, ReportingStage(store))
    store.database_down = True
    runner.run_once()
    assert producer.sent == [("reports", b"t0"), ("reports", b"t1")] and consumer.commits == [{TP: 2}]
    assert store.delivered == set()
    # Still down: the stage takes no new message while it owes marks (a new copy would be republished).
    consumer.records = _titled(1)
    runner.run_once()
    assert consumer.records, "took a new message while marks of acknowledged reports were owed"
    store.database_down = False
    runner.run_once()
    assert store.delivered == {"t0", "t1"}
    assert producer.sent == [("reports", b"t0"), ("reports", b"t1")], "a report was published twice"


def test_a_mark_failing_for_another_reason_is_not_retried_forever():
    # Only an outage is owed: a mark that fails for any other reason (a bug) stays advisory, as before, and
    # the stage goes on.
    attempts = []

    def broken():
        attempts.append(1)
        raise ValueError("bug in the mark")

    class BrokenMarkStage(Stage):
        def __call__(self, message):
            return StageResult([Output("out", "k", message)], on_delivered=broken)

    consumer, producer = FakeConsumer(_records(2)), FakeProducer()
    runner = _runner(consumer, producer, BrokenMarkStage(fail_at=99))
    runner.run_once()
    consumer.records = _records(1)
    runner.run_once()
    assert len(attempts) == 3 and not consumer.records


# -- records the broker refuses for good, and broken producers -------------------------------------------


class RefusingFuture:
    is_done = True

    def __init__(self, exc=None) -> None:
        self.exc = exc

    def get(self, timeout=None):
        if self.exc is not None:
            raise self.exc

    def succeeded(self):
        return self.exc is None


class RefusingProducer(FakeProducer):
    """Acknowledges everything except what `refuse(topic, value)` names, which fails like a broker refusal
    (on the future, after flush), or at send() when `at_send`."""

    def __init__(self, refuse, at_send: bool = False, exc=None) -> None:
        super().__init__()
        self.refuse = refuse
        self.at_send = at_send
        self.exc = exc or MessageSizeTooLargeError("The request included a message larger than the max")
        self.values = []

    def send(self, topic, key=None, value=None):
        self.sent.append((topic, key))
        self.values.append((topic, value))
        if self.refuse(topic, value):
            if self.at_send:
                raise self.exc
            return RefusingFuture(self.exc)
        return RefusingFuture()


class EchoStage:
    name = "process"
    input_model = Article

    def __init__(self) -> None:
        self.delivered = []

    def __call__(self, message):
        return StageResult([Output("out", message.title, message)],
                           on_delivered=lambda: self.delivered.append(message.title))


class BatchMarkingStage(EchoStage):
    """Marks delivery like the process stage: one BatchedCallback per result, sharing one `run_batch`."""

    def __init__(self) -> None:
        super().__init__()
        self.batches = []

    def mark(self, titles):
        self.batches.append(list(titles))

    def __call__(self, message):
        return StageResult([Output("out", message.title, message)],
                           on_delivered=BatchedCallback(self.mark, message.title))


@pytest.mark.parametrize("at_send", [False, True])
def test_batched_delivery_callbacks_run_once_per_batch_without_the_refused_input(at_send):
    consumer = FakeConsumer(_titled(4))
    producer = RefusingProducer(lambda topic, value: topic == "out" and b'"t2"' in value, at_send=at_send)
    stage = BatchMarkingStage()
    _runner(consumer, producer, stage).run_once()
    assert stage.batches == [["t0", "t1", "t3"]], "one call for the batch, in input order, never the refused one"
    assert consumer.commits == [{TP: 4}]


def test_batched_delivery_callbacks_wait_for_the_acknowledgement_after_a_failed_flush():
    consumer, producer = FakeConsumer(_titled(3)), LateProducer()
    stage = BatchMarkingStage()
    runner = _runner(consumer, producer, stage)
    runner.run_once()
    assert stage.batches == [] and consumer.commits == [], "marked delivered before the broker answered"
    consumer.records = _titled(3)
    for future in producer.futures:
        future.is_done = True
    runner.run_once()
    assert stage.batches[0] == ["t0", "t1", "t2"]


def test_a_batched_callback_alone_does_its_one_item():
    stage = BatchMarkingStage()
    stage(article(title="t9")).on_delivered()
    assert stage.batches == [["t9"]]


def _titled(n):
    return [Record("in", 0, i, f"k{i}".encode(), encode(article(title=f"t{i}"))) for i in range(n)]


def _letters(producer):
    return [decode(DeadLetter, v) for t, v in producer.values if t == "dlq"]


@pytest.mark.parametrize("at_send", [False, True])
def test_one_refused_output_dead_letters_its_input_and_the_rest_commit(at_send):
    consumer = FakeConsumer(_titled(4))
    producer = RefusingProducer(lambda topic, value: topic == "out" and b'"t2"' in value, at_send=at_send)
    stage = EchoStage()
    runner = _runner(consumer, producer, stage)
    runner.run_once()
    assert consumer.commits == [{TP: 4}] and consumer.seeks == []
    (letter,) = _letters(producer)
    assert (letter.original_offset, letter.original_key, letter.error_class) == (2, b"k2", "MessageSizeTooLargeError")
    assert letter.error_type == "produce" and not letter.payload_truncated
    assert stage.delivered == ["t0", "t1", "t3"]  # the refused report is not marked delivered
    assert runner.metrics.registry.get_sample_value(
        "newsingest_dead_letters_total", {"stage": "process", "reason": "output_too_large"}) == 1


def test_a_refused_dead_letter_is_retried_as_a_pointer_then_given_up_never_looped():
    consumer = FakeConsumer([Record("in", 0, 0, b"k", b"not json" * 10), *_titled(2)[1:]])
    producer = RefusingProducer(lambda topic, value: topic == "dlq")
    runner = _runner(consumer, producer, EchoStage())
    runner.run_once()
    assert consumer.commits == [{TP: 2}]
    full, pointer = _letters(producer)
    assert not full.payload_truncated and pointer.payload_truncated and pointer.original_payload == b""
    assert pointer.original_size == 80 and pointer.original_offset == 0
    assert runner.metrics.registry.get_sample_value(
        "newsingest_messages_failed_total", {"stage": "process", "error_type": "undeliverable"}) == 1


def test_a_dead_letter_too_large_for_the_broker_carries_a_preview_and_a_pointer():
    value = b"\xff" * 300_000
    consumer = FakeConsumer([Record("in", 0, 0, b"k", value)])
    producer = RefusingProducer(lambda topic, value: False)
    runner = Runner(EchoStage(), consumer=consumer, producer=producer, input_topic="in", dead_letter_topic="dlq",
                    metrics=new_metrics(), max_message_bytes=200_000, dead_letter_preview_bytes=1000)
    runner.run_once()
    ((topic, wire),) = producer.values
    letter = decode(DeadLetter, wire)
    assert len(wire) < 200_000 and letter.payload_truncated and letter.original_payload == value[:1000]
    assert letter.original_size == 300_000 and letter.original_sha256 == hashlib.sha256(value).hexdigest()


def test_a_fatal_producer_error_builds_a_new_producer_and_the_batch_is_replayed():
    broken = RefusingProducer(lambda topic, value: True,
                              exc=KafkaError("Unexpected error in InitProducerIdResponse: [Error -1] UnknownError"))
    healthy = FakeProducer()
    made = iter([broken, healthy])
    consumer = FakeConsumer(_titled(2))
    runner = Runner(EchoStage(), consumer=consumer, producer_factory=lambda: next(made), input_topic="in",
                    dead_letter_topic="dlq", metrics=new_metrics(), max_backoff_s=0.01)
    runner._backoff = 0.001  # noqa: SLF001
    runner.run_once()
    assert consumer.commits == [] and consumer.seeks == [0] and _letters(broken) == []
    consumer.records = _titled(2)  # the rewind
    runner.run_once()
    assert runner.producer is healthy and consumer.commits == [{TP: 2}]
    assert runner.metrics.registry.get_sample_value("newsingest_producer_rebuilds_total", {"stage": "process"}) == 1


def test_repeated_flush_failures_also_rebuild_the_producer():
    made = []

    def factory():
        made.append(FakeProducer(fail_flush=True))
        return made[-1]

    consumer = FakeConsumer([])
    runner = Runner(EchoStage(), consumer=consumer, producer_factory=factory, input_topic="in",
                    dead_letter_topic="dlq", metrics=new_metrics(), max_backoff_s=0.01, rebuild_after_failures=2)
    runner._backoff = 0.001  # noqa: SLF001
    for _ in range(5):  # fail, fail -> rebuild, fail, fail -> rebuild
        consumer.records = _titled(1)
        runner.run_once()
    assert consumer.commits == [] and len(made) == 3


# -- SIGTERM honoured within a bound ----------------------------------------------------------------------


@pytest.fixture
def restore_signals():
    saved = {s: signal.getsignal(s) for s in (signal.SIGTERM, signal.SIGINT)}
    yield
    for s, handler in saved.items():
        signal.signal(s, handler)


def _wait_for(predicate, timeout_s=5.0):
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline and not predicate():
        time.sleep(0.02)
    return predicate()


def test_sigterm_stops_a_runner_that_finishes_in_time(restore_signals):
    exits = []
    runner = _runner(FakeConsumer([]), FakeProducer(), Stage(fail_at=99))
    install_stop_signals(runner, grace_s=2.0, exit=exits.append)
    thread = threading.Thread(target=runner.run, daemon=True)
    thread.start()
    os.kill(os.getpid(), signal.SIGTERM)
    assert _wait_for(runner.stopped.is_set)
    time.sleep(0.3)
    assert exits == []


def test_a_runner_stuck_past_the_grace_period_exits_hard(restore_signals, caplog):
    exits = []
    runner = _runner(FakeConsumer([]), FakeProducer(), Stage(fail_at=99))  # never run: as if stuck in a call
    install_stop_signals(runner, grace_s=0.3, exit=exits.append)
    os.kill(os.getpid(), signal.SIGTERM)
    assert _wait_for(lambda: exits == [128 + signal.SIGTERM])
    assert runner.stop_event.is_set()
    assert any("exiting hard" in r.getMessage() for r in caplog.records)
    os.kill(os.getpid(), signal.SIGINT)  # a second signal: at once
    assert _wait_for(lambda: exits[-1:] == [128 + signal.SIGINT], 1.0)


def test_an_unexpected_error_rewinds_so_the_batch_is_replayed_not_skipped():
    class Buggy(FakeProducer):
        def send(self, topic, key=None, value=None):
            raise AssertionError("client bug")

    consumer = FakeConsumer(_records(2))
    runner = _runner(consumer, Buggy(), Stage(fail_at=99))
    with pytest.raises(AssertionError):
        runner.run_once()
    assert consumer.seeks == [0] and consumer.commits == []


def test_an_idle_stage_checks_its_database_so_an_outage_shows_without_traffic():
    answers = iter([OperationalError("SELECT 1", {}, Exception("server closed the connection")), None])

    def check():
        outcome = next(answers)
        if outcome is not None:
            raise outcome

    runner = Runner(Stage(fail_at=0), consumer=FakeConsumer([]), producer=FakeProducer(), input_topic="in",
                    dead_letter_topic="dlq", metrics=new_metrics(), health_check=check, health_interval_s=0.0)
    sample = runner.metrics.registry.get_sample_value
    assert runner.run_once() == 0
    assert sample("newsingest_database_up", {"stage": "process"}) == 0
    assert sample("newsingest_infrastructure_errors_total", {"stage": "process", "component": "database"}) == 1
    assert runner.run_once() == 0
    assert sample("newsingest_database_up", {"stage": "process"}) == 1
