"""Conditional GET: re-polls of listings, feeds, sitemaps and article pages cost a 304, not a page."""

from __future__ import annotations

from scrapy.exceptions import NotConfigured


class ConditionalGetMiddleware:
    """Sends If-None-Match / If-Modified-Since from `request.meta["validators"]` (the ETag and Last-Modified
    the crawl state recorded for that URL) and lets a 304 answer reach the spider's callback, which then knows
    nothing changed. Requests without validators pass untouched."""

    def __init__(self, stats, allowed_codes: list[int] | None = None) -> None:
        self.stats = stats
        self.allowed_codes = list(allowed_codes or [])

    @classmethod
    def from_crawler(cls, crawler):
        if not crawler.settings.getbool("NEWSINGEST_CONDITIONAL_GET_ENABLED", True):
            raise NotConfigured
        # A per-request status list replaces HTTPERROR_ALLOWED_CODES, so it must carry those too.
        return cls(crawler.stats, [int(c) for c in crawler.settings.getlist("HTTPERROR_ALLOWED_CODES")])

    def process_request(self, request, spider=None):
        validators = request.meta.get("validators")
        if not validators:
            return None
        if validators.get("etag"):
            request.headers.setdefault(b"If-None-Match", validators["etag"])
        if validators.get("last_modified"):
            request.headers.setdefault(b"If-Modified-Since", validators["last_modified"])
        allowed = request.meta.get("handle_httpstatus_list", self.allowed_codes)
        if 304 not in allowed:
            request.meta["handle_httpstatus_list"] = [*allowed, 304]
        self.stats.inc_value("newsingest/conditional_requests")
        return None

    def process_response(self, request, response, spider=None):
        if response.status == 304 and request.meta.get("validators"):
            self.stats.inc_value("newsingest/not_modified")
        return response
