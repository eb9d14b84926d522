"""Baseline: the crawl state's tables as `metadata.create_all` made them before migrations.

Revision ID: 0001
Revises:
Create Date: 2026-12-06

Written out, not create_all: later revisions change state.py, and this one must keep making the same tables.
Adopting a database made before migrations (config attribute `adopt_existing`), a table that exists is kept with
its rows, after checking it has this revision's columns; a missing one (older releases had no crawl_backfills) is
created.
"""

import sqlalchemy as sa
from alembic import context, op

from crawlers.watch.schema_migrations import MigrationError

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def _tables() -> list[tuple[str, list]]:
    """(table, columns) in creation order."""
    return [
        ("crawl_articles", [
            sa.Column("url_hash", sa.String(32), primary_key=True),
            sa.Column("url", sa.Text(), nullable=False),
            sa.Column("portal_id", sa.String(64), nullable=False),
            sa.Column("first_seen_at", sa.Float(), nullable=False),
            sa.Column("last_fetched_at", sa.Float(), nullable=False),
            sa.Column("etag", sa.Text()),
            sa.Column("last_modified", sa.Text()),
            sa.Column("body_hash", sa.String(64)),
        ]),
        ("crawl_schedules", [
            sa.Column("portal_id", sa.String(64), primary_key=True),
            sa.Column("interval_s", sa.Float(), nullable=False),
            sa.Column("next_poll_at", sa.Float(), nullable=False),
            sa.Column("consecutive_failures", sa.Integer(), nullable=False),
            sa.Column("last_success_at", sa.Float()),
        ]),
        ("crawl_listings", [
            sa.Column("url_hash", sa.String(32), primary_key=True),
            sa.Column("portal_id", sa.String(64), nullable=False),
            sa.Column("links", sa.Text(), nullable=False),  # JSON list, sorted
            sa.Column("etag", sa.Text()),
            sa.Column("last_modified", sa.Text()),
        ]),
        ("crawl_backfills", [
            sa.Column("portal_id", sa.String(64), primary_key=True),
            sa.Column("until", sa.String(10), nullable=False),  # YYYY-MM-DD
            sa.Column("frontier", sa.Text(), nullable=False),  # JSON list of listing URLs still to walk
            sa.Column("walked", sa.Text(), nullable=False),  # JSON list of listing URLs already walked
            sa.Column("done", sa.Boolean(), nullable=False),
        ]),
    ]


def upgrade() -> None:
    adopting = bool(context.config.attributes.get("adopt_existing"))
    inspector = sa.inspect(op.get_bind()) if adopting else None
    existing = set(inspector.get_table_names()) if inspector is not None else set()
    for name, columns in _tables():
        if name in existing:
            missing = sorted({c.name for c in columns} - {c["name"] for c in inspector.get_columns(name)})
            if missing:
                raise MigrationError(
                    f"cannot adopt the existing table {name!r} at revision {revision}: it lacks column(s) "
                    f"{', '.join(missing)}; it was made by an older release, so move its rows out and drop it")
            continue
        op.create_table(name, *columns)


def downgrade() -> None:
    for name, _columns in reversed(_tables()):
        op.drop_table(name)
