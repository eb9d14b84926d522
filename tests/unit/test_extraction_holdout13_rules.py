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
