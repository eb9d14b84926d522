"""One spider for every portal: follows listing pages and pagination to article pages."""

from __future__ import annotations

import logging
import os
import sys

import scrapy
from scrapy.http import Response
from scrapy.linkextractors import LinkExtractor

from crawlers.items import page_item
from crawlers.registry import Portal, RegistryError, load_registry

# Loggers that print Scrapy's version banner, overridden settings, enabled components and the final stats
# dump (about 90 lines per portal). Quiet unless `newsingest -v` or NEWSINGEST_LOG_LEVEL=DEBUG.
CHATTY_LOGGERS = ("scrapy.utils.log", "scrapy.crawler", "scrapy.middleware", "scrapy.addons",
                  "scrapy.statscollectors", "scrapy.extensions.telnet", "scrapy.core.engine",
                  "scrapy.extensions.logstats", "scrapy.extensions.remote_control")


class _WarningsOnly(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return record.levelno >= logging.WARNING


def quiet_scrapy(verbose: bool) -> None:
    """A filter, not a level: Scrapy's logging setup resets the levels of its loggers, not their filters."""
    for name in CHATTY_LOGGERS:
        logger = logging.getLogger(name)
        for old in [f for f in logger.filters if isinstance(f, _WarningsOnly)]:
            logger.removeFilter(old)
        if not verbose:
            logger.addFilter(_WarningsOnly())


# This module is imported by Scrapy's spider loader before Scrapy sets up logging and prints its banner, so
# `scrapy crawl portal` is as quiet as `newsingest up`.
quiet_scrapy(verbose=os.environ.get("NEWSINGEST_LOG_LEVEL", "").strip().upper() == "DEBUG")


class PortalArgumentError(ValueError):
    """A missing or unknown -a portal=ID, or a registry that cannot be read."""


def resolve_portal(portal_id: str | None, portals_file: str | None, base_url: str | None) -> Portal:
    if not portal_id:
        raise PortalArgumentError("missing argument: scrapy crawl portal -a portal=ID")
    try:
        registry = {p.id: p for p in load_registry(portals_file or None, base_url=base_url)}
    except RegistryError as exc:
        raise PortalArgumentError(str(exc)) from None
    if portal_id not in registry:
        source = portals_file or "the bundled crawlers/portals.yaml"
        raise PortalArgumentError(f"unknown portal {portal_id!r} in {source}; known: {', '.join(sorted(registry))}")
    return registry[portal_id]


class PortalSpider(scrapy.Spider):
    """One portal (`-a portal=ID`), or every portal of a registry (`portals=[...]`, the one-shot crawl of
    `crawlers.run`): one crawler, so one downloader whose per-host slots make politeness per host."""

    name = "portal"
    # Article pages that answer 4xx/5xx still become RawPages, so the failure is visible downstream.
    # Scrapy 2.19's remote-control extension (an HTTP server that runs Python code sent to it) stays off.
    custom_settings = {"HTTPERROR_ALLOWED_CODES": [404, 410, 500, 502, 503], "REMOTE_CONTROL_ENABLED": False}

    def __init__(self, portal: str | Portal | None = None, portals_file: str | None = None,
                 base_url: str | None = None, *args, portals: list[Portal] | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if portals is not None:  # every portal in one crawler: metrics and drops take the portal from meta
            self.portals = {p.id: p for p in portals}
        else:
            self.portal = portal if isinstance(portal, Portal) else resolve_portal(portal, portals_file, base_url)
            self.portals = {self.portal.id: self.portal}
        self.links = LinkExtractor(unique=True, tags=("a", "area"), attrs=("href",))
        self.listing_pages: dict[str, int] = dict.fromkeys(self.portals, 0)  # listing requests made per portal
        self.listings_requested: set[str] = set()

    @classmethod
    def from_crawler(cls, crawler, *args, **kwargs):
        """`scrapy crawl portal -a portal=ID`: the registry is `-a portals_file=`, else NEWSINGEST_PORTALS_FILE
        (through the project settings or the environment), else the bundled one. A bad argument is one line
        on stderr and exit 2: raised here, Scrapy would print it as a traceback from inside its event loop."""
        if kwargs.get("portals") is None and not isinstance(kwargs.get("portal"), Portal) \
                and not kwargs.get("portals_file"):
            kwargs["portals_file"] = (crawler.settings.get("NEWSINGEST_PORTALS_FILE")
                                      or os.environ.get("NEWSINGEST_PORTALS_FILE") or None)
        try:
            return super().from_crawler(crawler, *args, **kwargs)
        except PortalArgumentError as exc:
            logging.shutdown()
            sys.stdout.flush()
            sys.stderr.write(f"error: {exc}\n")
            sys.stderr.flush()
            os._exit(2)  # nothing was opened yet: no producer, no request

    async def start(self):
        for portal in self.portals.values():
            for url in portal.start_urls:
                self.listing_pages[portal.id] += 1
                self.listings_requested.add(url)
                yield scrapy.Request(url, callback=self.parse, dont_filter=True,
                                     meta={"listing": True, "portal_id": portal.id})

    def parse(self, response: Response, **kwargs):
        portal = self.portals[response.meta["portal_id"]]
        if not hasattr(response, "text"):
            return
        for link in self.links.extract_links(response):
            url = link.url
            if portal.is_article(url):
                yield scrapy.Request(url, callback=self.parse_article, priority=10, meta={"portal_id": portal.id})
            elif portal.is_listing(url) and self.listing_pages[portal.id] < portal.max_listing_pages:
                # Counted when requested (a pager on page 1 must not queue pages past the budget). Scrapy's
                # duplicate filter drops a listing asked for twice, so each link is counted at most once.
                if url not in self.listings_requested:
                    self.listings_requested.add(url)
                    self.listing_pages[portal.id] += 1
                    yield scrapy.Request(url, callback=self.parse, meta={"listing": True, "portal_id": portal.id})

    def parse_article(self, response: Response):
        yield page_item(response, self.portals[response.meta["portal_id"]])
