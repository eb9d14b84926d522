"""The watch's scheduler when crawler processes share their work (NEWSINGEST_REDIS_URL): scrapy-redis's
scheduler, thinly subclassed.

- An article request carrying a claim (`meta["claim"]`, set by the watch spider) goes to the deployment's shared
  queue (`SharedQueue`, a Redis sorted set by priority); whichever process pops it takes the claim and fetches it.
- Everything else stays in this process's memory queue: a poll's listing, feed and sitemap requests (their poll
  is counted here), and retries or redirects of an article this process took.
- SCHEDULER_PERSIST is always on: a process that stops must not clear the queue and the seen set it shares.
  Closing, it puts what it took and did not finish back in the queue.
- A maintenance loop renews this process's liveness, requeues the requests of dead processes, and wakes the
  engine when the shared queue has work while this process is idle (Scrapy's own heartbeat is 5 s).

Compatibility with Scrapy 2.19 (scrapy-redis 0.9.1): stats are counted without the deprecated `spider`
argument, the queue and dupefilter are built here (the deployment's key prefix, a JSON serializer instead of
pickle), and requests are (de)serialised with `Request.to_dict(spider=)` / `request_from_dict(spider=)`.
"""

from __future__ import annotations

import heapq
import itertools
import logging

import redis
from scrapy import signals
from scrapy_redis.dupefilter import RFPDupeFilter
from scrapy_redis.queue import Base
from scrapy_redis.scheduler import Scheduler
from twisted.internet import task

from crawlers.scale import serializer
from crawlers.scale.redis_share import RedisShare, work_share

log = logging.getLogger(__name__)

CLAIM = "claim"  # the request meta key: the article URL the request's claim is for


class SharedQueue(Base):
    """The shared article queue: scrapy-redis's queue interface over `RedisShare.push`/`take`."""

    def __init__(self, server, spider, key, serializer=None, share: RedisShare | None = None) -> None:
        super().__init__(server, spider, key, serializer=serializer)
        self.share = share

    def __len__(self) -> int:
        return self.share.queued()

    def push(self, request) -> None:
        self.share.push(request.meta[CLAIM], self._encode_request(request), request.priority)

    def pop(self, timeout=0):
        """The next request this process takes; duplicates of pages another process is fetching are dropped."""
        for _ in range(32):
            popped = self.share.take()
            if popped is None:
                return None
            taken, claim, data = popped
            if not taken:
                log.debug("dropped a queued duplicate of a page another process is fetching")
                continue
            try:
                request = self._decode_request(data)
            except Exception as exc:  # noqa: BLE001 - a bad entry must not stop the queue
                log.error("dropped an unreadable request from the shared queue: %s", exc)
                self.share.forget(claim)
                continue
            log.debug("took %s from the shared queue", request.url)
            return request
        return None


class SharedScheduler(Scheduler):
    def __init__(self, crawler, share: RedisShare, **kwargs) -> None:
        super().__init__(server=share.client, persist=True, flush_on_start=False, **kwargs)
        self.crawler = crawler
        self.share = share
        self.local: list = []  # heap of (-priority, n, request): this process's own requests
        self._order = itertools.count()
        self.loop: task.LoopingCall | None = None
        self._redis_down = False
        self.ready = False  # the spider is open (its crawl state set): shared work may be pulled in

    @classmethod
    def from_crawler(cls, crawler):
        share = work_share(crawler)
        if share is None:
            raise ValueError("SharedScheduler needs NEWSINGEST_REDIS_URL")
        settings = crawler.settings
        dupefilter = RFPDupeFilter(share.client, key=share.key("dupefilter"),
                                   debug=settings.getbool("DUPEFILTER_DEBUG"))
        scheduler = cls(crawler, share, queue_key=share.key("queue"), dupefilter=dupefilter,
                        dupefilter_key=share.key("dupefilter"), serializer=serializer)
        scheduler.stats = crawler.stats
        crawler.signals.connect(scheduler.spider_opened, signal=signals.spider_opened)
        return scheduler

    def spider_opened(self, spider) -> None:
        self.ready = True

    def open(self, spider):
        self.spider = spider
        self.queue = SharedQueue(self.server, spider, self.queue_key, serializer=self.serializer, share=self.share)
        if len(self.queue):
            log.info("resuming: %d request(s) in the shared queue", len(self.queue))
        interval = max(0.1, min(1.0, self.share.lease_s / 3))
        self.loop = task.LoopingCall(self.maintain)
        self.loop.start(interval, now=True)

    def close(self, reason):
        if self.loop is not None and self.loop.running:
            self.loop.stop()
        try:
            moved = self.share.close()
        except redis.RedisError as exc:
            log.warning("could not hand back this process's taken requests (they return after the lease): %s", exc)
            return
        if moved:
            log.info("handed %d unfinished request(s) back to the shared queue", moved)

    def _inc(self, key: str, count: int = 1) -> None:
        if self.stats:
            self.stats.inc_value(key, count)

    def enqueue_request(self, request):
        url = request.meta.get(CLAIM)
        if url is not None and not self.share.holds(url):
            try:
                self.queue.push(request)
            except (redis.RedisError, TypeError) as exc:
                log.error("could not queue %s in the shared queue (the next poll asks again): %s", request.url, exc)
                try:
                    self.share.release(url)
                except redis.RedisError:
                    pass  # the claim expires after NEWSINGEST_REDIS_CLAIM_TTL_S
                return False
            self._inc("scheduler/enqueued/redis")
            return True
        if not request.dont_filter and self.df.request_seen(request):
            self.df.log(request, self.spider)
            return False
        heapq.heappush(self.local, (-request.priority, next(self._order), request))
        self._inc("scheduler/enqueued/memory")
        return True

    def next_request(self):
        if self.local:
            self._inc("scheduler/dequeued/memory")
            return heapq.heappop(self.local)[2]
        try:
            request = self.queue.pop()
        except redis.RedisError as exc:
            self._warn_down(exc)
            return None
        self._redis_down = False
        if request is not None:
            self._inc("scheduler/dequeued/redis")
        return request

    def has_pending_requests(self):
        if self.local:
            return True
        try:
            return len(self.queue) > 0
        except redis.RedisError:
            return False

    def __len__(self):
        try:
            return len(self.local) + len(self.queue)
        except redis.RedisError:
            return len(self.local)

    def _warn_down(self, exc: Exception) -> None:
        if not self._redis_down:
            log.warning("Redis unreachable, working on this process's own requests only: %s", exc)
        self._redis_down = True

    def maintain(self) -> None:
        """Liveness, requeueing the work of dead processes, and waking the engine for shared work."""
        try:
            self.share.heartbeat()
            moved = self.share.requeue_dead()
            if moved:
                log.warning("requeued %d request(s) taken by a crawler process that stopped answering", moved)
                self._inc("newsingest/shared/requeued", moved)
            engine = self.crawler.engine
            if (self.ready and not self.local and engine is not None and engine.scraper.slot is not None
                    and not engine.needs_backout() and self.share.queued()):
                request = self.queue.pop()
                if request is not None:  # taken by this process: it goes to the local queue and wakes the engine
                    engine.crawl(request)
            self._redis_down = False
        except redis.RedisError as exc:
            self._warn_down(exc)
