"""PostgreSQL outages through a TCP proxy the test controls (the machine's shared server is never stopped):
a stall that heals, connections reset (and refused) for the outage, and connections that never come back."""

from __future__ import annotations

import time

import pytest

from consumers.adapters.kafka import ensure_topics
from deploy.broker import EmbeddedBroker
from schemas.settings import Settings
from tests.faults.harness import Stack
from tests.faults.scenario import chunks, failure_message, page_messages, settle_and_compare
from tests.kafka_helpers import unique_settings
from tests.tcp_proxy import TcpProxy

pytestmark = [pytest.mark.faults, pytest.mark.timeout(3600)]

SLOW_BUCKET = "5.0"  # a stage call slower than this during a stall counts as the stall made visible


def _db_signals(stack: Stack) -> tuple[float, float]:
    errors = stack.metric("process", "newsingest_infrastructure_errors_total", stage="process", component="database")
    total = stack.metric("process", "newsingest_stage_latency_seconds_count", stage="process")
    fast = stack.metric("process", "newsingest_stage_latency_seconds_bucket", stage="process", le=SLOW_BUCKET)
    return errors, total - fast


def test_database_outages_through_a_proxy(tmp_path, pg_url, raw_pages, expected, mode, fault_report):
    started = time.monotonic()
    problems: list[str] = []
    per_fault: dict = {}
    host_port = pg_url.split("@", 1)[1].split("/", 1)[0]
    host, port = host_port.rsplit(":", 1)
    with TcpProxy(host, int(port)) as proxy, EmbeddedBroker() as broker:
        proxied = pg_url.replace(f"@{host_port}/", f"@127.0.0.1:{proxy.port}/")
        settings = unique_settings(broker.bootstrap_servers, database_url=proxied, topic_partitions=2)
        extra_env = {}
        if mode.name == "ci":  # the service's own knobs, lowered so detection fits a bounded CI run
            for field, value in (("database_statement_timeout_s", "5"), ("database_connect_timeout_s", "3"),
                                 ("database_operation_timeout_s", "15")):
                if field in Settings.model_fields:
                    extra_env[f"NEWSINGEST_{field.upper()}"] = value
        topics = settings.topics()
        ensure_topics(broker.bootstrap_servers, topics.all(), partitions=2, replication_factor=1)
        parts = chunks(page_messages(raw_pages), 4)
        with Stack(tmp_path, settings, broker=broker, extra_env=extra_env) as stack:
            stack.start_stage("extract")
            stack.start_stage("process")
            for name in ("extract", "process"):
                stack.wait_metrics_up(name)
            for fault, part in zip(("stall", "reset", "blackhole"), parts[:3]):
                base = stack.processed("process")
                stack.publish(topics.raw_pages, part)
                stack.wait_processed("process", base + 3)  # hit the stage mid-batch, not idle
                before = _db_signals(stack)
                proxy.set_mode(fault)
                stack.note(f"database {fault} for {mode.db_outage_s:.0f}s ({proxy.open_connections()} connections held)")
                time.sleep(mode.db_outage_s)
                proxy.set_mode("pass")
                stack.note(f"database link healed after {fault}")
                t0 = time.monotonic()
                drained, details = stack.wait_drained(mode.drain_timeout_s)
                after = _db_signals(stack)
                per_fault[fault] = {"recovered_s": round(time.monotonic() - t0, 1) if drained else None,
                                    "database_errors": after[0] - before[0], "slow_calls": after[1] - before[1]}
                stack.note(f"after {fault}: {per_fault[fault]}")
                if not drained:
                    problems.append(f"STUCK after database {fault}: not drained {mode.drain_timeout_s:.0f}s after the "
                                    f"link healed: {details}\n{stack.log_tail('process')}")
                elif after == before:
                    problems.append(f"NOT VISIBLE: database {fault} of {mode.db_outage_s:.0f}s left no trace in the "
                                    "process stage's metrics (newsingest_infrastructure_errors_total{component="
                                    f"\"database\"}} unchanged, no call slower than {SLOW_BUCKET}s)")
            stack.publish(topics.raw_pages, parts[3])
            stack.note(f"published the last {len(parts[3])} pages")
            direct = pg_url  # compare through a direct connection, not the proxy
            more, info = settle_and_compare(stack, expected, direct, drain_timeout_s=mode.drain_timeout_s)
            problems += more
            # Neither the broker nor a process failed here, so no acknowledgement was lost: a report published
            # twice, or left unmarked (a later re-crawl would publish it twice), is a mark the outage dropped.
            republished = info.get("topic", {}).get("republished_duplicates", 0)
            if republished:
                problems.append(f"REPUBLISHED: {republished} stored report(s) published again after a database outage")
            if info.get("stored_not_marked_delivered"):
                problems.append("NOT MARKED DELIVERED after the outages: "
                                + ", ".join(info["stored_not_marked_delivered"][:5]))
            info["proxy_connections_accepted"] = proxy.accepted
        summary = stack.summary()
    fault_report.append({"scenario": "database outages via TCP proxy", "mode": mode.name, "pages_sent": len(raw_pages),
                         "settings": extra_env,
                         "outage_s": mode.db_outage_s, "per_fault": per_fault,
                         "seconds": round(time.monotonic() - started, 1), **info, **summary, "problems": problems})
    assert not problems, failure_message("database outages", problems, stack)
