"""Structural chrome heuristics that need no per-portal data: hidden blocks, lists of headline links
and the label headings above them, image alt texts that reappear as printed captions."""

from __future__ import annotations

import re

from lxml import etree
from lxml import html as lxml_html

from consumers.domain.text import clean_spaces, fold

_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.I)
_SENTENCE_END = re.compile(r"[.!?…;]\s*$")
_FILENAME = re.compile(r"\.(jpe?g|png|gif|webp|bmp)$|^(img|image|dsc|photo)[\w\-]*$", re.I)
_HEADINGS = {"h1", "h2", "h3", "h4", "h5", "h6"}
# Compiled once: lxml compiles a string XPath on every call, which cost more than evaluating it here.
_STYLED = etree.XPath("//body//*[@style or @hidden]")
_LINKS = etree.XPath(".//a[@href]")
_IMAGES = etree.XPath(".//img")
_ROWS = etree.XPath(".//tr")
_LIST_BLOCKS = etree.XPath("//body//ul | //body//ol | //body//table[not(.//table)] | //body//div[count(*) >= 3]")
_ALTS = etree.XPath("//body//img/@alt", smart_strings=False)
_ITALICS = etree.XPath(".//em | .//i")
_IMAGE_BLOCKS = etree.XPath("//body//p[.//img] | //body//div[.//img][not(.//p)] | //body//td[.//img][not(.//p)]")
_NESTED_BLOCKS = etree.XPath(".//p | .//div | .//table")
# A picture and one line of text as the only two children of a block named as a picture's, a <figure> in all but name:
# Lektor's <div class="image"><img><p>caption</p></div> (a chart beside a sentence of the text in a plain div, or an
# icon beside a note, is no figure).
_PICTURE_AND_LINE = etree.XPath("//body//div[count(*) = 2][*[1][self::img or ((self::a or self::picture) and .//img)]]"
                                "/*[2][self::p or self::span or self::div][not(.//img)]")
_PICTURE_CLASS = re.compile(r"(?:^|[\s_-])(?:image|img|photo|picture|figure|hinh|hinh-anh|anh)(?:[\s_-]|$)")
_LEAD_CLASS = re.compile(r"sapo|lead|summary|tomtat|description|intro")
_CAPTION_PLACEMENT = re.compile(r"(?i)\bcaption-(?:top|bottom)\b")
# Markdown editors (Parsedown) type a picture's caption as a smallest heading right under it.
_CAPTION_HEADINGS = ("h5", "h6")
_TABLES = etree.XPath("//body//table")
_CELL_CONTENT = etree.XPath(".//h1 | .//h2 | .//table")
# Short first children: where a box's heading ("Sự kiện sắp diễn ra", "Lượt truy cập") sits.
# (Not `not(preceding-sibling::*)`: that walks back over every sibling, quadratic in a long flat body.)
_FIRST_CHILDREN = etree.XPath("//body//*[*[2]]/*[1][not(*[3])]")


def _text_len(el) -> int:
    return sum(len(t.strip()) for t in el.itertext())


class TextLengths(dict):
    """Visible-text length of every element, counted once for the whole tree. After blocks are
    dropped an ancestor's figure is too high, never too low: the checks that use it only get
    more careful."""

    def __init__(self, root) -> None:
        super().__init__()
        for el in reversed(list(root.iter())):
            n = len((el.text or "").strip()) if isinstance(el.tag, str) else 0
            for child in el:
                n += self.get(child, 0) + len((child.tail or "").strip())
            self[el] = n

    def of(self, el) -> int:
        n = self.get(el)
        return _text_len(el) if n is None else n


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
    for el in _STYLED(tree):
        if el.getparent() is None:
            continue
        if (el.get("hidden") is not None or _HIDDEN_STYLE.search(el.get("style", ""))) and \
                _text_len(el) < 0.4 * total:
            el.drop_tree()
            removed += 1
    return removed


def _is_link_row(li, lengths: TextLengths) -> bool:
    """A list row that is a link to another page: its text is mostly link text (a trailing date
    or counter is allowed), or it is an image link with no text."""
    links = _LINKS(li)
    if not links:
        return False
    text = lengths.of(li)
    return text == 0 or sum(lengths.of(a) for a in links) >= 0.5 * text


def _is_label(el) -> bool:
    """A short heading-like line that only names the block under it ('Tin khác', 'Văn bản mới')."""
    if not isinstance(el.tag, str) or _IMAGES(el):
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


def _rows(block) -> list:
    """The repeated rows of a list-like block: <li> of a list, <tr> of a flat table, or the
    children of a <div> when they are all the same element (div/p/article items of a news box)."""
    if block.tag in ("ul", "ol"):
        return [li for li in block if li.tag == "li"]
    if block.tag == "table":
        return _ROWS(block)
    children = [c for c in block if isinstance(c.tag, str)]
    if len(children) >= 3 and len({c.tag for c in children}) == 1 and children[0].tag in ("div", "p", "article"):
        return children
    return []


def _reads_as_text(block, rows) -> bool:
    """A list the article itself introduces ("... các nghị quyết:") or whose items are clauses
    ending in ';' or '.' is part of the text, even when each item links to a document."""
    intro = block.getprevious()
    if intro is not None and isinstance(intro.tag, str) and clean_spaces(intro.text_content()).endswith(":"):
        return True
    ends = [clean_spaces(r.text_content())[-1:] for r in rows]
    return sum(e in (".", ";") for e in ends) > len(rows) / 2


def drop_link_lists(tree: lxml_html.HtmlElement, total: int, lengths: TextLengths, min_rows: int = 2) -> int:
    """Blocks whose rows are links to other pages are related-news, document and banner lists,
    never article text; the heading that labels such a block goes with it."""
    removed = 0
    for block in _LIST_BLOCKS(tree):
        if block.getparent() is None:
            continue
        rows = _rows(block)
        if len(rows) < min_rows or lengths.of(block) >= 0.4 * total:
            continue
        if sum(_is_link_row(r, lengths) for r in rows) < 0.75 * len(rows) or _reads_as_text(block, rows):
            continue
        # Climb through wrappers that hold nothing but the list, to reach the box its label is in.
        while block.getparent() is not None and block.getparent().tag not in ("body", "html") and \
                len(block.getparent()) == 1 and lengths.of(block.getparent()) == lengths.of(block):
            block = block.getparent()
        label = block.getprevious()
        if label is not None and _is_label(label) and (label.tail or "").strip() == "":
            label.drop_tree()
        block.drop_tree()
        removed += 1
    return removed


def drop_headed_boxes(tree: lxml_html.HtmlElement, total: int, lengths: TextLengths, is_chrome_heading) -> int:
    """A small box that opens with a chrome heading ("Sự kiện sắp diễn ra", "Lượt truy cập", "Tin liên
    quan") is a sidebar panel, whatever its rows are (plain event titles and visitor figures are not links,
    so drop_link_lists keeps them): it goes whole. Headings holding a digit never qualify (a schedule's day
    heading reads like a date stamp), nor does a box holding the page's headline or a large share of its text."""
    removed = 0
    for heading in _FIRST_CHILDREN(tree):
        if not 3 <= lengths.of(heading) <= 60:
            continue
        box = heading.getparent()
        if box is None or box.tag in ("body", "html"):
            continue
        text = clean_spaces(heading.text_content())
        if any(ch.isdigit() for ch in text) or not is_chrome_heading(text):
            continue
        size = lengths.of(box)
        if size > min(0.25 * total, 2000) or box.find(".//h1") is not None:
            continue
        box.drop_tree()
        removed += 1
    return removed


def image_alt_texts(tree: lxml_html.HtmlElement) -> set[str]:
    """Folded alt texts of images that describe a photo (not file names or logos): a paragraph
    repeating one is that photo's caption."""
    out = set()
    for alt in _ALTS(tree):
        alt = clean_spaces(alt)
        if len(alt) >= 15 and " " in alt and not _FILENAME.search(alt):
            out.add(fold(alt))
    return out


def _is_image_block(el) -> bool:
    return isinstance(el.tag, str) and (el.tag == "img" or bool(_IMAGES(el))) and _text_len(el) == 0


def _is_caption_style(el) -> bool:
    """Printed like a caption: wholly in italics, or a short centred line."""
    text = clean_spaces(el.text_content())
    if not text or len(text) > 300:
        return False
    italic = "".join(t for i in _ITALICS(el) for t in i.itertext())
    if len(clean_spaces(italic)) >= 0.9 * len(text):
        return True
    return _is_centred(el) and len(text) <= 200


def _is_italic(el) -> bool:
    text = clean_spaces(el.text_content())
    italic = "".join(t for i in _ITALICS(el) for t in i.itertext())
    return bool(text) and len(text) <= 300 and len(clean_spaces(italic)) >= 0.9 * len(text)


def _only_under_pictures(tree, tag: str) -> bool:
    """Every <tag> heading of the page follows a picture: the level is the page's caption, not a subheading."""
    for heading in tree.iter(tag):
        before = heading.getprevious()
        if before is None or not _is_image_block(before):
            return False
    return True


def captions_under_images(tree: lxml_html.HtmlElement) -> list:
    """Paragraphs printed right under an image-only paragraph in caption style: editors of
    NukeViet, Joomla and custom CMSs type the caption as the next <p>, often twice."""
    found = []
    caption_levels: dict[str, bool] = {}  # h5/h6: used only under pictures (see _only_under_pictures)
    for block in _IMAGE_BLOCKS(tree):
        if not _is_image_block(block):
            # Image and italic caption in one block: <div align="center"><img><br><i>...</i></div>.
            if not _NESTED_BLOCKS(block) and _is_italic(block):
                found.append(block)
            continue
        nxt = block.getnext()
        if nxt is not None and nxt.tag in _CAPTION_HEADINGS and _text_len(nxt) <= 200:
            if nxt.tag not in caption_levels:
                caption_levels[nxt.tag] = _only_under_pictures(tree, nxt.tag)
            if caption_levels[nxt.tag]:
                found.append(nxt)
                continue
        while nxt is not None and isinstance(nxt.tag, str) and nxt.tag in ("p", "div") and \
                _is_caption_style(nxt) and not _IMAGES(nxt):
            found.append(nxt)
            nxt = nxt.getnext()
            # Only a repetition of the same caption may follow it.
            if nxt is not None and fold(nxt.text_content()) != fold(found[-1].text_content()):
                break
    for line in _PICTURE_AND_LINE(tree):
        block = line.getparent()
        # The block's class or its picture's ("card-img-top" in a Bootstrap card) names it.
        classes = f'{block.get("class") or ""} {block[0].get("class") or ""}'.lower()
        if 0 < _text_len(line) <= 200 and not (block.text or "").strip() and \
                not any((child.tail or "").strip() for child in block) and \
                (_PICTURE_CLASS.search(classes) or _is_caption_style(line)) and not _LEAD_CLASS.search(classes):
            found.append(line)
    return found


_LAYOUT_CELL = etree.XPath("./tr/td | ./tbody/tr/td | ./thead/tr/td | ./tr/th | ./tbody/tr/th")
_LAYOUT_PARTS = etree.XPath("./tbody | ./thead | ./tfoot | ./tr | ./*/tr")


_ROWS = etree.XPath("./tr | ./tbody/tr")
_SIDEBAR_MAX_PX = 250
_PX = re.compile(r"^\s*(\d{1,4})\s*(?:px)?\s*$")


def _narrow(cell) -> bool:
    width = _PX.match(cell.get("width") or "")
    return bool(width) and int(width.group(1)) <= _SIDEBAR_MAX_PX


def drop_sidebar_cells(tree: lxml_html.HtmlElement, title_el=None) -> int:
    """Old table layouts (PHP-Nuke, FrontPage, early Movable Type) put their side columns in cells of a fixed
    narrow width (width="170") beside the cell that holds the article. A narrow cell is a sidebar when the row's
    widest-text cell holds the headline and at least three times its text, and the narrow cell holds boxes (a
    nested table) or is mostly links. Its blocks (counters, "Bài viết cùng chủ đề", most-read lists) are
    dropped with it. Returns the cells dropped."""
    dropped = 0
    if title_el is None:
        return 0
    for table in _TABLES(tree):
        if table.getparent() is None:
            continue
        for row in _ROWS(table):
            cells = [c for c in row if c.tag == "td"]
            if len(cells) < 2 or not any(_narrow(c) for c in cells):
                continue
            lengths = [_text_len(c) for c in cells]
            widest = max(lengths)
            main = cells[lengths.index(widest)]
            if not (title_el is main or main in title_el.iterancestors() or table in title_el.iterancestors()):
                continue  # only beside the headline's cell or in its table: a figures box inside the text stays
            for cell, length in zip(cells, lengths):
                if not _narrow(cell) or not length or widest < 3 * length:
                    continue
                if cell is title_el or cell in title_el.iterancestors():
                    continue
                if cell.find(".//table") is None and _link_len(cell) * 2 < length:
                    continue
                for child in list(cell):
                    cell.remove(child)
                cell.text = None
                dropped += 1
    return dropped


def unwrap_layout_tables(tree: lxml_html.HtmlElement) -> int:
    """Old ASP.NET/DotNetNuke skins lay the page out with <table>: a cell holding a headline, a
    nested table or a whole article is layout, not data. As a table, trafilatura flattens it into
    one '| |'-joined row; as plain blocks its paragraphs stay paragraphs."""
    unwrapped = 0
    for table in _TABLES(tree):
        cells = _LAYOUT_CELL(table)
        if not any(_CELL_CONTENT(c) or _text_len(c) >= 400 for c in cells):
            continue
        for el in [table, *_LAYOUT_PARTS(table), *cells]:
            el.tag = "div"
        unwrapped += 1
    return unwrapped


_BLOCKS_IN_CELL = etree.XPath("./p | ./div | ./ul | ./ol | ./h1 | ./h2 | ./h3 | ./h4 | ./h5 | ./h6 | ./blockquote")
# Every cell of a table, head and foot included (unwrap_layout_tables's _LAYOUT_CELL looks at body cells only).
_CELLS = etree.XPath("./tr/td | ./tr/th | ./*/tr/td | ./*/tr/th")


def _breaks_as_spaces(el) -> None:
    """Every <br> inside `el` reads as a space: its lines are one paragraph."""
    for br in el.findall(".//br"):
        br.tail = " " + (br.tail or "")
        br.drop_tag()


# An infobox of the post's fields: "Người viết | Hoàng Mai", "Ngày đăng | 16:05, ngày 16 tháng 1 năm 2025".
_FIELD_LABELS = ("người viết", "tác giả", "ngày đăng", "đăng ngày", "ngày cập nhật", "cập nhật", "chuyên mục", "nguồn",
                 "thể loại", "lượt xem", "biên tập", "ảnh", "phóng viên", "thời gian đăng", "ngày xuất bản")
_ROW_CELLS = etree.XPath("./th | ./td")


def field_tables_as_lines(tree: lxml_html.HtmlElement) -> int:
    """A table whose rows are a label and a value, the labels a post's fields (MediaWiki's infobox), becomes one
    "Label: value" line per row: the byline, stamp and chrome rules read those lines; as cells they were text.
    A title row across the table ("Thông tin bài viết") goes. Returns the tables rewritten."""
    rewritten = 0
    for table in _TABLES(tree):
        if table.getparent() is None or table.find(".//table") is not None:
            continue
        rows = _ROWS(table)
        pairs = []
        for row in rows:
            cells = _ROW_CELLS(row)
            if len(cells) == 2:
                label = " ".join(cells[0].text_content().split()).rstrip(":")
                pairs.append((row, label, " ".join(cells[1].text_content().split())))
        if len(pairs) < 2 or len(pairs) < len(rows) - 1 \
                or not any(fold(label) in _FIELD_FOLDS for _, label, _ in pairs):
            continue
        block = lxml_html.Element("div")
        for _, label, value in pairs:
            line = lxml_html.Element("p")
            line.text = f"{label}: {value}"
            block.append(line)
        block.tail = table.tail
        table.getparent().replace(table, block)
        rewritten += 1
    return rewritten


_FIELD_FOLDS = frozenset(fold(label) for label in _FIELD_LABELS)
_TABLE_FIGURES = etree.XPath("//body//figure[.//table][not(.//img)]")


def table_figures_as_blocks(tree: lxml_html.HtmlElement) -> int:
    """CKEditor 5 wraps every table in <figure class="table">; a figure reads as a picture's frame (trafilatura
    and the caption rules drop it), so a quoted document's header and signature tables vanished. A figure that
    holds a table and no picture is a plain block."""
    figures = _TABLE_FIGURES(tree)
    for figure in figures:
        figure.tag = "div"
    return len(figures)


def cells_as_blocks(tree: lxml_html.HtmlElement) -> set[str]:
    """A data table (layout tables are unwrapped before) is read cell by cell: trafilatura prints a row as one
    "cell | cell" line, which runs a schedule's day into its items and a name into its figures. Each cell
    becomes a block of its own: a paragraph (a <br> inside reads as a space, as in a heading cell "Thứ Hai<br>
    06/10/2025"), or, when it holds paragraphs or lists, those blocks. Returns the folded texts of the cells made
    paragraphs: a table repeats a cell on purpose ("Phòng họp tầng 2" row after row), the assembly keeps them."""
    cell_folds: set[str] = set()
    for table in _TABLES(tree):
        if table.getparent() is None or table.find(".//table") is not None or table.find(".//img") is not None:
            continue  # nested tables are layout; a table holding a picture frames it and its caption
        cells = _CELLS(table)
        if len(cells) < 2:
            continue
        for cell in cells:
            if _BLOCKS_IN_CELL(cell):
                cell.tag = "div"
                continue
            _breaks_as_spaces(cell)
            cell.tag = "p"
            cell_folds.add(fold(" ".join(cell.text_content().split())))
        for el in [table, *_LAYOUT_PARTS(table)]:
            el.tag = "div"
        if table.get("class"):
            # Bootstrap's "caption-top" placed the table's <caption>: on a block trafilatura takes it for an image
            # caption and discards the whole table.
            table.set("class", " ".join(_CAPTION_PLACEMENT.sub(" ", table.get("class")).split()))
    return cell_folds


# trafilatura discards any element whose class holds "widget" (an ad token to it), and page builders wrap the
# article's own text in widgets: Apostrophe's "rich-text-widget", Elementor's "elementor-widget-container".
_WIDGET_CLASSED = etree.XPath("//body//*[contains(@class, 'widget')]")
_MIN_TEXT_SHARE = 0.3
_MAX_LINK_SHARE = 0.3  # a related-posts or sidebar block is mostly links


def keep_text_widgets(tree: lxml_html.HtmlElement) -> int:
    """Take the "widget" tokens out of the classes of the widget block that holds the most of the page's text (at
    least _MIN_TEXT_SHARE of it, measured after chrome was pruned, and not mostly links), of the widgets around it,
    of those inside it and of its sibling text widgets (an article split over several text widgets), so trafilatura
    does not discard the article as an ad. Any other widget keeps its class."""
    body = tree.find(".//body")
    total = _text_len(body if body is not None else tree) or 1
    best, best_len = None, 0
    for el in _WIDGET_CLASSED(tree):
        length = _text_len(el)
        if length > best_len and length >= _MIN_TEXT_SHARE * total and _link_len(el) <= _MAX_LINK_SHARE * length:
            best, best_len = el, length
    if best is None:
        return 0
    # Its sibling widgets that are text, not link lists, hold the rest of an article split over several text
    # widgets (ImpressPages: one "ipWidget-Text" per paragraph group).
    siblings = [sib for sib in (*best.itersiblings(preceding=True), *best.itersiblings())
                if isinstance(sib.tag, str) and "widget" in (sib.get("class") or "")
                and _link_len(sib) <= _MAX_LINK_SHARE * max(1, _text_len(sib))]
    kept = 0
    for el in (best, *best.iterancestors(), *best.iterdescendants(),
               *(el for sib in siblings for el in (sib, *sib.iterdescendants()))):
        cls = el.get("class") if isinstance(el.tag, str) else None
        if cls and "widget" in cls:
            el.set("class", " ".join(t for t in cls.split() if "widget" not in t))
            kept += 1
    return kept


def _link_len(el) -> int:
    return sum(_text_len(a) for a in _LINKS(el))


# The site's menus: <nav>, or a block whose class or id names a menu ("MainMenu", "TopMenu": run after class and id
# values are lower-cased, core._classed_blocks).
_MENU_BLOCKS = etree.XPath("//body//nav | //body//*[contains(@class, 'menu') or contains(@id, 'menu')]")
_MAX_MENU_LABEL_CHARS = 40


def menu_labels(tree: lxml_html.HtmlElement) -> set[str]:
    """The folded texts of the site's menu links (short ones: a menu label, not a headline in a mega-menu; not an
    in-page table of contents, whose links point at "#…"). Each outermost menu block is walked once."""
    labels: set[str] = set()
    seen: set = set()
    for block in _MENU_BLOCKS(tree):
        if any(a in seen for a in block.iterancestors()):
            continue
        seen.add(block)
        for link in block.iter("a"):
            if (link.get("href") or "").startswith("#"):
                continue
            text = clean_spaces(link.text_content()).strip()
            if 2 < len(text) <= _MAX_MENU_LABEL_CHARS:
                labels.add(fold(text))
    return labels


# The section link printed right above the headline (a kicker: "Thời sự", "Multimedia"): a label of the site's
# menu, not article text.
_MAX_KICKER_CHARS = 40
_DIGIT = re.compile(r"\d")


def drop_kicker(title_el) -> bool:
    """Drop the element just before the headline when all its text is one short link without figures."""
    if title_el is None:
        return False
    prev = title_el.getprevious()
    if prev is None or not isinstance(prev.tag, str):
        return False
    text = clean_spaces(prev.text_content()).strip()
    links = [prev] if prev.tag == "a" else prev.findall(".//a")
    if not text or len(text) > _MAX_KICKER_CHARS or _DIGIT.search(text) or len(links) != 1 \
            or clean_spaces(links[0].text_content()).strip() != text or links[0].get("href") is None:
        return False
    tail, parent = prev.tail, prev.getparent()
    before = prev.getprevious()
    if tail:
        if before is not None:
            before.tail = (before.tail or "") + tail
        else:
            parent.text = (parent.text or "") + tail
    parent.remove(prev)
    return True


# A centred block of short lines: a document's multi-line heading ("HỘI ĐỒNG NHÂN DÂN TỈNH KHÁNH HÒA<br>KHÓA VII,
# KỲ HỌP THỨ 13"), its header and signature laid out side by side in a grid ("T/M BAN THƯỜNG VỤ<br>BÍ THƯ<br>…").
_BLOCK_TAGS = frozenset({"p", "div", "center"})
_HOLDS_BLOCK = etree.XPath("boolean(.//img | .//p | .//div | .//table | .//ul | .//ol)")
_MAX_JOINED_CHARS = 300  # a heading or a signature; longer blocks are text whose lines the page broke on purpose
_CENTRED_STYLE = re.compile(r"text-align\s*:\s*center", re.I)
_RIGHT_STYLE = re.compile(r"text-align\s*:\s*right", re.I)
# A document's signature block: "CHỦ TỊCH Lê Quang Tùng", "TM. ỦY BAN NHÂN DÂN", "T/M BAN THƯỜNG VỤ", "KT. CHỦ TỊCH
# PHÓ CHỦ TỊCH (Đã ký) …". It signs the document's text; it is not the page's byline.
SIGNATURE = re.compile(r"^(?:(?:TM|KT|Q|TL|TUQ)\.\s|(?:T/M|K/T|T/L)\s|(?:CHỦ TỊCH|PHÓ CHỦ TỊCH|BÍ THƯ|PHÓ BÍ THƯ|"
                       r"GIÁM ĐỐC|TRƯỞNG BAN|CHÁNH VĂN PHÒNG)\b)|(?i:\(đã ký\))")
# A credit line: a byline's source or photo credit keeps the byline on a line of its own.
_CREDIT_LINE = re.compile(r"^\(?\s*(?:theo|nguồn|ảnh|bài|tin|photo)\b", re.I)


def _br_leaf_blocks(tree) -> list:
    """The blocks (p, div, center) that hold a <br> and no other block or picture, in document order: found from
    the <br>s up (a page has few), not by testing every block's descendants."""
    blocks: dict = {}
    for br in tree.iter("br"):
        el = br.getparent()
        while el is not None and el.tag not in _BLOCK_TAGS and el.tag != "body":
            el = el.getparent()
        if el is not None and el.tag in _BLOCK_TAGS and el not in blocks:
            blocks[el] = None
    return [el for el in blocks if not _HOLDS_BLOCK(el)]


# A quoted document's header and footer cells: "ỦY BAN NHÂN DÂN<br>TỈNH …<br>Số: 1875/QĐ-UBND", "CỘNG HÒA XÃ HỘI CHỦ
# NGHĨA VIỆT NAM<br>…<br>Ninh Bình, ngày 21 tháng 11 năm 2025", "Nơi nhận:<br>- …", "CHỦ TỊCH<br>(Đã ký)<br>…".
# The marks are the ones documents print: capitals, a number after "Số:", "<Place>, ngày … năm …" on its own line.
_DOCUMENT_MARK = re.compile(r"^(?:Số\s*:\s*\d+/|Nơi nhận\s*:|CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM|CỘNG HOÀ XÃ HỘI CHỦ NGHĨA "
                            r"VIỆT NAM|ĐẢNG CỘNG SẢN VIỆT NAM$|[^,:\d]{2,40}, ngày \d{1,2} tháng \d{1,2} năm \d{4}$)")
_MAX_CELL_LINE = 80


def _is_document_cell(lines: list[str]) -> bool:
    signed = bool(SIGNATURE.match(lines[0])) and not lines[0].startswith("Q. ")  # "Q. 1: 120 ca" is a district
    return all(len(line) <= _MAX_CELL_LINE for line in lines) and (
        signed or any(_DOCUMENT_MARK.match(line) for line in lines))


def _is_right_aligned(el) -> bool:
    return (el.get("align") or "").lower() == "right" or bool(_RIGHT_STYLE.search(el.get("style") or "")) \
        or "text-right" in (el.get("class") or "").split()


def _is_centred(el) -> bool:
    return (el.tag == "center" or (el.get("align") or "").lower() == "center"
            or bool(_CENTRED_STYLE.search(el.get("style") or "")) or "text-center" in (el.get("class") or "").split())


def centred_lines_as_one(tree: lxml_html.HtmlElement, is_chrome_line) -> int:
    """A centred block's lines are one heading, and a right-aligned block that opens with a signature title ("CHỦ
    TỊCH<br>Phan Đức Quang", "KT. CHỦ TỊCH<br>PHÓ CHỦ TỊCH<br>…") one signature: each <br> reads as a space, as in
    a table cell. Lines stay apart in a block where one of them is chrome (a centred footer: "Địa chỉ: …<br>Điện
    thoại: …", each still recognised) or a credit (a byline over "(Theo Báo …)" or "Ảnh: …"), and in an italic
    block (verse, a caption)."""
    joined = 0
    for el in _br_leaf_blocks(tree):
        if _text_len(el) > _MAX_JOINED_CHARS:
            continue
        lines = [line for line in _br_lines(el) if line]
        if len(lines) < 2 or any(is_chrome_line(line) or _CREDIT_LINE.match(line) for line in lines):
            continue
        if _is_italic(el):
            continue  # verse, a caption
        if _is_document_cell(lines):
            pass  # a quoted document's header or signature cell, however the page aligns it
        elif not _is_centred(el) and not (_is_right_aligned(el) and SIGNATURE.match(lines[0])):
            continue
        _breaks_as_spaces(el)
        joined += 1
    return joined


def _br_lines(el) -> list[str]:
    """The element's text as the lines its <br>s break it into."""
    out: list[str] = []

    def walk(node) -> None:
        if node.tag == "br":
            out.append("\n")
        elif isinstance(node.tag, str) and node.text:
            out.append(node.text)
        for child in node:
            walk(child)
            if child.tail:
                out.append(child.tail)

    walk(el)
    return [clean_spaces(line).strip() for line in "".join(out).split("\n")]


# List markers a page prints as text ("- 8 giờ 00: …", "* Thưa ông, …", "• …"). trafilatura prints every <li>
# as "- item" too, so a marker in its output is kept only where the page itself wrote one.
LIST_MARKERS = "-•*+–"
_MARKED_TEXT = etree.XPath(
    "//body//text()[starts-with(normalize-space(), '-') or starts-with(normalize-space(), '*') or "
    "starts-with(normalize-space(), '•') or starts-with(normalize-space(), '+') or "
    "starts-with(normalize-space(), '–')]")
MARKER_KEY_CHARS = 24


def marker_key(core: str) -> str:
    """What a marked line is recognised by: the folded start of its text after the marker."""
    return fold(core)[:MARKER_KEY_CHARS]


def literal_markers(tree: lxml_html.HtmlElement) -> dict[str, str]:
    """marker_key(text) -> the marker as printed ("- ", "* ") for every line the page starts with a list marker of its own. A text node
    that opens its element stands for the element's text ("<p>- <b>8 giờ 00</b>: …</p>"); one after a <br>
    (a tail) for itself."""
    found: dict[str, str] = {}
    for node in _MARKED_TEXT(tree):
        parent = node.getparent()
        if parent is None:
            continue
        if node.is_text:
            snippet = clean_spaces(parent.text_content()[:200])
        elif node.is_tail:
            snippet = clean_spaces(str(node)[:200])
        else:
            continue
        core = snippet.lstrip(LIST_MARKERS + " ")
        prefix = snippet[: len(snippet) - len(core)]
        # A "---" rule is punctuation, not a marker; a bare marker with no text marks nothing. "-5 °C" keeps its
        # sign as printed.
        if len(core) < 2 or len(prefix.strip()) != 1:
            continue
        found.setdefault(marker_key(core), prefix)
    return found
