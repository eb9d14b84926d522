"""Facts about a meeting read from a report: when, where, who, which ordinal and term."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from consumers.domain.dates import VN_TZ, resolve_short_date
from consumers.domain.provinces import load_provinces

_ORDINAL = re.compile(r"(?:lần thứ|kỳ họp thứ|phiên họp thứ|hội nghị thứ)\s+(\d{1,3}|[IVXLC]{1,8})\b", re.I)
_TERM = re.compile(r"\bkhó[aá]\s+([IVXLC]{1,8}|\d{1,2})\b", re.I)
_TENURE = re.compile(r"nhiệm kỳ\s+(\d{4})\s*[-–]\s*(\d{4})", re.I)
_ROMAN = {"I": 1, "V": 5, "X": 10, "L": 50, "C": 100}


def roman_to_int(value: str) -> int | None:
    if value.isdigit():
        return int(value)
    total, prev = 0, 0
    for ch in reversed(value.upper()):
        n = _ROMAN.get(ch)
        if n is None:
            return None
        total = total - n if n < prev else total + n
        prev = max(prev, n)
    return total


@dataclass
class MeetingFacts:
    meeting_date: dt.date | None = None
    ordinal: int | None = None
    term: str | None = None
    tenure: str | None = None
    provinces: list[str] = field(default_factory=list)
    presiding: list[dict] = field(default_factory=list)
    participants: list[dict] = field(default_factory=list)
    documents: list[dict] = field(default_factory=list)
    figures: list[dict] = field(default_factory=list)


def meeting_date(text: str, published_at: dt.datetime | None) -> dt.date | None:
    reference = published_at.astimezone(VN_TZ).date() if published_at else None
    found = resolve_short_date(text, reference)
    if found is None:
        return None
    if reference and found > reference + dt.timedelta(days=1):
        return None  # a future date is an announcement, not a meeting that happened
    return found


def read_facts(title: str, text: str, published_at: dt.datetime | None) -> MeetingFacts:
    head = text[:1500]
    facts = MeetingFacts(meeting_date=meeting_date(text, published_at))
    ordinal = _ORDINAL.search(title + "\n" + head)
    if ordinal:
        facts.ordinal = roman_to_int(ordinal.group(1))
    term = _TERM.search(title + "\n" + head)
    if term:
        facts.term = term.group(1).upper()
    tenure = _TENURE.search(title + "\n" + head)
    if tenure:
        facts.tenure = f"{tenure.group(1)}-{tenure.group(2)}"
    facts.provinces = load_provinces().mentioned(title + "\n" + head)
    return facts
