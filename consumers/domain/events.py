"""Which real meeting a report describes: one event id for every portal's report of it.

Decided from meeting type, date, scope (national or the province), ordinal, term and the presiding
officials, never from text similarity, because two portals describe one meeting in other words. A national
online conference reported from many provinces' "điểm cầu" is one event even when portals file it under
different types (one calls it a review conference, another just a conference).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re

from consumers.domain.text import fold

NATIONAL_TYPES = frozenset({"standing_secretariat_briefing"})
# Types a portal picks when it does not say more; they may describe the same meeting as a specific type.
GENERIC_TYPES = frozenset({"other_official_meeting", "review_conference"})
_NATIONAL_TEXT = re.compile(
    r"trực tuyến toàn quốc|toàn quốc theo hình thức trực tuyến|kết nối (?:trực tuyến )?(?:với )?\d+ điểm cầu|"
    r"điểm cầu (?:trung ương|chính|Chính phủ)|các điểm cầu (?:tỉnh|địa phương) trên cả nước|"
    r"với các tỉnh, thành phố trực thuộc Trung ương|63 tỉnh, thành phố",
    re.I,
)
# "chủ trì tại điểm cầu tỉnh Tuyên Quang": the province is one end of a meeting chaired elsewhere.
_PROVINCE_END = re.compile(r"(?:[Tt]ại|[Ởở]) điểm cầu (?:(?:tỉnh|thành phố|TP\.?)\s+)?[A-ZĐÀ-Ỹ]")


def is_national(meeting_type: str, title: str, text: str) -> bool:
    head = title + "\n" + text[:1200]
    return meeting_type in NATIONAL_TYPES or bool(_NATIONAL_TEXT.search(head) or _PROVINCE_END.search(head))


def event_scope(meeting_type: str, province: str, national: bool = False) -> str:
    return "national" if national or meeting_type in NATIONAL_TYPES else fold(province)


def base_event_id(meeting_type: str, meeting_date: dt.date, scope: str) -> str:
    # National meetings are keyed without their type, which portals file differently.
    key = f"{scope}|{meeting_date.isoformat()}" if scope == "national" else \
        f"{meeting_type}|{meeting_date.isoformat()}|{scope}"
    return hashlib.sha256(key.encode()).hexdigest()[:20]


def signature(*, scope: str, ordinal: int | None, term: str | None, presiding: list[str],
              meeting_type: str | None = None) -> dict:
    return {"scope": scope, "type": meeting_type, "ordinal": ordinal, "term": term,
            "presiding": sorted({fold(p) for p in presiding})}


def _types_compatible(a: str | None, b: str | None) -> bool:
    return a is None or b is None or a == b or a in GENERIC_TYPES or b in GENERIC_TYPES


def compatible(a: dict, b: dict) -> bool:
    """Two signatures can describe one meeting unless a stated fact disagrees."""
    if a.get("scope") != b.get("scope") or not _types_compatible(a.get("type"), b.get("type")):
        return False
    if a.get("ordinal") and b.get("ordinal") and a["ordinal"] != b["ordinal"]:
        return False
    if a.get("term") and b.get("term") and a["term"] != b["term"]:
        return False
    pa, pb = set(a.get("presiding") or ()), set(b.get("presiding") or ())
    return not (pa and pb and not pa & pb)


def choose_event(meeting_type: str, meeting_date: dt.date, sig: dict, existing: list[dict]) -> tuple[str, bool]:
    """(event id, is_new). `existing`: events within a day of `meeting_date`, with their signatures."""
    sig = {**sig, "type": sig.get("type") or meeting_type}
    base = base_event_id(meeting_type, meeting_date, sig["scope"])
    same_day = sorted((e for e in existing if e.get("meeting_date") in (None, meeting_date)),
                      key=lambda e: (not e["event_id"].startswith(base), e["event_id"]))
    for candidate in same_day:
        if compatible(candidate["signature"], sig):
            return candidate["event_id"], False
    # Neighbouring days only join on a strong match: same scope and a shared presiding official.
    for candidate in sorted(existing, key=lambda e: e["event_id"]):
        cs = candidate["signature"]
        if candidate not in same_day and compatible(cs, sig) and set(cs.get("presiding") or ()) & set(sig["presiding"]):
            return candidate["event_id"], False
    taken = {e["event_id"] for e in existing}
    if base not in taken:
        return base, True
    n = 2
    while f"{base}-{n}" in taken:
        n += 1
    return f"{base}-{n}", True
