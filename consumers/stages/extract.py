"""Extract stage: RawPage -> Article."""

from __future__ import annotations

import hashlib
from collections import OrderedDict

import zstandard

from consumers.domain.extraction import BoilerplateMemory, ExtractedPage, PageRejected, extract_page
from consumers.domain.extraction.boilerplate import PortalChrome
from consumers.domain.extraction.core import MAX_TEXT_BYTES
from consumers.domain import neardup
from consumers.domain.text import fingerprint_of_folded, fold
from consumers.stages.base import Output, Rejected, StageResult
from schemas import Article, RawPage

# Pages remembered by the unchanged-page check: about 300 bytes each with a 100-character URL (the URL, a
# 64-byte digest and fingerprint, the LRU's links), so ~30 MB at the default.
DEFAULT_SEEN_PAGES = 100_000


def decompress_body(page: RawPage, max_bytes: int) -> bytes:
    if page.body_encoding == "identity":
        return page.body
    try:
        # max_output_size bounds memory even if the declared length lies (a zstd bomb).
        return zstandard.ZstdDecompressor().decompress(page.body, max_output_size=max_bytes + 1)
    except zstandard.ZstdError as exc:
        raise Rejected("corrupt_body", f"body does not decompress: {exc}") from exc


def to_article(page: RawPage, extracted: ExtractedPage) -> Article:
    # The fingerprint and the near-duplicate signature read the same folded text: folded once.
    folded = fold(extracted.fingerprint_text or extracted.text)
    return Article(
        portal_id=page.portal_id, province=page.province, url=page.final_url or page.url,
        canonical_url=page.canonical_url, title=extracted.title, lead=extracted.lead, text=extracted.text,
        captions=extracted.captions, published_at=extracted.published_at, modified_at=extracted.modified_at,
        author=extracted.author, photo_credit=extracted.photo_credit,
        fingerprint=fingerprint_of_folded(folded),
        near_signature=neardup.encode_signature(neardup.minhash_of_words(folded.split())),
        fetched_at=page.fetched_at, quality_flags=extracted.flags, kind=extracted.kind,
    )


def page_digest(page: RawPage, body: bytes) -> bytes:
    """SHA-256 of the decompressed body and of everything else the extraction and the process stage's
    duplicate test read from the page: the URL extracted under, the content type (it can pick the charset),
    the portal and province. fetched_at is left out: a re-crawl differs in it and is still a duplicate."""
    digest = hashlib.sha256(body)
    context = (page.final_url or page.url, page.content_type or page.headers.get("content-type") or "",
               page.portal_id, page.province)
    digest.update(b"\0" + "\0".join(context).encode("utf-8", "surrogatepass"))
    return digest.digest()


class SeenPages:
    """canonical URL -> (page digest, fingerprint) of the last page of that URL whose article was delivered,
    least recently used first out, at most `max_pages` of them. Raw pages are keyed by canonical URL, so one
    replica sees all of a URL's pages; a restarted replica starts empty (it extracts again, and the process
    stage finds duplicates, as before)."""

    def __init__(self, max_pages: int = DEFAULT_SEEN_PAGES) -> None:
        if max_pages < 0:
            raise ValueError("max_pages must be >= 0")
        self.max_pages = max_pages
        self._pages: OrderedDict[str, bytes] = OrderedDict()

    def __len__(self) -> int:
        return len(self._pages)

    def unchanged(self, url: str, digest: bytes) -> bool:
        known = self._pages.get(url)
        if known is None or known[:32] != digest:
            return False
        self._pages.move_to_end(url)
        return True

    def remember(self, url: str, digest: bytes, article_fingerprint: str) -> None:
        if self.max_pages == 0:
            return
        self._pages[url] = digest + bytes.fromhex(article_fingerprint)
        self._pages.move_to_end(url)
        while len(self._pages) > self.max_pages:
            self._pages.popitem(last=False)

    def fingerprint(self, url: str) -> str | None:
        known = self._pages.get(url)
        return known[32:].hex() if known is not None else None


class ExtractStage:
    name = "extract"
    input_model = RawPage

    def __init__(self, *, output_topic: str, max_page_bytes: int, time_budget_s: float,
                 boilerplate: PortalChrome | None = None, health=None,
                 max_text_bytes: int = MAX_TEXT_BYTES, seen_pages: int = DEFAULT_SEEN_PAGES) -> None:
        self.output_topic = output_topic
        self.max_page_bytes = max_page_bytes
        self.time_budget_s = time_budget_s
        self.max_text_bytes = max_text_bytes  # the most article text one page publishes (flagged text_truncated)
        # A portal's learned chrome: per process (BoilerplateMemory) or shared by every replica through the
        # database (template.TemplateMemory, built by deploy/wiring.py); it changes the published text only.
        self.boilerplate = boilerplate if boilerplate is not None else BoilerplateMemory()
        self.health = health  # optional ExtractionHealth metrics
        # Unchanged is cheap: a page whose URL, bytes and context match the last delivered page of its URL is not
        # extracted again. Its fingerprint would be the same (a function of the bytes and URL alone: what this
        # process has learned changes only the published text), so the process stage would only call it a
        # duplicate and publish nothing.
        self.seen = SeenPages(seen_pages)

    def __call__(self, page: RawPage) -> StageResult:
        if page.http_status >= 400:
            raise Rejected("http_error", f"portal answered HTTP {page.http_status}")
        if page.body_dropped:
            raise Rejected("too_large", f"the crawler left out a {page.body_length}-byte body too large for Kafka")
        if page.body_length > self.max_page_bytes:
            raise Rejected("too_large", f"page is {page.body_length} bytes, budget is {self.max_page_bytes}")
        body = decompress_body(page, self.max_page_bytes)
        digest = page_digest(page, body)
        if self.seen.unchanged(page.canonical_url, digest):
            return StageResult(outputs=[], outcome="unchanged")
        # Stores what was observed and reads the templates back once per refresh interval, else costs nothing.
        self.boilerplate.sync()
        try:
            extracted = extract_page(
                body, page.final_url or page.url, page.content_type or page.headers.get("content-type"),
                portal=page.portal_id, boilerplate=self.boilerplate, max_bytes=self.max_page_bytes,
                time_budget_s=self.time_budget_s, max_text_bytes=self.max_text_bytes, page_key=page.canonical_url,
            )
        except PageRejected as exc:
            if self.health:
                self.health.rejected(page.portal_id, exc.reason)
            raise Rejected(exc.reason, exc.message) from exc
        article = to_article(page, extracted)
        if self.health:
            self.health.observe(page.portal_id, extracted)
        outcome = "flagged" if extracted.flags else "ok"

        url, article_fingerprint = page.canonical_url, article.fingerprint

        def delivered() -> None:
            # Only once the broker has the article: a batch replayed after a failed send extracts it again.
            self.seen.remember(url, digest, article_fingerprint)

        return StageResult([Output(self.output_topic, page.canonical_url, article)], outcome=outcome,
                           on_delivered=delivered)
