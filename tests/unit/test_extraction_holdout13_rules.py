"""Generic rules found on holdout13 (spent): a post's meta line opened by "Bởi", day headings with dotted dates,
"Ảnh: X - Lời: Y" credits, and a quoted document's header and signature cells joined however they are aligned."""

from consumers.domain.extraction import extract_page
from consumers.domain.extraction.chrome import load_rules
from consumers.domain.extraction.parsing import parse_html
from consumers.domain.extraction.structure import centred_lines_as_one

_LEAD = ("Lịch công tác tuần của Thường trực Đảng ủy, HĐND, UBND phường từ ngày 13 đến 17/10/2025 được thông báo "
         "như sau.")


def test_a_posts_meta_line_is_chrome_and_a_sentence_opened_by_boi_vi_is_not():
    rules = load_rules()
    assert rules.is_chrome_line("Bởi , 30 tháng Chín, 2025 – 17:30 - Tin hoạt động")
    assert not rules.is_chrome_line("Bởi vì năm 2025 là năm đầu tiên vận hành chính quyền hai cấp.")


def test_day_headings_with_dotted_dates_stay_and_a_words_credit_names_the_writer():
    days = "".join(f"<p>{d}</p><p>- 8 giờ 00: Thường trực Đảng ủy phường làm việc với khu vực số {n}.</p>"
                   for n, d in enumerate(("Thứ Hai, 13.10.2025", "Thứ Ba, 14.10.2025")))
    page = (f"<html><head><title>Lịch công tác tuần 42</title></head><body><main><h1>Lịch công tác tuần 42</h1>"
            f"<p>{_LEAD}</p>{days}<p>Ảnh: Minh Khang - Lời: Ngọc Hân</p></main></body></html>")
    got = extract_page(page.encode("utf-8"), "https://ninhkieu.vn/lich/42")
    lines = got.text.split("\n")
    assert "Thứ Hai, 13.10.2025" in lines and "Thứ Ba, 14.10.2025" in lines, lines
    assert got.author == "Ngọc Hân" and got.photo_credit == "Minh Khang"


def test_a_documents_header_and_signature_cells_are_one_paragraph_each_however_aligned():
    tree = parse_html("<html><body><div class='vb-header'><div class='vb-trai'>ỦY BAN NHÂN DÂN<br>TỈNH NINH BÌNH<br>"
                      "Số: 1875/QĐ-UBND</div><div class='vb-phai'>CHỦ TỊCH<br>(Đã ký)<br>Đặng Minh Khôi</div></div>"
                      "<div class='note'>Ghi chú<br>Dòng thứ hai của một khối thường</div></body></html>")
    assert centred_lines_as_one(tree, load_rules().is_chrome_line) == 2
    texts = [" ".join(d.text_content().split()) for d in tree.iter("div")]
    assert "ỦY BAN NHÂN DÂN TỈNH NINH BÌNH Số: 1875/QĐ-UBND" in texts
    assert "CHỦ TỊCH (Đã ký) Đặng Minh Khôi" in texts
    assert tree.xpath("//div[@class='note']/br")  # an ordinary block keeps its line break


# Attacks from the review of the holdout12/13 rules: each must hold.
def _article(body: str, title: str = "Huyện tổ chức hội nghị tổng kết công tác năm 2025") -> bytes:
    return (f"<html><head><title>{title}</title></head><body><nav><ul><li><a href='/kinh-te'>Kinh tế</a></li>"
            "<li><a href='/so-y-te'>Sở Y tế</a></li></ul></nav><main><article><h1>" + title + "</h1>"
            + body + "</article></main></body></html>").encode("utf-8")


_TEXT = ("<p>Sáng 18/12, UBND huyện tổ chức hội nghị tổng kết công tác năm 2025, triển khai nhiệm vụ năm 2026. Chủ tịch "
         "UBND huyện chủ trì hội nghị.</p><p>Năm 2025, tổng giá trị sản xuất của huyện tăng 8,6% so với năm trước; thu "
         "ngân sách đạt 112% dự toán.</p>")


def test_a_menu_label_inside_the_article_stays_and_a_credit_that_is_a_menu_label_still_credits():
    got = extract_page(_article(_TEXT + "<p>Kinh tế</p><p>Sản xuất nông nghiệp tiếp tục phát triển ổn định, giá trị "
                                        "trên một héc-ta đạt 120 triệu đồng.</p><p>Sở Y tế</p>"), "https://huyen.vn/1")
    assert "Kinh tế" in got.text.split("\n")
    assert got.author == "Sở Y tế"


def test_plain_blocks_with_line_breaks_stay_apart():
    from consumers.domain.extraction.parsing import parse_html
    from consumers.domain.extraction.structure import centred_lines_as_one

    tree = parse_html("<html><body><p>Q. 1: 120 ca<br>Q. 3: 85 ca<br>Q. Bình Thạnh: 60 ca</p>"
                      "<p>Thời gian: 8 giờ, ngày 25 tháng 11 năm 2025<br>Địa điểm: Hội trường UBND xã</p>"
                      "<p style='text-align:center'><em>Đảng Cộng sản Việt Nam quang vinh<br>Muôn năm</em></p>"
                      "</body></html>")
    assert centred_lines_as_one(tree, lambda line: False) == 0


def test_prose_opened_by_boi_and_long_category_lines_stay():
    rules = load_rules()
    assert not rules.is_chrome_line("Bởi vậy, năm 2025 huyện tập trung 3 nhiệm vụ trọng tâm:")
    assert not rules.is_chrome_line("Bởi năm 2025 là năm cuối nhiệm kỳ")
    assert not rules.is_chrome_line("Danh mục: 25 thủ tục hành chính mới ban hành, sửa đổi lĩnh vực đất đai")
    assert rules.is_chrome_line("Bởi Minh Anh, 30/09/2025 - 17:30")


def test_a_quoted_leaders_words_are_no_byline():
    got = extract_page(_article(_TEXT + "<p>Ảnh: TTXVN - Lời: Chủ tịch Hồ Chí Minh</p>"), "https://huyen.vn/2")
    assert got.author != "Chủ tịch Hồ Chí Minh"
