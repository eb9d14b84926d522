"""The broker audit of the fault harness tells a broker that lost an acknowledged record from a record newsingest
never got acknowledged: a wrong verdict would hide a newsingest fault behind the broker."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from consumers.adapters.kafka import ensure_topics
from tests.faults.harness import BROKER_LOST, Outcome, audit_unpublished
from tests.kafka_helpers import produce


@dataclass
class _Proc:
    log_path: Path


@dataclass
class _Stack:
    bootstrap: str
    procs: dict


def test_the_audit_separates_broker_losses_from_never_acknowledged_reports(broker, tmp_path):
    topic = f"audit-{tmp_path.name[-8:]}"
    ensure_topics(broker.bootstrap_servers, [topic], partitions=1, replication_factor=1)
    produce(broker.bootstrap_servers, topic, [(b"held", b"{}")])  # offset 0 holds key "held"
    log = tmp_path / "process.log"
    log.write_text(
        f"... DEBUG consumers.runner.acks: acknowledged topic={topic} partition=0 offset=0 key=held\n"
        f"... DEBUG consumers.runner.acks: acknowledged topic={topic} partition=0 offset=0 key=overwritten\n"
        f"... DEBUG consumers.runner.acks: acknowledged topic={topic} partition=0 offset=7 key=beyond\n")
    stack = _Stack(broker.bootstrap_servers, {"process": _Proc(log)})
    actual = Outcome(documents={}, reports={}, clusters=set(), events=set(), counts={}, undelivered=[],
                     report_ids={"held": "/a", "overwritten": "/b", "beyond": "/c", "never": "/d"})
    verdicts = audit_unpublished(stack, topic, actual, ["/a", "/b", "/c", "/d"])
    assert verdicts["/a"].startswith("on the topic")
    assert verdicts["/b"].startswith(BROKER_LOST) and "key held" in verdicts["/b"]
    assert verdicts["/c"].startswith(BROKER_LOST) and "nothing" in verdicts["/c"]
    assert verdicts["/d"].startswith("never acknowledged")
