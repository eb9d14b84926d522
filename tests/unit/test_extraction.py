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
