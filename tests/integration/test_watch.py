"""The long-running watch against the portal simulator: new articles within a poll, nothing unchanged
refetched, conditional re-polls, a restart that refetches nothing, pagination to page 30."""

from __future__ import annotations

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
POLL_S = 2.0  # the tests' poll interval bounds: 1 s to 2 s


class Watcher:
    def __init__(self, sim: PortalSimulator, broker, tmp_path: Path, max_listing_pages: int = 50) -> None:
        self.registry = tmp_path / "portals.yaml"
        self.registry.write_text(sim.registry_yaml(max_listing_pages=max_listing_pages))
        self.topic = f"raw-{uuid.uuid4().hex[:8]}"
        self.bootstrap = broker.bootstrap_servers
        self.state_url = f"sqlite:///{tmp_path / 'crawl-state.db'}"
        self.log = tmp_path / "watch.log"
        self.proc: subprocess.Popen | None = None
        self.scrapy_settings: dict[str, str] = {}  # `-s NAME=VALUE` overrides, past the service's validation

    def start(self) -> Watcher:
        env = {**os.environ, "NEWSINGEST_KAFKA_BOOTSTRAP_SERVERS": self.bootstrap,
               "NEWSINGEST_TOPIC_RAW_PAGES": self.topic, "NEWSINGEST_CRAWLER_METRICS_PORT": "0",
               "NEWSINGEST_CRAWL_STATE_URL": self.state_url, "NEWSINGEST_POLL_MIN_INTERVAL_S": "1",
               "NEWSINGEST_POLL_INITIAL_INTERVAL_S": "1", "NEWSINGEST_POLL_MAX_INTERVAL_S": str(POLL_S)}
        # The production entry point, as the crawler container runs it (robots.txt and delays off locally).
        args = [sys.executable, "-m", "crawlers.run", "--watch", "--portals", str(self.registry), "--no-robots",
                "--download-delay", "0"]
        for name, value in self.scrapy_settings.items():
            args += ["-s", f"{name}={value}"]
        self.proc = subprocess.Popen(args, env=env, cwd=REPO, stdin=subprocess.DEVNULL,
                                     stdout=subprocess.DEVNULL, stderr=self.log.open("a"))
        return self

    def stop(self) -> int:
        self.proc.send_signal(signal.SIGINT)
        return self.proc.wait(60)

    def polls_logged(self) -> int:
        return self.log.read_text().count("] INFO: polled ")


def wait_for(predicate, timeout_s: float, what: str) -> float:
    start = time.monotonic()
    while time.monotonic() - start < timeout_s:
        if predicate():
            return time.monotonic() - start
        time.sleep(0.1)
    raise AssertionError(f"timed out after {timeout_s}s waiting for {what}")


@pytest.fixture
def sim():
    with PortalSimulator() as running:
        yield running


def test_watch_sees_new_articles_within_a_poll_and_refetches_nothing_unchanged(sim, broker, tmp_path):
    sim.add_portal("p1", articles=25)  # three listing pages, ETag/Last-Modified
    sim.add_portal("p2", articles=5, validators=False)
    watcher = Watcher(sim, broker, tmp_path).start()
    try:
        wait_for(lambda: len(sim.article_fetches()) >= 30, 60, "the first poll of both portals")
        first = len(sim.article_fetches())
        assert first == 30, [h.path for h in sim.article_fetches()]
        hits_before = len(sim.hits)
        polls_before = watcher.polls_logged()
        wait_for(lambda: watcher.polls_logged() >= polls_before + 6, 60, "three quiet re-polls per portal")
        assert len(sim.article_fetches()) == first, "an unchanged article page was fetched again"
        quiet = sim.hits[hits_before:]
        p1_listings = [h for h in quiet if h.portal == "p1"]
        assert p1_listings and all(h.conditional and h.status == 304 for h in p1_listings), p1_listings[:4]
        # Without validators (p2) the listing is fetched whole, but its link set decides: no article refetched.
        assert all(h.status == 200 for h in quiet if h.portal == "p2")

        article = sim.add_article("p1")
        url = sim.article_url("p1", article.slug)
        took = wait_for(lambda: any(r.key == url.encode() or url.encode() in r.value
                                    for r in read_topic(watcher.bootstrap, watcher.topic, timeout_s=5)),
                        POLL_S + 15, "the new article's RawPage")
        assert took <= POLL_S + 5 + 5  # one poll interval + 5 s, plus slack for a loaded CI machine
        assert [h.path for h in sim.article_fetches()[first:]] == [f"/p1/tin-tuc/{article.slug}.html"]
    finally:
        assert watcher.stop() == 0
    records = read_topic(watcher.bootstrap, watcher.topic)
    assert len(records) == 31  # every article page published once


def test_a_restarted_watcher_refetches_no_article(sim, broker, tmp_path):
    sim.add_portal("p1", articles=12)
    watcher = Watcher(sim, broker, tmp_path).start()
    wait_for(lambda: len(sim.article_fetches()) >= 12, 60, "the first poll")
    wait_for(lambda: watcher.polls_logged() >= 2, 30, "a second poll")
    assert watcher.stop() == 0
    fetched = len(sim.article_fetches())
    restarted = watcher.start()
    polls = restarted.polls_logged()
    wait_for(lambda: restarted.polls_logged() >= polls + 3, 60, "three polls after the restart")
    assert restarted.stop() == 0
    assert len(sim.article_fetches()) == fetched, [h.path for h in sim.article_fetches()[fetched:]]
    assert "0 with a stored schedule" not in watcher.log.read_text().split("watching")[-1]


def test_pagination_reaches_page_30_within_the_portal_budget(sim, broker, tmp_path):
    sim.add_portal("deep", articles=300)  # 30 listing pages of 10
    watcher = Watcher(sim, broker, tmp_path, max_listing_pages=30).start()
    try:
        wait_for(lambda: len(sim.article_fetches()) >= 300, 120, "all 300 articles")
    finally:
        watcher.stop()
    listing_pages = {h.path for h in sim.hits if "/page-" in h.path}
    assert "/deep/tin-tuc/page-30.html" in listing_pages and len(listing_pages) == 29
    assert len({h.path for h in sim.article_fetches()}) == 300


def test_sitemaps_from_robots_txt_and_their_lastmod_drive_refetches(sim, broker, tmp_path):
    sim.add_portal("sm", articles=4, sitemap_only=True, validators=False)  # nothing on its listing page
    watcher = Watcher(sim, broker, tmp_path).start()
    try:
        wait_for(lambda: len(sim.article_fetches()) >= 4, 60, "the articles named only in the sitemap")
        assert any(h.path == "/robots.txt" for h in sim.hits) and any(h.path == "/sm/sitemap.xml" for h in sim.hits)
        fetched = len(sim.article_fetches())
        polls = watcher.polls_logged()
        wait_for(lambda: watcher.polls_logged() >= polls + 2, 30, "two quiet polls")
        assert len(sim.article_fetches()) == fetched  # an unchanged lastmod refetches nothing
        time.sleep(1.1)  # sitemap dates have one-second resolution
        sim.correct_article("sm", "tin-sm-2", "Đính chính: hội nghị diễn ra sáng 18/1.")
        wait_for(lambda: len(sim.article_fetches()) > fetched, POLL_S + 15, "the corrected article")
        assert [h.path for h in sim.article_fetches()[fetched:]] == ["/sm/tin-tuc/tin-sm-2.html"]
    finally:
        watcher.stop()
    assert sum(h.path == "/robots.txt" for h in sim.hits) == 1  # once per host and process


def test_a_page_the_broker_refused_is_asked_for_again(sim, broker, tmp_path):
    sim.add_portal("p1", articles=3)
    watcher = Watcher(sim, broker, tmp_path)
    # Every publish fails. A setting can no longer name such a topic (refused at start), so the publisher's own
    # Scrapy setting is overridden: what is tested is a broker refusing a page, not a configuration error.
    watcher.scrapy_settings["NEWSINGEST_TOPIC_RAW_PAGES"] = "not a valid topic name!"
    watcher.start()
    try:
        wait_for(lambda: len(sim.article_fetches()) >= 6, 60, "a second request for each refused page")
    finally:
        watcher.stop()
    assert "could not publish" in watcher.log.read_text()
    watcher.scrapy_settings.clear()  # the broker takes them now
    watcher.start()
    try:
        wait_for(lambda: len(read_topic(watcher.bootstrap, watcher.topic, timeout_s=3)) >= 3, 60, "the pages published")
    finally:
        watcher.stop()


def test_a_failing_portal_backs_off_and_recovers_without_delaying_the_others(sim, broker, tmp_path):
    sim.add_portal("ok", articles=2)
    down = sim.add_portal("down", articles=2)
    down.failing = True  # every answer is a 503
    slow = sim.add_portal("slow", articles=2)
    slow.slow_s = 1.5
    watcher = Watcher(sim, broker, tmp_path).start()
    try:
        wait_for(lambda: watcher.log.read_text().count("polled down: 0 new article(s), 0 answered") >= 3, 60,
                 "three failed polls of the failing portal")
        delays = [float(line.rsplit("next in ", 1)[1].rstrip("s\n")) for line in watcher.log.read_text().splitlines()
                  if "polled down:" in line]
        assert delays[2] > delays[1] > delays[0], delays  # graded back-off
        assert "dropped" in watcher.log.read_text() and "http_error" in watcher.log.read_text()
        # The healthy portal kept its rhythm meanwhile, and the slow one was polled too.
        assert watcher.log.read_text().count("polled ok:") >= 3
        assert sum(h.portal == "ok" and "/tin-tuc/tin-" in h.path for h in sim.hits) == 2
        down.failing = False
        wait_for(lambda: len(sim.article_fetches("down")) == 2, 60, "the recovered portal's articles")
        wait_for(lambda: len(sim.article_fetches("slow")) == 2, 30, "the slow portal's articles")
    finally:
        watcher.stop()
