"""CLI failures that need a broker, a database or a crawl: one line on stderr, exit 1 (service) or 2 (input).
Also `newsingest broker` (the stages run separately against it) and quiet, informative `up` / `demo` runs."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from deploy.broker import free_port
from deploy.demo import demo_site_root
from tests.kafka_helpers import read_topic
from tests.unit.test_cli_errors import clean_env, one_line, run_cli

REPO = Path(__file__).resolve().parents[2]
UNREACHABLE = {"NEWSINGEST_KAFKA_BOOTSTRAP_SERVERS": "127.0.0.1:1", "NEWSINGEST_KAFKA_CONNECT_TIMEOUT_S": "2"}


@pytest.mark.parametrize("command", [["up", "--once"], ["consume", "extract"], ["replay-dead-letters", "extract"],
                                     ["crawl"]])
def test_unreachable_broker_is_one_line_after_a_bounded_wait(command, tmp_path):
    started = time.monotonic()
    result = run_cli(*command, env=clean_env(**UNREACHABLE, NEWSINGEST_DATABASE_URL=f"sqlite:///{tmp_path}/x.db"),
                     timeout=60)
    assert time.monotonic() - started < 30
    assert result.returncode == 1
    line = one_line(result.stderr)
    assert line == ("error: Kafka broker 127.0.0.1:1 unreachable after 2s; start one with 'newsingest broker' "
                    "or set NEWSINGEST_KAFKA_BOOTSTRAP_SERVERS")


def test_missing_postgresql_database_is_one_line(pg_url):
    missing = pg_url.rsplit("/", 1)[0] + "/doesnotexist_newsingest"
    result = run_cli("reports", "--database-url", missing, timeout=60)
    assert result.returncode == 1
    line = one_line(result.stderr)
    assert "doesnotexist_newsingest" in line and "does not exist" in line


def test_up_once_with_a_refused_database_is_one_line():
    result = run_cli("up", "--once", env=clean_env(**UNREACHABLE,
                                                   NEWSINGEST_DATABASE_URL="postgresql://postgres@127.0.0.1:1/x"),
                     timeout=60)
    assert result.returncode == 1
    line = one_line(result.stderr)
    assert line.startswith("error: database postgresql+psycopg://postgres@127.0.0.1:1/x unreachable")


def test_unknown_portal_in_scrapy_crawl_is_one_line_and_the_portals_file_is_honoured(tmp_path):
    registry = tmp_path / "portals.yaml"
    registry.write_text((demo_site_root() / "portals.yaml").read_text().replace("{base_url}", "http://127.0.0.1:9"))
    env = clean_env(NEWSINGEST_KAFKA_BOOTSTRAP_SERVERS="127.0.0.1:1", NEWSINGEST_PORTALS_FILE=str(registry),
                    NEWSINGEST_ALLOW_LOCAL_HOSTS="true")
    result = subprocess.run([sys.executable, "-m", "scrapy", "crawl", "portal", "-a", "portal=hagiangtv2"],
                            cwd=REPO, env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 2
    line = one_line(result.stderr)
    assert line.startswith("error: unknown portal 'hagiangtv2'") and str(registry) in line
    # The bundled registry has no 'caobang' with this base URL; the file's does: it is found (then the
    # crawl fails on the absent broker, which is not what this test is about).
    found = subprocess.run([sys.executable, "-m", "scrapy", "crawl", "portal", "-a", "portal=caobang"],
                           cwd=REPO, env=env, capture_output=True, text=True, timeout=120)
    assert "unknown portal" not in found.stderr


def test_scrapy_crawl_without_a_portal_is_one_line():
    result = subprocess.run([sys.executable, "-m", "scrapy", "crawl", "portal"], cwd=REPO, env=clean_env(),
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 2
    assert "-a portal=ID" in one_line(result.stderr)


@pytest.mark.parametrize("args,expected", [
    (["--portal", "nosuchportal", "--until", "2024-01-01"], "error: unknown portal 'nosuchportal'"),
    (["--portal", "caobang", "--until", "01/01/2024"], "error: --until expects YYYY-MM-DD"),
])
def test_backfill_with_a_bad_argument_is_one_line(args, expected, tmp_path):
    env = clean_env(NEWSINGEST_KAFKA_BOOTSTRAP_SERVERS="127.0.0.1:1",
                    NEWSINGEST_CRAWL_STATE_URL=f"sqlite:///{tmp_path}/state.db")
    result = run_cli("crawl", "--backfill", *args, env=env, timeout=120)
    assert result.returncode == 2
    assert one_line(result.stderr).startswith(expected)


def _start_broker(port: int) -> subprocess.Popen:
    proc = subprocess.Popen([sys.executable, "-m", "deploy.cli", "broker", "--port", str(port)], cwd=REPO,
                            env=clean_env(NEWSINGEST_TOPIC_PARTITIONS="1"), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    return proc


def test_broker_command_then_the_stages_separately(tmp_path, demo_site):
    port = free_port()
    broker = _start_broker(port)
    try:
        line = broker.stdout.readline().strip()
        assert line == f"export NEWSINGEST_KAFKA_BOOTSTRAP_SERVERS=127.0.0.1:{port}"
        bootstrap = line.split("=", 1)[1]
        # Default settings otherwise (session timeout 10 s): the stages run against it as README says.
        registry = tmp_path / "portals.yaml"
        registry.write_text((demo_site_root() / "portals.yaml").read_text().replace("{base_url}", demo_site.base_url))
        env = clean_env(NEWSINGEST_KAFKA_BOOTSTRAP_SERVERS=bootstrap, NEWSINGEST_PORTALS_FILE=str(registry),
                        NEWSINGEST_CRAWL_DOWNLOAD_DELAY_S="0", NEWSINGEST_DATABASE_URL=f"sqlite:///{tmp_path}/x.db",
                        NEWSINGEST_ALLOW_LOCAL_HOSTS="true")
        crawl = run_cli("crawl", env=env, timeout=180)
        assert crawl.returncode == 0, crawl.stderr[-3000:]
        assert "Overridden settings" not in crawl.stderr and "Enabled downloader middlewares" not in crawl.stderr
        assert "crawl finished" in crawl.stderr
        pages = read_topic(bootstrap, "newsingest.raw-pages.v1")
        assert len(pages) >= 10
        extract = subprocess.Popen([sys.executable, "-m", "deploy.cli", "consume", "extract"], cwd=REPO, env=env,
                                   stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        try:
            deadline = time.monotonic() + 90
            articles = []
            while time.monotonic() < deadline and len(articles) < len(pages):
                time.sleep(2)
                articles = read_topic(bootstrap, "newsingest.articles.v1", timeout_s=10)
            assert len(articles) == len(pages)
        finally:
            extract.send_signal(signal.SIGTERM)
            extract.wait(60)
        assert extract.returncode == 0
        replay = run_cli("replay-dead-letters", "extract", env=env, timeout=120)
        assert replay.returncode == 0, replay.stderr[-2000:]
        assert replay.stdout.startswith("replayed 0 dead letter(s)")
    finally:
        broker.send_signal(signal.SIGTERM)
        broker.wait(30)
    assert broker.returncode == 0, broker.stderr.read()[-2000:]


def test_broker_on_a_taken_port_is_one_line():
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        port = sock.getsockname()[1]
        result = run_cli("broker", "--port", str(port), timeout=60)
    assert result.returncode == 1
    assert "already in use" in one_line(result.stderr)


def test_bootstrap_unset_points_at_the_broker_command_for_every_stage_command():
    result = run_cli("consume", "process")
    assert result.returncode == 2
    assert "newsingest broker" in one_line(result.stderr)


@pytest.mark.e2e
def test_demo_is_quiet_and_ends_with_a_summary_and_next_steps(tmp_path):
    result = run_cli("demo", "--keep-db", str(tmp_path / "demo.db"), timeout=240, cwd=tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    out = result.stdout
    assert "9 meeting report(s)" in out
    assert "pages" in out and "15 article pages published" in out
    assert "9 meeting report(s) stored (new 9)" in out and "dead letters  0" in out
    assert "next steps:" in out and f"--database-url sqlite:///{tmp_path / 'demo.db'}" in out
    assert "/metrics" in out and "postgresql://" in out
    assert "Overridden settings" not in result.stderr and "{'extract'" not in out + result.stderr
    assert len(result.stderr.splitlines()) < 10, result.stderr
