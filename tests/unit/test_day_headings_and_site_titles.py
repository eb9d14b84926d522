"""A schedule's day heading is kept although it reads like a visit-date header, which stays chrome; a page whose
<h1> is the site's name and whose <title> names only the site takes its headline from its title-classed block."""

from __future__ import annotations

from consumers.domain.extraction import extract_page

ITEMS = ["- Sáng: Thường trực Tỉnh ủy giao ban với các cơ quan tham mưu, giúp việc Tỉnh ủy.",
         "- Chiều: Đồng chí Bí thư Tỉnh ủy làm việc với Đảng ủy xã về công tác chuẩn bị đại hội."]
TITLE = "Lịch làm việc của Thường trực Tỉnh ủy tuần 42 năm 2025"


def _schedule(visit_header: str) -> bytes:
    days = "".join(f"<p><strong>Thứ {d}, ngày {13 + i}/10/2025</strong></p>" + "".join(f"<p>{x}</p>" for x in ITEMS)
                   for i, d in enumerate(["Hai", "Ba", "Tư"]))
    return (f"<html><head><title>{TITLE}</title></head><body><div class='topbar'>{visit_header}</div>"
            f"<ul class='menu'><li><a href='/'>Trang chủ</a></li><li><a href='/tin'>Tin tức</a></li></ul>"
            f"<article><h1>{TITLE}</h1><p>Văn phòng Tỉnh ủy thông báo lịch làm việc của Thường trực Tỉnh ủy từ ngày "
            f"13/10 đến ngày 17/10/2025 như sau:</p>{days}</article>"
            f"<footer>Bản quyền thuộc Tỉnh ủy</footer></body></html>").encode()


def test_day_headings_followed_by_their_items_stay_and_the_visit_date_goes():
    got = extract_page(_schedule("Thứ Bảy, ngày 11/10/2025"), "https://tinhuy.example.vn/lich/42.html")
    text = "\n".join([got.lead, *got.paragraphs])
    assert "Thứ Hai, ngày 13/10/2025" in text and "Thứ Tư, ngày 15/10/2025" in text
    assert "Thứ Bảy, ngày 11/10/2025" not in text


def test_a_lone_weekday_date_line_is_still_chrome():
    from consumers.domain.extraction.schedules import _heading_over_an_item

    assert _heading_over_an_item("Thứ Hai, ngày 13/10/2025", "- Sáng: giao ban")
    assert _heading_over_an_item("Thứ Sáu (17/10/2025):", "8 giờ 00: Hội nghị Ban Thường vụ")
    assert not _heading_over_an_item("Thứ Hai, ngày 13/10/2025", "Trang chủ")
    assert not _heading_over_an_item("Thứ Hai, ngày 13/10/2025", TITLE)


def test_the_title_block_wins_over_a_site_name_h1_and_a_site_only_title():
    headline = "Chương trình Kỳ họp thứ 20 HĐND tỉnh khóa XIX"
    html = ("<html><head><title>Chi tiết tin | HĐND tỉnh Bắc Giang</title></head><body>"
            "<header class='header'><h1 class='site-title'>HỘI ĐỒNG NHÂN DÂN TỈNH BẮC GIANG</h1></header>"
            f"<div class='content'><div class='title'>{headline}</div>"
            "<p>Kỳ họp thứ 20 HĐND tỉnh khóa XIX diễn ra trong hai ngày với nhiều nội dung quan trọng.</p>"
            "<p>Các đại biểu thảo luận các báo cáo, tờ trình và dự thảo nghị quyết trình kỳ họp.</p></div>"
            "<footer>Bản quyền thuộc HĐND tỉnh</footer></body></html>").encode()
    got = extract_page(html, "https://hdnd.example.vn/tin/20.html")
    assert got.title == headline
