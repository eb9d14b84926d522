"""Generic rules found on holdout14 (spent): SPIP's "chapo" lead, a credit in a definition list, a name on its own
line under the lead, "08h30min", and a stamp line never taken for the article's first sentence."""

import datetime as dt

from consumers.domain.dates import VN_TZ, parse_datetime
from consumers.domain.extraction import extract_page

_TITLE = "Hội nghị Ban Chấp hành Đảng bộ tỉnh lần thứ 28"
_LEAD = ("Ngày 10/1, Ban Chấp hành Đảng bộ tỉnh khóa XIX tổ chức Hội nghị lần thứ 28 để thảo luận, cho ý kiến vào "
         "phương án sắp xếp tổ chức bộ máy.")
_TEXT = ("<p>Đồng chí Bí thư Tỉnh ủy chủ trì hội nghị. Cùng dự có các đồng chí Ủy viên Ban Thường vụ Tỉnh ủy và lãnh "
         "đạo các sở, ngành.</p><p>Hội nghị thống nhất cao với phương án sắp xếp, giao Ban Tổ chức Tỉnh ủy hoàn thiện "
         "hồ sơ trình cấp có thẩm quyền.</p>")


def _page(inner: str) -> bytes:
    return (f"<html><head><title>{_TITLE}</title></head><body><main><h1>{_TITLE}</h1>{inner}</main></body>"
            "</html>").encode("utf-8")


def test_spip_chapo_is_the_lead():
    got = extract_page(_page(f"<div class='crayon article-chapo-4512 chapo'><p>{_LEAD}</p></div>{_TEXT}"),
                       "https://t.vn/1")
    assert got.lead == _LEAD


def test_a_credit_in_a_definition_list():
    got = extract_page(_page(f"<p>{_LEAD}</p>{_TEXT}<dl><dt>Người viết</dt><dd>Minh Châu</dd><dt>Chuyên mục</dt>"
                             "<dd>Thời sự</dd></dl>"), "https://t.vn/2")
    assert got.author == "Minh Châu"


def test_a_name_under_the_lead_is_the_byline_and_a_heading_there_is_not():
    got = extract_page(_page(f"<h2 class='sapo'>{_LEAD}</h2><p class='text-right'>MINH NHẬT</p>{_TEXT}"),
                       "https://t.vn/3")
    assert got.author == "MINH NHẬT" and "MINH NHẬT" not in got.text
    for heading in ("THỨ HAI (16/12/2024)", "QUYẾT ĐỊNH", "TỈNH ỦY ĐIỆN BIÊN"):
        got = extract_page(_page(f"<h2 class='sapo'>{_LEAD}</h2><p>{heading}</p>{_TEXT}"), "https://t.vn/4")
        assert got.author is None, heading
        assert heading in got.text.split("\n") or heading.startswith("THỨ"), heading  # a lone day: visit date


def test_a_min_suffix():
    assert parse_datetime("Thứ Tư 5 Tháng Ba 2025 lúc 08h30min") == dt.datetime(2025, 3, 5, 8, 30, tzinfo=VN_TZ)


def test_a_long_stamp_line_is_not_the_articles_first_sentence():
    stamp = "Thứ Tư 5 Tháng Ba 2025 vào lúc 08h30min | Số lần đọc: 876"  # twelve words and more
    got = extract_page(_page(f"<div class='info'>{stamp}</div><p>{_LEAD}</p>{_TEXT}"), "https://t.vn/5")
    assert got.lead == _LEAD and "876" not in got.text
    # "vào" breaks the date search (metadata.DATE_BREAKERS: v, o), so the stamp's time is not read.
    assert got.published_at == dt.datetime(2025, 3, 5, tzinfo=VN_TZ)
