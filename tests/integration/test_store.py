"""The store on both databases: idempotent writes and concurrency-safe dedup."""

import threading

from consumers.adapters.near_index import NearDuplicateIndex
from consumers.adapters.store import Store
from consumers.stages.base import Retryable, acknowledge
from consumers.stages.process import ProcessStage
from tests.stage_helpers import MEETING_TEXT, article


def _stage(url: str) -> ProcessStage:
    store = Store(url)
    store.create_schema()
    return ProcessStage(store=store, reports_topic="reports", events_topic="events",
                        near_index=NearDuplicateIndex(threshold=0.7))


def test_processing_twice_never_adds_a_row(db_url):
    stage = _stage(db_url)
    acknowledge(stage(article()))
    before = stage.store.counts()
    assert stage(article()).outputs == []
    assert stage.store.counts() == before == {"articles": 1, "documents": 1, "meeting_reports": 1, "events": 1}
    stage.store.dispose()


def test_revision_keeps_the_old_version(db_url):
    stage = _stage(db_url)
    acknowledge(stage(article()))
    stage(article(MEETING_TEXT + ["Đoạn bổ sung sau khi đính chính số liệu của hội nghị giao ban."]))
    versions = [(r["version"], r["dedup_outcome"]) for r in stage.store.reports()]
    assert versions == [(1, "new"), (2, "revision")]
    stage.store.dispose()


def _run_concurrently(url: str, articles) -> list:
    """Two replicas (separate stores and connections) handling messages at the same moment."""
    stages = [_stage(url) for _ in articles]
    barrier = threading.Barrier(len(articles))
    outcomes = [None] * len(articles)

    def worker(i):
        barrier.wait()
        for _attempt in range(5):  # the runner's retry on a write conflict
            try:
                outcomes[i] = stages[i](articles[i]).outcome
                return
            except Retryable:
                continue

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(len(articles))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    for s in stages:
        s.store.dispose()
    return outcomes


def test_two_replicas_with_one_article_store_one_document(db_url):
    outcomes = _run_concurrently(db_url, [article(), article()])
    assert sorted(outcomes) == ["duplicate", "new"]
    counts = Store(db_url).counts()
    assert counts["documents"] == 1 and counts["meeting_reports"] == 1


def test_two_replicas_with_two_copies_store_one_document_and_one_link(db_url):
    copy = article(url="https://hagiangtv.vn/b-2.html", portal="hg", province="Hà Giang")
    outcomes = _run_concurrently(db_url, [article(), copy])
    store = Store(db_url)
    rows = store.reports()
    assert store.counts()["documents"] == 2
    assert sorted(r["dedup_outcome"] for r in rows) == ["near_duplicate", "new"], outcomes
    original = next(r for r in rows if r["dedup_outcome"] == "new")
    linked = next(r for r in rows if r["dedup_outcome"] == "near_duplicate")
    assert linked["duplicate_of"] == original["report_id"]
    assert linked["event_id"] == original["event_id"]
    store.dispose()
