"""SQLAlchemy store: one code path for SQLite (embedded) and PostgreSQL (production)."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine, and_, create_engine, event, func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from consumers.adapters.tables import articles, documents, event_members, events, meeting_reports, metadata, signatures
from consumers.domain.dedup import KnownDocument, StoreConflict
from schemas import Article, MeetingReport


def _now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite:///") and not url.startswith("sqlite:///:memory:"):
        Path(url.removeprefix("sqlite:///")).expanduser().parent.mkdir(parents=True, exist_ok=True)
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 30})

        @event.listens_for(engine, "connect")
        def _sqlite_connect(dbapi_conn, _record):
            # Let SQLAlchemy, not pysqlite, issue BEGIN; WAL lets the CLI read beside a writer.
            dbapi_conn.isolation_level = None
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.close()

        @event.listens_for(engine, "begin")
        def _sqlite_begin(conn):
            # Writers take the write lock at BEGIN so two of them queue instead of failing mid-transaction;
            # readers (the CLI) begin a plain deferred transaction and read beside them under WAL.
            immediate = conn.get_execution_options().get("newsingest_writer", False)
            conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=5, max_overflow=5)


def _insert(conn: Connection, table):
    return (postgresql.insert(table) if conn.dialect.name == "postgresql" else sqlite.insert(table))


class UnitOfWork:
    """Reads and writes inside one transaction; nothing is kept unless `commit()` is called."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.committed = False

    # -- documents -------------------------------------------------------------------------------
    def _known(self, row) -> KnownDocument:
        paragraphs = self.conn.execute(
            select(signatures.c.paragraphs).where(signatures.c.document_id == row.id)
        ).scalar()
        return KnownDocument(row.id, row.report_id, row.version, row.canonical_url, row.portal_id,
                             row.fingerprint, tuple(paragraphs or ()), row.duplicate_of)

    def find_exact(self, canonical_url: str, portal_id: str, fingerprint: str) -> KnownDocument | None:
        row = self.conn.execute(
            select(documents).where(
                and_(documents.c.fingerprint == fingerprint,
                     or_(documents.c.canonical_url == canonical_url, documents.c.portal_id == portal_id))
            ).limit(1)
        ).first()
        return self._known(row) if row else None

    def latest_for_url(self, canonical_url: str) -> KnownDocument | None:
        row = self.conn.execute(
            select(documents).where(documents.c.canonical_url == canonical_url)
            .order_by(documents.c.version.desc()).limit(1)
        ).first()
        return self._known(row) if row else None

    def document_by_id(self, document_id: int) -> KnownDocument | None:
        row = self.conn.execute(select(documents).where(documents.c.id == document_id)).first()
        return self._known(row) if row else None

    def add_document(self, *, canonical_url: str, portal_id: str, fingerprint: str, report_id: str,
                     version: int, is_meeting_report: bool, paragraphs: list[str], minhash: bytes = b"",
                     duplicate_of: str | None = None) -> int:
        try:
            with self.conn.begin_nested():
                document_id = self.conn.execute(
                    documents.insert().values(
                        canonical_url=canonical_url, portal_id=portal_id, fingerprint=fingerprint,
                        report_id=report_id, version=version, is_meeting_report=is_meeting_report,
                        duplicate_of=duplicate_of, created_at=_now(),
                    ).returning(documents.c.id)
                ).scalar_one()
        except IntegrityError as exc:
            raise StoreConflict(str(exc.orig)) from exc
        self.conn.execute(signatures.insert().values(
            document_id=document_id, report_id=report_id, minhash=minhash, paragraphs=paragraphs))
        return document_id

    # -- articles and reports --------------------------------------------------------------------
    def add_article(self, article: Article, *, is_meeting_report: bool, meeting_type: str | None,
                    confidence: float | None) -> None:
        stmt = _insert(self.conn, articles).values(
            canonical_url=article.canonical_url, fingerprint=article.fingerprint, portal_id=article.portal_id,
            province=article.province, url=article.url, title=article.title, lead=article.lead,
            text=article.text, captions=list(article.captions), author=article.author,
            published_at=article.published_at, modified_at=article.modified_at,
            is_meeting_report=is_meeting_report, meeting_type=meeting_type, confidence=confidence,
            quality_flags=list(article.quality_flags), stored_at=_now(),
        ).on_conflict_do_nothing(index_elements=["canonical_url", "fingerprint"])
        self.conn.execute(stmt)

    def add_report(self, report: MeetingReport) -> None:
        stmt = _insert(self.conn, meeting_reports).values(
            report_id=report.report_id, version=report.version, url=report.url, title=report.title,
            portal_id=report.portal_id, province=report.province, province_current=report.province_current,
            meeting_type=report.meeting_type.value, meeting_date=report.meeting_date,
            confidence=report.confidence, dedup_outcome=report.dedup_outcome.value,
            duplicate_of=report.duplicate_of, similarity=report.similarity, event_id=report.event_id,
            published_at=report.published_at, fingerprint=report.fingerprint,
            payload=json.loads(report.model_dump_json()), stored_at=_now(), delivered=False,
        ).on_conflict_do_nothing(index_elements=["report_id", "version"])
        self.conn.execute(stmt)

    def undelivered_report(self, report_id: str, version: int) -> MeetingReport | None:
        payload = self.conn.execute(
            select(meeting_reports.c.payload).where(and_(
                meeting_reports.c.report_id == report_id, meeting_reports.c.version == version,
                meeting_reports.c.delivered.is_(False)))
        ).scalar()
        return MeetingReport.model_validate(payload) if payload else None

    # -- events ----------------------------------------------------------------------------------
    def events_near(self, meeting_date: dt.date | None, days: int = 1) -> list[dict]:
        if meeting_date is None:
            return []
        rows = self.conn.execute(
            select(events).where(events.c.meeting_date.between(
                meeting_date - dt.timedelta(days=days), meeting_date + dt.timedelta(days=days)))
        ).all()
        return [dict(r._mapping) for r in rows]

    def add_event(self, event_id: str, meeting_type: str, meeting_date: dt.date | None, signature: dict) -> None:
        self.conn.execute(_insert(self.conn, events).values(
            event_id=event_id, meeting_type=meeting_type, meeting_date=meeting_date, signature=signature,
            created_at=_now()).on_conflict_do_nothing(index_elements=["event_id"]))

    def update_event_signature(self, event_id: str, signature: dict) -> None:
        self.conn.execute(update(events).where(events.c.event_id == event_id).values(signature=signature))

    def add_event_member(self, event_id: str, report_id: str, portal_id: str, province: str) -> None:
        self.conn.execute(_insert(self.conn, event_members).values(
            event_id=event_id, report_id=report_id, portal_id=portal_id, province=province,
        ).on_conflict_do_nothing(index_elements=["event_id", "report_id"]))

    def event_of_report(self, report_id: str) -> str | None:
        return self.conn.execute(
            select(meeting_reports.c.event_id).where(and_(
                meeting_reports.c.report_id == report_id, meeting_reports.c.event_id.is_not(None))).limit(1)
        ).scalar()

    def event_members_of(self, event_id: str) -> list[dict]:
        rows = self.conn.execute(select(event_members).where(event_members.c.event_id == event_id)
                                 .order_by(event_members.c.report_id)).all()
        return [dict(r._mapping) for r in rows]

    def commit(self) -> None:
        self.committed = True


class Store:
    def __init__(self, url: str) -> None:
        self.url = url
        self._engine: Engine | None = None

    @property
    def engine(self) -> Engine:
        if self._engine is None:
            self._engine = make_engine(self.url)
        return self._engine

    def create_schema(self) -> None:
        metadata.create_all(self.engine)

    @contextmanager
    def unit_of_work(self) -> Iterator[UnitOfWork]:
        conn = self.engine.connect().execution_options(newsingest_writer=True)
        try:
            trans = conn.begin()
            if conn.dialect.name == "postgresql":
                # Dedup decisions read what other replicas wrote (near copies, events), which no unique
                # key can guard; one transaction-scoped lock serialises the short decide-and-write step
                # across replicas, as BEGIN IMMEDIATE does on SQLite.
                conn.exec_driver_sql("SELECT pg_advisory_xact_lock(hashtext('newsingest.dedup'))")
            uow = UnitOfWork(conn)
            try:
                yield uow
            except BaseException:
                trans.rollback()
                raise
            if uow.committed:
                try:
                    trans.commit()
                except IntegrityError as exc:
                    raise StoreConflict(str(exc.orig)) from exc
            else:
                trans.rollback()
        finally:
            conn.close()

    def mark_delivered(self, keys: list[tuple[str, int]]) -> None:
        if not keys:
            return
        with self.engine.connect().execution_options(newsingest_writer=True) as conn, conn.begin():
            for report_id, version in keys:
                conn.execute(update(meeting_reports).where(and_(
                    meeting_reports.c.report_id == report_id, meeting_reports.c.version == version)
                ).values(delivered=True))

    # -- read side for the CLI and tests ---------------------------------------------------------
    def reports(self) -> list[dict]:
        with self.engine.connect() as conn:
            rows = conn.execute(select(meeting_reports).order_by(
                meeting_reports.c.published_at, meeting_reports.c.report_id, meeting_reports.c.version)).all()
        return [dict(r._mapping) for r in rows]

    def counts(self) -> dict[str, int]:
        with self.engine.connect() as conn:
            return {
                name: conn.execute(select(func.count()).select_from(table)).scalar_one()
                for name, table in (("articles", articles), ("documents", documents),
                                    ("meeting_reports", meeting_reports), ("events", events))
            }

    def dispose(self) -> None:
        if self._engine is not None:
            self._engine.dispose()
            self._engine = None
