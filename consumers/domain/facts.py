"""Facts about a meeting read from a report: when, where, who, which ordinal and term."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from consumers.domain import documents, officials
from consumers.domain.dates import VN_TZ, resolve_day_month, resolve_short_date
from consumers.domain.provinces import load_provinces
from consumers.domain.text import nfc

_NUMBER_WORDS = {"nhất": 1, "hai": 2, "ba": 3, "tư": 4, "bốn": 4, "năm": 5, "sáu": 6, "bảy": 7, "tám": 8,
                 "chín": 9, "mười": 10}
_ORDINAL = re.compile(r"(?:lần thứ|kỳ họp thứ|phiên họp thứ|hội nghị thứ)\s+(\d{1,3}|[IVXLC]{1,8}\b|"
                      r"mười\s+(?:một|hai|ba|bốn|tư|lăm|năm|sáu|bảy|tám|chín)|hai mươi(?:\s+\w+)?|"
                      r"nhất|hai|ba|tư|bốn|năm|sáu|bảy|tám|chín|mười)", re.I)


def ordinal_value(raw: str) -> int | None:
    """"15", "XV", "mười", "mười một", "hai mươi mốt" -> int."""
    raw = raw.strip().lower()
    if raw.isdigit() or re.fullmatch(r"[ivxlc]+", raw):
        return roman_to_int(raw)
    units = {**_NUMBER_WORDS, "một": 1, "mốt": 1, "lăm": 5, "tư": 4}
    words = raw.split()
    if words[0] == "mười":
        return 10 + (units.get(words[1], 0) if len(words) > 1 else 0)
    if len(words) >= 2 and words[1] == "mươi":
        return units.get(words[0], 0) * 10 + (units.get(words[2], 0) if len(words) > 2 else 0)
    return _NUMBER_WORDS.get(words[0])
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


_RANGE = re.compile(r"(?:từ\s+(?:ngày\s+)?)?(?<![/\d])\b(?P<d0>[0-3]?\d)\s*(?:-|–|đến|và)\s*(?:ngày\s+)?[0-3]?\d\s*/\s*(?P<m>[01]?\d)"
                    r"(?:\s*/\s*(?P<y>(?:19|20)\d\d))?(?!\d)")
_OPENED = re.compile(r"khai mạc\s+(?:từ\s+)?(?:ngày\s+)?(?P<d>[0-3]?\d)\s*/\s*(?P<m>[01]?\d)(?:\s*/\s*(?P<y>(?:19|20)\d\d))?",
                     re.I)
_AFTER_DAYS = re.compile(r"sau\s+(?P<n>\d|hai|ba|bốn|năm)\s+ngày\s+làm việc", re.I)
_MEETING_WORD = re.compile(r"hội nghị|kỳ họp|phiên họp|giao ban|buổi làm việc|cuộc họp|tiếp xúc cử tri|"
                           r"diễn ra|khai mạc|bế mạc", re.I)
_WORD_NUMBERS = {"hai": 2, "ba": 3, "bốn": 4, "năm": 5}


def meeting_date(text: str, published_at: dt.datetime | None) -> dt.date | None:
    """The first day of the meeting: a stated range ("từ 11 đến 13/12", "14 - 15/12") or opening day
    ("khai mạc từ ngày 12/7") wins over the day an article opens with, which for a closing session
    ("Sau 3 ngày làm việc, chiều 14/7, kỳ họp bế mạc") is the last day."""
    reference = published_at.astimezone(VN_TZ).date() if published_at else None
    head = text[:700]
    for pattern in (_RANGE, _OPENED):
        m = pattern.search(head)
        if m:
            found = resolve_day_month(int(m.groupdict().get("d0") or m.group("d")), int(m.group("m")),
                                      m.group("y"), reference)
            if found:
                return found
    found = resolve_short_date(text, reference)
    if found is None:
        # Feature-style reports set the scene first; the date sits in the sentence about the meeting.
        for sentence in re.split(r"(?<=[.!?])\s+", text[:3000]):
            if _MEETING_WORD.search(sentence):
                found = resolve_short_date(sentence, reference)
                if found:
                    break
    if found is None:
        return None
    after = _AFTER_DAYS.search(head)
    if after:
        n = after.group("n")
        days = int(n) if n.isdigit() else _WORD_NUMBERS[n.lower()]
        found -= dt.timedelta(days=days - 1)
    if reference and found > reference + dt.timedelta(days=1):
        return None  # a future date is an announcement, not a meeting that happened
    return found


def read_facts(title: str, text: str, published_at: dt.datetime | None) -> MeetingFacts:
    text, title = nfc(text), nfc(title)
    head = text[:1500]
    facts = MeetingFacts(meeting_date=meeting_date(text, published_at))
    ordinal = _ORDINAL.search(title + "\n" + head)
    if ordinal:
        facts.ordinal = ordinal_value(ordinal.group(1))
    term = _TERM.search(title + "\n" + head)
    if term:
        facts.term = term.group(1).upper()
    tenure = _TENURE.search(title + "\n" + head)
    if tenure:
        facts.tenure = f"{tenure.group(1)}-{tenure.group(2)}"
    facts.provinces = load_provinces().mentioned(title + "\n" + head)
    facts.presiding = officials.presiding(text)
    facts.participants = officials.participants(text, {p["name"] for p in facts.presiding})
    facts.documents = documents.documents(text)
    facts.figures = documents.figures(text)
    return facts
