"""Date shapes found on the spent holdout21: a date in words with ", lúc 17 giờ 05", a time in brackets after a
numeric date, and a visit date labelled "Hôm nay là 17 thg 8, 2025" (no colon, no weekday)."""

import datetime as dt

from consumers.domain.dates import parse_datetime
from consumers.domain.extraction import extract_page

_TITLE = "UBND tỉnh họp phiên thường kỳ tháng 10"
_TEXT = ("<p>Chiều 31/10, UBND tỉnh họp phiên thường kỳ tháng 10 để đánh giá tình hình kinh tế - xã hội và cho ý kiến "
         "vào các tờ trình trình Kỳ họp HĐND tỉnh cuối năm.</p><p>Chủ tịch UBND tỉnh chủ trì phiên họp; các sở báo "
         "cáo tiến độ giải ngân vốn đầu tư công.</p>")


def _at(text: str) -> tuple:
    value = parse_datetime(text)
    return value and (value.year, value.month, value.day, value.hour, value.minute)


def test_a_stamps_time_after_comma_lúc_or_in_brackets_is_read_on_the_date_line():
    # The date patterns read the day; the extractor reads the time after it on the date line (see
    # test_review_attacks_third: in a sentence it is an event's time or a deadline's).
    assert _at("Đăng ngày 31 tháng 10 năm 2025, lúc 17 giờ 05")[:3] == (2025, 10, 31)
    for line, want in (("Đăng ngày 31 tháng 10 năm 2025, lúc 17 giờ 05", dt.datetime(2025, 10, 31, 17, 5)),
                       ("14/10/2025 (09:05)", dt.datetime(2025, 10, 14, 9, 5)),
                       ("Cập nhật: 14/10/2025 (09h05)", dt.datetime(2025, 10, 14, 9, 5))):
        page = (f"<html><head><title>{_TITLE}</title></head><body><main><h1>{_TITLE}</h1><p class='date'>{line}</p>"
                f"{_TEXT}</main></body></html>").encode("utf-8")
        got = extract_page(page, "https://p.vn/x")
        assert got.published_at.replace(tzinfo=None) == want, (line, got.published_at)
    # A bracket holding something other than the time leaves the day alone.
    assert _at("14/08/2025 (Thứ Năm)") == (2025, 8, 14, 0, 0)


def _page(stamp_above: str, stamp_below: str) -> bytes:
    return (f"<html><head><title>{_TITLE}</title></head><body><header><p>{stamp_above}</p></header><main>"
            f"<h1>{_TITLE}</h1>{_TEXT}<p class='date'>{stamp_below}</p></main></body></html>").encode("utf-8")


def test_a_page_reads_the_posts_stamp_in_these_shapes():
    for stamp, want in (("Đăng ngày 31 tháng 10 năm 2025, lúc 17 giờ 05", dt.datetime(2025, 10, 31, 17, 5)),
                        # below the text a bracketed time needs its posting word (a sentence's is an event's)
                        ("Ngày đăng: 31/10/2025 (17:05)", dt.datetime(2025, 10, 31, 17, 5)),
                        ("31 thg 10, 2025 lúc 5:05 chiều", dt.datetime(2025, 10, 31, 17, 5))):
        got = extract_page(_page("Hôm nay là 02 thg 11, 2025", stamp), "https://p.vn/a")
        assert got.published_at is not None and got.published_at.replace(tzinfo=None) == want, (stamp, got.published_at)


def test_hôm_nay_là_before_a_date_is_a_visit_date_but_a_leads_hôm_nay_keeps_its_date():
    got = extract_page(_page("Hôm nay là 02/11/2025", "31/10/2025 17:05"), "https://p.vn/b")
    assert got.published_at.replace(tzinfo=None) == dt.datetime(2025, 10, 31, 17, 5)
    lead = (f"<html><head><title>{_TITLE}</title></head><body><main><h1>{_TITLE}</h1><p>Hôm nay, ngày 31/10/2025, "
            "UBND tỉnh họp phiên thường kỳ tháng 10 để đánh giá tình hình kinh tế - xã hội.</p><p>Chủ tịch UBND tỉnh "
            "chủ trì phiên họp; các sở báo cáo tiến độ giải ngân vốn đầu tư công và công tác chuẩn bị kỳ họp.</p>"
            "</main></body></html>").encode("utf-8")
    assert extract_page(lead, "https://p.vn/c").published_at.date() == dt.date(2025, 10, 31)


def test_a_date_inside_the_headline_is_the_headlines_not_the_pages():
    title = "Lịch làm việc tuần của lãnh đạo phường (10/11 - 14/11/2025)"
    page = (f"<html><head><title>{title}</title></head><body><header><h1>Phường Hải Châu</h1></header><main>"
            f"<h2 class='title'>{title}</h2><p>Thứ Hai 10/11</p><p>7h30 — Chủ tịch UBND phường chủ trì giao ban "
            "tuần.</p><p>14h00 — Phó Chủ tịch UBND phường làm việc với các tổ dân phố về chỉnh trang đô thị.</p>"
            "<p>Văn phòng HĐND và UBND phường</p><p class='date'>8 thg 11, 2025 lúc 11:00 trưa</p></main></body>"
            "</html>").encode("utf-8")
    got = extract_page(page, "https://p.vn/d")
    assert got.published_at.replace(tzinfo=None) == dt.datetime(2025, 11, 8, 11, 0), got.published_at
    # A date printed just above the headline (Joomla K2) still wins over dates after the body.
    above = page.replace("<h2 class='title'>".encode(), b"<p class='date'>07/11/2025 16:00</p><h2 class='title'>")
    assert extract_page(above, "https://p.vn/e").published_at.replace(tzinfo=None) == dt.datetime(2025, 11, 7, 16, 0)


def _article(body: str, title: str = _TITLE) -> bytes:
    return (f"<html><head><title>{title}</title></head><body><main><h1>{title}</h1>{_TEXT}{body}"
            "<p>Các đại biểu thống nhất đề nghị tỉnh sớm phân bổ vốn cho các công trình cấp bách.</p></main></body>"
            "</html>").encode("utf-8")


def test_a_picture_and_its_line_alone_in_a_block_is_a_figure():
    got = extract_page(_article("<div class='image'><img src='a.jpg' alt=''><p>Quang cảnh phiên họp thường kỳ.</p>"
                                "</div>"), "https://p.vn/f")
    assert got.captions == ["Quang cảnh phiên họp thường kỳ."] and "Quang cảnh" not in got.text
    # A block of a picture with several paragraphs, or a long one, is the article's text.
    long = ("Các sở, ngành báo cáo kết quả giải ngân vốn đầu tư công đạt 62% kế hoạch, cao hơn cùng kỳ năm trước; "
            "phiên họp thống nhất giao Sở Tài chính rà soát, điều chuyển vốn từ các dự án chậm giải ngân sang các dự "
            "án có khối lượng hoàn thành.")
    got = extract_page(_article(f"<div><img src='a.jpg' alt=''><p>{long}</p></div>"), "https://p.vn/g")
    assert long in got.text and got.captions == []


def test_a_smallest_heading_under_a_picture_is_its_caption():
    got = extract_page(_article("<p><img src='a.jpg' alt=''></p><h6>Chủ tịch UBND tỉnh phát biểu kết luận phiên họp."
                                "</h6>"), "https://p.vn/h")
    assert got.captions == ["Chủ tịch UBND tỉnh phát biểu kết luận phiên họp."]
    assert "kết luận phiên họp" not in got.text


def test_an_announcements_closing_apology_is_text_not_its_signing_office():
    title = "Thông báo tạm ngừng tiếp nhận hồ sơ đất đai để nâng cấp hệ thống"
    page = (f"<html><head><title>{title}</title></head><body><main><h2 class='title'>{title}</h2><div class='body'>"
            "<p><i>UBND phường thông báo tạm ngừng tiếp nhận hồ sơ lĩnh vực đất đai trong hai ngày để nâng cấp phần "
            "mềm một cửa điện tử.</i></p><p>Các hồ sơ lĩnh vực khác vẫn được tiếp nhận bình thường tại Trung tâm Phục "
            "vụ hành chính công phường.</p><p>UBND phường mong người dân, tổ chức thông cảm.</p>"
            "<p style='text-align:right'><i>Văn phòng HĐND và UBND phường</i></p></div></main></body></html>")
    got = extract_page(page.encode("utf-8"), "https://p.vn/i")
    assert "UBND phường mong người dân, tổ chức thông cảm." in got.text
    assert got.author == "Văn phòng HĐND và UBND phường"


def test_a_posting_line_with_a_long_credit_above_the_lead_is_chrome():
    from consumers.domain.extraction.stamps import is_stamp_line

    assert is_stamp_line("Đăng bởi Hồ Thanh Tâm (thực hiện) · Thứ Ba, 2 tháng 12, 2025")
    # ... but not a sentence with a date: eight words besides the posting word.
    assert not is_stamp_line("Người dân đăng ký trước ngày 20/12/2025 tại bộ phận một cửa của xã để được hỗ trợ")
