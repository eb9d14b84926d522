"""Title, dates and bylines read from the page tree, before chrome is pruned."""

from __future__ import annotations

import datetime as dt
import json
import re
from functools import lru_cache
from dataclasses import dataclass

from lxml import html as lxml_html

from consumers.domain.dates import find_datetimes, parse_datetime
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
# The page's masthead; WordPress and HTML5 themes also wrap an article's own headline in <header>.
PAGE_HEADER = (
    "header[not(ancestor::article)][not(contains(@class, 'entry') or contains(@class, 'post') "
    "or contains(@class, 'article'))]"
)
# Elements inside these hold the site's name, never an article headline.
_SITE_CHROME = (
    f"ancestor-or-self::{PAGE_HEADER} or ancestor::nav or ancestor::footer or ancestor-or-self::*[contains(@class, 'logo') "
    "or contains(@class, 'site-title') or contains(@class, 'site-name') or contains(@class, 'site-branding') "
    "or contains(@class, 'brand')]"
)
_TITLE_CLASS = re.compile(r"(^|[\s_-])(title|tieu-?de|headline|heading)([\s_-]|$)", re.I)


@lru_cache(maxsize=2)  # read once per page by both the date and the author lookups
def _attr_meta(tree: lxml_html.HtmlElement) -> dict[str, str]:
    out: dict[str, str] = {}
    for meta in tree.iter("meta"):
        key = (meta.get("property") or meta.get("name") or meta.get("itemprop") or "").strip().lower()
        content = meta.get("content")
        if key and content and key not in out:
            out[key] = content.strip()
    for el in tree.xpath("//*[@itemprop='datePublished' or @itemprop='dateModified'][not(self::meta)]"):
        key = el.get("itemprop").lower()
        # Blogger: <abbr itemprop="datePublished" title="2024-01-23T16:40:00+07:00">16:40</abbr>.
        value = el.get("content") or el.get("datetime") or el.get("title") or el.text_content()
        if value and key not in out:
            out[key] = value.strip()
    return out


def _json_ld(tree: lxml_html.HtmlElement) -> list[dict]:
    items: list[dict] = []
    for script in tree.xpath("//script[@type='application/ld+json']"):
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


# Substrings without the first letter match "title" and "Title" alike without translate(), which is slow.
_TITLE_CANDIDATES = (
    "//body//h1 | //body//h2 | //body//h3 | //body//*[self::div or self::p or self::span or self::a or self::strong "
    "or self::td or self::th or self::header or self::font or self::b]"
    "[contains(@class, 'itle') or contains(@class, 'ieu') or contains(@class, 'eadline') "
    "or contains(@class, 'eading') or contains(@class, 'ITLE')]"
)


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
    candidates = tree.xpath(_TITLE_CANDIDATES)
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
        if el.xpath(_SITE_CHROME):
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
        # The site name is a segment of <title> too: an article's <h1>/itemprop=headline wins,
        # then the longer text.
        return max(matched, key=lambda m: (_is_headline_element(m[1]), len(m[0])))
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
    return (max(segments, key=len) if segments else ""), None


def _headline_before_body(tree, candidates) -> tuple[str, lxml_html.HtmlElement] | None:
    """When <title> names only the site (old portals), the headline is the title-classed element printed
    last before the article's first long paragraph."""
    titled = {id(el): el for el in candidates if el.tag not in ("h2", "h3") and
              (el.tag == "h1" or _TITLE_CLASS.search(el.get("class", "") or ""))}
    if not titled:
        return None
    last = None
    for el in tree.iter():
        if id(el) in titled and not el.xpath(_SITE_CHROME):
            text = clean_spaces(el.text_content())
            if 15 <= len(text) <= 300:
                last = (text, el)
        elif el.tag in ("p", "div", "td") and last is not None and len((el.text or "").strip()) >= 120:
            return last
    return None


def _is_headline_element(el) -> bool:
    return el.tag == "h1" or (el.get("itemprop") or "").lower() == "headline"


def meta_published(tree: lxml_html.HtmlElement) -> tuple[dt.datetime | None, dt.datetime | None]:
    metas = _attr_meta(tree)
    published = next((parse_datetime(metas[k]) for k in _PUBLISHED_META if k in metas and parse_datetime(metas[k])), None)
    modified = next((parse_datetime(metas[k]) for k in _MODIFIED_META if k in metas and parse_datetime(metas[k])), None)
    for item in _json_ld(tree):
        if published is None and isinstance(item.get("datePublished"), str):
            published = parse_datetime(item["datePublished"])
        if modified is None and isinstance(item.get("dateModified"), str):
            modified = parse_datetime(item["dateModified"])
    if published is None:
        # WordPress and HTML5 themes: <time class="entry-date published" datetime="...">.
        for value in tree.xpath(_TIME_PUBLISHED):
            published = parse_datetime(value)
            if published is not None:
                break
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


def body_text_with_offsets(tree: lxml_html.HtmlElement, marker: lxml_html.HtmlElement | None) -> tuple[str, int]:
    """Visible body text in document order, and the offset where `marker` ends (0 if absent)."""
    parts: list[str] = []
    length = 0
    marker_end = 0
    body = tree.find(".//body")
    root = body if body is not None else tree
    skip = {"script", "style", "noscript", "template"}
    for event, el in _walk(root, skip):
        if event == "text":
            # NFC so "ngày" spelled with combining marks still matches the date patterns.
            el = nfc(el)
            parts.append(el)
            length += len(el)
        elif event == "end" and el is marker:
            marker_end = length
    return "".join(parts), marker_end


def _walk(root, skip):
    stack = [(root, False)]
    while stack:
        el, done = stack.pop()
        if done:
            yield "end", el
            if el.tail:
                yield "text", " " + el.tail + " "
            continue
        if not isinstance(el.tag, str) or el.tag in skip:
            if el.tail:
                yield "text", " " + el.tail + " "
            continue
        if el.text:
            yield "text", " " + el.text + " "
        stack.append((el, True))
        for child in reversed(el):
            stack.append((child, False))


@dataclass(frozen=True)
class DatelineCandidates:
    text: str
    title_end: int
    found: list[tuple[int, dt.datetime]]


def dateline_candidates(tree: lxml_html.HtmlElement, title_el: lxml_html.HtmlElement | None) -> DatelineCandidates:
    """Every date printed in the page body, with positions; read before chrome is pruned."""
    text, title_end = body_text_with_offsets(tree, title_el)
    return DatelineCandidates(text, title_end, find_datetimes(text))


def choose_dateline(c: DatelineCandidates, title_known: bool, first_paragraph: str | None) -> dt.datetime | None:
    """The article's own date line: the first date printed after the headline, never the visit-date
    header above it nor a sidebar date below the body."""
    if not c.found:
        return None
    after = [(pos, value) for pos, value in c.found if pos >= c.title_end]
    if not after:
        return c.found[-1][1] if title_known else c.found[0][1]
    if first_paragraph:
        start = c.text.find(first_paragraph[:40], c.title_end)
        if start > 0:
            before_body = [(p, v) for p, v in after if p < start]
            if before_body:
                return before_body[0][1]
            # Some templates (Joomla K2) print the date just above the headline; dates after the body are
            # sidebars and footers (a licence date), so a date right above the headline wins over them.
            just_above = [(p, v) for p, v in c.found if c.title_end - 400 <= p < c.title_end]
            if just_above:
                return just_above[-1][1]
    with_time = [(p, v) for p, v in after[:3] if v.hour or v.minute]
    return (with_time or after)[0][1]
