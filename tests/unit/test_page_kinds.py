"""Page kinds, kept text structure and bylines on interviews, schedules and institutional pages (issue 14)."""

from consumers.domain.extraction import extract_page
from consumers.domain.extraction.kinds import Media, page_kind
from consumers.stages.extract import to_article
from schemas import Article, PageKind, RawPage


def _page(body: str, title: str = "Tiêu đề bài viết về công tác của tỉnh", head: str = "") -> bytes:
    return (f"<html><head><title>{title}</title>{head}</head><body><article><h1>{title}</h1>{body}"
            "</article></body></html>").encode("utf-8")


_LEAD = ("<p>Trước thềm kỳ họp, phóng viên đã có cuộc trao đổi với ông Nguyễn Văn An, Chủ tịch UBND huyện, về kết "
         "quả phát triển kinh tế - xã hội sáu tháng đầu năm của địa phương.</p>")


def test_interview_keeps_every_question_and_never_takes_one_for_the_author():
    html = _page(_LEAD + "<p><strong>PV: Xin ông cho biết kết quả nổi bật?</strong></p>"
                 "<p>Ông Nguyễn Văn An: Sáu tháng đầu năm, huyện đạt nhiều kết quả quan trọng trên các lĩnh vực.</p>"
                 "<p><strong>Phóng viên: Vậy huyện sẽ có giải pháp gì?</strong></p>"
                 "<p>Ông Nguyễn Văn An: Huyện tập trung tháo gỡ khó khăn cho doanh nghiệp và người dân.</p>"
                 "<p><strong>PV: Xin cảm ơn ông!</strong></p>"
                 "<p style='text-align:right'><strong>Ngọc Hân (thực hiện)</strong></p>")
    got = extract_page(html, "https://huyen.gov.vn/tin/1")
    assert "PV: Xin ông cho biết kết quả nổi bật?" in got.paragraphs
    assert "Phóng viên: Vậy huyện sẽ có giải pháp gì?" in got.paragraphs
    assert "PV: Xin cảm ơn ông!" in got.paragraphs
    assert got.author == "Ngọc Hân (thực hiện)"
    assert got.kind == "interview"


def test_a_byline_prefix_still_credits_a_name():
    html = _page(_LEAD + "<p>Huyện tập trung tháo gỡ khó khăn cho doanh nghiệp và người dân trong năm nay.</p>"
                 "<p>PV: Thu Hà</p>")
    assert extract_page(html, "https://huyen.gov.vn/tin/2").author == "Thu Hà"


def test_schedule_keeps_day_headings_items_markers_and_repeated_labels():
    days = "".join(f"<p><strong>Thứ {d} ({n}/11/2024):</strong></p><p><strong>Buổi sáng:</strong></p>"
                   f"<p>- 8 giờ 00: Thường trực Tỉnh ủy làm việc với Ban Tổ chức Tỉnh ủy về công tác cán bộ.</p>"
                   f"<p>- Địa điểm: Phòng họp số 1, trụ sở Tỉnh ủy.</p>"
                   for d, n in (("Năm", 28), ("Sáu", 29)))
    html = _page("<p>Văn phòng Tỉnh ủy thông báo lịch làm việc của Thường trực Tỉnh ủy trong tuần như sau:</p>"
                 + days + "<p style='text-align:right'><strong>Văn phòng Tỉnh ủy</strong></p>",
                 title="Lịch làm việc của Thường trực Tỉnh ủy")
    got = extract_page(html, "https://tinhuy.gov.vn/lich/1")
    assert got.paragraphs.count("Buổi sáng:") == 2
    assert got.paragraphs.count("- Địa điểm: Phòng họp số 1, trụ sở Tỉnh ủy.") == 2
    assert "Thứ Sáu (29/11/2024):" in got.paragraphs
    assert "- 8 giờ 00: Thường trực Tỉnh ủy làm việc với Ban Tổ chức Tỉnh ủy về công tác cán bộ." in got.paragraphs
    assert got.author == "Văn phòng Tỉnh ủy"
    assert got.kind == "schedule"


def test_list_items_get_no_marker_the_page_did_not_print():
    html = _page(_LEAD + "<ul><li>Hoàn thành 12 công trình giao thông nông thôn trong sáu tháng đầu năm.</li>"
                 "<li>Thu ngân sách đạt 62 phần trăm dự toán được giao cả năm.</li></ul>")
    got = extract_page(html, "https://huyen.gov.vn/tin/3")
    assert "Hoàn thành 12 công trình giao thông nông thôn trong sáu tháng đầu năm." in got.paragraphs
    assert not any(p.startswith("-") for p in got.paragraphs)


def test_a_long_paragraph_printed_twice_is_kept_once():
    para = "<p>Huyện tập trung tháo gỡ khó khăn cho doanh nghiệp và người dân trong sáu tháng cuối năm nay.</p>"
    got = extract_page(_page(_LEAD + para + para), "https://huyen.gov.vn/tin/4")
    assert len(got.paragraphs) == 1


def test_institutional_bylines_are_authors_but_a_bare_office_word_is_not():
    body = _LEAD + "<p>Huyện tập trung tháo gỡ khó khăn cho doanh nghiệp và người dân trong năm nay.</p>"
    office = _page(body + "<div class='author'>Tác giả: Ban Tuyên giáo Tỉnh ủy</div>")
    assert extract_page(office, "https://a.gov.vn/1").author == "Ban Tuyên giáo Tỉnh ủy"
    bare = _page(body + "<div class='author'>Văn phòng</div>")
    assert extract_page(bare, "https://a.gov.vn/2").author is None
    labelled = _page(body + "<div class='author'><div>Tác giả</div><div>Văn phòng Đoàn ĐBQH và HĐND tỉnh</div></div>")
    assert extract_page(labelled, "https://a.gov.vn/3").author == "Văn phòng Đoàn ĐBQH và HĐND tỉnh"
    centre = _page(body + "<p style='text-align:right'><strong>Trung tâm Văn hóa, Thông tin và Thể thao huyện"
                          "</strong></p>")
    assert extract_page(centre, "https://a.gov.vn/4").author == "Trung tâm Văn hóa, Thông tin và Thể thao huyện"


def test_a_sentence_about_an_office_at_the_end_is_not_a_byline():
    html = _page(_LEAD + "<p>Huyện tập trung tháo gỡ khó khăn cho doanh nghiệp và người dân trong năm nay.</p>"
                 "<p>Ban Tổ chức Huyện ủy sẽ tổng hợp kết quả và báo cáo Thường trực Huyện ủy.</p>")
    got = extract_page(html, "https://a.gov.vn/5")
    assert got.author is None and got.paragraphs[-1].startswith("Ban Tổ chức Huyện ủy")


def test_page_kind_signals():
    assert page_kind("Kết quả hội nghị", ["Sáng 5/3, hội nghị diễn ra.", "Các đại biểu thảo luận."]) == "article"
    assert page_kind("Quyết định ban hành quy chế", ["Điều 1. Ban hành kèm theo.", "Điều 2. Hiệu lực.",
                                                     "Điều 3. Tổ chức thực hiện."]) == "document"
    assert page_kind("Thông báo tuyển dụng viên chức", ["Sở Y tế thông báo tuyển dụng."]) == "announcement"
    assert page_kind("Cổng thông tin", ["Số: 12/TB-UBND", "Về việc tổng vệ sinh môi trường."]) == "announcement"
    text = ["Bản tin ngắn về mùa lúa chín trên cánh đồng xã."]
    assert page_kind("Mùa lúa chín", text, media=Media(video=True)) == "video"
    assert page_kind("Mùa lúa chín", text, media=Media(video=False)) == "article"
    assert page_kind("Mùa lúa chín", text, captions=["Ảnh một", "Ảnh hai", "Ảnh ba", "Ảnh bốn"]) == "photo_story"
    # A report that mentions one question and one time is still an article.
    assert page_kind("Hội nghị", ["Sáng 5/3, 8 giờ 00 hội nghị khai mạc.", "Vì sao tiến độ chậm?",
                                  "Các đại biểu thảo luận."]) == "article"
    # A long report with a player embedded is not a video page.
    assert page_kind("Hội nghị", ["x" * 2500], media=Media(video=True)) == "article"


def test_kind_is_a_field_older_messages_validate_without():
    fields = dict(portal_id="p", province="Hà Nội", url="https://a/1", canonical_url="https://a/1", title="t",
                  text="x", fingerprint="f")
    assert Article(**fields).kind == PageKind.article
    assert Article.model_validate_json(Article(**fields, kind="interview").model_dump_json()).kind == "interview"
    assert "kind" in Article.model_json_schema()["properties"]


def test_to_article_carries_the_kind():
    html = _page(_LEAD + "<p>PV: Xin ông cho biết kết quả nổi bật?</p><p>Ông An: Huyện đạt nhiều kết quả.</p>"
                 "<p>PV: Vậy huyện sẽ có giải pháp gì?</p><p>Ông An: Huyện tháo gỡ khó khăn.</p>")
    page = RawPage(url="https://a.gov.vn/6", final_url="https://a.gov.vn/6", canonical_url="https://a.gov.vn/6",
                   portal_id="p", province="Hà Nội", http_status=200, body=html, body_encoding="identity",
                   body_length=len(html), fetched_at="2024-06-01T00:00:00+07:00")
    assert to_article(page, extract_page(html, page.url)).kind == PageKind.interview
