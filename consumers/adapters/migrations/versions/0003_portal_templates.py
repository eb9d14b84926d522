"""Portal templates: what each portal's pages share, learned from them and kept for every extract replica.

Revision ID: 0003
Revises: 0002
Create Date: 2027-01-10

Two new tables, nothing else changes (consumers/adapters/templates.py reads and writes them):

- `portal_templates`: (portal_id, version) -> block_keys (sorted 8-byte hashes of folded lines, concatenated),
  pages_seen, learned_at, retired_at (NULL for the current version; the last few retired ones are kept).
- `portal_template_pages`: the window of each portal's last distinct pages, (portal_id, url_key) -> seq and the
  page's block keys, packed the same way.

`downgrade()` drops them. The table definitions are written out here, not imported: tables.py changes later.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "portal_templates",
        sa.Column("portal_id", sa.String(100), primary_key=True),
        sa.Column("version", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("block_keys", sa.LargeBinary(), nullable=False),
        sa.Column("pages_seen", sa.Integer(), nullable=False),
        sa.Column("learned_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("retired_at", sa.DateTime(timezone=True)),
    )
    op.create_table(
        "portal_template_pages",
        sa.Column("portal_id", sa.String(100), primary_key=True),
        sa.Column("url_key", sa.String(16), primary_key=True),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("block_keys", sa.LargeBinary(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("portal_template_pages")
    op.drop_table("portal_templates")
