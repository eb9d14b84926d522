"""Backfill one portal's archive: walk its listing pagination and sitemaps back to a date, resumably.

`newsingest crawl --backfill --portal ID --until YYYY-MM-DD` runs this spider in its own low-priority process
(niced, one request at a time per host), so the watch of every other portal never waits behind it. The walk's
frontier is saved in the crawl state after every listing page: a restarted backfill continues where it
stopped, and articles the watch or an earlier run already fetched are skipped.

Where a listing page prints dates beside its article links (dd/mm/yyyy, as Vietnamese portals do) and the newest
is before `until`, the walk goes no deeper from that page (dates elsewhere, such as the visit-date header, are
ignored); sitemap entries and child sitemaps dated before `until`
are skipped. `max_pages` bounds a walk on a portal whose listings print no dates.
"""

from __future__ import annotations

import datetime as dt
import re
import time
from collections.abc import Iterator

import scrapy
from scrapy import signals
from scrapy.http import Response
from scrapy.linkextractors import LinkExtractor

from crawlers.items import page_item
from crawlers.middlewares.drops import record_drop
from crawlers.registry import Portal
from crawlers.watch.discovery import parse_sitemap
from crawlers.watch.state import BackfillRecord, CrawlState

DAY_FIRST_DATE = re.compile(r"\b(\d{1,2})[/.-](\d{1,2})[/.-](20\d\d)\b")


def newest_date(text: str) -> dt.date | None:
    dates = []
    for day, month, year in DAY_FIRST_DATE.findall(text):
        try:
            dates.append(dt.date(int(year), int(month), int(day)))
        except ValueError:
            continue
    return max(dates) if dates else None


class BackfillSpider(scrapy.Spider):
    name = "backfill"
    custom_settings = {"HTTPERROR_ALLOWED_CODES": [404, 410, 500, 502, 503], "REMOTE_CONTROL_ENABLED": False}

    def __init__(self, portal: Portal, until: dt.date, state: CrawlState, max_pages: int = 1000,
                 *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.portal = portal
        self.until = until
        self.state = state
        self.max_pages = max_pages
        self.links = LinkExtractor(unique=True, tags=("a", "area"), attrs=("href",))
        self.frontier: list[str] = []
        self.walked: list[str] = []
        self.articles_requested = 0
        self.pending: dict[str, int] = {}  # listing URL -> its article requests not answered yet

    @classmethod
    def from_crawler(cls, crawler, *args, **kwargs):
        state = kwargs.pop("state", None) or CrawlState(crawler.settings.get("NEWSINGEST_CRAWL_STATE_URL"))
        state.create_schema()
        spider = super().from_crawler(crawler, *args, state=state, **kwargs)
        crawler.signals.connect(spider.page_published, signal=signals.item_scraped)
        return spider

    async def start(self):
        record = self.state.backfill(self.portal.id)
        if record is not None and record.until == self.until.isoformat() and not record.done:
            self.frontier, self.walked = record.frontier, record.walked
            self.logger.info("resuming the backfill of %s: %d listing page(s) walked, %d to go", self.portal.id,
                             len(self.walked), len(self.frontier))
        else:
            self.frontier, self.walked = list(self.portal.start_urls), []
        for url in list(self.frontier):
            yield self._listing(url)
        for url in self.portal.sitemaps:
            yield scrapy.Request(url, callback=self.parse_sitemap, errback=self.failed, priority=-100,
                                 dont_filter=True)

    def _listing(self, url: str) -> scrapy.Request:
        return scrapy.Request(url, callback=self.parse_listing, errback=self.failed, priority=-100, dont_filter=True)

    def _articles(self, urls: list[str], listing: str | None = None) -> list[scrapy.Request]:
        known = self.state.articles(urls)
        requests = [scrapy.Request(url, callback=self.parse_article, errback=self.failed, priority=-90,
                                   meta={"listing": listing}) for url in dict.fromkeys(urls) if url not in known]
        self.articles_requested += len(requests)
        return requests

    def _answered(self, listing: str | None) -> None:
        """A listing leaves the frontier only once its articles are answered, so a backfill killed between the
        two walks that listing again (skipping what was fetched) instead of losing its articles."""
        if listing is None:
            return
        self.pending[listing] -= 1
        if self.pending[listing] <= 0:
            del self.pending[listing]
            if listing in self.frontier:
                self.frontier.remove(listing)
            self.walked.append(listing)
            self._save()

    def _save(self, done: bool = False) -> None:
        self.state.save_backfill(self.portal.id, BackfillRecord(self.until.isoformat(), self.frontier, self.walked,
                                                                done))

    def parse_listing(self, response: Response) -> Iterator[scrapy.Request]:
        url = response.request.url
        self.pending[url] = 1  # the listing itself, answered at the end of this method
        if hasattr(response, "text"):
            links = [link.url for link in self.links.extract_links(response)]
            dated = self._article_dates(response)
            # An article printed with a date before `until` is outside the backfill; undated ones are in.
            articles = self._articles([u for u in links if self.portal.is_article(u)
                                       and not (dated.get(u) and dated[u] < self.until)], listing=url)
            self.pending[url] += len(articles)
            yield from articles
            newest = max(dated.values(), default=None)
            if newest is not None and newest < self.until:
                self.logger.info("listing %s ends before %s (newest date %s): not walking deeper", url, self.until,
                                 newest)
            else:
                for link in links:
                    if (self.portal.is_listing(link) and link not in self.walked and link not in self.frontier
                            and len(self.walked) + len(self.frontier) < self.max_pages):
                        self.frontier.append(link)
                        yield self._listing(link)
        self._save()
        self._answered(url)

    def _article_dates(self, response: Response) -> dict[str, dt.date]:
        """The date printed beside each article link (in the link's own list item or block), never a date
        elsewhere on the page: the visit-date header shows today on every page."""
        dates: dict[str, dt.date] = {}
        for anchor in response.xpath("//a[@href]"):
            url = response.urljoin(anchor.attrib["href"])
            if self.portal.is_article(url):
                date = newest_date(" ".join(anchor.xpath("./ancestor::*[1]//text()").getall()))
                if date is not None:
                    dates[url] = max(date, dates.get(url, date))
        return dates

    def parse_sitemap(self, response: Response) -> Iterator[scrapy.Request]:
        sitemap = parse_sitemap(response.body, base_url=response.url)
        since = time.mktime(self.until.timetuple())
        fresh = [e for e in sitemap.entries if e.modified_at is None or e.modified_at >= since]
        if sitemap.is_index:
            for entry in fresh:
                if self.portal.allows(entry.url):
                    yield scrapy.Request(entry.url, callback=self.parse_sitemap, errback=self.failed, priority=-100)
        else:
            yield from self._articles([e.url for e in fresh if self.portal.is_article(e.url)])

    def parse_article(self, response: Response):
        yield page_item(response, self.portal)  # recorded as fetched once the broker has it (page_published)

    def page_published(self, item, response, spider) -> None:
        """A page on Kafka: recorded, and its listing is one answer nearer to leaving the frontier. A page the
        broker refused keeps its listing in the frontier, so the next run walks it again."""
        self.state.record_page(item, time.time())
        self._answered(response.meta.get("listing"))

    def failed(self, failure) -> None:
        record_drop(self.crawler, failure)
        url = failure.request.url
        if url in self.frontier and url not in self.pending:  # a listing that failed: the next run retries it
            self.logger.warning("listing %s failed; it stays in the frontier for the next run", url)
        elif failure.request.callback == self.parse_article:
            self._answered(failure.request.meta.get("listing"))

    def closed(self, reason: str) -> None:
        done = reason == "finished" and not self.frontier
        self._save(done=done)
        self.logger.info("backfill of %s %s: %d listing page(s) walked, %d article(s) requested, %d left", self.portal.id,
                         "complete" if done else "stopped", len(self.walked), self.articles_requested,
                         len(self.frontier))
        self.state.close()
