"""Date-stamp lines: the article's own date printed with a few labels around it, in any template's words.

Chrome rules list the labels portals put before a date ("Cập nhật:", "Ngày đăng:", "Đăng lúc:"); each new template
brings labels no list has ("Người gửi: … Gửi lúc: …", "Bởi , 30 tháng Chín, 2025 – 17:30 - Tin hoạt động",
"15h00' ngày 06/12/2025"). What they share is the shape: a full date, a time or a posting word, and little else.
Such a line is chrome only *above the article's text* (the assembly asks only there): below it, "Ninh Bình, ngày
21 tháng 11 năm 2025" signs a document and "Thứ Hai, 13/10/2025" heads a schedule's day.
"""

from __future__ import annotations

import re

from consumers.domain.extraction.metadata import YEAR_MARK, find_datetimes
from consumers.domain.text import nfc

MAX_CHARS = 120
# Words that are part of a date or a time: they say nothing beside it.
_DATE_WORDS = frozenset(
    "ngày tháng thg năm lúc giờ phút sáng trưa chiều tối thứ chủ nhật cn t2 t3 t4 t5 t6 t7 sa ch am pm "
    "hai ba tư bốn sáu bảy tám chín mười một giêng chạp hôm nay là".split())
# Words of a posting record: who posted, when, how often it was read.
_POSTING_WORDS = frozenset(
    "đăng cập nhật bởi gửi lượt xem đọc views view posted by updated sửa xuất bản phát hành".split())
# "Từ ngày 15/4 đến ngày 19/4/2024": a schedule's or a plan's span, text of the article.
_SPAN_WORDS = frozenset(("từ", "đến", "tới"))
# A field's label before a colon: numbered ("1. Thời gian:") or naming the event ("Thời gian khai mạc:", "Hạn nộp:")
# it is a notice's field, never a stamp; others ("Ngày tạo:", "Viết lúc:", "Cập nhật:") may be stamps.
_FIELD_LABEL = re.compile(r"^\s*((?:\d+[.)]\s*)?([^\W\d_][^:\d]{1,30})):")
# Labels of an event's fields, never of a posting: the opening, the meeting, a deadline, the place.
_EVENT_WORDS = frozenset("khai bế mạc họp hạn nộp tổ chức diễn tiếp".split())
_EVENT_PHRASES = ("đăng ký", "địa điểm")
_WORD = re.compile(r"[^\W\d_]+")
# "Ninh Bình, ngày 21 tháng 11 năm 2025": a document's place and date, signed text, never a stamp.
# (A label or a weekday is no place: "Ngày đăng: Thứ Ba, ngày 10 tháng 12 năm 2024, 17 giờ 05" is a stamp.)
_PLACE_AND_DATE = re.compile(r"^(?!(?:thứ|chủ nhật)\b)[^\W\d_][^\d,:]{1,40},\s*ngày\s+\d", re.I)
# The shortest date shapes a schedule heads its days with ("Thứ Hai, 13.10.2025"): never a stamp either.
_ONLY_WEEKDAY_AND_DATE = re.compile(r"^\(?\s*(?:thứ\s+\S+|chủ\s+nhật)\s*[,\-–(]?\s*(?:ngày\s*)?[\d/.\s]+\)?\s*:?$",
                                    re.I)


def is_stamp_line(line: str) -> bool:
    """`line` is a date stamp: at most MAX_CHARS, a full date (day, month and year), and besides date words and
    numbers at most two words (none of them a span's "từ … đến"), or at most six besides the posting label that opens
    it when the line has a time of day or a posting word."""
    if len(line) > MAX_CHARS or not YEAR_MARK.search(line):
        return False
    line = nfc(line)
    if _PLACE_AND_DATE.match(line) or _ONLY_WEEKDAY_AND_DATE.match(line):
        return False
    label = _FIELD_LABEL.match(line)
    if label and _notice_field(label.group(1), label.group(2).lower()):
        return False
    found = find_datetimes(line)
    if not found:
        return False
    words = [w for w in _WORD.findall(line.lower()) if w not in _DATE_WORDS]
    if _SPAN_WORDS.intersection(words):
        return False
    if len(words) <= 2:
        return True
    has_time = any(value.hour or value.minute for _, value in found)
    # The posting words that open the line are its label: "Đăng bởi Hồ Thanh Tâm (thực hiện) · Thứ Ba, 2 tháng 12,
    # 2025" has five others (in a sentence, "Người dân đọc, xem và gửi góp ý trước …", they are words like any).
    label = 0
    while label < len(words) and words[label] in _POSTING_WORDS:
        label += 1
    return len(words) - label <= 6 and (has_time or any(w in _POSTING_WORDS for w in words))


def _notice_field(label: str, words: str) -> bool:
    """"1. Thời gian:", "Thời gian khai mạc:", "Hạn nộp:", "Địa điểm:": a notice's field, numbered or naming its
    event, never a stamp (`label` as printed, `words` its text without the number, lower-cased)."""
    return label.lower() != words or any(phrase in words for phrase in _EVENT_PHRASES) \
        or bool(_EVENT_WORDS.intersection(_WORD.findall(words)))
