"""The ops surface of real processes on the embedded broker: /healthz and /readyz over HTTP (and what turns
them red), JSON logs, per-partition lag and build info on /metrics, `topics ensure|describe` with configs,
and a security-protocol mismatch reported in one line."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from kafka import KafkaAdminClient
from kafka.admin import ConfigResource, ConfigResourceType

from deploy.broker import EmbeddedBroker, free_port
from schemas.settings import settings_env
from tests.kafka_helpers import unique_settings

pytestmark = pytest.mark.integration
REPO = Path(__file__).resolve().parents[2]
NEWSINGEST = [sys.executable, "-m", "deploy.cli"]


def _get(url: str) -> tuple[int, dict | str]:
    try:
        with urllib.request.urlopen(url, timeout=5) as resp:
            body = resp.read().decode()
            status = resp.status
    except urllib.error.HTTPError as exc:
        body, status = exc.read().decode(), exc.code
    except OSError:
        return 0, ""
    try:
        return status, json.loads(body)
    except ValueError:
        return status, body


def _wait(predicate, timeout_s: float, what: str, show=None):
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.25)
    raise AssertionError(f"timed out after {timeout_s}s waiting for {what}" + (f": {show()}" if show else ""))


def _env(settings, **extra) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSINGEST_")}
    return {**env, **settings_env(settings), **{k: str(v) for k, v in extra.items()}}


@pytest.fixture
def own_broker():
    """A broker of this test's own: it gets stopped mid-test."""
    broker = EmbeddedBroker(port=free_port()).start()
    yield broker
    broker.stop()


def test_a_stage_is_live_and_ready_then_not_ready_while_the_broker_is_down(own_broker, tmp_path):
    port = free_port()
    settings = unique_settings(own_broker.bootstrap_servers, database_url=f"sqlite:///{tmp_path / 'db.sqlite'}")
    log = tmp_path / "process.log"
    proc = subprocess.Popen(NEWSINGEST + ["consume", "process"], cwd=REPO, stdin=subprocess.DEVNULL,
                            stdout=subprocess.DEVNULL, stderr=log.open("w"),
                            env=_env(settings, NEWSINGEST_METRICS_PORT=port, NEWSINGEST_METRICS_HOST="127.0.0.1",
                                     NEWSINGEST_LOG_FORMAT="json"))
    base = f"http://127.0.0.1:{port}"
    try:
        status, body = _wait(lambda: (r := _get(f"{base}/readyz"))[0] == 200 and r, 60, "the stage to be ready")
        assert set(body["checks"]) == {"process.loop", "process.broker", "process.partitions", "process.database"}, body
        assert _get(f"{base}/healthz")[0] == 200
        def lag_lines():
            return [line for line in _get(f"{base}/metrics")[1].splitlines()
                    if line.startswith("newsingest_consumer_lag_messages{")]

        lag = _wait(lag_lines, 20, "lag series (after the first fetch answers)")
        assert 'newsingest_build_info{role="process",version="' in _get(f"{base}/metrics")[1]
        assert len(lag) == 2 and all(f'topic="{settings.topic_articles}"' in line for line in lag), lag
        assert {line.split('partition="')[1][0] for line in lag} == {"0", "1"}

        own_broker.stop()
        status, body = _wait(lambda: (r := _get(f"{base}/readyz"))[0] == 503 and r, 30,
                             "readiness to fail with the broker down")
        assert body["checks"]["process.broker"]["ok"] is False, body
        assert _get(f"{base}/healthz")[0] == 200, "a broker outage is not a reason to restart the stage"
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(60)
    lines = [line for line in log.read_text().splitlines() if line.strip()]
    assert lines, "the stage logged nothing"
    for line in lines:
        record = json.loads(line)  # every line is one JSON object
        assert {"time", "level", "logger", "message"} <= set(record), line
    assert any(json.loads(line).get("role") == "process" for line in lines)


def test_a_broken_database_makes_the_process_stage_not_ready_but_still_live(broker, tmp_path, pg_url):
    from tests.tcp_proxy import TcpProxy

    port = free_port()
    with TcpProxy("127.0.0.1", 5432) as proxy:
        # A database of the test's own (pg_url), reached through the proxy.
        url = f"postgresql+psycopg://postgres@127.0.0.1:{proxy.port}/{pg_url.rsplit('/', 1)[1]}"
        settings = unique_settings(broker.bootstrap_servers, database_url=url)
        proc = subprocess.Popen(NEWSINGEST + ["consume", "process"], cwd=REPO, stdin=subprocess.DEVNULL,
                                stdout=subprocess.DEVNULL, stderr=(tmp_path / "p.log").open("w"),
                                env=_env(settings, NEWSINGEST_METRICS_PORT=port, NEWSINGEST_METRICS_HOST="127.0.0.1",
                                         NEWSINGEST_DATABASE_CONNECT_TIMEOUT_S=2,
                                         NEWSINGEST_DATABASE_STATEMENT_TIMEOUT_S=2))
        base = f"http://127.0.0.1:{port}"
        try:
            _wait(lambda: _get(f"{base}/readyz")[0] == 200, 90, "the stage to be ready",
                  show=lambda: (_get(f"{base}/readyz"), (tmp_path / "p.log").read_text()[-2000:]))
            proxy.set_mode("reset")
            _, body = _wait(lambda: (r := _get(f"{base}/readyz"))[0] == 503 and r, 40,
                            "readiness to fail with the database down")
            assert body["checks"]["process.database"]["ok"] is False, body
            assert _get(f"{base}/healthz")[0] == 200
            proxy.set_mode("pass")
            _wait(lambda: _get(f"{base}/readyz")[0] == 200, 40, "readiness back after the database healed")
        finally:
            proc.send_signal(signal.SIGTERM)
            proc.wait(60)


def _run(args, env, timeout=120):
    return subprocess.run(NEWSINGEST + args, cwd=REPO, env=env, capture_output=True, text=True, timeout=timeout)


def test_topics_ensure_creates_with_configs_and_repairs_drift_describe_reports_it(broker):
    settings = unique_settings(broker.bootstrap_servers, topic_partitions=2)
    env = _env(settings)
    before = _run(["topics", "describe"], env)
    assert before.returncode == 1 and before.stdout.count(": missing") == 7, before.stdout

    first = _run(["topics", "ensure"], env)
    assert first.returncode == 0, first.stderr
    reports = next(line for line in first.stdout.splitlines() if line.startswith(settings.topic_meeting_reports))
    assert "cleanup.policy=compact" in reports and "[created]" in reports and "ok" in reports
    dead = next(line for line in first.stdout.splitlines() if line.startswith(settings.topic_articles_dead_letter))
    assert "retention.ms=7776000000" in dead and "cleanup.policy=delete" in dead

    again = _run(["topics", "ensure"], env)
    assert again.returncode == 0 and "[created]" not in again.stdout and "configs set" not in again.stdout

    admin = KafkaAdminClient(bootstrap_servers=broker.bootstrap_servers)
    try:  # someone turned compaction off on the reports topic
        admin.alter_configs([ConfigResource(ConfigResourceType.TOPIC, settings.topic_meeting_reports,
                                            configs={"cleanup.policy": "delete"})], incremental=True)
    finally:
        admin.close()
    drift = _run(["topics", "describe"], env)
    assert drift.returncode == 1 and "cleanup.policy=delete (want compact)" in drift.stdout, drift.stdout
    repaired = _run(["topics", "ensure"], env)
    assert repaired.returncode == 0 and "configs set: cleanup.policy" in repaired.stdout, repaired.stdout
    assert _run(["topics", "describe"], env).returncode == 0


def test_a_security_protocol_the_broker_does_not_speak_is_one_line(broker):
    settings = unique_settings(broker.bootstrap_servers)
    started = time.monotonic()
    out = _run(["topics", "ensure"], _env(settings, NEWSINGEST_KAFKA_SECURITY_PROTOCOL="SSL",
                                          NEWSINGEST_KAFKA_CONNECT_TIMEOUT_S=4), timeout=60)
    assert out.returncode == 1, out.stderr
    lines = [line for line in out.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "security protocol SSL" in lines[0], out.stderr
    assert time.monotonic() - started < 30


def test_the_watch_crawler_serves_probes_and_logs_json_scrapy_included(own_broker, tmp_path):
    from tests.portal_sim import PortalSimulator

    port = free_port()
    with PortalSimulator() as sim:
        sim.add_portal("p1", articles=3)
        registry = tmp_path / "portals.yaml"
        registry.write_text(sim.registry_yaml())
        settings = unique_settings(own_broker.bootstrap_servers,
                                   crawl_state_url=f"sqlite:///{tmp_path / 'state.db'}")
        log = tmp_path / "crawler.log"
        proc = subprocess.Popen(
            [sys.executable, "-m", "crawlers.run", "--watch", "--portals", str(registry), "--no-robots",
             "--download-delay", "0", "--verbose"], cwd=REPO, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
            stderr=log.open("w"),
            env=_env(settings, NEWSINGEST_CRAWLER_METRICS_PORT=port, NEWSINGEST_METRICS_HOST="127.0.0.1",
                     NEWSINGEST_LOG_FORMAT="json", NEWSINGEST_ALLOW_LOCAL_HOSTS=1,
                     NEWSINGEST_POLL_MIN_INTERVAL_S=1, NEWSINGEST_POLL_INITIAL_INTERVAL_S=1,
                     NEWSINGEST_POLL_MAX_INTERVAL_S=2))
        base = f"http://127.0.0.1:{port}"
        try:
            _, body = _wait(lambda: (r := _get(f"{base}/readyz"))[0] == 200 and r, 60, "the crawler to be ready",
                            show=lambda: _get(f"{base}/readyz"))
            assert set(body["checks"]) == {"reactor", "registry", "broker", "state_store"}, body
            assert body["checks"]["registry"]["detail"] == "1 portal(s) loaded"
            assert _get(f"{base}/healthz")[0] == 200
            assert 'newsingest_build_info{role="crawler",version="' in _get(f"{base}/metrics")[1]
            _wait(lambda: len(sim.article_fetches()) >= 3, 60, "the first poll")
            # What a healthy crawler logged; after the broker stops, kafka-python's own finaliser may print a
            # traceback at exit that no logging configuration sees.
            healthy_lines = [line for line in log.read_text().splitlines() if line.strip()]
            own_broker.stop()
            _, body = _wait(lambda: (r := _get(f"{base}/readyz"))[0] == 503 and r, 30,
                            "readiness to fail with the broker down")
            assert body["checks"]["broker"]["ok"] is False
            assert _get(f"{base}/healthz")[0] == 200
        finally:
            proc.send_signal(signal.SIGINT)
            # What this test reads was logged before the broker stopped. Stopping with the broker gone is
            # usually quick (6-7 s), but a page caught in flight waits out its delivery timeout: not waited for.
            try:
                proc.wait(15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(10)
    lines = healthy_lines
    records = [json.loads(line) for line in lines]  # every line, Scrapy's included, is one JSON object
    assert any(r["logger"].startswith("scrapy") for r in records), lines[:5]
    assert all(r.get("role") == "crawler" for r in records)
