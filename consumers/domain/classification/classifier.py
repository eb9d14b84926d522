"""Meeting classifier: a trained linear model on segmented words, with a rule layer for phrases that
decide on their own. Every answer carries its evidence: the rules that fired and the top features.

The decision cannot contradict its evidence (see `decide`):

* `confidence` is the calibrated probability that the article is a meeting report, and
  `is_meeting_report` is true exactly when `confidence >= THRESHOLD` (0.5); a type is assigned exactly then.
* A negative rule that fires (a schedule / resolution-text / announcement headline, a future-tense opening, a
  schedule, interview, resolution or announcement phrase in the text) decides "not a report", unless a named
  stronger signal overrides it; the evidence then carries `override:negative:<kind>:by:<signal>`.
* The model's score is calibrated (Platt scaling on out-of-fold scores of the `train` split, see train.py);
  the confidence of a decision taken by a negative rule is the rate of meeting reports among the `train`
  articles that rule decided (Laplace-smoothed), measured the same way.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

from consumers.domain.classification.features import features
from consumers.domain.classification.model import LinearModel, load_model
from consumers.domain.classification.rules import (
    NOTICE_FIELDS, RuleHits, opening_rule, rule_hits, title_rule, title_says_review)

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

# is_meeting_report <=> confidence >= THRESHOLD, and a meeting type is assigned exactly then.
THRESHOLD = 0.5
# A headline or opening rule ("Lịch công tác ...", "... sẽ khai mạc ...") is overridden only by a model this
# sure (raw probability) of a report: the headline of a report can quote a schedule word.
HEADLINE_OVERRIDE_P = 0.97
# Headline negatives a reported opening (dated, chaired or held, a meeting named) outweighs: a headline that
# names an announcement's business ("lấy ý kiến", "tiếp nhận ý kiến") over the report of the meeting held for it.
OPENING_OVERRIDES_TITLE = frozenset(("announcement",))
# ... never under a notice's own headline ("Thông báo về việc tổ chức tiếp xúc cử tri …"): its opening describes the
# meeting to come in the words of a report.
NOTICE_HEADLINE = re.compile(r"^\s*(?:thông báo|giấy mời|kế hoạch|lịch)\b", re.I)
# Verbs of a dated opening that say the meeting was held and who chaired it. A chair "điều hành" (conducts) a
# questioning sitting; deputies "tiếp xúc cử tri" (meet voters) in a dated opening have met them (the future
# "sẽ tiếp xúc" is an opening rule's "not:schedule" first).
HELD_PHRASES = ("chủ trì", "đồng chủ trì", "chủ tọa", "chủ toạ", "điều hành phiên", "điều hành kỳ họp",
                "điều hành hội nghị", "điều hành cuộc họp", "đã khai mạc", "đã bế mạc", "tổ chức hội nghị",
                "đã tổ chức", "đã tiếp xúc", "tiếp xúc cử tri", "đã làm việc", "đã có buổi làm việc", "làm trưởng đoàn",
                "làm việc với")
# Used when the shipped model carries no calibration (an old model file): identity on the model's score, and
# the rates of the rules-only classifier.
DEFAULT_CALIBRATION = {"coef": [1.0], "intercept": 0.0, "negative_rate": 0.05}


@dataclass(frozen=True)
class Classification:
    is_meeting_report: bool
    meeting_type: str | None
    confidence: float  # calibrated probability that the article is a meeting report
    evidence: list[str] = field(default_factory=list)
    type_confidence: float | None = None  # the type model's probability of meeting_type (None: not a report)


_NO_MODEL = object()


def reported_opening(hits: RuleHits) -> bool:
    """An opening that dates the meeting, says who chaired it (or that it was held) and names a meeting."""
    return hits.opens_with_time and bool(hits.type_hits) and any(p in HELD_PHRASES for p in hits.happened)


# The inputs of the calibration: the model's logit and rule signals that the model does not see as such.
CALIBRATION_INPUTS = ("logit", "reported_opening")


def calibration_inputs(logit: float, hits: RuleHits) -> list[float]:
    return [logit, float(reported_opening(hits))]


def calibrated_probability(calibration: dict, inputs: list[float]) -> float:
    """Platt scaling of the model's logit, with rule signals as further inputs (weights fitted in train.py)."""
    z = calibration["intercept"] + sum(w * x for w, x in zip(calibration["coef"], inputs))
    return 1.0 / (1.0 + math.exp(-max(-50.0, min(50.0, z))))


def headline_decision(title: str, text: str) -> str | None:
    """What the headline or the opening decides alone: "not:<kind>", a meeting type, or None. A future-tense
    opening ("Sáng 15/12, Tổ đại biểu sẽ tiếp xúc cử tri ...") is not a report even under a headline that names
    a type ("... tiếp xúc cử tri ..."): the negative wins, the type only matters for a report."""
    by_title = title_rule(title)
    if by_title is not None and by_title.startswith("not:"):
        return by_title
    return opening_rule(text) or by_title


def has_notice_fields(hits: RuleHits) -> bool:
    """The text lists a notice's fields ("1. Thời gian: …", "2. Địa điểm: …", "3. Thành phần: …")."""
    return NOTICE_FIELDS in hits.negative_hits.get("announcement", ())


def negative_signals(decided: str | None, hits: RuleHits) -> tuple[str | None, list[str]]:
    """(headline/opening rule "not:<kind>" or None, the kinds of negative phrases in the text)."""
    headline = decided if decided is not None and decided.startswith("not:") else None
    return headline, list(hits.negative_hits)


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
        logit = self.model.meeting_logit(vec)
        evidence += [f"feature:{f}" for f in self.model.top_features(vec)]
        calibration = self.model.calibration or DEFAULT_CALIBRATION
        reported = reported_opening(hits)
        p_cal = calibrated_probability(calibration, calibration_inputs(logit, hits))
        decided = headline_decision(title, text)
        headline, body_negatives = negative_signals(decided, hits)
        is_meeting, confidence, decision_evidence = decide(
            p_raw=1.0 / (1.0 + math.exp(-logit)), p_cal=p_cal, reported=reported, headline_negative=headline,
            body_negatives=body_negatives, negative_rate=calibration["negative_rate"],
            names_a_meeting=hits.names_a_meeting, notice_headline=bool(NOTICE_HEADLINE.match(title)),
            notice_fields=has_notice_fields(hits))
        evidence = decision_evidence + evidence
        if not is_meeting:
            return Classification(False, None, _below(confidence), evidence)
        meeting_type, type_confidence, type_evidence = self._meeting_type(title, vec, hits, decided)
        return Classification(True, meeting_type, round(confidence, 4), type_evidence + evidence,
                              round(type_confidence, 4))

    def _meeting_type(self, title: str, vec, hits: RuleHits, decided: str | None):
        evidence = []
        probs = self.model.type_probabilities(vec)
        meeting_type = max(probs, key=probs.get)
        specific = [t for t in TYPE_PRIORITY[:-1] if t in hits.type_hits]
        if hits.voters_meeting_for_session:
            # The council session is the occasion of the voters' meeting reported (rule_hits dropped its phrase);
            # the model may still read the session's words.
            if meeting_type == "peoples_council_session":
                evidence.insert(0, "rule:voters-meeting-for-session")
                meeting_type = "other_official_meeting"
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
        return meeting_type, probs.get(meeting_type, 0.0), evidence

    @staticmethod
    def _rules_only(hits: RuleHits, evidence: list[str]) -> Classification:
        """Without a model: fixed confidences (probabilities of a report), agreeing with the decision."""
        held = bool(hits.opens_with_time and hits.happened)
        reported = bool(hits.happened) and (hits.opens_with_time or len(hits.happened) >= 2)
        if hits.negative_hits and not held:
            return Classification(False, None, 0.15, evidence)
        specific = [t for t in TYPE_PRIORITY[:-1] if t in hits.type_hits]
        if (specific or "other_official_meeting" in hits.type_hits) and reported:
            overrides = [f"override:negative:{k}:by:dated-opening+held" for k in hits.negative_hits]
            return Classification(True, specific[0] if specific else "other_official_meeting",
                                  0.9 if specific else 0.65, overrides + evidence)
        return Classification(False, None, 0.3 if not hits.type_hits else 0.45, evidence)


def decide(*, p_raw: float, p_cal: float, reported: bool, headline_negative: str | None,
           body_negatives: list[str], negative_rate: float, names_a_meeting: bool = True,
           notice_headline: bool = False, notice_fields: bool = False) -> tuple[bool, float, list[str]]:
    """(is_meeting_report, confidence = probability of a report, evidence entries of the decision).

    1. A headline or opening rule ("not:schedule", "not:resolution_text", ...) decides "not a report",
       unless the model is at least HEADLINE_OVERRIDE_P sure of a report, or (an announcement's headline only)
       the opening reports the meeting and the calibrated probability agrees.
    2. A negative phrase in the text (schedule, interview, resolution text, announcement) decides "not a report",
       unless the opening reports the meeting (dated, chaired or held, a meeting named) *and* the calibrated
       probability agrees.
    3. Otherwise the calibrated probability decides, against THRESHOLD.
    0. An article that names no meeting at all (rules.MEETING_WORDS) is not a report, whatever the model says; nor is
       one that lists a notice's fields under an opening that reports no meeting held (the date and chair in the
       fields are the event's to come; rules.rule_hits reads the opening before them).
    A negative rule's decision has the confidence `negative_rate`: the smoothed rate of reports among the train
    articles such rules decided, so always far below the threshold.
    """
    if not names_a_meeting:
        return False, min(negative_rate, p_cal), ["rule:no-meeting-named"]
    if notice_fields and not reported:
        return False, min(negative_rate, p_cal), ["rule:notice-fields"]
    evidence = []
    if headline_negative is not None:
        kind = headline_negative.removeprefix("not:")
        if kind in OPENING_OVERRIDES_TITLE and reported and p_cal >= THRESHOLD and not notice_headline:
            # "Phường … lấy ý kiến Nhân dân về …" over "Tối 6/11, UBND phường tổ chức hội nghị lấy ý kiến …; Chủ
            # tịch UBND phường chủ trì hội nghị": the opening reports the meeting the headline only names.
            evidence.append(f"override:negative:title:{kind}:by:reported-opening+model")
        elif p_raw < HEADLINE_OVERRIDE_P:
            return False, min(negative_rate, p_cal), [f"rule:title:{headline_negative}"]
        else:
            evidence.append(f"override:negative:title:{kind}:by:model>={HEADLINE_OVERRIDE_P}")
    if body_negatives:
        if not (reported and p_cal >= THRESHOLD):
            return False, min(negative_rate, p_cal), []
        evidence += [f"override:negative:{k}:by:reported-opening+model" for k in body_negatives]
    if reported:
        evidence.append("rule:reported:opening+chair+meeting-phrase")
    return p_cal >= THRESHOLD, p_cal, evidence


def _below(confidence: float) -> float:
    """Rounded, and never rounded up onto the threshold."""
    return min(round(confidence, 4), round(THRESHOLD - 1e-4, 4))
