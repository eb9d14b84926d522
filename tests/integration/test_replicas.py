"""Two process-stage replicas over the same input store exactly what one does (dedup state is shared)."""

import threading
import zlib

from bench.dedup import load, to_article
from consumers.adapters.near_index import NearDuplicateIndex
from consumers.adapters.store import Store
from consumers.stages.base import Retryable, acknowledge
from consumers.stages.process import ProcessStage


def _stage(url: str) -> ProcessStage:
    store = Store(url)
    store.create_schema()
    return ProcessStage(store=store, reports_topic="r", events_topic="e",
                        near_index=NearDuplicateIndex(threshold=0.7, window_days=100_000))


def _process(stage: ProcessStage, docs) -> None:
    for doc in docs:
        for _ in range(5):
            try:
                result = stage(to_article(doc))
                acknowledge(result)
                break
            except Retryable:
                continue


def _outcome(url: str) -> dict:
    store = Store(url)
    rows = store.reports()
    # Which copy arrives first (and so is recorded as the original) depends on partition timing; the
    # clusters of copies must not.
    with store.engine.connect() as conn:
        documents = conn.exec_driver_sql("SELECT report_id, duplicate_of FROM documents").all()
    clusters: dict[str, set] = {}
    for report_id, duplicate_of in documents:
        if duplicate_of:
            clusters.setdefault(duplicate_of, {duplicate_of}).add(report_id)
    links = {frozenset(c) for c in clusters.values()}
    events: dict[str, set] = {}
    for r in rows:
        if r["event_id"]:
            events.setdefault(r["event_id"], set()).add(r["report_id"])
    partition = {frozenset(members) for members in events.values()}
    versions = {(r["report_id"], r["version"]) for r in rows}
    out = {"counts": store.counts(), "links": links, "events": partition, "versions": versions}
    store.dispose()
    return out


def test_two_replicas_store_the_same_outcome_as_one(tmp_path, db_url):
    docs, _ = load()
    ordered = sorted(docs, key=lambda d: (d["published_at"], d["id"]))
    single_url = f"sqlite:///{tmp_path / 'single.db'}"
    _process(_stage(single_url), ordered)

    # Replicas own partitions by key (the canonical URL), as Kafka assigns them.
    parts = [[d for d in ordered if zlib.crc32(d["url"].encode()) % 2 == i] for i in range(2)]
    stages = [_stage(db_url), _stage(db_url)]
    threads = [threading.Thread(target=_process, args=(stages[i], parts[i])) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    for s in stages:
        s.store.dispose()
    one, two = _outcome(single_url), _outcome(db_url)
    assert two["counts"] == one["counts"]
    assert two["versions"] == one["versions"]
    assert two["events"] == one["events"]
    assert two["links"] == one["links"]
