"""Title, dates and bylines read from the page tree, before chrome is pruned."""

from __future__ import annotations

import datetime as dt
import json
import re
from bisect import bisect_left, insort
from functools import lru_cache
from dataclasses import dataclass

from lxml import etree
from lxml import html as lxml_html

from consumers.domain import dates
from consumers.domain.dates import parse_datetime
from consumers.domain.text import clean_spaces, fold, nfc

_TITLE_SEPARATORS = re.compile(r"\s+(?:[-|–—»:]|::)\s+")
_PUBLISHED_META = (
    "article:published_time", "og:published_time", "datepublished", "pubdate", "publishdate",
    "publish-date", "dc.date.issued", "dcterms.created", "date", "created", "sailthru.date",
)
_TIME_PUBLISHED = (
    "//body//time[@datetime][contains(@class, 'published') or contains(@class, 'entry-date') "
    "or @pubdate or contains(@class, 'post-date')][not(contains(@class, 'updated') and not(contains(@class, 'published')))]/@datetime"
)
_MODIFIED_META = ("article:modified_time", "og:updated_time", "datemodified", "dc.date.modified", "lastmod")
# The page's masthead; WordPress and HTML5 themes also wrap an article's own headline in <header>, and so does
# Quarto's title block inside <main> (<header id="title-block-header" class="quarto-title-block">: headline, subtitle
# lead, author, date). A <header> in <main> named otherwise may still be a masthead.
PAGE_HEADER = (
    "header[not(ancestor::article)][not(contains(@class, 'entry') or contains(@class, 'post') "
    "or contains(@class, 'article'))][not(ancestor::main and (contains(@id, 'title') or contains(@class, 'title')))]"
)
# Elements inside these hold the site's name, never an article headline.
_SITE_CHROME = (
    f"ancestor-or-self::{PAGE_HEADER} or ancestor::nav or ancestor::footer or ancestor-or-self::*[contains(@class, 'logo') "
    "or contains(@class, 'site-title') or contains(@class, 'site-name') or contains(@class, 'sitename') "
    "or contains(@class, 'site-branding') "
    "or contains(@class, 'brand')]"
)
_TITLE_CLASS = re.compile(r"(^|[\s_-])(title|tieu-?de|headline|heading)([\s_-]|$)", re.I)
_IS_SITE_CHROME = etree.XPath(_SITE_CHROME)
_ITEMPROP_DATES = frozenset(("datePublished", "dateModified"))
_WITH_ITEMPROP = etree.XPath("//*[@itemprop]")
_JSON_LD = etree.XPath("//script[@type='application/ld+json']")
_TIME_PUBLISHED_VALUES = etree.XPath(_TIME_PUBLISHED, smart_strings=False)
_TIMES_WITH_DATETIME = etree.XPath("//body//time[@datetime]")
# ... unless the block is the post's own metadata (MkDocs prints "md-post__meta" in its sidebar) or inside the
# <article> (a post's own <footer>).
_IN_SIDE_BLOCK = etree.XPath("boolean((ancestor::aside or ancestor::footer or ancestor::*[contains(@class, 'sidebar') "
                             "or contains(@class, 'widget') or contains(@class, 'event') or contains(@id, 'sidebar')]) "
                             "and not(ancestor::*[contains(@class, 'meta')]) and not(ancestor::article))")
_ZONED = re.compile(r"(?:Z|[+-]\d\d:?\d\d)\s*$")
# A <time> that dates the last edit (VuePress's "Cập nhật lần cuối" in "last-updated"), never the post.
_UPDATE_CLASS = re.compile(r"(?:^|\s)(?:last-updated|lastupdated|last-modified|date-modified|modified|lastmod)(?:\s|$)")
_CLASSED_SELF_AND_ANCESTORS = etree.XPath("ancestor-or-self::*[@class]/@class")


def _update_time(el) -> bool:
    return any(_UPDATE_CLASS.search(cls.lower()) for cls in _CLASSED_SELF_AND_ANCESTORS(el))


@lru_cache(maxsize=2)  # read once per page by both the date and the author lookups
def _attr_meta(tree: lxml_html.HtmlElement) -> dict[str, str]:
    out: dict[str, str] = {}
    for meta in tree.iter("meta"):
        key = (meta.get("property") or meta.get("name") or meta.get("itemprop") or "").strip().lower()
        content = meta.get("content")
        if key and content and key not in out:
            out[key] = content.strip()
    # //*[@itemprop='datePublished' or @itemprop='dateModified'][not(self::meta)], the values compared in Python
    for el in _WITH_ITEMPROP(tree):
        prop = el.get("itemprop")
        if prop not in _ITEMPROP_DATES or el.tag == "meta":
            continue
        key = prop.lower()
        # Blogger: <abbr itemprop="datePublished" title="2024-01-23T16:40:00+07:00">16:40</abbr>.
        value = el.get("content") or el.get("datetime") or el.get("title") or el.text_content()
        if value and key not in out:
            out[key] = value.strip()
    return out


@lru_cache(maxsize=2)  # read by both the date and the author lookups: the JSON is parsed once
def _json_ld(tree: lxml_html.HtmlElement) -> list[dict]:
    items: list[dict] = []
    for script in _JSON_LD(tree):
        try:
            data = json.loads(script.text or "")
        except ValueError:
            continue
        stack = data if isinstance(data, list) else [data]
        while stack:
            item = stack.pop()
            if isinstance(item, dict):
                items.append(item)
                graph = item.get("@graph")
                if isinstance(graph, list):
                    stack.extend(graph)
    return items


# Headings, and elements whose class names a title. Substrings without the first letter match "title" and
# "Title" alike. This was the XPath "//body//h1 | //body//h2 | //body//h3 | //body//*[self::div or self::p or
# ... or self::b][contains(@class, 'itle') or ...]"; one walk in Python reads each class once instead.
_HEADINGS = frozenset(("h1", "h2", "h3"))
_TITLED_TAGS = frozenset(("div", "p", "span", "a", "strong", "td", "th", "header", "font", "b"))
_TITLE_CLASS_PARTS = re.compile("itle|ieu|eadline|eading|ITLE")


def _title_candidates(tree) -> list:
    doc_root = tree.getroottree().getroot()
    out = []
    for body in doc_root.iter("body"):
        if any(a.tag == "body" for a in body.iterancestors()):
            continue  # inside another body: already walked
        for el in body.iterdescendants(_HEADINGS | _TITLED_TAGS):
            tag = el.tag
            if tag in _HEADINGS:
                out.append(el)
            else:
                cls = el.get("class")
                if cls and _TITLE_CLASS_PARTS.search(cls):
                    out.append(el)
    return out


def find_title(tree: lxml_html.HtmlElement) -> tuple[str, lxml_html.HtmlElement | None]:
    """The headline and the element it is printed in, without the site-name suffix."""
    head_title = clean_spaces(tree.findtext(".//title") or "")
    segments = [s for s in _TITLE_SEPARATORS.split(head_title) if s] or [head_title]
    folded_segments = {fold(s) for s in segments}
    folded_head = fold(head_title)
    # With several segments the longest is the headline and the rest name the site.
    headline_segment = fold(max(segments, key=len)) if segments else ""
    site_segments = {fold(s) for s in segments if fold(s) != headline_segment} if len(segments) > 1 else set()
    # Only headings and elements whose class names a title: reading every classed element's text is the
    # most expensive thing on a large page.
    candidates = _title_candidates(tree)
    best: tuple[str, lxml_html.HtmlElement] | None = None
    matched: list[tuple[str, lxml_html.HtmlElement]] = []
    for el in candidates:
        if el.tag not in ("h1", "h2", "h3") and not _TITLE_CLASS.search(el.get("class", "")):
            continue
        text = clean_spaces(el.text_content())
        if len(text) < 15 or len(text) > 300:
            continue
        folded = fold(text)
        # A site name printed in the page header or logo is never the headline, even when it is
        # the longest segment of <title>.
        if _IS_SITE_CHROME(el):
            continue
        if folded in site_segments and not _is_headline_element(el):
            continue
        if folded in folded_segments or (len(folded) > 20 and folded in folded_head) or (
            headline_segment and len(headline_segment) > 20 and folded.startswith(headline_segment)
        ):
            matched.append((text, el))
        elif best is None and el.tag == "h1":
            best = (text, el)
    if matched:
        # A block that holds another match prints more than the headline (the date and tags under it).
        inner = [m for m in matched if not any(o[1] is not m[1] and m[1] in o[1].iterancestors() for o in matched)]
        # The site name is a segment of <title> too: an article's <h1>/itemprop=headline wins,
        # then the longer text.
        # A section's <h1> ("Văn bản chỉ đạo") is a shorter segment of <title> than the headline printed below it.
        # Only when the headline leads <title> ("Headline - Section - Site"): a site's name can be longer.
        leads = len(segments) > 1 and fold(segments[0]) == headline_segment
        # "starts with": a related item may print the segment alone ("Hội nghị tổng kết công tác năm 2025") where
        # the headline goes on ("… - triển khai nhiệm vụ năm 2026").
        return max(inner, key=lambda m: (leads and fold(m[0]).startswith(headline_segment),
                                         _is_headline_element(m[1]), len(m[0])))
    near_body = _headline_before_body(tree, candidates)
    if near_body is not None:
        return near_body
    og = next((m.get("content") for m in tree.iter("meta") if m.get("property") == "og:title"), None)
    if og:
        og = clean_spaces(og)
        og_segments = [s for s in _TITLE_SEPARATORS.split(og) if s]
        og_title = max(og_segments, key=len) if og_segments else og
        for el in candidates:
            if fold(clean_spaces(el.text_content())) == fold(og_title):
                return og_title, el
        return og_title, best[1] if best else None
    if best:
        return best
    # <title> names only the site and a section ("Chi tiết tin | HĐND tỉnh Bắc Giang"), no og:title, and the
    # page's <h1> is its name: the first title-classed element outside the page header is the headline.
    for el in candidates:
        if el.tag in _HEADINGS or not _TITLE_CLASS.search(el.get("class", "") or "") or _IS_SITE_CHROME(el):
            continue
        text = clean_spaces(el.text_content())
        if 15 <= len(text) <= 300 and fold(text) not in folded_segments:
            return text, el
    # Nothing names a title: a static site's <title> is its name ("Xa Moc Bac"), its headline an <h2>/<h3>
    # printed last before the text.
    near_body = _headline_before_body(tree, candidates, any_heading=True)
    if near_body is not None:
        return near_body
    headline = max(segments, key=len) if segments else ""
    return headline, _printed(tree, headline)


_TEXT_HOLDING = etree.XPath("//body//text()[contains(., $prefix)]")
_IN_LINK_OR_LIST = etree.XPath("boolean(ancestor-or-self::a or ancestor-or-self::li or ancestor::nav "
                               "or ancestor::*[contains(@class, 'breadcrumb')])")


def _printed(tree, headline: str):
    """The element that prints `headline` whole, whatever its class (PHP-Fusion's "capmain" cell): where the
    article's date line and text start."""
    if len(headline) < 15:
        return None
    want = fold(headline)
    found = None
    for node in _TEXT_HOLDING(tree, prefix=headline[:25])[:8]:
        el = node.getparent()
        # A breadcrumb, a "Tin mới nhất" list or a menu prints it as a link: the headline is printed as text, and
        # last (nearest the article).
        if el is not None and not _IS_SITE_CHROME(el) and not _IN_LINK_OR_LIST(el) \
                and fold(clean_spaces(el.text_content())) == want:
            found = el
    return found


def _headline_before_body(tree, candidates, any_heading: bool = False) -> tuple[str, lxml_html.HtmlElement] | None:
    """When <title> names only the site (old portals), the headline is the title-classed element printed last
    before the article's first long paragraph (with `any_heading`, the first heading printed before it)."""
    titled = {id(el): el for el in candidates if (any_heading and el.tag in _HEADINGS) or (
        el.tag not in ("h2", "h3") and (el.tag == "h1" or _TITLE_CLASS.search(el.get("class", "") or "")))}
    if not titled:
        return None
    seen: list = []
    for el in tree.iter():
        if id(el) in titled and not _IS_SITE_CHROME(el):
            text = clean_spaces(el.text_content())
            if 15 <= len(text) <= 300:
                seen.append((text, el))
        elif el.tag in ("p", "div", "td") and seen and (
                len((el.text or "").strip()) >= 120 or (el.tag == "p" and len(el.text_content()) >= 120)):
            # (a <p>'s text may sit in a <span>: Word's HTML) Titled elements: the last one. Any heading: the first
            # one in the text's own container not standing right over another heading (an <h3> under it is a
            # subheading, a banner's <h2> is outside it, a section's <h2> sits on the headline), else the last one.
            if any_heading:
                ancestors = set(el.iterancestors())
                return next((m for m in seen if m[1].getparent() in ancestors
                             and getattr(m[1].getnext(), "tag", None) not in _HEADINGS), seen[-1])
            return seen[-1]
    return None


def _is_headline_element(el) -> bool:
    return el.tag == "h1" or (el.get("itemprop") or "").lower() == "headline"


def _first_date(metas: dict[str, str], keys: tuple[str, ...]) -> dt.datetime | None:
    """The first of `keys` whose value reads as a date (each read once)."""
    for key in keys:
        if key in metas:
            value = parse_datetime(metas[key])
            if value:
                return value
    return None


def meta_published(tree: lxml_html.HtmlElement) -> tuple[dt.datetime | None, dt.datetime | None]:
    metas = _attr_meta(tree)
    published = _first_date(metas, _PUBLISHED_META)
    modified = _first_date(metas, _MODIFIED_META)
    for item in _json_ld(tree):
        if published is None and isinstance(item.get("datePublished"), str):
            published = parse_datetime(item["datePublished"])
        if modified is None and isinstance(item.get("dateModified"), str):
            modified = parse_datetime(item["dateModified"])
    if published is None:
        # WordPress and HTML5 themes: <time class="entry-date published" datetime="...">.
        for value in _TIME_PUBLISHED_VALUES(tree):
            published = parse_datetime(value)
            if published is not None:
                break
    if published is None:
        # A page that prints one <time datetime> (MkDocs Material's blog, static sites) prints its post date there.
        # What it shows a reader outranks the attribute when it has the time: Gatsby's attribute holds the day only
        # ("2025-09-30" shown as "30-09-2025 18:10"), HubSpot's the UTC time without saying so ("2025-12-09
        # 11:45:00" shown as "09/12/2025 6:45 CH").
        # Never one in a sidebar or a footer (an event's date) nor a last edit's, and an attribute that names its
        # zone is exact.
        times = _TIMES_WITH_DATETIME(tree)
        if len(times) == 1 and _update_time(times[0]):
            modified = modified or parse_datetime(times[0].get("datetime") or "")
        elif len(times) == 1 and not _IN_SIDE_BLOCK(times[0]):
            attribute = times[0].get("datetime") or ""
            published = parse_datetime(attribute)
            shown = parse_datetime(clean_spaces(times[0].text_content()))
            if shown is not None and (shown.hour or shown.minute) and not _ZONED.search(attribute) and (
                    published is None or abs(shown - published) <= dt.timedelta(days=1)):
                published = shown
    return published, modified


def meta_author(tree: lxml_html.HtmlElement) -> str | None:
    metas = _attr_meta(tree)
    if metas.get("author") or metas.get("article:author"):
        return clean_spaces(metas.get("author") or metas.get("article:author"))
    for item in _json_ld(tree):
        author = item.get("author")
        if isinstance(author, list) and author:
            author = author[0]
        # An Organization author is the publisher again, not the credited writer.
        if isinstance(author, dict) and author.get("@type") not in ("Organization", "NewsMediaOrganization",
                                                                     "GovernmentOrganization") \
                and isinstance(author.get("name"), str):
            return clean_spaces(author["name"])
        if isinstance(author, str):
            return clean_spaces(author)
    return None


_SKIP_TEXT = frozenset(("script", "style", "noscript", "template"))


def body_text_with_offsets(tree: lxml_html.HtmlElement, marker: lxml_html.HtmlElement | None) -> tuple[str, int]:
    """Visible body text in document order, and the offset where `marker` ends (0 if absent)."""
    body = tree.find(".//body")
    root = body if body is not None else tree
    parts: list[str] = []
    marker_at = None  # len(parts) when the marker ends
    # _walk inlined: every piece is " " + text + " ".
    stack = [(root, False)]
    pop, push, add = stack.pop, stack.append, parts.append
    while stack:
        el, done = pop()
        if done:
            if el is marker:
                marker_at = len(parts)
            if el.tail:
                add(" " + el.tail + " ")
            continue
        tag = el.tag
        if not isinstance(tag, str) or tag in _SKIP_TEXT:
            if el.tail:
                add(" " + el.tail + " ")
            continue
        if el.text:
            add(" " + el.text + " ")
        push((el, True))
        for child in reversed(el):
            push((child, False))
    # NFC so "ngày" spelled with combining marks still matches the date patterns. One call for the whole text
    # equals one per piece: pieces are joined at spaces, which never compose or reorder with a neighbour.
    if marker_at is None:
        return nfc("".join(parts)), 0
    before = nfc("".join(parts[:marker_at]))
    return before + nfc("".join(parts[marker_at:])), len(before)


@dataclass(frozen=True)
class DatelineCandidates:
    text: str
    title_end: int
    found: list[tuple[int, dt.datetime]]
    title_start: int = 0  # where the headline's own text starts (its dates are the headline's: "(10/11 - 14/11/2025)")


def dateline_candidates(tree: lxml_html.HtmlElement, title_el: lxml_html.HtmlElement | None) -> DatelineCandidates:
    """Every date printed in the page body, with positions; read before chrome is pruned."""
    text, title_end = body_text_with_offsets(tree, title_el)
    # "Hôm nay là: T2, 23/12/2024": a date the page labels as today's is the visit date, never the article's.
    found = [(pos, value) for pos, value in find_datetimes(text)
             if not _TODAY_LABEL.search(text, max(0, pos - _TODAY_REACH), pos)]
    # The headline's text in `text`: each of its pieces was added as " " + piece + " ".
    title_start = title_end - sum(len(nfc(t)) + 2 for t in title_el.itertext()) if title_el is not None else 0
    return DatelineCandidates(text, title_end, found, max(0, title_start))


# A visit-date header's label and what may stand between it and the date: "Hôm nay: ", "Hôm nay là: T2, ",
# "Hôm nay là thứ 2, ", "Hôm nay: Thứ Ba, ngày ", "Hôm nay là 17 thg 8, 2025". A lead's "Hôm nay, ngày 20/12/2024, …",
# "Hôm nay là ngày 19/5/2025, …" or "Sáng hôm nay (20/12)" has neither the colon, the weekday nor a bare "là", and
# keeps its date.
_TODAY_LABEL = re.compile(r"(?i)hôm nay(?:(?:\s+là)?\s*(?::\s*|(?=thứ|chủ nhật|t[2-7]\b|cn\b))"
                          r"(?:(?:thứ\s+\S+|chủ nhật|t[2-7]|cn)\s*[,\-–(]?\s*)?(?:ngày\s*)?|\s+là\s+)$")
_TODAY_REACH = 40  # the longest label above: "hôm nay là: chủ nhật, ngày " and spaces


# -- dates.find_datetimes, searched only where a date can be ---------------------------------------
# dates.find_datetimes runs seven regexes (dates.PATTERNS) over the whole body text: each tries every position
# (none starts with a fixed character), ~1 ms on a portal page. Every one of its matches contains a year (19xx/20xx, or
# two digits right before a time: YEAR_MARK) and
# consists only of digits, spaces, punctuation and the letters of a few words (ngày, tháng, năm, lúc, month
# names, sáng/chiều/tối, SA/CH/AM/PM, T/ICT/Z). A character none of the patterns can consume ends every
# match, so the text falls into segments between such characters; only segments holding a year are
# searched, from the segment's start (the same start the whole-text search reaches: no match spans a
# breaker) with the breaker itself still visible to look-behinds and \b. The matches, their order and the
# 12-character suppression are those of dates.find_datetimes; tests/unit/test_extraction_speedups.py checks
# that the breakers are never consumable by those patterns and compares both on every corpus page.
_DATE_PATTERNS = dates.PATTERNS
DATE_BREAKERS = (
    "dDeEfFjJkKoOqQvVwWxX"  # Latin letters in no date word
    "()[]{}<>\"!?;=*#&%$~^`\\“”‘«»…"  # not ' or ’: a minute mark ("16h20'"); not @ ("2024 @ 16:35")
    "đĐơƠớỚởỞỡỠợỢừỪửỬữỮựỰếẾểỂễỄệỆôÔồỒổỔỗỖâÂấẤầẦẩẨẫẪắẮằẰẳẲẵẴặẶ"
    "èÈéÉẻẺẽẼẹẸìÌỉỈĩĨịỊòÒóÓỏỎõÕọỌùÙũŨụỤỳỲýÝỷỶỹỸỵỴãÃ"
)
_BREAK = re.compile("[" + re.escape(DATE_BREAKERS) + "]")
_LAST_BREAK = re.compile("(?s:.*)[" + re.escape(DATE_BREAKERS) + "]")
# A year, or a two-digit one with its time ("08/12/25 18:20", dates._SHORT_YEAR_THEN_TIME).
YEAR_MARK = re.compile(r"(?:19|20)\d\d|/\d\d(?!\d)\s*(?:[|,\-–]\s*)?[0-2]?\d\s*[:hg]")


def _date_segments(text: str) -> list[tuple[int, int]]:
    """(start, end) of the breaker-free runs of `text` that hold a year, in order."""
    segments: list[tuple[int, int]] = []
    for year in YEAR_MARK.finditer(text):
        if segments and year.start() < segments[-1][1]:
            continue
        low = segments[-1][1] if segments else 0
        last = _LAST_BREAK.match(text, low, year.start())
        after = _BREAK.search(text, year.end())
        segments.append((last.end() if last else low, after.start() if after else len(text)))
    return segments


def find_datetimes(text: str) -> list[tuple[int, dt.datetime]]:
    """dates.find_datetimes(text), faster: every full date in `text` with its offset, in order."""
    segments = _date_segments(text)
    if not segments:
        return []
    size = len(text)
    found: dict[int, dt.datetime] = {}
    starts: list[int] = []  # sorted keys of `found`
    build = dates._build
    for pattern in _DATE_PATTERNS:
        for start, end in segments:
            for match in pattern.finditer(text, start, min(end + 1, size)):
                at = match.start()
                # dates.find_datetimes keeps no date within 12 characters of one already found ...
                near = bisect_left(starts, at - 11)
                if near < len(starts) and starts[near] <= at + 11:
                    if match.group("tz") if "tz" in pattern.groupindex else None:
                        build(match.groupdict())  # ... and only a time zone can make _build raise: keep that
                    continue
                value = build(match.groupdict())
                if value is None:
                    continue
                insort(starts, at)
                found[at] = value
    return sorted(found.items())


def choose_dateline(c: DatelineCandidates, title_known: bool, first_paragraph: str | None) -> dt.datetime | None:
    """The article's own date line: the first date printed after the headline, never the visit-date
    header above it nor a sidebar date below the body. A day without its time takes the time of a stamp printed
    for the same day after the headline ("Thứ Tư, 17/12/2025" above it, "Đăng bởi … lúc 16:00 ngày 17/12/2025" at
    the foot)."""
    value = _choose_dateline(c, title_known, first_paragraph)
    if value is None or value.hour or value.minute:
        return value
    start = c.text.find(first_paragraph[:40], c.title_end) if first_paragraph else -1
    # Before the text: the date line itself; after it, only a posting record ("Đăng bởi … lúc 16:00 …"), never an
    # event's time in the text or a related item's.
    same_day = [v for p, v in c.found if p >= c.title_end and v.date() == value.date() and (v.hour or v.minute)
                and ((start > 0 and p < start) or _POSTING_NEAR.search(c.text, max(0, p - 40), p))]
    return same_day[0] if same_day else value


def _created_before_headline(c: DatelineCandidates) -> dt.datetime | None:
    """A creation record printed before the headline (BookStack's side column: "Tạo lúc 09:25, 10/11/2025 bởi …"): it
    outranks dates in the text (an announced event's), lists and an edit's "Cập nhật lúc …" beside it."""
    return next((v for p, v in c.found
                 if p < c.title_start and _CREATED_BEFORE.search(c.text, max(0, p - 30), p)), None)


def _choose_dateline(c: DatelineCandidates, title_known: bool, first_paragraph: str | None) -> dt.datetime | None:
    if not c.found:
        return None
    after = [(pos, value) for pos, value in c.found if pos >= c.title_end]
    if not after:
        return _created_before_headline(c) or c.found[-1][1] if title_known else c.found[0][1]
    if first_paragraph:
        start = c.text.find(first_paragraph[:40], c.title_end)
        if start > 0:
            before_body = [(p, v) for p, v in after if p < start]
            if before_body:
                # Without a known headline the page's header is "after" it too, visit date included: the date
                # printed nearest the body is the article's.
                pos, value = before_body[0] if title_known else before_body[-1]
                return _with_time_after_date(c.text, pos, _with_time_in_words(c.text, pos, value), date_line=True)
            # Some templates (Joomla K2) print the date just above the headline; dates after the body are
            # sidebars and footers (a licence date), so a date right above the headline wins over them.
            created = _created_before_headline(c)
            if created:
                return created
            just_above = [(p, v) for p, v in c.found if c.title_end - 400 <= p < c.title_start]
            if just_above:
                return just_above[-1][1]
    with_time = [(p, v) for p, v in after[:3] if v.hour or v.minute]
    if not with_time:
        # A stamp after the text whose time sits in brackets ("Đăng ngày 10/12/2024 (11:25)") outranks the dates
        # of the event in the lead ("… từ ngày 10 đến ngày 12/12/2024").
        bracketed = [(p, _with_time_after_date(c.text, p, v)) for p, v in after[:4]]
        with_time = [(p, v) for p, v in bracketed if v.hour or v.minute]
    return (with_time or after)[0][1]


# "9 giờ 15 phút, ngày 05/11/2025": a stamp's time in words before its date. Read only on the date line between
# the headline and the text: in an announcement's text "7 giờ 30 phút, ngày 15/9" is the time of its event.
_TIME_IN_WORDS_BEFORE = re.compile(r"(?i)(?<!\d)(?P<h>[01]?\d|2[0-3])\s*giờ\s*(?:(?P<mi>[0-5]?\d)\s*(?:phút)?)?"
                                   r"\s*[,\-–]?\s*(?:ngày\s*)?$")


def _with_time_in_words(text: str, pos: int, value: dt.datetime) -> dt.datetime:
    if value.hour or value.minute:
        return value
    return _at(value, _TIME_IN_WORDS_BEFORE.search(text, max(0, pos - 30), pos))


def _at(value: dt.datetime, found: re.Match | None) -> dt.datetime:
    """`value` at the hour and minute `found` read (unchanged when nothing was found)."""
    return value if found is None else value.replace(hour=int(found.group("h")), minute=int(found.group("mi") or 0))


# "Đăng ngày 3/12/2025 (14:00)", "14/08/2025 (09:05)", "Đăng ngày 31 tháng 10 năm 2025, lúc 17 giờ 05": a stamp's
# time after its date, in brackets or after ", lúc" (brackets end the date search's segments). Read on the date line
# between the headline and the text, or after a posting word: in a sentence, "… vào Thứ Năm, 14/08/2025 (8h00)" is
# an event's time and "trước ngày 20/12/2025 (17h00)" a deadline.
_POSTING = r"(?:đăng|cập nhật|xuất bản|gửi|bởi)"  # words of a posting record
_POSTING_NEAR = re.compile(r"(?i)" + _POSTING)
_CREATED_BEFORE = re.compile(r"(?i)(?:đăng|tạo|xuất bản|gửi)(?:\s+(?:ngày|lúc|vào))?\s*:?\s*$")
_POSTING_BEFORE = re.compile(r"(?i)(?:" + _POSTING + r"|lúc)(?:\s+(?:ngày|lúc))?\s*:?\s*$")
_TIME_AFTER_DATE = re.compile(r"(?i)(?:ngày\s+)?(?:[\d/.\-]{6,10}|\d{1,2}\s+tháng\s+\d{1,2}\s*,?\s+(?:năm\s+)?\d{4})\s*"
                              r"(?:\(\s*(?P<h>[01]?\d|2[0-3])\s*[:h]\s*(?P<mi>[0-5]\d)"
                              r"\s*(?:(?:GMT|UTC|ICT)\s*\+\s*0?7)?\s*\)"  # "(20:10 GMT+7)"
                              r"|,\s*lúc\s+(?P<h2>[01]?\d|2[0-3])\s*(?:giờ|[:h])\s*(?P<mi2>[0-5]\d)?)")


def _with_time_after_date(text: str, pos: int, value: dt.datetime, date_line: bool = False) -> dt.datetime:
    """`value` at the time printed after its date (see _TIME_AFTER_DATE) on the date line (`date_line`) or after a
    posting word."""
    if value.hour or value.minute:
        return value
    if not date_line and not _POSTING_BEFORE.search(text, max(0, pos - 30), pos):
        return value  # "… trước ngày 20/12/2025 (17h00)" in a sentence is a deadline
    found = _TIME_AFTER_DATE.match(text, pos)
    if found is None:
        return value
    hour, minute = found.group("h") or found.group("h2"), found.group("mi") or found.group("mi2") or 0
    return value.replace(hour=int(hour), minute=int(minute))
