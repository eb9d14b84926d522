"""When to poll a portal, whether a listing changed, which article pages to fetch again: the watch policy.

Pure functions of their inputs and an explicit `now` (epoch seconds) — no Scrapy, no database, no clock of
its own — so a week of polling is tested in milliseconds on a fake clock. The Scrapy extension and the crawl
state store are adapters around it.

The interval adapts like Nutch's AdaptiveFetchSchedule: it shrinks when a poll found new article links and
grows while nothing changes, always inside configured bounds, with jitter so thousands of portals never poll
in lock step. A failing portal backs off exponentially from its interval (capped) and returns to its normal
rhythm after the first successful poll.
"""

from __future__ import annotations

import random
from collections.abc import Iterable
from dataclasses import dataclass, replace


@dataclass(frozen=True)
class PollBounds:
    min_interval_s: float = 600.0
    max_interval_s: float = 6 * 3600.0
    initial_interval_s: float = 900.0
    shrink: float = 0.5  # after a poll that found new articles
    grow: float = 1.5  # after a poll that found nothing new
    jitter: float = 0.1  # each delay is drawn from ±jitter around its value
    max_failure_backoff_s: float = 24 * 3600.0

    def __post_init__(self) -> None:
        if not 0 < self.min_interval_s <= self.initial_interval_s <= self.max_interval_s:
            raise ValueError("need 0 < min_interval_s <= initial_interval_s <= max_interval_s")
        if not (0 < self.shrink <= 1 <= self.grow and 0 <= self.jitter < 1):
            raise ValueError("need 0 < shrink <= 1 <= grow and 0 <= jitter < 1")


@dataclass(frozen=True)
class PortalSchedule:
    portal_id: str
    interval_s: float
    next_poll_at: float
    consecutive_failures: int = 0
    last_success_at: float | None = None

    def is_due(self, now: float) -> bool:
        return self.next_poll_at <= now


def _jittered(delay: float, bounds: PollBounds, rand: random.Random) -> float:
    return delay * (1 + rand.uniform(-bounds.jitter, bounds.jitter))


def first_schedule(portal_id: str, now: float, bounds: PollBounds, rand: random.Random,
                   spread_s: float = 0.0) -> PortalSchedule:
    """A portal never polled: due within `spread_s` (spreading a large registry's first polls)."""
    return PortalSchedule(portal_id, bounds.initial_interval_s, now + rand.uniform(0, spread_s))


def after_poll(schedule: PortalSchedule, now: float, *, new_articles: int, bounds: PollBounds,
               rand: random.Random) -> PortalSchedule:
    factor = bounds.shrink if new_articles > 0 else bounds.grow
    interval = min(bounds.max_interval_s, max(bounds.min_interval_s, schedule.interval_s * factor))
    return replace(schedule, interval_s=interval, next_poll_at=now + _jittered(interval, bounds, rand),
                   consecutive_failures=0, last_success_at=now)


def after_failure(schedule: PortalSchedule, now: float, *, bounds: PollBounds,
                  rand: random.Random) -> PortalSchedule:
    """Graded back-off: interval × 2^failures, capped; the interval itself is kept for the recovery."""
    failures = schedule.consecutive_failures + 1
    # The exponent is capped before it is raised: 2 ** 1100 overflows a float after years of daily failures.
    delay = min(bounds.max_failure_backoff_s, schedule.interval_s * 2.0 ** min(failures, 64))
    return replace(schedule, consecutive_failures=failures, next_poll_at=now + _jittered(delay, bounds, rand))


def due(schedules: Iterable[PortalSchedule], now: float) -> list[PortalSchedule]:
    """Due portals, most overdue first."""
    return sorted((s for s in schedules if s.is_due(now)), key=lambda s: s.next_poll_at)


@dataclass(frozen=True)
class ListingChange:
    new: frozenset[str]
    gone: frozenset[str]

    @property
    def changed(self) -> bool:
        return bool(self.new or self.gone)


def listing_change(previous: Iterable[str] | None, current: Iterable[str]) -> ListingChange:
    """A listing changed when its set of article links changed — never because its bytes did (view
    counters and visit dates change on every request)."""
    before = frozenset(previous or ())
    after = frozenset(current)
    return ListingChange(new=after - before, gone=before - after)


# Re-check windows after first sight, to catch corrections: 1 h, 6 h and 24 h by default.
RECHECK_WINDOWS_S: tuple[float, ...] = (3600.0, 6 * 3600.0, 24 * 3600.0)


FUTURE_SKEW_S = 300.0  # clocks and CMS stamps disagree by minutes; a date further ahead is not believed


@dataclass(frozen=True)
class ArticleState:
    url: str
    first_seen_at: float
    last_fetched_at: float


def refetch_reason(state: ArticleState | None, now: float, *, announced_modified_at: float | None = None,
                   windows: tuple[float, ...] = RECHECK_WINDOWS_S) -> str | None:
    """Why to fetch an article page now ('new', 'announced' by a feed or sitemap date, 'recheck' when a
    window came due since the last fetch), or None: an ingested page is never fetched just because its
    listing was polled again."""
    if state is None:
        return "new"
    # A date ahead of the clock cannot be compared with the last fetch (it stays "after" every fetch until it
    # passes): it says nothing, and the re-check windows still apply.
    if announced_modified_at is not None and state.last_fetched_at < announced_modified_at <= now + FUTURE_SKEW_S:
        return "announced"
    for window in windows:
        due_at = state.first_seen_at + window
        if state.last_fetched_at < due_at <= now:
            return "recheck"
    return None


def next_recheck_at(state: ArticleState, windows: tuple[float, ...] = RECHECK_WINDOWS_S) -> float | None:
    """When the next re-check window opens, or None once every window has passed."""
    upcoming = [state.first_seen_at + w for w in windows if state.first_seen_at + w > state.last_fetched_at]
    return min(upcoming) if upcoming else None
