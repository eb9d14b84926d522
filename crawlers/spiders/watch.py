"""One long-running spider that watches every portal of the registry.

It only parses: listings (their set of article links), feeds and sitemaps (article links with dates) and
article pages. When a portal is polled comes from the `WatchLoop` extension; which article to fetch again
from the pure policy (`crawlers.watch.policy.refetch_reason`) over the crawl state; conditional headers from
`ConditionalGetMiddleware`. A poll is the set of requests started for one portal; when the last of them is
answered (or failed), the spider reports the poll's outcome to the loop.

With NEWSINGEST_REDIS_URL (`crawlers.scale`), processes share the article requests: the spider claims a page in
Redis before asking for it (then reads the crawl state again: another process may have recorded it between the
spider's read and its claim), its article requests go to the shared queue and may be answered by another
process, so a poll is then its listings, feeds and sitemaps only.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import scrapy
from scrapy import signals
from scrapy.http import Response
from scrapy.linkextractors import LinkExtractor

from crawlers.items import PageItem, header, page_item, requested_url
from crawlers.middlewares.drops import record_drop, record_drop_reason, record_drop_status
from crawlers.registry import Portal
from crawlers.scale.claims import LocalClaims
from crawlers.watch.health import count_answer, count_failure
from crawlers.watch.discovery import (MAX_XML_BYTES, XmlTooLarge, kind_of, parse_feed, parse_sitemap,
                                      sitemaps_from_robots)
from crawlers.watch.policy import RECHECK_WINDOWS_S, listing_change, refetch_reason
from crawlers.watch.state import body_hash

log = logging.getLogger(__name__)


@dataclass
class Poll:
    portal: Portal
    started_at: float  # the watch clock (simulated in benchmarks)
    started_monotonic: float = field(default_factory=time.monotonic)  # for timeouts: always real time
    outstanding: int = 0
    listing_pages: int = 0
    new_articles: int = 0
    answered: int = 0
    failed: int = 0
    seen: set[str] = field(default_factory=set)
    # Source health (crawlers.watch.health): what the poll cost, its 304s, its errors by kind.
    requests: int = 0
    conditional: int = 0  # requests sent with If-None-Match / If-Modified-Since
    not_modified: int = 0
    bytes: int = 0
    errors: dict[str, int] = field(default_factory=dict)


class WatchSpider(scrapy.Spider):
    name = "watch"
    # Article pages that answer 4xx/5xx still become RawPages, so the failure is visible downstream.
    custom_settings = {"HTTPERROR_ALLOWED_CODES": [404, 410, 500, 502, 503], "REMOTE_CONTROL_ENABLED": False,
                       "NEWSINGEST_WATCH": True}

    def __init__(self, portals: list[Portal] | None = None, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.portals = {p.id: p for p in (portals or []) if p.enabled}
        self.links = LinkExtractor(unique=True, tags=("a", "area"), attrs=("href",))
        self.polls: dict[str, Poll] = {}
        # Article URLs asked for and not yet on Kafka (or answered 304): a poll starting meanwhile must not
        # take them for new, since the crawl state records a page only once the broker has it. Shared through
        # Redis when processes share their work (the WatchLoop installs `crawlers.scale` claims).
        self.claims = LocalClaims()
        self.robots_sitemaps: dict[str, list[str]] = {}  # robots.txt URL -> its Sitemap: lines
        self.state = None  # set by WatchLoop: the crawl state store
        self.clock: Callable[[], float] | None = None
        self.on_poll_done: Callable[[Poll], None] | None = None
        self.on_article_request: Callable[[str], None] | None = None
        self.recheck_windows = RECHECK_WINDOWS_S
        self._xml_max_bytes = MAX_XML_BYTES  # DOWNLOAD_MAXSIZE once the crawler is known (from_crawler)

    @classmethod
    def update_settings(cls, settings) -> None:
        super().update_settings(settings)
        if settings.get("NEWSINGEST_REDIS_URL"):  # processes share the article queue (crawlers.scale)
            settings.set("SCHEDULER", "crawlers.scale.scheduler.SharedScheduler", priority="spider")

    @classmethod
    def from_crawler(cls, crawler, *args, **kwargs):
        spider = super().from_crawler(crawler, *args, **kwargs)
        spider._xml_max_bytes = crawler.settings.getint("DOWNLOAD_MAXSIZE") or MAX_XML_BYTES
        crawler.signals.connect(spider.page_published, signal=signals.item_scraped)
        crawler.signals.connect(spider.page_not_published, signal=signals.item_error)
        crawler.signals.connect(spider.page_not_published, signal=signals.item_dropped)
        return spider

    async def start(self):
        # Nothing up front: the WatchLoop extension starts each portal's poll when it is due.
        return
        yield  # pragma: no cover - makes this an async generator

    # -- polls -----------------------------------------------------------------------------------------
    def start_poll(self, portal: Portal, now: float) -> list[scrapy.Request]:
        poll = Poll(portal, now)
        self.polls[portal.id] = poll
        urls = [(u, "listing") for u in portal.start_urls]
        urls += [(u, "feed") for u in portal.feeds]
        robots = _robots_url(portal.start_urls[0])
        found = [u for u in self.robots_sitemaps.get(robots, []) if portal.allows(u)]
        urls += [(u, "sitemap") for u in [*portal.sitemaps, *found]]
        if robots not in self.robots_sitemaps:  # once per host and process: portals on one host share it
            self.robots_sitemaps[robots] = []
            urls.append((robots, "robots"))
        requests = [self._request(poll, url, kind) for url, kind in urls]
        return [r for r in requests if r is not None]

    def _request(self, poll: Poll, url: str, kind: str, *, record=None, priority: int = 0) -> scrapy.Request | None:
        if url in poll.seen:
            return None
        poll.seen.add(url)
        if kind == "listing":  # the budget counts requests: a pager on page 1 must not queue pages past it
            poll.listing_pages += 1
        meta = {"portal_id": poll.portal.id, "kind": kind}
        if kind == "article":
            meta["claim"] = url  # released once the crawl state records the page (or the fetch failed)
        # Shared (Redis): another process may answer an article request, so it is not part of this poll.
        detached = kind == "article" and self.claims.shared
        if detached:
            meta["detached"] = True
        else:
            poll.outstanding += 1
            poll.requests += 1
        if kind in ("listing", "feed", "sitemap"):
            record = self.state.listing(url)
        if record is not None and (record.etag or record.last_modified):
            meta["validators"] = {"etag": record.etag, "last_modified": record.last_modified}
            if not detached:
                poll.conditional += 1
        # dont_filter: the same listing is polled again and again by this one process. Callbacks are spider
        # methods (not closures) so a request can be serialised to a shared queue.
        return scrapy.Request(url, callback=self.parse, errback=self.failed, meta=meta, dont_filter=True,
                              priority=priority)

    def parse(self, response: Response, **kwargs) -> Iterator:
        portal_id = response.meta["portal_id"]
        detached = response.meta.get("detached", False)
        poll = None if detached else self.polls.get(portal_id)
        try:
            kind = response.meta["kind"]
            if poll is not None:
                count_answer(poll, response.status, len(response.body))
            if kind == "article":
                # An article answer is used even after its poll ended (timed out): the page is on its way.
                if poll is not None:
                    poll.answered += 1
                yield from self.parse_article(response, self.portals[portal_id])
            elif poll is None:
                pass  # a listing answering after its poll was given up: the next poll reads it again
            elif response.status >= 400 and kind != "robots":  # a missing robots.txt means "allow all"
                # A listing, feed or sitemap answering 4xx/5xx is a failed poll request (the schedule backs
                # off); an article page with such a status still becomes a RawPage, visible downstream.
                poll.failed += 1
                record_drop_status(self.crawler, response)
            else:
                try:
                    yield from getattr(self, f"parse_{kind}")(response, poll)
                except XmlTooLarge as exc:  # DOWNLOAD_MAXSIZE holds for what a gzipped sitemap inflates to
                    poll.failed += 1
                    record_drop_reason(self.crawler, "decompression_bomb", response.url, portal_id, str(exc))
                else:
                    if kind != "robots":  # the host's robots.txt answering says nothing of the portal's pages
                        poll.answered += 1
        finally:
            if not detached:
                self._settle(portal_id)

    def failed(self, failure) -> None:
        record_drop(self.crawler, failure)
        meta = failure.request.meta
        refused_not_html = "(not_html, counted)" in str(failure.value)  # ContentTypeMiddleware's refusal
        if refused_not_html and meta.get("kind") == "article" and self.state is not None:
            # A PDF or image behind an article URL is recorded (never published), so it is not asked for again
            # on every poll; its re-check windows still apply.
            self.state.record_fetch(failure.request.url, meta["portal_id"], self._now())
        if "claim" in meta:  # after recording: a process that sees the claim gone sees the record too
            self.claims.release(meta["claim"])
        if meta.get("detached"):
            return
        portal_id = meta.get("portal_id")
        poll = self.polls.get(portal_id)
        if poll is not None:
            poll.failed += 1
            count_failure(poll, failure.value)
        self._settle(portal_id)

    def _settle(self, portal_id: str | None) -> None:
        poll = self.polls.get(portal_id)
        if poll is None:
            return
        poll.outstanding -= 1
        if poll.outstanding <= 0:
            self.finish_poll(portal_id)

    def finish_poll(self, portal_id: str) -> None:
        """End a poll (all answered, or given up by the loop); answers still in flight are then ignored."""
        poll = self.polls.pop(portal_id, None)
        if poll is not None and self.on_poll_done is not None:
            self.on_poll_done(poll)

    def _now(self) -> float:
        return self.clock() if self.clock else 0.0

    # -- parsing ---------------------------------------------------------------------------------------
    def _reasons(self, urls: dict[str, float | None], now: float) -> tuple[dict[str, str], dict]:
        """Why the policy says to fetch each page (only those it says to), and the pages' records."""
        records = self.state.articles(list(urls))
        reasons = {}
        for url, announced in urls.items():
            record = records.get(url)
            reason = refetch_reason(record.policy_state() if record else None, now, announced_modified_at=announced,
                                    windows=self.recheck_windows)
            if reason is not None:
                reasons[url] = reason
        return reasons, records

    def _articles(self, poll: Poll, urls: dict[str, float | None]) -> Iterator[scrapy.Request]:
        """Requests for the article pages the policy says to fetch, given their announced dates."""
        now = self._now()
        reasons, records = self._reasons(urls, now)
        # Claimed: not in flight (fetched, not yet on Kafka) here, nor, shared, in another process.
        claimed = self.claims.claim([u for u in reasons if u not in poll.seen])
        if self.claims.shared and claimed:
            # Claim, then check: a page another process recorded (then released) between our read and our claim.
            reasons, records = self._reasons({u: urls[u] for u in claimed}, now)
            for url in claimed:
                if url not in reasons:
                    self.claims.release(url)
            claimed = [u for u in claimed if u in reasons]
        for url in claimed:
            reason, record = reasons[url], records.get(url)
            request = self._request(poll, url, "article", record=record, priority=10)
            if request is None:  # already asked for in this poll (a listing and the feed both link it)
                self.claims.release(url)
                continue
            if reason == "new":
                poll.new_articles += 1
            self.crawler.stats.inc_value(f"newsingest/refetch/{reason}")
            if self.on_article_request is not None:
                self.on_article_request(reason)
            request.meta["refetch_reason"] = reason
            yield request

    def _known_articles(self, poll: Poll, url: str) -> Iterator[scrapy.Request]:
        """An unchanged listing or feed (304) still carries its links' re-check windows."""
        record = self.state.listing(url)
        if record is not None:
            yield from self._articles(poll, {u: None for u in record.links if poll.portal.is_article(u)})

    def parse_listing(self, response: Response, poll: Poll) -> Iterator[scrapy.Request]:
        if response.status == 304:
            yield from self._known_articles(poll, response.url)
            return
        if not hasattr(response, "text"):
            return
        portal = poll.portal
        links = [link.url for link in self.links.extract_links(response)]
        article_links = {u: None for u in links if portal.is_article(u)}
        previous = self.state.listing(response.url)
        change = listing_change(previous.links if previous else None, article_links)
        self._remember(response, poll, article_links)
        yield from self._articles(poll, article_links)
        # Older pages of a listing can only hold something new if this page did (or on the first visit).
        if previous is not None and not change.new:
            return
        for url in links:
            if portal.is_listing(url) and url not in poll.seen and poll.listing_pages < portal.max_listing_pages:
                request = self._request(poll, url, "listing")
                if request is not None:
                    yield request

    def parse_feed(self, response: Response, poll: Poll) -> Iterator[scrapy.Request]:
        if response.status == 304:
            yield from self._known_articles(poll, response.url)
            return
        if kind_of(response.body, self._xml_max_bytes) != "feed":
            return
        entries = parse_feed(response.body, base_url=response.url, max_bytes=self._xml_max_bytes)
        self._remember(response, poll, [e.url for e in entries])
        yield from self._articles(poll, {e.url: e.modified_at for e in entries if poll.portal.is_article(e.url)})

    def parse_sitemap(self, response: Response, poll: Poll) -> Iterator[scrapy.Request]:
        if response.status == 304:
            return
        sitemap = parse_sitemap(response.body, base_url=response.url, max_bytes=self._xml_max_bytes)
        self._remember(response, poll, [e.url for e in sitemap.entries])
        if sitemap.is_index:
            for entry in sitemap.entries:
                if poll.portal.allows(entry.url):
                    request = self._request(poll, entry.url, "sitemap")
                    if request is not None:
                        yield request
            return
        yield from self._articles(poll, {e.url: e.modified_at for e in sitemap.entries
                                         if poll.portal.is_article(e.url)})

    def _remember(self, response: Response, poll: Poll, links) -> None:
        """The link set and validators of a listing, feed or sitemap, for the next poll's decisions."""
        self.state.save_listing(response.url, poll.portal.id, frozenset(links), etag=header(response, "etag"),
                                last_modified=header(response, "last-modified"))

    def parse_robots(self, response: Response, poll: Poll) -> Iterator[scrapy.Request]:
        found = []
        if response.status == 200:
            found = sitemaps_from_robots(response.text if hasattr(response, "text") else "", response.url)
        self.robots_sitemaps[response.request.url] = found
        for url in (u for u in found if poll.portal.allows(u)):
            request = self._request(poll, url, "sitemap")
            if request is not None:
                yield request

    def parse_article(self, response: Response, portal: Portal) -> Iterator[PageItem]:
        now = self._now()
        url = requested_url(response)
        claim = response.meta.get("claim", url)
        if response.status == 304:
            self.state.record_not_modified(url, now)
            self.claims.release(claim)
            return
        previous = self.state.article(url)
        if previous is not None and previous.body_hash == body_hash(response.body):
            self.state.record_fetch(url, portal.id, now, etag=header(response, "etag"),
                                    last_modified=header(response, "last-modified"), body_hash=previous.body_hash)
            self.crawler.stats.inc_value("newsingest/unchanged_body")
            self.claims.release(claim)
            return
        yield page_item(response, portal)  # recorded as fetched once the broker has it (page_published)

    def page_published(self, item, response, spider) -> None:
        if self.state is not None:
            self.state.record_page(item, self._now())
        self.claims.release(_claim(item, response))  # after recording (see `failed`)

    def page_not_published(self, item, response, spider, failure=None, exception=None) -> None:
        """The broker refused it (or a pipeline dropped it): not recorded, so the next poll asks again."""
        self.claims.release(_claim(item, response))


def _claim(item, response) -> str:
    request = getattr(response, "request", None)
    return request.meta.get("claim", item.url) if request is not None else item.url


def _robots_url(url: str) -> str:
    scheme, _, host = url.split("/", 3)[:3]
    return f"{scheme}//{host}/robots.txt"
