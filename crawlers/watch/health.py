"""Source health arithmetic: what one poll of a portal cost and found, and its PortalStatus message.

Plain functions over a poll's counters and the schedule that follows it (epoch seconds from the watch clock),
no Scrapy runtime, no Kafka, no clock of their own, so they are tested on a fake clock. The spider counts
answers and failures into its `Poll` with `count_answer` / `count_failure`; the `SourceHealth` extension
turns a finished poll into metrics and a `PortalStatus` with `portal_status`.
"""

from __future__ import annotations

import datetime as dt

from scrapy.exceptions import IgnoreRequest
from scrapy.spidermiddlewares.httperror import HttpError

from crawlers.middlewares.drops import drop_reason
from crawlers.watch.policy import PortalSchedule
from schemas.models import PortalStatus

# Labels of newsingest_portal_download_errors_total{kind} and keys of PortalStatus.errors_by_kind.
ERROR_KINDS = ("dns", "connect", "timeout", "tls", "http_4xx", "http_5xx", "robots", "offsite", "too_large",
               "decompression_bomb", "data_loss", "ignored", "gave_up", "other")


def status_kind(status: int) -> str | None:
    """The error kind of an HTTP answer, or None for an answer that is not an error (2xx, 3xx, 304)."""
    if 400 <= status < 500:
        return "http_4xx"
    if status >= 500:
        return "http_5xx"
    return None


def error_kind(exc: BaseException) -> str:
    """The kind of a request's final failure: the drops middleware's reason, with HTTP errors split by status
    class and the crawl's policy refusals (robots.txt, offsite), which are not drops, named."""
    if isinstance(exc, HttpError):
        response = getattr(exc, "response", None)
        return status_kind(getattr(response, "status", 0) or 0) or "other"
    if isinstance(exc, IgnoreRequest):
        message = str(exc)
        if message.startswith("Forbidden by robots.txt"):
            return "robots"
        if message.startswith("Filtered offsite request"):
            return "offsite"
    reason = drop_reason(exc)
    return reason if reason in ERROR_KINDS else "other"


def _add_error(poll, kind: str, n: int = 1) -> None:
    poll.errors[kind] = poll.errors.get(kind, 0) + n


def count_answer(poll, status: int, body_bytes: int) -> None:
    """One answer of a poll's request: its bytes, a 304, an error status."""
    poll.bytes += body_bytes
    if status == 304:
        poll.not_modified += 1
    kind = status_kind(status)
    if kind is not None:
        _add_error(poll, kind)


def count_failure(poll, exc: BaseException) -> None:
    """One request of a poll that failed without a usable answer."""
    _add_error(poll, error_kind(exc))


def count_given_up(poll, outstanding: int) -> None:
    """Requests still unanswered when the loop gave the poll up (NEWSINGEST_POLL_TIMEOUT_S)."""
    if outstanding > 0:
        _add_error(poll, "gave_up", outstanding)


def _utc(ts: float | None) -> dt.datetime | None:
    return None if ts is None else dt.datetime.fromtimestamp(ts, dt.timezone.utc)


def portal_status(poll, schedule: PortalSchedule, now: float, *, failed: bool) -> PortalStatus:
    """The status message of a finished poll, given the schedule the policy computed after it."""
    return PortalStatus(
        portal_id=poll.portal.id, province=poll.portal.province, polled_at=_utc(now),
        outcome="failed" if failed else "ok", consecutive_failures=schedule.consecutive_failures,
        new_articles=poll.new_articles, requests=poll.requests, conditional_requests=poll.conditional,
        not_modified=poll.not_modified, bytes=poll.bytes, errors_by_kind=dict(sorted(poll.errors.items())),
        next_poll_at=_utc(schedule.next_poll_at), interval_s=schedule.interval_s,
        last_success_at=_utc(schedule.last_success_at),
    )
