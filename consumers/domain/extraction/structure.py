"""Structural chrome heuristics that need no per-portal data: hidden blocks, lists of headline links
and the label headings above them, image alt texts that reappear as printed captions."""

from __future__ import annotations

import re

from lxml import html as lxml_html

from consumers.domain.text import clean_spaces, fold

_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.I)
_SENTENCE_END = re.compile(r"[.!?…;]\s*$")
_FILENAME = re.compile(r"\.(jpe?g|png|gif|webp|bmp)$|^(img|image|dsc|photo)[\w\-]*$", re.I)
_HEADINGS = {"h1", "h2", "h3", "h4", "h5", "h6"}


def _text_len(el) -> int:
    return sum(len(t.strip()) for t in el.itertext())


def lowercase_classes(tree: lxml_html.HtmlElement) -> None:
    """ASP.NET and SharePoint themes write 'OtherNews', 'ArticleAuthor': XPath's contains() is
    case-sensitive, so every class/id rule would need both spellings."""
    for el in tree.iter():
        if not isinstance(el.tag, str):
            continue
        for attr in ("class", "id"):
            value = el.get(attr)
            if value and value != value.lower():
                el.set(attr, value.lower())


def drop_hidden(tree: lxml_html.HtmlElement, total: int) -> int:
    """Blocks the browser never shows (a hidden 'Ban Biên tập' author field, timeout dialogs);
    never one holding most of the page, which a script might reveal."""
    removed = 0
    for el in tree.xpath("//body//*[@style or @hidden]"):
        if el.getparent() is None:
            continue
        if (el.get("hidden") is not None or _HIDDEN_STYLE.search(el.get("style", ""))) and \
                _text_len(el) < 0.4 * total:
            el.drop_tree()
            removed += 1
    return removed


def _is_link_row(li) -> bool:
    """A list row that is a link to another page: its text is mostly link text (a trailing date
    or counter is allowed), or it is an image link with no text."""
    text = _text_len(li)
    links = li.xpath(".//a[@href]")
    if not links:
        return False
    if text == 0:
        return True
    return sum(_text_len(a) for a in links) >= 0.5 * text


def _is_label(el) -> bool:
    """A short heading-like line that only names the block under it ('Tin khác', 'Văn bản mới')."""
    if not isinstance(el.tag, str) or el.xpath(".//img"):
        return False
    text = clean_spaces(el.text_content())
    if not text or len(text) > 60 or _SENTENCE_END.search(text):
        return False
    if el.tag in _HEADINGS:
        return True
    # A short bold line before a list may also be the author's credit ("Trường Hà"): labels are
    # phrases ("Tin khác", "Liên kết"), names capitalise every word.
    words = text.split()
    return len(el) <= 2 and not all(w[:1].isupper() for w in words)


def drop_link_lists(tree: lxml_html.HtmlElement, total: int, min_rows: int = 2) -> int:
    """Lists whose rows are links to other pages are related-news, document and banner lists, never
    article text; the heading that labels such a list goes with it."""
    removed = 0
    for lst in tree.xpath("//body//ul | //body//ol"):
        if lst.getparent() is None:
            continue
        rows = [li for li in lst if isinstance(li.tag, str) and li.tag == "li"]
        if len(rows) < min_rows or _text_len(lst) >= 0.4 * total:
            continue
        if sum(_is_link_row(li) for li in rows) < 0.75 * len(rows):
            continue
        # Climb through wrappers that hold nothing but the list, to reach the box its label is in.
        block = lst
        while block.getparent() is not None and block.getparent().tag not in ("body", "html") and \
                _text_len(block.getparent()) == _text_len(block) and len(block.getparent()) == 1:
            block = block.getparent()
        label = block.getprevious()
        if label is not None and _is_label(label) and (label.tail or "").strip() == "":
            label.drop_tree()
        block.drop_tree()
        removed += 1
    return removed


def image_alt_texts(tree: lxml_html.HtmlElement) -> set[str]:
    """Folded alt texts of images that describe a photo (not file names or logos): a paragraph
    repeating one is that photo's caption."""
    out = set()
    for alt in tree.xpath("//body//img/@alt"):
        alt = clean_spaces(alt)
        if len(alt) >= 15 and " " in alt and not _FILENAME.search(alt):
            out.add(fold(alt))
    return out
