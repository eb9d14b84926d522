"""One spider for every portal: follows listing pages and pagination to article pages."""

from __future__ import annotations

import scrapy
from scrapy.exceptions import CloseSpider
from scrapy.http import Response
from scrapy.linkextractors import LinkExtractor

from crawlers.items import PageItem
from crawlers.registry import Portal, RegistryError, load_registry

KEPT_HEADERS = ("content-type", "last-modified", "etag", "content-language", "date")


class PortalSpider(scrapy.Spider):
    name = "portal"
    # Article pages that answer 4xx/5xx still become RawPages, so the failure is visible downstream.
    custom_settings = {"HTTPERROR_ALLOWED_CODES": [404, 410, 500, 502, 503]}

    def __init__(self, portal: str | Portal | None = None, portals_file: str | None = None,
                 base_url: str | None = None, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if isinstance(portal, Portal):
            self.portal = portal
        else:
            if not portal:
                raise CloseSpider("missing argument: -a portal=ID")
            try:
                registry = {p.id: p for p in load_registry(portals_file, base_url=base_url)}
            except RegistryError as exc:
                raise CloseSpider(str(exc)) from exc
            if portal not in registry:
                raise ValueError(f"unknown portal {portal!r}; known: {', '.join(sorted(registry))}")
            self.portal = registry[portal]
        self.links = LinkExtractor(unique=True, tags=("a", "area"), attrs=("href",))
        self.listing_pages = 0

    async def start(self):
        for url in self.portal.start_urls:
            yield scrapy.Request(url, callback=self.parse, dont_filter=True, meta={"listing": True})

    def parse(self, response: Response, **kwargs):
        self.listing_pages += 1
        if not hasattr(response, "text"):
            return
        for link in self.links.extract_links(response):
            url = link.url
            if self.portal.is_article(url):
                yield scrapy.Request(url, callback=self.parse_article, priority=10)
            elif self.portal.is_listing(url) and self.listing_pages < self.portal.max_listing_pages:
                yield scrapy.Request(url, callback=self.parse, meta={"listing": True})

    def parse_article(self, response: Response):
        headers = {}
        for name in KEPT_HEADERS:
            value = response.headers.get(name)
            if value is not None:
                headers[name] = value.decode("latin-1")
        yield PageItem(
            url=response.request.meta.get("redirect_urls", [response.url])[0],
            final_url=response.url,
            portal_id=self.portal.id,
            province=self.portal.province,
            http_status=response.status,
            body=response.body,
            content_type=headers.get("content-type", ""),
            headers=headers,
        )
