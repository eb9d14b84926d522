"""A store as revision 0001's code left it: its tables (made by revision 0001's own definitions) and the rows the
process stage wrote then (the text in `articles`, again in `signatures.paragraphs` and in the whole report in
`meeting_reports.payload`). For the tests of revision 0002 (tests/integration/test_storage_compact.py) and of
databases made before migrations (tests/integration/test_migrations.py).

`write_0001` is the 0001 process stage's write path, written out: the same domain decisions (consumers.domain),
0001's queries and rows. Stage-level behaviour (replays, Kafka) is not its business."""

from __future__ import annotations

import datetime as dt
import json

import sqlalchemy as sa

from consumers.adapters import schema_migrations
from consumers.domain import dedup, events, neardup
from consumers.domain.analysis import analyse
from consumers.stages.process import build_report
from schemas import Article, MeetingReport


def tables_0001(metadata: sa.MetaData | None = None, skip: tuple[str, ...] = ()) -> sa.MetaData:
    """Revision 0001's tables and indexes, from the revision's own definitions."""
    metadata = metadata or sa.MetaData()
    module = schema_migrations.script().get_revision("0001").module
    for name, elements, indexes in module._tables():
        if name in skip:
            continue
        table = sa.Table(name, metadata, *elements)
        for index_name, columns in indexes:
            sa.Index(index_name, *[table.c[c] for c in columns])
    return metadata


def create_0001(url_or_engine, skip: tuple[str, ...] = ()) -> None:
    """The tables as a release before migrations made them (no version table)."""
    engine = sa.create_engine(url_or_engine) if isinstance(url_or_engine, str) else url_or_engine
    tables_0001(skip=skip).create_all(engine)
    if isinstance(url_or_engine, str):
        engine.dispose()


def _insert(conn, table):
    from sqlalchemy.dialects import postgresql, sqlite

    return (postgresql if conn.dialect.name == "postgresql" else sqlite).insert(table)


def _day() -> int:
    return (dt.datetime.now(dt.timezone.utc).date() - dt.date(2000, 1, 1)).days


class Writer0001:
    """The 0001 process stage's decisions and rows, on 0001 tables."""

    def __init__(self, engine: sa.Engine, threshold: float = 0.7, window_days: int = 100_000) -> None:
        self.engine = engine
        self.t = tables_0001()
        self.threshold = threshold
        self.window_days = window_days
        self.published: list[MeetingReport] = []  # every report stored, as published
        self.decisions: list[dedup.DedupDecision] = []

    def _known(self, conn, row) -> dedup.KnownDocument:
        s = self.t.tables["signatures"]
        paragraphs = conn.execute(sa.select(s.c.paragraphs).where(s.c.document_id == row.id)).scalar()
        return dedup.KnownDocument(row.id, row.report_id, row.version, row.canonical_url, row.portal_id,
                                   row.fingerprint, tuple(paragraphs or ()), row.duplicate_of)

    def process(self, article: Article, *, delivered: bool = True) -> dedup.DedupDecision:
        t = self.t.tables
        d, s, n, a, r = t["documents"], t["signatures"], t["near_index"], t["articles"], t["meeting_reports"]
        e, em = t["events"], t["event_members"]
        analysis = analyse(article.title, article.text, article.published_at, article.province)
        classification, facts = analysis.classification, analysis.facts
        paragraphs = [p for p in article.text.split("\n") if p]
        now = dt.datetime.now(dt.timezone.utc)
        with self.engine.begin() as conn:
            row = conn.execute(sa.select(d).where(sa.and_(
                d.c.fingerprint == article.fingerprint,
                sa.or_(d.c.canonical_url == article.canonical_url, d.c.portal_id == article.portal_id))).limit(1)).first()
            exact = self._known(conn, row) if row else None
            latest = None
            if exact is None:
                row = conn.execute(sa.select(d).where(d.c.canonical_url == article.canonical_url)
                                   .order_by(d.c.version.desc()).limit(1)).first()
                latest = self._known(conn, row) if row else None
            mh = neardup.article_signature(article.near_signature, article.text)
            near = None
            if exact is None and latest is None and mh is not None:
                bands = neardup.bands(mh)
                rows = conn.execute(
                    sa.select(n.c.document_id, s.c.minhash).join(s, s.c.document_id == n.c.document_id)
                    .join(d, d.c.id == n.c.document_id)
                    .where(sa.and_(n.c.created_day >= _day() - self.window_days,
                                   d.c.canonical_url != article.canonical_url,
                                   sa.or_(*[n.c[f"b{i}"] == bands[i] for i in range(7)])))).all()
                best = None
                for document_id, stored in sorted(rows)[:200]:
                    score = neardup.similarity(mh, neardup.from_bytes(stored))
                    if score >= self.threshold and (best is None or score > best[1] + 1e-9):
                        best = (document_id, score)
                if best is not None:
                    near = (self._known(conn, conn.execute(sa.select(d).where(d.c.id == best[0])).first()), best[1])
            decision = dedup.decide(canonical_url=article.canonical_url, portal_id=article.portal_id,
                                    fingerprint=article.fingerprint, paragraphs=paragraphs, exact=exact,
                                    latest_same_url=latest, near=near)
            if decision.outcome == "duplicate":
                return decision
            is_meeting = classification.is_meeting_report
            document_id = conn.execute(d.insert().values(
                canonical_url=article.canonical_url, portal_id=article.portal_id, fingerprint=article.fingerprint,
                report_id=decision.report_id, version=decision.version, is_meeting_report=is_meeting,
                duplicate_of=decision.duplicate_of, created_at=now).returning(d.c.id)).scalar_one()
            conn.execute(s.insert().values(document_id=document_id, report_id=decision.report_id,
                                           minhash=neardup.to_bytes(mh) if mh is not None else b"",
                                           paragraphs=paragraphs))
            if mh is not None:
                bands = neardup.bands(mh)
                conn.execute(n.insert().values(document_id=document_id, created_day=_day(),
                                               **{f"b{i}": bands[i] for i in range(7)}))
            conn.execute(a.insert().values(
                canonical_url=article.canonical_url, fingerprint=article.fingerprint, portal_id=article.portal_id,
                province=article.province, url=article.url, title=article.title, lead=article.lead,
                text=article.text, captions=list(article.captions), author=article.author,
                published_at=article.published_at, modified_at=article.modified_at, is_meeting_report=is_meeting,
                meeting_type=classification.meeting_type, confidence=classification.confidence,
                quality_flags=list(article.quality_flags), stored_at=now))
            if not is_meeting:
                return decision
            event_id = None
            if facts.meeting_date is not None and classification.meeting_type is not None:
                prior = None
                if decision.outcome == "revision" or decision.duplicate_of:
                    prior = conn.execute(sa.select(r.c.event_id).where(sa.and_(
                        r.c.report_id == (decision.duplicate_of or decision.report_id),
                        r.c.event_id.is_not(None))).limit(1)).scalar()
                if prior:
                    event_id = prior
                else:
                    national = events.is_national(classification.meeting_type, article.title, article.text)
                    scope = events.event_scope(classification.meeting_type, article.province, national)
                    sig = events.signature(scope=scope, ordinal=facts.ordinal, term=facts.term,
                                           presiding=[p["name"] if isinstance(p, dict) else p.name
                                                      for p in facts.presiding],
                                           meeting_type=classification.meeting_type)
                    near_days = conn.execute(sa.select(e).where(e.c.meeting_date.between(
                        facts.meeting_date - dt.timedelta(days=1), facts.meeting_date + dt.timedelta(days=1)))).all()
                    event_id, is_new = events.choose_event(classification.meeting_type, facts.meeting_date, sig,
                                                           [dict(x._mapping) for x in near_days])
                    if is_new:
                        conn.execute(e.insert().values(event_id=event_id, meeting_type=classification.meeting_type,
                                                       meeting_date=facts.meeting_date, signature=sig,
                                                       created_at=now))
                conn.execute(_insert(conn, em).values(event_id=event_id, report_id=decision.report_id,
                                                      portal_id=article.portal_id, province=article.province)
                             .on_conflict_do_nothing(index_elements=["event_id", "report_id"]))
            report = build_report(article, classification, facts, decision, event_id)
            conn.execute(r.insert().values(
                report_id=report.report_id, version=report.version, url=report.url, title=report.title,
                portal_id=report.portal_id, province=report.province, province_current=report.province_current,
                meeting_type=report.meeting_type.value, meeting_date=report.meeting_date,
                confidence=report.confidence, dedup_outcome=report.dedup_outcome.value,
                duplicate_of=report.duplicate_of, similarity=report.similarity, event_id=report.event_id,
                published_at=report.published_at, fingerprint=report.fingerprint,
                payload=json.loads(report.model_dump_json()), stored_at=now, delivered=delivered))
            self.published.append(report)
            return decision


def write_0001(url: str, articles: list[Article], *, undelivered_every: int = 0) -> Writer0001:
    """0001 tables (made if missing) with the rows the 0001 process stage stored for `articles`, in order;
    `writer.decisions` has each article's decision. Every `undelivered_every`-th article's report (if it stores
    one) is left undelivered: stored, never acknowledged."""
    engine = sa.create_engine(url)
    try:
        tables_0001().create_all(engine)
        writer = Writer0001(engine)
        writer.decisions = [writer.process(article, delivered=not (undelivered_every and i % undelivered_every == 0))
                            for i, article in enumerate(articles)]
    finally:
        engine.dispose()
    return writer
