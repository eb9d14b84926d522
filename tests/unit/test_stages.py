"""Stages are plain functions of their input message: tested here without Kafka."""

import pytest

from consumers.stages.base import Rejected, acknowledge
from consumers.stages.extract import ExtractStage
from schemas import Article, EventSummary, MeetingReport
from tests.pages import portal_page
from tests.stage_helpers import MEETING_TEXT, NEWS_TEXT, article, raw_page


@pytest.fixture
def extract_stage():
    return ExtractStage(output_topic="articles", max_page_bytes=5_000_000, time_budget_s=10)


def test_extract_stage_turns_a_raw_page_into_an_article(extract_stage):
    html = portal_page(title="Thường trực Ban Bí thư giao ban công tác 6 tháng", lead=MEETING_TEXT[0],
                       date_line="Thứ 6, 28/07/2023 | 18:13:12 [GMT +7]", paragraphs=MEETING_TEXT[1:],
                       author="Thu Chung")
    result = extract_stage(raw_page(html))
    (out,) = result.outputs
    assert out.topic == "articles" and out.key == "https://baoquangninh.vn/a-1.html"
    assert isinstance(out.value, Article)
    assert out.value.text.split("\n") == MEETING_TEXT
    assert out.value.published_at.isoformat() == "2023-07-28T18:13:12+07:00"
    assert len(out.value.fingerprint) == 64


@pytest.mark.parametrize("page,reason", [
    (lambda: raw_page(b"%PDF-1.4 binary"), "binary_page"),
    (lambda: raw_page("<html></html>", status=404), "http_error"),
    (lambda: raw_page("x").model_copy(update={"body": b"not zstd"}), "corrupt_body"),
    (lambda: raw_page("x").model_copy(update={"body": b"", "body_length": 50_000_000}), "too_large"),
])
def test_extract_stage_rejects_bad_pages(extract_stage, page, reason):
    with pytest.raises(Rejected) as info:
        extract_stage(page())
    assert info.value.reason == reason


def test_process_stage_publishes_a_report_and_an_event(process_stage):
    result = process_stage(article())
    report, summary = (o.value for o in result.outputs)
    assert isinstance(report, MeetingReport) and isinstance(summary, EventSummary)
    assert report.meeting_type.value == "standing_secretariat_briefing"
    assert report.meeting_date.isoformat() == "2023-07-28"
    assert (report.version, report.dedup_outcome.value, report.province_current) == (1, "new", "Quảng Ninh")
    assert summary.report_ids == [report.report_id]
    assert result.outputs[0].key == report.report_id


def test_replaying_the_same_article_stores_and_publishes_nothing(process_stage):
    first = process_stage(article())
    acknowledge(first)
    again = process_stage(article())
    assert again.outputs == [] and again.outcome == "duplicate"
    assert process_stage.store.counts()["meeting_reports"] == 1


def test_undelivered_report_is_republished_on_replay(process_stage):
    process_stage(article())  # crashed before the broker acknowledged: on_delivered never ran
    again = process_stage(article())
    assert [o.topic for o in again.outputs] == ["reports", "events"]
    assert process_stage.store.counts()["meeting_reports"] == 1


def test_changed_text_at_the_same_url_is_a_revision(process_stage):
    acknowledge(process_stage(article()))
    changed = MEETING_TEXT + ["Hội nghị cũng thống nhất các nhiệm vụ trọng tâm 6 tháng cuối năm 2023."]
    report = process_stage(article(changed)).outputs[0].value
    assert (report.version, report.dedup_outcome.value) == (2, "revision")
    assert report.added_paragraphs == [changed[-1]]
    assert process_stage.store.counts()["meeting_reports"] == 2


def test_a_copy_under_another_portal_is_a_near_duplicate_of_the_same_event(process_stage):
    original = process_stage(article()).outputs[0].value
    copy = MEETING_TEXT[:2] + [MEETING_TEXT[2].replace("vững chắc ", "")]
    report = process_stage(article(copy, url="https://hagiangtv.vn/b-2.html", portal="hg",
                                   province="Hà Giang")).outputs[0].value
    assert report.dedup_outcome.value == "near_duplicate"
    assert report.duplicate_of == original.report_id and report.similarity > 0.7
    assert report.event_id == original.event_id
    assert report.province_current == "Tuyên Quang"


def test_ordinary_news_is_stored_but_not_published(process_stage):
    result = process_stage(article(NEWS_TEXT, url="https://x.vn/lua.html", title="Nông dân thu hoạch lúa xuân"))
    assert result.outputs == [] and result.outcome == "not_meeting"
    counts = process_stage.store.counts()
    assert counts["articles"] == 1 and counts["meeting_reports"] == 0
