"""Article extraction: trafilatura for the body, with Vietnamese portal chrome and metadata rules around it."""

from __future__ import annotations

import datetime as dt
import re
import time
from dataclasses import dataclass, field

import trafilatura
from trafilatura.utils import decode_file
from lxml import etree
from lxml import html as lxml_html

from consumers.domain.dates import WEEKDAY
from consumers.domain.extraction.boilerplate import BoilerplateMemory
from consumers.domain.extraction.chrome import ChromeRules, load_rules
from consumers.domain.extraction.credits import (
    AUTHOR_LABEL,
    CREDIT_LABEL_ALONE,
    AUTHOR_PREFIX,
    BYLINE_WITH_PHOTO,
    BYLINE_WITH_ROLES,
    CREDIT_THEN_STAMP,
    FAMILY_NAMES,
    INSTITUTION,
    MIDDLE_NAMES,
    PHOTO_PREFIX,
    PHOTO_THEN_TEXT,
    POSTED_BY,
    PRESS_SOURCE,
    SOURCE_LINE,
    TEXT_AND_PHOTO,
    TIME_OR_PART_OF_DAY,
    WORDS_BY,
    byline_name,
    credit_label,
    ends_a_list,
    is_credit,
    looks_like_institution,
    looks_like_name,
    names_with_photo,
    poster_name,
)
from consumers.domain.extraction.decoding import CP1258_TONES, decode_html, looks_like_redirect_only, sniff_binary
from consumers.domain.extraction.errors import PageRejected
from consumers.domain.extraction.kinds import ARTICLE, INTERVIEW, media_of, page_kind
from consumers.domain.extraction.parsing import parse_html
from consumers.domain.extraction.rules_xpath import prune_plan
from consumers.domain.extraction.schedules import DAY_HEADING, day_headings_as_paragraphs, is_day_heading, structural
from consumers.domain.extraction.stamps import is_stamp_line
from consumers.domain.extraction.structure import (
    literal_markers,
    marker_key,
    drop_hidden,
    drop_sidebar_cells,
    table_figures_as_blocks,
    field_tables_as_lines,
    cells_as_blocks,
    centred_lines_as_one,
    SIGNATURE,
    drop_kicker,
    keep_text_widgets,
    menu_labels,
    drop_headed_boxes,
    drop_link_lists,
    captions_under_images,
    image_alt_texts,
    TextLengths,
    lowercase_classes,
    unwrap_layout_tables,
)
from consumers.domain.extraction.metadata import (
    PAGE_HEADER,
    choose_dateline,
    dateline_candidates,
    find_title,
    meta_author,
    meta_published,
)
from consumers.domain.text import clean_spaces, fold, nfc

# Lead, caption and byline containers, by class (lower-cased first) or id. They were three XPaths of
# `//body//*[contains(@class, ...) or ...]`, which libxml2 answers with a full traversal and a string copy per
# contains(): one walk in Python reads each element's class once (see _ClassedBlocks).
_LEAD_CLASSES = ("sapo", "lead", "summary", "chapeau", "chapo", "excerpt", "description", "tomtat", "tom-tat", "intro",
                 "news-init", "hometext", "teaser-text")
_LEAD_IDS = ("sapo", "lead")
_CAPTION_CLASSES = ("caption", "Caption", "image-desc", "img-desc", "chu-thich", "chuthich")
_AUTHOR_CLASSES = ("author", "tacgia", "tac-gia", "byline", "writer", "attribution")
_AUTHOR_ITEMPROPS = ("author",)
# Caption rows of photo tables stay XPath: they test the rows' content.
_CAPTION_TABLE_ROWS = etree.XPath(
    "//body//table[contains(@class,'image') or contains(@class,'picture') or contains(@class,'tplCaption')]"
    "//tr[not(.//img)]"
    # Old CMSs put a photo in a small table of its own: the rows under the image are its caption.
    " | //body//table[count(.//img) = 1][count(.//tr) <= 3][not(.//table)]"
    "//tr[not(.//img)][string-length(normalize-space()) < 250]"
)


def _substring_test(needles: tuple[str, ...]):
    """`any(n in value for n in needles)` as one regex search (the same answer: some needle occurs)."""
    return re.compile("|".join(re.escape(n) for n in needles)).search


# Tailwind's line-height utilities ("leading-tight", "leading-7") hold "lead" and name no lead.
_HAS_LEAD_CLASS = re.compile("|".join("lead(?!ing-)" if n == "lead" else re.escape(n) for n in _LEAD_CLASSES)).search
_HAS_LEAD_ID = _substring_test(_LEAD_IDS)
_HAS_CAPTION_CLASS = _substring_test(_CAPTION_CLASSES)

_HAS_AUTHOR_CLASS = _substring_test(_AUTHOR_CLASSES)
_HAS_AUTHOR_ITEMPROP = _substring_test(_AUTHOR_ITEMPROPS)
# Where a lead or byline never is: the page's own header, menus, footer and sidebars.
_OUTSIDE_ARTICLE = etree.XPath(
    f"boolean(ancestor::{PAGE_HEADER} or ancestor::nav or ancestor::footer or ancestor::aside)")
_MAX_TABLE_CELLS = 5000
# The most article text (lead and paragraphs, UTF-8) one page may publish; captions get a tenth of it.
MAX_TEXT_BYTES = 1_000_000
_MAX_TITLE_CHARS = 1_000
_MAX_CREDIT_CHARS = 200
# What trafilatura is handed, after giant tables are dropped: its cost grows faster than the page (60,000
# paragraphs take ~20 s), and it cannot be interrupted, so the page is cut to a size it handles in about a
# second. Every page of the extraction corpora and the Zyte benchmark has fewer than 2,000 elements.
_MAX_ELEMENTS = 12_000
# Letters that only Vietnamese uses: đ, ă, ơ, ư and the precomposed tone-marked vowels.
_VIETNAMESE = re.compile("[đĐăĂơƠưƯ\u1ea0-\u1ef9]")


_LETTER_RUN = re.compile(r"[^\W\d_]+")  # the letters counted run by run: fewer objects than one per letter
_TAGS = re.compile(r"<(script|style)\b.*?</\1\s*>|<[^>]*>", re.S | re.I)
_SAMPLE_TEXT = etree.XPath("//body//p//text() | //body//h1//text() | //body//td//text()", smart_strings=False)
_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>")


def is_vietnamese(text: str, tree=None) -> bool:
    """Portal chrome rules are for Vietnamese pages; other pages get trafilatura's own behaviour.
    Decided from the page's visible paragraph text (a lang attribute can be missing or wrong)."""
    if tree is not None:
        sample = " ".join(_SAMPLE_TEXT(tree)[:400])[:60_000]
        if len(sample) < 200:
            sample = _TAGS.sub(" ", text[:300_000])[:60_000]
    else:
        sample = _TAGS.sub(" ", text[:300_000])[:60_000]
    vietnamese = len(_VIETNAMESE.findall(sample))
    if 100 * vietnamese > len(sample):
        return True  # more than 1 % of all characters, so of the letters: no need to count those
    letters = sum(map(len, _LETTER_RUN.findall(sample))) or 1
    return vietnamese / letters > 0.01


@dataclass
class ExtractedPage:
    title: str
    lead: str
    paragraphs: list[str]
    captions: list[str] = field(default_factory=list)
    published_at: dt.datetime | None = None
    modified_at: dt.datetime | None = None
    author: str | None = None
    photo_credit: str | None = None
    cms: str | None = None
    charset: str = "utf-8"
    flags: list[str] = field(default_factory=list)
    fingerprint_text: str = ""  # the text without learned boilerplate handling: a function of the page alone
    chrome_hits: int = 0
    kind: str = ARTICLE  # kinds.page_kind of the pure assembly: a function of the page alone

    @property
    def text(self) -> str:
        return "\n".join(([self.lead] if self.lead else []) + self.paragraphs)


class _Budget:
    def __init__(self, seconds: float) -> None:
        self.deadline = time.monotonic() + seconds
        self.seconds = seconds

    def check(self, step: str) -> None:
        if time.monotonic() > self.deadline:
            raise PageRejected("time_budget", f"extraction exceeded {self.seconds:.1f}s at {step}")


@dataclass
class _ClassedBlocks:
    leads: list
    captions: list
    authors: list


def _lowercase(el) -> None:
    for attr in ("class", "id"):
        value = el.get(attr)
        if value and value != value.lower():
            el.set(attr, value.lower())


def _top_bodies(doc_root) -> list:
    return [b for b in doc_root.iter("body") if not any(a.tag == "body" for a in b.iterancestors())]


def _classed_blocks(tree) -> _ClassedBlocks:
    """Lower-case every class and id under `tree` (structure.lowercase_classes) and, in the same walk, pick the
    lead, caption and byline containers among the document's body elements, in document order: what
    `//body//*[contains(@class, ...) or ...]` and `//body//figcaption` selected, plus the photo-table caption
    rows (_CAPTION_TABLE_ROWS)."""
    doc_root = tree.getroottree().getroot()
    bodies = _top_bodies(doc_root)
    leads: list = []
    captions: list = []
    authors: list = []
    if tree is doc_root and len(bodies) == 1 and bodies[0].getparent() is tree:
        body = bodies[0]
        _lowercase(tree)
        for child in tree:
            if child is not body:
                for el in child.iter(etree.Element):
                    _lowercase(el)
        _lowercase(body)
        walk = body.iterdescendants(etree.Element)
        lower = True
    else:  # a fragment or several bodies: the plain definitions
        lowercase_classes(tree)
        walk = (el for b in bodies for el in b.iterdescendants(etree.Element))
        lower = False
    for el in walk:
        cls = el.get("class") or ""
        eid = el.get("id") or ""
        if lower:
            if cls != (low := cls.lower()):
                el.set("class", low)
                cls = low
            if eid != (low := eid.lower()):
                el.set("id", low)
                eid = low
        # contains() of a missing attribute is contains('', ...): false for these non-empty needles.
        if (cls and _HAS_LEAD_CLASS(cls)) or (eid and _HAS_LEAD_ID(eid)):
            leads.append(el)
        if el.tag == "figcaption" or (cls and _HAS_CAPTION_CLASS(cls)):
            captions.append(el)
        # The byline box is named by its id as often as by its class: CMS Made Simple's "NewsPostDetailAuthor".
        if (cls and _HAS_AUTHOR_CLASS(cls)) or (eid and _HAS_AUTHOR_CLASS(eid)) or (
                (prop := el.get("itemprop")) and _HAS_AUTHOR_ITEMPROP(prop)):
            authors.append(el)
    rows = _CAPTION_TABLE_ROWS(tree)
    if rows:
        # The union in document order, each element once.
        wanted = set(captions).union(rows)
        captions = [el for b in bodies for el in b.iterdescendants(etree.Element) if el in wanted]
    return _ClassedBlocks(leads, captions, authors)


# A posting record the page prints outside the text ("Đăng bởi: Ngọc Mai, ngày 28 tháng 11 năm 2025 lúc …"): the
# text nodes that may hold one, found in one pass.
_POSTING_TEXTS = etree.XPath("//body//text()[contains(., 'ăng bởi') or contains(., 'ĂNG BỞI') "
                             "or contains(., 'iết bởi') or contains(., 'IẾT BỞI') "
                             "or contains(., 'gười đăng:') or contains(., 'GƯỜI ĐĂNG:')]")


def _posters(tree) -> list[str]:
    """Names in the page's posting records, in document order (the author when nothing else names one)."""
    blocks = (node.getparent() for node in _POSTING_TEXTS(tree)[:5])
    names = (poster_name(clean_spaces(block.text_content()), offices=True) for block in blocks if block is not None)
    return [name for name in names if name]


# A credit printed as a definition list: "<dt>Người viết</dt><dd>Minh Châu</dd>" (Optimizely's Alloy templates).
_CREDIT_TERMS = etree.XPath("//body//dt[string-length(normalize-space()) < 30]")


def _labelled_credits(tree) -> list:
    out = []
    for dt_el in _CREDIT_TERMS(tree):
        if AUTHOR_LABEL.match(clean_spaces(dt_el.text_content())):
            dd = dt_el.getnext()
            if dd is not None and dd.tag == "dd":
                out.append(dd)
    return out


def _lead_elements(found, title_el) -> list:
    """Lead containers of the article: not the site's tagline ('site-description') in the header,
    and never printed above the headline."""
    found = [el for el in found if not _OUTSIDE_ARTICLE(el) and "site-" not in el.get("class", "")]
    # A block of several paragraphs is the body ("field-type-text-with-summary" names a Drupal body field).
    found = [el for el in found if not _TWO_PARAGRAPHS(el)]
    if title_el is None or not found:
        return found
    # The headline itself, or a block holding it, is not the lead however it is classed.
    holding_title = {title_el, *title_el.iterancestors()}
    found = [el for el in found if el not in holding_title]
    # Source line numbers order elements without walking the tree; on minified one-line pages
    # every element shares a line and nothing is excluded.
    title_line = title_el.sourceline or 0
    return [el for el in found if (el.sourceline or title_line) >= title_line]


_TWO_PARAGRAPHS = etree.XPath("boolean((.//p[normalize-space()])[2])")  # empty spacers don't count
_DESCRIPTION_METAS = ("og:description", "description", "twitter:description")
_TEXT_CONTAINING = etree.XPath("//body//text()[contains(., $prefix)]")
_MIN_DECLARED_LEAD = 60


def _declared_lead(tree, title: str) -> list:
    """The element printing the summary the page declares in its <meta> description, whatever its class (a
    TYPO3 teaser, an Odoo subtitle, a Tilda post description): the page's own word for its lead. Found from
    the text nodes holding the summary's opening (one pass over text, no per-element string copies), then up
    to the smallest ancestor whose text is the whole summary."""
    summary = ""
    for meta in tree.iter("meta"):
        key = (meta.get("property") or meta.get("name") or "").strip().lower()
        if key in _DESCRIPTION_METAS:
            summary = clean_spaces(meta.get("content") or "")
            if len(summary) >= _MIN_DECLARED_LEAD:
                break
    if len(summary) < _MIN_DECLARED_LEAD or fold(summary) == fold(title):
        return []
    want = fold(summary)
    truncated = not summary.rstrip().endswith((".", "!", "?", "…", "\"", "”"))
    for node in _TEXT_CONTAINING(tree, prefix=summary[:30])[:5]:
        el = node.getparent()
        for _ in range(4):
            if el is None or el.tag == "body":
                break
            text = fold(clean_spaces(el.text_content()))
            # The <meta> may cut the summary short ("… và phương án "): the element prints it whole.
            if text == want or (truncated and text.startswith(want) and len(text) <= 2 * len(want)):
                return [el]
            if len(text) > len(want):
                break
            el = el.getparent()
    return []


def _texts(elements) -> list[str]:
    out = []
    for el in elements:
        text = clean_spaces(el.text_content())
        if text:
            out.append(text)
    return out


_COUNT_ELEMENTS = etree.XPath("count(//*)")
_TEXT_LENGTH = etree.XPath("string-length(string(.))")
_TABLES = etree.XPath("//table")
_TABLE_CELLS = etree.XPath(".//td|.//th")


def _prune_big_tables(tree: lxml_html.HtmlElement) -> int:
    removed = 0
    for table in _TABLES(tree):
        if table.getparent() is not None and len(_TABLE_CELLS(table)) > _MAX_TABLE_CELLS:
            table.drop_tree()
            removed += 1
    return removed


def _bound_tree(root, max_elements: int, max_chars: int, elements: float | None = None,
                source_chars: int | None = None) -> bool:
    """Cut the document after its first `max_elements` elements or `max_chars` characters of text (in
    document order). True if something was cut. `elements` is count(//*) if already known; `source_chars` the
    length of the decoded HTML the tree was parsed from, which its text cannot exceed (an entity is never
    longer than its reference)."""
    # Counted in C first: almost every page is far below both bounds.
    if elements is None:
        elements = _COUNT_ELEMENTS(root)
    if elements <= max_elements and (
            (source_chars is not None and source_chars <= max_chars) or _TEXT_LENGTH(root) <= max_chars):
        return False
    count = chars = 0
    for event, el in etree.iterwalk(root, events=("start", "end")):
        if event == "start":
            if not isinstance(el.tag, str):
                continue  # a comment or processing instruction: only its tail is text
            count += 1
            if el.tag not in ("script", "style") and el.text:
                chars += len(el.text)
            if el is root:
                continue
            if count > max_elements:
                _cut_after(el, root)
                el.getparent().remove(el)  # with its tail
                return True
            if chars > max_chars:
                # One giant text node: keep its beginning.
                el.text = el.text[: max(0, len(el.text) - (chars - max_chars))]
                for child in list(el):
                    el.remove(child)
                el.tail = None
                _cut_after(el, root)
                return True
        elif el.tail:
            chars += len(el.tail)
            if chars > max_chars and el is not root:
                el.tail = el.tail[: max(0, len(el.tail) - (chars - max_chars))]
                _cut_after(el, root)
                return True
    return False


def _cut_after(el, root) -> None:
    """Remove everything that follows `el` in document order: the following siblings of `el` and of each
    ancestor, and the ancestors' tails."""
    node = el
    while node is not root:
        parent = node.getparent()
        if parent is None:
            break
        for sibling in list(node.itersiblings()):
            parent.remove(sibling)
        if node is not el:
            node.tail = None
        node = parent


def _prepare_tree(tree, flags: list[str], budget: "_Budget", max_text_bytes: int,
                  source_chars: int | None = None) -> None:
    """The limits every extraction path applies before trafilatura: giant tables dropped, the page cut to a
    size trafilatura handles within the time budget."""
    elements = _COUNT_ELEMENTS(tree)
    # A table of more than _MAX_TABLE_CELLS cells takes more elements than that: most pages need no search.
    if elements > _MAX_TABLE_CELLS and _prune_big_tables(tree):
        flags.append("giant_table_dropped")
        elements = None
    budget.check("tables")
    # Text past the publishable size can never be published: no reason to hand it to trafilatura.
    if _bound_tree(tree, _MAX_ELEMENTS, max_text_bytes, elements, source_chars):
        flags.append("text_truncated")
    budget.check("bound")


def _cut_utf8(text: str, max_bytes: int) -> str:
    data = text.encode("utf-8")
    return text if len(data) <= max_bytes else data[:max_bytes].decode("utf-8", errors="ignore")


def _bound_lines(lines: list[str], max_bytes: int) -> tuple[list[str], bool]:
    """The longest prefix of `lines` whose newline-joined UTF-8 size is at most `max_bytes` (the line that
    crosses the bound is cut)."""
    out: list[str] = []
    used = 0
    for line in lines:
        size = len(line.encode("utf-8")) + (1 if out else 0)
        if used + size > max_bytes:
            rest = _cut_utf8(line, max_bytes - used - (1 if out else 0))
            if rest:
                out.append(rest)
            return out, True
        out.append(line)
        used += size
    return out, False


def _bound_body(lead: str, paragraphs: list[str], captions: list[str], max_text_bytes: int):
    """(lead, paragraphs, captions, truncated): at most `max_text_bytes` of text, a tenth of it of captions."""
    lines, cut = _bound_lines(([lead] if lead else []) + paragraphs, max_text_bytes)
    if lead:
        lead, paragraphs = (lines[0], lines[1:]) if lines else ("", [])
    else:
        paragraphs = lines
    kept_captions, cut_captions = _bound_lines(captions, max_text_bytes // 10)
    return lead, paragraphs, kept_captions, cut or cut_captions


def _remove(elements) -> None:
    for el in elements:
        parent = el.getparent()
        if parent is not None:
            el.drop_tree()


_SUBTREE_TEXTS = etree.XPath("descendant::text()", smart_strings=False)


def _text_length(el) -> int:
    """sum(len(t.strip()) for t in el.itertext()) without building an element proxy per node: the same text
    nodes (the element's text, its descendants' texts and tails), as plain strings."""
    return sum(map(len, map(str.strip, _SUBTREE_TEXTS(el))))


def _prune_chrome(tree, xpaths, lengths: TextLengths) -> None:
    """Drop chrome containers, but never one that holds most of the page's text: ASP.NET and
    SharePoint wrap whole pages in <form>, some themes put the article inside a 'sidebar' layout.

    The rules run in their order; a run of rules that test only names, attributes and ancestors is one walk
    (rules_xpath.prune_plan). Selecting such a run at once is the same as one rule after the other: what an
    earlier rule dropped is no longer in the page either way, and the decision to drop an element (its tag,
    its text length before pruning) does not depend on what was dropped before it."""
    body = tree.find(".//body")
    total = lengths.of(body if body is not None else tree) or 1
    doc_root = tree.getroottree().getroot()
    for kind, rule in prune_plan(tuple(xpaths)):
        if kind == "walk":
            found = rule.select(doc_root)
        else:
            try:
                found = rule(tree)
            except etree.XPathError:
                continue
        for el in found:
            if el.getparent() is None:
                continue
            if el.tag in ("script", "style", "noscript", "iframe", "video", "audio") or lengths.of(el) < 0.4 * total:
                el.drop_tree()


def extract_page(
    body: bytes,
    url: str,
    content_type: str | None = None,
    *,
    portal: str = "",
    rules: ChromeRules | None = None,
    boilerplate: BoilerplateMemory | None = None,
    max_bytes: int = 5_000_000,
    time_budget_s: float = 10.0,
    max_text_bytes: int = MAX_TEXT_BYTES,
    page_key: str | None = None,
) -> ExtractedPage:
    """Extract one article page. Raises PageRejected for pages that are not extractable articles.

    `page_key` is the page's identity for template learning (its canonical URL: one page fetched under tracking
    variants of its URL is one page, not several agreeing with each other); `url` by default.

    Every path (Vietnamese portal rules, plain trafilatura for other pages) drops giant tables, cuts the
    page to a size trafilatura handles, checks the time budget between steps and publishes at most
    `max_text_bytes` of text (flagged `text_truncated` when cut)."""
    budget = _Budget(time_budget_s)
    rules = rules or load_rules()
    if len(body) > max_bytes:
        raise PageRejected("too_large", f"page is {len(body)} bytes, budget is {max_bytes}")
    if not looks_vietnamese(body):
        return _extract_foreign(body, url, content_type, budget, max_text_bytes)
    text, charset, flags = decode_html(body, content_type)
    text = _XML_DECLARATION.sub("", text)
    # trafilatura's own parsing (comments and processing instructions dropped): text that follows an
    # HTML comment is otherwise lost by its extractor.
    tree = parse_html(text)
    if tree is None:
        raise PageRejected("unparseable_html", "the HTML could not be parsed")
    budget.check("parse")
    _prepare_tree(tree, flags, budget, max_text_bytes, len(text))
    # Every element's Python proxy, kept for the whole extraction: lxml builds a new proxy each time a walk or
    # an XPath result reaches an element nobody holds; held, the walks below reuse them (about 1 % of the time).
    elements = list(tree.getroottree().getroot().iter())  # noqa: F841 - held, not read
    cms = rules.detect_cms(text[:50_000])

    published, modified = meta_published(tree)
    author = meta_author(tree)
    if author and rules.is_placeholder_author(author):
        author = None
    if not is_vietnamese(text, tree):
        # Not a Vietnamese portal page: trafilatura's own behaviour, metadata from tags only.
        return _extract_generic(tree, url, _tag_title(tree), published, modified, author, charset, flags,
                                budget, max_text_bytes)
    title, title_el = find_title(tree)
    media = media_of(tree)  # before players are pruned as chrome
    # A <meta> date without its time ("DC.date.issued" = "2025-04-03") is read with the page's date line too.
    day_only = published is not None and not (published.hour or published.minute or published.second)
    dateline = dateline_candidates(tree, title_el) if published is None or day_only else None
    budget.check("metadata")

    # What the page prints as the credit outranks <meta name=author> and JSON-LD, which CMSs fill
    # with the account that posted ("Super User", "admin") or the site's name.
    meta_credit, author = author, None
    body_el = tree.find(".//body")
    total_chars = _text_length(body_el if body_el is not None else tree) or 1
    drop_hidden(tree, total_chars)
    drop_sidebar_cells(tree, title_el)
    table_figures_as_blocks(tree)
    field_tables_as_lines(tree)
    unwrap_layout_tables(tree)
    cell_folds = cells_as_blocks(tree)
    # Class and id values are lower-cased here (they used to be before drop_hidden and unwrap_layout_tables,
    # which read neither).
    blocks = _classed_blocks(tree)
    menu_folds = menu_labels(tree)  # classes are lower-case now; menus are pruned as chrome below
    lead_candidates = [t for t in _texts(_lead_elements(blocks.leads, title_el)) if len(t) >= 40]
    if not lead_candidates:
        lead_candidates = _texts(_lead_elements(_declared_lead(tree, title), title_el))
    lead = lead_candidates[0] if lead_candidates else ""
    caption_els = blocks.captions + captions_under_images(tree)
    captions = list(dict.fromkeys(t for t in _texts(caption_els) if len(t) >= 8))
    author_nodes = [t for t in _texts(blocks.authors) if len(t) <= 80]
    labelled_credits = [t for t in _texts(_labelled_credits(tree)) if len(t) <= 80]
    posters = _posters(tree)
    author_folds = {fold(t) for t in author_nodes}
    alt_folds = image_alt_texts(tree)

    # Captions and the lead are taken out of the tree so trafilatura cannot repeat them in the body.
    _remove(caption_els)
    centred_lines_as_one(tree, rules.is_chrome_line)
    drop_kicker(title_el)
    lengths = TextLengths(tree)
    drop_link_lists(tree, total_chars, lengths)
    drop_headed_boxes(tree, total_chars, lengths, rules.is_chrome_line)
    _prune_chrome(tree, rules.xpaths_for(cms), lengths)
    keep_text_widgets(tree)
    day_headings_as_paragraphs(tree, title_el)
    markers = literal_markers(tree)
    closing = _interview_closing(tree)
    budget.check("prune")
    extracted = trafilatura.extract(
        tree, url=url, output_format="txt", include_comments=False, include_tables=True,
        include_images=False, include_links=False, deduplicate=False, favor_recall=True,
        with_metadata=False,
    ) or ""
    budget.check("trafilatura")

    title_fold = fold(title)
    # "<title>Cổng thông tin điện tử tỉnh Hà Tĩnh - Tin chỉ đạo điều hành</title>": the other segments name the
    # site and the section, and a line that prints one of them alone is chrome (a portlet or menu heading).
    section_folds = {fold(seg) for seg in re.split(r"\s+[-|–—»:]\s+", clean_spaces(tree.findtext(".//title") or ""))
                     if seg and fold(seg) != title_fold and not title_fold.startswith(fold(seg))}
    page = _PageLines(
        lines=extracted.split("\n"), rules=rules, title_fold=title_fold, section_folds=section_folds,
        menu_folds=menu_folds - {title_fold},
        captions=captions, lead=lead, alt_folds=alt_folds, author_folds=author_folds, author_nodes=author_nodes,
        meta_credit=meta_credit, max_text_bytes=max_text_bytes, markers=markers, cell_folds=cell_folds,
        labelled_credits=labelled_credits, posters=posters,
    )
    # The body is assembled twice when the process has learned a portal's boilerplate. The pure assembly
    # (static rules only) is a function of the page's bytes and URL alone: it decides rejection, the dates
    # and the fingerprint, so a restarted process or a second replica takes the same dedup decision on the
    # same bytes. What a process has learned changes the published text and credits, nothing else.
    pure = _assemble(page, None)
    if not pure.lead and not pure.paragraphs:
        raise PageRejected("empty_body", "no article text found on the page")
    # trafilatura drops an interview's closing thanks when it is a short bold line or a heading after the last answer
    # ("<h3>Xin cảm ơn ông!</h3>"); the page printed it, so it counts for the kind (it addresses the interviewee),
    # and the reporter's last turn is the interview's text.
    dropped = [closing] if closing and not any(fold(closing) in fold(p) for p in pure.paragraphs) else []
    kind = page_kind(title, ([pure.lead] if pure.lead else []) + pure.paragraphs + dropped, pure.captions, media)
    if kind == INTERVIEW and dropped:
        pure.paragraphs.append(closing)
    shown = pure
    if boilerplate is not None and portal:
        def is_learned(line: str, folded: str) -> bool:
            # A list item or a label ("Buổi sáng:") recurs across a portal's schedules on purpose: never chrome.
            return boilerplate.is_boilerplate(portal, line, folded) and not structural(line)

        # Without a single learned line among them the second assembly would learn nothing: skip it.
        if any(is_learned(line, folded) for line, folded in page.cleaned()):
            learned = _assemble(page, is_learned)
            if learned.learned_lines and (learned.lead or learned.paragraphs):
                shown = learned

    if pure.truncated and "text_truncated" not in flags:
        flags.append("text_truncated")
    if dateline is not None:
        printed = choose_dateline(dateline, title_el is not None, pure.lead or None)
        if published is None:
            published = printed
        elif printed is not None and printed.date() == published.date() and (printed.hour or printed.minute):
            published = printed  # the same day as the <meta>, with the time the page prints
    if published is None:
        flags.append("missing_date")
    budget.check("metadata-dateline")
    if boilerplate is not None and portal:
        # What is observed is pure too, so a learned line keeps being seen (and stays learned).
        boilerplate.observe(portal, page_key or url, [pure.lead, *pure.paragraphs])
    return ExtractedPage(
        title=title[:_MAX_TITLE_CHARS], lead=shown.lead, paragraphs=shown.paragraphs, captions=shown.captions,
        published_at=published, modified_at=modified, author=shown.author, photo_credit=shown.photo_credit,
        cms=cms, charset=charset, flags=flags, chrome_hits=shown.chrome_hits,
        fingerprint_text="\n".join(([pure.lead] if pure.lead else []) + pure.paragraphs),
        kind=kind,
    )


# The reporter's closing thanks: "Xin cảm ơn ông!", "Trân trọng cảm ơn đồng chí!", "Cảm ơn bà về cuộc trò chuyện."
_CLOSING_THANKS = re.compile(r"^(?:(?:PV|P\.V|Phóng viên)\s*:\s*)?(?:xin\s+)?(?:chân thành\s+|trân trọng\s+)?cảm ơn\s+"
                             r"(?:ông|bà|anh|chị|đồng chí)\b[^.!?]{0,60}[.!]?$", re.I)
# Text nodes that may belong to one (found by libxml2 in one pass; the block is then read whole).
_THANKS_TEXTS = etree.XPath("//body//text()[contains(., 'ảm ơn') or contains(., 'ẢM ƠN')]")
_BLOCK_TAGS = frozenset(("p", "h2", "h3", "h4", "h5", "h6", "div", "li", "td"))


def _interview_closing(tree) -> str | None:
    """The last short block of the pruned page that is an interview's closing thanks, if any."""
    found = None
    for node in _THANKS_TEXTS(tree):
        el = node.getparent()
        while el is not None and el.tag not in _BLOCK_TAGS and el.tag != "body":
            el = el.getparent()
        if el is None or el.tag == "body":
            continue
        text = nfc(clean_spaces(el.text_content()))
        if text and len(text) < 90 and _CLOSING_THANKS.match(text):
            found = text
    return found


@dataclass
class _PageLines:
    """trafilatura's lines and what the page says around them: the input of one body assembly."""
    lines: list[str]
    rules: ChromeRules
    title_fold: str
    section_folds: set[str]
    # Labels of the site's menus: chrome when printed above the article ("Tin hoạt động" over the headline), text
    # inside it (a subheading "Kinh tế" that a sector menu also lists).
    menu_folds: set[str]
    captions: list[str]
    lead: str
    alt_folds: set[str]
    author_folds: set[str]
    author_nodes: list[str]
    meta_credit: str | None
    max_text_bytes: int = MAX_TEXT_BYTES
    # marker_key(text) -> the list marker the page itself prints before that line (structure.literal_markers).
    markers: dict[str, str] = field(default_factory=dict)
    # Folded texts of data-table cells (structure.cells_as_blocks): repeated on purpose, never deduplicated.
    cell_folds: set[str] = field(default_factory=set)
    # Credits printed as "<dt>Người viết</dt><dd>…</dd>": the author only when nothing else names one.
    labelled_credits: list[str] = field(default_factory=list)
    # Names in the page's posting records ("Đăng bởi: X, ngày …"), outside the text: the last resort.
    posters: list[str] = field(default_factory=list)
    _cleaned: list[tuple[str, str]] | None = None
    _chrome: dict[str, bool] = field(default_factory=dict)
    _day_headings: int | None = None
    _article_start: int | None = None
    _text_start: int | None = None

    def cleaned(self) -> list[tuple[str, str]]:
        """(line, folded) of every line with text: computed once for both assemblies."""
        if self._cleaned is None:
            out = []
            for raw_line in self.lines:
                # Table rows come out of trafilatura as "| cell |": the pipes are layout, not text.
                line = clean_spaces(raw_line).strip("| ")
                core = line.lstrip("-•* ").strip()
                # trafilatura's "- " for an <li> is layout; a marker the page wrote ("- 8 giờ 00: …", "* Thưa
                # ông, …") is part of a schedule's or an interview's text.
                prefix = self.markers.get(marker_key(core)) if core != line and self.markers else None
                line = prefix + core if prefix else core
                if line:
                    folded = fold(line)
                    if folded:
                        out.append((line, folded))
            self._cleaned = out
        return self._cleaned

    def article_start(self) -> int:
        """Index of the headline's line, else the lead's, else the first sentence-long line's, else len(lines).
        Computed once: the assembly asks for it line by line."""
        if self._article_start is None:
            cleaned = self.cleaned()
            folds = [folded for _, folded in cleaned]
            lead_fold = fold(self.lead) if self.lead else None
            self._article_start = next((folds.index(wanted) for wanted in (self.title_fold, lead_fold)
                                        if wanted and wanted in folds), None)
            if self._article_start is None:
                # Neither printed in trafilatura's lines: the first sentence-long line starts the article.
                self._article_start = next((i for i, (line, _) in enumerate(cleaned)
                                            if len(line.split()) >= _SENTENCE_WORDS), len(cleaned))
        return self._article_start

    def text_start(self) -> int:
        """Index of the first line of the article's text: the lead's line, else the first sentence-long line
        after the headline (else the headline's next line). Computed once."""
        if self._text_start is None:
            cleaned = self.cleaned()
            start = self.article_start()
            lead_fold = fold(self.lead) if self.lead else None
            found = next((i for i, (_, folded) in enumerate(cleaned) if folded == lead_fold), None) \
                if lead_fold else None
            if found is None:
                after = start + 1 if start < len(cleaned) else 0
                found = next((i for i in range(after, len(cleaned)) if len(cleaned[i][0].split()) >= _SENTENCE_WORDS
                              and not is_stamp_line(cleaned[i][0])), min(after, len(cleaned)))
            self._text_start = found
        return self._text_start

    def day_headings(self) -> int:
        """How many lines read like a schedule's day heading."""
        if self._day_headings is None:
            self._day_headings = sum(1 for line, _ in self.cleaned() if DAY_HEADING.match(line))
        return self._day_headings

    def is_chrome(self, line: str, folded: str) -> bool:
        known = self._chrome.get(line)
        if known is None:
            known = self._chrome[line] = self.rules.is_chrome_line(line) or (
                folded in self.section_folds and len(line) <= 80)
        return known


@dataclass
class _Body:
    lead: str
    paragraphs: list[str]
    captions: list[str]
    author: str | None
    photo_credit: str | None
    chrome_hits: int
    learned_lines: list[str]
    truncated: bool = False


def _info_bar_byline(line: str, page: "_PageLines"):
    """The byline inside an info bar whose other items are chrome: "Ngày đăng: 08/07/2024 · Tác giả: Thanh Tâm"."""
    if not _INFO_BAR_SEPARATOR.search(line):
        return None
    parts = [p.strip() for p in _INFO_BAR_SEPARATOR.split(line) if p.strip()]
    bylines = [m for m in map(AUTHOR_PREFIX.match, parts) if m]
    if len(bylines) == 1 and len(parts) > 1 and all(
            page.rules.is_chrome_line(p) for p in parts if not AUTHOR_PREFIX.match(p)):
        return bylines[0]
    return None


_INFO_BAR_SEPARATOR = re.compile(r"\s+[|·•]\s+")


_HAS_DIGIT = re.compile(r"\d").search
# A quoted document's header under its lead ("QUYẾT ĐỊNH", "TỈNH ỦY ĐIỆN BIÊN" is an INSTITUTION) is no byline.
_DOCUMENT_NAME = re.compile(r"^(?:quyết định|nghị quyết|chỉ thị|thông báo|kế hoạch|quy chế|tờ trình|báo cáo|công văn|"
                            r"hướng dẫn|quy định|kết luận)\b", re.I)
_WEEKDAY_NAME = re.compile(WEEKDAY)  # "THỨ HAI" heads a schedule's day, whatever its case
# A line this long is a sentence of the article, not a label or a stamp.
_SENTENCE_WORDS = 12


def _name_under_lead(line: str, folded: str, page: "_PageLines") -> bool:
    """`line`, printed alone under the lead, reads as the writer's name: two words (a pen name), a family or a
    middle name, or two pen names; never a day, a table cell, an office or a document's name."""
    words = re.sub(r"\([^)]{1,20}\)", "", line).split()  # "PHƯƠNG VI (thực hiện)"
    if not (2 <= len(words) <= 4 and len(line) <= 40 and looks_like_name(line)) or _HAS_DIGIT(line):
        return False
    if folded in page.cell_folds or _WEEKDAY_NAME.search(line) or INSTITUTION.match(line) or _DOCUMENT_NAME.match(line):
        return False
    if len(words) == 2 or fold(words[0]) in FAMILY_NAMES or fold(words[1]) in MIDDLE_NAMES:
        return True
    # Two pen names: "Thu Hằng, Minh Tâm".
    parts = [part.split() for part in re.split(r"\s*[,\-–&]\s*", line) if part.strip()]
    return len(parts) == 2 and all(len(part) == 2 for part in parts)


def _box_label_above(page: "_PageLines", i: int, line: str) -> bool:
    """A box's label printed above the headline ("Tin mới cập nhật:"): nothing of the article above its headline
    ends with a colon. Only when the headline was found: otherwise "above" means nothing."""
    start = page.article_start()
    return i < start < len(page.cleaned()) and len(line) <= 40 and line.endswith(":") \
        and page.cleaned()[start][1] == page.title_fold


def _assemble(page: _PageLines, is_learned) -> _Body:
    """Lead, paragraphs, captions and credits from trafilatura's lines. `is_learned(line, folded)` (or None)
    names the lines a process has learned are chrome: they leave the body as if the page had never printed
    them."""
    rules = page.rules
    captions = list(page.captions)
    caption_folds = {fold(c) for c in captions}
    lead = page.lead
    lead_fold = fold(lead) if lead else ""
    author: str | None = None
    paragraphs: list[str] = []
    under_lead: int | None = None  # index in `paragraphs` of a name printed alone under the lead
    posted_by: str | None = None  # "Đăng bởi: X": the credit when nothing else names one
    learned: list[str] = []
    photo_credit: str | None = None
    chrome_hits = 0
    seen: set[str] = set()
    cleaned = page.cleaned()
    for i, (line, folded) in enumerate(cleaned):
        if folded in seen and not structural(line) and folded not in page.cell_folds:
            continue
        chrome = page.is_chrome(line, folded) or (folded in page.menu_folds and i < page.article_start()) \
            or (i < page.text_start() and is_stamp_line(line)) or _box_label_above(page, i, line)
        learned_chrome = not chrome and is_learned is not None and is_learned(line, folded)
        if (chrome or learned_chrome) and (is_day_heading(page, i) or (
                folded in page.cell_folds and TIME_OR_PART_OF_DAY.match(line))):
            # A schedule's day heading reads like a visit date, and recurs across the portal's schedules; a data
            # table's time cell ("08:00") reads like a bare stamp.
            chrome = learned_chrome = False
        if chrome:
            chrome_hits += 1
            if posted_by is None and (poster := poster_name(line)) and not rules.is_placeholder_author(poster):
                posted_by = poster  # "Đăng bởi Nguyễn Thị Mỹ Lệ lúc 16:00 ngày 20/12/2024 · …"
            continue
        if learned_chrome:
            chrome_hits += 1
            learned.append(line)
            continue
        if folded == page.title_fold or folded in caption_folds or (lead_fold and folded == lead_fold):
            continue
        if folded in page.alt_folds and len(line) <= 300:
            # The photo's alt text printed again under it: a caption, not body text.
            captions.append(line)
            caption_folds.add(folded)
            continue
        both = PHOTO_THEN_TEXT.match(line)
        if both and len(line) <= 100 and is_credit(both.group(2)) and (
                not WORDS_BY.search(line) or looks_like_name(both.group(2))):
            photo_credit = photo_credit or both.group(1).strip()
            author = author or both.group(2).strip()
            continue
        credit = PHOTO_PREFIX.match(line)
        if credit and len(line) <= 80:
            photo_credit = photo_credit or credit.group(1).strip()
            continue
        byline = credit_label(line) or _info_bar_byline(line, page)
        if byline and len(line) <= 100 and (stamped := CREDIT_THEN_STAMP.match(byline.group(1))) \
                and is_credit(stamped.group(1)):
            # "Người viết: Văn phòng Huyện ủy - Đăng ngày 07-03-2025, 09:15": the credit, then the posting stamp.
            author = author or stamped.group(1).strip()
            continue
        if byline and len(line) <= 80 and is_credit(byline.group(1)):
            if POSTED_BY.match(byline.group(0)):
                posted_by = posted_by or byline.group(1).strip()  # the poster, unless the text is signed
                continue
            author = author or byline.group(1).strip()
            if TEXT_AND_PHOTO.match(byline.group(0)):
                photo_credit = photo_credit or byline.group(1).strip()
            continue
        if folded in page.author_folds and len(line) <= 80:
            # The text of the page's byline element ("Phòng Thông tin - Dân nguyện").
            author = author or byline_name(line, rules)
            continue
        if author is None and under_lead is None and len(paragraphs) == (0 if lead else 1) \
                and _name_under_lead(line, folded, page):
            # A name on its own line right under the lead is the byline ("MINH NHẬT"), unless the page signs its
            # text at the end too (decided below): kept in place until then.
            under_lead = len(paragraphs)
        seen.add(folded)
        paragraphs.append(line)

    # Credits printed after the last paragraph: "Thu Chung", "(Theo Báo Nhân Dân)".
    # Not a document's signer: a name under "CHỦ TỊCH" / "(Đã ký)" signs the document, it does not write the page.
    while paragraphs and not SIGNATURE.match(paragraphs[-1]) and (
            looks_like_name(paragraphs[-1]) or SOURCE_LINE.match(paragraphs[-1])
            or looks_like_institution(paragraphs[-1]) or names_with_photo(paragraphs[-1])) and not (
            len(paragraphs) > 1 and SIGNATURE.search(paragraphs[-2])) and not ends_a_list(paragraphs):
        tail = paragraphs.pop()
        labelled = bool(paragraphs) and bool(CREDIT_LABEL_ALONE.match(paragraphs[-1].strip()))
        # "Theo Báo Lạng Sơn" and "Nguồn" over "Báo Quảng Ninh" name the source newspaper, not a writer.
        if not SOURCE_LINE.match(tail) and not rules.is_placeholder_author(tail) and not (
                labelled and PRESS_SOURCE.match(tail)):
            author = author or tail.strip()
        if labelled:
            paragraphs.pop()  # the credit's label on the line above it ("Nguồn")
            break
    if author is None and under_lead is not None and under_lead < len(paragraphs):
        author = paragraphs.pop(under_lead).strip()
    if author is None:
        author = next(filter(None, (byline_name(node, rules) for node in page.author_nodes)), None)
    if author is None:
        author = next(filter(None, (byline_name(node, rules) for node in page.labelled_credits)), None) or posted_by \
            or next((name for name in page.posters if not rules.is_placeholder_author(name)), None)
    if photo_credit is None:
        photo_credit = next((m.group(1).strip() for m in map(credit_label, page.author_nodes)
                             if m and TEXT_AND_PHOTO.match(m.group(0))), None)
    if author is None and page.meta_credit and (looks_like_name(page.meta_credit)
                                                 or looks_like_institution(page.meta_credit)):
        author = page.meta_credit
    if author and rules.is_placeholder_author(author):
        author = None

    if author:
        # One byline for text and photos: "H'Yâm Niê - Ảnh: Hoàng Gia".
        split = BYLINE_WITH_PHOTO.match(author) or BYLINE_WITH_ROLES.match(author)
        if split:
            author, photo_credit = split.group(1).strip(), photo_credit or split.group(2).strip()
    if not lead and paragraphs:
        lead = paragraphs.pop(0)
    elif lead and paragraphs and fold(paragraphs[0]).startswith(lead_fold[: max(20, len(lead_fold) - 5)]):
        paragraphs.pop(0)
    lead, paragraphs, captions, truncated = _bound_body(lead, paragraphs, captions, page.max_text_bytes)
    return _Body(lead=lead, paragraphs=paragraphs, captions=captions, author=_bound_credit(author),
                 photo_credit=_bound_credit(photo_credit), chrome_hits=chrome_hits, learned_lines=learned,
                 truncated=truncated)


def _bound_credit(name: str | None) -> str | None:
    return name[:_MAX_CREDIT_CHARS] if name else name


# Byte sequences only Vietnamese text produces: UTF-8 of the Latin Extended Additional block (ạ…ỹ), đ ư ơ ă,
# decomposed tone marks, and the same as HTML character references.
_VIETNAMESE_BYTES = (b"\xe1\xba", b"\xe1\xbb", b"\xc4\x91", b"\xc6\xb0", b"\xc6\xa1", b"\xc4\x83",
                     b"\xcc\x81", b"\xcc\x80", b"\xcc\x89", b"\xcc\xa3", b"&#78", b"&#79", b"&#273;",
                     b"&#432;", b"&#417;")


# Counted as two regex searches, the character references and the UTF-8 sequences: no two sequences can overlap
# (none ends with a byte another starts with), so the number of matches is the sum of their counts.
_VIETNAMESE_REFERENCES = re.compile(b"|".join(re.escape(seq) for seq in _VIETNAMESE_BYTES if seq.startswith(b"&")))
_VIETNAMESE_UTF8 = re.compile(b"|".join(re.escape(seq) for seq in _VIETNAMESE_BYTES if not seq.startswith(b"&")))
_VIETNAMESE_LEADS = tuple(sorted({seq[:1] for seq in _VIETNAMESE_BYTES if not seq.startswith(b"&")}))


def _count_up_to(pattern: re.Pattern, data: bytes, n: int) -> int:
    found = 0
    for found, _ in enumerate(pattern.finditer(data), 1):
        if found >= n:
            break
    return found


def looks_vietnamese(body: bytes) -> bool:
    """A cheap look at the raw bytes: pages with no Vietnamese letters skip the portal rules entirely
    (and the decoding and metadata work they need), so generic pages cost what plain trafilatura costs."""
    sample = body[:300_000]
    found = _count_up_to(_VIETNAMESE_REFERENCES, sample, 10)
    # Most pages that are not Vietnamese hold none of the sequences' first bytes (a memchr each), or fewer of
    # them than the sequences still missing; only the others are searched.
    if found < 10 and any(lead in sample for lead in _VIETNAMESE_LEADS):
        missing = 10 - found
        if len(sample) - len(sample.translate(None, b"".join(_VIETNAMESE_LEADS))) >= missing:
            found += _count_up_to(_VIETNAMESE_UTF8, sample, missing)
    if found >= 10:
        return True
    try:
        sample.decode("utf-8")
        return False  # valid UTF-8 without Vietnamese letters
    except UnicodeDecodeError as exc:
        if exc.start >= len(sample) - 3:
            return False  # the sample cut a character in two
    return bool(CP1258_TONES.search(sample))  # legacy windows-1258 bytes


def _extract_foreign(body: bytes, url: str, content_type: str | None, budget: _Budget,
                     max_text_bytes: int) -> ExtractedPage:
    if not body.strip():
        raise PageRejected("empty_page", "the response body is empty")
    binary = sniff_binary(body)
    if binary:
        raise PageRejected("binary_page", f"the body is {binary}, not HTML")
    if looks_like_redirect_only(body):
        raise PageRejected("redirect_only", "the page is only a JavaScript/meta redirect")
    end = body.find(b"</head>")
    head = parse_html(body[: end + 7] + b"<body></body></html>", repair_known_clean=True) if end > 0 else None
    title, published, modified, author = "", None, None, None
    if head is not None:
        title = _tag_title(head)
        published, modified = meta_published(head)
        author = meta_author(head)
    # Parsed as trafilatura parses bytes (load_html(bytes) is load_html(decode_file(bytes)); parse_html is
    # load_html), so the text is what plain trafilatura finds, within the same limits as the portal path.
    source = decode_file(body)
    tree = parse_html(source)
    if tree is None:
        raise PageRejected("empty_body", "no article text found on the page")
    budget.check("parse")
    flags: list[str] = []
    _prepare_tree(tree, flags, budget, max_text_bytes, len(source))
    return _extract_generic(tree, url, title, published, modified, author, "utf-8", flags, budget, max_text_bytes)


_OG_TITLE = etree.XPath("string(//meta[@property='og:title']/@content)")


def _tag_title(tree) -> str:
    og = _OG_TITLE(tree)
    title = clean_spaces(og or tree.findtext(".//title") or "")
    parts = [p for p in re.split(r"\s+[-|–—»]\s+", title) if p]
    return max(parts, key=len) if parts else title


def _extract_generic(tree, url, title, published, modified, author, charset, flags, budget: _Budget,
                     max_text_bytes: int) -> ExtractedPage:
    """Plain trafilatura on a page the portal rules are not for (an already parsed and bounded tree, or the
    text when the limits cannot apply to it)."""
    extracted = trafilatura.extract(tree, url=url, output_format="txt") or ""
    budget.check("trafilatura")
    # clean_spaces of the whole text is the non-empty cleaned lines joined (a newline never composes in NFC).
    cleaned = clean_spaces(extracted)
    paragraphs = cleaned.split("\n") if cleaned else []
    if not paragraphs:
        raise PageRejected("empty_body", "no article text found on the page")
    lead = paragraphs.pop(0)
    lead, paragraphs, _, truncated = _bound_body(lead, paragraphs, [], max_text_bytes)
    flags = [*flags, "not_vietnamese"] + ([] if published else ["missing_date"])
    if truncated and "text_truncated" not in flags:
        flags.append("text_truncated")
    return ExtractedPage(title=title[:_MAX_TITLE_CHARS], lead=lead, paragraphs=paragraphs, published_at=published,
                         modified_at=modified, author=_bound_credit(author), charset=charset, flags=flags,
                         fingerprint_text="\n".join([lead, *paragraphs]))
