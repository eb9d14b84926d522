"""A review helper tried to break this session's rules (holdout20–22) with inputs a portal could publish; each
confirmed break is a test here, with what the rule must still do. Inputs are the reviewer's, condensed."""

import datetime as dt
import unicodedata

from consumers.domain.analysis import default_classifier
from consumers.domain.extraction import extract_page
from consumers.domain.extraction.chrome import load_rules
from consumers.domain.extraction.stamps import is_stamp_line
from consumers.domain.officials import presiding


def _classify(title, text):
    return default_classifier().classify(title, text)


def test_a_meeting_about_a_contest_or_festival_is_still_a_meeting():
    for title, text in (
            ("Tổng kết Hội thao cán bộ, công chức tỉnh năm 2025",
             "Chiều 20/11, Ban Tổ chức Hội thao cán bộ, công chức tỉnh tổ chức hội nghị tổng kết, trao thưởng Hội thao "
             "năm 2025. Đồng chí Nguyễn Văn A, Phó Chủ tịch UBND tỉnh, Trưởng Ban tổ chức chủ trì hội nghị."),
            ("Ban Chỉ đạo Đại hội Thể dục thể thao tỉnh họp phiên thứ nhất",
             "Sáng 3/3, Ban Chỉ đạo Đại hội Thể dục thể thao tỉnh lần thứ IX họp phiên thứ nhất. Đồng chí Lê Văn C, Phó "
             "Chủ tịch UBND tỉnh, Trưởng Ban Chỉ đạo chủ trì phiên họp."),
            ("UBND tỉnh họp triển khai tổ chức Liên hoan phim Việt Nam lần thứ XXIV",
             "Chiều 10/10, UBND tỉnh họp triển khai công tác tổ chức Liên hoan phim Việt Nam lần thứ XXIV. Chủ tịch UBND "
             "tỉnh Phạm Văn D chủ trì cuộc họp. Tại cuộc họp, các sở, ngành báo cáo tiến độ chuẩn bị."),
            ("Hội đồng Thi đua - Khen thưởng tỉnh họp xét khen thưởng Hội thi nông dân giỏi",
             "Sáng 2/11, Hội đồng Thi đua - Khen thưởng tỉnh họp xét khen thưởng các tập thể, cá nhân đạt giải tại Hội "
             "thi nông dân giỏi. Đồng chí Chủ tịch UBND tỉnh, Chủ tịch Hội đồng chủ trì cuộc họp.")):
        assert _classify(title, text).is_meeting_report, title
    # ... and the event itself is still none.
    assert not _classify("Sôi nổi Hội diễn nghệ thuật quần chúng tỉnh năm 2025",
                         "Tối 8/11, Sở Văn hóa, Thể thao và Du lịch khai mạc Hội diễn nghệ thuật quần chúng tỉnh với 20 "
                         "đoàn tham gia. Đồng chí Phó Chủ tịch UBND tỉnh phát biểu khai mạc.").is_meeting_report


def test_a_preview_whose_only_future_word_is_its_expected_length_is_no_report():
    got = _classify("HĐND tỉnh chuẩn bị Kỳ họp thứ 12",
                    "Kỳ họp thứ 12 HĐND tỉnh khóa X dự kiến diễn ra trong 3 ngày, từ ngày 8 đến ngày 10/12/2025. Tại kỳ "
                    "họp, HĐND tỉnh xem xét 25 báo cáo, tờ trình và dự thảo nghị quyết; Chủ tịch HĐND tỉnh chủ trì phiên "
                    "chất vấn.")
    assert not got.is_meeting_report, got


def test_a_reported_meeting_that_lists_its_events_fields_is_a_report():
    got = _classify("UBND tỉnh họp triển khai tổ chức Lễ kỷ niệm 50 năm thành lập tỉnh",
                    "Chiều 5/11, đồng chí Nguyễn Văn A, Chủ tịch UBND tỉnh chủ trì cuộc họp triển khai công tác tổ chức Lễ "
                    "kỷ niệm 50 năm thành lập tỉnh. Cuộc họp thống nhất phương án tổ chức buổi lễ như sau. Thời gian: 8 "
                    "giờ ngày 20/12/2025. Địa điểm: Quảng trường trung tâm tỉnh. Chủ tịch UBND tỉnh giao Sở Văn hóa chủ "
                    "trì xây dựng kịch bản chi tiết.")
    assert got.is_meeting_report and "rule:notice-fields" not in got.evidence, got


def test_a_ministrys_online_meeting_keeps_the_provinces_end_out_of_the_chairs():
    assert presiding("Sáng 12/11, Bộ Y tế tổ chức hội nghị trực tuyến với 34 tỉnh, thành phố về công tác phòng, chống "
                     "sốt xuất huyết. Đồng chí Lê Thị Hoa, Phó Chủ tịch UBND tỉnh chủ trì tại điểm cầu tỉnh.") == []
    chairs = presiding("Chiều 5/12, Bộ Nông nghiệp và Môi trường tổ chức hội nghị trực tuyến tổng kết công tác phòng, "
                       "chống thiên tai năm 2025. Thứ trưởng Nguyễn Hoàng Hiệp chủ trì hội nghị. Tại điểm cầu tỉnh, đồng "
                       "chí Trần Văn Bình, Phó Chủ tịch UBND tỉnh chủ trì.")
    assert [c["name"] for c in chairs] == ["Nguyễn Hoàng Hiệp"]


_T = "Phường Tân Định tổ chức đối thoại với người dân về chỉnh trang đô thị"


def _page(body: str, title: str = _T) -> bytes:
    return (f"<html><head><title>{title}</title></head><body><main><h1>{title}</h1>{body}</main></body></html>"
            ).encode("utf-8")


def test_an_events_time_in_the_text_does_not_outrank_the_posting_stamp():
    for event in ("Buổi đối thoại diễn ra vào Thứ Năm, 14/08/2025 (8h00) tại Hội trường UBND phường.",
                  "Buổi đối thoại diễn ra vào ngày 20 tháng 8 năm 2025, lúc 8 giờ 00 tại Hội trường UBND phường."):
        got = extract_page(_page("<p>Thực hiện kế hoạch năm 2025, UBND phường Tân Định tổ chức buổi đối thoại với người "
                                 f"dân về công tác chỉnh trang đô thị.</p><p>{event}</p><p>UBND phường đề nghị các tổ dân "
                                 "phố thông tin rộng rãi đến người dân.</p><p class='date'>12/08/2025 16:20</p>"),
                           "https://p.vn/a")
        assert got.published_at.replace(tzinfo=None) == dt.datetime(2025, 8, 12, 16, 20), (event, got.published_at)


def test_a_leads_hom_nay_la_ngay_keeps_its_date():
    got = extract_page(_page("<p>Hôm nay là ngày 19/5/2025, Đảng bộ, chính quyền và Nhân dân xã Kim Liên long trọng tổ "
                             "chức Lễ kỷ niệm 135 năm Ngày sinh Chủ tịch Hồ Chí Minh.</p><p>Đồng chí Bí thư Đảng ủy xã đọc "
                             "diễn văn ôn lại cuộc đời, sự nghiệp cách mạng vẻ vang của Người.</p>",
                             "Kỷ niệm 135 năm Ngày sinh Chủ tịch Hồ Chí Minh"), "https://p.vn/b")
    assert got.published_at is not None and got.published_at.date() == dt.date(2025, 5, 19)


def test_a_decomposed_headline_keeps_the_date_printed_just_above_it():
    title = unicodedata.normalize("NFD", "Ủy ban nhân dân phường họp phiên thường kỳ tháng 11 đánh giá tình hình kinh tế")
    page = (f"<html><head><title>{title}</title></head><body><header><h1>Phường Hải Châu</h1></header><main>"
            f"<p class='date'>07/11/2025 16:00</p><h2 class='title'>{title}</h2><p>Chiều 7/11, UBND phường họp phiên "
            "thường kỳ tháng 11 để đánh giá tình hình kinh tế - xã hội và cho ý kiến vào các tờ trình.</p><p>Chủ tịch "
            "UBND phường chủ trì phiên họp; các phòng báo cáo tiến độ giải ngân vốn đầu tư công.</p></main><aside><p>"
            "Lịch tiếp công dân 20/11/2025 08:00</p></aside></body></html>")
    got = extract_page(page.encode("utf-8"), "https://p.vn/c")
    assert got.published_at.replace(tzinfo=None) == dt.datetime(2025, 11, 7, 16, 0), got.published_at


def test_an_hatom_updated_time_that_is_the_pages_only_date_is_read():
    for meta in ("<span class='updated'>Cập nhật: <time datetime='2025-08-14T09:05:00+07:00'>3 ngày trước</time></span>",
                 "<time class='updated' datetime='2025-08-14T09:05:00+07:00'>3 ngày trước</time>"):
        page = ("<html><head><title>UBND xã triển khai chuyển đổi số</title></head><body><article><h1>UBND xã triển khai "
                f"chuyển đổi số</h1><div class='post-meta'>{meta}</div><p>Sáng nay, UBND xã Tân Phú tổ chức hội nghị "
                "triển khai kế hoạch chuyển đổi số năm 2025 với các tổ công nghệ số cộng đồng.</p><p>Chủ tịch UBND xã "
                "chủ trì hội nghị và giao nhiệm vụ cho từng thôn, ấp.</p></article></body></html>")
        got = extract_page(page.encode("utf-8"), "https://p.vn/d")
        assert got.published_at == dt.datetime(2025, 8, 14, 9, 5, tzinfo=got.published_at.tzinfo), meta


def test_a_masthead_header_inside_main_is_still_the_masthead():
    title = "UBND tỉnh họp phiên thường kỳ tháng 10 năm 2025"
    page = ("<html><head><title>Cổng thông tin điện tử tỉnh Quảng Trị</title></head><body><main><header><h1>ỦY BAN "
            "NHÂN DÂN TỈNH QUẢNG TRỊ</h1><p class='description'>Cổng thông tin điện tử chính thức của tỉnh Quảng Trị</p>"
            f"</header><div class='content'><h2>{title}</h2><p>31/10/2025 17:05</p><p>Chiều 31/10, UBND tỉnh họp phiên "
            "thường kỳ tháng 10 để đánh giá tình hình kinh tế - xã hội và cho ý kiến vào các tờ trình.</p><p>Chủ tịch "
            "UBND tỉnh chủ trì phiên họp; các sở báo cáo tiến độ giải ngân vốn đầu tư công.</p></div></main></body>"
            "</html>")
    got = extract_page(page.encode("utf-8"), "https://p.vn/e")
    assert got.title == title and "Cổng thông tin điện tử chính thức" not in got.lead, (got.title, got.lead)


_BODY = ("<p>Chiều 31/10, UBND tỉnh họp phiên thường kỳ tháng 10 để đánh giá tình hình kinh tế - xã hội và cho ý kiến "
         "vào các tờ trình trình Kỳ họp HĐND tỉnh cuối năm.</p><p>Chủ tịch UBND tỉnh chủ trì phiên họp; các sở báo "
         "cáo tiến độ giải ngân vốn đầu tư công.</p>")


def test_a_picture_beside_a_sentence_in_a_plain_block_is_no_figure():
    sentence = "Tổng thu ngân sách 10 tháng đạt 12.450 tỷ đồng, bằng 91% dự toán năm, tăng 8% so với cùng kỳ."
    for block in (f"<div><img src='bieudo.png' alt='Biểu đồ'><p>{sentence}</p></div>",
                  f"<div class='note'><img src='icon-info.png' alt=''><span>{sentence}</span></div>"):
        got = extract_page(_page(_BODY + block + "<p>Các đại biểu thống nhất đề nghị tỉnh sớm phân bổ vốn.</p>",
                                 "UBND tỉnh họp phiên thường kỳ tháng 10"), "https://p.vn/f")
        assert sentence in got.text and got.captions == [], block


def test_a_subheading_under_a_photo_stays_a_subheading():
    body = ("<p>Sáng 5/12, Ban Chấp hành Đảng bộ tỉnh tổ chức Hội nghị lần thứ 5 để đánh giá kết quả thực hiện nhiệm vụ "
            "năm 2025.</p><h5>Kinh tế tăng trưởng khá</h5><p>Năm 2025, tốc độ tăng trưởng kinh tế của tỉnh ước đạt 8,2%, "
            "cao hơn mức bình quân chung của cả nước.</p><p style='text-align:center'><img src='/upload/hn5.jpg' alt=''>"
            "</p><h5>Tập trung tháo gỡ khó khăn cho các dự án</h5><p>Phát biểu kết luận, đồng chí Bí thư Tỉnh ủy yêu cầu "
            "các cấp, các ngành tập trung tháo gỡ khó khăn cho các dự án trọng điểm.</p>")
    got = extract_page(_page(body, "Hội nghị Ban Chấp hành Đảng bộ tỉnh lần thứ 5"), "https://p.vn/g")
    assert "Tập trung tháo gỡ khó khăn cho các dự án" in got.text.split("\n") and got.captions == []


def test_a_place_named_mong_signs_as_an_office():
    office = "Văn phòng HĐND và UBND xã Mong Thọ"
    page = ("<html><head><title>Xã Mong Thọ ra quân tổng vệ sinh môi trường</title></head><body><main><h2 class='title'>"
            "Xã Mong Thọ ra quân tổng vệ sinh môi trường</h2><div class='body'><p>Sáng 7/12, UBND xã tổ chức ra quân tổng "
            "vệ sinh môi trường, khơi thông cống rãnh tại các ấp với hơn 300 cán bộ, đoàn viên và người dân.</p><p>Dịp "
            "này, xã phát động phong trào xây dựng tuyến đường xanh - sạch - đẹp.</p><p style='text-align:right'><i>"
            f"{office}</i></p></div></main></body></html>")
    assert extract_page(page.encode("utf-8"), "https://p.vn/h").author == office


def test_posting_words_inside_a_sentence_are_words():
    assert not is_stamp_line("Người dân đọc, xem và gửi góp ý trước 17 giờ ngày 20/12/2025.")
    assert is_stamp_line("Đăng bởi Hồ Thanh Tâm (thực hiện) · Thứ Ba, 2 tháng 12, 2025")


def test_a_newspaper_under_a_source_label_is_no_writer_and_a_plans_section_is_no_credit():
    def tail(label, source):
        return extract_page(_page(_BODY + f"<p>{label}</p><p>{source}</p>", "Tỉnh triển khai tiêm vắc xin sởi"),
                            "https://p.vn/i")
    newspaper = tail("Nguồn", "Báo Quảng Ninh")
    assert newspaper.author is None and "Báo Quảng Ninh" not in newspaper.text
    plan = tail("Thực hiện:", "Phòng Văn hóa - Xã hội xã")
    assert plan.author is None and "Phòng Văn hóa - Xã hội xã" in plan.text


def test_the_board_compiling_names_nobody():
    rules = load_rules()
    for name in ("Ban Biên tập", "Ban biên tập tổng hợp", "Ban Biên tập (tổng hợp)", "Ban Biên tập - ST",
                 "Ban biên tập sưu tầm"):
        assert rules.is_placeholder_author(name), name
    assert not rules.is_placeholder_author("Ban Biên tập Cổng TTĐT xã")


def test_a_photos_caption_classed_by_its_placement_is_still_a_caption():
    got = extract_page(_page("<p>Chiều 31/10, UBND tỉnh họp phiên thường kỳ tháng 10 để đánh giá tình hình kinh tế - xã "
                             "hội.</p><p style='text-align:center'><img src='a.jpg' alt=''></p><p class='caption-bottom'>"
                             "Chủ tịch UBND tỉnh phát biểu kết luận phiên họp.</p><p>Chủ tịch UBND tỉnh chủ trì phiên họp; "
                             "các sở báo cáo tiến độ giải ngân vốn đầu tư công.</p>", "UBND tỉnh họp phiên thường kỳ"),
                       "https://p.vn/j")
    assert got.captions == ["Chủ tịch UBND tỉnh phát biểu kết luận phiên họp."]
