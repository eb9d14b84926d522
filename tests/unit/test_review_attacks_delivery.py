"""Attacks on README's delivery, dedup and CLI guarantees by a review helper (2026-12-06). Each failed on the code
as reviewed and passes since the mend."""

from __future__ import annotations

import os
import subprocess
import sys
from collections import namedtuple
from pathlib import Path

import pytest
from kafka.errors import MessageSizeTooLargeError
from kafka.structs import TopicPartition

from consumers.adapters.store import Store
from consumers.runner import Runner
from deploy.wiring import new_metrics
from schemas import encode
from tests.stage_helpers import article
from tests.unit.test_runner_policy import RefusingFuture

REPO = Path(__file__).resolve().parents[2]
Record = namedtuple("Record", "topic partition offset key value")
TP = TopicPartition("articles", 0)


class Producer:
    """Takes everything except records on `refuse_topic`, which it refuses for good (too large)."""

    def __init__(self, refuse_topic: str) -> None:
        self.refuse_topic = refuse_topic
        self.sent: list[tuple[str, bytes | None]] = []

    def send(self, topic, key=None, value=None):
        self.sent.append((topic, key))
        if topic == self.refuse_topic:
            return RefusingFuture(MessageSizeTooLargeError("The message is larger than the max"))
        return RefusingFuture()

    def flush(self, timeout=None):
        pass

    def close(self, timeout=None):
        pass


class Consumer:
    def __init__(self) -> None:
        self.records: list = []
        self.commits: list = []

    def poll(self, timeout_ms=0):
        records, self.records = self.records, []
        return {TP: records} if records else {}

    def assignment(self):
        return {TP}

    def highwater(self, tp):
        return None

    def position(self, tp):
        return 0

    def seek(self, tp, offset):
        pass

    def commit(self, offsets):
        self.commits.append({tp: o.offset for tp, o in offsets.items()})

    def close(self, autocommit=False):
        pass


def test_an_acknowledged_report_is_not_republished_when_its_event_summary_is_refused(process_stage):
    # README: "One publish per stored version ... A version is published again only when it was stored but its
    # acknowledgement never arrived", and "An output the broker refuses for good ... dead-letters its input
    # ... while the rest of the batch is committed". Here the report IS acknowledged; only its sibling output
    # (the event summary) is refused. The report is then never marked delivered, so every later copy of the
    # article (a re-crawl, the dead letter's replay) publishes the same report version again.
    consumer, producer = Consumer(), Producer(refuse_topic="events")
    runner = Runner(process_stage, consumer=consumer, producer=producer, input_topic="articles",
                    dead_letter_topic="dlq", metrics=new_metrics(), max_backoff_s=0.01)
    value = encode(article())
    consumer.records = [Record("articles", 0, 0, b"k", value)]
    runner.run_once()
    assert producer.sent.count(("reports", producer.sent[0][1])) == 1 and consumer.commits == [{TP: 1}]
    # The same article again: a re-crawl of the unchanged page (or `replay-dead-letters process`).
    consumer.records = [Record("articles", 0, 1, b"k", value)]
    runner.run_once()
    reports = [s for s in producer.sent if s[0] == "reports"]
    assert len(reports) == 1, f"the acknowledged report version was published {len(reports)} times: {reports}"


# -- CLI: every failure is one line `error: ...`, exit 2 for bad input (an invalid setting) ----------------------


def _clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("NEWSINGEST_", "AWS_"))}
    env.update({"NEWSINGEST_METRICS_PORT": "0", "NEWSINGEST_CRAWLER_METRICS_PORT": "0",
                "PYTHONPATH": str(REPO)})
    env.update(extra)
    return env


def _newsingest(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    # Exactly what the `newsingest` console script does (pyproject: newsingest = "deploy.cli:app").
    return subprocess.run([sys.executable, "-c", "import sys; from deploy.cli import app; sys.exit(app())", *args],
                          cwd=REPO, env=env, capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL)


def _lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.strip()]




@pytest.mark.parametrize("variable,value", [
    ("NEWSINGEST_DATABASE_URL", "sqlite:foo"),  # passes the sqlite:/postgresql prefix check
    ("NEWSINGEST_DATABASE_STATEMENT_TIMEOUT_S", "inf"),  # passes gt=0; int(inf * 1000) later
])
def test_an_invalid_setting_is_exit_2_naming_the_variable(variable, value, tmp_path):
    extra = {variable: value}
    if variable != "NEWSINGEST_DATABASE_URL":  # a database that works, so only the invalid setting can fail
        url = f"sqlite:///{tmp_path / 'store.db'}"
        store = Store(url)
        store.create_schema()
        store.dispose()
        extra["NEWSINGEST_DATABASE_URL"] = url
    result = _newsingest("reports", env=_clean_env(**extra))
    lines = _lines(result.stderr)
    assert (result.returncode, len(lines)) == (2, 1) and variable in lines[0], \
        f"exit {result.returncode}: {lines[-1] if lines else ''}"


@pytest.mark.parametrize("args", [
    ("consume",),  # missing argument
    ("reports", "--bogus"),  # unknown option
    ("replay-dead-letters", "process", "--limit", "0"),  # out-of-range value
])
def test_a_usage_error_is_one_line(args):
    result = _newsingest(*args, env=_clean_env())
    lines = _lines(result.stderr)
    assert result.returncode == 2
    assert len(lines) == 1 and lines[0].startswith("error: "), f"{len(lines)} lines: {lines[:3]}"


class SizeLimitedProducer:
    """Refuses, at send(), any record whose key plus value exceeds `limit` (kafka-python's max_request_size)."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.accepted: list[tuple[str, bytes | None, bytes]] = []

    def send(self, topic, key=None, value=None):
        if len(key or b"") + len(value or b"") > self.limit:
            raise MessageSizeTooLargeError(f"The message is {len(key or b'') + len(value or b'')} bytes")
        self.accepted.append((topic, key, value))
        return RefusingFuture()

    def flush(self, timeout=None):
        pass

    def close(self, timeout=None):
        pass


def test_a_poison_record_with_a_huge_key_still_reaches_the_dead_letter_topic(process_stage):
    # README: "A message that can never succeed goes to the stage's dead-letter topic"; a dead letter the broker
    # refuses "is retried once as a bare pointer"; "An input record larger than four times the limit is
    # dead-lettered undecoded (too_large)". A record whose KEY is larger than the limit (value: garbage) is
    # neither: its size check reads the value only, and the "bare pointer" is still sent under the whole key,
    # so the broker refuses it too and the message is only logged: nothing reaches the dead-letter topic.
    limit = 200_000
    producer = SizeLimitedProducer(limit)
    consumer = Consumer()
    runner = Runner(process_stage, consumer=consumer, producer=producer, input_topic="articles",
                    dead_letter_topic="dlq", metrics=new_metrics(), max_backoff_s=0.01, max_message_bytes=limit)
    consumer.records = [Record("articles", 0, 0, b"u" * (5 * limit), b"not json")]
    runner.run_once()
    assert consumer.commits == [{TP: 1}]
    letters = [a for a in producer.accepted if a[0] == "dlq"]
    assert letters, "the poison record was dropped: neither its dead letter nor its pointer reached the topic"
