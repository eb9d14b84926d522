"""Source health on a fake clock: error kinds, the per-poll counts, the failure streak and its recovery, the
PortalStatus message, and a status publisher that never stops the watch when the broker is away."""

from __future__ import annotations

import datetime as dt
import random
import time
from types import SimpleNamespace

import pytest
from prometheus_client import CollectorRegistry
from scrapy import exceptions as sx
from scrapy.http import HtmlResponse, Request
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.internet import error as tx_error

from crawlers.extensions.source_health import SourceHealth, SourceHealthMetrics, StatusPublisher
from crawlers.spiders.watch import Poll
from crawlers.watch.health import ERROR_KINDS, count_answer, count_failure, error_kind, portal_status, status_kind
from crawlers.watch.policy import PollBounds, after_failure, after_poll, first_schedule
from schemas import PortalStatus, Topics, decode, encode
from schemas.settings import load_settings

PORTAL = SimpleNamespace(id="caobang", province="Cao Bằng")  # all a poll's health needs of its Portal
BOUNDS = PollBounds(min_interval_s=600, initial_interval_s=900, max_interval_s=6 * 3600, jitter=0.0)
T0 = 1_780_000_000.0


def _http_error(status: int) -> HttpError:
    response = HtmlResponse("http://portal.example/caobang/", status=status, body=b"x",
                            request=Request("http://portal.example/caobang/"))
    return HttpError(response, "Ignoring non-200 response")


@pytest.mark.parametrize("make,kind", [
    (lambda: _http_error(404), "http_4xx"),
    (lambda: _http_error(429), "http_4xx"),
    (lambda: _http_error(503), "http_5xx"),
    (lambda: sx.IgnoreRequest("Forbidden by robots.txt"), "robots"),
    (lambda: sx.IgnoreRequest("Filtered offsite request to 'x.vn'"), "offsite"),
    (lambda: tx_error.DNSLookupError("no such host"), "dns"),
    (lambda: tx_error.ConnectionRefusedError(), "connect"),
    (lambda: tx_error.TimeoutError(), "timeout"),
    (lambda: sx.IgnoreRequest("max redirections reached"), "ignored"),
    (lambda: RuntimeError("?"), "other"),
])
def test_error_kinds_come_from_a_fixed_set(make, kind):
    assert error_kind(make()) == kind
    assert kind in ERROR_KINDS


def test_status_kind_is_the_status_class():
    assert [status_kind(s) for s in (200, 304, 404, 410, 500, 503)] == [None, None, "http_4xx", "http_4xx",
                                                                        "http_5xx", "http_5xx"]


def test_a_poll_counts_requests_304s_bytes_and_errors():
    poll = Poll(PORTAL, T0)
    count_answer(poll, 200, 5000)
    count_answer(poll, 304, 0)
    count_answer(poll, 503, 4)
    count_failure(poll, tx_error.DNSLookupError("x"))
    count_failure(poll, tx_error.DNSLookupError("x"))
    assert (poll.not_modified, poll.bytes) == (1, 5004)
    assert poll.errors == {"http_5xx": 1, "dns": 2}


def _finished_poll(*, requests=3, conditional=2, not_modified=2, bytes_=1200, new_articles=0, answered=3,
                   errors=None) -> Poll:
    poll = Poll(PORTAL, T0)
    poll.requests, poll.conditional, poll.not_modified, poll.bytes = requests, conditional, not_modified, bytes_
    poll.new_articles, poll.answered, poll.errors = new_articles, answered, dict(errors or {})
    return poll


def test_portal_status_carries_the_poll_and_the_schedule_that_follows():
    rand = random.Random(1)
    schedule = first_schedule("caobang", T0, BOUNDS, rand)
    now = T0 + 5
    after = after_poll(schedule, now, new_articles=2, bounds=BOUNDS, rand=rand)
    status = portal_status(_finished_poll(new_articles=2, bytes_=9000), after, now, failed=False)
    assert isinstance(status, PortalStatus)
    assert (status.portal_id, status.province, status.outcome) == ("caobang", "Cao Bằng", "ok")
    assert (status.requests, status.conditional_requests, status.not_modified, status.bytes) == (3, 2, 2, 9000)
    assert status.new_articles == 2 and status.consecutive_failures == 0 and status.errors_by_kind == {}
    assert status.polled_at == dt.datetime.fromtimestamp(now, dt.timezone.utc)
    assert status.last_success_at == status.polled_at
    assert status.next_poll_at.timestamp() == pytest.approx(after.next_poll_at)
    assert status.interval_s == after.interval_s == 600
    assert status.schema_version == 1
    assert decode(PortalStatus, encode(status)) == status
    with pytest.raises(Exception):
        status.outcome = "failed"  # type: ignore[misc] - frozen


class FakePublisher:
    def __init__(self) -> None:
        self.sent: list[PortalStatus] = []
        self.closed = False

    def publish(self, status: PortalStatus) -> None:
        self.sent.append(status)

    def close(self) -> None:
        self.closed = True


def _value(registry: CollectorRegistry, name: str, **labels) -> float | None:
    return registry.get_sample_value(name, labels)


def test_a_failure_streak_is_counted_and_reset_by_recovery_on_a_fake_clock():
    registry = CollectorRegistry()
    publisher = FakePublisher()
    health = SourceHealth(SourceHealthMetrics(registry), publisher)
    rand = random.Random(2)
    schedule = first_schedule("caobang", T0, BOUNDS, rand)
    health.watching([PORTAL.id], {})
    assert _value(registry, "newsingest_portal_consecutive_failures", portal="caobang") == 0
    now = T0
    for n in range(1, 6):  # five polls that nobody answers: DNS fails for the listing and the feed
        now = schedule.next_poll_at
        schedule = after_failure(schedule, now, bounds=BOUNDS, rand=rand)
        poll = _finished_poll(requests=2, conditional=0, not_modified=0, bytes_=0, answered=0,
                              errors={"dns": 2})
        health.poll_finished(poll, schedule, now, failed=True)
        assert _value(registry, "newsingest_portal_consecutive_failures", portal="caobang") == n
    assert [s.consecutive_failures for s in publisher.sent] == [1, 2, 3, 4, 5]
    assert all(s.outcome == "failed" and s.last_success_at is None for s in publisher.sent)
    # Graded back-off: each failed poll pushes the next one twice as far (jitter is off here).
    gaps = [s.next_poll_at.timestamp() - s.polled_at.timestamp() for s in publisher.sent]
    assert gaps == [1800, 3600, 7200, 14400, 28800]
    assert _value(registry, "newsingest_portal_download_errors_total", portal="caobang", kind="dns") == 10

    now = schedule.next_poll_at
    schedule = after_poll(schedule, now, new_articles=3, bounds=BOUNDS, rand=rand)
    health.poll_finished(_finished_poll(new_articles=3, bytes_=20_000), schedule, now, failed=False)
    assert _value(registry, "newsingest_portal_consecutive_failures", portal="caobang") == 0
    last = publisher.sent[-1]
    assert (last.outcome, last.consecutive_failures, last.new_articles) == ("ok", 0, 3)
    assert last.last_success_at.timestamp() == now
    assert _value(registry, "newsingest_portal_requests_total", portal="caobang") == 2 * 5 + 3
    assert _value(registry, "newsingest_portal_conditional_requests_total", portal="caobang") == 2
    assert _value(registry, "newsingest_portal_not_modified_total", portal="caobang") == 2
    assert _value(registry, "newsingest_portal_poll_bytes_sum", portal="caobang") == 20_000
    assert _value(registry, "newsingest_portal_poll_bytes_count", portal="caobang") == 6
    assert _value(registry, "newsingest_portal_poll_new_articles_sum", portal="caobang") == 3
    assert _value(registry, "newsingest_portal_poll_new_articles_bucket", portal="caobang", le="0.0") == 5


def test_a_restart_restores_the_streak_from_the_stored_schedule():
    registry = CollectorRegistry()
    health = SourceHealth(SourceHealthMetrics(registry), None)
    rand = random.Random(3)
    stored = after_failure(after_failure(first_schedule("caobang", T0, BOUNDS, rand), T0, bounds=BOUNDS, rand=rand),
                           T0 + 1, bounds=BOUNDS, rand=rand)
    health.watching(["caobang", "other"], {"caobang": stored})
    assert _value(registry, "newsingest_portal_consecutive_failures", portal="caobang") == 2
    assert _value(registry, "newsingest_portal_consecutive_failures", portal="other") == 0


def test_the_status_topic_and_setting():
    assert Topics().portal_status == "newsingest.portal-status.v1"
    assert "newsingest.portal-status.v1" in Topics().all()
    assert load_settings().topic_portal_status == "newsingest.portal-status.v1"


def test_an_unreachable_broker_never_stops_the_watch():
    registry = CollectorRegistry()
    metrics = SourceHealthMetrics(registry)
    publisher = StatusPublisher("127.0.0.1:1", "newsingest.portal-status.v1", metrics=metrics,
                                connect_timeout_s=0.5, retry_s=0.0)
    publisher.start()
    rand = random.Random(4)
    schedule = after_poll(first_schedule("caobang", T0, BOUNDS, rand), T0, new_articles=0, bounds=BOUNDS, rand=rand)
    started = time.monotonic()
    for _ in range(3):
        publisher.publish(portal_status(_finished_poll(), schedule, T0, failed=False))  # never blocks, never raises
    assert time.monotonic() - started < 0.5
    deadline = time.monotonic() + 15
    while _value(registry, "newsingest_portal_status_messages_total", result="failed") != 3:
        assert time.monotonic() < deadline, "the failed sends were not counted"
        time.sleep(0.1)
    started = time.monotonic()
    publisher.close()
    assert time.monotonic() - started < 10
    publisher.publish(portal_status(_finished_poll(), schedule, T0, failed=False))  # after close: dropped, counted
    assert _value(registry, "newsingest_portal_status_messages_total", result="dropped") == 1
