"""A database link that stalls, resets or never comes back, through a TCP proxy in front of the test
PostgreSQL (never the shared server itself): the process stage pauses, logs and resumes; nothing is lost,
nothing doubled, no healthy message dead-lettered, and the dedup lock is not held forever."""

from __future__ import annotations

import logging
import threading
import time

import pytest
import sqlalchemy
from sqlalchemy.engine import make_url

from consumers.adapters.kafka import ensure_topics
from consumers.adapters.store import DatabaseTimeouts, Store, lock_key
from consumers.runner import _is_database_outage
from deploy.wiring import build_runner, new_metrics
from schemas import MeetingReport, decode, encode
from tests.kafka_helpers import produce, read_topic, unique_settings
from tests.stage_helpers import MEETING_TEXT, article
from tests.tcp_proxy import TcpProxy

# One of the dedup locks a unit of work takes (consumers.stages.process: the article's URL, fingerprint, ...).
LOCK = "url|https://baoquangninh.vn/a-1.html"
SHORT = DatabaseTimeouts(connect_timeout_s=2, statement_timeout_s=3, lock_timeout_s=3,
                         idle_in_transaction_timeout_s=3, keepalives_idle_s=1, keepalives_interval_s=1,
                         keepalives_count=2, tcp_user_timeout_s=3, operation_timeout_s=5)


@pytest.fixture
def proxied(pg_url):
    """(URL through the proxy, the proxy, the direct URL)."""
    direct = make_url(pg_url)
    with TcpProxy(direct.host or "127.0.0.1", direct.port or 5432) as proxy:
        yield direct.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False), proxy, pg_url


def test_a_connection_that_never_returns_fails_in_bounded_time_and_frees_the_dedup_lock(proxied):
    url, proxy, direct_url = proxied
    store = Store(url, SHORT)
    store.create_schema()
    outcome: dict = {}
    locked = threading.Event()

    def hold_the_lock_then_lose_the_link() -> None:
        started = time.monotonic()
        try:
            with store.unit_of_work([LOCK]) as uow:
                locked.set()
                proxy.set_mode("blackhole")
                uow.conn.exec_driver_sql("SELECT 1")
        except Exception as exc:  # noqa: BLE001 - inspected below
            outcome["error"] = exc
        outcome["seconds"] = time.monotonic() - started

    worker = threading.Thread(target=hold_the_lock_then_lose_the_link, daemon=True)
    worker.start()
    assert locked.wait(10)
    # Another replica (straight to the server) waits for the same advisory lock: the server ends the
    # vanished session after idle_in_transaction_session_timeout, so it gets the lock in bounded time.
    other = sqlalchemy.create_engine(direct_url)
    try:
        started = time.monotonic()
        with other.connect() as conn, conn.begin():
            conn.exec_driver_sql("SET LOCAL lock_timeout = '20s'")
            held = not conn.exec_driver_sql("SELECT pg_try_advisory_xact_lock(%(k)s)", {"k": lock_key(LOCK)}).scalar()
            assert held, "the unit of work did not hold its lock"
            conn.exec_driver_sql("SELECT pg_advisory_xact_lock(%(k)s)", {"k": lock_key(LOCK)})
        assert time.monotonic() - started < 15
    finally:
        other.dispose()
    worker.join(20)
    assert not worker.is_alive(), "the unit of work is still hanging"
    assert outcome["seconds"] < 15
    assert _is_database_outage(outcome["error"]), outcome["error"]
    # After the link heals, the same store works again (the dead connection was invalidated).
    proxy.set_mode("pass")
    with store.unit_of_work() as uow:
        assert uow.conn.exec_driver_sql("SELECT 1").scalar() == 1
    store.dispose()


def _articles(start: int, n: int):
    out = []
    for i in range(start, start + n):
        url = f"https://baoquangninh.vn/hoi-nghi-{i}.html"
        paragraphs = [f"Sáng {i + 1}/7, Ban Thường vụ Tỉnh ủy họp phiên thứ {i + 10} bàn công tác quý {i}.",
                      *MEETING_TEXT[1:]]
        out.append((url.encode(), encode(article(paragraphs=paragraphs, url=url,
                                                 title=f"Hội nghị Ban Chấp hành Đảng bộ tỉnh lần thứ {i + 10}"))))
    return out


def _wait(predicate, timeout_s: float) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.3)
    return False


@pytest.mark.parametrize("fault", ["stall", "reset", "blackhole"])
def test_the_process_stage_pauses_on_a_lost_database_and_resumes_exactly(broker, proxied, fault, caplog):
    url, proxy, _ = proxied
    bootstrap = broker.bootstrap_servers
    settings = unique_settings(bootstrap, database_url=url, topic_partitions=1)
    topics = settings.topics()
    ensure_topics(bootstrap, topics.all(), partitions=1, replication_factor=1)
    metrics = new_metrics()
    store = Store(url, SHORT)
    runner = build_runner("process", settings, bootstrap, metrics, store=store)
    runner.max_backoff_s = 1.0
    runner._backoff = 0.2  # noqa: SLF001 - keep the test short

    def database_pauses() -> float:
        return metrics.registry.get_sample_value("newsingest_infrastructure_errors_total",
                                                 {"stage": "process", "component": "database"}) or 0

    produce(bootstrap, topics.articles, _articles(0, 2))
    thread = threading.Thread(target=runner.run, daemon=True)
    thread.start()
    try:
        assert _wait(lambda: runner.handled >= 2 and runner.caught_up(), 60)
        caplog.set_level(logging.ERROR, logger="consumers.runner")
        proxy.set_mode(fault)
        produce(bootstrap, topics.articles, _articles(2, 3))
        assert _wait(lambda: database_pauses() >= 1, 30), "the stage never noticed the lost database"
        time.sleep(2)
        assert runner.handled == 2 or fault == "reset"
        proxy.set_mode("pass")
        assert _wait(lambda: runner.handled >= 5 and runner.caught_up(), 90), "the stage did not resume"
    finally:
        runner.stop()
        thread.join(30)
    assert not thread.is_alive()
    assert any("database unavailable" in r.getMessage() for r in caplog.records)
    reports = [decode(MeetingReport, r.value) for r in read_topic(bootstrap, topics.meeting_reports)]
    assert len(reports) == 5 and len({(r.report_id, r.version) for r in reports}) == 5
    assert read_topic(bootstrap, topics.articles_dead_letter, timeout_s=3) == []
    stored = store.reports()
    assert len(stored) == 5 and all(row["delivered"] for row in stored)
    store.dispose()
