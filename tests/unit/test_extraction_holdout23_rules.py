"""Rules found on the spent holdout23: a labelled stamp with a weekday is no document's place-and-date, a time zone in
a stamp's brackets, a side column's creation record before the headline, "writer" and "attribution" credit boxes
(an attribution's dash), and a photo credit alone in a credit box is no byline."""

import datetime as dt

from consumers.domain.extraction import extract_page
from consumers.domain.extraction.stamps import is_stamp_line

_TITLE = "Khai mạc Kỳ họp thứ 18, HĐND tỉnh khóa XII"
_LEAD = ("Sáng 10/12, HĐND tỉnh khóa XII, nhiệm kỳ 2021 - 2026 khai mạc Kỳ họp thứ 18 - kỳ họp thường lệ cuối năm "
         "2024. Kỳ họp diễn ra trong hai ngày.")
_BODY = ("<p>Ông Trần Quốc Bảo, Chủ tịch HĐND tỉnh chủ trì kỳ họp.</p><p>Tại kỳ họp, HĐND tỉnh xem xét 27 tờ trình, dự "
         "thảo nghị quyết, trong đó có dự toán ngân sách năm 2025.</p>")


def _page(above: str = "", meta: str = "", after: str = "") -> bytes:
    return (f"<html><head><title>{_TITLE}</title></head><body>{above}<main><h1>{_TITLE}</h1>{meta}"
            f"<div class='summary'><p>{_LEAD}</p></div><div class='body'>{_BODY}</div>{after}</main></body></html>"
            ).encode("utf-8")


def test_a_labelled_stamp_with_its_weekday_is_chrome_and_a_documents_place_date_is_not():
    assert is_stamp_line("Ngày đăng: Thứ Ba, ngày 10 tháng 12 năm 2024, 17 giờ 05")
    assert not is_stamp_line("Gia Lai, ngày 18 tháng 12 năm 2025")
    got = extract_page(_page(meta="<p class='document-date'>Ngày đăng: Thứ Ba, ngày 10 tháng 12 năm 2024, 17 giờ 05</p>"),
                       "https://g.vn/a")
    assert "Ngày đăng" not in got.text and got.published_at.replace(tzinfo=None) == dt.datetime(2024, 12, 10, 17, 5)


def test_a_time_zone_inside_the_stamps_brackets():
    got = extract_page(_page(meta="<div class='date'><span class='label'>Ngày đăng:</span> <span class='date_value'>Thứ "
                                  "Ba 10-12-2024 (17:05 GMT+7)</span></div>"), "https://g.vn/b")
    assert got.published_at.replace(tzinfo=None) == dt.datetime(2024, 12, 10, 17, 5), got.published_at


def test_a_side_columns_creation_record_before_the_headline_outranks_the_texts_dates():
    side = ("<aside class='tri-layout-left'><div class='entity-meta'><div>Tạo lúc 09:25, 10/11/2025 bởi <strong>Quản trị "
            "viên</strong></div><div>Cập nhật lúc 07:23, 11/11/2025 bởi Quản trị viên</div></div></aside>")
    notice = ("<p>Thường trực HĐND phường thông báo kế hoạch tiếp xúc cử tri của đại biểu.</p><p>1. Thời gian: 7 giờ 30 "
              "ngày 25/11/2025 (Thứ Ba).</p><p>2. Địa điểm: Nhà văn hóa tổ dân phố 3.</p>")
    page = (f"<html><head><title>Thông báo tiếp xúc cử tri</title></head><body>{side}<div class='page-content'><h1>Thông "
            f"báo tiếp xúc cử tri</h1>{notice}</div></body></html>").encode("utf-8")
    got = extract_page(page, "https://l.vn/c")
    assert got.published_at.replace(tzinfo=None) == dt.datetime(2025, 11, 10, 9, 25), got.published_at


def test_writer_and_attribution_boxes_credit_the_page():
    got = extract_page(_page(meta="<div class='writer_name'><span class='label'>Người viết:</span> <span "
                                  "class='writer_value'>Hoàng Lan</span></div>"), "https://g.vn/d")
    assert got.author == "Hoàng Lan"
    got = extract_page(_page(after="<p class='attribution'>— Văn phòng HĐND và UBND xã</p>"), "https://g.vn/e")
    assert got.author == "Văn phòng HĐND và UBND xã"


def test_a_photo_credit_alone_in_a_credit_box_is_no_byline():
    got = extract_page(_page(after="<span class='author'>Ảnh: Trung Kiên</span>"), "https://g.vn/f")
    assert got.author is None, got.author
    got = extract_page(_page(after="<span class='ps-byline'>Ảnh: Trung Kiên - Bài: Thủy Tiên</span>"), "https://g.vn/g")
    assert got.author == "Thủy Tiên"
