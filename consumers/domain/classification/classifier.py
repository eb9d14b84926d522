"""Meeting classifier: a trained linear model on segmented words, with a rule layer for phrases that
decide on their own. Every answer carries its evidence: the rules that fired and the top features."""

from __future__ import annotations

from dataclasses import dataclass, field

from consumers.domain.classification.features import features
from consumers.domain.classification.model import LinearModel, load_model
from consumers.domain.classification.rules import opening_rule, rule_hits, title_rule, title_says_review

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


_NO_MODEL = object()


class MeetingClassifier:
    def __init__(self, model: LinearModel | None | object = _NO_MODEL) -> None:
        self.model = load_model() if model is _NO_MODEL else model

    def classify(self, title: str, text: str) -> Classification:
        hits = rule_hits(title, text)
        evidence = [f"rule:type:{t}:{p}" for t, ps in hits.type_hits.items() for p in ps[:1]]
        evidence += [f"rule:negative:{k}:{p}" for k, ps in hits.negative_hits.items() for p in ps[:1]]
        if hits.opens_with_time:
            evidence.append("rule:opens-with-time")
        if self.model is None:
            return self._rules_only(hits, evidence)
        vec = self.model.vectorise(features(title, text))
        p_meeting = self.model.meeting_probability(vec)
        evidence += [f"feature:{f}" for f in self.model.top_features(vec)]
        decided = title_rule(title) or opening_rule(text)
        if decided is not None and decided.startswith("not:") and p_meeting < 0.97:
            # A schedule, a resolution text or a call for questions is never a report, however it reads.
            evidence.insert(0, f"rule:title:{decided}")
            return Classification(False, None, round(max(0.8, 1 - p_meeting), 4), evidence)
        if p_meeting < 0.5 and self._reported_by_rules(hits):
            # An opening that dates the meeting and names who chaired it is a report, whatever the model's
            # small corpus has seen of the topic.
            evidence.insert(0, "rule:reported:opening+chair+meeting-phrase")
            p_meeting = 0.6
        if p_meeting < 0.5:
            return Classification(False, None, round(1 - p_meeting, 4), evidence)
        probs = self.model.type_probabilities(vec)
        meeting_type = max(probs, key=probs.get)
        specific = [t for t in TYPE_PRIORITY[:-1] if t in hits.type_hits]
        if len(specific) > 1 and "review_conference" in specific and not title_says_review(title):
            # "Ban Chấp hành ... hội nghị ... tổng kết công tác năm": the body that meets names the type.
            specific.remove("review_conference")
        if len(specific) == 1 and specific[0] != meeting_type and probs[meeting_type] < 0.8:
            # One unambiguous type phrase in the headline or opening outweighs an unsure model.
            evidence.insert(0, f"rule:type-phrase:{specific[0]}")
            meeting_type = specific[0]
        if decided is not None and not decided.startswith("not:") and decided != meeting_type:
            evidence.insert(0, f"rule:title-type:{decided}")
            meeting_type = decided
        confidence = p_meeting * probs.get(meeting_type, 0.5) ** 0.5
        return Classification(True, meeting_type, round(min(1.0, confidence), 4), evidence)

    @staticmethod
    def _reported_by_rules(hits) -> bool:
        held = any(p in ("chủ trì", "đồng chủ trì", "chủ tọa", "chủ toạ", "đã khai mạc", "đã bế mạc",
                         "tổ chức hội nghị", "đã tổ chức", "đã tiếp xúc",
                         "đã làm việc", "đã có buổi làm việc", "làm trưởng đoàn", "làm việc với")
                   for p in hits.happened)
        return hits.opens_with_time and held and bool(hits.type_hits) and not hits.negative_hits

    @staticmethod
    def _rules_only(hits, evidence) -> Classification:
        reported = bool(hits.happened) and (hits.opens_with_time or len(hits.happened) >= 2)
        if hits.negative_hits and not (hits.opens_with_time and hits.happened):
            return Classification(False, None, 0.85, evidence)
        specific = [t for t in TYPE_PRIORITY[:-1] if t in hits.type_hits]
        if (specific or "other_official_meeting" in hits.type_hits) and reported:
            return Classification(True, specific[0] if specific else "other_official_meeting",
                                  0.9 if specific else 0.65, evidence)
        return Classification(False, None, 0.7 if not hits.type_hits else 0.55, evidence)
