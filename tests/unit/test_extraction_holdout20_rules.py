"""Rules found on holdout20 (spent, the last set of the session): a credit followed by its posting stamp on one
line, "Lượt xem trang này: N", a business's customer conference."""

from consumers.domain.analysis import default_classifier
from consumers.domain.extraction import extract_page
from consumers.domain.extraction.chrome import load_rules

_TITLE = "Hội nghị Ban Chấp hành Đảng bộ huyện lần thứ 30"
_TEXT = ("<p>Ngày 6/3, Ban Chấp hành Đảng bộ huyện tổ chức hội nghị lần thứ 30 để đánh giá kết quả thực hiện nhiệm vụ "
         "quý I và bàn nhiệm vụ trọng tâm thời gian tới.</p><p>Hội nghị thống nhất các giải pháp thúc đẩy giải ngân "
         "vốn đầu tư công.</p>")


def test_a_credit_followed_by_its_posting_stamp():
    page = (f"<html><head><title>{_TITLE}</title></head><body><main><h1>{_TITLE}</h1>{_TEXT}<p>Người viết: Văn phòng "
            "Huyện ủy - Đăng ngày 07-03-2025, 09:15</p></main></body></html>").encode("utf-8")
    got = extract_page(page, "https://h.vn/1")
    assert got.author == "Văn phòng Huyện ủy" and "Đăng ngày" not in got.text


def test_a_page_view_counter():
    assert load_rules().is_chrome_line("Lượt xem trang này: 1.496")
    assert not load_rules().is_chrome_line("Lượt xem trang này tăng mạnh sau khi cổng thông tin ra mắt.")


def test_a_customer_conference_is_no_official_meeting():
    got = default_classifier().classify(
        "Ngân hàng Phú Hưng chi nhánh Khánh Hòa tổ chức hội nghị khách hàng năm 2025",
        "Chiều 12/12, Ngân hàng Phú Hưng chi nhánh Khánh Hòa tổ chức hội nghị khách hàng năm 2025 với hơn 200 doanh "
        "nghiệp tham dự. Giám đốc chi nhánh chủ trì hội nghị.")
    assert not got.is_meeting_report


def test_an_interview_announced_in_its_lead_is_an_interview():
    qa = ("<p>Bà đánh giá thế nào về ba tháng đầu vận hành bộ máy mới?</p><p>Về cơ bản bộ máy đã thông suốt, không "
          "có nơi nào gián đoạn việc giải quyết thủ tục cho người dân.</p><p>Tỉnh bố trí cán bộ dôi dư như thế nào?"
          "</p><p>Đến cuối tháng 9, đã có 612 người nghỉ hưu trước tuổi theo chính sách.</p>")
    page = ("<html><head><title>Bộ máy mới vận hành thông suốt</title></head><body><main><h1>Bộ máy mới vận hành "
            "thông suốt</h1><p class='sapo'>Ba tháng sau khi hợp nhất, bộ máy hành chính của tỉnh vận hành ra sao? "
            f"Phóng viên trao đổi với bà Nguyễn Thị Lan, Giám đốc Sở Nội vụ.</p>{qa}</main></body></html>")
    assert extract_page(page.encode("utf-8"), "https://h.vn/2").kind == "interview"
    plain = page.replace("Phóng viên trao đổi với bà Nguyễn Thị Lan, Giám đốc Sở Nội vụ.", "Sở Nội vụ báo cáo.")
    assert extract_page(plain.encode("utf-8"), "https://h.vn/3").kind != "interview"


def test_a_mass_organisations_congress_is_no_official_meeting_and_a_party_congress_is():
    classifier = default_classifier()
    got = classifier.classify("Đại hội đại biểu Hội Cựu chiến binh xã Kim Sơn lần thứ VIII",
                              "Sáng 12/12, Hội Cựu chiến binh xã Kim Sơn tổ chức Đại hội đại biểu lần thứ VIII, nhiệm kỳ "
                              "2025 - 2030. Đồng chí Chủ tịch Hội chủ trì đại hội.")
    assert not got.is_meeting_report
    got = classifier.classify("Đại hội đại biểu Đảng bộ xã Kim Sơn lần thứ I",
                              "Sáng 12/8, Đảng bộ xã Kim Sơn tổ chức Đại hội đại biểu lần thứ I, nhiệm kỳ 2025 - 2030. "
                              "Đồng chí Bí thư Đảng ủy xã chủ trì đại hội.")
    assert got.is_meeting_report
