"""HTML to tree as trafilatura parses it, with an element class lookup that stays in C.

trafilatura.utils.load_html parses with lxml.html's parser, whose element class lookup is a Python method:
lxml calls it for every element a walk or an XPath result reaches without a live Python proxy, in our rules
and inside trafilatura alike (trafilatura copies the tree it is handed, and the copy keeps the parser). The
lookup only picks FormElement, InputElement, SelectElement, TextareaElement and LabelElement for those five
tags, classes that add form-handling properties (`value`, `fields`, ...) that neither trafilatura nor these
rules use. parse_html makes every element an HtmlElement with lxml's C lookup and is otherwise load_html step
by step: the same decoding, repair, parser options and fallbacks, so the same tree (and trafilatura the same
text). tests/unit/test_extraction_speedups.py compares both on every corpus page and on odd inputs.
"""

from __future__ import annotations

from lxml import etree
from lxml import html as lxml_html
from trafilatura.utils import (
    DOCTYPE_TAG,
    FAULTY_HTML,
    decode_file,
    handle_compressed_file,
    is_dubious_html,
    repair_faulty_html,
)

# trafilatura.utils.HTML_PARSER's options.
PARSER = lxml_html.HTMLParser(collect_ids=False, default_doctype=False, encoding="utf-8", remove_comments=True,
                              remove_pis=True)
PARSER.set_element_class_lookup(etree.ElementDefaultClassLookup(
    element=lxml_html.HtmlElement, comment=lxml_html.HtmlComment, pi=lxml_html.HtmlProcessingInstruction,
    entity=lxml_html.HtmlEntity))
# Characters XML forbids, which repair_faulty_html deletes (INVALID_XML_CHARS), as UTF-8 bytes.
_XML_CONTROL_BYTES = bytes(c for c in range(0x20) if c not in (0x09, 0x0A, 0x0D))


def _fromstring_bytes(text: str):
    """trafilatura.utils.fromstring_bytes with PARSER."""
    try:
        return lxml_html.fromstring(text.encode("utf8", "surrogatepass"), parser=PARSER)
    except Exception:  # noqa: BLE001 - as trafilatura: no tree
        return None


def _repaired_without_deletion(data: bytes) -> tuple[str, str] | None:
    """(text, its first 50 characters lower-cased) as decode_file and repair_faulty_html make them, for UTF-8
    bytes without a character INVALID_XML_CHARS deletes; None for anything else. That deletion is a regex
    pass over the whole text, slower than parsing a script-heavy <head>; on the bytes, two cheap passes show
    there is nothing to delete."""
    if handle_compressed_file(data) is not data or len(data.translate(None, _XML_CONTROL_BYTES)) != len(data) \
            or (b"\xef" in data and (b"\xef\xbf\xbe" in data or b"\xef\xbf\xbf" in data)):  # U+FFFE, U+FFFF
        return None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return None
    beginning = text[:50].lower()
    if "doctype" in beginning:
        first, _, rest = text.partition("\n")
        text = DOCTYPE_TAG.sub("", first, count=1) + "\n" + rest
    for line in text[:4096].splitlines()[:4]:
        if "<html" in line and line.endswith("/>"):
            text = FAULTY_HTML.sub(r"\1>", text, count=1)
            break
    return text, beginning


def parse_html(data: bytes | str, *, repair_known_clean: bool = False):
    """trafilatura.utils.load_html(data) for bytes or str, built with PARSER. `repair_known_clean` tries the
    repair without its deletion pass first (for bytes), which is worth it on a large page part."""
    repaired = _repaired_without_deletion(data) if repair_known_clean and isinstance(data, bytes) else None
    if repaired is not None:
        text, beginning = repaired
    else:
        text = decode_file(data)
        beginning = text[:50].lower()
        text = repair_faulty_html(text, beginning)
    dubious = is_dubious_html(beginning)
    tree = None
    fallback = False
    try:
        tree = lxml_html.fromstring(text, parser=PARSER)
    except ValueError:  # "Unicode strings with encoding declaration are not supported."
        tree = _fromstring_bytes(text)
        fallback = True
    except Exception:  # noqa: BLE001 - as load_html: no tree
        tree = None
    if (tree is None or len(tree) < 1) and not fallback:
        tree = _fromstring_bytes(text)
    if tree is not None and dubious and len(tree) < 2:
        tree = None
    return tree
