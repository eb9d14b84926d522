"""Unambiguous phrases: the rule layer of the meeting classifier.

Phrases are written in ordinary Vietnamese and matched on the folded form (see text.fold), so
composed/decomposed input and old/new tone placement match alike.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from consumers.domain.dates import DOCUMENT_BEFORE
from consumers.domain.text import fold

# (meeting type, phrases that name it; all words of one alternative must appear within a short span)
TYPE_PHRASES: list[tuple[str, tuple[str, ...]]] = [
    ("standing_secretariat_briefing", (
        "thường trực ban bí thư giao ban", "giao ban trực tuyến với các đồng chí bí thư tỉnh ủy",
        "giao ban công tác với các đồng chí bí thư tỉnh ủy", "giao ban với bí thư các tỉnh ủy",
        "thường trực ban bí thư chủ trì hội nghị giao ban", "bộ chính trị ban bí thư giao ban",
        "hội nghị giao ban trực tuyến", "giao ban trực tuyến công tác", "thường trực ban bí thư",
    )),
    ("peoples_council_session", (
        "kỳ họp thứ", "kỳ họp chuyên đề", "kỳ họp thường lệ", "kỳ họp bất thường", "phiên chất vấn và trả lời chất vấn",
        "chất vấn tại kỳ họp", "hđnd tỉnh khóa",
        "khai mạc kỳ họp", "bế mạc kỳ họp", "phiên bế mạc", "phiên khai mạc", "phiên chất vấn",
    )),
    ("peoples_committee_meeting", (
        "phiên họp thường kỳ", "phiên họp ubnd", "phiên họp ủy ban nhân dân", "ubnd tỉnh họp",
        "phiên họp chuyên đề", "họp thường kỳ tháng", "phiên họp thành viên ubnd", "ubnd tỉnh * họp",
        "ubnd huyện * tổ chức phiên họp", "ubnd tỉnh * tổ chức phiên họp",
    )),
    ("provincial_party_executive_conference", (
        "hội nghị ban chấp hành đảng bộ tỉnh", "ban chấp hành đảng bộ tỉnh tổ chức hội nghị",
        "hội nghị tỉnh ủy lần thứ", "ban chấp hành đảng bộ tỉnh khóa", "hội nghị ban chấp hành đảng bộ tỉnh lần thứ",
        "ban chấp hành đảng bộ tỉnh thảo luận", "ban chấp hành đảng bộ tỉnh * khóa",
        "ban chấp hành đảng bộ tỉnh * tổ chức hội nghị", "hội nghị ban chấp hành đảng bộ tỉnh * lần thứ",
        "hội nghị tỉnh ủy",
    )),
    ("provincial_party_standing_committee", (
        "ban thường vụ tỉnh ủy họp", "hội nghị ban thường vụ tỉnh ủy", "thường trực tỉnh ủy làm việc",
        "thường trực tỉnh ủy họp", "ban thường vụ tỉnh ủy tổ chức hội nghị", "ban thường vụ tỉnh ủy làm việc",
        "phiên họp ban thường vụ tỉnh ủy", "cuộc họp ban thường vụ tỉnh ủy", "thường trực tỉnh ủy giao ban",
        "ban thường vụ tỉnh ủy * họp", "thường trực tỉnh ủy * làm việc", "ban thường vụ tỉnh ủy * làm việc",
    )),
    ("district_party_conference", (
        "hội nghị ban chấp hành đảng bộ huyện", "ban chấp hành đảng bộ huyện", "ban chấp hành đảng bộ thị xã",
        "ban chấp hành đảng bộ thành phố", "huyện ủy tổ chức hội nghị", "thị ủy tổ chức hội nghị",
        "hội nghị huyện ủy", "hội nghị thị ủy", "hội nghị thành ủy lần thứ", "huyện ủy * tổ chức hội nghị",
        "ban chấp hành đảng bộ huyện * khóa", "ban chấp hành đảng bộ thị xã * khóa",
        # Since 1 July 2025 the communes, wards and special zones are the level below the province.
        "đại hội đại biểu đảng bộ xã", "đại hội đại biểu đảng bộ phường", "đại hội đại biểu đảng bộ đặc khu",
        "đại hội đảng bộ xã", "đại hội đảng bộ phường", "đại hội đảng bộ đặc khu",
    )),
    ("review_conference", (
        "hội nghị sơ kết", "hội nghị tổng kết", "tổ chức sơ kết", "tổ chức tổng kết", "tổng kết công tác năm",
        "sơ kết 6 tháng", "tổng kết 10 năm", "tổng kết 5 năm", "sơ kết giữa nhiệm kỳ", "tổng kết công tác",
        "sơ kết công tác", "tổng kết năm", "sơ kết 3 năm", "tổng kết phong trào", "tổng kết chương trình",
    )),
    ("other_official_meeting", (
        "tiếp xúc cử tri", "hội nghị trực tuyến", "làm việc với", "đoàn công tác", "hội nghị giao ban",
        "đoàn giám sát", "buổi tiếp xúc", "đối thoại với",
        "hội nghị", "buổi làm việc", "cuộc họp", "phiên họp", "họp báo",
    )),
]

# Phrases that mark an article as not a report of a meeting that took place.
NEGATIVE_PHRASES: dict[str, tuple[str, ...]] = {
    "schedule": ("lịch công tác", "lịch làm việc", "sẽ diễn ra", "sẽ tổ chức", "dự kiến tổ chức", "dự kiến diễn ra",
                 "giấy mời", "trân trọng kính mời", "sẽ khai mạc", "dự kiến khai mạc"),
    "resolution_text": ("quyết nghị", "điều 1", "căn cứ luật tổ chức chính quyền địa phương", "nơi nhận"),
    # An interview addresses its interviewee ("…, thưa ông?", "Xin cảm ơn bà!") or says it is one ("trả lời phỏng
    # vấn"), as the extractor's page kinds read it too.
    "interview": ("phóng viên:", "pv:", "xin trân trọng cảm ơn đồng chí", "xin cảm ơn đồng chí", "xin cảm ơn ông",
                  "xin cảm ơn bà", "thưa ông", "thưa bà", "trả lời phỏng vấn"),
    "announcement": ("gửi câu hỏi chất vấn", "thông báo tuyển dụng", "hoãn tổ chức", "mời cử tri gửi",
                     "tiếp nhận ý kiến", "thông báo về việc"),
}

# Verbs that describe a meeting as having happened, near the start of a report.
HAPPENED_PHRASES = ("chủ trì", "đồng chủ trì", "chủ tọa", "chủ toạ", "điều hành phiên", "điều hành kỳ họp",
                    "điều hành hội nghị", "điều hành cuộc họp", "đã khai mạc", "đã bế mạc", "khai mạc", "bế mạc",
                    "đã tổ chức",
                    "tổ chức hội nghị",
                    "diễn ra", "phát biểu kết luận", "kết luận hội nghị", "dự hội nghị", "tham dự", "thảo luận",
                    "biểu quyết thông qua", "họp", "làm việc", "đã tiếp xúc", "tiếp xúc cử tri", "đã làm việc",
                    "đã có buổi làm việc", "làm trưởng đoàn", "làm việc với")
# A day/month in the first sentences ("Hôm qua (17/10)", "diễn ra chiều 9/8") dates the meeting too, but not the
# date of a document the opening cites ("Thực hiện Kế hoạch số 42/KH-UBND ngày 10/3/2023, ...").
_DATED_OPENING = re.compile(r"\b(sáng|chiều|trưa|tối|ngày|hôm qua|hôm nay)\s*(nay|qua)?\s*(thứ \w+\s*)?\(?\s*"
                            r"[0-3]?\d\s*[/-]\s*[01]?\d\b", re.I)
_OPENING = re.compile(r"^(sáng|chiều|trưa|tối|ngày|hôm nay|trong (hai|2|ba|3) ngày|sáng nay|chiều nay|tiếp tục)\b",
                      re.I)


def _fold_phrases(phrases):
    return tuple((p, " " + fold(p) + " ") for p in phrases)


def _type_matcher(phrase: str):
    """A phrase matches as a substring of the folded text; "*" stands for up to three words (a province
    or district name: "ban chấp hành đảng bộ tỉnh * khóa" matches "... tỉnh Bắc Ninh khóa XX")."""
    if "*" not in phrase:
        needle = " " + fold(phrase) + " "
        return lambda text: needle in text
    parts = [re.escape(fold(part)) for part in phrase.split("*")]
    pattern = re.compile(" " + r"(?: \S+){0,3} ".join(p.strip() for p in parts) + " ")
    return lambda text: bool(pattern.search(text))


_TYPE_FOLDED = [(t, tuple((p, _type_matcher(p)) for p in ps)) for t, ps in TYPE_PHRASES]
_SESSION_PHRASES = dict(_TYPE_FOLDED)["peoples_council_session"]
_NEG_FOLDED = {k: _fold_phrases(v) for k, v in NEGATIVE_PHRASES.items()}
_HAPPENED_FOLDED = _fold_phrases(HAPPENED_PHRASES)


# The cities run by the central government are provinces: their party committee's conference is provincial.
_CENTRAL_CITIES = ("hà nội", "hồ chí minh", "hải phòng", "đà nẵng", "cần thơ", "huế")
_CITY_COMMITTEE = "ban chấp hành đảng bộ thành phố"
_CENTRAL_CITY_PHRASE = _CITY_COMMITTEE + " trực thuộc trung ương"
_CENTRAL_CITY_EXECUTIVE = re.compile(
    " " + fold(_CITY_COMMITTEE) + " (?:" + "|".join(re.escape(fold(c)) for c in _CENTRAL_CITIES) + ") ")
# A member's title names the committee without it meeting: "…, Ủy viên Ban Chấp hành Đảng bộ thành phố Hà Nội".
_MEMBER_OF = re.compile(" " + fold("ủy viên") + " $")


def _preceded_by(words: re.Pattern, head: str, match: re.Match, reach: int) -> bool:
    """`words` end right before `match` (whose text opens with a space), within `reach` characters."""
    return bool(words.search(head, max(0, match.start() - reach), match.start() + 1))


def _central_city_executive_meets(head: str) -> bool:
    return any(not _preceded_by(_MEMBER_OF, head, m, 12) for m in _CENTRAL_CITY_EXECUTIVE.finditer(head))


# Deputies meet voters before or after a council session ("Tổ đại biểu HĐND tỉnh ... tiếp xúc cử tri các xã ...
# trước Kỳ họp thứ 30"): the session named is the occasion of the voters' meeting, not the meeting reported.
_VOTERS_MEETING_FOR_SESSION = re.compile(
    " " + fold("tiếp xúc cử tri") + r"(?: \S+){0,15}? (?:"
    + "|".join(fold(w) for w in ("trước", "sau", "chuẩn bị cho", "chuẩn bị")) + ") " + fold("kỳ họp") + " ")


_RECOUNTED = re.compile(" (?:" + "|".join(re.escape(fold(w)) for w in ("qua", "kết quả", "sau", "thông qua"))
                        + ") $")


# Words a report of any meeting uses somewhere: the meeting's name ("hội nghị", "kỳ họp", "đại hội"), its kind of
# gathering ("làm việc với", "tiếp xúc cử tri", "đối thoại") or its moments ("khai mạc", "chất vấn", "chủ trì"). An
# article that uses none reports no meeting, however its opening reads ("Ngày 9/10, Sở … công nhận 3 trường …").
MEETING_WORDS = ("hội nghị", "họp", "giao ban", "đại hội", "làm việc", "tiếp xúc", "đối thoại", "sơ kết", "tổng kết",
                 "khai mạc", "bế mạc", "chất vấn", "giám sát", "hội thảo", "tọa đàm", "toạ đàm", "chủ trì", "chủ tọa",
                 "chủ toạ", "thảo luận", "biểu quyết", "thông qua", "kết luận", "đoàn công tác", "phiên",
                 "cho ý kiến", "điều hành", "đoàn kiểm tra", "kiểm tra", "tiếp công dân", "nghe báo cáo")
_MEETING_WORD = re.compile(r"(?<!\w)(?:" + "|".join(re.escape(fold(w)) for w in MEETING_WORDS) + r")(?!\w)")


@dataclass(frozen=True)
class RuleHits:
    type_hits: dict[str, list[str]]
    negative_hits: dict[str, list[str]]
    happened: list[str]
    opens_with_time: bool
    voters_meeting_for_session: bool = False
    names_a_meeting: bool = True


# "… khai mạc kỳ họp thứ mười lăm …, dự kiến diễn ra trong hai ngày": an opened meeting's expected length, not a
# meeting to come ("dự kiến diễn ra trong tháng 12" still is one). Matched raw in the opening and folded in the head.
_LENGTH_COUNTS = ("một", "hai", "ba", "bốn", "năm", "sáu", "bảy", "nửa")
_LENGTH_UNITS = ("ngày", "buổi", "tuần")
_EXPECTED_LENGTH_RAW = re.compile(r"\bdự kiến diễn ra trong\s+(?:\d+(?:[.,]\d+)?|" + "|".join(_LENGTH_COUNTS)
                                  + r")\s+(?:" + "|".join(_LENGTH_UNITS) + r")\b", re.I)
_EXPECTED_LENGTH = re.compile(" " + fold("dự kiến diễn ra trong") + r" (?:\d+(?: \d+)?|"
                              + "|".join(map(fold, _LENGTH_COUNTS)) + ") (?:" + "|".join(map(fold, _LENGTH_UNITS))
                              + ") ")
_SECRETARIAT = fold("ban bí thư")


def rule_hits(title: str, text: str) -> RuleHits:
    head = " " + fold(title + " " + text[:700]) + " "
    body = " " + fold(text[:2000]) + " "
    type_hits = {}
    for mtype, phrases in _TYPE_FOLDED:
        hits = [orig for orig, matches in phrases if matches(head)]
        if hits:
            type_hits[mtype] = hits
    if _central_city_executive_meets(head):
        # A centrally-run city's party committee is provincial: "Ban Chấp hành Đảng bộ thành phố Cần Thơ". Only
        # the city-committee phrase of a district match goes; a district named otherwise stays.
        district = [p for p in type_hits.get("district_party_conference", []) if p != _CITY_COMMITTEE]
        if district:
            type_hits["district_party_conference"] = district
        else:
            type_hits.pop("district_party_conference", None)
        type_hits.setdefault("provincial_party_executive_conference", []).append(_CENTRAL_CITY_PHRASE)
    if "standing_secretariat_briefing" in type_hits and _SECRETARIAT not in head:
        # "Hội nghị giao ban trực tuyến" of a council's standing body with its communes: no Secretariat, no
        # Secretariat briefing.
        del type_hits["standing_secretariat_briefing"]
    voters_meeting = _voters_meeting_for_session(title, head)
    if voters_meeting:
        # The council session is the occasion of the voters' meeting reported, not its type.
        type_hits.pop("peoples_council_session", None)
    negative_hits = {}
    schedule_head = _EXPECTED_LENGTH.sub("  ", head)
    for kind, phrases in _NEG_FOLDED.items():
        hits = [orig for orig, p in phrases if p in (schedule_head if kind == "schedule" else body)]
        if hits:
            negative_hits[kind] = hits
    fields = list(_NOTICE_FIELD.finditer(text[:2000]))
    if len({m.group(1).lower() for m in fields}) >= 2:
        negative_hits.setdefault("announcement", []).append(NOTICE_FIELDS)
        # The fields' own date and chair ("1. Thời gian: … ngày 19/3/2024", "3. Thành phần: Chủ tịch UBND huyện chủ
        # trì") are the event's to come: only what comes before them can report a meeting held.
        before_fields = text[:fields[0].start()]
        head = " " + fold(title + " " + before_fields[:700]) + " "
    else:
        before_fields = text
    happened = [orig for orig, p in _HAPPENED_FOLDED if p in head]
    first = before_fields.lstrip()[:40]
    opening = before_fields.lstrip()[:350]
    dated = bool(_OPENING.match(first)) or any(
        not DOCUMENT_BEFORE.search(opening[max(0, m.start() - 60):m.start() + 6])
        for m in _DATED_OPENING.finditer(opening))
    names_a_meeting = bool(type_hits) or bool(_MEETING_WORD.search(head)) or bool(_MEETING_WORD.search(fold(text)))
    return RuleHits(type_hits, negative_hits, happened, dated, voters_meeting, names_a_meeting)


def _voters_meeting_for_session(title: str, head: str) -> bool:
    """The opening reports deputies meeting voters before or after a session, and the headline does not name the
    session itself. A session's report may recount "ý kiến cử tri qua tiếp xúc cử tri trước kỳ họp": voters'
    meetings named as a source ("qua", "kết quả", "sau") report none."""
    if not any(not _preceded_by(_RECOUNTED, head, m, 16) for m in _VOTERS_MEETING_FOR_SESSION.finditer(head)):
        return False
    folded_title = " " + fold(title) + " "
    return not any(matches(folded_title) for _, matches in _SESSION_PHRASES)


# The fields of a notice, plan or invitation for an event still to come ("1. Thời gian: 8 giờ 00, ngày 12/10",
# "2. Địa điểm: Hội trường ...", "3. Thành phần: ..."): a report tells what happened, it does not list these.
# Two different fields are needed; one ("Địa điểm: ...") can close a report.
NOTICE_FIELDS = "thời gian/địa điểm/thành phần:"
_NOTICE_FIELD = re.compile(r"(?:^|\n|[.;]\s)\s*(?:[0-9IVX]+\s*[.)]\s*|-\s*)?(Thời gian|Địa điểm|Thành phần)"
                           r"(?:\s*,\s*(?:địa điểm|thành phần))?\s*:", re.I)


# Headlines that decide on their own. "not:<kind>" marks an article that is not a meeting report.
TITLE_RULES: list[tuple[str, tuple[str, ...]]] = [
    ("not:schedule", ("lịch công tác", "lịch làm việc", "lịch tiếp công dân", "giấy mời", "sẽ diễn ra",
                      "sắp diễn ra", "chuẩn bị tổ chức", "dự kiến tổ chức", "công bố lịch", "sáng mai", "chiều mai",
                      "ngày mai", "tuần tới", "sắp khai mạc", "sẽ khai mạc", "sẽ tổ chức", "chương trình kỳ họp",
                      "dự kiến chương trình", "^lịch", "^chương trình công tác", "thông báo lịch")),
    ("not:resolution_text", ("^nghị quyết số", "^quyết định số", "^kế hoạch", "^thông báo kết luận",
                             "^chỉ thị số", "^toàn văn", "^thông báo số", "^kết luận của", "^quy chế",
                             "^nghị quyết về", "^nghị quyết của")),
    # A notice's headline outranks the meeting it announces: "Thông báo về việc tổ chức tiếp xúc cử tri …".
    ("not:announcement", ("thông báo về việc", "^thông báo tổ chức", "^thông báo triệu tập", "^triệu tập")),
    ("other_official_meeting", ("đoàn công tác", "thủ tướng", "bộ trưởng", "tiếp xúc cử tri", "đoàn đại biểu quốc hội",
                                "đoàn kiểm tra", "đoàn giám sát",
                                # The council's standing body meets between sessions; its meeting is no session.
                                "thường trực hđnd tỉnh họp", "thường trực hđnd huyện họp", "thường trực hđnd thành phố họp",
                                "thường trực hđnd xã họp", "thường trực hđnd phường họp", "phiên họp thường trực hđnd",
                                "phiên họp của thường trực hđnd",
                                # The standing body's hearing of the executive ("phiên giải trình") is no session.
                                "phiên giải trình")),
    ("not:ordinary_news", ("thăm, tặng quà", "thăm và tặng quà", "tặng quà", "thăm, chúc tết", "chúc tết",
                           "dâng hương", "khánh thành", "khởi công", "lễ hội", "giải thi đấu", "ra quân",
                           # A training course is no meeting of a body, even when called "hội nghị tập huấn".
                           # (at the headline's start: "… chất vấn về công tác đào tạo, tập huấn nghề" reports a
                           # session)
                           "^tập huấn", "^bồi dưỡng kỹ năng", "^bồi dưỡng nghiệp vụ", "hội nghị tập huấn",
                           "lớp tập huấn", "lớp bồi dưỡng", "khai giảng lớp", "khai giảng khóa",
                           # A scientific conference presents papers; no body meets.
                           "hội nghị khoa học", "hội thảo khoa học",
                           # A business's conference with its customers.
                           "hội nghị khách hàng", "tri ân khách hàng",
                           # A mass organisation's congress (veterans, farmers, youth, trade union): not a party or
                           # state body meeting.
                           "^đại hội đại biểu hội", "^đại hội hội", "^đại hội đại biểu đoàn tncs",
                           "^đại hội công đoàn", "^đại hội đại biểu công đoàn",
                           # Companies and business associations hold conferences too; none is an official meeting.
                           # (Not banks: the State Bank's branch and the Social Policy Bank are state bodies.)
                           "^công ty", "^tổng công ty", "^tập đoàn", "^hiệp hội", "^hội doanh nghiệp",
                           "^hội doanh nhân")),
    ("not:announcement", ("gửi câu hỏi chất vấn", "thông báo tuyển dụng", "tiếp nhận ý kiến", "lấy ý kiến",
                          "hoãn tổ chức")),
]
# A leading "^" anchors a phrase to the start of the headline: "Nghị quyết số 45/NQ-HĐND về ..." is a
# resolution text, "Sơ kết 5 năm thực hiện Chỉ thị số 05-CT/TW" is a report of a conference.
_TITLE_FOLDED = [(kind, tuple((p.startswith("^"), " " + fold(p.lstrip("^")) + " ") for p in phrases))
                 for kind, phrases in TITLE_RULES]


# A sports meet, contest or art show opens and closes with speeches like a meeting, but no body meets: a headline
# that *is* the event ("Khai mạc Hội thao cán bộ, công chức …", "Bế mạc Hội thi …", "Sôi nổi Hội diễn …"). A
# headline that names a meeting about one ("Tổng kết Hội thao …", "Ban Chỉ đạo Đại hội Thể dục thể thao tỉnh họp",
# "UBND tỉnh họp triển khai tổ chức Liên hoan phim …") reports that meeting.
CONTEST_EVENTS = ("hội thao", "hội thi", "hội diễn", "liên hoan", "giải bóng", "giải cầu lông", "giải việt dã",
                  "đại hội thể dục thể thao")
_CONTEST_HEADLINE = re.compile(r"^ (?:(?:" + "|".join(re.escape(fold(w)) for w in (
    "khai mạc", "bế mạc", "sôi nổi", "rộn ràng", "tưng bừng")) + r") )?(?:"
                               + "|".join(re.escape(fold(p)) for p in CONTEST_EVENTS)
                               + r"|" + re.escape(fold("họp kỹ thuật"))
                               + r") ")
# The province's online conference with its communes ("UBND tỉnh họp trực tuyến với 102 xã, phường về …") is no
# committee session (those say "phiên họp thường kỳ") and no Secretariat briefing (that one is "với các tỉnh ủy").
_ONLINE_WITH_COMMUNES = re.compile(" (?:" + fold("hội nghị") + "|" + fold("họp") + ") " + fold("trực tuyến với")
                                   + r" (?:" + fold("các") + r" |\d+ )?(?:" + fold("xã") + "|" + fold("phường") + ") ")
_MEETING_IN_HEADLINE = re.compile(r" (?:" + "|".join(re.escape(fold(w)) for w in (
    "hội nghị", "họp", "phiên họp", "sơ kết", "tổng kết", "ban chỉ đạo", "hội đồng", "giao ban")) + r") ")


def title_rule(title: str) -> str | None:
    head = " " + fold(title) + " "
    for kind, phrases in _TITLE_FOLDED:
        if any(head.startswith(p) if anchored else p in head for anchored, p in phrases):
            return kind
        if kind == "not:ordinary_news" and (contest := _CONTEST_HEADLINE.match(head)) \
                and not _MEETING_IN_HEADLINE.search(head, contest.end() - 1):
            return kind
        if kind == "other_official_meeting" and _ONLINE_WITH_COMMUNES.search(head):
            return kind
    return None


# The opening describes a meeting still to come: "sẽ khai mạc", "sẽ chủ trì", "dự kiến diễn ra".
_FUTURE = re.compile(r"\b(sẽ|dự kiến|chuẩn bị|sắp)\s+(khai mạc|diễn ra|tổ chức|chủ trì|họp|bế mạc|tiến hành|tiếp xúc)\b",
                     re.I)
# The opening says the meeting opened: "… khai mạc Kỳ họp thứ 27, …, dự kiến diễn ra trong ba ngày" (not "sẽ khai mạc").
_OPENED = re.compile(r"(?<!sẽ )(?<!dự kiến )\b(?:khai mạc|đã|vừa)\b", re.I)
_PAST = re.compile(r"\b(đã|vừa)\s+(khai mạc|diễn ra|tổ chức|chủ trì|họp|bế mạc|tiến hành|thông qua|tiếp xúc)\b", re.I)
# A document printed as such: "THÔNG BÁO KẾT LUẬN số 1068-TB/TU", "NGHỊ QUYẾT", "KẾ HOẠCH" in capitals.
_DOCUMENT_HEADER = re.compile(r"^\s*(THÔNG BÁO KẾT LUẬN|THÔNG BÁO|NGHỊ QUYẾT|KẾ HOẠCH|QUYẾT ĐỊNH|QUY CHẾ|CHỈ THỊ)\b")


# The opening's host is a company or a business association: "Chiều 20/12, Hiệp hội Doanh nghiệp tỉnh tổ chức …".
_NON_STATE_HOST = re.compile(r"^(?:sáng|chiều|trưa|tối|ngày|hôm nay|hôm qua)[^,]{0,30},\s*"
                             r"(?:công ty|tổng công ty|tập đoàn|hiệp hội|hội doanh nghiệp|hội doanh nhân|"
                             r"ngân hàng(?!\s+(?:nhà nước|chính sách)))\b", re.I)
# ... unless a state body hosts with it or a state official chairs: "… phối hợp với UBND tỉnh tổ chức …".
_STATE_PART = re.compile(r"\b(?:phối hợp với|cùng với|và)\s+(?:ubnd|hđnd|ban thường vụ|tỉnh ủy|tỉnh uỷ|huyện ủy|"
                         r"sở|ủy ban|uỷ ban|thường trực)|\b(?:chủ tịch|phó chủ tịch) (?:ubnd|hđnd)|"
                         r"\bbí thư (?:tỉnh ủy|tỉnh uỷ|huyện ủy|huyện uỷ|thành ủy|thành uỷ|thị ủy)|"
                         r"\bbí thư tỉnh\b", re.I)


# The opening opens a course: "Thường trực HĐND tỉnh khai giảng lớp bồi dưỡng …", "… mở lớp tập huấn …".
_COURSE_OPENS = re.compile(r"\b(?:khai giảng|mở|tổ chức)\s+(?:các\s+|\d+\s+)?lớp\s+(?:bồi dưỡng|tập huấn|đào tạo)\b",
                           re.I)
# ... unless a meeting comes first: "Ban Thường vụ Tỉnh ủy họp nghe báo cáo kết quả tổ chức lớp bồi dưỡng …".
_MEETING_BEFORE = re.compile(r"\b(?:họp|hội nghị|kỳ họp|phiên|chất vấn|giao ban|làm việc)\b", re.I)


def opening_rule(text: str) -> str | None:
    opening = re.split(r"(?<=[.!?])\s", text.strip(), maxsplit=1)[0][:400]
    if _DOCUMENT_HEADER.match(text):
        return "not:resolution_text"
    if _NON_STATE_HOST.match(opening) and not _STATE_PART.search(text[:600]):
        return "not:ordinary_news"
    course = _COURSE_OPENS.search(opening)
    if course and not _MEETING_BEFORE.search(opening, 0, course.start()):
        return "not:ordinary_news"
    if _OPENED.search(opening):
        opening = _EXPECTED_LENGTH_RAW.sub("", opening)
    if _FUTURE.search(opening) and not _PAST.search(opening):
        return "not:schedule"
    return None


_REVIEW_TITLE = re.compile(r"\b(sơ kết|tổng kết)\b", re.I)


def title_says_review(title: str) -> bool:
    return bool(_REVIEW_TITLE.search(title))
