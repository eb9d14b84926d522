"""Near-duplicate lookups against the shared database, inside a bounded time window."""

from __future__ import annotations

import datetime as dt

import numpy as np
from sqlalchemy import and_, bindparam, or_, select

from consumers.adapters.tables import N_BANDS, articles, documents, near_index
from consumers.domain import neardup
from consumers.domain.dedup import KnownDocument, report_id_for

# At most this many candidates (the oldest documents sharing a band) are compared.
MAX_CANDIDATES = 200

# One statement: band probes (an OR of index lookups), the window, the candidates' signatures and the documents
# they belong to; at most MAX_CANDIDATES of them, the oldest, however large a cluster of copies grows. With
# planner statistics PostgreSQL keeps the bitmap OR of the band indexes under the sort (bench/dedup.py --explain).
_LOOKUP = (
    select(near_index.c.document_id, near_index.c.minhash, documents.c.report_id, documents.c.version,
           articles.c.canonical_url, documents.c.portal_id, documents.c.fingerprint, documents.c.duplicate_of)
    .select_from(near_index.join(documents, documents.c.id == near_index.c.document_id)
                 .outerjoin(articles, articles.c.id == near_index.c.document_id))
    .where(and_(
        near_index.c.created_day >= bindparam("since"),
        documents.c.report_id != bindparam("report_id"),  # not another version of the same URL
        or_(*[near_index.c[f"b{i}"] == bindparam(f"b{i}") for i in range(N_BANDS)]),
    ))
    .order_by(near_index.c.document_id)
    .limit(MAX_CANDIDATES)
)
_ADD = near_index.insert()


def _day(when: dt.datetime | None = None) -> int:
    return ((when or dt.datetime.now(dt.timezone.utc)).date() - dt.date(2000, 1, 1)).days


class NearDuplicateIndex:
    def __init__(self, threshold: float = 0.7, window_days: int = 30) -> None:
        self.threshold = threshold
        self.window_days = window_days

    def query(self, uow, article, paragraphs: list[str] | None = None) -> tuple[KnownDocument, float] | None:
        """The closest document under another URL and its similarity, if at or above the threshold."""
        values = neardup.signature_values(article.near_signature, article.text)
        return None if values is None else self.lookup(uow, values, article.canonical_url)

    def lookup(self, uow, values: np.ndarray, canonical_url: str,
               band_values: list[int] | None = None) -> tuple[KnownDocument, float] | None:
        """`query` for a signature already decoded (`neardup.signature_values`): what the process stage runs."""
        if band_values is None:
            band_values = neardup.bands_of(values)
        params = {"since": _day() - self.window_days, "report_id": report_id_for(canonical_url),
                  **{f"b{i}": band_values[i] for i in range(N_BANDS)}}
        rows = uow.conn.execute(_LOOKUP, params).all()
        if not rows:
            return None
        candidates = rows  # the oldest first
        scores = neardup.similarities(values, [bytes(r.minhash) for r in candidates])
        best: tuple[int, float] | None = None
        for i, score in enumerate(scores.tolist()):
            if score >= self.threshold and (best is None or score > best[1] + 1e-9):
                best = (i, score)
        if best is None:
            return None
        r = candidates[best[0]]
        return KnownDocument(r.document_id, r.report_id, r.version, r.canonical_url, r.portal_id, r.fingerprint,
                             (), r.duplicate_of), best[1]

    def add(self, uow, document_id: int, article=None, paragraphs: list[str] | None = None, *,
            values: np.ndarray | None = None, band_values: list[int] | None = None) -> None:
        """Index a stored document: its signature (`values`, else the article's) and band keys."""
        if values is None:
            if article is None:
                return
            values = neardup.signature_values(article.near_signature, article.text)
            if values is None:
                return
        if band_values is None:
            band_values = neardup.bands_of(values)
        uow.conn.execute(_ADD, {"document_id": document_id, "created_day": _day(),
                                "minhash": neardup.values_to_bytes(values),
                                **{f"b{i}": band_values[i] for i in range(N_BANDS)}})
