"""Generic rules found on the spent holdouts 11-13: a date-stamp line above the article's text is chrome in any
template's words; date shapes (two-digit years with a time, month names without a comma, a time in words on the
date line); repeated time cells of a schedule table; a byline box named by its id; nested credit labels; a link's
arrows. Each test also tries what must not change."""

import datetime as dt

from consumers.domain.dates import VN_TZ, parse_datetime
from consumers.domain.extraction import extract_page
from consumers.domain.extraction.chrome import load_rules
from consumers.domain.extraction.stamps import is_stamp_line

_TITLE = "Hội nghị Ban Chấp hành Đảng bộ tỉnh lần thứ 25"
_LEAD = ("Sáng 12/12, Ban Chấp hành Đảng bộ tỉnh tổ chức Hội nghị lần thứ 25 để đánh giá tình hình thực hiện nhiệm vụ "
         "năm 2025 và cho ý kiến vào phương hướng năm 2026.")
_TEXT = ("Năm 2025, tăng trưởng kinh tế của tỉnh ước đạt 8,2%, thu ngân sách vượt dự toán; công tác xây dựng Đảng "
         "được chú trọng.")


def _page(between: str, after: str = "") -> bytes:
    return (f"<html><head><title>{_TITLE}</title></head><body><main><article><h1>{_TITLE}</h1>{between}"
            f"<p>{_LEAD}</p><p>{_TEXT}</p>{after}</article></main></body></html>").encode("utf-8")


def test_stamp_lines_in_words_no_list_has_are_chrome():
    for line in ("15h00' ngày 06/12/2025", "Bởi , 30 tháng Chín, 2025 – 17:30 - Tin hoạt động",
                 "(ngày 21 tháng 12 năm 2024)", "17 giờ 20 phút, ngày 09/01/2026",
                 "Người gửi: bientap Gửi lúc: 12/06/2025 09:55:40 (1.177 lượt đọc)", "Cập nhật: 08/12/25 18:20",
                 "10 Tháng Mười Hai 2025, 16:40"):
        assert is_stamp_line(line), line


def test_lines_with_a_date_that_are_text_are_not_stamps():
    for line in ("Ninh Bình, ngày 21 tháng 11 năm 2025",  # a document's place and date
                 "Thứ Hai, 13.10.2025",  # a schedule's day
                 "Từ ngày 15/4 đến ngày 19/4/2024",  # a schedule's span
                 "Kỷ niệm 80 năm Cách mạng Tháng Tám (19/8/1945 - 19/8/2025)",  # a kicker: no time, no posting word
                 "Ngày 20/12/2024, HĐND xã Hải Đông tổ chức kỳ họp thứ 12",  # a sentence
                 "Trong 12 tháng năm 2025, tỉnh thu hút 45 dự án"):  # prose, no date
        assert not is_stamp_line(line), line


def test_a_stamp_above_the_text_leaves_the_body_and_the_lead_is_the_lead():
    got = extract_page(_page("<div class='x1'>Phát sóng 9h30 – 20/12/2025</div>"), "https://tinh.vn/a/1")
    assert got.lead == _LEAD
    assert "Phát sóng" not in got.text
    assert got.published_at == dt.datetime(2025, 12, 20, 9, 30, tzinfo=VN_TZ)


def test_the_same_shape_inside_the_text_stays():
    # An announcement's line below its first sentence is its text, whatever it looks like.
    lines = ("Tổ dân phố 3, 14h00 ngày 06/12/2025", "Hải Hậu, 15/12/2025")
    assert all(is_stamp_line(line) for line in lines)
    above = extract_page(_page("".join(f"<div>{line}</div>" for line in lines)), "https://tinh.vn/a/2")
    assert not any(line in above.text for line in lines)
    below = extract_page(_page("", "".join(f"<p>{line}</p>" for line in lines)), "https://tinh.vn/a/2")
    assert all(line in below.text.split("\n") for line in lines), below.text


def test_date_shapes_two_digit_year_month_word_without_comma():
    assert parse_datetime("Cập nhật: 08/12/25 18:20") == dt.datetime(2025, 12, 8, 18, 20, tzinfo=VN_TZ)
    assert parse_datetime("10 Tháng Mười Hai 2025, 16:40") == dt.datetime(2025, 12, 10, 16, 40, tzinfo=VN_TZ)
    assert parse_datetime("10 tháng Chín 2025") == dt.datetime(2025, 9, 10, tzinfo=VN_TZ)
    assert parse_datetime("trong 12 tháng năm 2025, tỉnh") is None  # prose: no capital, no comma, no time
    assert parse_datetime("tỷ lệ 12/9/25 hộ") is None  # a two-digit year needs its time
    assert parse_datetime("ngày 08/12/2025 18:20") == dt.datetime(2025, 12, 8, 18, 20, tzinfo=VN_TZ)


def test_a_time_in_words_on_the_date_line_is_read_and_in_the_text_is_not():
    got = extract_page(_page("<div class='meta'>9 giờ 15 phút, ngày 05/11/2025</div>"), "https://tinh.vn/a/3")
    assert got.published_at == dt.datetime(2025, 11, 5, 9, 15, tzinfo=VN_TZ)
    notice = _page("<div class='meta'>Ngày 05/11/2025</div>",
                   "<p>Thời gian: 7 giờ 30 phút, ngày 15/11/2025 tại hội trường.</p>")
    assert extract_page(notice, "https://tinh.vn/a/4").published_at == dt.datetime(2025, 11, 5, tzinfo=VN_TZ)


def test_a_schedule_tables_repeated_time_cells_all_stay():
    rows = "".join(f"<tr><td>{day}</td><td>{t}</td><td>Thường trực Huyện ủy làm việc với xã số {n} về công tác "
                   f"chuẩn bị đại hội.</td></tr>"
                   for n, (day, t) in enumerate((("Thứ Hai 10/3", "08h00"), ("Thứ Ba 11/3", "08h00"),
                                                 ("Thứ Tư 12/3", "Sáng"), ("Thứ Năm 13/3", "Sáng"))))
    page = (f"<html><head><title>Lịch công tác tuần</title></head><body><main><h1>Lịch công tác tuần</h1>"
            f"<p>Văn phòng Huyện ủy thông báo lịch công tác tuần của Thường trực Huyện ủy như sau:</p>"
            f"<table border='1'>{rows}</table></main></body></html>").encode("utf-8")
    lines = extract_page(page, "https://huyen.vn/lich").text.split("\n")
    assert lines.count("08h00") == 2 and lines.count("Sáng") == 2, lines


def test_a_byline_box_named_by_id_with_a_nested_credit_label():
    got = extract_page(_page("<div id='NewsPostDetailAuthor'><strong>Tác giả:</strong> Bài, ảnh: Y Blăk</div>"),
                       "https://tinh.vn/a/5")
    assert got.author == "Y Blăk" and got.photo_credit == "Y Blăk"


def test_a_links_arrows_do_not_hide_its_label():
    rules = load_rules()
    assert rules.is_chrome_line("« Quay lại") and rules.is_chrome_line("Xem thêm »")
    assert not rules.is_chrome_line("► Thưa ông, kỳ họp lần này có gì mới?")


def test_a_box_label_above_the_headline_is_chrome_and_a_label_in_the_text_stays():
    page = (f"<html><head><title>{_TITLE}</title></head><body>"
            f"<main><p><b>Bản tin nội bộ:</b></p><h1>{_TITLE}</h1><p>{_LEAD}</p><p>Các đại biểu thống nhất:</p>"
            f"<p>{_TEXT}</p></main>"
            f"</body></html>").encode("utf-8")
    lines = extract_page(page, "https://tinh.vn/a/6").text.split("\n")
    assert "Bản tin nội bộ:" not in lines and "Các đại biểu thống nhất:" in lines, lines
    headless = page.replace(f"<h1>{_TITLE}</h1>".encode(), b"").replace(f"<title>{_TITLE}</title>".encode(), b"")
    assert "Các đại biểu thống nhất:" in extract_page(headless, "https://tinh.vn/a/7").text.split("\n")
