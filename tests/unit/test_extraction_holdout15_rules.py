"""Generic rules found on holdout15 (spent, the set sealed until the previous work was done): comments-closed lines,
a wiki's page id and last-edit line, a summary box's label, year-first dates with slashes, "X (bài) - Y (ảnh)", a
page's one <time> read as shown, "Sáng 07h30: …" items under a day heading."""

import datetime as dt

from consumers.domain.dates import VN_TZ, parse_datetime
from consumers.domain.extraction import extract_page
from consumers.domain.extraction.chrome import load_rules

_TITLE = "HĐND phường tổ chức kỳ họp chuyên đề"
_TEXT = ("<p>Ngày 12/12, HĐND phường tổ chức kỳ họp chuyên đề để xem xét, quyết định một số nội dung quan trọng "
         "thuộc thẩm quyền.</p><p>Kỳ họp đã thông qua 4 nghị quyết về đầu tư công và chỉnh trang đô thị trên địa "
         "bàn phường.</p>")


def _page(inner: str, head: str = "") -> bytes:
    return (f"<html><head><title>{_TITLE}</title>{head}</head><body><main><h1>{_TITLE}</h1>{inner}</main></body>"
            "</html>").encode("utf-8")


def test_comments_closed_wiki_lines_and_a_summary_label_are_chrome_and_text_is_not():
    rules = load_rules()
    for line in ("Bình luận cho bài viết này đã bị khóa", "Bình luận đã đóng.", "Tóm tắt",
                 "tin-tuc:2025:lich-lam-viec-tuan-08-12-den-12-12-2025",
                 "tin-tuc:2025:abc.txt · Sửa đổi lần cuối: 2025/11/29 08:02 bởi quantri"):
        assert rules.is_chrome_line(line), line
    for line in ("https://dichvucong.gov.vn", "Bình luận viên thể thao đã có mặt tại sân.",
                 "Tóm tắt nội dung các nghị quyết đã được gửi đến đại biểu."):
        assert not rules.is_chrome_line(line), line


def test_year_first_dates_with_slashes():
    assert parse_datetime("2025/12/30 17:15") == dt.datetime(2025, 12, 30, 17, 15, tzinfo=VN_TZ)
    assert parse_datetime("2025-12-30T17:15:00+07:00") == dt.datetime(2025, 12, 30, 17, 15, tzinfo=VN_TZ)


def test_a_byline_with_roles_in_brackets():
    got = extract_page(_page(_TEXT + "<p class='author'>Quang Sáng (bài) - Hữu Đạt (ảnh)</p>"), "https://p.vn/1")
    assert got.author == "Quang Sáng" and got.photo_credit == "Hữu Đạt"


def test_a_pages_one_time_element_is_read_as_shown_when_it_shows_the_time():
    for attr, shown in (("2025-12-09 11:45:00", "09/12/2025 6:45 CH"), ("2025-12-09", "09-12-2025 18:45")):
        got = extract_page(_page(f"<time datetime='{attr}'>{shown}</time>" + _TEXT), "https://p.vn/2")
        assert got.published_at == dt.datetime(2025, 12, 9, 18, 45, tzinfo=VN_TZ), (attr, got.published_at)
    # MkDocs prints it in the sidebar, and the headline carries another date: the <time> is the post's.
    title = "Lịch công tác tuần (từ 22/12 đến 26/12/2025)"
    page = (f"<html><head><title>{title}</title></head><body><nav><ul><li><time datetime='2025-12-20 00:00:00'>"
            f"20 Tháng 12, 2025</time></li></ul></nav><main><h1>{title}</h1>{_TEXT}</main></body></html>")
    assert extract_page(page.encode("utf-8"), "https://p.vn/3").published_at == dt.datetime(2025, 12, 20, tzinfo=VN_TZ)
    # Two <time>s (a sidebar's event and the post): neither is taken on this ground.
    two = _page("<time datetime='2025-12-20'>20/12/2025</time>" + _TEXT + "<aside><time datetime='2026-01-05'>"
                "05/01/2026</time></aside>")
    assert extract_page(two, "https://p.vn/4").published_at != dt.datetime(2026, 1, 5, tzinfo=VN_TZ)


def test_day_headings_over_items_that_open_with_a_part_of_day_and_a_time_stay():
    days = "".join(f"<h4>{d}</h4><ul><li>Sáng 07h30: Bí thư Đảng ủy phường dự giao ban đầu tuần số {n}.</li></ul>"
                   for n, d in enumerate(("THỨ HAI (17/11/2025)", "THỨ TƯ (19/11/2025)")))
    page = ("<html><head><title>Lịch công tác tuần</title></head><body><main>"
            "<p>Văn phòng HĐND và UBND phường thông báo lịch công tác tuần như sau:</p>"
            f"{days}</main></body></html>").encode("utf-8")
    lines = extract_page(page, "https://p.vn/5").text.split("\n")
    assert "THỨ HAI (17/11/2025)" in lines and "THỨ TƯ (19/11/2025)" in lines, lines
