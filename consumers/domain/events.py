"""Which real meeting a report describes: one event id for every portal's report of it.

Decided from meeting type, date, scope (national or the province), ordinal and the presiding
officials, never from text similarity, because two portals describe one meeting in other words.
"""

from __future__ import annotations

import datetime as dt
import hashlib

from consumers.domain.text import fold

# Meetings held once for the whole country: every province's report is the same event.
NATIONAL_TYPES = frozenset({"standing_secretariat_briefing"})


def event_scope(meeting_type: str, province: str) -> str:
    return "national" if meeting_type in NATIONAL_TYPES else fold(province)


def base_event_id(meeting_type: str, meeting_date: dt.date, scope: str) -> str:
    return hashlib.sha256(f"{meeting_type}|{meeting_date.isoformat()}|{scope}".encode()).hexdigest()[:20]


def signature(*, scope: str, ordinal: int | None, term: str | None, presiding: list[str]) -> dict:
    return {"scope": scope, "ordinal": ordinal, "term": term, "presiding": sorted({fold(p) for p in presiding})}


def compatible(a: dict, b: dict) -> bool:
    """Two signatures can describe one meeting unless a stated fact disagrees."""
    if a.get("scope") != b.get("scope"):
        return False
    if a.get("ordinal") and b.get("ordinal") and a["ordinal"] != b["ordinal"]:
        return False
    if a.get("term") and b.get("term") and a["term"] != b["term"]:
        return False
    pa, pb = set(a.get("presiding") or ()), set(b.get("presiding") or ())
    return not (pa and pb and not pa & pb)


def choose_event(meeting_type: str, meeting_date: dt.date, sig: dict, existing: list[dict]) -> tuple[str, bool]:
    """(event id, is_new). `existing`: events of this type within a day, with their signatures."""
    base = base_event_id(meeting_type, meeting_date, sig["scope"])
    same_day = [e for e in existing if e["event_id"].startswith(base)]
    for candidate in sorted(same_day, key=lambda e: e["event_id"]):
        if compatible(candidate["signature"], sig):
            return candidate["event_id"], False
    # Neighbouring days only join on a strong match: same presiding officials and scope.
    for candidate in existing:
        cs = candidate["signature"]
        if candidate not in same_day and cs.get("presiding") and sig["presiding"] and compatible(cs, sig) \
                and set(cs["presiding"]) & set(sig["presiding"]):
            return candidate["event_id"], False
    if not same_day:
        return base, True
    return f"{base}-{len(same_day) + 1}", True
