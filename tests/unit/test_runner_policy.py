"""The runner's commit and rewind policy with in-memory fakes (the real broker is in tests/integration)."""

from collections import namedtuple

from kafka.errors import KafkaTimeoutError
from kafka.structs import TopicPartition
from sqlalchemy.exc import OperationalError

from consumers.runner import Runner
from consumers.stages.base import Output, StageResult
from deploy.wiring import new_metrics
from schemas import Article, encode
from tests.stage_helpers import article

Record = namedtuple("Record", "topic partition offset key value")
TP = TopicPartition("in", 0)


class FakeFuture:
    def __init__(self, fail: bool) -> None:
        self.fail = fail

    def get(self, timeout=None):
        if self.fail:
            raise KafkaTimeoutError("no ack")


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


def test_a_failing_delivery_callback_does_not_kill_the_stage():
    def boom():
        raise OperationalError("UPDATE", {}, Exception("locked"))

    class CallbackStage(Stage):
        def __call__(self, message):
            return StageResult([Output("out", "k", message)], on_delivered=boom)

    consumer, producer = FakeConsumer(_records(2)), FakeProducer()
    _runner(consumer, producer, CallbackStage(fail_at=99)).run_once()
    assert consumer.commits == [{TP: 2}]
