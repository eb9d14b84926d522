"""Rules found on the spent holdout22 (and holdout20's schedules): a title block <header> inside <main> is the
article's, a Bootstrap "caption-top" table is no caption, a last edit's <time> is no post date, a credit under its
own "Nguồn" label, "Người đăng: X", a named editorial board, day headings printed as headings when trafilatura's
recovery drops headings, and a data table's time cells."""

import datetime as dt
import json
from pathlib import Path

from consumers.domain.extraction import extract_page

_CORPUS = Path(__file__).resolve().parents[1] / "corpus" / "extraction_holdout22"

_TITLE = "Bế mạc Kỳ họp thứ 30, HĐND tỉnh khóa VIII"
_LEAD = ("Sau ba ngày làm việc khẩn trương, từ ngày 9 đến 11/12, Kỳ họp thứ 30, HĐND tỉnh khóa VIII đã hoàn thành "
         "toàn bộ chương trình đề ra và thông qua 32 nghị quyết.")
_BODY = ("<p>Ông Hồ Sĩ Thắng, Chủ tịch HĐND tỉnh chủ trì kỳ họp. Dự kỳ họp có 48/50 đại biểu HĐND tỉnh và lãnh đạo "
         "các sở, ngành, địa phương.</p><p>Kỳ họp đã thông qua 32 nghị quyết, trong đó có nghị quyết về kế hoạch đầu "
         "tư công năm 2025 và bảng giá đất giai đoạn 2025 - 2029.</p>")


def _page(main: str, head: str = "", before_main: str = "") -> bytes:
    return (f"<html><head><title>{_TITLE} - HĐND tỉnh</title>{head}</head><body>{before_main}"
            f"<main class='content'>{main}</main></body></html>").encode("utf-8")


def test_a_title_block_header_inside_main_is_the_articles():
    # Quarto's title block: <main><header id="title-block-header"> with the headline, the subtitle lead, the author
    # and the date (the spent holdout22 page itself).
    page = _CORPUS / "quarto-01-quangtri-council-session-2024"
    got = extract_page(page.with_suffix(".html").read_bytes(), "https://quangtri.vn/a")
    label = json.loads(page.with_suffix(".json").read_text("utf-8"))
    assert (got.title, got.lead, got.author) == (label["title"], label["lead"], label["author"])
    assert label["lead"] in got.text


def test_a_caption_top_table_is_the_articles_text():
    table = ("<table class='caption-top table'><tbody><tr><td>HỘI ĐỒNG NHÂN DÂN<br>TỈNH QUẢNG TRỊ</td><td>CỘNG HÒA XÃ "
             "HỘI CHỦ NGHĨA VIỆT NAM<br>Độc lập - Tự do - Hạnh phúc</td></tr></tbody></table>")
    got = extract_page(_page(f"<h1>{_TITLE}</h1><p>{_LEAD}</p>{table}{_BODY}"), "https://q.vn/b")
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM Độc lập - Tự do - Hạnh phúc" in got.text
    assert "CỘNG HÒA" not in " ".join(got.captions)


def test_a_last_edits_time_is_not_the_post_date():
    footer = ("<footer class='vp-page-meta'><div class='vp-meta-item last-updated'><span>Cập nhật lần cuối: </span>"
              "<time class='vp-meta-info' datetime='2025-12-18T12:49:20.000Z'>19:49:20 18/12/2025</time></div></footer>")
    got = extract_page(_page(f"<h1>{_TITLE}</h1><div class='article-meta'><span class='article-date'>Thứ Năm, ngày "
                             f"18 tháng 12 năm 2025, lúc 17 giờ 45</span></div><p>{_LEAD}</p>{_BODY}{footer}"),
                       "https://q.vn/c")
    assert got.published_at.replace(tzinfo=None) == dt.datetime(2025, 12, 18, 17, 45), got.published_at


def test_a_credit_under_its_own_label_and_a_named_board():
    box = "<div class='hint-container info'><p class='hint-container-title'>Nguồn</p><p>Văn phòng HĐND và UBND xã</p></div>"
    got = extract_page(_page(f"<h1>{_TITLE}</h1><p>{_LEAD}</p>{_BODY}{box}"), "https://q.vn/d")
    assert got.author == "Văn phòng HĐND và UBND xã" and "Nguồn" not in got.text.split("\n"), (got.author, got.text)
    board = ("<span class='author vcard'>Người viết: <a href='/author/1'>Ban Biên tập Trang thông tin điện tử phường"
             "</a></span>")
    got = extract_page(_page(f"<h1>{_TITLE}</h1><p>{_LEAD}</p>{_BODY}<footer class='entry-footer'>{board}</footer>"),
                       "https://q.vn/e")
    assert got.author == "Ban Biên tập Trang thông tin điện tử phường", got.author
    # The board alone names nobody.
    alone = board.replace(" Trang thông tin điện tử phường", "")
    got = extract_page(_page(f"<h1>{_TITLE}</h1><p>{_LEAD}</p>{_BODY}<footer class='entry-footer'>{alone}</footer>"),
                       "https://q.vn/f")
    assert got.author is None, got.author


def test_a_posting_record_that_names_its_poster_first():
    info = ("<div class='itemInfo'><span class='itemPoster'>Người đăng: <a href='/u/6'>Ban Tuyên giáo và Dân vận Tỉnh ủy"
            "</a></span> <span class='itemPostDate'>vào lúc 2025/04/17 18:05</span></div>")
    got = extract_page(_page(f"<h1>{_TITLE}</h1>{info}<p>{_LEAD}</p>{_BODY}",
                             head="<meta name='author' content='Tỉnh ủy Thái Nguyên'>"), "https://q.vn/g")
    assert got.author == "Ban Tuyên giáo và Dân vận Tỉnh ủy", got.author


_SCHEDULE_TITLE = "Lịch công tác tuần của lãnh đạo UBND phường (từ 06/10 đến 10/10/2025)"


def _schedule(day_tag: str, anchor: str = "") -> bytes:
    days = "".join(
        f"<{day_tag} class='anchor ngay'>{anchor}{day}</{day_tag}><ul class='lich'><li><strong>07:30</strong> {item}</li></ul>"
        for day, item in (("Thứ Hai (06/10/2025)", "Chủ tịch UBND phường chủ trì giao ban đầu tuần."),
                          ("Thứ Ba (07/10/2025)", "Chủ tịch UBND phường tiếp công dân định kỳ tại trụ sở."),
                          ("Thứ Tư (08/10/2025)", "Lãnh đạo UBND phường dự hội nghị trực tuyến của tỉnh.")))
    return (f"<html><head><title>{_SCHEDULE_TITLE}</title></head><body><p class='homnay'>Hôm nay: 5/10/2025, Chủ Nhật"
            f"</p><div id='page'><h1>{_SCHEDULE_TITLE}</h1><p class='lead'>Văn phòng HĐND và UBND phường thông báo lịch "
            f"công tác của lãnh đạo UBND phường trong tuần như sau:</p>{days}</div></body></html>").encode("utf-8")


def test_a_schedules_day_headings_printed_as_headings_are_kept():
    for tag in ("h5", "h3"):
        for anchor in ("", "<a href='#d' class='headerlink' title='d'></a>"):
            got = extract_page(_schedule(tag, anchor), "https://p.vn/s")
            assert "Thứ Ba (07/10/2025)" in got.text.split("\n"), (tag, anchor, got.text)


def test_a_data_tables_time_cells_are_kept_row_after_row():
    rows = "".join(f"<tr><td>{t}</td><td>{w}</td><td>Phòng họp số 2</td></tr>" for t, w in (
        ("08:00", "Chủ tịch HĐND tỉnh dự giao ban Thường trực Tỉnh ủy"),
        ("14:00", "Thường trực HĐND tỉnh làm việc với Ban Kinh tế - Ngân sách"),
        ("08:00", "Hội nghị giao ban Thường trực HĐND các xã, phường quý III")))
    page = (f"<html><head><title>{_SCHEDULE_TITLE}</title></head><body><article><h1>{_SCHEDULE_TITLE}</h1><p>Văn phòng "
            "thông báo lịch công tác tuần của Thường trực HĐND tỉnh như sau:</p><p>Thứ Hai, ngày 21/07/2025</p><table>"
            f"<thead><tr><th>Giờ</th><th>Công việc</th><th>Địa điểm</th></tr></thead><tbody>{rows}</tbody></table>"
            "</article></body></html>").encode("utf-8")
    lines = extract_page(page, "https://p.vn/t").text.split("\n")
    assert lines.count("08:00") == 2 and lines.count("14:00") == 1, lines
