"""Every request the crawler fails to turn into a page is a counted drop, with a reason from a small fixed set.

Scrapy ends a failed request in the request's errback, whichever component failed it: the download handler
(DOWNLOAD_MAXSIZE cancels an oversized body; DNS, connection, TLS and timeout errors after the retries),
a downloader middleware's response processing (HttpCompressionMiddleware's IgnoreRequest for a body that
decompresses past DOWNLOAD_MAXSIZE, RedirectMiddleware's redirect limit) or HttpErrorMiddleware (a status
the spider does not handle). Without an errback Scrapy logs it and moves on: the crawl said "0 failed".

`DroppedPagesMiddleware` gives every request the spider makes (start requests included) an errback that
records the drop (`record_drop`, which a spider's own errback can call too): the crawler stats
`newsingest/dropped` and `newsingest/dropped/<reason>` (for `crawlers.run` and the end-of-crawl summary)
and `newsingest_pages_dropped_total{portal, reason}`.
robots.txt and offsite filtering are the crawl's policy, not drops (Scrapy counts them as
`robotstxt/forbidden` and `offsite/filtered`).
"""

from __future__ import annotations

import logging

from scrapy import Request
from scrapy.exceptions import IgnoreRequest, NotConfigured
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.internet import error as tx_error
from twisted.internet.defer import CancelledError as TxCancelledError

from crawlers.extensions.crawl_metrics import metrics_for

log = logging.getLogger(__name__)

DROP_REASONS = ("too_large", "decompression_bomb", "http_error", "dns", "connect", "timeout", "tls",
                "data_loss", "ignored", "other", "offsite_redirect", "private_address", "not_html")
STATS_PREFIX = "newsingest/dropped"

try:  # Scrapy 2.14+ wraps Twisted's download errors in its own; older versions raise Twisted's
    from scrapy.exceptions import (CannotResolveHostError, DownloadCancelledError, DownloadConnectionRefusedError,
                                   DownloadFailedError, DownloadTimeoutError, ResponseDataLossError)
except ImportError:  # pragma: no cover - depends on the Scrapy version
    class _NeverRaised(Exception):
        pass

    CannotResolveHostError = DownloadCancelledError = DownloadConnectionRefusedError = _NeverRaised
    DownloadFailedError = DownloadTimeoutError = ResponseDataLossError = _NeverRaised

_POLICY = ("Forbidden by robots.txt", "Filtered offsite request")


def _chain(exc: BaseException):
    """The exception, its causes, and the reasons a Twisted ResponseFailed carries (TLS errors hide there)."""
    seen: set[int] = set()
    todo = [exc]
    while todo:
        current = todo.pop()
        if current is None or id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        todo.extend((current.__cause__, current.__context__))
        for reason in getattr(current, "reasons", None) or ():
            todo.append(getattr(reason, "value", None))


def _is_tls(exc: BaseException) -> bool:
    module = type(exc).__module__ or ""
    return module.startswith("OpenSSL") or type(exc).__name__ in ("SSLError", "VerificationError",
                                                                   "CertificateError")


def drop_reason(exc: BaseException) -> str | None:
    """The drop reason for a request's final failure, or None when it is the crawl's policy (robots.txt,
    offsite), not a drop."""
    if isinstance(exc, HttpError):
        return "http_error"
    if isinstance(exc, IgnoreRequest):
        message = str(exc)
        if message.startswith(_POLICY):
            return None
        causes = list(_chain(exc))
        if "during decompression" in message or any(type(c).__name__ == "_DecompressionMaxSizeExceeded"
                                                    for c in causes):
            return "decompression_bomb"
        return "ignored"
    causes = list(_chain(exc))
    if any(_is_tls(c) for c in causes):
        return "tls"
    if any(isinstance(c, (DownloadCancelledError, TxCancelledError)) for c in causes):
        # The download handler cancels a body over DOWNLOAD_MAXSIZE (announced or streamed).
        return "too_large"
    if any(isinstance(c, (CannotResolveHostError, tx_error.DNSLookupError)) for c in causes):
        return "dns"
    if any(isinstance(c, (DownloadTimeoutError, tx_error.TimeoutError, tx_error.TCPTimedOutError)) for c in causes):
        return "timeout"
    if any(isinstance(c, ResponseDataLossError) for c in causes):
        return "data_loss"
    if any(isinstance(c, (DownloadConnectionRefusedError, DownloadFailedError, tx_error.ConnectError,
                          tx_error.ConnectionLost, tx_error.ConnectionDone)) or type(c).__name__ == "TunnelError"
           for c in causes):
        return "connect"
    return "other"


def record_drop(crawler, failure) -> str | None:
    """Count one request's final failure as a drop; the reason, or None for the crawl's policy (robots.txt,
    offsite). For spiders that set their own errbacks: call this from them."""
    request = getattr(failure, "request", None)
    reason = drop_reason(failure.value)
    url = request.url if request is not None else "?"
    if reason is None:
        log.debug("not fetched (policy): %s: %s", url, failure.value)
        return None
    _count(crawler, reason, url, request.meta.get("portal_id") if request is not None else None,
           f"{type(failure.value).__name__}: {str(failure.value)[:300]}")
    return reason


def record_drop_reason(crawler, reason: str, url: str, portal_id: str | None, detail: str) -> None:
    """A drop the spider itself finds after the download (e.g. a gzipped sitemap inflating past the limit)."""
    _count(crawler, reason, url, portal_id, detail)


def record_drop_status(crawler, response) -> None:
    """A response the spider lets through but cannot use (a listing or feed answering 4xx/5xx)."""
    _count(crawler, "http_error", response.url, response.meta.get("portal_id"), f"HTTP {response.status}")


def _count(crawler, reason: str, url: str, portal_id: str | None, detail: str) -> None:
    crawler.stats.inc_value(STATS_PREFIX)
    crawler.stats.inc_value(f"{STATS_PREFIX}/{reason}")
    portal = getattr(getattr(crawler.spider, "portal", None), "id", None) or portal_id or "unknown"
    metrics = metrics_for(crawler.settings)
    if metrics is not None:
        metrics.pages_dropped.labels(portal, reason).inc()
    log.warning("dropped %s (portal %s): %s: %s", url, portal, reason, detail)


class DroppedPagesMiddleware:
    """Spider middleware: an errback on every request the spider makes that has none, recording its failure.

    A request that carries its own errback is left alone (that errback should call `record_drop`). The
    errback is this middleware's method, so a request that gets it cannot go to a JOBDIR disk queue (Scrapy
    then keeps it in memory); newsingest's crawls keep their queues in memory anyway."""

    def __init__(self, crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler):
        if not crawler.settings.getbool("NEWSINGEST_COUNT_DROPS", True):
            raise NotConfigured
        return cls(crawler)

    def _watch(self, obj):
        if isinstance(obj, Request) and obj.errback is None:
            return obj.replace(errback=self.dropped)
        return obj

    async def process_start(self, start):
        async for obj in start:
            yield self._watch(obj)

    def process_start_requests(self, start_requests, spider=None):  # Scrapy < 2.13
        for obj in start_requests:
            yield self._watch(obj)

    def process_spider_output(self, response, result, spider=None):
        for obj in result:
            yield self._watch(obj)

    async def process_spider_output_async(self, response, result, spider=None):
        async for obj in result:
            yield self._watch(obj)

    def dropped(self, failure) -> None:
        """The errback: record the drop and end the failure here (logged once, as a warning)."""
        record_drop(self.crawler, failure)
        return None
