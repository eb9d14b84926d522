"""The same table limit, time budget and output bound on every extraction path (issue 9, item 5).

Pages without Vietnamese letters used to go straight to plain trafilatura: a 60,000-row table took longer
than the budget and a 6.6 MB page published millions of characters. Every path must now drop giant tables,
return (or give up) within the time budget and publish a bounded article.
"""

from __future__ import annotations

import time

import pytest

from consumers.domain.extraction import PageRejected, extract_page
from consumers.domain.extraction.core import MAX_TEXT_BYTES
from consumers.stages.base import Rejected
from consumers.stages.extract import ExtractStage
from tests.stage_helpers import raw_page

BUDGET_S = 2.0
# A shared two-core machine: the budget plus a generous margin for one step that cannot be interrupted.
WALL_LIMIT_S = BUDGET_S + 2.0

EN = "Paragraph of a long English page, with enough words in it to look like the text of a real article."
VI = "Đoạn văn bản tiếng Việt của một trang rất dài, có đủ chữ để trông giống nội dung một bài báo thật."
INTRO = "<h1>Statistical yearbook</h1><p>" + EN + " " + EN + "</p>"


def _html(body: str, title: str = "Statistical yearbook") -> bytes:
    return (f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{title}</title></head>"
            f"<body><article>{body}</article></body></html>").encode("utf-8")


def ascii_table_page(rows: int = 60_000) -> bytes:
    cells = "".join(f"<tr><td>Row {i} value alpha</td><td>{i * 7} units of beta</td></tr>" for i in range(rows))
    return _html(f"{INTRO}<table>{cells}</table><p>{EN}</p>")


def ascii_paragraph_page(paragraphs: int = 60_000, words: str = EN) -> bytes:
    return _html(INTRO + "".join(f"<p>{i} {words}</p>" for i in range(paragraphs)))


def many_small_tables_page(tables: int = 120, rows: int = 1_000) -> bytes:
    """Every table under the per-table cell limit, 240,000 cells in all."""
    table = "<table>" + "".join(f"<tr><td>r{i}</td><td>{i}</td></tr>" for i in range(rows)) + "</table>"
    return _html(INTRO + table * tables)


PAGES = {
    "ascii-60k-row-table": lambda: ascii_table_page(),
    "ascii-6MB-paragraphs": lambda: ascii_paragraph_page(),
    "ascii-60k-short-paragraphs": lambda: ascii_paragraph_page(60_000, "short line"),
    "ascii-many-tables-under-the-limit": lambda: many_small_tables_page(),
    "vietnamese-6MB-paragraphs": lambda: ascii_paragraph_page(45_000, VI),
    "ascii-one-5MB-paragraph": lambda: _html(INTRO + "<p>" + (EN + " ") * 50_000 + "</p>"),
    "ascii-5MB-bare-text-after-an-element": lambda: _html(INTRO + "<br>" + (EN + " ") * 50_000),
    # Vietnamese letters in the bytes (a <meta>), English text on the page: the second language gate's path.
    "vietnamese-bytes-english-text": lambda: ascii_table_page().replace(
        b"<title>", '<meta name="keywords" content="{}"><title>'.format("đư " * 12).encode(), 1),
}


def _timed(fn):
    started = time.monotonic()
    try:
        return fn(), time.monotonic() - started
    except PageRejected as exc:
        return exc, time.monotonic() - started


def _text_bytes(page) -> int:
    return len(page.text.encode("utf-8"))


@pytest.fixture(scope="module", params=sorted(PAGES))
def big_page(request):
    body = PAGES[request.param]()
    assert len(body) < 8_000_000
    return request.param, body


def test_every_path_keeps_the_time_budget_and_the_output_bound(big_page):
    name, body = big_page
    got, seconds = _timed(lambda: extract_page(body, "https://example.com/yearbook.html", "text/html",
                                               max_bytes=8_000_000, time_budget_s=BUDGET_S))
    assert seconds < WALL_LIMIT_S, f"{name}: {seconds:.1f}s with a {BUDGET_S}s budget"
    if isinstance(got, PageRejected):
        assert got.reason in ("time_budget", "too_large"), got
        return
    assert _text_bytes(got) <= MAX_TEXT_BYTES
    assert sum(len(c.encode()) for c in got.captions) <= MAX_TEXT_BYTES // 10
    assert len(got.title) <= 1_000


def test_giant_table_is_dropped_on_pages_without_vietnamese_letters():
    got = extract_page(ascii_table_page(), "https://example.com/yearbook.html", time_budget_s=30)
    assert "giant_table_dropped" in got.flags
    assert "Row 59999" not in got.text and EN in got.text


def test_output_bound_truncates_and_flags():
    body = ascii_paragraph_page(3_000)
    got = extract_page(body, "https://example.com/long.html", time_budget_s=30, max_text_bytes=50_000)
    assert _text_bytes(got) <= 50_000 and "text_truncated" in got.flags
    vi = extract_page(ascii_paragraph_page(3_000, VI), "https://example.vn/dai.html", time_budget_s=30,
                      max_text_bytes=50_000)
    assert _text_bytes(vi) <= 50_000 and "text_truncated" in vi.flags
    # The fingerprint reads the bounded text too: the same bytes, the same fingerprint.
    assert len(vi.fingerprint_text.encode()) <= 50_000


def test_a_normal_page_is_not_truncated():
    got = extract_page(ascii_paragraph_page(40), "https://example.com/short.html", time_budget_s=30)
    assert "text_truncated" not in got.flags and got.text.count("\n") >= 39


def test_extract_stage_keeps_budget_and_bound_on_a_page_without_vietnamese_letters():
    stage = ExtractStage(output_topic="articles", max_page_bytes=8_000_000, time_budget_s=BUDGET_S)
    for body in (ascii_table_page(), ascii_paragraph_page()):
        started = time.monotonic()
        try:
            (out,) = stage(raw_page(body, url="https://example.com/y.html")).outputs
        except Rejected as exc:
            assert exc.reason in ("time_budget", "too_large")
        else:
            assert len(out.value.text.encode()) <= MAX_TEXT_BYTES
            # The whole Article, as it goes on Kafka, is bounded too.
            assert len(out.value.model_dump_json().encode()) <= 1.2 * MAX_TEXT_BYTES
        assert time.monotonic() - started < WALL_LIMIT_S
