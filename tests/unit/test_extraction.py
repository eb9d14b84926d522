import time

import pytest

from consumers.domain.extraction import BoilerplateMemory, PageRejected, extract_page
from tests.pages import portal_page

LEAD = ("Ngày 28/7, đồng chí Trương Thị Mai, Ủy viên Bộ Chính trị, Thường trực Ban Bí thư chủ trì hội nghị "
        "trực tuyến toàn quốc giao ban công tác 6 tháng đầu năm 2023.")
PARAS = [
    "Tại hội nghị, các ý kiến đã tập trung thảo luận công tác lãnh đạo, chỉ đạo, kết quả thực hiện Nghị quyết "
    "Đại hội XIII của Đảng và các nghị quyết, chỉ thị của Trung ương.",
    "Đồng chí Đại tướng Tô Lâm, Ủy viên Bộ Chính trị, Bộ trưởng Bộ Công an quán triệt những nội dung chủ yếu "
    "của Chỉ thị số 24-CT/TW ngày 13/7/2023 của Bộ Chính trị.",
    "Quan tâm đến công tác đảm bảo an ninh trật tự, an toàn xã hội trên địa bàn; không để xảy ra những vụ việc "
    "phức tạp về an ninh trật tự.",
]
TITLE = "Thường trực Ban Bí thư giao ban công tác 6 tháng với các đồng chí Bí thư Tỉnh ủy, Thành ủy"


def page(**kw) -> bytes:
    args = dict(title=TITLE, date_line="Thứ 6, 28/07/2023 | 18:13:12 [GMT +7]", lead=LEAD, paragraphs=PARAS,
                author="Thu Chung", caption="Quang cảnh hội nghị tại điểm cầu Quảng Ninh.")
    args.update(kw)
    return portal_page(**args).encode("utf-8")


def test_body_metadata_and_chrome():
    got = extract_page(page(), "https://baoquangninh.vn/a-1.html")
    assert got.title == TITLE
    assert got.lead == LEAD
    assert got.paragraphs == PARAS
    assert got.captions == ["Quang cảnh hội nghị tại điểm cầu Quảng Ninh."]
    assert got.author == "Thu Chung"
    assert got.published_at.isoformat() == "2023-07-28T18:13:12+07:00"  # not the 25/11/2024 visit header
    for chrome in ("lượt xem", "Tổng lượt truy cập", "Liên kết website", "Tin cùng chuyên mục", "A A", "Địa chỉ"):
        assert chrome not in got.text


def encode_cp1258(text: str) -> bytes:
    """What a Vietnamese Windows editor writes: precomposed base letters, tone marks as combining bytes."""
    import unicodedata

    out = bytearray()
    for ch in text:
        try:
            out += ch.encode("windows-1258")
        except UnicodeEncodeError:
            decomposed = unicodedata.normalize("NFD", ch)
            base = unicodedata.normalize("NFC", "".join(c for c in decomposed if c not in "\u0300\u0301\u0303\u0309\u0323"))
            tone = "".join(c for c in decomposed if c in "\u0300\u0301\u0303\u0309\u0323")
            out += base.encode("windows-1258") + tone.encode("windows-1258")
    return bytes(out)


def test_windows_1258_bytes_labelled_utf8_are_decoded():
    body = encode_cp1258(page().decode("utf-8"))
    got = extract_page(body, "https://x.vn/a.html", "text/html; charset=utf-8")
    assert "Thường trực Ban Bí thư" in got.title
    assert any(f.startswith("charset_label_wrong") for f in got.flags)
    assert got.lead == LEAD


def test_utf8_labelled_windows_1252_is_read_as_utf8():
    got = extract_page(page(), "https://x.vn/a.html", "text/html; charset=windows-1252")
    assert got.title == TITLE


@pytest.mark.parametrize("body,reason", [
    (b"", "empty_page"),
    (b"   \n ", "empty_page"),
    (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3 binary", "binary_page"),
    (b"<html><head><script>window.location.href='/x';</script></head><body></body></html>", "redirect_only"),
    ("<html><body><nav>Trang chủ | Tin tức</nav><div class='thong-ke'>Đang truy cập 22</div>"
      "<footer>Địa chỉ: Đường Hoàng Văn Thụ, TP Cao Bằng</footer></body></html>".encode(), "empty_body"),
])
def test_pages_that_are_not_articles_are_rejected_with_a_reason(body, reason):
    with pytest.raises(PageRejected) as info:
        extract_page(body, "https://x.vn/a.html")
    assert info.value.reason == reason


def test_truncated_mid_character_is_flagged_not_crashed():
    body = page()
    cut = body[: body.rindex("Địa chỉ".encode()) + 1]  # inside the 2-byte 'Đ'
    got = extract_page(cut, "https://x.vn/a.html")
    assert "truncated" in got.flags
    assert got.lead == LEAD


def test_giant_table_does_not_stall_extraction():
    rows = "".join(f"<tr><td>{i}</td><td>giá trị {i}</td><td>ghi chú</td></tr>" for i in range(60_000))
    body = page().replace(b"</article>", f"<table>{rows}</table></article>".encode())
    assert len(body) > 3_000_000
    started = time.perf_counter()
    got = extract_page(body, "https://x.vn/a.html", max_bytes=8_000_000)
    assert time.perf_counter() - started < 10
    assert "giant_table_dropped" in got.flags
    assert got.paragraphs == PARAS


def test_page_over_the_size_budget_is_rejected():
    with pytest.raises(PageRejected, match="too_large"):
        extract_page(b"<p>x</p>" * 1000, "https://x.vn/a.html", max_bytes=1000)


def test_lines_recurring_across_a_portal_become_boilerplate():
    memory = BoilerplateMemory(min_pages=3)
    promo = "Mời bạn đọc đón xem chương trình Thời sự lúc 19 giờ hằng ngày trên kênh QNTV."
    for i in range(4):
        paras = [f"Bài số {i}: nội dung riêng của bài viết này về hoạt động của tỉnh trong tuần thứ {i}.", promo]
        extract_page(page(paragraphs=paras, lead=f"Tin {i}: " + LEAD), f"https://x.vn/{i}.html", portal="qn",
                     boilerplate=memory)
    got = extract_page(page(paragraphs=["Nội dung mới hoàn toàn của bài thứ năm trong tuần.", promo]),
                       "https://x.vn/5.html", portal="qn", boilerplate=memory)
    assert promo not in got.paragraphs


def test_recrawls_of_one_page_do_not_make_its_text_boilerplate():
    memory = BoilerplateMemory(min_pages=2)
    for _ in range(5):
        got = extract_page(page(), "https://x.vn/same.html", portal="qn", boilerplate=memory)
    assert got.paragraphs == PARAS


# -- Vietnamese dates, structural chrome, bylines ------------------------------------------------

from consumers.domain.dates import parse_datetime  # noqa: E402


@pytest.mark.parametrize("text,expected", [
    ("Tháng Tám 10, 2023", "2023-08-10T00:00:00+07:00"),
    ("Đăng ngày 10 Tháng Mười Hai, 2023 lúc 2:15 chiều", "2023-12-10T14:15:00+07:00"),
    ("tháng mười một 3, 2022 9:05", "2022-11-03T09:05:00+07:00"),
    ("Tháng 8 10, 2023", "2023-08-10T00:00:00+07:00"),
    ("ngày 12 tháng 9 năm 2023", "2023-09-12T00:00:00+07:00"),
    # Wix and Google print the short form "thg" (tháng).
    ("10 thg 1, 2025", "2025-01-10T00:00:00+07:00"),
    ("5 thg 12, 2024", "2024-12-05T00:00:00+07:00"),
])
def test_vietnamese_month_names_are_dates(text, expected):
    assert parse_datetime(text).isoformat() == expected


def test_month_archive_without_a_day_is_not_a_date():
    assert parse_datetime("Lưu trữ: Tháng Tám 2023") is None


def _wrap(article: str, head: str = "", title: str = TITLE, site: str = "Cổng Thông tin điện tử tỉnh") -> bytes:
    return f"""<!DOCTYPE html><html><head><meta charset="utf-8"><title>{title} - {site}</title>{head}</head>
<body><header class="site-header"><p class="site-description">Trang thông tin điện tử chính thức của Ủy ban nhân
dân tỉnh, cập nhật tin tức hằng ngày</p></header><div class="col-main">{article}</div>
<div class="footer-portal"><p>Cơ quan chủ quản: Ủy ban nhân dân tỉnh</p><p>Cơ quan thường trực: Văn phòng UBND tỉnh</p></div>
</body></html>""".encode()


def test_wordpress_month_name_date_line_and_account_byline():
    article = f"""<article><h1 class="entry-title">{TITLE}</h1>
<div class="posted-on">Đăng ngày <time class="entry-date published">Tháng Tám 10, 2023</time> bởi quantri</div>
<div class="entry-content">{''.join(f'<p>{p}</p>' for p in [LEAD, *PARAS])}<p><strong>Hà Linh</strong></p></div>
<ul class="archives"><li><a href="/2023/08/">Tháng Tám 2023</a></li><li><a href="/2023/07/">Tháng Bảy 2023</a></li></ul>
</article>"""
    got = extract_page(_wrap(article, head='<meta name="author" content="quantri">'), "https://x.gov.vn/a/")
    assert got.published_at.isoformat() == "2023-08-10T00:00:00+07:00"
    assert got.lead == LEAD  # not the site tagline in the masthead
    assert got.paragraphs == PARAS
    assert got.author == "Hà Linh"


def test_related_headline_lists_their_labels_and_footer_imprint_are_chrome():
    related = "".join(f'<li><a href="/t/{i}.aspx">Hội nghị giao ban khối Nội chính quý {i}</a> <span>(0{i}/09/2023)</span></li>'
                      for i in range(1, 5))
    bullets = "<ul><li>Hoàn thành 45 văn bản quy phạm pháp luật trong 6 tháng.</li>" \
              "<li>Giải quyết 100% hồ sơ thủ tục hành chính đúng hạn.</li></ul>"
    article = f"""<div class="ArticleDetail"><h1 class="ArticleTitle">{TITLE}</h1>
<div class="ArticleInfo"><span>Ngày đăng: 28/07/2023 18:13</span> | <span>Lượt xem: 876</span></div>
<div class="ms-rtestate-field"><p>{LEAD}</p>{''.join(f'<p>{p}</p>' for p in PARAS)}{bullets}</div>
<div class="ArticleAuthor"><b>Phòng Thông tin - Dân nguyện</b></div>
<div class="OtherNews"><h3>Tin khác</h3><ul>{related}</ul></div></div>
<div class="col-right"><div class="box"><h3 class="box-title">Văn bản mới</h3><ul>
<li><a href="/vb/1">Quyết định số 2356/QĐ-UBND</a><span> (04/07/2023)</span></li>
<li><a href="/vb/2">Kế hoạch số 142/KH-UBND</a><span> (30/06/2023)</span></li></ul></div></div>"""
    got = extract_page(_wrap(article), "https://x.gov.vn/Pages/a.aspx")
    assert got.lead == LEAD
    assert got.paragraphs == [*PARAS, "Hoàn thành 45 văn bản quy phạm pháp luật trong 6 tháng.",
                              "Giải quyết 100% hồ sơ thủ tục hành chính đúng hạn."]
    assert got.author == "Phòng Thông tin - Dân nguyện"
    assert got.published_at.isoformat() == "2023-07-28T18:13:00+07:00"
    for chrome in ("Tin khác", "Nội chính quý", "Văn bản mới", "2356/QĐ-UBND", "Lượt xem", "Cơ quan"):
        assert chrome not in got.text


def test_caption_typed_under_the_image_twice_is_one_caption():
    caption = "Các đại biểu biểu quyết thông qua nghị quyết tại kỳ họp."
    article = f"""<h1>{TITLE}</h1><div class="bodytext"><p>{LEAD}</p><p>{PARAS[0]}</p>
<p style="text-align:center"><img src="/a.jpg" alt=""></p>
<p style="text-align:center"><em>{caption}</em></p><p style="text-align:center"><span><em>{caption}</em></span></p>
<p>{PARAS[1]}</p><p>{PARAS[2]}</p><p style="text-align:right"><strong>Theo Báo Lạng Sơn</strong></p></div>"""
    got = extract_page(_wrap(article, head='<meta name="author" content="Super User">'), "https://x.gov.vn/a.html")
    assert got.captions == [caption]
    assert got.paragraphs == PARAS
    assert got.author is None  # a CMS account and a source line are not credits


def test_poll_widget_and_hidden_placeholder_byline_are_dropped():
    article = f"""<h1 class="title-news">{TITLE}</h1><div class="date-news">28/07/2023 18:13</div>
<div class="content-news"><p>{LEAD}</p>{''.join(f'<p>{p}</p>' for p in PARAS)}</div>
<div class="author" style="display:none">Ban Biên tập</div>
<div class="portlet-boundary portlet-polls"><h2 class="portlet-title-text">Thăm dò ý kiến</h2>
<p class="question">Bạn quan tâm đến nội dung nào trên Cổng thông tin điện tử tỉnh?</p>
<form><label><input type="radio"> Tin tức - sự kiện</label><button>Bình chọn</button></form></div>"""
    got = extract_page(_wrap(article), "https://x.gov.vn/a")
    assert got.paragraphs == PARAS
    assert got.author is None
    assert "Thăm dò" not in got.text and "Bạn quan tâm" not in got.text


def test_decomposed_date_line_keeps_its_time():
    import unicodedata

    article = f"""<h1>{TITLE}</h1><span class="time-update">Cập nhật: 16:02 ngày 14/07/2023</span>
<div class="sapo">{LEAD}</div><div class="content">{''.join(f'<p>{p}</p>' for p in PARAS)}</div>"""
    body = unicodedata.normalize("NFD", _wrap(article).decode()).encode()
    got = extract_page(body, "https://x.vn/a.html")
    assert got.published_at.isoformat() == "2023-07-14T16:02:00+07:00"


def test_headline_wins_over_a_longer_site_name_in_title():
    site = "Trang TTĐT Đoàn ĐBQH và HĐND tỉnh Cao Bằng"
    short = "Bế mạc Kỳ họp thứ 13 HĐND tỉnh"
    article = f"""<h1 class="title">{short}</h1><div class="hometext">{LEAD}</div>
<div class="bodytext">{''.join(f'<p>{p}</p>' for p in PARAS)}</div>"""
    got = extract_page(_wrap(article, title=f"{short} - Hoạt động", site=site), "https://x.vn/a.html")
    assert got.title == short


def test_layout_table_page_keeps_paragraphs_and_drops_table_chrome():
    info = """<table><tr><td>Ngày 06/12/2023 lúc 10:15</td><td><span class="cochu">Cỡ chữ:
<a href="javascript:FontSize(12)">Nhỏ</a> | <a href="javascript:FontSize(14)">Vừa</a></span>
<a href="javascript:doPrint()">In bài viết</a></td></tr></table>"""
    counter = "<table><tr><td>Đang truy cập:</td><td>56</td></tr><tr><td>Tổng truy cập:</td><td>8.210.337</td></tr></table>"
    article = f"""<table width="100%"><tr><td width="200">{counter}</td><td>
<h1 class="tieude">{TITLE}</h1>{info}<p><strong>{LEAD}</strong></p>{''.join(f'<p>{p}</p>' for p in PARAS)}
<p align="right"><b>PV</b></p></td></tr></table>"""
    got = extract_page(_wrap(article), "https://x.gov.vn/ChiTiet.aspx?ID=1")
    assert got.lead == LEAD
    assert got.paragraphs == PARAS
    assert got.author == "PV"
    assert got.published_at.isoformat() == "2023-12-06T10:15:00+07:00"
    for chrome in ("Cỡ chữ", "In bài viết", "truy cập", "|"):
        assert chrome not in got.text


def test_info_bar_and_table_row_lines_are_chrome():
    from consumers.domain.extraction.chrome import load_rules

    rules = load_rules()
    for line in ("Ngày đăng: 22/08/2023 10:15 | Lượt xem: 876", "Ngày đăng: 22/08/2023 - Đã xem: 412",
                 "| Tổng truy cập: | 8.210.337 |", "06/12/2023 10:15", "Viết bởi Super User"):
        assert rules.is_chrome_line(line), line
    for line in ("Hà Nội - Hải Phòng", "Bởi vậy, hội nghị đã thống nhất cao.", PARAS[0]):
        assert not rules.is_chrome_line(line), line


def test_list_the_article_introduces_is_not_taken_for_a_link_list():
    from lxml import html as lxml_html

    from consumers.domain.extraction.structure import TextLengths, drop_link_lists

    items = "".join(f'<li><a href="/vb/{i}.pdf">Nghị quyết số {i}/NQ-HĐND về dự toán ngân sách</a></li>'
                    for i in range(3))
    related = "".join(f'<li><a href="/tin/{i}">Tin khác số {i} của cổng thông tin</a></li>' for i in range(3))
    tree = lxml_html.fromstring(f"""<html><body><div><p>{LEAD}</p><p>Kỳ họp đã thông qua các nghị quyết:</p>
<ul id="body-list">{items}</ul>{''.join(f'<p>{p}</p>' for p in PARAS)}</div>
<div class="box"><h3>Tin khác</h3><ul id="related">{related}</ul></div></body></html>""")
    drop_link_lists(tree, 10_000, TextLengths(tree))
    assert tree.xpath("//ul[@id='body-list']") and not tree.xpath("//ul[@id='related']")
    assert "Tin khác" not in tree.text_content()


def test_twelve_hour_clock_and_shared_text_photo_byline():
    from consumers.domain.dates import parse_datetime

    assert parse_datetime("02:20 CH, 16/11/2023").hour == 14
    assert parse_datetime("16/11/2023 09:05 SA").hour == 9
    html = page(author="Bài: H'Yâm Niê - Ảnh: Hoàng Gia").replace(b"<strong>", b"<em>").replace(b"</strong>", b"</em>")
    got = extract_page(html, "https://x.vn/a.html")
    assert (got.author, got.photo_credit) == ("H'Yâm Niê", "Hoàng Gia")


def test_fingerprint_does_not_depend_on_what_was_learned():
    from consumers.domain.text import fingerprint

    promo = "Mời bạn đọc đón xem chương trình Thời sự lúc 19 giờ hằng ngày trên kênh QNTV."
    cold = extract_page(page(paragraphs=PARAS + [promo]), "https://x.vn/9.html", portal="qn",
                        boilerplate=BoilerplateMemory(min_pages=3))
    warm_memory = BoilerplateMemory(min_pages=3)
    for i in range(4):
        extract_page(page(paragraphs=[f"Bài số {i}: nội dung riêng của bài viết này trong tuần thứ {i}.", promo],
                          lead=f"Tin {i}: " + LEAD), f"https://x.vn/{i}.html", portal="qn", boilerplate=warm_memory)
    warm = extract_page(page(paragraphs=PARAS + [promo]), "https://x.vn/9.html", portal="qn", boilerplate=warm_memory)
    assert promo in cold.paragraphs and promo not in warm.paragraphs
    assert fingerprint(cold.fingerprint_text) == fingerprint(warm.fingerprint_text)


def test_counters_pagers_players_and_old_footers_are_chrome_but_sentences_with_the_words_are_not():
    from consumers.domain.extraction.chrome import load_rules

    rules = load_rules()
    for line in ("268 lượt xem", "Lượt đọc: 734", "Đang xem: 34", "26/12/2024 - 20:05 268 lượt xem", "< Lùi",
                 "Tiếp theo >", "00:00 / 03:26", "Lần cập nhật cuối ( Thứ năm, 16 Tháng 5 2024 10:03 )",
                 "Xem phiên bản đầy đủ", "Gửi bài", "Các thông báo khác:", "Sự kiện sắp diễn ra",
                 "Trang web được hiển thị tốt nhất với độ phân giải 1024 x 768"):
        assert rules.is_chrome_line(line), line
    for line in ("Video đã có 268 lượt xem chỉ sau một ngày đăng tải trên trang của huyện.",
                 "Lượt đọc sách của học sinh tăng mạnh sau chương trình.", "Tiếp theo, hội nghị nghe báo cáo.",
                 "Phiên họp kéo dài từ 8:00 đến 11:30 với nhiều ý kiến.",
                 "Sự kiện sắp diễn ra tại quảng trường trung tâm vào cuối tuần này."):
        assert not rules.is_chrome_line(line), line
