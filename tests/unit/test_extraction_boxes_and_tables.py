"""Generic chrome and structure rules found on holdout7 (spent): sidebar boxes opened by a chrome heading, info
bars of two items side by side, dotted dates, data tables read cell by cell, signature blocks."""

from consumers.domain.extraction import extract_page
from consumers.domain.extraction.chrome import load_rules

_TITLE = "Hội nghị Ban Chấp hành Đảng bộ tỉnh lần thứ 24"
_LEAD = ("Sáng 18/10, Ban Chấp hành Đảng bộ tỉnh tổ chức hội nghị lần thứ 24 để đánh giá kết quả thực hiện nhiệm vụ "
         "chín tháng và bàn phương hướng những tháng cuối năm.")
_BODY = ("<p>Hội nghị đã thảo luận, cho ý kiến vào các báo cáo quan trọng về phát triển kinh tế - xã hội, quốc phòng, "
         "an ninh và công tác xây dựng Đảng của tỉnh trong chín tháng đầu năm.</p>"
         "<p>Kết luận hội nghị, đồng chí Bí thư Tỉnh ủy yêu cầu các cấp ủy tập trung lãnh đạo hoàn thành các chỉ tiêu "
         "đã đề ra, chú trọng cải cách hành chính và giải ngân vốn đầu tư công.</p>")


def _page(article: str, side: str = "", title: str = _TITLE) -> bytes:
    return (f"<html><head><title>{title}</title></head><body><div class='row'><div class='col-main'><article>"
            f"<h1>{title}</h1><p><strong>{_LEAD}</strong></p>{article}</article></div>"
            f"<div class='col-md-3'>{side}</div></div></body></html>").encode("utf-8")


def test_a_sidebar_box_opened_by_a_chrome_heading_goes_whole():
    side = ("<div class='ap-panel'><div class='ap-panel-title'>Sự kiện sắp diễn ra</div><ul>"
            "<li>Hội nghị sơ kết công tác tuyên giáo năm 2024 (ngày 20/12/2024)</li></ul></div>"
            "<div class='ap-panel'><div class='ap-panel-title'>Lượt truy cập</div><div>Hôm nay: 1.208</div>"
            "<div>Tổng số: 9.613.440</div></div>")
    got = extract_page(_page(_BODY, side), "https://tinhuy.vn/tin/1")
    assert "sơ kết công tác tuyên giáo" not in got.text and "Tổng số" not in got.text
    assert "Kết luận hội nghị" in got.text


def test_a_schedule_day_box_is_never_taken_for_a_sidebar_box():
    days = "".join(f"<div class='day'><h4>Thứ {d}, ngày {n}/11/2024</h4><ul><li>8 giờ 00: Thường trực HĐND tỉnh "
                   f"làm việc với Ban Pháp chế về nội dung kỳ họp số {n}.</li><li>14 giờ 00: Họp giao ban.</li></ul>"
                   "</div>" for d, n in (("Hai", 25), ("Ba", 26), ("Tư", 27)))
    got = extract_page(_page(days, title="Lịch công tác tuần của Thường trực HĐND tỉnh"), "https://hdnd.vn/lich/1")
    for n in (25, 26, 27):
        assert f"làm việc với Ban Pháp chế về nội dung kỳ họp số {n}" in got.text


def test_two_chrome_items_side_by_side_without_a_separator_are_chrome():
    rules = load_rules()
    assert rules.is_chrome_line("Ngày đăng: 12/1/2024 Lượt xem: 688")
    assert rules.is_chrome_line("Ngày 18.10.2024 - 17:20 Số lượt đọc: 1.732")
    assert rules.is_chrome_line("Cập nhật: 30-09-2025 18:10")
    # A sentence that opens with a date, and figures in the thousands, are text.
    assert not rules.is_chrome_line("Ngày 12/1/2024 đồng chí Nguyễn Văn A chủ trì hội nghị")
    assert not rules.is_chrome_line("Tổng kinh phí 1.234.567 đồng")


def test_chrome_items_glued_without_a_space_download_headings_and_mastheads_are_chrome():
    rules = load_rules()
    assert rules.is_chrome_line("04/07/2024 | 15:00Lượt đọc: 512")
    assert rules.is_chrome_line("Tệp đính kèm")
    assert rules.is_chrome_line("File đính kèm:")
    assert rules.is_chrome_line("Cơ quan của Đảng bộ Đảng Cộng sản Việt Nam tỉnh Ninh Thuận")
    # A number run into a word in a sentence, and a sentence naming a party body, are text.
    assert not rules.is_chrome_line("Năm 2024có 512 hộ thoát nghèo")
    assert not rules.is_chrome_line("Cơ quan của Đảng bộ tỉnh đã triển khai nghị quyết tới toàn thể cán bộ, đảng viên "
                                    "trong các chi bộ trực thuộc.")


def test_a_schedule_table_is_read_cell_by_cell():
    table = ("<table class='schedule'><thead><tr><th>Ngày</th><th>Nội dung</th></tr></thead><tbody>"
             "<tr><td>Thứ Hai<br>06/10/2025</td><td><p>08h00: Chủ tịch UBND tỉnh chủ trì giao ban lãnh đạo UBND "
             "tỉnh.</p><p>14h00: Phó Chủ tịch UBND tỉnh làm việc với Sở Y tế.</p></td></tr>"
             "<tr><td>Thứ Ba<br>07/10/2025</td><td>Cả ngày: Chủ tịch UBND tỉnh đi kiểm tra dự án đường ven biển."
             "</td></tr></tbody></table>")
    got = extract_page(_page(_BODY + table, title="Lịch làm việc của lãnh đạo UBND tỉnh tuần 41"),
                       "https://ubnd.vn/lich/41")
    lines = got.text.split("\n")
    for line in ("Thứ Hai 06/10/2025", "08h00: Chủ tịch UBND tỉnh chủ trì giao ban lãnh đạo UBND tỉnh.",
                 "14h00: Phó Chủ tịch UBND tỉnh làm việc với Sở Y tế.", "Thứ Ba 07/10/2025",
                 "Cả ngày: Chủ tịch UBND tỉnh đi kiểm tra dự án đường ven biển."):
        assert line in lines, (line, lines)


def test_a_picture_table_keeps_its_caption_out_of_the_body():
    frame = ("<table class='image'><tr><td><img src='/a.jpg' alt=''></td></tr><tr><td><em>Quang cảnh hội nghị lần "
             "thứ 24 Ban Chấp hành Đảng bộ tỉnh.</em></td></tr></table>")
    got = extract_page(_page(frame + _BODY), "https://tinhuy.vn/tin/2")
    assert "Quang cảnh hội nghị" not in got.text


def test_a_documents_signature_block_is_text_not_the_byline():
    doc = (_BODY + "<p>Nghị quyết này có hiệu lực từ ngày ký và được HĐND tỉnh thông qua tại kỳ họp thứ 23.</p>"
           "<table><tr><td><b>Nơi nhận:</b><br>- Như Điều 3;<br>- Lưu: VT.</td>"
           "<td><b>CHỦ TỊCH</b><br><br>Lê Quang Tùng</td></tr></table>"
           "<table><tr><td>Nơi nhận: Lưu VT.</td><td><b>TM. BAN THƯỜNG TRỰC</b><br><b>CHỦ TỊCH</b><br>A Ninh</td></tr>"
           "</table>")
    got = extract_page(_page(doc, title="Nghị quyết về kế hoạch đầu tư công năm 2025"), "https://hdnd.vn/nq/1")
    assert got.author is None
    assert "CHỦ TỊCH Lê Quang Tùng" in got.text and "TM. BAN THƯỜNG TRỰC CHỦ TỊCH A Ninh" in got.text


def test_drop_headed_boxes_takes_the_box_and_leaves_day_boxes_and_the_article():
    from lxml import html as lxml_html

    from consumers.domain.extraction.structure import TextLengths, drop_headed_boxes

    tree = lxml_html.fromstring(
        "<html><body><article><h1>Tiêu đề</h1><p>" + "Nội dung bài viết dài. " * 40 + "</p>"
        "<div class='day'><h4>Thứ Hai, ngày 25/11/2024</h4><p>8 giờ 00: Họp giao ban.</p></div></article>"
        "<div class='panel'><div>Sự kiện sắp diễn ra</div><ul><li>Hội nghị sơ kết (ngày 20/12/2024)</li></ul></div>"
        "<div class='panel'><span>Tin liên quan</span><p>Một tin khác của cổng</p><p>Tin thứ hai</p></div>"
        "</body></html>")
    lengths = TextLengths(tree)
    removed = drop_headed_boxes(tree, lengths.of(tree), lengths, load_rules().is_chrome_line)
    text = tree.text_content()
    assert removed == 2
    assert "Hội nghị sơ kết" not in text and "Một tin khác" not in text
    assert "8 giờ 00: Họp giao ban." in text and "Nội dung bài viết dài." in text


def test_bracketed_actions_and_wordy_date_stamps_are_chrome_but_wordy_day_headings_stay():
    rules = load_rules()
    for line in ("[Gửi email]", "Chia sẻ bài viết:", "Thứ Tư, 18 tháng 12 2024 10:05"):
        assert rules.is_chrome_line(line), line
    assert not rules.is_chrome_line("[1] Theo báo cáo của UBND tỉnh, kết quả đạt khá.")
    days = "".join(f"<p><strong>Thứ {d}, ngày {n} tháng 11 năm 2024</strong></p><p>- 8 giờ 00: Thường trực HĐND "
                   f"tỉnh họp giao ban tuần thứ {n}.</p>" for d, n in (("Hai", 25), ("Ba", 26)))
    got = extract_page(_page(days, title="Lịch công tác tuần của Thường trực HĐND tỉnh"), "https://hdnd.vn/lich/2")
    assert "Thứ Hai, ngày 25 tháng 11 năm 2024" in got.text.split("\n")
