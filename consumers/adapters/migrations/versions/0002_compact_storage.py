"""Compact storage: each article's text stored once, deflated; signatures as packed binary beside their bands.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-06

Before, the text was stored three times: `articles.text`, `signatures.paragraphs` (escaped JSON, read back for a
revision's paragraph diff) and `meeting_reports.payload` (the whole published report, escaped JSON). After:

- `articles` is keyed by its document's id (`documents.id`; no unique index of its own), has no `fingerprint`
  (the document has it), keeps `text` deflated (a tag byte, then raw deflate or plain UTF-8:
  consumers.adapters.tables.compress_text), and NULL for `url` when it equals `canonical_url` and for `lead` when
  it is the text's first paragraph. An article with no document (the process stage never wrote one) is kept under
  its old id negated.
- `signatures` is dropped; its MinHash moves to `near_index.minhash` (49 little-endian uint32). Its paragraphs
  are the article's text.
- `documents` loses `canonical_url` (in its article; `report_id` is its hash) and with it `ix_documents_url`;
  `uq_documents_url_fingerprint` becomes `uq_documents_report_fingerprint` (report_id, fingerprint).
- `meeting_reports.payload` keeps only the facts (evidence, presiding, participants, ordinal, term, tenure,
  documents, figures; and published_at, whose column has no UTC offset on SQLite), as deflated JSON; the report
  is rebuilt from its columns, its article and, for a revision, the previous version's article
  (consumers.adapters.store.rebuild_report).

Rows are converted in batches of BATCH in Python (deflate has no SQL function on either database), inside the
upgrade's one transaction; a table whose columns change is rebuilt (SQLite: batch mode). `downgrade()` restores
revision 0001's tables and rows.

The table definitions and the stored formats are written out here, not imported: tables.py changes later.
"""

from __future__ import annotations

import datetime as dt
import json
import zlib

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

BATCH = 2000
# What a report's payload keeps: the facts, and published_at with its UTC offset (SQLite's column has none).
FACT_FIELDS = ("evidence", "presiding", "participants", "ordinal", "term", "tenure", "documents", "figures",
               "published_at")


# -- stored formats (consumers.adapters.tables.compress_text / CompressedJSON, frozen here) ---------------------

def _compress(text: str) -> bytes:
    raw = text.encode("utf-8")
    packer = zlib.compressobj(6, zlib.DEFLATED, -15)
    packed = packer.compress(raw) + packer.flush()
    return b"\x01" + packed if len(packed) < len(raw) else b"\x00" + raw


def _decompress(data) -> str:
    if isinstance(data, str):
        return data
    data = bytes(data)
    if data[:1] == b"\x01":
        return zlib.decompress(data[1:], -15).decode("utf-8")
    return data[1:].decode("utf-8")


def _compress_json(value) -> bytes:
    return _compress(json.dumps(value, ensure_ascii=False, separators=(",", ":")))


def _first_paragraph(text: str) -> str:
    return text.split("\n", 1)[0]


def _iso(value) -> str | None:
    if value is None:
        return None
    if value.tzinfo is None:  # SQLite keeps no offset: it is UTC
        value = value.replace(tzinfo=dt.timezone.utc)
    return value.isoformat()


# -- tables as each revision has them ----------------------------------------------------------------------------

def _articles_0001(name: str = "articles") -> sa.Table:
    return sa.Table(
        name, sa.MetaData(),
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
    )


def _articles_0002(name: str = "articles") -> sa.Table:
    return sa.Table(
        name, sa.MetaData(),
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("canonical_url", sa.String(2048), nullable=False),
        sa.Column("portal_id", sa.String(100), nullable=False),
        sa.Column("province", sa.String(100), nullable=False),
        sa.Column("url", sa.String(2048)),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("lead", sa.Text()),
        sa.Column("text", sa.LargeBinary(), nullable=False),
        sa.Column("captions", sa.JSON(), nullable=False),
        sa.Column("author", sa.String(300)),
        sa.Column("published_at", sa.DateTime(timezone=True)),
        sa.Column("modified_at", sa.DateTime(timezone=True)),
        sa.Column("is_meeting_report", sa.Boolean(), nullable=False),
        sa.Column("meeting_type", sa.String(64)),
        sa.Column("confidence", sa.Float()),
        sa.Column("quality_flags", sa.JSON(), nullable=False),
        sa.Column("stored_at", sa.DateTime(timezone=True), nullable=False),
    )


_ARTICLE_COLUMNS = ("canonical_url", "portal_id", "province", "title", "captions", "author", "published_at",
                    "modified_at", "is_meeting_report", "meeting_type", "confidence", "quality_flags", "stored_at")

_meta = sa.MetaData()
# Only the columns this revision reads or writes.
documents_0001 = sa.Table(
    "documents", _meta,
    sa.Column("id", sa.Integer(), primary_key=True),
    sa.Column("canonical_url", sa.String(2048)),
    sa.Column("fingerprint", sa.String(64)),
    sa.Column("report_id", sa.String(32)),
    sa.Column("version", sa.Integer()),
)
documents_0002 = sa.Table(
    "documents", sa.MetaData(),
    sa.Column("id", sa.Integer(), primary_key=True),
    sa.Column("fingerprint", sa.String(64)),
    sa.Column("report_id", sa.String(32)),
    sa.Column("version", sa.Integer()),
)
signatures = sa.Table(
    "signatures", _meta,
    sa.Column("document_id", sa.Integer(), primary_key=True, autoincrement=False),
    sa.Column("report_id", sa.String(32), nullable=False),
    sa.Column("minhash", sa.LargeBinary(), nullable=False),
    sa.Column("paragraphs", sa.JSON(), nullable=False),
)
near_index = sa.Table(
    "near_index", _meta,
    sa.Column("document_id", sa.Integer()),
    sa.Column("minhash", sa.LargeBinary()),
)


def _reports(old_payload, new_payload) -> sa.Table:
    """meeting_reports while its payload is rewritten: `payload` as it is, `payload_next` as it becomes."""
    return sa.Table(
        "meeting_reports", sa.MetaData(),
        sa.Column("report_id", sa.String(32), primary_key=True),
        sa.Column("version", sa.Integer(), primary_key=True),
        sa.Column("url", sa.String(2048)),
        sa.Column("title", sa.Text()),
        sa.Column("portal_id", sa.String(100)),
        sa.Column("province", sa.String(100)),
        sa.Column("province_current", sa.String(100)),
        sa.Column("meeting_type", sa.String(64)),
        sa.Column("meeting_date", sa.Date()),
        sa.Column("confidence", sa.Float()),
        sa.Column("dedup_outcome", sa.String(32)),
        sa.Column("duplicate_of", sa.String(32)),
        sa.Column("similarity", sa.Float()),
        sa.Column("event_id", sa.String(40)),
        sa.Column("published_at", sa.DateTime(timezone=True)),
        sa.Column("fingerprint", sa.String(64)),
        sa.Column("payload", old_payload),
        sa.Column("payload_next", new_payload),
    )


# -- helpers -----------------------------------------------------------------------------------------------------

def _batches(conn, query, key):
    """Rows of `query` in ascending `key`, BATCH at a time (keyset pagination: no OFFSET scans)."""
    last = None
    while True:
        q = query if last is None else query.where(key > last)
        rows = conn.execute(q.order_by(key).limit(BATCH)).all()
        if not rows:
            return
        yield rows
        last = rows[-1]._mapping[key.name]


def _report_batches(conn, table: sa.Table):
    """meeting_reports rows in (report_id, version) order, BATCH at a time."""
    last = None
    while True:
        q = sa.select(table)
        if last is not None:
            q = q.where(sa.or_(table.c.report_id > last[0],
                               sa.and_(table.c.report_id == last[0], table.c.version > last[1])))
        rows = conn.execute(q.order_by(table.c.report_id, table.c.version).limit(BATCH)).all()
        if not rows:
            return
        yield rows
        last = (rows[-1].report_id, rows[-1].version)


def _replace_table(conn, old: str, new_table: sa.Table) -> None:
    """Drop `old`, rename `new_table` to it (PostgreSQL: its primary key's name too)."""
    op.drop_table(old)
    op.rename_table(new_table.name, old)
    if conn.dialect.name == "postgresql":
        op.execute(f'ALTER TABLE "{old}" RENAME CONSTRAINT "{new_table.name}_pkey" TO "{old}_pkey"')


def _swap_payload(conn, old_type, new_type, convert) -> None:
    """meeting_reports.payload rewritten from `old_type` to `new_type`: `convert(rows) -> new values`, a batch at
    a time."""
    with op.batch_alter_table("meeting_reports") as batch:
        batch.add_column(sa.Column("payload_next", new_type(), nullable=True))
    table = _reports(old_type(), new_type())
    update = (table.update()
              .where(sa.and_(table.c.report_id == sa.bindparam("rid"), table.c.version == sa.bindparam("ver")))
              .values(payload_next=sa.bindparam("value", type_=new_type())))
    for rows in _report_batches(conn, table):
        values = convert(rows)
        conn.execute(update, [{"rid": r.report_id, "ver": r.version, "value": v} for r, v in zip(rows, values)])
    with op.batch_alter_table("meeting_reports") as batch:
        batch.drop_column("payload")
    with op.batch_alter_table("meeting_reports") as batch:
        batch.alter_column("payload_next", new_column_name="payload", existing_type=new_type(), nullable=False)


# -- upgrade -----------------------------------------------------------------------------------------------------

def upgrade() -> None:
    conn = op.get_bind()

    # Signatures: the MinHash beside its bands; the paragraphs are the article's text.
    with op.batch_alter_table("near_index") as batch:
        batch.add_column(sa.Column("minhash", sa.LargeBinary(), nullable=True))
    op.execute("UPDATE near_index SET minhash = (SELECT s.minhash FROM signatures s "
               "WHERE s.document_id = near_index.document_id)")
    op.execute("DELETE FROM near_index WHERE minhash IS NULL")  # never written so: unusable without a signature
    with op.batch_alter_table("near_index") as batch:
        batch.alter_column("minhash", existing_type=sa.LargeBinary(), nullable=False)
    op.drop_table("signatures")

    # Articles: keyed by their document, text deflated, url and lead only where they differ.
    old, new = _articles_0001(), _articles_0002("articles_0002")
    new.create(conn)
    documents = documents_0001
    source = (sa.select(old, documents.c.id.label("document_id"))
              .select_from(old.outerjoin(documents, sa.and_(documents.c.canonical_url == old.c.canonical_url,
                                                            documents.c.fingerprint == old.c.fingerprint))))
    for rows in _batches(conn, source, old.c.id):
        out = []
        for r in rows:
            m = r._mapping
            text = m["text"] or ""
            out.append({
                **{k: m[k] for k in _ARTICLE_COLUMNS},
                "id": m["document_id"] if m["document_id"] is not None else -m["id"],
                "url": None if m["url"] == m["canonical_url"] else m["url"],
                "lead": None if m["lead"] == _first_paragraph(text) else m["lead"],
                "text": _compress(text),
            })
        conn.execute(new.insert(), out)
    _replace_table(conn, "articles", new)

    # Documents: the URL is the report_id's (and the article's).
    with op.batch_alter_table("documents") as batch:
        batch.drop_index("ix_documents_url")
        batch.drop_constraint("uq_documents_url_fingerprint", type_="unique")
        batch.drop_column("canonical_url")
        batch.create_unique_constraint("uq_documents_report_fingerprint", ["report_id", "fingerprint"])

    # Reports: the facts only, deflated.
    def facts(rows) -> list[bytes]:
        out = []
        for r in rows:
            payload = r.payload or {}
            out.append(_compress_json({k: payload[k] for k in FACT_FIELDS if payload.get(k) not in (None, [], {})}))
        return out

    _swap_payload(conn, sa.JSON, sa.LargeBinary, facts)


# -- downgrade ---------------------------------------------------------------------------------------------------

def downgrade() -> None:
    from consumers.domain.dedup import paragraph_diff  # the diff a revision's report carried

    conn = op.get_bind()
    new, old = _articles_0002(), _articles_0001("articles_0001")
    documents = documents_0002

    # Reports: the whole published report again (from the articles' text, before they change back).
    def whole(rows) -> list[dict]:
        texts = {}  # (report_id, version) -> (text, lead) of every version of the batch's reports
        query = (sa.select(documents.c.report_id, documents.c.version, new.c.text, new.c.lead)
                 .select_from(documents.join(new, new.c.id == documents.c.id))
                 .where(documents.c.report_id.in_(sorted({r.report_id for r in rows}))))
        for t in conn.execute(query):
            text = _decompress(t.text)
            texts[(t.report_id, t.version)] = (text, t.lead if t.lead is not None else _first_paragraph(text))
        out = []
        for r in rows:
            m = r._mapping
            text, lead = texts.get((m["report_id"], m["version"]), ("", ""))
            previous = texts.get((m["report_id"], m["version"] - 1))
            added, removed = ([], []) if previous is None else paragraph_diff(
                [p for p in previous[0].split("\n") if p], [p for p in text.split("\n") if p])
            facts = json.loads(_decompress(m["payload"])) if m["payload"] is not None else {}
            out.append({
                "schema_version": 1, "report_id": m["report_id"], "version": m["version"], "url": m["url"],
                "title": m["title"], "lead": lead, "text": text, "portal_id": m["portal_id"],
                "province": m["province"], "province_current": m["province_current"],
                "meeting_type": m["meeting_type"],
                "meeting_date": m["meeting_date"].isoformat() if m["meeting_date"] else None,
                "confidence": m["confidence"], "evidence": facts.get("evidence", []),
                "dedup_outcome": m["dedup_outcome"], "duplicate_of": m["duplicate_of"],
                "similarity": m["similarity"], "event_id": m["event_id"],
                "published_at": facts.get("published_at", _iso(m["published_at"])), "fingerprint": m["fingerprint"],
                "presiding": facts.get("presiding", []), "participants": facts.get("participants", []),
                "ordinal": facts.get("ordinal"), "term": facts.get("term"), "tenure": facts.get("tenure"),
                "documents": facts.get("documents", []), "figures": facts.get("figures", []),
                "added_paragraphs": added, "removed_paragraphs": removed,
            })
        return out

    _swap_payload(conn, sa.LargeBinary, sa.JSON, whole)

    # Signatures: one row per document, as 0001 wrote them (an empty MinHash for texts too short).
    signatures.create(conn)
    query = (sa.select(documents.c.id, documents.c.report_id, new.c.text)
             .select_from(documents.join(new, new.c.id == documents.c.id)))
    for rows in _batches(conn, query, documents.c.id):
        minhashes = dict(conn.execute(sa.select(near_index.c.document_id, near_index.c.minhash)
                                      .where(near_index.c.document_id.in_([r.id for r in rows]))).all())
        conn.execute(signatures.insert(), [
            {"document_id": r.id, "report_id": r.report_id, "minhash": bytes(minhashes.get(r.id) or b""),
             "paragraphs": [p for p in _decompress(r.text).split("\n") if p]} for r in rows])
    with op.batch_alter_table("near_index") as batch:
        batch.drop_column("minhash")

    # Documents: their URL back from their article.
    with op.batch_alter_table("documents") as batch:
        batch.add_column(sa.Column("canonical_url", sa.String(2048), nullable=True))
    op.execute("UPDATE documents SET canonical_url = COALESCE((SELECT a.canonical_url FROM articles a "
               "WHERE a.id = documents.id), 'urn:newsingest:report:' || report_id)")
    with op.batch_alter_table("documents") as batch:
        batch.alter_column("canonical_url", existing_type=sa.String(2048), nullable=False)
        batch.drop_constraint("uq_documents_report_fingerprint", type_="unique")
        batch.create_unique_constraint("uq_documents_url_fingerprint", ["canonical_url", "fingerprint"])
        batch.create_index("ix_documents_url", ["canonical_url"])

    # Articles: their ids kept, fingerprint, plain text, url and lead written out.
    old.create(conn)
    source = (sa.select(new, documents.c.fingerprint)
              .select_from(new.outerjoin(documents, documents.c.id == new.c.id)))
    for rows in _batches(conn, source, new.c.id):
        out = []
        for r in rows:
            m = r._mapping
            text = _decompress(m["text"])
            out.append({
                **{k: m[k] for k in _ARTICLE_COLUMNS}, "id": m["id"], "fingerprint": m["fingerprint"] or "",
                "url": m["url"] if m["url"] is not None else m["canonical_url"],
                "lead": m["lead"] if m["lead"] is not None else _first_paragraph(text), "text": text,
            })
        conn.execute(old.insert(), out)
    _replace_table(conn, "articles", old)
    if conn.dialect.name == "postgresql":
        op.execute("ALTER SEQUENCE articles_0001_id_seq RENAME TO articles_id_seq")
        op.execute("SELECT setval('articles_id_seq', GREATEST((SELECT MAX(id) FROM articles), 1))")
