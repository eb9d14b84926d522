"""Database tables. One schema for SQLite and PostgreSQL; uniqueness constraints are the dedup guard.

Each article's text is stored once, in `articles.text`, deflated (`CompressedText`: SQLAlchemy reads and writes
it as a str). What else needs it is rebuilt at read time: a revision's previous paragraphs from the previous
version's article, a meeting report's lead, text and added/removed paragraphs from its article (the report row
keeps only what cannot be derived: the facts read at classification). Schema revision 0002
(consumers/adapters/migrations/versions/0002_compact_storage.py) converted older databases.
"""

from __future__ import annotations

import json
import zlib

from sqlalchemy import (
    JSON,
    LargeBinary,
    Boolean,
    Column,
    Date,
    DateTime,
    Float,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    TypeDecorator,
    UniqueConstraint,
)

metadata = MetaData()

# Stored text: one tag byte, then raw deflate (zlib level 6, no header) or, when that is not smaller, UTF-8.
_DEFLATED, _PLAIN = b"\x01", b"\x00"


def compress_text(text: str) -> bytes:
    raw = text.encode("utf-8")
    packer = zlib.compressobj(6, zlib.DEFLATED, -15)
    packed = packer.compress(raw) + packer.flush()
    return _DEFLATED + packed if len(packed) < len(raw) else _PLAIN + raw


def decompress_text(data: bytes | str) -> str:
    if isinstance(data, str):  # written by hand as text (SQLite is typeless)
        return data
    data = bytes(data)
    if data[:1] == _DEFLATED:
        return zlib.decompress(data[1:], -15).decode("utf-8")
    if data[:1] == _PLAIN:
        return data[1:].decode("utf-8")
    raise ValueError(f"unknown stored text encoding {data[:1]!r}")


class CompressedText(TypeDecorator):
    """A str in Python, compact bytes in the database (BLOB / bytea)."""

    impl = LargeBinary
    cache_ok = True

    def process_bind_param(self, value, dialect):
        return None if value is None else compress_text(value)

    def process_result_value(self, value, dialect):
        return None if value is None else decompress_text(value)


class CompressedJSON(TypeDecorator):
    """A JSON value in Python; in the database its compact UTF-8 serialisation, stored like CompressedText."""

    impl = LargeBinary
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        return compress_text(json.dumps(value, ensure_ascii=False, separators=(",", ":")))

    def process_result_value(self, value, dialect):
        return None if value is None else json.loads(decompress_text(value))


# The article of each stored document: `id` is the document's id (documents.id). `url` is NULL when it equals
# `canonical_url`, `lead` when it is the text's first paragraph (read them with `article_url`/`article_lead`).
articles = Table(
    "articles", metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("canonical_url", String(2048), nullable=False),
    Column("portal_id", String(100), nullable=False),
    Column("province", String(100), nullable=False),
    Column("url", String(2048)),
    Column("title", Text, nullable=False),
    Column("lead", Text),
    Column("text", CompressedText, nullable=False),
    Column("captions", JSON, nullable=False, default=list),
    Column("author", String(300)),
    Column("published_at", DateTime(timezone=True)),
    Column("modified_at", DateTime(timezone=True)),
    Column("is_meeting_report", Boolean, nullable=False),
    Column("meeting_type", String(64)),
    Column("confidence", Float),
    Column("quality_flags", JSON, nullable=False, default=list),
    Column("stored_at", DateTime(timezone=True), nullable=False),
)


def article_url(url: str | None, canonical_url: str) -> str:
    return canonical_url if url is None else url


def article_lead(lead: str | None, text: str) -> str:
    return text.split("\n", 1)[0] if lead is None else lead


def stored_url(url: str, canonical_url: str) -> str | None:
    return None if url == canonical_url else url


def stored_lead(lead: str, text: str) -> str | None:
    return None if lead == text.split("\n", 1)[0] else lead


# One row per distinct document seen: the guard that makes a replay or a second replica a no-op. A document's
# URL is its report_id (consumers.domain.dedup.report_id_for: a hash of the canonical URL, which every version
# shares); the URL itself is in its article. (report_id, fingerprint): one URL never stores the same text twice;
# (portal_id, fingerprint): nor does one portal under two URLs; (report_id, version): one document per version.
documents = Table(
    "documents", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("portal_id", String(100), nullable=False),
    Column("fingerprint", String(64), nullable=False),
    Column("report_id", String(32), nullable=False),
    Column("version", Integer, nullable=False),
    Column("is_meeting_report", Boolean, nullable=False),
    Column("duplicate_of", String(32)),
    Column("created_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("report_id", "fingerprint", name="uq_documents_report_fingerprint"),
    UniqueConstraint("portal_id", "fingerprint", name="uq_documents_portal_fingerprint"),
    UniqueConstraint("report_id", "version", name="uq_documents_report_version"),
)

meeting_reports = Table(
    "meeting_reports", metadata,
    Column("report_id", String(32), primary_key=True),
    Column("version", Integer, primary_key=True),
    Column("url", String(2048), nullable=False),
    Column("title", Text, nullable=False),
    Column("portal_id", String(100), nullable=False),
    Column("province", String(100), nullable=False),
    Column("province_current", String(100)),
    Column("meeting_type", String(64), nullable=False),
    Column("meeting_date", Date),
    Column("confidence", Float, nullable=False),
    Column("dedup_outcome", String(32), nullable=False),
    Column("duplicate_of", String(32)),
    Column("similarity", Float),
    Column("event_id", String(40)),
    Column("published_at", DateTime(timezone=True)),
    Column("fingerprint", String(64), nullable=False),
    # What the columns and the article cannot give back, deflated: evidence, the facts (presiding, participants,
    # ordinal, term, tenure, documents, figures) and published_at with its UTC offset (SQLite's column has none).
    # Never the text: see consumers.adapters.store.rebuild_report.
    Column("payload", CompressedJSON, nullable=False),
    Column("stored_at", DateTime(timezone=True), nullable=False),
    Column("delivered", Boolean, nullable=False, default=False),
)
Index("ix_reports_event", meeting_reports.c.event_id)
Index("ix_reports_type_date", meeting_reports.c.meeting_type, meeting_reports.c.meeting_date)

# Near-duplicate index: one row per document with a signature (texts too short have none): its MinHash
# (49 little-endian uint32, 196 bytes) and LSH band hashes, each band column B-tree indexed, so a lookup is an OR
# of index probes inside a time window, never a scan, and the candidates' signatures come with the same rows.
# No primary key: `documents` already makes document_id unique, and each extra index costs ~30 bytes per document.
N_BANDS = 7
near_index = Table(
    "near_index", metadata,
    Column("document_id", Integer, nullable=False),
    Column("created_day", Integer, nullable=False),
    *[Column(f"b{i}", Integer, nullable=False) for i in range(N_BANDS)],
    Column("minhash", LargeBinary, nullable=False),
)
for _i in range(N_BANDS):
    Index(f"ix_near_index_b{_i}", near_index.c[f"b{_i}"])

events = Table(
    "events", metadata,
    Column("event_id", String(40), primary_key=True),
    Column("meeting_type", String(64), nullable=False),
    Column("meeting_date", Date),
    Column("signature", JSON, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
)
Index("ix_events_date", events.c.meeting_date)

event_members = Table(
    "event_members", metadata,
    Column("event_id", String(40), primary_key=True),
    Column("report_id", String(32), primary_key=True),
    Column("portal_id", String(100), nullable=False),
    Column("province", String(100), nullable=False),
)

# Per-portal template learning (consumers/domain/extraction/template.py, consumers/adapters/templates.py): each
# portal's current template (retired_at NULL) and its last few retired versions, block keys packed as sorted
# 8-byte hashes; and the window of its last distinct pages' block keys the templates are learned from (at most
# TemplatePolicy.window_pages rows per portal, `seq` orders them; a re-crawl replaces its URL's row).
portal_templates = Table(
    "portal_templates", metadata,
    Column("portal_id", String(100), primary_key=True),
    Column("version", Integer, primary_key=True, autoincrement=False),
    Column("block_keys", LargeBinary, nullable=False),
    Column("pages_seen", Integer, nullable=False),
    Column("learned_at", DateTime(timezone=True), nullable=False),
    Column("retired_at", DateTime(timezone=True)),
)

portal_template_pages = Table(
    "portal_template_pages", metadata,
    Column("portal_id", String(100), primary_key=True),
    Column("url_key", String(16), primary_key=True),
    Column("seq", Integer, nullable=False),
    Column("block_keys", LargeBinary, nullable=False),
)
