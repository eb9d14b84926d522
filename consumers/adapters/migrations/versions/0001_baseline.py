"""Baseline: the store's tables as `metadata.create_all` made them before migrations.

Revision ID: 0001
Revises:
Create Date: 2026-12-06

Written out, not create_all: later revisions change tables.py, and this one must keep making the same tables.
Adopting a database made before migrations (config attribute `adopt_existing`), a table that exists is kept with
its rows, after checking it has this revision's columns; a missing one (older releases had fewer) is created.
"""

import sqlalchemy as sa
from alembic import context, op

from consumers.adapters.schema_migrations import MigrationError

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

N_BANDS = 7


def _tables() -> list[tuple[str, list, list[tuple[str, list[str]]]]]:
    """(table, columns and constraints, indexes) in creation order."""
    return [
        ("articles", [
            sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
            sa.Column("canonical_url", sa.String(2048), nullable=False),
            sa.Column("fingerprint", sa.String(64), nullable=False),
            sa.Column("portal_id", sa.String(100), nullable=False),
            sa.Column("province", sa.String(100), nullable=False),
            sa.Column("url", sa.String(2048), nullable=False),
            sa.Column("title", sa.Text(), nullable=False),
            sa.Column("lead", sa.Text(), nullable=False),
            sa.Column("text", sa.Text(), nullable=False),
            sa.Column("captions", sa.JSON(), nullable=False),
            sa.Column("author", sa.String(300)),
            sa.Column("published_at", sa.DateTime(timezone=True)),
            sa.Column("modified_at", sa.DateTime(timezone=True)),
            sa.Column("is_meeting_report", sa.Boolean(), nullable=False),
            sa.Column("meeting_type", sa.String(64)),
            sa.Column("confidence", sa.Float()),
            sa.Column("quality_flags", sa.JSON(), nullable=False),
            sa.Column("stored_at", sa.DateTime(timezone=True), nullable=False),
            sa.UniqueConstraint("canonical_url", "fingerprint", name="uq_articles_url_fingerprint"),
        ], []),
        ("documents", [
            sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
            sa.Column("canonical_url", sa.String(2048), nullable=False),
            sa.Column("portal_id", sa.String(100), nullable=False),
            sa.Column("fingerprint", sa.String(64), nullable=False),
            sa.Column("report_id", sa.String(32), nullable=False),
            sa.Column("version", sa.Integer(), nullable=False),
            sa.Column("is_meeting_report", sa.Boolean(), nullable=False),
            sa.Column("duplicate_of", sa.String(32)),
            sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
            sa.UniqueConstraint("canonical_url", "fingerprint", name="uq_documents_url_fingerprint"),
            sa.UniqueConstraint("portal_id", "fingerprint", name="uq_documents_portal_fingerprint"),
            sa.UniqueConstraint("report_id", "version", name="uq_documents_report_version"),
        ], [("ix_documents_url", ["canonical_url"])]),
        ("meeting_reports", [
            sa.Column("report_id", sa.String(32), primary_key=True),
            sa.Column("version", sa.Integer(), primary_key=True),
            sa.Column("url", sa.String(2048), nullable=False),
            sa.Column("title", sa.Text(), nullable=False),
            sa.Column("portal_id", sa.String(100), nullable=False),
            sa.Column("province", sa.String(100), nullable=False),
            sa.Column("province_current", sa.String(100)),
            sa.Column("meeting_type", sa.String(64), nullable=False),
            sa.Column("meeting_date", sa.Date()),
            sa.Column("confidence", sa.Float(), nullable=False),
            sa.Column("dedup_outcome", sa.String(32), nullable=False),
            sa.Column("duplicate_of", sa.String(32)),
            sa.Column("similarity", sa.Float()),
            sa.Column("event_id", sa.String(40)),
            sa.Column("published_at", sa.DateTime(timezone=True)),
            sa.Column("fingerprint", sa.String(64), nullable=False),
            sa.Column("payload", sa.JSON(), nullable=False),
            sa.Column("stored_at", sa.DateTime(timezone=True), nullable=False),
            sa.Column("delivered", sa.Boolean(), nullable=False),
        ], [("ix_reports_event", ["event_id"]), ("ix_reports_type_date", ["meeting_type", "meeting_date"])]),
        ("near_index", [
            sa.Column("document_id", sa.Integer(), nullable=False),
            sa.Column("created_day", sa.Integer(), nullable=False),
            *[sa.Column(f"b{i}", sa.Integer(), nullable=False) for i in range(N_BANDS)],
        ], [(f"ix_near_index_b{i}", [f"b{i}"]) for i in range(N_BANDS)]),
        ("signatures", [
            sa.Column("document_id", sa.Integer(), primary_key=True, autoincrement=False),
            sa.Column("report_id", sa.String(32), nullable=False),
            sa.Column("minhash", sa.LargeBinary(), nullable=False),
            sa.Column("paragraphs", sa.JSON(), nullable=False),
        ], []),
        ("events", [
            sa.Column("event_id", sa.String(40), primary_key=True),
            sa.Column("meeting_type", sa.String(64), nullable=False),
            sa.Column("meeting_date", sa.Date()),
            sa.Column("signature", sa.JSON(), nullable=False),
            sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        ], [("ix_events_date", ["meeting_date"])]),
        ("event_members", [
            sa.Column("event_id", sa.String(40), primary_key=True),
            sa.Column("report_id", sa.String(32), primary_key=True),
            sa.Column("portal_id", sa.String(100), nullable=False),
            sa.Column("province", sa.String(100), nullable=False),
        ], []),
    ]


def upgrade() -> None:
    adopting = bool(context.config.attributes.get("adopt_existing"))
    inspector = sa.inspect(op.get_bind()) if adopting else None
    existing = set(inspector.get_table_names()) if inspector is not None else set()
    for name, elements, indexes in _tables():
        if name in existing:
            expected = {e.name for e in elements if isinstance(e, sa.Column)}
            missing = sorted(expected - {c["name"] for c in inspector.get_columns(name)})
            if missing:
                raise MigrationError(
                    f"cannot adopt the existing table {name!r} at revision {revision}: it lacks column(s) "
                    f"{', '.join(missing)}; it was made by an older release, so move its rows out and drop it")
            continue
        op.create_table(name, *elements)
        for index_name, columns in indexes:
            op.create_index(index_name, name, columns)


def downgrade() -> None:
    for name, _elements, indexes in reversed(_tables()):
        for index_name, _columns in indexes:
            op.drop_index(index_name, table_name=name)
        op.drop_table(name)
