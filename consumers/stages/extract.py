"""Extract stage: RawPage -> Article."""

from __future__ import annotations

import zstandard

from consumers.domain.extraction import BoilerplateMemory, ExtractedPage, PageRejected, extract_page
from consumers.domain.extraction.core import MAX_TEXT_BYTES
from consumers.domain import neardup
from consumers.domain.text import fingerprint
from consumers.stages.base import Output, Rejected, StageResult
from schemas import Article, RawPage


def decompress_body(page: RawPage, max_bytes: int) -> bytes:
    if page.body_encoding == "identity":
        return page.body
    try:
        # max_output_size bounds memory even if the declared length lies (a zstd bomb).
        return zstandard.ZstdDecompressor().decompress(page.body, max_output_size=max_bytes + 1)
    except zstandard.ZstdError as exc:
        raise Rejected("corrupt_body", f"body does not decompress: {exc}") from exc


def to_article(page: RawPage, extracted: ExtractedPage) -> Article:
    return Article(
        portal_id=page.portal_id, province=page.province, url=page.final_url or page.url,
        canonical_url=page.canonical_url, title=extracted.title, lead=extracted.lead, text=extracted.text,
        captions=extracted.captions, published_at=extracted.published_at, modified_at=extracted.modified_at,
        author=extracted.author, photo_credit=extracted.photo_credit,
        fingerprint=fingerprint(extracted.fingerprint_text or extracted.text),
        near_signature=neardup.encode_signature(neardup.minhash(extracted.fingerprint_text or extracted.text)),
        fetched_at=page.fetched_at, quality_flags=extracted.flags,
    )


class ExtractStage:
    name = "extract"
    input_model = RawPage

    def __init__(self, *, output_topic: str, max_page_bytes: int, time_budget_s: float,
                 boilerplate: BoilerplateMemory | None = None, health=None,
                 max_text_bytes: int = MAX_TEXT_BYTES) -> None:
        self.output_topic = output_topic
        self.max_page_bytes = max_page_bytes
        self.time_budget_s = time_budget_s
        self.max_text_bytes = max_text_bytes  # the most article text one page publishes (flagged text_truncated)
        self.boilerplate = boilerplate if boilerplate is not None else BoilerplateMemory()
        self.health = health  # optional ExtractionHealth metrics

    def __call__(self, page: RawPage) -> StageResult:
        if page.http_status >= 400:
            raise Rejected("http_error", f"portal answered HTTP {page.http_status}")
        if page.body_dropped:
            raise Rejected("too_large", f"the crawler left out a {page.body_length}-byte body too large for Kafka")
        if page.body_length > self.max_page_bytes:
            raise Rejected("too_large", f"page is {page.body_length} bytes, budget is {self.max_page_bytes}")
        body = decompress_body(page, self.max_page_bytes)
        try:
            extracted = extract_page(
                body, page.final_url or page.url, page.content_type or page.headers.get("content-type"),
                portal=page.portal_id, boilerplate=self.boilerplate, max_bytes=self.max_page_bytes,
                time_budget_s=self.time_budget_s, max_text_bytes=self.max_text_bytes,
            )
        except PageRejected as exc:
            if self.health:
                self.health.rejected(page.portal_id, exc.reason)
            raise Rejected(exc.reason, exc.message) from exc
        article = to_article(page, extracted)
        if self.health:
            self.health.observe(page.portal_id, extracted)
        outcome = "flagged" if extracted.flags else "ok"
        return StageResult([Output(self.output_topic, page.canonical_url, article)], outcome=outcome)
