"""SQLAlchemy store: one code path for SQLite (embedded) and PostgreSQL (production)."""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import socket
import threading
import time
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine, and_, create_engine, event, func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from consumers.adapters.tables import articles, documents, event_members, events, meeting_reports, signatures
from consumers.domain.dedup import KnownDocument, StoreConflict
from schemas import Article, MeetingReport

log = logging.getLogger(__name__)


def _now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


@dataclass(frozen=True)
class DatabaseTimeouts:
    """Every way a database call can wait, bounded, so a lost connection becomes an error the runner pauses
    on (an outage) instead of a hang that holds the dedup lock.

    PostgreSQL: `connect_timeout_s` bounds connecting; `statement_timeout_s`, `lock_timeout_s` (the dedup
    advisory lock included) and `idle_in_transaction_timeout_s` are enforced by the server, the last one
    freeing the lock of a client that vanished mid-transaction; TCP keepalives and `tcp_user_timeout_s`
    (on both ends) notice a peer that is gone. A peer whose kernel still acknowledges but never answers
    (a stalled proxy, a hung server) is caught by `operation_timeout_s`: a unit of work or delivery mark
    that takes longer has its connections' sockets shut down from a watchdog thread, which turns the
    blocked call into a connection error. SQLite: `busy_timeout_s` bounds waiting for the write lock."""

    connect_timeout_s: int = 10
    statement_timeout_s: float = 30.0
    lock_timeout_s: float = 30.0
    idle_in_transaction_timeout_s: float = 60.0
    keepalives_idle_s: int = 10
    keepalives_interval_s: int = 5
    keepalives_count: int = 3
    tcp_user_timeout_s: float = 30.0
    operation_timeout_s: float = 90.0
    busy_timeout_s: float = 30.0

    @classmethod
    def from_settings(cls, settings) -> DatabaseTimeouts:
        """From Settings; proposed fields read with defaults until schemas/settings.py declares them."""
        base = cls()
        statement = float(getattr(settings, "database_statement_timeout_s", base.statement_timeout_s))
        return cls(
            connect_timeout_s=int(getattr(settings, "database_connect_timeout_s", base.connect_timeout_s)),
            statement_timeout_s=statement, lock_timeout_s=statement, idle_in_transaction_timeout_s=2 * statement,
            tcp_user_timeout_s=statement,
            operation_timeout_s=float(getattr(settings, "database_operation_timeout_s", 3 * statement)),
            busy_timeout_s=statement,
        )

    def postgresql_connect_args(self) -> dict:
        ms = lambda seconds: int(seconds * 1000)  # noqa: E731
        server = {
            "statement_timeout": ms(self.statement_timeout_s),
            "lock_timeout": ms(self.lock_timeout_s),
            "idle_in_transaction_session_timeout": ms(self.idle_in_transaction_timeout_s),
            # The server's side of the same socket: a client that vanished is noticed there too.
            "tcp_keepalives_idle": self.keepalives_idle_s,
            "tcp_keepalives_interval": self.keepalives_interval_s,
            "tcp_keepalives_count": self.keepalives_count,
            "tcp_user_timeout": ms(self.tcp_user_timeout_s),
        }
        return {
            "connect_timeout": max(2, int(self.connect_timeout_s)),
            "keepalives": 1,
            "keepalives_idle": self.keepalives_idle_s,
            "keepalives_interval": self.keepalives_interval_s,
            "keepalives_count": self.keepalives_count,
            "tcp_user_timeout": ms(self.tcp_user_timeout_s),
            "options": " ".join(f"-c {name}={value}" for name, value in server.items()),
        }


class _Watchdog:
    """Shuts down the sockets of an engine's connections when an operation outlives its deadline.

    One daemon thread per engine. `shutdown()` on the socket wakes the driver blocked in recv/poll with a
    connection error (SQLAlchemy then invalidates the connection); it is safe on a live socket, and a closed
    psycopg connection raises on `fileno()`, so a reused descriptor is never touched."""

    def __init__(self, engine: Engine, label: str) -> None:
        self.label = label
        self._connections: weakref.WeakSet = weakref.WeakSet()
        self._deadlines: dict[int, tuple[float, str]] = {}
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._next = 0
        self.kills = 0

        @event.listens_for(engine, "connect")
        def _track(dbapi_conn, _record):
            self._connections.add(dbapi_conn)

    @contextmanager
    def deadline(self, seconds: float, what: str) -> Iterator[None]:
        with self._lock:
            self._next += 1
            token = self._next
            self._deadlines[token] = (time.monotonic() + seconds, what)
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name=f"db-watchdog-{self.label}", daemon=True)
                self._thread.start()
        try:
            yield
        finally:
            with self._lock:
                self._deadlines.pop(token, None)

    def _run(self) -> None:
        while True:
            time.sleep(0.25)
            now = time.monotonic()
            with self._lock:
                expired = [(token, what) for token, (at, what) in self._deadlines.items() if at <= now]
                for token, _ in expired:
                    self._deadlines.pop(token, None)
            for _, what in expired:
                self._kill(what)

    def _kill(self, what: str) -> None:
        killed = 0
        for conn in list(self._connections):
            try:
                fd = conn.fileno()
            except Exception:  # noqa: BLE001 - closed or broken already
                continue
            try:
                sock = socket.socket(fileno=os.dup(fd))
                try:
                    sock.shutdown(socket.SHUT_RDWR)
                    killed += 1
                finally:
                    sock.close()
            except OSError:
                continue
        self.kills += 1
        log.error("database %s: %s exceeded its time limit; shut down %d connection(s) so it fails and the "
                  "stage pauses", self.label, what, killed)


def make_engine(url: str, timeouts: DatabaseTimeouts | None = None) -> Engine:
    timeouts = timeouts or DatabaseTimeouts()
    if url.startswith("sqlite:///") and not url.startswith("sqlite:///:memory:"):
        Path(url.removeprefix("sqlite:///")).expanduser().parent.mkdir(parents=True, exist_ok=True)
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": timeouts.busy_timeout_s})

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
    # pool_timeout: waiting for a free pooled connection is bounded too; pool_recycle drops connections
    # a NAT or proxy may have forgotten.
    return create_engine(url, pool_pre_ping=True, pool_size=5, max_overflow=5, pool_timeout=30,
                         pool_recycle=1800, connect_args=timeouts.postgresql_connect_args())


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
    def __init__(self, url: str, timeouts: DatabaseTimeouts | None = None) -> None:
        self.url = url
        self.timeouts = timeouts or DatabaseTimeouts()
        self._engine: Engine | None = None
        self._watchdog: _Watchdog | None = None

    @property
    def engine(self) -> Engine:
        if self._engine is None:
            self._engine = make_engine(self.url, self.timeouts)
            if self._engine.dialect.name == "postgresql":
                self._watchdog = _Watchdog(self._engine, self._engine.url.database or "postgresql")
        return self._engine

    @contextmanager
    def _bounded(self, what: str) -> Iterator[None]:
        self.engine  # noqa: B018 - builds the engine and its watchdog
        if self._watchdog is None:
            yield
            return
        with self._watchdog.deadline(self.timeouts.operation_timeout_s, what):
            yield

    def create_schema(self) -> None:
        """Bring the tables to the latest schema revision (Alembic; adopts tables made before migrations)."""
        from consumers.adapters import schema_migrations

        with self._bounded("schema migration"):
            schema_migrations.upgrade(self.engine, lock_timeout_s=self.timeouts.lock_timeout_s)

    @contextmanager
    def unit_of_work(self) -> Iterator[UnitOfWork]:
        with self._bounded("a unit of work"):
            conn = self.engine.connect().execution_options(newsingest_writer=True)
            try:
                trans = conn.begin()
                if conn.dialect.name == "postgresql":
                    # Dedup decisions read what other replicas wrote (near copies, events), which no unique
                    # key can guard; one transaction-scoped lock serialises the short decide-and-write step
                    # across replicas, as BEGIN IMMEDIATE does on SQLite. lock_timeout bounds the wait.
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

    def ping(self) -> None:
        """One round trip, within the same limits as real work: what an idle stage checks, so an outage shows
        even when no message needs the database."""
        with self._bounded("a health check"), self.engine.connect() as conn:
            conn.exec_driver_sql("SELECT 1")

    def mark_delivered(self, keys: list[tuple[str, int]]) -> None:
        if not keys:
            return
        with self._bounded("marking reports delivered"), \
                self.engine.connect().execution_options(newsingest_writer=True) as conn, conn.begin():
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
