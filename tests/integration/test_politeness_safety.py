"""Politeness per host and the crawler's safety rules, against the portal simulator (issue 11, items 2 and 3).

Every test runs the production entry point (`python -m crawlers.run`) in a child process, as `up` does, with
the simulator's portals on 127.0.0.1 and the embedded broker; what reached the simulator is in `sim.hits`,
what the crawl counted in its stats file.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from tests.portal_sim import PortalSimulator

REPO = Path(__file__).resolve().parents[2]
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


@pytest.fixture
def sim():
    with PortalSimulator() as running:
        yield running


def _env(broker, **extra: str) -> dict[str, str]:
    env = {**os.environ, "NEWSINGEST_KAFKA_BOOTSTRAP_SERVERS": broker.bootstrap_servers,
           "NEWSINGEST_TOPIC_RAW_PAGES": f"raw-{uuid.uuid4().hex[:8]}", "NEWSINGEST_CRAWLER_METRICS_PORT": "0"}
    env.update(extra)
    return env


def crawl_once(registry: Path, env: dict[str, str], tmp_path: Path, *args: str,
               script: str | None = None) -> tuple[int, dict, str]:
    stats_file = tmp_path / f"stats-{uuid.uuid4().hex[:6]}.json"
    head = [sys.executable, "-c", script] if script else [sys.executable, "-m", "crawlers.run"]
    cmd = [*head, "--portals", str(registry), "--no-robots", "--stats-file", str(stats_file), *args]
    result = subprocess.run(cmd, cwd=REPO, env=env, capture_output=True, text=True, timeout=240)
    stats = json.loads(stats_file.read_text()) if stats_file.exists() else {}
    return result.returncode, stats, result.stderr


def _registry(tmp_path: Path, sim: PortalSimulator, extra_allow: dict[str, list[str]] | None = None) -> Path:
    text = sim.registry_yaml(feeds=False)
    for pid, prefixes in (extra_allow or {}).items():
        base = f"{sim.base_url}/{pid}/"
        allow = ", ".join(f"'{p}'" for p in [base, *prefixes])
        text = text.replace(f"    allow: ['{base}']", f"    allow: [{allow}]")
        # Article patterns on any of the portal's hosts, so a redirect target is an article page too.
        text = text.replace(f"article_patterns: ['^{sim.base_url}/{pid}/", f"article_patterns: ['^http://[^/]+/{pid}/")
    path = tmp_path / "portals.yaml"
    path.write_text(text)
    return path


# -- politeness ---------------------------------------------------------------------------------------------

def _host_gaps(hits) -> list[float]:
    starts = sorted(h.started for h in hits)
    return [b - a for a, b in zip(starts, starts[1:])]


def test_the_watch_is_polite_per_host_across_portals(sim, broker, tmp_path):
    """Six portals on one host (127.0.0.1) share two requests in flight and the delay between requests."""
    for n in range(6):
        sim.add_portal(f"p{n}", articles=2).slow_s = 0.4
    registry = tmp_path / "portals.yaml"
    registry.write_text(sim.registry_yaml(feeds=False))
    env = _env(broker, NEWSINGEST_CRAWL_STATE_URL=f"sqlite:///{tmp_path / 'state.db'}",
               NEWSINGEST_POLL_MIN_INTERVAL_S="60", NEWSINGEST_POLL_INITIAL_INTERVAL_S="60",
               NEWSINGEST_POLL_MAX_INTERVAL_S="60")
    log = tmp_path / "watch.log"
    proc = subprocess.Popen([sys.executable, "-m", "crawlers.run", "--watch", "--portals", str(registry),
                             "--no-robots", "--download-delay", "0.2"], cwd=REPO, env=env,
                            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=log.open("w"))
    try:
        deadline = time.monotonic() + 90
        while len(sim.article_fetches()) < 12 and time.monotonic() < deadline:
            time.sleep(0.2)
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(60)
    assert len(sim.article_fetches()) == 12, log.read_text()[-2000:]
    assert sim.max_in_flight <= 2, f"{sim.max_in_flight} requests in flight on one host"
    # DOWNLOAD_DELAY 0.2 with Scrapy's ±50 % jitter: never two requests to the host within 0.1 s.
    # (0.05 s rather than 0.1 s: the server stamps arrivals, which a loaded machine can bunch up; one pair
    # stamped 0.03 s apart was seen in CI with another test suite running, so one outlier is allowed when the
    # median gap still shows the delay.)
    gaps = sorted(_host_gaps(sim.hits))
    assert gaps[1] >= 0.05 and gaps[len(gaps) // 2] >= 0.1, gaps[:5]


def test_the_one_shot_crawl_is_polite_per_host_across_portals(sim, broker, tmp_path):
    for n in range(6):
        sim.add_portal(f"p{n}", articles=2).slow_s = 0.4
    registry = tmp_path / "portals.yaml"
    registry.write_text(sim.registry_yaml(feeds=False))
    code, stats, stderr = crawl_once(registry, _env(broker), tmp_path, "--download-delay", "0.2")
    assert code == 0 and stats["published"] == 12, stderr[-2000:]
    assert sim.max_in_flight <= 2, f"{sim.max_in_flight} requests in flight on one host"
    assert min(_host_gaps(sim.hits)) >= 0.05


def test_retry_after_pauses_the_host_capped_and_a_final_5xx_is_not_published(sim, broker, tmp_path):
    sim.add_portal("p1", articles=3)
    sim.script("/p1/tin-tuc/tin-p1-3.html", (429, {"Retry-After": "300"}, b"slow down"))
    sim.script("/p1/tin-tuc/tin-p1-2.html", *[(503, {}, b"<html><body>Service Unavailable</body></html>")] * 3)
    env = _env(broker, NEWSINGEST_RETRY_AFTER_MAX_S="2", NEWSINGEST_RETRY_BACKOFF_BASE_S="0.3")
    code, stats, stderr = crawl_once(_registry(tmp_path, sim), env, tmp_path, "--download-delay", "0")

    # The 429 page is retried after the capped Retry-After (2 s, not 300 s) and published; the 503 page was
    # asked for three times, with back-off, and its final 503 body is not a page: a counted http_error drop.
    assert stats["published"] == 2, stderr[-3000:]
    assert stats.get("dropped_http_error") == 1, stats
    assert code == 1  # a one-shot crawl with a drop fails, naming it
    first = [h for h in sim.hits if h.path == "/p1/tin-tuc/tin-p1-3.html"]
    assert [h.status for h in first] == [429, 200]
    assert 1.9 <= first[1].started - first[0].started < 10
    # The pause is per host: nothing at all reached 127.0.0.1 during it (answers already in flight aside).
    during = [h for h in sim.hits if first[0].started + 0.15 < h.started < first[0].started + 1.9]
    assert during == [], during
    failing = [h for h in sim.hits if h.path == "/p1/tin-tuc/tin-p1-2.html"]
    assert [h.status for h in failing] == [503, 503, 503]
    gaps = [b.started - a.started for a, b in zip(failing, failing[1:])]
    assert gaps[0] >= 0.28 and gaps[1] >= 0.58, gaps  # 0.3 s, then 0.6 s
    assert "after HTTP 429 (Retry-After: 300, capped at 2s)" in stderr


# -- safety -------------------------------------------------------------------------------------------------

def test_a_redirect_off_the_registry_is_refused_and_counted(sim, broker, tmp_path):
    sim.add_portal("p1", articles=2)
    port = sim.base_url.rsplit(":", 1)[1]
    sim.script("/p1/tin-tuc/tin-p1-2.html", (302, {"Location": f"http://localhost:{port}/other/page.html"}, b""))
    code, stats, stderr = crawl_once(_registry(tmp_path, sim), _env(broker), tmp_path, "--download-delay", "0")
    assert stats.get("dropped_offsite_redirect") == 1, stderr[-3000:]
    assert stats["published"] == 1
    assert not [h for h in sim.hits if h.path.startswith("/other/")], "the offsite target was fetched"
    assert "offsite_redirect" in stderr and code == 1


RESOLVE_FAKE = """
import socket, sys
real = socket.gethostbyname
socket.gethostbyname = lambda name: "127.0.0.3" if name == "intranet.portal.test" else real(name)
from crawlers.run import main
sys.exit(main(sys.argv[1:]))
"""


def test_production_refuses_private_addresses_at_connection_time(sim, broker, tmp_path):
    """A redirect that stays inside the portal's allow prefixes but reaches a private address is refused:
    an IP literal (127.0.0.2) before any request, a host name (intranet.portal.test, which the system resolver
    here answers with 127.0.0.3) when it is resolved for the connection. Only 127.0.0.1 (the simulator) is
    let through, explicitly."""
    sim.add_portal("p1", articles=3)
    port = sim.base_url.rsplit(":", 1)[1]
    literal, named = f"http://127.0.0.2:{port}/p1/", f"http://intranet.portal.test:{port}/p1/"
    sim.script("/p1/tin-tuc/tin-p1-3.html", (302, {"Location": f"{literal}tin-tuc/tin-p1-3.html"}, b""))
    sim.script("/p1/tin-tuc/tin-p1-2.html", (302, {"Location": f"{named}tin-tuc/tin-p1-2.html"}, b""))
    env = _env(broker, NEWSINGEST_ENV="production", NEWSINGEST_CONTACT_URL="https://newsingest.vn/crawler",
               NEWSINGEST_ALLOWED_PRIVATE_NETWORKS="127.0.0.1/32")
    code, stats, stderr = crawl_once(_registry(tmp_path, sim, {"p1": [literal, named]}), env, tmp_path,
                                     "--download-delay", "0", script=RESOLVE_FAKE)
    assert stats.get("dropped_private_address") == 2, (stats, stderr[-3000:])
    assert stats["published"] == 1
    assert "dropped_connect" not in stats  # refused by the guard, not by a closed port
    assert "intranet.portal.test resolves to 127.0.0.3" in stderr
    assert code == 1


def test_non_html_answers_on_article_pages_are_counted_not_published(sim, broker, tmp_path):
    sim.add_portal("p1", articles=3)
    sim.script("/p1/tin-tuc/tin-p1-3.html", (200, {"Content-Type": "application/pdf"}, PDF))
    sim.script("/p1/tin-tuc/tin-p1-2.html", (200, {"Content-Type": "text/html; charset=utf-8"}, PDF))
    code, stats, stderr = crawl_once(_registry(tmp_path, sim), _env(broker), tmp_path, "--download-delay", "0")
    assert stats.get("dropped_not_html") == 2, (stats, stderr[-3000:])
    assert stats["published"] == 1
    assert "not_html" in stderr and "pdf" in stderr


def test_production_mode_without_a_contact_url_stops_with_one_line(tmp_path):
    env = {**os.environ, "NEWSINGEST_ENV": "production", "NEWSINGEST_KAFKA_BOOTSTRAP_SERVERS": "127.0.0.1:9"}
    env.pop("NEWSINGEST_CONTACT_URL", None)
    result = subprocess.run([sys.executable, "-m", "crawlers.run"], cwd=REPO, env=env, capture_output=True,
                            text=True, timeout=60)
    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0 and "NEWSINGEST_CONTACT_URL" in result.stderr
    env["NEWSINGEST_CONTACT_URL"] = "https://newsingest.example/contact"
    result = subprocess.run([sys.executable, "-m", "crawlers.run"], cwd=REPO, env=env, capture_output=True,
                            text=True, timeout=60)
    assert result.returncode == 2 and "placeholder" in result.stderr
