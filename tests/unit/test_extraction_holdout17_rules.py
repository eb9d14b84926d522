"""Generic rules found on holdout17 (spent): date shapes ("30/09/2025 - 17 giờ 45 phút", month-first "8/28/2025",
"(11:25)" after the date), a day's time from a stamp of the same day, the element printing <title>'s headline
whatever its class, CKEditor's table figures, closing "Name - Ảnh: Name" credits, a document's signer, posters in
a stamp, a week's table whose days come before any sentence, a day's items repeated on two days."""

import datetime as dt

from consumers.domain.dates import VN_TZ, parse_datetime
from consumers.domain.extraction import extract_page

_TEXT = ("<p>Sáng 20/12, HĐND huyện khóa XII tổ chức Kỳ họp thứ 19 để xem xét, quyết định các nội dung quan trọng của "
         "huyện trong năm 2025.</p><p>Kỳ họp đã thông qua 8 nghị quyết, trong đó có nghị quyết về dự toán ngân sách "
         "và kế hoạch đầu tư công năm 2025.</p>")


def _page(body: str, title: str = "HĐND huyện tổ chức Kỳ họp thứ 19") -> bytes:
    return f"<html><head><title>{title}</title></head><body>{body}</body></html>".encode("utf-8")


def test_date_shapes():
    assert parse_datetime("Ngày xuất bản: 30/09/2025 - 17 giờ 45 phút") == dt.datetime(2025, 9, 30, 17, 45, tzinfo=VN_TZ)
    assert parse_datetime("8/28/2025") == dt.datetime(2025, 8, 28, tzinfo=VN_TZ)  # only month-first is a date
    assert parse_datetime("8/12/2025") == dt.datetime(2025, 12, 8, tzinfo=VN_TZ)  # day-first whenever it can be
    assert parse_datetime("31/31/2025") is None


def test_a_stamp_with_its_time_in_brackets_outranks_the_leads_event_dates():
    body = ("<main><h1>HĐND huyện tổ chức Kỳ họp thứ 19</h1><p>Sáng 10/12, HĐND huyện khai mạc Kỳ họp thứ 19, diễn ra "
            "từ ngày 10 đến ngày 12/12/2024 tại hội trường huyện.</p>" + _TEXT +
            "<div class='meta'>Đăng ngày 10/12/2024 (11:25)</div></main>")
    assert extract_page(_page(body), "https://h.vn/1").published_at == dt.datetime(2024, 12, 10, 11, 25, tzinfo=VN_TZ)


def test_a_headline_in_a_cell_of_any_class_and_a_days_time_from_its_stamp():
    body = ("<div class='top'>Thứ Sáu, 20/12/2024</div><table><tr><td class='capmain'>HĐND huyện tổ chức Kỳ họp thứ "
            f"19</td></tr><tr><td>{_TEXT}</td></tr><tr><td class='news-footer'>Đăng bởi Nguyễn Thị Mỹ Lệ lúc 16:00 ngày "
            "20/12/2024 · 4.655 lượt đọc</td></tr></table>")
    got = extract_page(_page(body, "Cổng TTĐT huyện - Tin tức - HĐND huyện tổ chức Kỳ họp thứ 19"), "https://h.vn/2")
    assert got.published_at == dt.datetime(2024, 12, 20, 16, 0, tzinfo=VN_TZ)


def test_ckeditor_table_figures_keep_a_quoted_documents_header_and_signature():
    body = ("<main><h1>Quyết định thành lập Tổ công tác</h1><p>UBND tỉnh ban hành Quyết định số 1186/QĐ-UBND về việc "
            "thành lập Tổ công tác hỗ trợ xã, phường. Toàn văn quyết định như sau:</p><figure class='table'><table><tr>"
            "<td><strong>ỦY BAN NHÂN DÂN TỈNH GIA LAI<br>Số: 1186/QĐ-UBND</strong></td><td>Gia Lai, ngày 21 tháng 7 năm "
            "2025</td></tr></table></figure><p>Điều 1. Thành lập Tổ công tác hỗ trợ xã, phường vận hành chính quyền địa "
            "phương hai cấp gồm 15 thành viên.</p><figure class='table'><table><tr><td>Nơi nhận: Như Điều 3</td><td>"
            "KT. CHỦ TỊCH PHÓ CHỦ TỊCH Lương Văn Hiếu</td></tr></table></figure></main>")
    text = extract_page(_page(body, "Quyết định thành lập Tổ công tác"), "https://h.vn/3").text
    assert "ỦY BAN NHÂN DÂN TỈNH GIA LAI Số: 1186/QĐ-UBND" in text and "Lương Văn Hiếu" in text


def test_closing_credit_with_photo_and_a_documents_signer():
    got = extract_page(_page(f"<main><h1>HĐND huyện tổ chức Kỳ họp thứ 19</h1>{_TEXT}<p>Quang Vinh - Ảnh: Ngọc Anh</p>"
                             "</main>"), "https://h.vn/4")
    assert got.author == "Quang Vinh" and got.photo_credit == "Ngọc Anh"
    got = extract_page(_page(f"<main><h1>HĐND huyện tổ chức Kỳ họp thứ 19</h1>{_TEXT}<p>TM. THƯỜNG TRỰC HĐND</p>"
                             "<p>CHỦ TỊCH</p><p>Phạm Văn Tịnh</p></main>"), "https://h.vn/5")
    assert got.author is None and "Phạm Văn Tịnh" in got.text


def test_a_weeks_table_whose_days_come_first_and_items_repeated_on_two_days():
    rows = "".join(f"<tr><td><strong>{d}</strong><br/>({n}/3/2025)</td><td>Chủ tịch UBND huyện làm việc với xã số {n}."
                   "</td></tr>" for d, n in (("Thứ Hai", 17), ("Thứ Ba", 18), ("Thứ Tư", 19)))
    body = (f"<div class='top'>Thứ Hai, 17/3/2025</div><table border='1'><tr><td>Ngày</td><td>Nội dung</td></tr>{rows}"
            "</table>")
    lines = extract_page(_page(body, "Lịch công tác tuần"), "https://h.vn/6").text.split("\n")
    assert "Thứ Hai (17/3/2025)" in lines and "Thứ Tư (19/3/2025)" in lines, lines
    days = "".join(f"<h2>{d}</h2><ul><li>Sáng: Bí thư làm việc với khu phố {n}.</li><li>Chiều: Làm việc tại trụ sở."
                   "</li></ul>" for n, d in enumerate(("Thứ Hai, ngày 15/9/2025", "Thứ Ba, ngày 16/9/2025")))
    body = f"<main><h1>Lịch công tác tuần</h1><p>Văn phòng thông báo lịch công tác tuần như sau:</p>{days}</main>"
    lines = extract_page(_page(body, "Lịch công tác tuần"), "https://h.vn/7").text.split("\n")
    assert lines.count("Chiều: Làm việc tại trụ sở.") == 2, lines


def test_a_closing_list_of_people_is_no_byline():
    members = ("<p>Theo quyết định, Tổ công tác gồm 3 thành viên do Phó Chủ tịch UBND huyện làm Tổ trưởng, các thành "
               "viên gồm:</p>")
    for tail in ("<ul><li>Ông Trần Văn Bình</li><li>Bà Lê Thị Hoa</li><li>Ông Nguyễn Văn An</li></ul>",
                 "<p>Trần Văn Bình</p><p>Lê Thị Hoa</p><p>Nguyễn Văn An</p>"):
        got = extract_page(_page(f"<main><h1>HĐND huyện tổ chức Kỳ họp thứ 19</h1>{_TEXT}{members}{tail}</main>"),
                           "https://h.vn/8")
        assert got.author is None and "Nguyễn Văn An" in got.text, (tail, got.author)
