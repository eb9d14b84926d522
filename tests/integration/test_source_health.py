"""Source health of the long-running watch against the portal simulator: one PortalStatus per poll on the
portal-status topic with the poll's counts, a failure streak that grows while a portal answers 503 and resets
when it answers again, and the newsingest_portal_* metrics on the crawler's endpoint."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import urllib.request
import time
import uuid
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

from schemas import PortalStatus, decode
from tests.integration.test_watch import POLL_S, Watcher, wait_for
from tests.kafka_helpers import read_topic
from tests.portal_sim import PortalSimulator

REPO = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class HealthWatcher(Watcher):
    """The watch as the crawler container runs it, with a status topic and a metrics endpoint of its own."""

    def __init__(self, sim, broker, tmp_path) -> None:
        super().__init__(sim, broker, tmp_path)
        self.status_topic = f"status-{uuid.uuid4().hex[:8]}"
        self.metrics_port = _free_port()

    def start(self) -> HealthWatcher:
        env = {**os.environ, "NEWSINGEST_KAFKA_BOOTSTRAP_SERVERS": self.bootstrap,
               "NEWSINGEST_TOPIC_RAW_PAGES": self.topic, "NEWSINGEST_TOPIC_PORTAL_STATUS": self.status_topic,
               "NEWSINGEST_CRAWLER_METRICS_PORT": str(self.metrics_port), "NEWSINGEST_METRICS_HOST": "127.0.0.1",
               "NEWSINGEST_CRAWL_STATE_URL": self.state_url, "NEWSINGEST_POLL_MIN_INTERVAL_S": "1",
               "NEWSINGEST_POLL_INITIAL_INTERVAL_S": "1", "NEWSINGEST_POLL_MAX_INTERVAL_S": str(POLL_S)}
        args = [sys.executable, "-m", "crawlers.run", "--watch", "--portals", str(self.registry), "--no-robots",
                "--download-delay", "0", "-s", f"NEWSINGEST_TOPIC_PORTAL_STATUS={self.status_topic}"]
        self.proc = subprocess.Popen(args, env=env, cwd=REPO, stdin=subprocess.DEVNULL,
                                     stdout=subprocess.DEVNULL, stderr=self.log.open("a"))
        return self

    def polls_of(self, portal_id: str) -> int:
        return self.log.read_text().count(f"] INFO: polled {portal_id}:")

    def metrics(self) -> dict[tuple[str, tuple], float]:
        text = urllib.request.urlopen(f"http://127.0.0.1:{self.metrics_port}/metrics", timeout=5).read().decode()
        return {(s.name, tuple(sorted(s.labels.items()))): s.value
                for family in text_string_to_metric_families(text) for s in family.samples}


@pytest.fixture
def sim():
    with PortalSimulator() as running:
        yield running


def test_the_watch_publishes_one_status_per_poll_with_its_counts(sim, broker, tmp_path):
    sim.add_portal("ok", articles=3)  # ETag/Last-Modified: quiet re-polls are all 304
    down = sim.add_portal("down", articles=2)
    down.failing = True  # every answer is a 503
    watcher = HealthWatcher(sim, broker, tmp_path).start()
    try:
        wait_for(lambda: watcher.log.read_text().count("polled down: 0 new article(s), 0 answered") >= 2, 60,
                 "two failed polls of the failing portal")
        wait_for(lambda: watcher.polls_of("ok") >= 3, 30, "three polls of the healthy portal")
        metrics = watcher.metrics()
        assert metrics[("newsingest_portal_consecutive_failures", (("portal", "down"),))] >= 2
        assert metrics[("newsingest_portal_consecutive_failures", (("portal", "ok"),))] == 0
        assert metrics[("newsingest_portal_download_errors_total", (("kind", "http_5xx"), ("portal", "down")))] >= 4
        assert metrics[("newsingest_portal_not_modified_total", (("portal", "ok"),))] >= 4
        down.failing = False
        wait_for(lambda: "polled down: 2 new article(s)" in watcher.log.read_text(), 60, "the recovered portal")
        assert watcher.metrics()[("newsingest_portal_consecutive_failures", (("portal", "down"),))] == 0
    finally:
        assert watcher.stop() == 0
    polls = {p: watcher.polls_of(p) for p in ("ok", "down")}

    records = read_topic(watcher.bootstrap, watcher.status_topic)
    statuses = [decode(PortalStatus, r.value) for r in records]
    assert all(r.key == s.portal_id.encode() for r, s in zip(records, statuses))
    by_portal = {p: sorted((s for s in statuses if s.portal_id == p), key=lambda s: s.polled_at) for p in polls}
    assert {p: len(s) for p, s in by_portal.items()} == polls  # one status per poll, none lost at shutdown

    ok = by_portal["ok"]
    assert all(s.outcome == "ok" and s.consecutive_failures == 0 and s.errors_by_kind == {} for s in ok)
    assert ok[0].new_articles == 3 and sum(s.new_articles for s in ok) == 3
    ok_hits = [h for h in sim.hits if h.portal == "ok"]
    robots = [h for h in sim.hits if h.path == "/robots.txt"]
    # First poll: listing, feed, three article pages (and robots.txt if this portal's poll asked for it).
    assert ok[0].requests in (5, 6) and ok[0].not_modified == 0 and ok[0].conditional_requests == 0
    assert ok[0].bytes == sum(h.size for h in ok_hits) + (robots[0].size if ok[0].requests == 6 else 0)
    for quiet in ok[1:]:  # listing and feed, both conditional, both 304, no body
        assert (quiet.requests, quiet.conditional_requests, quiet.not_modified, quiet.bytes) == (2, 2, 2, 0), quiet
    assert all(s.last_success_at == s.polled_at for s in ok)
    assert ok[-1].next_poll_at > ok[-1].polled_at and 1 <= ok[-1].interval_s <= POLL_S

    down_statuses = by_portal["down"]
    failed = [s for s in down_statuses if s.outcome == "failed"]
    assert len(failed) >= 2
    streak = [s.consecutive_failures for s in failed]
    assert streak == list(range(1, len(failed) + 1)), streak  # failures in a row, then the recovery
    assert all(s.errors_by_kind == {"http_5xx": s.requests} and s.requests == 2 for s in failed)
    assert all(s.last_success_at is None or s.last_success_at < s.polled_at for s in failed)
    gaps = [(s.next_poll_at - s.polled_at).total_seconds() for s in failed]
    assert gaps[1] > gaps[0]  # graded back-off
    recovered = down_statuses[down_statuses.index(failed[-1]) + 1]
    assert (recovered.outcome, recovered.consecutive_failures, recovered.new_articles) == ("ok", 0, 2)
    assert recovered.last_success_at == recovered.polled_at


def test_the_watch_metrics_answer_for_the_whole_run_and_no_counter_ever_goes_back(sim, broker, tmp_path):
    sim.add_portal("steady", articles=3)
    watcher = HealthWatcher(sim, broker, tmp_path).start()
    try:
        wait_for(lambda: watcher.polls_of("steady") >= 1, 60, "the first poll")
        samples = []
        # Scraped between and during polls, as Prometheus does: never down, and a counter never resets (one
        # process for the whole watch; a crawl per cycle restarted them every time).
        deadline = time.monotonic() + 60
        while watcher.polls_of("steady") < 6 and time.monotonic() < deadline:
            samples.append(watcher.metrics())
            time.sleep(0.3)
        assert watcher.polls_of("steady") >= 6, "six polls within a minute"
    finally:
        assert watcher.stop() == 0
    counters = {key for key in samples[0] if key[0].endswith("_total")}
    assert counters
    for earlier, later in zip(samples, samples[1:]):
        went_back = {k: (earlier[k], later.get(k)) for k in counters if later.get(k, -1) < earlier[k]}
        assert not went_back, went_back
    requests = [k for k in counters if k[0] == "newsingest_portal_requests_total"]
    assert requests and all(samples[-1][k] > samples[0][k] for k in requests)
