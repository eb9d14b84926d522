"""Generic rules found on holdout18 (spent, the set sealed until the session's other work was done): an infobox of
the post's fields read as "Label: value" lines, an article split over sibling text widgets, a clock time before a
date in words, a <meta> day read with the time the page prints, "bởi <name>" credits."""

import datetime as dt

from consumers.domain.dates import VN_TZ, parse_datetime
from consumers.domain.extraction import extract_page
from consumers.domain.extraction.parsing import parse_html
from consumers.domain.extraction.structure import field_tables_as_lines

_TITLE = "Hội nghị Ban Chấp hành Đảng bộ tỉnh lần thứ 29"
_TEXT = ("<p>Ngày 16/1, Ban Chấp hành Đảng bộ tỉnh tổ chức hội nghị lần thứ 29 để đánh giá kết quả thực hiện nhiệm vụ "
         "năm 2024 và cho ý kiến về phương án sắp xếp tổ chức bộ máy.</p><p>Đồng chí Phó Bí thư Thường trực Tỉnh ủy "
         "chủ trì hội nghị. Dự hội nghị có các đồng chí Ủy viên Ban Chấp hành Đảng bộ tỉnh.</p>")


def _page(inner: str, head: str = "") -> bytes:
    return (f"<html><head><title>{_TITLE}</title>{head}</head><body><main><h1>{_TITLE}</h1>{inner}</main></body>"
            "</html>").encode("utf-8")


_INFOBOX = ("<table class='infobox'><tr><th colspan='2'>Thông tin bài viết</th></tr><tr><th>Người viết</th><td>Hoàng "
            "Mai</td></tr><tr><th>Ngày đăng</th><td>16:05, ngày 16 tháng 1 năm 2025</td></tr><tr><th>Chuyên mục</th>"
            "<td><a href='/c'>Hoạt động Tỉnh ủy</a></td></tr></table>")


def test_an_infobox_of_fields_credits_dates_and_leaves_the_text():
    got = extract_page(_page(_INFOBOX + _TEXT), "https://w.vn/1")
    assert got.author == "Hoàng Mai"
    assert got.published_at == dt.datetime(2025, 1, 16, 16, 5, tzinfo=VN_TZ)
    assert "Thông tin bài viết" not in got.text and "Chuyên mục" not in got.text and got.lead.startswith("Ngày 16/1")


def test_a_data_table_of_two_columns_is_not_an_infobox():
    table = ("<table><tr><td>Xã Phước Sơn</td><td>1.250 hộ</td></tr><tr><td>Xã Phước Hòa</td><td>980 hộ</td></tr>"
             "</table>")
    tree = parse_html(f"<html><body>{table}</body></html>")
    assert field_tables_as_lines(tree) == 0


def test_a_clock_time_before_a_date_in_words_and_not_a_time_in_words():
    assert parse_datetime("16:05, ngày 16 tháng 1 năm 2025") == dt.datetime(2025, 1, 16, 16, 5, tzinfo=VN_TZ)
    assert parse_datetime("7 giờ 30, ngày 16 tháng 1 năm 2025") == dt.datetime(2025, 1, 16, tzinfo=VN_TZ)


def test_an_article_split_over_sibling_text_widgets_is_kept_whole():
    widgets = "".join(f"<div class='ipWidget ipWidget-Text'><p>{t}</p></div>" for t in (
        "Ông Lê Hữu Khoa, Phó Chủ tịch HĐND tỉnh chủ trì phiên giải trình về tiến độ giải ngân vốn đầu tư công năm "
        "2025 của tỉnh.", "Năm 2024, tỉnh mới giải ngân được 78,5% kế hoạch vốn; 14 dự án giải ngân dưới 50%, chủ yếu "
        "do vướng giải phóng mặt bằng.", "Kết luận phiên giải trình, Phó Chủ tịch HĐND tỉnh đề nghị UBND tỉnh chỉ đạo "
        "quyết liệt, xử lý dứt điểm các vướng mắc về mặt bằng và nguồn vật liệu đắp nền cho các dự án trọng điểm, bảo "
        "đảm giải ngân hết kế hoạch vốn năm 2025 theo đúng cam kết với HĐND tỉnh tại kỳ họp."))
    got = extract_page(_page(f"<div class='ipBlock'>{widgets}</div>"), "https://w.vn/2")
    assert "Năm 2024, tỉnh mới giải ngân được 78,5% kế hoạch vốn" in got.text
    assert "Ông Lê Hữu Khoa" in got.text


def test_a_meta_day_takes_the_time_the_page_prints_for_it_and_never_another_days():
    meta = "<meta name='DC.date.issued' content='2025-04-03'>"
    got = extract_page(_page("<p class='article-date'>03/04/2025 20:30 (GMT+7)</p>" + _TEXT, meta), "https://w.vn/3")
    assert got.published_at == dt.datetime(2025, 4, 3, 20, 30, tzinfo=VN_TZ)
    got = extract_page(_page("<p class='article-date'>04/04/2025 20:30</p>" + _TEXT, meta), "https://w.vn/4")
    assert got.published_at == dt.datetime(2025, 4, 3, tzinfo=VN_TZ)


def test_bo_name_credits():
    got = extract_page(_page(_TEXT + "<div class='blogpost-author'>bởi <a href='/a'>Phạm Khánh Linh</a></div>"),
                       "https://w.vn/5")
    assert got.author == "Phạm Khánh Linh"
