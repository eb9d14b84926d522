"""Near-duplicate lookups against the shared database, inside a bounded time window."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import and_, or_, select

from consumers.adapters.tables import N_BANDS, documents, near_index, signatures
from consumers.domain import neardup
from consumers.domain.dedup import KnownDocument


def _day(when: dt.datetime | None = None) -> int:
    return ((when or dt.datetime.now(dt.timezone.utc)).date() - dt.date(2000, 1, 1)).days


class NearDuplicateIndex:
    def __init__(self, threshold: float = 0.7, window_days: int = 30) -> None:
        self.threshold = threshold
        self.window_days = window_days

    def query(self, uow, article, paragraphs: list[str]) -> tuple[KnownDocument, float] | None:
        mh = neardup.article_signature(article.near_signature, article.text)
        if mh is None:
            return None
        band_values = neardup.bands(mh)
        since = _day() - self.window_days
        rows = uow.conn.execute(
            select(near_index.c.document_id, signatures.c.minhash)
            .join(signatures, signatures.c.document_id == near_index.c.document_id)
            .join(documents, documents.c.id == near_index.c.document_id)
            .where(and_(
                near_index.c.created_day >= since,
                documents.c.canonical_url != article.canonical_url,
                or_(*[near_index.c[f"b{i}"] == band_values[i] for i in range(N_BANDS)]),
            ))
        ).all()  # no LIMIT/ORDER BY: with them PostgreSQL prefers a sequential scan
        best: tuple[int, float] | None = None
        for document_id, stored in sorted(rows)[:200]:
            score = neardup.similarity(mh, neardup.from_bytes(stored))
            if score >= self.threshold and (best is None or score > best[1] + 1e-9):
                best = (document_id, score)
        if best is None:
            return None
        known = uow.document_by_id(best[0])
        return (known, best[1]) if known else None

    def add(self, uow, document_id: int, article, paragraphs: list[str]) -> None:
        mh = neardup.article_signature(article.near_signature, article.text)
        if mh is None:
            return
        uow.conn.execute(signatures.update().where(signatures.c.document_id == document_id)
                         .values(minhash=neardup.to_bytes(mh)))
        band_values = neardup.bands(mh)
        uow.conn.execute(near_index.insert().values(
            document_id=document_id, created_day=_day(), **{f"b{i}": band_values[i] for i in range(N_BANDS)}))
