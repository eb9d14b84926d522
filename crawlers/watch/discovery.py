"""Article URLs and their dates from RSS/Atom feeds, XML sitemaps (indexes and Google News included) and
robots.txt `Sitemap:` lines. Pure parsing of bytes; no Scrapy, no network.

Dates become epoch seconds (a date without a zone is Vietnam's time, UTC+7) so the watch policy can compare them
with when a page was last fetched.
XML is parsed without entities or network access (a feed is untrusted input).
"""

from __future__ import annotations

import datetime as dt
import gzip
import io
import re
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from urllib.parse import urljoin

from lxml import etree

VIETNAM_TZ = dt.timezone(dt.timedelta(hours=7), "ICT")
MAX_XML_BYTES = 50 * 1024 * 1024  # the sitemap protocol's own limit, uncompressed
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, recover=True, huge_tree=False,
                          remove_comments=True)


@dataclass(frozen=True)
class Entry:
    url: str
    modified_at: float | None = None


@dataclass(frozen=True)
class Sitemap:
    is_index: bool
    entries: list[Entry]


def _local(tag: object) -> str:
    return tag.rsplit("}", 1)[-1].lower() if isinstance(tag, str) else ""


class XmlTooLarge(ValueError):
    """A document (a gzipped sitemap, once inflated) over the byte limit it was parsed under."""


def _root(body: bytes, max_bytes: int = MAX_XML_BYTES):
    max_bytes = min(max_bytes, MAX_XML_BYTES)
    if body[:2] == b"\x1f\x8b":
        with gzip.GzipFile(fileobj=io.BytesIO(body)) as fh:
            body = fh.read(max_bytes + 1)  # never inflates more than the limit (a small file can hold GBs)
        if len(body) > max_bytes:
            raise XmlTooLarge(f"gzipped XML inflates past {max_bytes} bytes")
    if len(body) > max_bytes:
        raise XmlTooLarge(f"XML document over {max_bytes} bytes")
    try:
        return etree.fromstring(body.lstrip(), parser=_PARSER)
    except etree.XMLSyntaxError:
        return None


def parse_date(text: str | None) -> float | None:
    """RFC 822 (RSS pubDate), ISO 8601 / W3C datetime (Atom, sitemaps) → epoch seconds; None if unreadable."""
    if not text or not text.strip():
        return None
    text = text.strip()
    try:
        value = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        value = None
    if value is None:
        iso = re.sub(r"Z$", "+00:00", text)
        try:
            value = dt.datetime.fromisoformat(iso)
        except ValueError:
            return None
    if value.tzinfo is None:  # Vietnamese portals print local time without a zone (no daylight saving)
        value = value.replace(tzinfo=VIETNAM_TZ)
    return value.timestamp()


def _child_text(element, *names: str) -> str | None:
    for child in element:
        if _local(child.tag) in names and child.text:
            return child.text.strip()
    return None


def kind_of(body: bytes, max_bytes: int = MAX_XML_BYTES) -> str:
    """'feed', 'sitemap', 'sitemapindex' or 'other', from the document's root element."""
    root = _root(body, max_bytes) if body.lstrip()[:1] in (b"<", b"\x1f") else None
    name = _local(root.tag) if root is not None else ""
    if name in ("rss", "feed", "rdf"):
        return "feed"
    if name in ("urlset", "sitemapindex"):
        return name.replace("urlset", "sitemap")
    return "other"


def parse_feed(body: bytes, base_url: str = "", max_bytes: int = MAX_XML_BYTES) -> list[Entry]:
    """Items of an RSS 2.0, RSS 1.0 (RDF) or Atom feed, each with its link and its newest date."""
    root = _root(body, max_bytes)
    if root is None:
        return []
    entries = []
    for element in root.iter():
        name = _local(element.tag)
        if name == "item":
            link = _child_text(element, "link") or _child_text(element, "guid")
            date = _child_text(element, "pubdate", "date", "updated", "modified")
        elif name == "entry":
            link = None
            for child in element:
                if _local(child.tag) == "link" and child.get("rel", "alternate") == "alternate":
                    link = child.get("href")
                    break
            date = _child_text(element, "updated", "published")
        else:
            continue
        if link and link.strip():
            entries.append(Entry(urljoin(base_url, link.strip()), parse_date(date)))
    return entries


def parse_sitemap(body: bytes, base_url: str = "", max_bytes: int = MAX_XML_BYTES) -> Sitemap:
    """A urlset (with lastmod, or a Google News publication_date) or a sitemap index."""
    root = _root(body, max_bytes)
    if root is None:
        return Sitemap(False, [])
    is_index = _local(root.tag) == "sitemapindex"
    entries = []
    for element in root:
        if _local(element.tag) not in ("url", "sitemap"):
            continue
        loc = _child_text(element, "loc")
        if not loc:
            continue
        date = _child_text(element, "lastmod")
        if date is None:
            for child in element:
                if _local(child.tag) == "news":
                    date = _child_text(child, "publication_date")
        entries.append(Entry(urljoin(base_url, loc), parse_date(date)))
    return Sitemap(is_index, entries)


def sitemaps_from_robots(text: str, base_url: str = "") -> list[str]:
    """`Sitemap:` lines of a robots.txt (any case, anywhere in the file)."""
    urls = []
    for line in text.splitlines():
        key, sep, value = line.partition(":")
        if sep and key.strip().lower() == "sitemap" and value.strip():
            urls.append(urljoin(base_url, value.split("#", 1)[0].strip()))
    return urls
