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
