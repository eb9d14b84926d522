"""The fingerprint is a pure function of the page bytes and URL (issue 9, item 1).

A warm extract process has learned a portal's recurring lines (BoilerplateMemory); a restarted or second
replica has not. The same bytes at the same URL must fingerprint alike in both, and the process stage must
take the same dedup decision (a re-crawl after a restart is a duplicate, never a "revision").
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from consumers.adapters.near_index import NearDuplicateIndex
from consumers.adapters.store import Store
from consumers.domain.extraction import BoilerplateMemory
from consumers.stages.extract import ExtractStage
from consumers.stages.process import ProcessStage
from schemas import MeetingReport
from consumers.stages.base import acknowledge
from tests.stage_helpers import raw_page

DEMO = Path(__file__).resolve().parents[2] / "deploy" / "demo_site"
BASE = "https://demo.example.vn"

# What portals print on every article: a closing promotion after the byline, an opening kicker line.
PROMO = "<p><em>Mời bạn đọc theo dõi tin tức mới nhất của tòa soạn trên ứng dụng Zalo và kênh YouTube.</em></p>"
KICKER = "<p>Tin từ phóng viên thường trú của Đài tại các huyện, thành phố trong tỉnh gửi về.</p>"


def _pages(portal: str) -> list[tuple[str, bytes]]:
    return [(f"{BASE}/{p.relative_to(DEMO).as_posix()}", p.read_bytes())
            for p in sorted(DEMO.glob(f"{portal}/*/**/*.html"))]


def _with_promo_after_byline(html: bytes) -> bytes:
    """baoquangninh: the byline is the last <p> of the body; the promotion follows it."""
    text = html.decode("utf-8")
    head, sep, tail = text.rpartition("</strong></p>")
    assert sep, "the demo page lost its byline"
    return (head + sep + "\n" + PROMO + tail).encode("utf-8")


def _with_kicker_first(html: bytes) -> bytes:
    """hagiangtv: no lead container, the first paragraph is the lead; a kicker line precedes it."""
    text = html.decode("utf-8")
    out, n = re.subn(r'(<div class="content-detail">\s*)', r"\1" + KICKER + "\n", text, count=1)
    assert n == 1
    return out.encode("utf-8")


def _stage() -> ExtractStage:
    return ExtractStage(output_topic="articles", max_page_bytes=8_000_000, time_budget_s=30,
                        boilerplate=BoilerplateMemory())


def _article(stage, url: str, body: bytes, portal: str):
    return stage(raw_page(body, url=url, portal=portal)).outputs[0].value


def _warm_and_fresh(portal: str, mutate, target_word: str):
    pages = [(url, mutate(body)) for url, body in _pages(portal)]
    target = next((url, body) for url, body in pages if target_word in url)
    others = [(url, body) for url, body in pages if url != target[0]]
    warm = _stage()
    # The portal's other pages, each also reached under its mobile, AMP and print addresses: every
    # recurring line is seen on at least four distinct URLs, so the warm process has learned it.
    for url, body in others:
        for variant in (url, url.replace(BASE, BASE.replace("demo.", "m.demo.")), url + "?amp=1", url + "?print=1"):
            _article(warm, variant, body, portal)
    warm_article = _article(warm, *target, portal)
    fresh_article = _article(_stage(), *target, portal)
    return warm_article, fresh_article


CASES = [
    pytest.param("baoquangninh", _with_promo_after_byline, "thuong-truc", id="promo-after-trailing-byline"),
    pytest.param("hagiangtv", _with_kicker_first, "thuong-truc", id="kicker-before-first-paragraph-lead"),
]


@pytest.mark.parametrize("portal,mutate,target", CASES)
def test_warm_and_fresh_processes_fingerprint_the_same_bytes_alike(portal, mutate, target):
    warm, fresh = _warm_and_fresh(portal, mutate, target)
    # The warm process did learn something (else this test proves nothing) ...
    assert warm.text != fresh.text
    # ... which may change the published text, never the fingerprint ...
    assert warm.fingerprint == fresh.fingerprint
    # ... nor the near-duplicate signature (the fault harness found links that depended on a process's history).
    assert warm.near_signature and warm.near_signature == fresh.near_signature
    from consumers.domain import neardup
    assert neardup.article_signature(warm.near_signature, warm.text).jaccard(
        neardup.article_signature(fresh.near_signature, fresh.text)) == 1.0
    assert neardup.minhash(warm.text).jaccard(neardup.minhash(fresh.text)) < 1.0  # what the old code compared


@pytest.mark.parametrize("order", ["warm-then-restarted", "fresh-then-warm-replica"])
@pytest.mark.parametrize("portal,mutate,target", CASES)
def test_a_restart_never_turns_a_recrawl_into_a_revision(portal, mutate, target, order, sqlite_url):
    warm, fresh = _warm_and_fresh(portal, mutate, target)
    first_seen, seen_again = (warm, fresh) if order == "warm-then-restarted" else (fresh, warm)
    store = Store(sqlite_url)
    store.create_schema()
    try:
        process = ProcessStage(store=store, reports_topic="reports", events_topic="events",
                               near_index=NearDuplicateIndex(threshold=0.7))
        first = process(first_seen)
        assert first.dedup_outcome == "new"
        acknowledge(first)  # the broker acknowledged the report
        # The same bytes, extracted by another process (restarted, or a second replica): nothing new.
        again = process(seen_again)
        assert again.dedup_outcome == "duplicate"
        assert not [o for o in again.outputs if isinstance(o.value, MeetingReport)]
    finally:
        store.dispose()


def test_the_extraction_the_fingerprint_reads_is_history_free():
    """Many warm histories, one page: every process computes one fingerprint."""
    pages = [(url, _with_promo_after_byline(body)) for url, body in _pages("baoquangninh")]
    url, body = pages[-1]
    fingerprints = set()
    for history in range(len(pages)):
        stage = _stage()
        for i, (other_url, other_body) in enumerate(pages[:history] * 4):
            _article(stage, f"{other_url}?p={i}", other_body, "baoquangninh")
        fingerprints.add(_article(stage, url, body, "baoquangninh").fingerprint)
    assert len(fingerprints) == 1
