"""What every fault scenario does after its fault: drain, compare with the one-process run, check the topic."""

from __future__ import annotations

import time

from schemas import encode
from tests.faults.harness import (BROKER_LOST, Outcome, Stack, audit_unpublished, diff_outcomes, outcome_from_store,
                                  topic_problems)


def page_messages(pages) -> list[tuple[bytes, bytes]]:
    return [(p.canonical_url.encode(), encode(p)) for p in pages]


def chunks(items: list, n: int) -> list[list]:
    size = -(-len(items) // n)
    return [items[i * size:(i + 1) * size] for i in range(n)]


# Peak RSS allowed per process in a scenario (measured: 115-220 MB; before the size limits, 960-1,071 MB).
MAX_RSS_MB = 512


def settle_and_compare(stack: Stack, expected: Outcome, store_url: str, *, drain_timeout_s: float,
                       ignore_paths: set[str] = frozenset()) -> tuple[list[str], dict]:
    """Wait until every stage is at its high watermark (or time out: a stuck stage), then compare the store with
    the expected outcome and the meeting-reports topic with the store. Returns (problems, info)."""
    started = time.monotonic()
    drained, details = stack.wait_drained(drain_timeout_s)
    info: dict = {"drain_s": round(time.monotonic() - started, 1), "drained": drained}
    problems = []
    if not drained:
        tails = "\n".join(filter(None, (stack.log_tail(n) for n in stack.procs)))
        problems.append(f"STUCK: not drained {drain_timeout_s:.0f}s after the last fault: {details}\n{tails}")
    actual = outcome_from_store(store_url)
    info["stored_counts"] = actual.counts
    info["expected_counts"] = expected.counts
    problems += diff_outcomes(expected, actual, ignore_paths=set(ignore_paths))
    # The delivered flag is advisory (a failed mark only means a replay republishes): reported, not a failure.
    info["stored_not_marked_delivered"] = actual.undelivered[:20]
    topic = stack.settings.topics().meeting_reports
    try:
        topic_issues, topic_info = topic_problems(stack.bootstrap, topic, actual)
    except Exception as exc:  # noqa: BLE001 - an unreadable topic is itself a finding
        topic_issues, topic_info = [f"could not read {topic}: {exc!r}"], {}
    unpublished = topic_info.pop("unpublished", [])
    if unpublished:
        # Was it ever acknowledged, and what does the broker hold where it said it wrote it?
        verdicts = audit_unpublished(stack, topic, actual, unpublished)
        info["unpublished_audit"] = verdicts
        lost = sorted(p for p, v in verdicts.items() if v.startswith(BROKER_LOST))
        ours = sorted(p for p in verdicts if p not in lost)
        topic_issues = [i for i in topic_issues if not i.startswith("STORED BUT NEVER PUBLISHED")]
        if ours:
            topic_issues.append(f"STORED BUT NEVER PUBLISHED on {topic} ({len(ours)}): "
                                + "; ".join(f"{p}: {verdicts[p]}" for p in ours[:5]))
        if lost:
            topic_issues.append(f"{BROKER_LOST} on {topic} ({len(lost)}): "
                                + "; ".join(f"{p}: {verdicts[p]}" for p in lost[:5]))
    problems += topic_issues
    info["topic"] = topic_info
    # Memory is bounded on every path (page, article and message limits): a process that grew past the bound
    # under faults (replays, oversize poison, restarts) is a finding, not a statistic.
    fat = {name: round(proc.peak_rss_mb) for name, proc in stack.procs.items() if proc.peak_rss_mb > MAX_RSS_MB}
    if fat:
        problems.append(f"MEMORY: peak RSS above {MAX_RSS_MB} MB: {fat}")
    return problems, info


def failure_message(scenario: str, problems: list[str], stack: Stack) -> str:
    timeline = "\n".join(f"  {e}" for e in stack.events)
    return f"{scenario}: {len(problems)} problem(s)\n- " + "\n- ".join(problems) + f"\nfault timeline:\n{timeline}"
