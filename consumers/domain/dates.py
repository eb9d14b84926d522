"""Day-first Vietnamese dates: full date lines, ISO-ish CMS stamps and short "Sáng 17/1" forms."""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

VN_TZ = ZoneInfo("Asia/Ho_Chi_Minh")

def _time(separator: str) -> str:
    """A time of day, hours and minutes split by `separator`. "02:20 CH" / "9:05 SA": Vietnamese 12-hour clocks
    mark afternoon with CH (chiều), morning with SA (sáng); "16h20'", "08h30min": a minute mark may follow the
    minutes."""
    return (r"(?P<h>[01]?\d|2[0-3])\s*(?:" + separator + r"\s*(?P<mi>[0-5]\d)(?:['’]|min\b|\s*phút)?)"
            r"(?:\s*:\s*(?P<s>[0-5]\d))?"
            r"(?:\s*(?P<ap>SA|CH|AM|PM|sáng|chiều|tối)\b)?")


_TIME = _time("[:hg]")
_DATE = r"(?P<d>[0-3]?\d)\s*[/.\-]\s*(?P<m>[0-3]?\d)\s*[/.\-]\s*(?P<y>(?:19|20)\d\d)"
# "Thứ 6, 28/07/2023 | 18:13:12", "06/07/2023 22:37", "Thứ năm - 06/07/2023 22:37"
# A time in words after a numeric date is the stamp's too: "30/09/2025 - 17 giờ 45 phút".
_DATE_THEN_TIME = re.compile(_DATE + r"(?:\s*(?:[|,\-–]|lúc)?\s*" + _time("(?:[:hg]|giờ)") + r")?")

# "Cập nhật: 08/12/25 18:20": a two-digit year, read only with the time that makes the line a stamp ("12/9/25" alone
# may be a ratio or a document number).
_SHORT_YEAR_THEN_TIME = re.compile(r"(?<![\d/.\-])(?P<d>[0-3]?\d)\s*/\s*(?P<m>[01]?\d)\s*/\s*(?P<y>\d\d)(?![\d/])"
                                   r"\s*(?:[|,\-–]|lúc)?\s*" + _TIME)
# A weekday's name: "Thứ Sáu", "thứ 6", "Chủ nhật" (the extractor's day headings use it too).
WEEKDAY = r"(?i:thứ\s+(?:hai|ba|tư|năm|sáu|bảy|[2-7])|chủ\s+nhật)"
# "18:26, 28/07/2023", "Cập nhật: 14:05 ngày 12/09/2023", and with the weekday between the time and the date:
# "Cập nhật lúc 17:20, Thứ Sáu, 26/04/2024".
_TIME_THEN_DATE = re.compile(_TIME + r"\s*(?:,|\||-|–|ngày)?\s*(?:" + WEEKDAY + r"\s*(?:,|\||-|–)?\s*(?:ngày\s*)?)?"
                             + _DATE)
# "ngày 12 tháng 9 năm 2023", and Joomla's "10 Tháng 7 2024 16:12". A date in words keeps its time in words too:
# "5 tháng 12 năm 2024 - 17 giờ 20" (only there: "7 giờ 30 ngày 15/9" in an announcement's text is the time of
# the event it announces, not a stamp). PHP-Nuke puts an "@" before the time: "20 Tháng 12 2024 @ 16:35:12 ICT".
_WORDY = re.compile(r"(?:ngày\s+)?(?<!\d)(?P<d>[0-3]?\d)\s+tháng\s+(?P<m>[01]?\d)\s*,?\s+(?:năm\s+)?(?P<y>(?:19|20)\d\d)"
                    r"(?:\s*(?:,|lúc|-|@)?\s*" + _time("(?:[:hg]|giờ)") + r")?", re.I)
# WordPress in Vietnamese prints month names: "Tháng Tám 10, 2023", "10 Tháng Mười Hai, 2023 lúc 2:15 chiều".
_MONTH_NAMES = {
    "giêng": 1, "một": 1, "hai": 2, "ba": 3, "tư": 4, "bốn": 4, "năm": 5, "sáu": 6, "bảy": 7, "tám": 8,
    "chín": 9, "mười": 10, "mười một": 11, "mười hai": 12, "chạp": 12,
}
_MONTH = "(?P<mn>" + "|".join(
    n.replace(" ", r"\s+") for n in sorted(_MONTH_NAMES, key=len, reverse=True)
) + r"|[01]?\d)(?!\w)"
_CLOCK = r"(?:\s*(?:lúc|,|-|–)?\s*" + _TIME + r"(?:\s*(?P<ampm>sáng|trưa|chiều|tối|am|pm|SA|CH)\b)?)?"
# ...and Wix and Google's short form: "10 thg 1, 2025" (thg = tháng).
# eZ Publish and CMS Made Simple leave the comma out: "10 Tháng Mười Hai 2025, 16:40". Without it, "12 tháng năm
# 2025" could be prose ("trong 12 tháng năm 2025"): the month's name must then be capitalised or a time follow
# (_named_month checks).
_MONTH_NAMED = re.compile(
    r"(?:tháng\s+" + _MONTH + r"\s+(?P<d>[0-3]?\d)|(?<!\d)(?P<d2>[0-3]?\d)\s+(?:tháng|thg)\s+"
    + _MONTH.replace("mn", "mn2")
    + r")\s*(?P<comma>,)?\s*(?P<y>(?:19|20)\d\d)" + _CLOCK,
    re.I,
)
# ISO, NukeViet's "2023-07-06ICT22:37:00" and DokuWiki's year-first "2025/12/30 17:15"
_ISO = re.compile(
    r"(?P<y>(?:19|20)\d\d)[-/](?P<m>[01]\d)[-/](?P<d>[0-3]\d)(?:\s*(?:T|ICT|\s)\s*(?P<h>[0-2]\d):(?P<mi>[0-5]\d)"
    r"(?::(?P<s>[0-5]\d))?(?:\.\d+)?\s*(?P<tz>Z|[+-]\d\d:?\d\d)?)?"
)


# MediaWiki's signature time: "16:05, ngày 16 tháng 1 năm 2025" (a clock time, not "7 giờ 30" in words: that one
# stays an announced event's).
_CLOCK_THEN_WORDY = re.compile(_TIME + r"\s*,?\s*(?:ngày\s+)?(?<!\d)(?P<d>[0-3]?\d)\s+tháng\s+(?P<m>[01]?\d)\s*,?\s+"
                               r"(?:năm\s+)?(?P<y>(?:19|20)\d\d)", re.I)
# Every pattern of a full date, in the order the first match is chosen.
# (A time before a date first: a date's own match starts after the time, and matches within 12 characters of an
# earlier one are dropped.)
PATTERNS = (_ISO, _TIME_THEN_DATE, _CLOCK_THEN_WORDY, _DATE_THEN_TIME, _WORDY, _MONTH_NAMED, _SHORT_YEAR_THEN_TIME)


def _named_month(groups: dict[str, str | None]) -> dict[str, str | None] | None:
    """Turn a _MONTH_NAMED match into the numeric groups _build reads (None: prose, not a date)."""
    written = groups.get("mn") or groups.get("mn2") or ""
    if not groups.get("comma") and not groups.get("h") and not written[:1].isupper() and not written.isdigit():
        return None
    name = " ".join(written.lower().split())
    month = _MONTH_NAMES.get(name) or (int(name) if name.isdigit() else None)
    hour = groups.get("h")
    if hour and (groups.get("ampm") or "").lower() in ("chiều", "tối", "pm", "ch") and int(hour) < 12:
        hour = str(int(hour) + 12)
    elif hour and (groups.get("ampm") or "").lower() in ("sáng", "am", "sa") and int(hour) == 12:
        hour = "0"
    return {**groups, "m": str(month) if month else None, "d": groups.get("d") or groups.get("d2"), "h": hour}


def _hour(groups: dict[str, str | None]) -> int:
    hour = int(groups.get("h") or 0)
    if (groups.get("ap") or "").lower() in ("ch", "pm", "chiều", "tối") and hour < 12:
        hour += 12
    elif (groups.get("ap") or "").lower() in ("sa", "am") and hour == 12:
        hour = 0
    return hour


def _build(groups: dict[str, str | None], tz: dt.tzinfo = VN_TZ) -> dt.datetime | None:
    if "mn" in groups:
        groups = _named_month(groups)
        if groups is None:
            return None
    try:
        year, month, day = int(groups["y"]), int(groups["m"]), int(groups["d"])
        if month > 12 >= day and "mn" not in groups:
            month, day = day, month  # "8/28/2025": month first (Weebly), the only reading that is a date
        value = dt.datetime(
            year + 2000 if year < 100 else year, month, day,
            _hour(groups), int(groups.get("mi") or 0), int(groups.get("s") or 0),
        )
    except (TypeError, ValueError):
        return None
    tzs = groups.get("tz")
    if tzs:
        if tzs == "Z":
            return value.replace(tzinfo=dt.timezone.utc).astimezone(VN_TZ)
        sign = 1 if tzs[0] == "+" else -1
        digits = tzs[1:].replace(":", "")
        offset = dt.timedelta(hours=int(digits[:2]), minutes=int(digits[2:]))
        return value.replace(tzinfo=dt.timezone(sign * offset)).astimezone(VN_TZ)
    return value.replace(tzinfo=tz)


def parse_datetime(text: str) -> dt.datetime | None:
    """The first full date (with time if given) in `text`, in Asia/Ho_Chi_Minh."""
    best: tuple[int, dt.datetime] | None = None
    for pattern in PATTERNS:
        for match in pattern.finditer(text):
            value = _build(match.groupdict())
            if value is not None:
                if best is None or match.start() < best[0]:
                    best = (match.start(), value)
                break
    return best[1] if best else None


def find_datetimes(text: str) -> list[tuple[int, dt.datetime]]:
    """Every full date in `text` with its offset, in order."""
    found: dict[int, dt.datetime] = {}
    for pattern in PATTERNS:
        for match in pattern.finditer(text):
            value = _build(match.groupdict())
            if value is not None and not any(abs(match.start() - k) < 12 for k in found):
                found[match.start()] = value
    return sorted(found.items())


# "Sáng 17/1", "Ngày 28/7", "Chiều 6/7", "Sáng nay (12/9)", "Trong 2 ngày 8 và 9/12", "ngày 28/7/2023"
_SHORT = re.compile(
    r"\b(?P<part>sáng|chiều|trưa|tối|đêm|ngày|hôm nay|hôm qua|sáng nay|chiều nay|tối nay|tối qua|"
    r"trong (?:hai|2|ba|3) ngày)"
    r"\s*(?:nay\s*|qua\s*)?(?:(?:thứ\s+\w+|chủ nhật)\s*)?(?:\(\s*)?(?:(?:thứ\s+\w+|chủ nhật)\s*,?\s*)?(?:ngày\s*)?"
    r"(?:(?P<d0>[0-3]?\d)\s*(?:và|,|-|–|đến)\s*)?"
    # "17/1" and the dash form "7-3" used by some newspapers; ranges ("14 - 15/12") are read elsewhere.
    r"(?P<d>[0-3]?\d)(?:\s*/\s*|-)(?P<m>[01]?\d)(?:(?:\s*/\s*|-)(?P<y>(?:19|20)\d\d))?(?!\d|\s*/\s*\d)",
    re.I,
)


def resolve_short_date(text: str, reference: dt.date | None) -> dt.date | None:
    """The meeting date from an opening like "Sáng 17/1": the year comes from `reference`
    (the publish date), rolled back when the day/month lies after it (a 30/12 meeting
    reported on 2 January). Dates of cited documents ("Nghị quyết số 29-NQ/TW ngày 4/11/2013")
    and dates more than a year before publication are not meeting dates."""
    for match in _SHORT.finditer(text[:600]):
        if DOCUMENT_BEFORE.search(text[max(0, match.start() - 60):match.start() + 6]):
            continue
        found = _date_of(match, reference)
        if found is None:
            continue
        if reference is not None and found < reference - dt.timedelta(days=366):
            continue
        return found
    return None


# "... số 29-NQ/TW ngày", "Chỉ thị 35 ngày", "Kết luận số 21 ngày": a document's date, not an event's.
DOCUMENT_BEFORE = re.compile(r"(?:\d+-[A-ZĐ]+/[A-ZĐ]+|số\s+\d+\S*|(?:Nghị quyết|Chỉ thị|Kết luận|Quyết định|Luật)"
                             r"\s+\d+\S*)\s*(?:,\s*)?ngày", re.I)


def resolve_day_month(day: int, month: int, year: str | int | None, reference: dt.date | None) -> dt.date | None:
    """A day/month, with the year as written or from `reference` (the publish date), rolled back a year
    when the date lies more than a week after it (a 30/12 meeting reported on 2 January)."""
    if year:
        y = int(year)
    elif reference is not None:
        y = reference.year
        try:
            if dt.date(y, month, day) > reference + dt.timedelta(days=7):
                y -= 1
        except ValueError:
            return None
    else:
        return None
    try:
        return dt.date(y, month, day)
    except ValueError:
        return None


def _date_of(match: re.Match, reference: dt.date | None) -> dt.date | None:
    return resolve_day_month(int(match.group("d0") or match.group("d")), int(match.group("m")), match.group("y"),
                             reference)
