"""Drives the watch: starts each portal's poll when the policy says it is due, keeps the one long-running
spider open while idle, and records every poll's outcome in the crawl state (so a restart resumes the
schedule instead of polling everything at once) and in the source health (`SourceHealth`: per-portal metrics
and one PortalStatus message per poll).

With NEWSINGEST_REDIS_URL, several crawler processes share the schedule: a process polls a due portal only while
it holds the portal's lease in Redis (`crawlers.scale.redis_share`), renewed every tick and given back when the
poll ends; on taking a lease it reads the schedules again from the crawl state (which the processes share), since
another process may have polled the portal meanwhile. A process that dies loses its leases after
NEWSINGEST_REDIS_LEASE_S and the others take its portals over."""

from __future__ import annotations

import logging
import random
import time

import redis
from prometheus_client import REGISTRY, CollectorRegistry, Counter, Gauge, Histogram
from scrapy import signals
from scrapy.exceptions import DontCloseSpider, NotConfigured
from twisted.internet import task

from crawlers.extensions.source_health import SourceHealth
from crawlers.scale.redis_share import RedisShare, work_share
from crawlers.watch.health import count_given_up
from crawlers.watch.policy import RECHECK_WINDOWS_S, PollBounds, after_failure, after_poll, due, first_schedule
from crawlers.watch.state import CrawlState

log = logging.getLogger(__name__)
_BY_REGISTRY: dict[int, WatchMetrics] = {}


class WatchMetrics:
    def __init__(self, registry: CollectorRegistry) -> None:
        self.polls = Counter("newsingest_portal_polls_total", "Finished polls of a portal", ["portal", "outcome"],
                             registry=registry)
        self.new_articles = Counter("newsingest_portal_new_articles_total", "Article links seen for the first time",
                                    ["portal"], registry=registry)
        self.last_success = Gauge("newsingest_portal_last_success_timestamp_seconds",
                                  "When the portal last answered a poll", ["portal"], registry=registry)
        self.poll_interval = Gauge("newsingest_portal_poll_interval_seconds", "The portal's current poll interval",
                                   ["portal"], registry=registry)
        self.poll_delay = Histogram("newsingest_poll_start_delay_seconds", "How late a poll started after it was due",
                                    buckets=(1, 5, 15, 30, 60, 120, 300, 900, 3600), registry=registry)
        self.refetches = Counter("newsingest_article_fetches_total", "Article page requests by why they were made",
                                 ["reason"], registry=registry)

    @classmethod
    def for_registry(cls, registry: CollectorRegistry) -> WatchMetrics:
        if id(registry) not in _BY_REGISTRY:
            _BY_REGISTRY[id(registry)] = cls(registry)
        return _BY_REGISTRY[id(registry)]


def scaled_clock(scale: float = 1.0, epoch: float | None = None):
    """Wall time, or time running `scale` times faster from `epoch` (benchmarks simulate a week in minutes;
    the simulator they poll shares the same epoch and scale)."""
    if scale == 1.0:
        return time.time
    origin = epoch or time.time()
    return lambda: origin + (time.time() - origin) * scale


class WatchLoop:
    def __init__(self, crawler, state: CrawlState, bounds: PollBounds, *, clock=time.time, tick_s: float = 1.0,
                 poll_timeout_s: float = 900.0, first_spread_s: float = 0.0, rand: random.Random | None = None,
                 metrics: WatchMetrics | None = None, health: SourceHealth | None = None,
                 share: RedisShare | None = None) -> None:
        self.crawler = crawler
        self.state = state
        self.bounds = bounds
        self.clock = clock
        self.tick_s = tick_s
        self.poll_timeout_s = poll_timeout_s
        self.first_spread_s = first_spread_s
        self.rand = rand or random.Random()
        self.metrics = metrics
        self.health = health
        self.schedules = {}
        self.spider = None
        self.task: task.LoopingCall | None = None
        self.closing = False
        self.recheck_windows = RECHECK_WINDOWS_S
        self.share = share  # processes sharing their work through Redis, or None
        self.leased: set[str] = set()  # portals whose poll lease this process holds
        self._redis_down = False

    @classmethod
    def from_crawler(cls, crawler):
        settings = crawler.settings
        if not settings.getbool("NEWSINGEST_WATCH"):
            raise NotConfigured
        state = settings.get("NEWSINGEST_CRAWL_STATE") or CrawlState(settings.get("NEWSINGEST_CRAWL_STATE_URL"))
        state.create_schema()
        bounds = PollBounds(min_interval_s=settings.getfloat("NEWSINGEST_POLL_MIN_INTERVAL_S", 600),
                            initial_interval_s=settings.getfloat("NEWSINGEST_POLL_INITIAL_INTERVAL_S", 900),
                            max_interval_s=settings.getfloat("NEWSINGEST_POLL_MAX_INTERVAL_S", 6 * 3600))
        registry = settings.get("NEWSINGEST_METRICS_REGISTRY") or REGISTRY
        ext = cls(crawler, state, bounds, clock=settings.get("NEWSINGEST_WATCH_CLOCK") or scaled_clock(
                      settings.getfloat("NEWSINGEST_WATCH_TIME_SCALE", 1.0), settings.getfloat("NEWSINGEST_WATCH_EPOCH")),
                  tick_s=settings.getfloat("NEWSINGEST_WATCH_TICK_S", 1.0),
                  poll_timeout_s=settings.getfloat("NEWSINGEST_POLL_TIMEOUT_S", 900),
                  first_spread_s=settings.getfloat("NEWSINGEST_POLL_FIRST_SPREAD_S", 0),
                  metrics=WatchMetrics.for_registry(registry),
                  health=SourceHealth.from_settings(settings, registry), share=work_share(crawler))
        if ext.share is not None and ext.tick_s * 3 > ext.share.lease_s:
            log.warning("NEWSINGEST_WATCH_TICK_S (%s) should be under a third of NEWSINGEST_REDIS_LEASE_S (%s): "
                        "poll leases may expire while polling", ext.tick_s, ext.share.lease_s)
        windows = settings.get("NEWSINGEST_RECHECK_WINDOWS_S")
        if windows:
            ext.recheck_windows = tuple(float(w) for w in str(windows).split(",") if w.strip())
        crawler.signals.connect(ext.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(ext.spider_idle, signal=signals.spider_idle)
        crawler.signals.connect(ext.spider_closed, signal=signals.spider_closed)
        return ext

    def spider_opened(self, spider) -> None:
        self.spider = spider
        spider.state, spider.clock, spider.on_poll_done = self.state, self.clock, self.poll_done
        spider.recheck_windows = self.recheck_windows
        if self.share is not None:
            spider.claims = self.share.claims
        if self.metrics:
            spider.on_article_request = lambda reason: self.metrics.refetches.labels(reason).inc()
        stored = self.state.schedules()
        now = self.clock()
        for portal_id in spider.portals:
            self.schedules[portal_id] = stored.get(portal_id) or first_schedule(
                portal_id, now, self.bounds, self.rand, spread_s=self.first_spread_s)
            last_success = self.schedules[portal_id].last_success_at
            if self.metrics and last_success is not None:  # a restart keeps a stale portal visible
                self.metrics.last_success.labels(portal_id).set(last_success)
        if self.health:
            self.health.open()
            self.health.watching(spider.portals, stored)
        log.info("watching %d portal(s); %d with a stored schedule", len(spider.portals),
                 sum(p in stored for p in spider.portals))
        self.task = task.LoopingCall(self.tick)
        self.task.start(self.tick_s, now=True)

    def tick(self) -> None:
        if self.closing or self.spider is None:
            return
        now = self.clock()
        for portal_id, poll in list(self.spider.polls.items()):
            running_s = time.monotonic() - poll.started_monotonic  # real time, even on a simulated clock
            if running_s > self.poll_timeout_s:
                log.warning("poll of %s gave up after %.0fs with %d request(s) unanswered", portal_id,
                            running_s, poll.outstanding)
                poll.failed += poll.outstanding
                count_given_up(poll, poll.outstanding)
                self.spider.finish_poll(portal_id)
        running = set(self.spider.polls)
        ready = due((s for s in self.schedules.values() if s.portal_id not in running), now)
        if self.share is not None:
            ready = self._leased(ready, running, now)
        for schedule in ready:
            portal = self.spider.portals[schedule.portal_id]
            if self.metrics:
                self.metrics.poll_delay.observe(max(0.0, now - schedule.next_poll_at))
            requests = self.spider.start_poll(portal, now)
            for request in requests:
                self.crawler.engine.crawl(request)
            if not requests:
                self.spider.finish_poll(portal.id)

    def _leased(self, ready: list, running: set[str], now: float) -> list:
        """The due portals this process may poll now: those whose lease it holds or wins and that are still due by
        the stored schedule. Renews the leases of the polls it runs."""
        try:
            lost = self.share.renew_polls(self.leased & running)
            for portal_id in lost:
                log.warning("lost the poll lease of %s (it expired); another process may poll it too", portal_id)
            won = self.share.acquire_polls([s.portal_id for s in ready])
            self._redis_down = False
        except redis.RedisError as exc:
            if not self._redis_down:
                log.warning("Redis unreachable: no portal polled until it answers again: %s", exc)
            self._redis_down = True
            return []
        if not won:
            return []
        self.leased.update(won)
        stored = self.state.schedules()  # another process may have polled these portals since we last read
        for portal_id, schedule in stored.items():
            if portal_id in self.schedules and portal_id not in running:
                self.schedules[portal_id] = schedule
        start = due((self.schedules[p] for p in won), now)
        self._release(set(won) - {s.portal_id for s in start})
        return start

    def _release(self, portal_ids: set[str]) -> None:
        if self.share is None or not portal_ids:
            return
        self.leased -= portal_ids
        try:
            self.share.release_polls(portal_ids)
        except redis.RedisError as exc:
            log.warning("could not give back the poll lease of %s (it expires): %s", ", ".join(sorted(portal_ids)), exc)

    def poll_done(self, poll) -> None:
        now = self.clock()
        portal_id = poll.portal.id
        failed = poll.answered == 0
        previous = self.schedules[portal_id]
        if failed:
            schedule = after_failure(previous, now, bounds=self.bounds, rand=self.rand)
        else:
            schedule = after_poll(previous, now, new_articles=poll.new_articles, bounds=self.bounds, rand=self.rand)
        self.schedules[portal_id] = schedule
        self.state.save_schedule(schedule)
        self._release({portal_id})  # after saving: whoever takes the lease next reads this schedule
        if self.metrics:
            self.metrics.polls.labels(portal_id, "failed" if failed else "ok").inc()
            self.metrics.new_articles.labels(portal_id).inc(poll.new_articles)
            self.metrics.poll_interval.labels(portal_id).set(schedule.interval_s)
            if not failed:
                self.metrics.last_success.labels(portal_id).set(now)
        if self.health:
            self.health.poll_finished(poll, schedule, now, failed=failed)
        log.info("polled %s: %d new article(s), %d answered, %d failed; next in %.0fs", portal_id,
                 poll.new_articles, poll.answered, poll.failed, schedule.next_poll_at - now)

    def spider_idle(self, spider) -> None:
        if not self.closing:
            raise DontCloseSpider

    def spider_closed(self, spider, reason) -> None:
        self.closing = True
        if self.task is not None and self.task.running:
            self.task.stop()
        self._release(set(self.leased))
        if self.health:
            self.health.close()
        self.state.close()
