"""A review helper's attacks on the rules added for holdouts 14-17 (stamps, sidebars, bylines, headlines, one <time>,
classification's no-meeting, training and non-state rules): each broke the first version of a rule; each must hold."""

import datetime as dt

import pytest

from consumers.domain.analysis import default_classifier
from consumers.domain.dates import VN_TZ
from consumers.domain.extraction import extract_page
from consumers.domain.extraction.chrome import load_rules
from consumers.domain.extraction.stamps import is_stamp_line


def _page(body: str, title: str) -> bytes:
    return f"<html><head><meta charset='utf-8'><title>{title}</title></head><body>{body}</body></html>".encode()


# -- classification ------------------------------------------------------------------------------------------------
_MEETINGS = [
    ("Ngân hàng Chính sách xã hội tỉnh tổng kết 10 năm thực hiện Chỉ thị 40-CT/TW",
     "Sáng 15/12, Ban Thường vụ Tỉnh ủy phối hợp với Ngân hàng Chính sách xã hội tỉnh tổ chức Hội nghị tổng kết 10 năm "
     "thực hiện Chỉ thị số 40-CT/TW. Đồng chí Phó Bí thư Thường trực Tỉnh ủy chủ trì hội nghị.\nHội nghị đã thảo luận, "
     "đánh giá kết quả và đề ra giải pháp trong thời gian tới."),
    ("Ban Thường vụ Tỉnh ủy họp cho ý kiến về Đề án đào tạo, bồi dưỡng, tập huấn cán bộ cơ sở",
     "Chiều 10/12, Ban Thường vụ Tỉnh ủy họp cho ý kiến về Đề án đào tạo, bồi dưỡng, tập huấn cán bộ cơ sở giai đoạn "
     "2026 - 2030. Đồng chí Bí thư Tỉnh ủy chủ trì cuộc họp.\nCác đại biểu thảo luận, thống nhất với dự thảo đề án."),
    ("HĐND tỉnh chất vấn về công tác đào tạo, tập huấn nghề cho lao động nông thôn",
     "Sáng 11/12, tiếp tục chương trình Kỳ họp thứ 30, HĐND tỉnh khóa XVIII tiến hành phiên chất vấn và trả lời chất "
     "vấn. Đồng chí Chủ tịch HĐND tỉnh chủ trì phiên chất vấn.\nNội dung chất vấn tập trung vào đào tạo nghề."),
    ("Ngân hàng Nhà nước chi nhánh tỉnh phối hợp UBND tỉnh tổ chức hội nghị kết nối ngân hàng - doanh nghiệp",
     "Chiều 20/12, Ngân hàng Nhà nước chi nhánh tỉnh phối hợp với UBND tỉnh tổ chức hội nghị kết nối ngân hàng - doanh "
     "nghiệp năm 2025. Đồng chí Chủ tịch UBND tỉnh chủ trì hội nghị.\nDoanh nghiệp phản ánh khó khăn về vốn."),
    ("Đối thoại giữa Chủ tịch UBND tỉnh với doanh nghiệp năm 2025",
     "Chiều 20/12, Hiệp hội Doanh nghiệp tỉnh phối hợp với UBND tỉnh tổ chức Hội nghị đối thoại giữa Chủ tịch UBND "
     "tỉnh với cộng đồng doanh nghiệp năm 2025. Đồng chí Chủ tịch UBND tỉnh chủ trì hội nghị."),
    ("Bồi dưỡng kiến thức quốc phòng, an ninh: Ban Thường vụ Tỉnh ủy họp",
     "Sáng 5/12, Ban Thường vụ Tỉnh ủy họp nghe báo cáo kết quả bồi dưỡng kiến thức quốc phòng, an ninh năm 2025. Đồng "
     "chí Bí thư Tỉnh ủy chủ trì."),
    ("Ban Thường vụ Tỉnh ủy cho ý kiến về Đề án sắp xếp đơn vị hành chính",
     "Chiều 10/12, Ban Thường vụ Tỉnh ủy nghe và cho ý kiến về Đề án sắp xếp đơn vị hành chính cấp xã. Đồng chí Bí thư "
     "Tỉnh ủy điều hành.\nCác đồng chí Ủy viên Ban Thường vụ thống nhất với phương án."),
]


@pytest.mark.parametrize("title,text", _MEETINGS)
def test_state_meetings_near_training_bank_and_association_words_stay_reports(title, text):
    assert default_classifier().classify(title, text).is_meeting_report


# -- extraction ----------------------------------------------------------------------------------------------------
def test_platform_and_law_sentences_and_time_ranges_are_not_chrome():
    rules = load_rules()
    for line in ("Trang web được xây dựng trên nền công nghệ hiện đại, đáp ứng yêu cầu chuyển đổi số.",
                 "Luật Đất đai (sửa đổi lần cuối: năm 2024) quy định rõ.", "7:30-8:00", "9:30-11:00"):
        assert not rules.is_chrome_line(line), line


def test_a_notices_field_with_a_date_is_no_stamp():
    for line in ("Thời gian khai mạc: 8h00 ngày 15/12/2025", "Hạn nộp: 17h00 ngày 31/12/2025",
                 "1. Thời gian: 8h00 ngày 15/12/2025"):
        assert not is_stamp_line(line), line
    assert is_stamp_line("Người gửi: bientap Gửi lúc: 12/06/2025 09:55:40")  # a posting label is


_LEAD = ("Năm 2025, xã Mộc Bắc tập trung huy động mọi nguồn lực để xây dựng nông thôn mới nâng cao, đạt nhiều kết quả "
         "tích cực.")


@pytest.mark.parametrize("second", ["<p><b>KẾT QUẢ NỔI BẬT</b></p>", "<p><strong>Phát Huy Nội Lực</strong></p>",
                                    "<p><strong>Mộc Bắc Đổi Mới</strong></p>"])
def test_a_subheading_under_the_lead_is_no_byline_and_the_signature_stays_the_author(second):
    body = (f"<div class='main'><h1>Xã Mộc Bắc xây dựng nông thôn mới</h1><p class='sapo'>{_LEAD}</p>{second}"
            "<p>Trong năm, xã đã huy động hơn 25 tỷ đồng để đầu tư xây dựng đường giao thông nông thôn.</p>"
            "<p>Thời gian tới, xã tiếp tục nâng cao chất lượng các tiêu chí đã đạt.</p><p>Hoàng Anh</p></div>")
    got = extract_page(_page(body, "Xã Mộc Bắc xây dựng nông thôn mới"), "https://tinh.vn/tin/4")
    assert got.author == "Hoàng Anh"
    assert got.paragraphs[0] not in ("Hoàng Anh",) and "Hoàng Anh" not in got.text


def test_a_sidebar_events_time_is_not_the_post_date_and_a_zoned_attribute_is_exact():
    body = ("<div class='main'><h1>Hội nghị Ban Chấp hành Đảng bộ huyện</h1><div class='date'>Ngày đăng: 12/12/2025 "
            "08:30</div><p>Sáng 12/12, Ban Chấp hành Đảng bộ huyện tổ chức hội nghị lần thứ 18 để đánh giá tình hình "
            "thực hiện nhiệm vụ năm 2025.</p></div><div class='sidebar'><h3>Sự kiện sắp diễn ra</h3><p><a href='/sk/1'>"
            "Đại hội Đảng bộ huyện</a> <time datetime='2026-01-05'>05/01/2026</time></p></div>")
    got = extract_page(_page(body, "Hội nghị Ban Chấp hành Đảng bộ huyện"), "https://tinh.vn/tin/8")
    assert got.published_at == dt.datetime(2025, 12, 12, 8, 30, tzinfo=VN_TZ)
    body = ("<div class='main'><h1>Hội nghị Ban Chấp hành Đảng bộ huyện</h1><div class='date'><time "
            "datetime='2025-12-09T18:45:00+07:00'>09/12/2025 6:45</time></div><p>Sáng 9/12, Ban Chấp hành Đảng bộ "
            "huyện tổ chức hội nghị lần thứ 18 để đánh giá tình hình thực hiện nhiệm vụ năm 2025.</p></div>")
    got = extract_page(_page(body, "Hội nghị Ban Chấp hành Đảng bộ huyện"), "https://tinh.vn/tin/8b")
    assert got.published_at == dt.datetime(2025, 12, 9, 18, 45, tzinfo=VN_TZ)


def test_a_figures_box_beside_the_text_inside_the_article_stays():
    paras = ("<p>Chiều 12/12, UBND tỉnh tổ chức hội nghị đánh giá tình hình kinh tế - xã hội năm 2025 và triển khai "
             "nhiệm vụ năm 2026, đồng chí Chủ tịch UBND tỉnh chủ trì hội nghị.</p><p>Theo báo cáo, năm 2025 tăng trưởng "
             "kinh tế của tỉnh ước đạt 8,2%, cao nhất từ trước đến nay; thu ngân sách vượt dự toán được giao.</p>")
    box = ("<table border='1'><tr><td><b>Một số chỉ tiêu chủ yếu năm 2025</b></td></tr><tr><td>GRDP tăng 8,2%</td></tr>"
           "<tr><td>Thu ngân sách đạt 12.500 tỷ đồng</td></tr></table>")
    title = "Kinh tế - xã hội tỉnh năm 2025 đạt nhiều kết quả nổi bật"
    body = (f"<div class='main'><h1>{title}</h1><table><tr><td valign='top'>{paras}</td>"
            f"<td width='220' valign='top'>{box}</td></tr></table></div>")
    got = extract_page(_page(body, title), "https://tinh.vn/tin/3")
    assert "GRDP tăng 8,2%" in got.text.split("\n")


def test_a_related_items_shorter_title_and_a_static_sites_subheading_are_not_the_headline():
    title = "Hội nghị tổng kết công tác năm 2025 - triển khai nhiệm vụ năm 2026"
    body = (f"<div class='main'><h1 class='title'>{title}</h1><p>Sáng 12/12, Sở Nội vụ tổ chức Hội nghị tổng kết công "
            "tác năm 2025, triển khai nhiệm vụ năm 2026. Đồng chí Phó Chủ tịch UBND tỉnh dự và chỉ đạo hội nghị.</p>"
            "</div><div class='tinkhac'><h2>Tin cùng chuyên mục</h2><ul><li><h3><a href='/x'>Hội nghị tổng kết công "
            "tác năm 2025</a></h3></li></ul></div>")
    assert extract_page(_page(body, title + " - Sở Nội vụ"), "https://tinh.vn/tin/12").title == title
    body = ("<header><a href='/'>Xã Mộc Bắc</a></header><main><article><h2>Kỳ họp thứ 12 HĐND xã Mộc Bắc khóa XXI</h2>"
            "<p>Sáng 12/12, HĐND xã Mộc Bắc khóa XXI tổ chức kỳ họp thứ 12.</p><h3>Thông qua 15 nghị quyết quan trọng</h3>"
            "<p>Tại kỳ họp, các đại biểu đã thảo luận và biểu quyết thông qua 15 nghị quyết về kinh tế - xã hội, dự toán "
            "ngân sách và đầu tư công năm 2026 của xã.</p></article></main>")
    assert extract_page(_page(body, "Xã Mộc Bắc"), "https://mocbac.vn/p/12").title == \
        "Kỳ họp thứ 12 HĐND xã Mộc Bắc khóa XXI"


def test_a_books_author_in_a_definition_list_is_not_the_articles_and_stays_in_the_text():
    title = "Giới thiệu sách: Những mẩu chuyện về tấm gương đạo đức Hồ Chí Minh"
    body = (f"<div class='main'><h1>{title}</h1><p>Nhân kỷ niệm 135 năm Ngày sinh Chủ tịch Hồ Chí Minh, Thư viện tỉnh "
            "trân trọng giới thiệu tới bạn đọc cuốn sách có nhiều câu chuyện cảm động về Bác.</p><dl><dt>Tên sách</dt>"
            "<dd>Những mẩu chuyện về tấm gương đạo đức Hồ Chí Minh</dd><dt>Tác giả</dt><dd>Trần Văn Giàu</dd></dl>"
            "<p>Cuốn sách gồm 50 mẩu chuyện ngắn, kể lại những việc làm giản dị mà sâu sắc của Bác.</p><p>Minh Thu</p>"
            "</div>")
    got = extract_page(_page(body, title), "https://tinh.vn/tin/14")
    assert got.author == "Minh Thu" and "Trần Văn Giàu" in got.text.split("\n")


def test_an_interviews_closing_is_not_added_twice_and_a_poster_yields_to_the_signature():
    qa = "".join(f"<p><strong>PV: Thưa ông, kết quả nổi bật thứ {i} của kỳ họp là gì?</strong></p><p>Ông Nguyễn Văn "
                 f"Hùng: Kỳ họp đã thông qua nội dung thứ {i} liên quan trực tiếp đến đời sống người dân.</p>"
                 for i in range(1, 4))
    after = "".join(f"<p>Kỳ họp thứ 30 đã xem xét {n} báo cáo và thông qua nhiều nghị quyết quan trọng của tỉnh.</p>"
                    for n in (25, 26, 27))
    body = (f"<div class='main'><h1>Chủ tịch HĐND tỉnh trả lời phỏng vấn</h1><p class='sapo'>Nhân dịp kết thúc Kỳ họp "
            f"thứ 30, phóng viên đã trao đổi với ông Nguyễn Văn Hùng, Chủ tịch HĐND tỉnh.</p>{qa}<p><strong>PV: Xin cảm "
            f"ơn ông!</strong></p>{after}</div>")
    got = extract_page(_page(body, "Chủ tịch HĐND tỉnh trả lời phỏng vấn"), "https://tinh.vn/tin/10")
    assert got.text.count("Xin cảm ơn ông") == 1
    body = ("<div class='main'><h1>Hội nghị Ban Chấp hành Đảng bộ huyện lần thứ 18</h1><div class='info'>Đăng bởi: "
            "Nguyễn Thị Hoa</div><p>Sáng 12/12, Ban Chấp hành Đảng bộ huyện khóa XXIII tổ chức Hội nghị lần thứ 18 để "
            "đánh giá tình hình thực hiện nhiệm vụ năm 2025.</p><p>Thu Hà</p></div>")
    assert extract_page(_page(body, "Hội nghị lần thứ 18"), "https://tinh.vn/tin/9").author == "Thu Hà"
