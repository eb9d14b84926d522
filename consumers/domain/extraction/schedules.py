"""A schedule's structure in the page's lines: day headings ("Thứ Hai, ngày 13/10/2025"), the day's items ("- Sáng:
…", "8 giờ 00: …") and the lines a schedule repeats on purpose. A day heading reads like a visit-date header, the
chrome every portal prints above its pages; these tell them apart. The assembly (core) asks them line by line."""

from __future__ import annotations

import re
from typing import Protocol

from lxml import etree

from consumers.domain.dates import WEEKDAY
from consumers.domain.extraction.credits import TIME_OR_PART_OF_DAY
from consumers.domain.text import clean_spaces

_WEEKDAY_NAME = re.compile(WEEKDAY)


class PageLines(Protocol):
    """What the day-heading test reads of a page's lines (core._PageLines)."""

    title_fold: str

    def cleaned(self) -> list[tuple[str, str]]: ...

    def article_start(self) -> int: ...

    def day_headings(self) -> int: ...

    def is_chrome(self, line: str, folded: str) -> bool: ...


def structural(line: str) -> bool:
    """A line a page may print more than once on purpose: a list item it marks itself ("- Địa điểm: …"), a
    label over the lines that follow ("Buổi sáng:"), a schedule table's time cell ("08h00") or a day's item
    ("Chiều: Làm việc tại trụ sở." on two days). Any other repeat is a block printed twice (a mobile copy,
    a lead repeated in the body) and is kept once."""
    return line[0] in "-•*+–" or (len(line) <= 60 and line.endswith(":")) or (
        len(line) <= 20 and bool(TIME_OR_PART_OF_DAY.match(line))) or bool(DAY_ITEM.match(line))


# A schedule's day heading reads like a visit-date header ("Thứ Hai, ngày 13/10/2025", "Ngày 05/3/2024 (Thứ Ba)");
# what tells them apart is the line after it, an item of the day ("- Sáng: …", "8 giờ 00: …", "Chiều:"), or, when
# the page prints several such lines, any text that is not chrome (a week's days whose items are plain sentences).
DAY_HEADING = re.compile(r"^(" + WEEKDAY + r"\s*[,(\-–]?\s*(ngày\s*)?"
                         r"(\d{1,2}[/.]\d{1,2}([/.]\d{4})?|\d{1,2}\s+tháng\s+\d{1,2}(\s*,?\s*(năm\s+)?\d{4})?)\)?"
                         r"|(ngày\s*)?\d{1,2}[/.]\d{1,2}([/.]\d{4})?\s*[,(\-–]?\s*" + WEEKDAY + r"\s*\)?)\s*:?$",
                         re.IGNORECASE)
# An item of the day ("Sáng 07h30: …"), or a part of the day on a line of its own ("Buổi sáng") over the items. "8h00"
# is a time, "10 hộ dân" is not; a TV programme's "05.30 – Chào buổi sáng" is.
DAY_ITEM = re.compile(r"^([-•+*–]\s*|(sáng|chiều|tối|trưa|cả ngày|buổi sáng|buổi chiều|buổi tối)"
                      r"(\s*\d{1,2}\s*(giờ|h|g|:)\s*\d{0,2})?\s*(:|-|–|$)|"
                      r"\d{1,2}\s*(giờ|h(?![^\W\d_])|:|\.(?=\d\d\s*[-–]))\s*\d{0,2})", re.IGNORECASE)


_SUBHEADINGS = etree.XPath("//body//h2 | //body//h3 | //body//h4 | //body//h5 | //body//h6")


def day_headings_as_paragraphs(tree, title_el) -> None:
    """A schedule's day headings printed as headings ("<h5>Thứ Hai (06/10/2025)</h5>") become paragraphs: when its
    main pass finds little, trafilatura recovers the page's paragraphs and lists but never its headings, and the
    week's days vanished from between their items."""
    for heading in _SUBHEADINGS(tree):
        if heading is not title_el and DAY_HEADING.match(clean_spaces(heading.text_content())):
            # Its empty permalink anchor (Hexo's "headerlink", Docusaurus's "hash-link") would make trafilatura read
            # the paragraph as a link, and its heading classes ("anchor") as a widget: both dropped it.
            for anchor in [a for a in heading.iter("a") if not a.text_content().strip()]:
                anchor.drop_tree()
            heading.attrib.clear()
            heading.tag = "p"


def _heading_over_an_item(line: str, next_line: str) -> bool:
    return bool(DAY_HEADING.match(line) and DAY_ITEM.match(next_line))


def _day_shape(line: str) -> str:
    """A day heading with its weekday and numbers masked: the days of one schedule share it ("Thứ Hai (17/3/2025)",
    "Thứ Ba (18/3/2025)"); a visit date above them is printed another way."""
    return re.sub(r"\d+", "0", _WEEKDAY_NAME.sub("W", line.lower())) if DAY_HEADING.match(line) else ""


def is_day_heading(page: PageLines, i: int) -> bool:
    """Line i of the page is a schedule's day heading (see DAY_HEADING)."""
    cleaned = page.cleaned()
    line = cleaned[i][0]
    if not DAY_HEADING.match(line) or i + 1 >= len(cleaned):
        return False
    next_line, next_folded = cleaned[i + 1]
    if _heading_over_an_item(line, next_line):
        return True
    # A visit date in the page's header reads the same: only lines after the headline (or the lead) count, or a
    # day with another day's heading of its shape a few lines away (a week's table printed before any sentence).
    nearby = cleaned[max(0, i - 7):max(0, i - 1)] + cleaned[i + 2:i + 8]
    return page.day_headings() >= 2 and (i > page.article_start() or any(
        _day_shape(other) == _day_shape(line) for other, _ in nearby)) and not DAY_HEADING.match(next_line) \
        and next_folded != page.title_fold and not page.is_chrome(next_line, next_folded)
