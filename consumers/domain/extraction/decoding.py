"""Raw bytes to HTML text, trusting the bytes over the labels, and refusing what is not a page."""

from __future__ import annotations

import re

from consumers.domain.extraction.errors import PageRejected

_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([a-zA-Z0-9_\-]+)""", re.I)
_HEADER_CHARSET = re.compile(r"charset\s*=\s*[\"']?([a-zA-Z0-9_\-]+)", re.I)
_JS_REDIRECT = re.compile(
    rb"(window|document|top|self)\.location(\.href)?\s*=|location\.(replace|assign)\s*\(|http-equiv=[\"']?refresh",
    re.I,
)
_TAG = re.compile(rb"<[^>]+>")
_SCRIPT_STYLE = re.compile(rb"<(script|style|noscript)\b.*?</\1\s*>", re.I | re.S)
_BINARY_MAGIC = {
    b"%PDF": "pdf",
    b"PK\x03\x04": "zip/office document",
    b"\x89PNG": "png image",
    b"\xff\xd8\xff": "jpeg image",
    b"GIF8": "gif image",
    b"\x1f\x8b": "gzip data",
    b"\xd0\xcf\x11\xe0": "ms-office document",
}
# Bytes that only appear in windows-1258 Vietnamese (combining tone marks 0xCC/0xD2/0xDE/0xEC/0xF2
# after a vowel), used to tell it apart from windows-1252 when UTF-8 decoding fails.
CP1258_TONES = re.compile(rb"[aeiouyAEIOUY\xe2\xea\xf4\xc2\xca\xd4\xe3\xc3][\xcc\xd2\xde\xec\xf2]")

_ALIASES = {"utf8": "utf-8", "unicode": "utf-8", "iso-8859-1": "windows-1252", "latin1": "windows-1252",
            "latin-1": "windows-1252", "us-ascii": "utf-8", "ascii": "utf-8"}


def _norm_charset(name: str | None) -> str | None:
    if not name:
        return None
    name = name.strip().lower()
    return _ALIASES.get(name, name)


def _declared(body: bytes, content_type: str | None) -> str | None:
    header = _HEADER_CHARSET.search(content_type or "")
    if header:
        return _norm_charset(header.group(1))
    meta = _META_CHARSET.search(body[:4096])
    return _norm_charset(meta.group(1).decode("ascii", "ignore")) if meta else None


def sniff_binary(body: bytes) -> str | None:
    head = body[:8].lstrip()
    for magic, kind in _BINARY_MAGIC.items():
        if head.startswith(magic):
            return kind
    sample = body[:4096]
    if sample and sample.count(b"\x00") > len(sample) // 100:
        return "binary data (NUL bytes)"
    return None


def decode_html(body: bytes, content_type: str | None = None) -> tuple[str, str, list[str]]:
    """Return (text, charset used, flags). Raises PageRejected for pages that are not HTML text."""
    if not body or not body.strip():
        raise PageRejected("empty_page", "the response body is empty")
    binary = sniff_binary(body)
    if binary:
        raise PageRejected("binary_page", f"the body is {binary}, not HTML")
    flags: list[str] = []
    declared = _declared(body, content_type)
    # UTF-8 is self-validating: if the bytes decode strictly, the label does not matter.
    try:
        text = body.decode("utf-8")
        charset = "utf-8"
        if declared not in (None, "utf-8"):
            # A page labelled windows-1252 whose bytes are valid multi-byte UTF-8 is UTF-8.
            if not body.isascii():
                flags.append(f"charset_label_wrong:{declared}")
            else:
                charset = declared
    except UnicodeDecodeError as exc:
        if exc.reason == "unexpected end of data" and exc.start >= len(body) - 3:
            # Truncated mid-character at the very end: keep what is whole.
            text = body[: exc.start].decode("utf-8")
            charset = "utf-8"
            flags.append("truncated")
        else:
            charset = _guess_legacy(body, declared)
            if declared == "utf-8":
                flags.append(f"charset_label_wrong:utf-8->{charset}")
            text = body.decode(charset, errors="replace")
    if "\ufffd" in text[:200_000] and text.count("\ufffd") > 20:
        flags.append("undecodable_bytes")
    if looks_like_redirect_only(body):
        raise PageRejected("redirect_only", "the page is only a JavaScript/meta redirect")
    # A large page always has some visible text; scanning megabytes for it would cost more than it tells.
    if len(body) < 100_000 and not _visible_text(body):
        raise PageRejected("empty_page", "the page has no visible text")
    return text, charset, flags


def _guess_legacy(body: bytes, declared: str | None) -> str:
    if declared and declared not in ("utf-8",):
        try:
            "".encode(declared)
            return declared
        except LookupError:
            pass
    return "windows-1258" if CP1258_TONES.search(body) else "windows-1252"


def _visible_text(body: bytes) -> bytes:
    stripped = _TAG.sub(b" ", _SCRIPT_STYLE.sub(b" ", body[:500_000]))
    return stripped.replace(b"&nbsp;", b" ").strip()


# Every match of _JS_REDIRECT contains one of these words (ASCII case folded), at most this many bytes after
# its start ("document.location"): a page without them needs no regex scan, which costs a case-insensitive
# attempt at every byte.
_REDIRECT_WORDS = ((b"location", len(b"document.")), (b"http-equiv", 0))


def _has_redirect(body: bytes) -> bool:
    """_JS_REDIRECT.search(body), tried only where a match can start: at most 9 bytes before "location"
    ("document."), or at "http-equiv"."""
    low = body.lower()  # bytes patterns fold ASCII case only, as bytes.lower() does
    for word, before in _REDIRECT_WORDS:
        at = low.find(word)
        while at >= 0:
            for start in range(max(0, at - before), at + 1):
                if _JS_REDIRECT.match(body, start):
                    return True
            at = low.find(word, at + 1)
    return False


def looks_like_redirect_only(body: bytes) -> bool:
    if len(body) > 20_000 or not _has_redirect(body):
        return False
    return len(_visible_text(body).split()) < 15
