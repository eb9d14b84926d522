"""Non-HTML answers on article pages are recorded and counted, never published (issue 11, safety).

`ContentTypeMiddleware` looks at every response to an article request (`meta["kind"] == "article"` in the
watch, callback `parse_article` in the one-shot and backfill spiders), after decompression: a PDF, image,
audio/video, office document or archive, recognised by its Content-Type or by its first bytes (a PDF served
as text/html is caught too), is refused and counted as the drop `not_html` (log line with URL, type and size;
`newsingest/dropped/not_html`, `newsingest_pages_dropped_total{reason="not_html"}`). Listings, feeds, sitemaps
and robots.txt are not checked (a sitemap may be gzip).
"""

from __future__ import annotations

from scrapy.exceptions import IgnoreRequest, NotConfigured

from crawlers.middlewares import drops

BINARY_TYPES = ("application/pdf", "image/", "audio/", "video/", "font/", "application/zip",
                "application/x-zip", "application/gzip", "application/x-gzip", "application/x-rar",
                "application/vnd.rar", "application/x-7z", "application/x-tar", "application/x-bzip",
                "application/x-xz", "application/msword", "application/vnd.ms-", "application/vnd.openxmlformats",
                "application/vnd.oasis.opendocument", "application/postscript", "application/x-msdownload",
                "application/java-archive", "application/x-shockwave-flash")
MAGIC = ((b"%PDF-", "pdf"), (b"PK\x03\x04", "zip"), (b"PK\x05\x06", "zip"), (b"\x89PNG\r\n\x1a\n", "png"),
         (b"GIF87a", "gif"), (b"GIF89a", "gif"), (b"\xff\xd8\xff", "jpeg"), (b"Rar!\x1a\x07", "rar"),
         (b"7z\xbc\xaf\x27\x1c", "7z"), (b"\x1f\x8b", "gzip"), (b"BZh", "bzip2"), (b"\xfd7zXZ\x00", "xz"),
         (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "ole"), (b"II*\x00", "tiff"), (b"MM\x00*", "tiff"),
         (b"ID3", "mp3"), (b"OggS", "ogg"), (b"%!PS", "postscript"), (b"\x00\x00\x01\x00", "ico"),
         (b"wOFF", "woff"))


def binary_kind(content_type: str | None, body: bytes) -> str | None:
    """What non-HTML thing this is ("pdf", "image/png", ...), or None for something that may be a page."""
    head = body[:16].lstrip(b"\xef\xbb\xbf \t\r\n")
    for magic, kind in MAGIC:
        if head.startswith(magic):
            return kind
    if head[4:8] == b"ftyp" or (head.startswith(b"RIFF") and head[8:12] in (b"WEBP", b"WAVE", b"AVI ")):
        return "media"
    ctype = (content_type or "").split(";", 1)[0].strip().lower()
    if ctype and ctype.startswith(BINARY_TYPES):
        return ctype
    return None


def is_article_request(request) -> bool:
    if request.meta.get("kind") == "article":
        return True
    return getattr(request.callback, "__name__", None) == "parse_article"


class ContentTypeMiddleware:
    def __init__(self, crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler):
        if not crawler.settings.getbool("NEWSINGEST_REFUSE_NON_HTML", True):
            raise NotConfigured
        return cls(crawler)

    def process_response(self, request, response, spider=None):
        if response.status == 304 or not is_article_request(request) or not response.body:
            return response
        ctype = response.headers.get(b"Content-Type")
        kind = binary_kind(ctype.decode("latin-1") if ctype else None, response.body)
        if kind is None:
            return response
        portal = getattr(self.crawler.spider, "portal", None)
        drops._count(self.crawler, "not_html", response.url,
                     request.meta.get("portal_id") or getattr(portal, "id", None),
                     f"{kind} ({ctype.decode('latin-1') if ctype else 'no Content-Type'}, {len(response.body)} "
                     "bytes): not published")
        # Scrapy's offsite wording: the errback's record_drop treats it as policy, so it is counted once.
        raise IgnoreRequest(f"Filtered offsite request (not_html, counted): {response.url}")
