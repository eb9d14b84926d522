"""Revision 0002, compact storage, on SQLite and PostgreSQL: a store written by revision 0001's code, upgraded,
keeps every document and report (rebuilt exactly as published) and dedup decides on it as the 0001 code would
have; the downgrade gives back 0001's rows; the text is stored once, deflated, and nothing else carries it."""

from __future__ import annotations

import json
import statistics

import pytest
import sqlalchemy as sa
from alembic import command

from bench.dedup import load, to_article
from consumers.adapters import schema_migrations
from consumers.adapters.near_index import NearDuplicateIndex
from consumers.adapters.store import REPORT_PAYLOAD_FIELDS, Store
from consumers.adapters.tables import articles, documents, event_members, events, meeting_reports
from consumers.stages.base import Retryable, acknowledge
from consumers.stages.process import ProcessStage
from schemas import MeetingReport
from tests.store_0001 import write_0001

pytestmark = pytest.mark.integration


def _ordered():
    docs, _ = load()
    return [to_article(d) for d in sorted(docs, key=lambda d: (d["published_at"], d["id"]))]


def _stage(store: Store) -> ProcessStage:
    return ProcessStage(store=store, reports_topic="reports", events_topic="events",
                        near_index=NearDuplicateIndex(threshold=0.7, window_days=100_000))


def _run(stage: ProcessStage, article):
    for _ in range(5):
        try:
            return stage(article)
        except Retryable:
            continue
    raise AssertionError("still conflicting after 5 attempts")


def _state(url: str) -> dict:
    """What dedup decided, as rows: documents, the event partition, articles' text per document."""
    store = Store(url)
    try:
        with store.engine.connect() as conn:
            docs = sorted(conn.execute(sa.select(documents.c.report_id, documents.c.version, documents.c.fingerprint,
                                                 documents.c.duplicate_of, documents.c.is_meeting_report)).all())
            members = conn.execute(sa.select(event_members.c.event_id, event_members.c.report_id)).all()
            texts = {(r.report_id, r.version): r.text for r in conn.execute(
                sa.select(documents.c.report_id, documents.c.version, articles.c.text)
                .select_from(documents.join(articles, articles.c.id == documents.c.id)))}
            n_events = conn.execute(sa.select(sa.func.count()).select_from(events)).scalar()
    finally:
        store.dispose()
    partition: dict[str, set] = {}
    for event_id, report_id in members:
        partition.setdefault(event_id, set()).add(report_id)
    return {"documents": [tuple(d) for d in docs], "events": sorted(sorted(m) for m in partition.values()),
            "n_events": n_events, "texts": texts}


def _state_0001(engine: sa.Engine) -> dict:
    with engine.connect() as conn:
        docs = sorted(conn.exec_driver_sql(
            "SELECT report_id, version, fingerprint, duplicate_of, is_meeting_report FROM documents").all())
        members = conn.exec_driver_sql("SELECT event_id, report_id FROM event_members").all()
        texts = {(r[0], r[1]): r[2] for r in conn.exec_driver_sql(
            "SELECT d.report_id, d.version, a.text FROM documents d JOIN articles a "
            "ON a.canonical_url = d.canonical_url AND a.fingerprint = d.fingerprint").all()}
        n_events = conn.exec_driver_sql("SELECT COUNT(*) FROM events").scalar()
    partition: dict[str, set] = {}
    for event_id, report_id in members:
        partition.setdefault(event_id, set()).add(report_id)
    return {"documents": [(r, v, f, d, bool(m)) for r, v, f, d, m in docs],
            "events": sorted(sorted(m) for m in partition.values()), "n_events": n_events, "texts": texts}


def _normalised(state: dict) -> dict:
    return {**state, "documents": [(r, v, f, d, bool(m)) for r, v, f, d, m in state["documents"]]}


def test_a_0001_store_upgraded_keeps_every_document_and_dedup_decides_as_before(db_url, tmp_path):
    ordered = _ordered()
    old, rest = ordered[:50], ordered[50:]
    # The store as revision 0001's code left it, every fifth report stored but never acknowledged.
    writer = write_0001(db_url, old, undelivered_every=5)
    engine = sa.create_engine(db_url)
    before = _state_0001(engine)
    engine.dispose()
    assert writer.published and any(d.outcome == "near_duplicate" for d in writer.decisions)
    assert any(d.outcome == "revision" for d in writer.decisions)

    store = Store(db_url)
    store.create_schema()  # what a process does at start: stamps the tables at 0001, then upgrades them
    assert schema_migrations.current(store.engine) == schema_migrations.head()
    assert _normalised(_state(db_url)) == before  # every document, version, link, event and text
    # Every report reads back exactly as it was published (the text from its article, the diff recomputed).
    stored = {(r["report_id"], r["version"]): MeetingReport.model_validate(r["payload"]) for r in store.reports()}
    assert stored == {(r.report_id, r.version): r for r in writer.published}

    # The same sequence through 0001's code alone: what every decision below must be.
    reference_url = f"sqlite:///{tmp_path / 'reference.db'}"
    ref = write_0001(reference_url, old + rest + old)

    stage = _stage(store)
    got = []
    republished = []
    for article in rest + old:
        result = _run(stage, article)
        got.append((result.dedup_outcome, result.report_id, result.duplicate_of))
        reports = [o.value for o in result.outputs if isinstance(o.value, MeetingReport)]
        if result.dedup_outcome == "duplicate":
            republished.extend(reports)
        acknowledge(result)
    expected = [(d.outcome, d.report_id, d.duplicate_of) for d in ref.decisions[len(old):]]
    assert got == expected
    # The old documents are found again: every re-sent old article is a duplicate, and the copies among the
    # new articles link to old documents.
    assert [g[0] for g in got[len(rest):]] == ["duplicate"] * len(old)
    old_ids = {d.report_id for d in writer.decisions}
    assert any(g[0] == "near_duplicate" and g[2] in old_ids for g in got[:len(rest)])
    # A report stored but never acknowledged under 0001 is published again, exactly as it was stored.
    as_stored = {(r.report_id, r.version): r for r in writer.published}
    assert republished and all(as_stored[(r.report_id, r.version)] == r for r in republished)
    # And the store ends as 0001's code alone would have left it.
    engine = sa.create_engine(reference_url)
    assert _normalised(_state(db_url)) == _state_0001(engine)
    engine.dispose()
    store.dispose()


def _rows(url: str) -> dict:
    """Every row of every table (timestamps included), comparable across an upgrade and a downgrade."""
    engine = sa.create_engine(url)
    out = {}
    try:
        with engine.connect() as conn:
            for table in sorted(sa.inspect(conn).get_table_names()):
                if table.startswith("alembic_version"):
                    continue
                rows = []
                for row in conn.execute(sa.text(f'SELECT * FROM "{table}"')).mappings():
                    item = {}
                    for key, value in row.items():
                        if isinstance(value, memoryview):
                            value = bytes(value)
                        if key == "payload":
                            value = MeetingReport.model_validate_json(value) if isinstance(value, (str, bytes)) \
                                else MeetingReport.model_validate(value)
                        elif isinstance(value, str) and value[:1] in "[{":
                            value = json.loads(value)
                        item[key] = value
                    rows.append(item)
                out[table] = sorted(rows, key=repr)
    finally:
        engine.dispose()
    return out


def test_the_downgrade_gives_back_0001s_rows(db_url):
    write_0001(db_url, _ordered()[:40], undelivered_every=4)
    before = _rows(db_url)
    # Stamped at 0001 (made before migrations), upgraded through 0002 to the head.
    assert schema_migrations.upgrade(db_url)[0] == "0002"
    engine = sa.create_engine(db_url)
    with schema_migrations._PROCESS_LOCK, engine.connect() as conn, conn.begin():
        command.downgrade(schema_migrations.config(conn), "0001")
    engine.dispose()
    assert schema_migrations.current(db_url) == "0001"
    assert _rows(db_url) == before
    assert schema_migrations.upgrade(db_url)[0] == "0002"
    assert schema_migrations.current(db_url) == schema_migrations.head()


def test_the_text_is_stored_once_deflated_and_nothing_else_carries_it(sqlite_url):
    store = Store(sqlite_url)
    store.create_schema()
    empty = _file_bytes(store)
    stage = _stage(store)
    ordered = _ordered()
    for article in ordered:
        result = _run(stage, article)
        acknowledge(result)
    with store.engine.connect() as conn:
        tables = set(sa.inspect(conn).get_table_names())
        raw = conn.exec_driver_sql("SELECT id, text, lead, url FROM articles").all()
        payloads = conn.execute(sa.select(meeting_reports.c.payload)).scalars().all()
        minhashes = conn.exec_driver_sql("SELECT minhash FROM near_index").scalars().all()
        n_docs = conn.exec_driver_sql("SELECT COUNT(*) FROM documents").scalar()
    assert "signatures" not in tables
    assert all(len(m) == 49 * 4 for m in minhashes) and minhashes
    # Deflated (tag byte 1) and smaller than the UTF-8 text; url and lead only where they differ.
    texts = {a.text for a in ordered}
    assert all(bytes(t)[:1] == b"\x01" for _, t, _, _ in raw)
    assert all(lead is None and url is None for _, _, lead, url in raw)
    # The reports keep facts, never the text; they read back with it.
    assert all(set(p) <= REPORT_PAYLOAD_FIELDS for p in payloads)
    assert all(r["payload"]["text"] in texts for r in store.reports())
    # No paragraph is anywhere in the database file in clear: the text is stored once, deflated.
    with store.engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    data = open(sqlite_url.removeprefix("sqlite:///"), "rb").read()
    paragraphs = {p for t in texts for p in t.split("\n") if len(p) >= 40}
    assert paragraphs and not [p for p in paragraphs if p.encode("utf-8") in data]
    # Everything included, each document takes less than 1.5 times its text (this corpus: 3.6 KB on average).
    text_bytes = statistics.mean(len(t.encode("utf-8")) for t in {(a.canonical_url, a.fingerprint): a.text
                                                                  for a in ordered}.values())
    per_document = (_file_bytes(store) - empty) / n_docs
    assert per_document < 1.5 * text_bytes, (per_document, text_bytes)
    store.dispose()


def _file_bytes(store: Store) -> int:
    with store.engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        return conn.exec_driver_sql("PRAGMA page_count").scalar() * conn.exec_driver_sql("PRAGMA page_size").scalar()
