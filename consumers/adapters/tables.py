"""Database tables. One schema for SQLite and PostgreSQL; uniqueness constraints are the dedup guard."""

from __future__ import annotations

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
    UniqueConstraint,
)

metadata = MetaData()

articles = Table(
    "articles", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("canonical_url", String(2048), nullable=False),
    Column("fingerprint", String(64), nullable=False),
    Column("portal_id", String(100), nullable=False),
    Column("province", String(100), nullable=False),
    Column("url", String(2048), nullable=False),
    Column("title", Text, nullable=False),
    Column("lead", Text, nullable=False, default=""),
    Column("text", Text, nullable=False),
    Column("captions", JSON, nullable=False, default=list),
    Column("author", String(300)),
    Column("published_at", DateTime(timezone=True)),
    Column("modified_at", DateTime(timezone=True)),
    Column("is_meeting_report", Boolean, nullable=False),
    Column("meeting_type", String(64)),
    Column("confidence", Float),
    Column("quality_flags", JSON, nullable=False, default=list),
    Column("stored_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("canonical_url", "fingerprint", name="uq_articles_url_fingerprint"),
)

# One row per distinct document seen: the guard that makes a replay or a second replica a no-op.
documents = Table(
    "documents", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("canonical_url", String(2048), nullable=False),
    Column("portal_id", String(100), nullable=False),
    Column("fingerprint", String(64), nullable=False),
    Column("report_id", String(32), nullable=False),
    Column("version", Integer, nullable=False),
    Column("is_meeting_report", Boolean, nullable=False),
    Column("duplicate_of", String(32)),
    Column("created_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("canonical_url", "fingerprint", name="uq_documents_url_fingerprint"),
    UniqueConstraint("portal_id", "fingerprint", name="uq_documents_portal_fingerprint"),
    UniqueConstraint("report_id", "version", name="uq_documents_report_version"),
)
Index("ix_documents_url", documents.c.canonical_url)

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
    Column("payload", JSON, nullable=False),
    Column("stored_at", DateTime(timezone=True), nullable=False),
    Column("delivered", Boolean, nullable=False, default=False),
)
Index("ix_reports_event", meeting_reports.c.event_id)
Index("ix_reports_type_date", meeting_reports.c.meeting_type, meeting_reports.c.meeting_date)

# Near-duplicate index: one row per document with its MinHash LSH band hashes, each band column
# B-tree indexed, so a lookup is an OR of index probes inside a time window, never a scan. No primary key:
# `documents` already makes document_id unique, and each extra index costs ~30 bytes per document.
N_BANDS = 7
near_index = Table(
    "near_index", metadata,
    Column("document_id", Integer, nullable=False),
    Column("created_day", Integer, nullable=False),
    *[Column(f"b{i}", Integer, nullable=False) for i in range(N_BANDS)],
)
for _i in range(N_BANDS):
    Index(f"ix_near_index_b{_i}", near_index.c[f"b{_i}"])

signatures = Table(
    "signatures", metadata,
    Column("document_id", Integer, primary_key=True, autoincrement=False),
    Column("report_id", String(32), nullable=False),
    Column("minhash", LargeBinary, nullable=False),
    Column("paragraphs", JSON, nullable=False),
)

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
