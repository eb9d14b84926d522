"""Generic rules found on holdout16 (spent): an old table layout's narrow side columns, a data table's repeated
cells, PHP-Nuke's "@" before the time, "Đăng bởi: <name>" and "Ảnh và bài:" credits, a section's <h1> above the
headline, an interview's closing thanks that trafilatura drops. Each test also tries what must not change."""

import datetime as dt

from consumers.domain.dates import VN_TZ, parse_datetime
from consumers.domain.extraction import extract_page
from consumers.domain.extraction.chrome import load_rules
from consumers.domain.extraction.parsing import parse_html
from consumers.domain.extraction.structure import drop_sidebar_cells

_TITLE = "Hội nghị Ban Chấp hành Đảng bộ huyện lần thứ 28"
_PARAS = ("<p>Ngày 20/12, Ban Chấp hành Đảng bộ huyện tổ chức hội nghị lần thứ 28 để đánh giá kết quả thực hiện nhiệm "
          "vụ năm 2024 và bàn phương hướng, nhiệm vụ năm 2025 của toàn Đảng bộ.</p>"
          "<p>Năm 2024, tổng giá trị sản xuất trên địa bàn huyện ước tăng 8,6%; thu ngân sách nhà nước đạt 1.126 tỷ "
          "đồng, vượt 18% dự toán; huyện có thêm một xã đạt chuẩn nông thôn mới nâng cao.</p>")
_BOX = ("<table border='0' width='170'><tr><td class='boxtitle'><b>Bài viết cùng chủ đề</b></td></tr><tr><td>"
        "<a href='/a/1'>Tuy Phước ra quân làm thủy lợi nội đồng</a><br><a href='/a/2'>Ra mắt mô hình dân vận khéo tại "
        "xã Phước Sơn</a></td></tr></table>")


def _layout(side: str, main: str, side_width: str = "170") -> str:
    return (f"<html><head><title>{_TITLE}</title></head><body><table width='100%'><tr valign='top'>"
            f"<td width='{side_width}'>{side}</td><td width='100%'><div class='title'><b>{_TITLE}</b></div>{main}"
            f"</td></tr></table></body></html>")


def test_a_narrow_side_column_of_boxes_or_links_is_dropped():
    tree = parse_html(_layout(_BOX, _PARAS))
    assert drop_sidebar_cells(tree) == 0  # without the headline's cell nothing is known to be beside the article
    assert drop_sidebar_cells(tree, tree.xpath("//div[@class='title']")[0]) == 1
    assert "Bài viết cùng chủ đề" not in tree.text_content() and "thủy lợi nội đồng" not in tree.text_content()
    got = extract_page(_layout(_BOX, _PARAS).encode("utf-8"), "https://huyen.vn/a/3")
    assert "Ra mắt mô hình" not in got.text


def test_a_narrow_cell_of_text_or_a_wide_one_stays():
    # A picture's caption cell or a date column is text, not links or boxes; a % width is not a fixed column.
    for side, width in (("Quang cảnh hội nghị Ban Chấp hành Đảng bộ huyện.", "170"), (_BOX, "30%"), (_BOX, "300")):
        tree = parse_html(_layout(side, _PARAS, width))
        assert drop_sidebar_cells(tree, tree.xpath("//div[@class='title']")[0]) == 0, (side, width)
    # The cell holding the headline is never a sidebar, whatever its width.
    tree = parse_html(_layout(_BOX + "<h1>" + _TITLE + "</h1>", _PARAS * 3))
    title_el = tree.find(".//h1")
    assert drop_sidebar_cells(tree, title_el) == 0


def test_old_portal_footer_and_counters_are_chrome_and_a_platform_sentence_is_not():
    rules = load_rules()
    for line in ("(1.572 lần đọc)", "Trang in | Gửi cho bạn bè", "Bài viết cùng chủ đề", "Đọc nhiều",
                 "Trang web được xây dựng trên nền PHP-Nuke",
                 "Thời gian tạo trang: 0.0498 giây", "Thiết kế bởi Trung tâm Công nghệ thông tin và Truyền thông Hà Giang"):
        assert rules.is_chrome_line(line), line
    assert not rules.is_chrome_line("Hệ thống được xây dựng trên nền tảng số, kết nối 95 xã, phường.")
    assert not rules.is_chrome_line("Trang web được xây dựng trên nền tảng số dùng chung của tỉnh.")
    assert not rules.is_chrome_line("Nhà văn hóa được thiết kế bởi Viện Quy hoạch tỉnh.")


def test_an_at_sign_before_the_time():
    assert parse_datetime("Gửi lúc Thứ Sáu, 20 Tháng 12 2024 @ 16:35:12 ICT bởi tuyphuoc") == \
        dt.datetime(2024, 12, 20, 16, 35, 12, tzinfo=VN_TZ)


def _article(meta: str, body: str = _PARAS, head_title: str = _TITLE, heading: str = f"<h1>{_TITLE}</h1>") -> bytes:
    return (f"<html><head><title>{head_title}</title></head><body><main>{heading}{meta}{body}</main></body>"
            "</html>").encode("utf-8")


def test_posted_by_a_name_credits_it_and_a_posting_account_does_not():
    got = extract_page(_article("<div class='author'>Đăng bởi: <a href='/u/8'>Hoài An</a></div>"), "https://p.vn/1")
    assert got.author == "Hoài An"
    got = extract_page(_article("<div class='meta'>Đăng bởi: admin</div>"), "https://p.vn/2")
    assert got.author is None and "admin" not in got.text
    got = extract_page(_article("", _PARAS + "<p>Ảnh và bài: VĂN THẮNG</p>"), "https://p.vn/3")
    assert got.author == "VĂN THẮNG" and got.photo_credit == "VĂN THẮNG"


def test_a_sections_h1_above_the_headline_is_not_the_headline_unless_the_site_name_is_longest():
    heading = f"<h1 class='page-title'>Văn bản chỉ đạo</h1><h3 class='post-title'>{_TITLE}</h3>"
    got = extract_page(_article("", heading=heading, head_title=f"{_TITLE} - Văn bản chỉ đạo - Đảng bộ tỉnh"),
                       "https://p.vn/4")
    assert got.title == _TITLE
    # "Headline - Site" with the site's name the longer segment: the article's <h1> stays the headline.
    site = "Cổng thông tin điện tử huyện Tuy Phước tỉnh Bình Định"
    heading = f"<h2>{site}</h2><h1>Làng lụa vào mùa Tết</h1>"
    got = extract_page(_article("", heading=heading, head_title=f"Làng lụa vào mùa Tết - {site}"), "https://p.vn/5")
    assert got.title == "Làng lụa vào mùa Tết"


def test_a_data_tables_repeated_cells_all_stay():
    rows = "".join(f"<tr><td>Thứ {d}</td><td>Chủ tịch HĐND tỉnh</td><td>Phòng họp tầng 2</td>"
                   f"<td>Làm việc với Sở Tài chính về dự toán ngân sách năm {2025 + i}.</td></tr>"
                   for i, d in enumerate(("Hai", "Ba", "Tư")))
    page = _article("", "<p>Thường trực HĐND tỉnh thông báo lịch công tác tuần như sau:</p>"
                        f"<table border='1'>{rows}</table>", head_title="Lịch công tác tuần",
                    heading="<h1>Lịch công tác tuần</h1>")
    lines = extract_page(page, "https://p.vn/6").text.split("\n")
    assert lines.count("Chủ tịch HĐND tỉnh") == 3 and lines.count("Phòng họp tầng 2") == 3, lines


_INTERVIEW = ("<p>Trước kỳ họp, phóng viên đã trao đổi với ông Nguyễn Văn Hùng, Giám đốc Sở Nông nghiệp.</p>"
              "<p><strong>PV: Thưa ông, vụ cà phê năm nay có gì mới?</strong></p><p>Ông Nguyễn Văn Hùng: Năng suất "
              "tăng 6%, giá bán cao hơn năm trước, nông dân đã tái canh được 4.000 ha cà phê già cỗi.</p>"
              "<p><strong>PV: Sở sẽ hỗ trợ nông dân những gì trong năm tới?</strong></p><p>Ông Nguyễn Văn Hùng: Sở "
              "sẽ mở 40 lớp tập huấn và cấp mã số vùng trồng cho các hợp tác xã.</p>")


def test_an_interviews_closing_thanks_stays_once():
    for closing in ("<h3>Xin cảm ơn ông!</h3>", "<p><strong>Xin cảm ơn ông!</strong></p>"):
        got = extract_page(_article("", _INTERVIEW + closing, head_title="Vụ cà phê được mùa",
                                    heading="<h1>Vụ cà phê được mùa</h1>"), "https://p.vn/7")
        assert got.kind == "interview" and got.paragraphs[-1] == "Xin cảm ơn ông!", got.paragraphs
        assert got.text.count("Xin cảm ơn ông!") == 1
    # An article that is no interview never gains a thanks line from a sidebar.
    got = extract_page(_article("", _PARAS, heading=f"<h1>{_TITLE}</h1><aside><p>Cảm ơn anh đã đọc!</p></aside>"),
                       "https://p.vn/8")
    assert "Cảm ơn anh" not in got.text
