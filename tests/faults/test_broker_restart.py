"""The broker stops for 10 s mid-stream and restarts on the same port with durable storage (Tansu's s3:// storage
against moto's S3 server on 127.0.0.1): topics, records and committed offsets survive; the stages must resume."""

from __future__ import annotations

import time

import pytest

from consumers.adapters.kafka import ensure_topics
from deploy.broker import EmbeddedBroker, free_port
from tests.faults.harness import BROKER_LOST, MotoS3, Stack
from tests.faults.scenario import failure_message, page_messages, settle_and_compare
from tests.kafka_helpers import read_topic, unique_settings

pytestmark = [pytest.mark.faults, pytest.mark.timeout(3600)]


def stack_processed(stack: Stack, stage: str) -> int:
    return int(stack.processed(stage))


def test_broker_stop_and_restart_with_durable_storage(tmp_path, raw_pages, expected, mode, fault_report, monkeypatch):
    started = time.monotonic()
    db_url = f"sqlite:///{tmp_path / 'faults.db'}"
    problems: list[str] = []
    info: dict = {}
    with MotoS3(log_dir=tmp_path) as s3:
        for key, value in s3.env.items():  # Tansu reads its S3 settings from its environment
            monkeypatch.setenv(key, value)
        port = free_port()
        broker = EmbeddedBroker(port=port, storage=s3.storage).start()
        try:
            settings = unique_settings(broker.bootstrap_servers, database_url=db_url, topic_partitions=2)
            topics = settings.topics()
            ensure_topics(broker.bootstrap_servers, topics.all(), partitions=2, replication_factor=1)
            messages = page_messages(raw_pages)
            cut = len(messages) * 2 // 3
            first, second = messages[:cut], messages[cut:]
            with Stack(tmp_path, settings, broker=broker) as stack:
                stack.start_stage("extract")
                stack.start_stage("process")
                for name in ("extract", "process"):
                    stack.wait_metrics_up(name)
                stack.publish(topics.raw_pages, first)
                stack.note(f"published {len(first)} pages")
                stack.wait_processed("process", 5)  # mid-stream: both stages busy with the first part
                broker.stop()
                stack.note(f"broker stopped (extract had handled {stack_processed(stack, 'extract')}, "
                           f"process {stack_processed(stack, 'process')})")
                time.sleep(mode.broker_down_s)
                broker = EmbeddedBroker(port=port, storage=s3.storage).start()
                stack.broker = broker
                stack.note("broker restarted on the same port")
                stack.publish(topics.raw_pages, second)
                stack.note(f"published {len(second)} pages")
                more, info = settle_and_compare(stack, expected, db_url, drain_timeout_s=mode.drain_timeout_s)
                problems += more
                held = len(read_topic(broker.bootstrap_servers, topics.raw_pages, timeout_s=60))
                if held != len(raw_pages):
                    problems.append(f"DURABLE STORAGE: raw-pages holds {held} records after the restart, "
                                    f"{len(raw_pages)} were published")
                # A paused stage counts the outage; one whose client rode through it counts the lost connections.
                seen = {n: stack.metric(n, "newsingest_infrastructure_errors_total", component="broker")
                        + stack.metric(n, "newsingest_broker_disconnects_total") for n in ("extract", "process")}
                info["broker_errors_in_metrics"] = seen
                if not all(seen.values()):
                    problems.append("NOT VISIBLE: a stage counted neither newsingest_infrastructure_errors_total"
                                    f"{{component=\"broker\"}} nor newsingest_broker_disconnects_total for a "
                                    f"{mode.broker_down_s:.0f}s broker outage: {seen}")
            summary = stack.summary()
        finally:
            broker.stop()
    fault_report.append({"scenario": "broker stop/restart (s3 storage)", "mode": mode.name,
                         "pages_sent": len(raw_pages), "seconds": round(time.monotonic() - started, 1), **info,
                         **summary, "problems": problems})
    if problems and all(p.startswith(BROKER_LOST) for p in problems):
        # The audit read the acknowledged partition and offset back: the embedded broker acknowledged the record
        # and no longer holds it after its restart. No client can keep a guarantee over that; it is reported,
        # not hidden, and anything else is still a failure.
        pytest.xfail(failure_message("broker stop and restart", problems, stack))
    assert not problems, failure_message("broker stop and restart", problems, stack)
