"""Classification plus meeting facts for one article: what the process stage and the CLI share."""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass
from functools import lru_cache

from consumers.domain.classification import Classification, MeetingClassifier
from consumers.domain.facts import MeetingFacts, read_facts


@lru_cache(maxsize=1)
def default_classifier() -> MeetingClassifier:
    return MeetingClassifier()


@dataclass
class Analysis:
    classification: Classification
    facts: MeetingFacts

    def facts_json(self) -> dict:
        out = dataclasses.asdict(self.facts)
        if self.facts.meeting_date:
            out["meeting_date"] = self.facts.meeting_date.isoformat()
        return out


def analyse(title: str, text: str, published_at: dt.datetime | None, province: str = "",
            classifier: MeetingClassifier | None = None) -> Analysis:
    classification = (classifier or default_classifier()).classify(title, text)
    facts = read_facts(title, text, published_at) if classification.is_meeting_report else MeetingFacts()
    return Analysis(classification, facts)
