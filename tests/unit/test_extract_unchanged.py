"""Unchanged is cheap (issue 13, item 7): a page whose URL and bytes match the last delivered page of that URL is
not extracted again. These tests try to make the skip lose a page whose extraction would differ."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from consumers.domain.extraction import BoilerplateMemory
from consumers.stages.base import Rejected
from consumers.stages.extract import ExtractStage, SeenPages, page_digest
from tests.pages import portal_page
from tests.stage_helpers import MEETING_TEXT, NEWS_TEXT, raw_page

DEMO = Path(__file__).resolve().parents[2] / "deploy" / "demo_site"


def _html(paragraphs=MEETING_TEXT, title="Thường trực Ban Bí thư giao ban công tác 6 tháng") -> str:
    return portal_page(title=title, lead=paragraphs[0], date_line="Thứ 6, 28/07/2023 | 18:13:12 [GMT +7]",
                       paragraphs=paragraphs[1:], author="Thu Chung")


def _stage(**kw) -> ExtractStage:
    return ExtractStage(output_topic="articles", max_page_bytes=5_000_000, time_budget_s=30, **kw)


def _deliver(stage, page):
    """The stage's answer for `page`, acknowledged as the runner acknowledges it (after the broker took it)."""
    result = stage(page)
    if result.on_delivered:
        result.on_delivered()
    return result


def test_the_same_page_again_is_not_extracted_and_publishes_nothing():
    stage = _stage()
    first = _deliver(stage, raw_page(_html()))
    assert first.outcome == "ok" and len(first.outputs) == 1
    again = stage(raw_page(_html()))  # a re-crawl: new fetched_at, new compression, same bytes
    assert again.outputs == [] and again.outcome == "unchanged" and again.on_delivered is None
    assert stage.seen.fingerprint("https://baoquangninh.vn/a-1.html") == first.outputs[0].value.fingerprint


def test_a_page_never_acknowledged_is_extracted_again():
    """A batch replayed after a failed send: the article must be published again."""
    stage = _stage()
    stage(raw_page(_html()))  # outputs produced, never acknowledged
    again = stage(raw_page(_html()))
    assert again.outcome == "ok" and len(again.outputs) == 1


def test_same_url_new_bytes_is_extracted():
    stage = _stage()
    _deliver(stage, raw_page(_html()))
    changed = _html(MEETING_TEXT + ["Hội nghị cũng thống nhất các nhiệm vụ trọng tâm 6 tháng cuối năm 2023."])
    result = _deliver(stage, raw_page(changed))
    assert result.outcome == "ok" and "nhiệm vụ trọng tâm" in result.outputs[0].value.text
    # The map holds the last page of the URL: the first version, seen again, is a change too.
    back = stage(raw_page(_html()))
    assert back.outcome == "ok" and len(back.outputs) == 1


def test_one_changed_byte_is_extracted():
    stage = _stage()
    html = _html()
    _deliver(stage, raw_page(html))
    assert stage(raw_page(html + " ")).outcome == "ok"


def test_same_bytes_under_another_url_is_extracted():
    stage = _stage()
    _deliver(stage, raw_page(_html(), url="https://baoquangninh.vn/a-1.html"))
    other = stage(raw_page(_html(), url="https://baoquangninh.vn/a-2.html"))
    assert other.outcome == "ok" and other.outputs[0].value.canonical_url == "https://baoquangninh.vn/a-2.html"


@pytest.mark.parametrize("change", [
    {"final_url": "https://baoquangninh.vn/a-1.html?redirected=1"},
    {"content_type": "text/html; charset=windows-1258"},
    {"portal_id": "other-portal"},
    {"province": "Hà Giang"},
])
def test_same_url_and_bytes_in_another_context_is_extracted(change):
    """The extraction reads the final URL and the content type; the process stage's duplicate test the portal."""
    stage = _stage()
    page = raw_page(_html())
    _deliver(stage, page)
    result = stage(page.model_copy(update=change))
    assert result.outcome in ("ok", "flagged") and len(result.outputs) == 1  # a wrong charset label is flagged


def test_the_memory_is_bounded_least_recently_used_first_out():
    stage = _stage(seen_pages=3)
    urls = [f"https://baoquangninh.vn/a-{i}.html" for i in range(5)]
    for url in urls[:3]:
        _deliver(stage, raw_page(_html(), url=url))
    assert stage(raw_page(_html(), url=urls[0])).outcome == "unchanged"  # urls[0] is now the most recent
    for url in urls[3:]:
        _deliver(stage, raw_page(_html(), url=url))
    assert len(stage.seen) == 3
    # urls[1] and urls[2] were the least recently used: evicted, so extracted again.
    assert stage(raw_page(_html(), url=urls[1])).outcome == "ok"
    assert stage(raw_page(_html(), url=urls[0])).outcome == "unchanged"
    assert stage(raw_page(_html(), url=urls[4])).outcome == "unchanged"


def test_after_eviction_the_page_is_extracted_again_and_remembered_again():
    stage = _stage(seen_pages=1)
    a, b = "https://baoquangninh.vn/a.html", "https://baoquangninh.vn/b.html"
    _deliver(stage, raw_page(_html(), url=a))
    _deliver(stage, raw_page(_html(NEWS_TEXT, "Nông dân thu hoạch lúa xuân"), url=b))
    again = _deliver(stage, raw_page(_html(), url=a))
    assert again.outcome == "ok" and len(again.outputs) == 1
    assert stage(raw_page(_html(), url=a)).outcome == "unchanged"
    assert len(stage.seen) == 1


def test_a_memory_of_zero_pages_never_skips():
    stage = _stage(seen_pages=0)
    _deliver(stage, raw_page(_html()))
    assert stage(raw_page(_html())).outcome == "ok"
    assert len(stage.seen) == 0


def test_rejected_pages_are_not_remembered():
    stage = _stage()
    for _ in range(2):
        with pytest.raises(Rejected) as info:
            stage(raw_page(b"%PDF-1.4 binary"))
        assert info.value.reason == "binary_page"
    assert len(stage.seen) == 0


def test_identity_bodies_are_hashed_as_decompressed():
    stage = _stage()
    zstd_page = raw_page(_html())
    _deliver(stage, zstd_page)
    identity = zstd_page.model_copy(update={"body": _html().encode("utf-8"), "body_encoding": "identity"})
    assert stage(identity).outcome == "unchanged"


def _demo_pages(portal: str) -> list[tuple[str, bytes]]:
    return [(f"https://demo.example.vn/{p.relative_to(DEMO).as_posix()}", p.read_bytes())
            for p in sorted(DEMO.glob(f"{portal}/*/**/*.html"))]


def test_what_a_process_learns_later_never_changes_a_skipped_page_s_fingerprint():
    """The skip is only safe if extracting again would give the fingerprint already published. A process learns
    a portal's boilerplate (BoilerplateMemory) as it goes, which changes the published text: the fingerprint,
    read from the text the fixed rules leave, must not move."""
    memory = BoilerplateMemory()
    stage = _stage(boilerplate=memory)
    pages = _demo_pages("baoquangninh")
    target_url, target = pages[0]
    first = _deliver(stage, raw_page(target, url=target_url, portal="baoquangninh")).outputs[0].value
    for url, body in pages[1:]:  # every recurring line now seen on many URLs: learned
        for i in range(4):
            _deliver(stage, raw_page(body, url=f"{url}?v={i}", portal="baoquangninh"))
    assert stage(raw_page(target, url=target_url, portal="baoquangninh")).outcome == "unchanged"
    extracted_again = _stage(boilerplate=memory, seen_pages=0)(
        raw_page(target, url=target_url, portal="baoquangninh")).outputs[0].value
    assert extracted_again.fingerprint == first.fingerprint == stage.seen.fingerprint(target_url)
    assert extracted_again.near_signature == first.near_signature


def test_page_digest_covers_the_bytes_and_the_context():
    page = raw_page(_html())
    body = _html().encode("utf-8")
    assert page_digest(page, body) == page_digest(page.model_copy(update={"fetched_at": page.fetched_at}), body)
    assert page_digest(page, body) != page_digest(page, body + b" ")
    assert page_digest(page, body) != page_digest(page.model_copy(update={"portal_id": "x"}), body)


def test_seen_pages_rejects_a_negative_bound():
    with pytest.raises(ValueError):
        SeenPages(-1)


def test_an_unchanged_page_costs_little_cpu():
    """Target: at most 1 ms of CPU per unchanged page (decompress + hash). Asserted loosely (a shared CI machine);
    bench/extraction_speed.py --unchanged prints the figure."""
    stage = _stage()
    body = (DEMO / "baoquangninh").glob("*/**/*.html").__next__().read_bytes()
    page = raw_page(body, portal="baoquangninh")
    _deliver(stage, page)
    started = time.process_time()
    for _ in range(50):
        assert stage(page).outcome == "unchanged"
    assert (time.process_time() - started) / 50 < 0.005


# -- through the runner: delivery acknowledgements and the metric ------------------------------------------------
def _runner_with(stage, records, producer):
    from consumers.runner import Runner
    from deploy.wiring import new_metrics
    from tests.unit.test_runner_policy import FakeConsumer

    metrics = new_metrics()
    runner = Runner(stage, consumer=FakeConsumer(records), producer=producer, input_topic="raw",
                    dead_letter_topic="dlq", metrics=metrics, max_backoff_s=0.01)
    runner._backoff = 0.001  # noqa: SLF001
    return runner, metrics


def _record(offset: int, page):
    from schemas import encode
    from tests.unit.test_runner_policy import Record

    return Record("raw", 0, offset, page.canonical_url.encode(), encode(page))


def _processed(metrics, outcome: str) -> float:
    return metrics.registry.get_sample_value("newsingest_messages_processed_total",
                                             {"stage": "extract", "outcome": outcome}) or 0.0


def test_the_runner_counts_unchanged_pages_and_sends_nothing_for_them():
    from tests.unit.test_runner_policy import FakeProducer

    stage, producer = _stage(), FakeProducer()
    runner, metrics = _runner_with(stage, [_record(0, raw_page(_html()))], producer)
    runner.run_once()
    assert len(producer.sent) == 1 and _processed(metrics, "ok") == 1
    runner.consumer.records = [_record(1, raw_page(_html()))]  # the re-crawl
    runner.run_once()
    assert len(producer.sent) == 1 and _processed(metrics, "unchanged") == 1
    assert runner.consumer.commits[-1] == {tp: 2 for tp in runner.consumer.commits[-1]}


def test_an_article_the_broker_never_acknowledged_is_extracted_and_sent_again():
    from tests.unit.test_runner_policy import FakeProducer

    stage, producer = _stage(), FakeProducer(fail_flush=True)
    runner, metrics = _runner_with(stage, [_record(0, raw_page(_html()))], producer)
    runner.run_once()  # sent, flush failed: the batch is to be replayed
    assert len(stage.seen) == 0
    producer.fail_flush = False  # the broker is back; the failed sends stay failed
    runner.consumer.records = [_record(0, raw_page(_html()))]  # the replay
    runner.run_once()
    assert _processed(metrics, "unchanged") == 0 and _processed(metrics, "ok") == 2
    assert len(producer.sent) == 2 and len(stage.seen) == 1
