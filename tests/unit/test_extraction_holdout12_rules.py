"""Generic rules found on holdout12 (spent): an article whose text sits in a page builder's "widget" block, a
section label of the site's menu printed above the article, and a "Chuyên mục:" label."""

from consumers.domain.extraction import extract_page
from consumers.domain.extraction.chrome import load_rules

_TITLE = "Giám đốc Sở Nông nghiệp: Mã số vùng trồng là giấy thông hành của sầu riêng"
_QA = ["P.V: Thưa ông, việc cấp và quản lý mã số vùng trồng sầu riêng hiện nay ra sao?",
       "Ông Phạm Minh Sang: Toàn tỉnh đã có 312 mã số vùng trồng với hơn 9.800 ha được cấp, 17 mã đã bị thu hồi.",
       "P.V: Nông dân cần làm gì để giữ được thị trường xuất khẩu?",
       "Ông Phạm Minh Sang: Điều quan trọng nhất là tuân thủ quy trình sử dụng thuốc bảo vệ thực vật và ghi chép đầy "
       "đủ nhật ký canh tác."]


def _page(article: str) -> bytes:
    return (f"<html><head><title>{_TITLE}</title></head><body><nav><ul><li><a href='/'>Trang chủ</a></li>"
            "<li><a href='/tin-hoat-dong'>Tin hoạt động</a></li></ul></nav><main>"
            f"<h1 class='page-title'>Tin hoạt động</h1><h3>{_TITLE}</h3>{article}</main>"
            "<aside><div class='widget'><h4>Liên kết</h4><p>Cổng dịch vụ công quốc gia</p></div></aside>"
            "</body></html>").encode("utf-8")


def test_the_menus_section_label_above_the_article_is_no_lead():
    title = "Khai mạc Kỳ họp thứ 4 HĐND tỉnh khóa XIII"
    page = (f"<html><head><title>{title}</title></head><body><div id='menu'><ul><li><a href='/'><span>Trang chủ"
            "</span></a></li><li class='menuactive'><a href='/tin'><span>Tin hoạt động</span></a></li></ul></div>"
            "<div id='main'><h1 class='page-title'>Tin hoạt động</h1><div id='date'>10/12/2025 16:40</div>"
            f"<h3 id='NewsPostDetailTitle'>{title}</h3><div id='NewsPostDetailContent'>"
            + "".join(f"<p>{line}</p>" for line in _QA) + "</div></div></body></html>")
    got = extract_page(page.encode("utf-8"), "https://hdnd.vn/tin/1")
    assert got.lead == _QA[0], got.lead
    assert "Tin hoạt động" not in got.text.split("\n")


def test_a_large_text_block_loses_its_widget_class_and_a_sidebar_widget_keeps_it():
    from consumers.domain.extraction.parsing import parse_html
    from consumers.domain.extraction.structure import keep_text_widgets

    tree = parse_html(_page("<div class='apos-area-widget-wrapper big'><div class='rich-text-widget'>"
                            + "".join(f"<p>{line}</p>" for line in _QA) + "</div></div>").decode("utf-8"))
    assert keep_text_widgets(tree) == 2
    assert tree.xpath("//div[@class='big']") and tree.xpath("//div[@class='']")
    assert tree.xpath("//aside/div[@class='widget']")


def test_a_category_label_is_chrome():
    rules = load_rules()
    assert rules.is_chrome_line("Chuyên mục: Hoạt động HĐND")
    assert not rules.is_chrome_line("Chuyên mục hỏi đáp pháp luật được nhiều người dân quan tâm theo dõi.")
