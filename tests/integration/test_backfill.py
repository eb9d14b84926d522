"""Backfill: a portal's archive walked back to a date, beyond the watch's page budget, resumably."""

from __future__ import annotations

import collections
import datetime as dt
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from tests.kafka_helpers import read_topic
from tests.portal_sim import PortalSimulator

REPO = Path(__file__).resolve().parents[2]
DAY = 86400.0


@pytest.fixture
def archive(tmp_path):
    """120 articles, one a day, the newest first on 12 listing pages; the watch budget is 3 pages."""
    with PortalSimulator() as sim:
        sim.add_portal("arch", validators=False)
        now = time.time()
        for n in range(120):
            sim.add_article("arch", published_at=now - (119 - n) * DAY)
        registry = tmp_path / "portals.yaml"
        registry.write_text(sim.registry_yaml(max_listing_pages=3, feeds=False))
        yield sim, registry


def backfill(registry: Path, broker, tmp_path: Path, topic: str, until: dt.date, cli: bool = True) -> subprocess.Popen:
    """Through the CLI, or (to kill it with -9) the crawler process the CLI starts."""
    env = {**os.environ, "NEWSINGEST_KAFKA_BOOTSTRAP_SERVERS": broker.bootstrap_servers,
           "NEWSINGEST_TOPIC_RAW_PAGES": topic, "NEWSINGEST_CRAWLER_METRICS_PORT": "0",
           "NEWSINGEST_CRAWL_STATE_URL": f"sqlite:///{tmp_path / 'state.db'}", "NEWSINGEST_PORTALS_FILE": str(registry),
           # One request at a time, as in production, with a shorter delay: the walk is ~90 requests.
           "NEWSINGEST_CRAWL_DOWNLOAD_DELAY_S": "0.1"}
    args = ["deploy.cli", "crawl", "--backfill", "--portal", "arch"] if cli else ["crawlers.run", "--backfill", "arch"]
    return subprocess.Popen([sys.executable, "-m", *args, "--until", until.isoformat()], env=env, cwd=REPO,
                            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                            stderr=(tmp_path / "backfill.log").open("a"))


def test_backfill_walks_past_the_page_budget_to_the_date_and_resumes_after_a_kill(archive, broker, tmp_path):
    sim, registry = archive
    topic = f"raw-{uuid.uuid4().hex[:8]}"
    until = (dt.datetime.now() - dt.timedelta(days=75)).date()
    proc = backfill(registry, broker, tmp_path, topic, until, cli=False)
    deadline = time.monotonic() + 60
    while len(sim.article_fetches()) < 30 and time.monotonic() < deadline:
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait(10)
    first_run = len(sim.article_fetches())
    assert 30 <= first_run < 80, first_run

    again = backfill(registry, broker, tmp_path, topic, until)
    assert again.wait(120) == 0, (tmp_path / "backfill.log").read_text()[-2000:]
    fetched = collections.Counter(h.path for h in sim.article_fetches())
    wanted = {f"/arch/tin-tuc/tin-arch-{n}.html" for n in range(120 - 75, 121)}  # published on or after `until`
    assert wanted <= set(fetched), sorted(wanted - set(fetched))[:5]
    # It stops at the listing page whose newest date is before `until`.
    assert set(fetched) == wanted  # articles printed with an older date are skipped
    # Resumed, not restarted: only pages in flight at the kill are asked for twice.
    assert sum(c - 1 for c in fetched.values()) <= 3, [p for p, c in fetched.items() if c > 1]
    listing_pages = {h.path for h in sim.hits if "/page-" in h.path}
    assert len(listing_pages) > 3  # beyond the watch's budget of 3 listing pages
    published = {r.key for r in read_topic(broker.bootstrap_servers, topic)}
    assert {sim.base_url.encode() + p.encode() for p in wanted} <= published

    # Finished: a third run has nothing left to do.
    before = len(sim.article_fetches())
    assert backfill(registry, broker, tmp_path, topic, until).wait(60) == 0
    assert len(sim.article_fetches()) == before


def test_backfill_arguments_are_checked_in_one_line(tmp_path):
    out = subprocess.run([sys.executable, "-m", "deploy.cli", "crawl", "--backfill", "--portal", "x"],
                         cwd=REPO, capture_output=True, text=True, timeout=60,
                         env={**os.environ, "NEWSINGEST_KAFKA_BOOTSTRAP_SERVERS": "127.0.0.1:9"})
    lines = [line for line in out.stderr.splitlines() if line.strip()]
    assert out.returncode == 2 and len(lines) == 1 and "--until" in lines[0], out.stderr
