"""Attacks on the crawler's README guarantees by a review helper (politeness, safety, watch policy, registry, drops).
Each failed on the code as reviewed (2026-12-06) and passes since the mend."""

from __future__ import annotations

import random
import subprocess
import sys
from pathlib import Path

import pytest

from crawlers.middlewares.retry_after import retry_after_seconds
from crawlers.registry import RegistryError, parse_registry
from crawlers.watch.policy import ArticleState, PollBounds, PortalSchedule, after_failure, refetch_reason

REPO = Path(__file__).resolve().parents[2]

ENTRY = """
portals:
  - id: probe1
    name: "Probe"
    province: "Hà Giang"
    start_urls: ["{url}"]
    article_patterns: ['/a/\\\\d+$']
    allow: ["{url}"]
"""


# -- Portal registry: "Every host must be a public DNS name: no IP literal ..." --------------------------------

@pytest.mark.parametrize("url", ["http://10.0.0.0x5/", "http://127.0.0.0x1/", "http://0x7f.0x0.0x0.0x1/"])
def test_registry_refuses_ip_literals_in_inet_aton_hex_form(url):
    # inet_aton (what the resolver's gethostbyname uses) reads 10.0.0.0x5 as 10.0.0.5 and 127.0.0.0x1 as
    # 127.0.0.1: these are IP literals, not public DNS names, and the README's own example refuses 10.0.0.5.
    import socket

    assert socket.gethostbyname(url.split("/")[2]) in ("10.0.0.5", "127.0.0.1")
    with pytest.raises(RegistryError):
        parse_registry(ENTRY.format(url=url), source="portals.yaml")


# -- Portal registry / CLI: "it validates the file (one line, exit 2, naming the entry)" -----------------------

def test_portals_check_on_a_non_utf8_registry_is_a_bad_input_exit_2(tmp_path):
    # A registry saved in Windows-1258 (the Vietnamese Windows code page) is bad input: exit 2, one line.
    text = ENTRY.format(url="https://hagiangtv.vn/").replace('"Probe"', '"Đài Hà Giang"')
    path = tmp_path / "portals.yaml"
    path.write_bytes(text.replace("Đài Hà Giang", "Dai Ha Giang").replace("Hà Giang", "Ha Giang").encode()
                     .replace(b"Ha Giang", "Hà Giang".encode("cp1258")))
    proc = subprocess.run([sys.executable, "-c", "from deploy.cli import app; app()", "portals", "check",
                           str(path)], cwd=REPO, capture_output=True, text=True, timeout=120)
    lines = proc.stderr.strip().splitlines()
    assert proc.returncode == 2 and len(lines) == 1 and lines[0].startswith("error: "), \
        (proc.returncode, proc.stderr[-500:])


# -- Politeness: "A 429/503 with Retry-After pauses the whole host ... " ----------------------------------------

def test_retry_after_with_a_latin1_digit_byte_is_unreadable_not_a_crash():
    # Header bytes are decoded as latin-1; b"\xb2" is "²", which str.isdigit() accepts and float() refuses.
    # An unreadable Retry-After must fall back to the back-off (None), not raise out of the middleware.
    assert retry_after_seconds(b"\xb2") is None


# -- Watching portals: "backs off x2 per failure (capped at a day)" ----------------------------------------------

def test_failure_backoff_never_overflows_on_a_fake_clock():
    bounds = PollBounds()
    rand = random.Random(1)
    schedule = PortalSchedule("p", bounds.initial_interval_s, 0.0)
    now = 0.0
    for _ in range(1100):  # a portal down for a few years: every poll failed
        schedule = after_failure(schedule, now, bounds=bounds, rand=rand)
        assert schedule.next_poll_at - now <= bounds.max_failure_backoff_s * (1 + bounds.jitter)
        now = schedule.next_poll_at


# -- Cheap re-polls: "An article page already ingested is fetched again only when a feed or sitemap date says it
#    changed (announced), or when a re-check window comes due" -------------------------------------------------

def test_an_unchanged_future_feed_date_does_not_refetch_on_every_poll():
    # A feed announces the page with a date ahead of the clock (a pubDate in local time without a zone is read as
    # UTC: 7 h ahead in Vietnam). The page is fetched once for it; the same date, unchanged, must not fetch it again
    # on each 10-minute poll for the next hours.
    first_seen = 1_000_000.0
    announced = first_seen + 7 * 3600  # the feed's (future) date, the same on every poll
    state = ArticleState("https://hagiangtv.vn/a/1", first_seen, last_fetched_at=first_seen + 60)  # fetched for it
    later = [first_seen + 600 * k for k in range(2, 6)]  # the next polls, before any re-check window (1 h)
    reasons = [refetch_reason(ArticleState(state.url, first_seen, t - 600 + 60), t, announced_modified_at=announced)
               for t in later]
    assert reasons == [None] * len(later), reasons


def test_a_feed_date_without_a_zone_is_vietnam_time():
    from crawlers.watch.discovery import parse_date

    assert parse_date("2026-12-06T10:00:00") == parse_date("2026-12-06T03:00:00Z")
    assert parse_date("Sun, 06 Dec 2026 10:00:00 +0700") == parse_date("2026-12-06T10:00:00")


def test_a_future_date_still_counts_once_it_is_within_the_skew():
    state = ArticleState("https://hagiangtv.vn/a/1", 1_000.0, last_fetched_at=2_000.0)
    assert refetch_reason(state, 3_000.0, announced_modified_at=3_100.0) == "announced"  # a clock 100 s apart
    assert refetch_reason(state, 3_000.0, announced_modified_at=2_500.0) == "announced"
    assert refetch_reason(state, 3_000.0, announced_modified_at=1_500.0) is None
