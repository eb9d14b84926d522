"""Meeting classifier: the rule layer decides clear cases; a trained model (when shipped) decides the rest."""

from __future__ import annotations

from dataclasses import dataclass, field

from consumers.domain.classification.rules import rule_hits

TYPE_PRIORITY = [
    "standing_secretariat_briefing",
    "peoples_council_session",
    "peoples_committee_meeting",
    "provincial_party_executive_conference",
    "provincial_party_standing_committee",
    "district_party_conference",
    "review_conference",
    "other_official_meeting",
]


@dataclass(frozen=True)
class Classification:
    is_meeting_report: bool
    meeting_type: str | None
    confidence: float
    evidence: list[str] = field(default_factory=list)


class MeetingClassifier:
    """Rule-based first pass."""

    def classify(self, title: str, text: str) -> Classification:
        hits = rule_hits(title, text)
        evidence = [f"type:{t}:{p}" for t, ps in hits.type_hits.items() for p in ps[:2]]
        evidence += [f"negative:{k}:{p}" for k, ps in hits.negative_hits.items() for p in ps[:2]]
        evidence += [f"happened:{p}" for p in hits.happened[:3]]
        if hits.opens_with_time:
            evidence.append("opening:time-expression")
        reported = bool(hits.happened) and (hits.opens_with_time or len(hits.happened) >= 2)
        if hits.negative_hits and not (hits.opens_with_time and hits.happened):
            return Classification(False, None, 0.85, evidence)
        specific = [t for t in TYPE_PRIORITY[:-1] if t in hits.type_hits]
        if (specific or "other_official_meeting" in hits.type_hits) and reported:
            mtype = specific[0] if specific else "other_official_meeting"
            confidence = 0.9 if specific else 0.65
            return Classification(True, mtype, confidence, evidence)
        return Classification(False, None, 0.7 if not hits.type_hits else 0.55, evidence)
