"""The watch policy on a fake clock: a simulated week in milliseconds."""

from __future__ import annotations

import random

import pytest

from crawlers.watch.policy import (
    ArticleState,
    PollBounds,
    after_failure,
    after_poll,
    due,
    first_schedule,
    listing_change,
    next_recheck_at,
    refetch_reason,
)

HOUR = 3600.0
DAY = 24 * HOUR
BOUNDS = PollBounds(min_interval_s=600, initial_interval_s=900, max_interval_s=6 * HOUR, jitter=0.1)


def test_quiet_week_grows_to_the_upper_bound_and_stays_inside_it():
    rand = random.Random(1)
    now = 0.0
    schedule = first_schedule("p", now, BOUNDS, rand)
    polls_per_day: dict[int, int] = {}
    while now < 7 * DAY:
        now = schedule.next_poll_at
        polls_per_day[int(now // DAY)] = polls_per_day.get(int(now // DAY), 0) + 1
        schedule = after_poll(schedule, now, new_articles=0, bounds=BOUNDS, rand=rand)
        assert BOUNDS.min_interval_s <= schedule.interval_s <= BOUNDS.max_interval_s
        gap = schedule.next_poll_at - now
        assert schedule.interval_s * 0.9 <= gap <= schedule.interval_s * 1.1
    assert schedule.interval_s == BOUNDS.max_interval_s
    # Once at the bound, about four polls a day (6 h ± 10 %).
    assert all(3 <= polls_per_day[d] <= 5 for d in range(2, 7)), polls_per_day


def test_new_articles_shrink_the_interval_down_to_the_lower_bound():
    rand = random.Random(2)
    schedule = first_schedule("p", 0.0, BOUNDS, rand)
    for _ in range(10):
        schedule = after_poll(schedule, schedule.next_poll_at, new_articles=0, bounds=BOUNDS, rand=rand)
    grown = schedule.interval_s
    schedule = after_poll(schedule, schedule.next_poll_at, new_articles=3, bounds=BOUNDS, rand=rand)
    assert schedule.interval_s == pytest.approx(grown * BOUNDS.shrink)
    for _ in range(20):
        schedule = after_poll(schedule, schedule.next_poll_at, new_articles=1, bounds=BOUNDS, rand=rand)
    assert schedule.interval_s == BOUNDS.min_interval_s


def test_failures_back_off_exponentially_capped_and_recover_on_success():
    rand = random.Random(3)
    bounds = PollBounds(min_interval_s=600, initial_interval_s=900, max_interval_s=6 * HOUR, jitter=0.0,
                        max_failure_backoff_s=4 * HOUR)
    schedule = first_schedule("p", 0.0, bounds, rand)
    delays = []
    for _ in range(8):
        now = schedule.next_poll_at
        schedule = after_failure(schedule, now, bounds=bounds, rand=rand)
        delays.append(schedule.next_poll_at - now)
    assert delays[:3] == [1800, 3600, 7200]
    assert max(delays) == 4 * HOUR and schedule.consecutive_failures == 8
    assert schedule.interval_s == 900  # the normal rhythm is kept for the recovery
    now = schedule.next_poll_at
    schedule = after_poll(schedule, now, new_articles=0, bounds=bounds, rand=rand)
    assert schedule.consecutive_failures == 0 and schedule.last_success_at == now
    assert schedule.next_poll_at - now == 900 * bounds.grow


def test_first_polls_of_a_large_registry_are_spread_and_due_orders_most_overdue_first():
    rand = random.Random(4)
    schedules = [first_schedule(f"p{i}", 0.0, BOUNDS, rand, spread_s=600) for i in range(5000)]
    starts = sorted(s.next_poll_at for s in schedules)
    assert 0 <= starts[0] and starts[-1] <= 600
    assert len(due(schedules, 60)) < 800  # about a tenth, not all 5,000 at once
    ready = due(schedules, 600)
    assert len(ready) == 5000 and [s.next_poll_at for s in ready] == starts


def test_listing_change_is_the_link_set_not_the_bytes():
    links = ["https://p.vn/a-1.html", "https://p.vn/b-2.html"]
    assert not listing_change(links, reversed(links)).changed
    change = listing_change(links, [*links, "https://p.vn/c-3.html"])
    assert change.changed and change.new == {"https://p.vn/c-3.html"} and not change.gone
    assert listing_change(None, links).new == set(links)
    assert listing_change(links, links[:1]).gone == {links[1]}


def test_an_ingested_article_is_refetched_only_in_its_recheck_windows_or_when_announced():
    state = ArticleState("https://p.vn/a-1.html", first_seen_at=0.0, last_fetched_at=0.0)
    assert refetch_reason(None, 0.0) == "new"
    fetches = []
    now = 0.0
    while now < 7 * DAY:  # polled every 10 minutes for a week
        now += 600
        reason = refetch_reason(state, now)
        if reason:
            fetches.append((now, reason))
            state = ArticleState(state.url, state.first_seen_at, now)
    assert [round(t / HOUR, 2) for t, _ in fetches] == [1.0, 6.0, 24.0]
    assert next_recheck_at(state) is None
    assert refetch_reason(state, 8 * DAY, announced_modified_at=state.last_fetched_at) is None
    assert refetch_reason(state, 8 * DAY, announced_modified_at=state.last_fetched_at + 1) == "announced"


def test_bounds_are_validated():
    with pytest.raises(ValueError):
        PollBounds(min_interval_s=1000, initial_interval_s=900)
    with pytest.raises(ValueError):
        PollBounds(shrink=1.5)
