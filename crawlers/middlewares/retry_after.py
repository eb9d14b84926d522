"""Retries that respect the host (issue 11, politeness): Retry-After honoured per host, exponential back-off
otherwise, and a final 5xx/429 body never becomes a page.

`RetryAfterMiddleware` replaces Scrapy's RetryMiddleware (same settings: RETRY_TIMES, RETRY_HTTP_CODES,
RETRY_EXCEPTIONS, `dont_retry`). On a retried status it pauses the request's **download slot** (one per host):
nothing more is sent to that host until the pause ends, the retry included, while other hosts go on.

* 429/503 (any retried status) with `Retry-After` (seconds or an HTTP date): that long, capped by
  NEWSINGEST_RETRY_AFTER_MAX_S, logged.
* Without it: NEWSINGEST_RETRY_BACKOFF_BASE_S × 2^(retries so far), capped the same way.
* When the retries are used up, the answer is not handed to the spider (which would publish an article page's
  error body as a RawPage): HttpError, which the request's errback counts as the drop `http_error`.
  404/410 are not retried statuses and still reach the spider.

A pause is remembered per slot key, so a slot Scrapy garbage-collected meanwhile is paused again when the next
request for that host arrives.
"""

from __future__ import annotations

import email.utils
import logging
import time

from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.spidermiddlewares.httperror import HttpError
from scrapy.utils.asyncio import call_later
from scrapy.utils.response import response_status_message

log = logging.getLogger(__name__)


def retry_after_seconds(value: bytes | str | None, now: float | None = None) -> float | None:
    """Seconds from a Retry-After header (delta-seconds or HTTP-date); None if absent or unreadable."""
    if value is None:
        return None
    text = (value.decode("latin-1") if isinstance(value, bytes) else value).strip()
    if not text:
        return None
    if text.isascii() and text.isdigit():  # "²" (a latin-1 byte) is a digit to str.isdigit, not to float
        return float(text)
    try:
        when = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when is None:
        return None
    return max(0.0, when.timestamp() - (time.time() if now is None else now))


def pause_for(status: int, retry_after: float | None, retries: int, *, base_s: float, max_s: float) -> float:
    """How long to pause the host after a retried status (the retries already made for this request)."""
    if retry_after is not None:
        return min(retry_after, max_s)
    return min(base_s * (2 ** retries), max_s)


class RetryAfterMiddleware(RetryMiddleware):
    def __init__(self, settings) -> None:
        super().__init__(settings)
        self.max_s = settings.getfloat("NEWSINGEST_RETRY_AFTER_MAX_S", 600.0)
        self.base_s = settings.getfloat("NEWSINGEST_RETRY_BACKOFF_BASE_S", 1.0)
        self.paused_until: dict[str, float] = {}  # slot key -> time.monotonic()

    def process_request(self, request, spider=None):
        until = self.paused_until.get(self._key(request))
        if until is not None and until > time.monotonic():
            self._apply(request, until)
        return None

    def process_response(self, request, response, spider=None):
        if request.meta.get("dont_retry", False) or response.status not in self.retry_http_codes:
            return response
        retries = request.meta.get("retry_times", 0)
        header = response.headers.get(b"Retry-After")
        announced = retry_after_seconds(header)
        pause = pause_for(response.status, announced, retries, base_s=self.base_s, max_s=self.max_s)
        retry = self._retry(request, response_status_message(response.status))
        # The host asked for a pause whether or not this request is retried: the answer that used up the retries
        # pauses it too, for the requests still queued for that host.
        if pause > 0:
            key = self._key(request)
            until = time.monotonic() + pause
            if until > self.paused_until.get(key, 0.0):
                self.paused_until[key] = until
            self._apply(request, self.paused_until[key])
            self.crawler.stats.inc_value("newsingest/host_paused")
            log.warning("pausing %s for %.1fs after HTTP %s (%s)", key, pause, response.status,
                        f"Retry-After: {header.decode('latin-1')}" + (f", capped at {self.max_s:g}s"
                                                                     if announced and announced > self.max_s else "")
                        if header is not None else
                        (f"back-off, retry {retries + 1}" if retry is not None else "back-off, no retry left"))
        if retry is None:
            raise HttpError(response, f"HTTP {response.status} after {retries} retries: not published")
        return retry

    def _key(self, request) -> str:
        downloader = self.crawler.engine.downloader
        return request.meta.get(downloader.DOWNLOAD_SLOT) or downloader.get_slot_key(request)

    def _apply(self, request, until: float) -> None:
        """Hold the host's download slot until `until`: Scrapy's downloader sends nothing from a slot while its
        `latercall` is pending (the mechanism DOWNLOAD_DELAY itself uses)."""
        downloader = self.crawler.engine.downloader
        key = self._key(request)
        slot = downloader.slots.get(key)
        if slot is None:
            probe = request.copy()
            probe.meta[downloader.DOWNLOAD_SLOT] = key
            _, slot = downloader._get_slot(probe)
        wait = until - time.monotonic()
        if wait <= 0:
            return
        if slot.latercall is not None:
            slot.latercall.cancel()
        slot.latercall = call_later(wait, downloader._latercall, slot)
