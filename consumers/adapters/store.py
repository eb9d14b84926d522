"""SQLAlchemy store: one code path for SQLite (embedded) and PostgreSQL (production)."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import os
import socket
import threading
import time
import weakref
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine, and_, bindparam, create_engine, event, func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from consumers.adapters.tables import (
    article_lead,
    articles,
    documents,
    event_members,
    events,
    meeting_reports,
    stored_lead,
    stored_url,
)
from consumers.domain.dedup import KnownDocument, LockOrderConflict, StoreConflict, paragraph_diff, report_id_for
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
        """From Settings (schemas.settings): the statement timeout also bounds locks, TCP and SQLite's busy wait."""
        statement = float(settings.database_statement_timeout_s)
        return cls(
            connect_timeout_s=int(settings.database_connect_timeout_s),
            statement_timeout_s=statement, lock_timeout_s=statement, idle_in_transaction_timeout_s=2 * statement,
            tcp_user_timeout_s=statement,
            operation_timeout_s=float(settings.database_operation_timeout_s),
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
        engine = create_engine(url, connect_args={"timeout": timeouts.busy_timeout_s}, json_serializer=_json)

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
                         pool_recycle=1800, connect_args=timeouts.postgresql_connect_args(), json_serializer=_json)


def _json(value) -> str:
    """JSON columns as UTF-8 text (not \\u escapes: a Vietnamese letter is 2-3 bytes, not 6)."""
    return json.dumps(value, ensure_ascii=False)


def _insert(conn: Connection, table):
    return (postgresql.insert(table) if conn.dialect.name == "postgresql" else sqlite.insert(table))


# -- statements, built once: the process stage runs a dozen per article, and building a Core statement costs
# more CPU than SQLite takes to run it ---------------------------------------------------------------------------

def lock_key(name: str) -> int:
    """A signed 64-bit advisory lock key for a name (stable across processes, unlike hash())."""
    return int.from_bytes(hashlib.blake2b(name.encode("utf-8"), digest_size=8, person=b"nsdedup").digest(),
                          "big", signed=True)


_DOCUMENT_COLUMNS = (documents.c.id, documents.c.report_id, documents.c.version, articles.c.canonical_url,
                     documents.c.portal_id, documents.c.fingerprint, documents.c.duplicate_of)
_DOCUMENT_AND_ARTICLE = documents.outerjoin(articles, articles.c.id == documents.c.id)
# Same URL first, then the oldest: which stored document a duplicate is of does not depend on the plan.
_FIND_EXACT = (
    select(*_DOCUMENT_COLUMNS, meeting_reports.c.delivered)
    .select_from(_DOCUMENT_AND_ARTICLE.outerjoin(
        meeting_reports, and_(meeting_reports.c.report_id == documents.c.report_id,
                              meeting_reports.c.version == documents.c.version)))
    .where(and_(documents.c.fingerprint == bindparam("fingerprint"),
                or_(documents.c.report_id == bindparam("report_id"), documents.c.portal_id == bindparam("portal"))))
    .order_by((documents.c.report_id != bindparam("report_id2")), documents.c.id)
    .limit(1)
)
_LATEST_FOR_URL = (
    select(*_DOCUMENT_COLUMNS, articles.c.text)
    .select_from(_DOCUMENT_AND_ARTICLE)
    .where(documents.c.report_id == bindparam("report_id"))
    .order_by(documents.c.version.desc()).limit(1)
)
_DOCUMENT_BY_ID = select(*_DOCUMENT_COLUMNS).select_from(_DOCUMENT_AND_ARTICLE).where(documents.c.id == bindparam("id"))
_ADD_DOCUMENT = documents.insert().returning(documents.c.id)
_ADD_ARTICLE = articles.insert()
_REPORT_COLUMNS = [c for c in meeting_reports.c]
_REPORT_WITH_ARTICLE = (
    select(*_REPORT_COLUMNS, articles.c.text, articles.c.lead)
    .select_from(meeting_reports
                 .outerjoin(documents, and_(documents.c.report_id == meeting_reports.c.report_id,
                                            documents.c.version == meeting_reports.c.version))
                 .outerjoin(articles, articles.c.id == documents.c.id))
)
_UNDELIVERED = _REPORT_WITH_ARTICLE.where(and_(
    meeting_reports.c.report_id == bindparam("report_id"), meeting_reports.c.version == bindparam("version"),
    meeting_reports.c.delivered.is_(False)))
_VERSION_TEXT = (
    select(articles.c.text)
    .select_from(documents.join(articles, articles.c.id == documents.c.id))
    .where(and_(documents.c.report_id == bindparam("report_id"), documents.c.version == bindparam("version")))
)
_EVENTS_NEAR = select(events).where(events.c.meeting_date.between(bindparam("since"), bindparam("until")))
_EVENT_OF_REPORT = (
    select(meeting_reports.c.event_id)
    .where(and_(meeting_reports.c.report_id == bindparam("report_id"), meeting_reports.c.event_id.is_not(None)))
    .limit(1)
)
_EVENT = select(events.c.meeting_date, events.c.signature).where(events.c.event_id == bindparam("event_id"))
_EVENT_MEMBERS = (select(event_members).where(event_members.c.event_id == bindparam("event_id"))
                  .order_by(event_members.c.report_id))
_MARK_DELIVERED = (update(meeting_reports)
                   .where(and_(meeting_reports.c.report_id == bindparam("rid"),
                               meeting_reports.c.version == bindparam("ver")))
                   .values(delivered=True))
# Fields of a MeetingReport kept in meeting_reports.payload: everything else is a column or the article.
# published_at is a column too, but SQLite keeps no UTC offset: the payload has it as published.
REPORT_PAYLOAD_FIELDS = frozenset({"evidence", "presiding", "participants", "ordinal", "term", "tenure",
                                   "documents", "figures", "published_at"})
_UPSERTS: dict[tuple[str, str], object] = {}


def _upsert(conn: Connection, table, *keys: str):
    """INSERT ... ON CONFLICT (keys) DO NOTHING for this dialect, built once."""
    statement = _UPSERTS.get((conn.dialect.name, table.name))
    if statement is None:
        statement = _insert(conn, table).on_conflict_do_nothing(index_elements=list(keys))
        _UPSERTS[(conn.dialect.name, table.name)] = statement
    return statement


def report_payload(report: MeetingReport) -> dict:
    """What meeting_reports.payload keeps of a report (no text: see `rebuild_report`)."""
    return report.model_dump(mode="json", include=REPORT_PAYLOAD_FIELDS, exclude_defaults=True)


def rebuild_report(row, text: str | None, lead: str | None, previous_text: str | None) -> MeetingReport:
    """The MeetingReport as it was published, from its meeting_reports row (with the facts in `payload`), its
    article's text and lead, and for a revision the previous version's text (the paragraphs added and removed
    are that diff, as the process stage computed it)."""
    m = row._mapping if hasattr(row, "_mapping") else row
    text = text or ""
    added: list[str] = []
    removed: list[str] = []
    if previous_text is not None:
        added, removed = paragraph_diff([p for p in previous_text.split("\n") if p],
                                        [p for p in text.split("\n") if p])
    payload = {k: v for k, v in (m["payload"] or {}).items() if k in REPORT_PAYLOAD_FIELDS}
    payload.setdefault("published_at", _aware(m["published_at"]))
    return MeetingReport(
        report_id=m["report_id"], version=m["version"], url=m["url"], title=m["title"],
        lead=article_lead(lead, text) if text else (lead or ""), text=text, portal_id=m["portal_id"],
        province=m["province"], province_current=m["province_current"], meeting_type=m["meeting_type"],
        meeting_date=m["meeting_date"], confidence=m["confidence"], dedup_outcome=m["dedup_outcome"],
        duplicate_of=m["duplicate_of"], similarity=m["similarity"], event_id=m["event_id"],
        fingerprint=m["fingerprint"], added_paragraphs=added,
        removed_paragraphs=removed, **payload,
    )


def _aware(value: dt.datetime | None) -> dt.datetime | None:
    # SQLite keeps no offset: what it gives back is UTC.
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=dt.timezone.utc)
    return value


class UnitOfWork:
    """Reads and writes inside one transaction; nothing is kept unless `commit()` is called."""

    def __init__(self, conn: Connection, held: Iterable[int] = ()) -> None:
        self.conn = conn
        self.committed = False
        self._held = set(held)

    # -- locks -----------------------------------------------------------------------------------
    def lock(self, names: Iterable[str]) -> None:
        """Take advisory locks the unit of work did not ask for up front (PostgreSQL; SQLite's writer already
        holds the database). Keys above every held one are waited for (locks are always taken in ascending
        order, so this cannot deadlock); a lower key is only tried, and if it is busy LockOrderConflict asks
        the caller to start again with it up front."""
        if self.conn.dialect.name != "postgresql":
            return
        wanted = {lock_key(n): n for n in names}
        missing = sorted(k for k in wanted if k not in self._held)
        if not missing:
            return
        ceiling = max(self._held, default=None)
        for key in missing:
            if ceiling is None or key > ceiling:
                self.conn.exec_driver_sql("SELECT pg_advisory_xact_lock(%(k)s)", {"k": key})
            elif not self.conn.exec_driver_sql("SELECT pg_try_advisory_xact_lock(%(k)s)", {"k": key}).scalar():
                raise LockOrderConflict(wanted.values())
            self._held.add(key)
            ceiling = key if ceiling is None else max(ceiling, key)

    # -- documents -------------------------------------------------------------------------------
    @staticmethod
    def _known(row, paragraphs: tuple[str, ...] = (), delivered: bool | None = None) -> KnownDocument:
        return KnownDocument(row.id, row.report_id, row.version, row.canonical_url, row.portal_id,
                             row.fingerprint, paragraphs, row.duplicate_of, delivered)

    def find_exact(self, canonical_url: str, portal_id: str, fingerprint: str) -> KnownDocument | None:
        """A stored document with this fingerprint at this URL or on this portal (the same URL preferred), with
        its meeting report's delivered flag."""
        report_id = report_id_for(canonical_url)
        row = self.conn.execute(_FIND_EXACT, {"fingerprint": fingerprint, "report_id": report_id,
                                              "portal": portal_id, "report_id2": report_id}).first()
        return self._known(row, delivered=row.delivered) if row else None

    def latest_for_url(self, canonical_url: str) -> KnownDocument | None:
        """The newest version stored for the URL, with its paragraphs (what a revision is compared with)."""
        row = self.conn.execute(_LATEST_FOR_URL, {"report_id": report_id_for(canonical_url)}).first()
        if row is None:
            return None
        return self._known(row, tuple(p for p in (row.text or "").split("\n") if p))

    def document_by_id(self, document_id: int) -> KnownDocument | None:
        row = self.conn.execute(_DOCUMENT_BY_ID, {"id": document_id}).first()
        return self._known(row) if row else None

    def add_document(self, *, portal_id: str, fingerprint: str, report_id: str, version: int,
                     is_meeting_report: bool, duplicate_of: str | None = None, **_ignored) -> int:
        """The dedup record (its URL is its report_id's; the URL itself goes in its article). StoreConflict if
        another writer stored it first: the unit of work is then rolled back whole (no savepoint to keep it)."""
        try:
            return self.conn.execute(_ADD_DOCUMENT, {
                "portal_id": portal_id, "fingerprint": fingerprint, "report_id": report_id, "version": version,
                "is_meeting_report": is_meeting_report, "duplicate_of": duplicate_of, "created_at": _now(),
            }).scalar_one()
        except IntegrityError as exc:
            raise StoreConflict(str(exc.orig)) from exc

    # -- articles and reports --------------------------------------------------------------------
    def add_article(self, document_id: int, article: Article, *, is_meeting_report: bool,
                    meeting_type: str | None, confidence: float | None) -> None:
        """The document's article, text included (the one place the text is stored)."""
        self.conn.execute(_ADD_ARTICLE, {
            "id": document_id, "canonical_url": article.canonical_url, "portal_id": article.portal_id,
            "province": article.province, "url": stored_url(article.url, article.canonical_url),
            "title": article.title, "lead": stored_lead(article.lead, article.text), "text": article.text,
            "captions": list(article.captions), "author": article.author, "published_at": article.published_at,
            "modified_at": article.modified_at, "is_meeting_report": is_meeting_report,
            "meeting_type": meeting_type, "confidence": confidence,
            "quality_flags": list(article.quality_flags), "stored_at": _now(),
        })

    def add_report(self, report: MeetingReport) -> None:
        """The report's columns and facts; its text stays in its article."""
        self.conn.execute(_upsert(self.conn, meeting_reports, "report_id", "version"), {
            "report_id": report.report_id, "version": report.version, "url": report.url, "title": report.title,
            "portal_id": report.portal_id, "province": report.province,
            "province_current": report.province_current, "meeting_type": report.meeting_type.value,
            "meeting_date": report.meeting_date, "confidence": report.confidence,
            "dedup_outcome": report.dedup_outcome.value, "duplicate_of": report.duplicate_of,
            "similarity": report.similarity, "event_id": report.event_id, "published_at": report.published_at,
            "fingerprint": report.fingerprint, "payload": report_payload(report), "stored_at": _now(),
            "delivered": False,
        })

    def version_text(self, report_id: str, version: int) -> str | None:
        return self.conn.execute(_VERSION_TEXT, {"report_id": report_id, "version": version}).scalar()

    def undelivered_report(self, report_id: str, version: int) -> MeetingReport | None:
        row = self.conn.execute(_UNDELIVERED, {"report_id": report_id, "version": version}).first()
        if row is None:
            return None
        previous = self.version_text(report_id, version - 1) if version > 1 else None
        return rebuild_report(row, row.text, row.lead, previous)

    # -- events ----------------------------------------------------------------------------------
    def events_near(self, meeting_date: dt.date | None, days: int = 1) -> list[dict]:
        if meeting_date is None:
            return []
        rows = self.conn.execute(_EVENTS_NEAR, {"since": meeting_date - dt.timedelta(days=days),
                                                "until": meeting_date + dt.timedelta(days=days)}).all()
        return [dict(r._mapping) for r in rows]

    def add_event(self, event_id: str, meeting_type: str, meeting_date: dt.date | None, signature: dict) -> None:
        self.conn.execute(_upsert(self.conn, events, "event_id"), {
            "event_id": event_id, "meeting_type": meeting_type, "meeting_date": meeting_date,
            "signature": signature, "created_at": _now()})

    def update_event_signature(self, event_id: str, signature: dict) -> None:
        self.conn.execute(update(events).where(events.c.event_id == event_id).values(signature=signature))

    def add_event_member(self, event_id: str, report_id: str, portal_id: str, province: str) -> None:
        self.conn.execute(_upsert(self.conn, event_members, "event_id", "report_id"), {
            "event_id": event_id, "report_id": report_id, "portal_id": portal_id, "province": province})

    def event_of_report(self, report_id: str) -> str | None:
        return self.conn.execute(_EVENT_OF_REPORT, {"report_id": report_id}).scalar()

    def event(self, event_id: str) -> dict | None:
        """The event's meeting date and signature (its scope: what its lock is named after)."""
        row = self.conn.execute(_EVENT, {"event_id": event_id}).first()
        return dict(row._mapping) if row else None

    def event_members_of(self, event_id: str) -> list[dict]:
        return [dict(r._mapping) for r in self.conn.execute(_EVENT_MEMBERS, {"event_id": event_id}).all()]

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
    def bounded(self, what: str) -> Iterator[None]:
        self.engine  # noqa: B018 - builds the engine and its watchdog
        if self._watchdog is None:
            yield
            return
        with self._watchdog.deadline(self.timeouts.operation_timeout_s, what):
            yield

    def create_schema(self) -> None:
        """Bring the tables to the latest schema revision (Alembic; adopts tables made before migrations)."""
        from consumers.adapters import schema_migrations

        with self.bounded("schema migration"):
            schema_migrations.upgrade(self.engine, lock_timeout_s=self.timeouts.lock_timeout_s)

    @contextmanager
    def unit_of_work(self, lock_names: Iterable[str] = ()) -> Iterator[UnitOfWork]:
        """One write transaction. SQLite: BEGIN IMMEDIATE, the database's one write lock. PostgreSQL: the
        transaction-scoped advisory locks named by `lock_names`, taken in ascending key order before anything
        is read (so two units of work never deadlock on them), held until commit or rollback.

        The process stage names what its decisions read and others could write at the same time: the article's
        canonical URL, its fingerprint, its near-duplicate band keys and its event keys (scope and meeting date,
        the day before and after too). Replicas working on unrelated articles never wait for each other;
        lock_timeout bounds every wait."""
        with self.bounded("a unit of work"):
            conn = self.engine.connect().execution_options(newsingest_writer=True)
            try:
                trans = conn.begin()
                keys: list[int] = []
                if conn.dialect.name == "postgresql":
                    keys = sorted({lock_key(n) for n in lock_names})
                    if keys:
                        # unnest() returns the array in order: the locks are taken in ascending order.
                        conn.exec_driver_sql("SELECT pg_advisory_xact_lock(k) FROM unnest(%(keys)s::bigint[]) AS t(k)",
                                             {"keys": keys}).all()
                uow = UnitOfWork(conn, keys)
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

    @contextmanager
    def reader(self) -> Iterator[UnitOfWork]:
        """A read-only unit of work: no write lock (SQLite reads beside the writer under WAL), no advisory locks;
        what it reads is committed. Nothing it does is kept."""
        with self.bounded("a read"), self.engine.connect() as conn:
            if conn.dialect.name == "postgresql":
                # Each statement reads committed rows on its own: no BEGIN and ROLLBACK round trips.
                conn = conn.execution_options(isolation_level="AUTOCOMMIT")
            yield UnitOfWork(conn)

    def ping(self) -> None:
        """One round trip, within the same limits as real work: what an idle stage checks, so an outage shows
        even when no message needs the database."""
        with self.bounded("a health check"), self.engine.connect() as conn:
            conn.exec_driver_sql("SELECT 1")

    def mark_delivered(self, keys: list[tuple[str, int]]) -> None:
        if not keys:
            return
        with self.bounded("marking reports delivered"), \
                self.engine.connect().execution_options(newsingest_writer=True) as conn, conn.begin():
            conn.execute(_MARK_DELIVERED, [{"rid": report_id, "ver": version} for report_id, version in keys])

    # -- read side for the CLI and tests ---------------------------------------------------------
    def reports(self) -> list[dict]:
        """Every stored report version: its columns, and `payload`, the MeetingReport as published (rebuilt
        from the row, its facts and its article)."""
        with self.engine.connect() as conn:
            rows = conn.execute(_REPORT_WITH_ARTICLE.order_by(
                meeting_reports.c.published_at, meeting_reports.c.report_id, meeting_reports.c.version)).all()
            texts = {}
            wanted = [(r.report_id, r.version - 1) for r in rows if r.version > 1]
            for report_id, version in wanted:
                texts[(report_id, version)] = conn.execute(
                    _VERSION_TEXT, {"report_id": report_id, "version": version}).scalar()
        out = []
        for r in rows:
            previous = texts.get((r.report_id, r.version - 1)) if r.version > 1 else None
            row = {c.name: r._mapping[c.name] for c in _REPORT_COLUMNS}
            row["payload"] = json.loads(rebuild_report(r, r.text, r.lead, previous).model_dump_json())
            out.append(row)
        return out

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
