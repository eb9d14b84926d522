"""Generic rules found on holdout10 (spent): a body field whose class says "summary" is no lead, Central
Highlands names with an apostrophe as trailing bylines, a date and a counter each in brackets, a visit date
"Thứ Bảy - 29/11/2025" (and day headings of that form kept), a time in words after a date in words, and an
announcement's closing formula that is no byline."""

from consumers.domain.dates import parse_datetime
from consumers.domain.extraction import extract_page
from consumers.domain.extraction.chrome import load_rules

_TITLE = "Hội nghị Ban Chấp hành Đảng bộ huyện lần thứ 24"
_PARAS = ["Ngày 17/12, Ban Chấp hành Đảng bộ huyện tổ chức Hội nghị lần thứ 24 để đánh giá kết quả thực hiện nhiệm "
          "vụ năm 2024. Đồng chí Bí thư Huyện ủy chủ trì hội nghị.",
          "Năm 2024, tổng giá trị sản xuất trên địa bàn huyện ước đạt 21.640 tỷ đồng, tăng 7,6% so với năm trước.",
          "Kết luận hội nghị, Bí thư Huyện ủy đề nghị các cấp ủy tập trung chuẩn bị tốt đại hội đảng bộ các cấp."]


def _page(body: str, title: str = _TITLE) -> bytes:
    return (f"<html><head><title>{title}</title></head><body><main><article><h1>{title}</h1>{body}</article>"
            "</main></body></html>").encode("utf-8")


def test_a_body_field_named_with_summary_is_not_the_lead_and_an_apostrophe_name_is_the_byline():
    body = ("<div class='field field-name-body field-type-text-with-summary'>"
            + "".join(f"<p>{p}</p>" for p in _PARAS) + "<p>H'Nga Byă</p></div>")
    got = extract_page(_page(body), "https://krongpac.vn/tin/1")
    assert got.lead == _PARAS[0]
    assert got.text.split("\n") == _PARAS  # the lead once, then the paragraphs
    assert got.author == "H'Nga Byă"


def test_brackets_dashes_and_dates_in_words():
    rules = load_rules()
    assert rules.is_chrome_line("[13/12/2024] (Đã xem: 145)")
    assert rules.is_chrome_line("Thứ Bảy - 29/11/2025")
    assert not rules.is_chrome_line("(Ngày 13/12/2024, HĐND huyện khai mạc kỳ họp thứ 15)")
    published = parse_datetime("Đăng ngày 5 tháng 12 năm 2024 - 17 giờ 20")
    assert (published.day, published.month, published.hour, published.minute) == (5, 12, 17, 20)
    # A time in words before a numeric date is an event's time in an announcement, not a stamp.
    assert parse_datetime("Thời gian: 7 giờ 30 ngày 15/9/2024").hour == 0


def test_a_day_heading_with_a_dash_stays_in_a_schedule():
    days = ("<p>THỨ HAI - 24/11/2025</p><p>08h00 - Chủ tịch UBND thành phố chủ trì giao ban.</p>"
            "<p>THỨ TƯ - 26/11/2025</p><p>Cả ngày - Phiên họp UBND thành phố thường kỳ tháng 11.</p>")
    got = extract_page(_page(f"<p>{_PARAS[0]}</p>{days}", title="Lịch công tác tuần của lãnh đạo UBND thành phố"),
                       "https://haiphong.vn/lich/48")
    for heading in ("THỨ HAI - 24/11/2025", "THỨ TƯ - 26/11/2025"):
        assert heading in got.text.split("\n")


def test_an_announcements_closing_formula_is_no_byline():
    body = (f"<p>{_PARAS[0]}</p><p>{_PARAS[1]}</p>"
            "<p>Thường trực HĐND tỉnh trân trọng thông báo.</p>")
    got = extract_page(_page(body, title="Thông báo lịch tiếp công dân của Thường trực HĐND tỉnh"),
                       "https://hdnd.vn/tb/1")
    assert got.author is None
    assert "Thường trực HĐND tỉnh trân trọng thông báo." in got.text.split("\n")
