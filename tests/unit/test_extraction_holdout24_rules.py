"""Rules found on the spent holdout24: an interview whose only address to the interviewee is the closing thanks that
trafilatura drops (a heading after the last answer) is an interview with its closing kept, and "Viết bởi X ngày …"
names the poster."""

from consumers.domain.extraction import extract_page
from consumers.domain.extraction.kinds import INTERVIEW

_TITLE = "Trưởng Ban Kinh tế - Ngân sách: Dự toán 2026 phải bám sát khả năng thu"


def test_an_interview_whose_closing_thanks_is_its_last_heading():
    page = (f"<html><head><title>{_TITLE}</title></head><body><main><h1>{_TITLE}</h1><p class='lead'>Trước thềm Kỳ họp "
            "thứ 5, bà Nguyễn Thị Hồng Nhung, Trưởng Ban Kinh tế - Ngân sách HĐND tỉnh chia sẻ về công tác thẩm tra "
            "dự toán ngân sách năm 2026.</p><h3>Dự toán năm 2026 có điểm gì khác so với các năm trước?</h3><p>Đây là dự "
            "toán đầu tiên được xây dựng trên số liệu của cả ba tỉnh cũ; nhiều nguồn thu phải chuẩn hóa lại.</p><h3>Ban "
            "thẩm tra tập trung vào những nội dung nào?</h3><p>Chúng tôi đặc biệt lưu ý khoản chi thường xuyên cho các "
            "xã mới có diện tích rộng gấp ba lần trước.</p><h3>Xin cảm ơn bà!</h3></main></body></html>")
    got = extract_page(page.encode("utf-8"), "https://l.vn/a")
    assert got.kind == INTERVIEW and got.text.split("\n")[-1] == "Xin cảm ơn bà!", (got.kind, got.text)


def test_a_thanks_in_an_ordinary_articles_text_does_not_make_it_an_interview():
    page = ("<html><head><title>Bàn giao nhà tình nghĩa</title></head><body><main><h1>Bàn giao nhà tình nghĩa</h1>"
            "<p>Sáng 3/12, UBND xã bàn giao nhà tình nghĩa cho gia đình bà Lê Thị Hoa.</p><p>Nhà được xây dựng trong "
            "hai tháng với kinh phí 80 triệu đồng từ Quỹ Vì người nghèo của xã.</p><h3>Cảm ơn bà con đã chung tay!</h3>"
            "</main></body></html>")
    assert extract_page(page.encode("utf-8"), "https://l.vn/b").kind != INTERVIEW


def test_viet_boi_names_the_poster():
    page = (f"<html><head><title>{_TITLE}</title></head><body><main><h1>{_TITLE}</h1><p class='uk-article-meta'>Viết bởi "
            "<a href='/blog?author=90'>Thanh Tâm</a> ngày <time datetime='2025-10-31T16:30:00+07:00'>31/10/2025 - 04:30 "
            "PM</time></p><p>Chiều 31/10, UBND phường họp phiên thường kỳ tháng 10 để đánh giá tình hình kinh tế - xã "
            "hội.</p><p>Chủ tịch UBND phường chủ trì phiên họp; các phòng báo cáo tiến độ giải ngân.</p></main></body>"
            "</html>")
    assert extract_page(page.encode("utf-8"), "https://l.vn/c").author == "Thanh Tâm"
