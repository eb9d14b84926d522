"""Generic rules found on holdout19 (spent, the set written after the session's work): posting records outside the
text name the author when nothing else does, an office credited as "Nguồn:" in a byline box, a camera credit, a TV
programme's "05.30 – …" items. Classification: the council standing body's "giao ban" is reported when its chair
"điều hành cuộc họp", and a briefing without the Secretariat is no Secretariat briefing."""

from consumers.domain.analysis import default_classifier
from consumers.domain.extraction import extract_page

_TITLE = "Phường tổ chức tiếp xúc cử tri trước kỳ họp"
_TEXT = ("<p>Chiều 28/11, Tổ đại biểu HĐND phường tổ chức tiếp xúc cử tri khu phố 3 trước kỳ họp cuối năm 2025 của "
         "HĐND phường.</p><p>Cử tri kiến nghị sớm sửa chữa tuyến đường nội khu và bổ sung đèn chiếu sáng công cộng.</p>")


def _page(inner: str, outside: str = "") -> bytes:
    return (f"<html><head><title>{_TITLE}</title></head><body><main><h1>{_TITLE}</h1>{inner}</main>"
            f"<div class='meta'>{outside}</div></body></html>").encode("utf-8")


def test_a_posting_record_outside_the_text_names_the_author_last():
    got = extract_page(_page(_TEXT, "Đăng bởi: <a href='/a'>Ngọc Mai</a>, ngày 28 tháng 11 năm 2025 lúc 19 giờ 30 "
                                    "phút"), "https://p.vn/1")
    assert got.author == "Ngọc Mai"
    got = extract_page(_page(_TEXT + "<p>Thu Hà</p>", "Đăng bởi: <a href='/a'>Ngọc Mai</a>, ngày 28 tháng 11 năm "
                                                      "2025"), "https://p.vn/2")
    assert got.author == "Thu Hà"  # the signature outranks the poster
    got = extract_page(_page(_TEXT, "Đăng bởi: admin, ngày 28 tháng 11 năm 2025"), "https://p.vn/3")
    assert got.author is None


def test_an_office_named_as_source_in_a_byline_box_and_a_camera_credit():
    got = extract_page(_page(_TEXT + "<p class='byline'>Nguồn: Văn phòng Đoàn ĐBQH và HĐND tỉnh</p>"), "https://p.vn/4")
    assert got.author == "Văn phòng Đoàn ĐBQH và HĐND tỉnh"
    got = extract_page(_page(_TEXT + "<p class='byline'>Nguồn: Báo Nhân Dân</p>"), "https://p.vn/5")
    assert got.author != "Báo Nhân Dân"
    got = extract_page(_page(_TEXT + "<p class='byline'>Minh Huệ | Quay phim: Đức Toàn</p>"), "https://p.vn/6")
    assert got.author == "Minh Huệ" and got.photo_credit == "Đức Toàn"


def test_a_tv_programmes_items_repeated_on_two_days_stay():
    days = "".join(f"<h3>{d}</h3><p>05.30 – Chào buổi sáng</p><p>{t} – Thời sự tổng hợp</p>"
                   for d, t in (("Thứ Bảy, 13/12/2025", "06.00"), ("Chủ nhật, 14/12/2025", "06.15")))
    page = (f"<html><head><title>Lịch phát sóng cuối tuần</title></head><body><main><h1>Lịch phát sóng cuối tuần</h1>"
            f"<p>Đài Phát thanh và Truyền hình tỉnh giới thiệu lịch phát sóng kênh truyền hình cuối tuần.</p>{days}"
            f"</main></body></html>").encode("utf-8")
    lines = extract_page(page, "https://p.vn/7").text.split("\n")
    assert lines.count("05.30 – Chào buổi sáng") == 2, lines


def test_the_standing_bodys_monthly_briefing_is_a_report_and_no_secretariat_briefing():
    classifier = default_classifier()
    got = classifier.classify("Thường trực HĐND tỉnh họp giao ban tháng 11",
                              "Sáng 3/11, Thường trực HĐND tỉnh Lâm Đồng họp giao ban tháng 11 để cho ý kiến về công tác "
                              "chuẩn bị kỳ họp thường lệ cuối năm.\nPhó Chủ tịch HĐND tỉnh Ka Thị Hòa điều hành cuộc họp.")
    assert got.is_meeting_report
    got = classifier.classify("Thường trực HĐND tỉnh giao ban với Thường trực HĐND các xã, phường quý III",
                              "Sáng 16/10, Thường trực HĐND tỉnh tổ chức hội nghị giao ban trực tuyến với Thường trực "
                              "HĐND 104 xã, phường.\nBà Đào Thu Hiền, Chủ tịch HĐND tỉnh chủ trì hội nghị.")
    assert got.is_meeting_report and got.meeting_type != "standing_secretariat_briefing", got
