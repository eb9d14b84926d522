"""Does a decision agree with its evidence, and are the confidences calibrated.

A contradiction (issue 14) is any of:

* `negative-without-override`: a negative rule fired (`rule:negative:*` or `rule:title:not:*` in the evidence)
  on a positive decision, and no `override:negative:<kind>:by:<signal>` entry names what overrode it;
* `confidence-below-threshold`: a report (or a type) with confidence below THRESHOLD;
* `confidence-above-threshold`: not a report, with confidence at or above THRESHOLD;
* `type-without-report` / `report-without-type`: a type assigned to a non-report, or a report without a type.
"""

from __future__ import annotations

from consumers.domain.classification.classifier import THRESHOLD, Classification


def contradictions(c: Classification) -> list[str]:
    found = []
    if c.is_meeting_report:
        negatives = {e.split(":")[2] for e in c.evidence if e.startswith("rule:negative:")}
        negatives |= {e.split(":")[3] for e in c.evidence if e.startswith("rule:title:not:")}
        overridden = {e.split(":")[2] for e in c.evidence if e.startswith("override:negative:")
                      and ":by:" in e}
        overridden |= {e.split(":")[3] for e in c.evidence if e.startswith("override:negative:title:")}
        if negatives - overridden:
            found.append("negative-without-override:" + ",".join(sorted(negatives - overridden)))
        if c.confidence < THRESHOLD:
            found.append("confidence-below-threshold")
        if c.meeting_type is None:
            found.append("report-without-type")
    else:
        if c.confidence >= THRESHOLD:
            found.append("confidence-above-threshold")
        if c.meeting_type is not None:
            found.append("type-without-report")
    return found


def reliability(confidences: list[float], labels: list[bool], bins: int = 10) -> tuple[float, list[dict]]:
    """Expected calibration error over `bins` equal-width bins of the confidence (the probability of a report),
    and the reliability table: per bin, the count, the mean confidence and the observed rate of reports."""
    table = []
    ece = 0.0
    for b in range(bins):
        lo, hi = b / bins, (b + 1) / bins
        members = [(c, y) for c, y in zip(confidences, labels) if lo <= c < hi or (b == bins - 1 and c == 1.0)]
        if not members:
            table.append({"bin": f"{lo:.1f}-{hi:.1f}", "n": 0, "confidence": None, "observed": None})
            continue
        mean_c = sum(c for c, _ in members) / len(members)
        rate = sum(1 for _, y in members if y) / len(members)
        ece += len(members) / len(confidences) * abs(mean_c - rate)
        table.append({"bin": f"{lo:.1f}-{hi:.1f}", "n": len(members), "confidence": mean_c, "observed": rate})
    return ece, table
