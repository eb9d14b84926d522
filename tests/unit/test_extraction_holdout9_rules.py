"""Generic rules found on holdout9 (spent): a visit date with the weekday after the date, day headings in that
form, a Tailwind line-height class that is no lead, a title block that holds the date and tags, a section
link above the headline, a centred document heading broken over lines, "T/M" signatures, and template keys
that read a visit date's weekday like its numbers."""

from consumers.domain.extraction import extract_page
from consumers.domain.extraction.chrome import load_rules
from consumers.domain.extraction.template import block_key
from consumers.domain.text import fold

_TITLE = "Ban Thường vụ Tỉnh ủy cho ý kiến về đề án phát triển kinh tế biển"
_LEAD = ("Chiều 25/11, Ban Thường vụ Tỉnh ủy họp cho ý kiến vào dự thảo Đề án phát triển kinh tế biển đến năm "
         "2030, tầm nhìn đến năm 2045. Bí thư Tỉnh ủy chủ trì cuộc họp.")
_BODY = ("<p>Các đồng chí Ủy viên Ban Thường vụ Tỉnh ủy cơ bản thống nhất với dự thảo, đồng thời đề nghị bổ sung giải "
         "pháp ứng phó xâm nhập mặn và sạt lở bờ biển.</p>"
         "<p>Kết luận cuộc họp, Bí thư Tỉnh ủy giao Đảng ủy UBND tỉnh tiếp thu ý kiến, hoàn chỉnh đề án trình Hội "
         "nghị Ban Chấp hành Đảng bộ tỉnh vào tháng 12.</p>")


def _page(article: str, head: str = "", title: str = _TITLE) -> bytes:
    return (f"<html><head><title>{title} | Báo tỉnh</title></head><body><nav><a href='/thoi-su'>Thời sự</a></nav>"
            f"<main>{head}<article>{article}</article></main></body></html>").encode("utf-8")


def test_a_visit_date_with_the_weekday_after_the_date_is_chrome():
    rules = load_rules()
    assert rules.is_chrome_line("Hôm nay: 19/12/2024 (Thứ Năm)")
    assert rules.is_chrome_line("19/12/2024 - Thứ Năm")
    assert not rules.is_chrome_line("Ngày 19/12/2024 (Thứ Năm), HĐND huyện khai mạc kỳ họp thứ 18")


def test_a_day_heading_with_the_weekday_after_the_date_stays_in_a_schedule():
    days = "".join(f"<p>Ngày {d}/3/2024 ({w})</p><p>- 8 giờ 00: Thường trực Hội làm việc với cơ sở số {d}.</p>"
                   for d, w in ((5, "Thứ Ba"), (6, "Thứ Tư")))
    days += "<p>NGÀY 07/3/2024 (THỨ NĂM)</p><p>Buổi sáng</p><p>- Dự hội nghị sơ kết công tác quý I.</p>"
    got = extract_page(_page(f"<h1>Chương trình công tác tuần của Thường trực Hội</h1>{days}",
                             title="Chương trình công tác tuần của Thường trực Hội"), "https://hoi.vn/lich/10")
    lines = got.text.split("\n") + [got.lead]
    for heading in ("Ngày 5/3/2024 (Thứ Ba)", "Ngày 6/3/2024 (Thứ Tư)", "NGÀY 07/3/2024 (THỨ NĂM)"):
        assert heading in lines, (heading, lines)


def test_a_line_height_class_is_no_lead_and_the_kicker_above_the_headline_is_chrome():
    article = (f"<a href='/thoi-su' class='kicker'>Thời sự</a><h1 class='mt-2 text-3xl leading-tight'>{_TITLE}</h1>"
               f"<p class='sapo text-lg'>{_LEAD}</p><div class='prose'>{_BODY}</div>")
    got = extract_page(_page(article), "https://baotinh.vn/thoi-su/1")
    assert got.lead == _LEAD
    assert "Thời sự" not in got.text.split("\n") and _TITLE not in got.text


def test_a_title_block_holding_the_date_and_tags_gives_the_heading_alone():
    article = (f"<div class='content-title'>\n<h2 class='p-name'>{_TITLE}</h2>\n<span class='blog-date'><time "
               "class='dt-published' datetime='2025-11-25T15:20:00+07:00'>25/11/2025 3:20 CH</time></span>\n"
               "<span class='tags'><a href='/tag/a' class='p-category'>Kinh tế biển</a> <a href='/tag/b' "
               "class='p-category'>Tỉnh ủy</a></span>\n</div>"
               f"<div class='e-content'><p>{_LEAD}</p>{_BODY}</div>")
    got = extract_page(_page(article), "https://baotinh.vn/tin/2")
    assert got.title == _TITLE


def test_a_centred_document_heading_over_several_lines_is_one_paragraph_and_t_m_signs_it():
    article = (f"<h1>{_TITLE}</h1><p>{_LEAD}</p>"
               "<p style='text-align:center'><strong>NGHỊ QUYẾT</strong></p>"
               "<p style='text-align:center'><strong>Quy định chính sách hỗ trợ ngư dân khai thác hải sản xa bờ<br>"
               "trên địa bàn tỉnh</strong></p>" + _BODY +
               "<div class='row'><div class='col-md-5 text-center'>Nơi nhận:<br>- Ban Chỉ đạo Trung ương;<br>- Lưu "
               "Văn phòng.</div><div class='col-md-7 text-center'>T/M BAN THƯỜNG VỤ<br>BÍ THƯ<br>Trịnh Quốc Bảo"
               "</div></div>"
               "<p style='text-align:center'>Địa chỉ: 01 Trần Phú<br>Điện thoại: 0239 3855 555</p>")
    got = extract_page(_page(article), "https://tinhuy.vn/van-ban/3")
    lines = got.text.split("\n")
    assert "Quy định chính sách hỗ trợ ngư dân khai thác hải sản xa bờ trên địa bàn tỉnh" in lines, lines
    assert "T/M BAN THƯỜNG VỤ BÍ THƯ Trịnh Quốc Bảo" in lines, lines
    assert "Nơi nhận: - Ban Chỉ đạo Trung ương; - Lưu Văn phòng." in lines, lines
    assert got.author is None
    # A centred footer whose lines are chrome keeps them apart, so each is still recognised.
    assert not any("Điện thoại" in line for line in lines), lines


def test_a_visit_dates_weekday_reads_as_one_block_for_template_learning():
    keys = {block_key(fold(f"Hôm nay: {d} ({w})")) for d, w in (("19/12/2024", "Thứ Năm"), ("16/01/2025", "Thứ Ba"),
                                                                ("11/06/2024", "thứ 3"))}
    assert len(keys) == 1
    # Longer lines keep their words: an article sentence naming a weekday stays its own block.
    assert block_key(fold("Thứ Năm tuần này, HĐND tỉnh khai mạc kỳ họp thứ 20 khóa XVII tại hội trường")) != \
        block_key(fold("Thứ Ba tuần này, HĐND tỉnh khai mạc kỳ họp thứ 20 khóa XVII tại hội trường"))
