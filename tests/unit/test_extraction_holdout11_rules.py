"""Generic rules found on holdout11 (spent): read counters "Số lần đọc", visit dates "Hôm nay là: T2, …", a
ticker's label, a date in words in brackets, a time with a minute mark, abbreviated weekdays in template keys,
a caption in a picture's own table cell, right-aligned signatures, and the article's date chosen over a
visit date when the headline is not found."""

from consumers.domain.dates import parse_datetime
from consumers.domain.extraction import extract_page
from consumers.domain.extraction.chrome import load_rules
from consumers.domain.extraction.template import block_key
from consumers.domain.text import fold

_PARAS = ["Ngày 20/12/2024, HĐND xã khóa XX, nhiệm kỳ 2021 - 2026 tổ chức kỳ họp thứ chín để đánh giá kết quả "
          "thực hiện nhiệm vụ năm 2024. Chủ tịch HĐND xã chủ trì kỳ họp.",
          "Kỳ họp đã nghe các báo cáo về tình hình kinh tế - xã hội, thu chi ngân sách và thông qua 6 nghị quyết "
          "quan trọng của xã.",
          "Phát biểu bế mạc, Chủ tịch HĐND xã đề nghị các đại biểu tuyên truyền nghị quyết tới cử tri."]


def test_counters_visit_dates_ticker_labels_and_date_stamps_are_chrome():
    rules = load_rules()
    for line in ("Số lần đọc: 781", "Hôm nay là: T2, 23/12/2024", "Hôm nay là thứ 2, 01/12/2025",
                 "Tin mới cập nhật:", "(Ngày 21 tháng 12 năm 2024)", "16h20' ngày 15/10/2025"):
        assert rules.is_chrome_line(line), line
    for line in ("Số lần đọc sách của học sinh tăng 20% so với năm trước.",
                 "Ngày 21 tháng 12 năm 2024, HĐND xã khai mạc kỳ họp thứ chín."):
        assert not rules.is_chrome_line(line), line
    stamp = parse_datetime("16h20' ngày 15/10/2025")
    assert (stamp.day, stamp.hour, stamp.minute) == (15, 16, 20)


def test_an_abbreviated_weekday_reads_as_one_block_for_template_learning():
    assert len({block_key(fold(f"Hôm nay là: {w}, {d}")) for w, d in (("T2", "23/12/2024"), ("T3", "24/09/2024"),
                                                                      ("CN", "22/12/2024"))}) == 1


def _old_page(body: str) -> bytes:
    # An old table layout, the headline in <font><b> (no heading element), a visit date in the header row.
    return ("<html><head><title>UBND xa Hai Dong</title></head><body><table width='100%'><tr>"
            "<td><font size='1'>Hôm nay là: T2, 23/12/2024</font></td><td><b>Tin mới cập nhật:</b></td>"
            "<td><marquee>Xã tổ chức ra quân làm đường giao thông nông thôn</marquee></td></tr></table>"
            "<table width='100%'><tr><td width='180'><a href='/'>Trang chủ</a><br><a href='/tin'>Tin tức</a></td>"
            f"<td><p><font size='3'><b>HĐND xã tổ chức kỳ họp thứ chín</b></font></p>{body}</td></tr></table>"
            "</body></html>").encode("utf-8")


def test_an_old_layout_keeps_its_caption_out_and_dates_the_article_not_the_visit():
    body = ("<p><font color='#808080'>(Ngày 21 tháng 12 năm 2024)</font></p>"
            + "".join(f"<p>{p}</p>" for p in _PARAS[:2])
            + "<table border='0'><tr><td align='center'><img src='/a.jpg' width='420'><br><font size='1'><i>Các đại "
              "biểu biểu quyết thông qua nghị quyết tại kỳ họp.</i></font></td></tr></table>"
            + f"<p>{_PARAS[2]}</p>")
    got = extract_page(_old_page(body), "http://haidong.vn/tin/1")
    assert "Các đại biểu biểu quyết" not in got.text
    assert any(c.startswith("Các đại biểu biểu quyết") for c in got.captions), got.captions
    assert "Hôm nay" not in got.text and "Tin mới cập nhật" not in got.text
    assert got.published_at is not None and (got.published_at.day, got.published_at.month) == (21, 12)


def test_a_right_aligned_signature_is_one_paragraph_and_no_byline():
    body = ("".join(f"<p>{p}</p>" for p in _PARAS)
            + "<p style='text-align:right'><strong>KT. CHỦ TỊCH<br>PHÓ CHỦ TỊCH<br>Trần Thị Mỹ Dung</strong></p>")
    got = extract_page(_old_page(body), "http://haidong.vn/van-ban/2")
    assert "KT. CHỦ TỊCH PHÓ CHỦ TỊCH Trần Thị Mỹ Dung" in got.text.split("\n")
    assert got.author is None
    # A right-aligned byline over its source stays two lines: the name is the byline.
    body = "".join(f"<p>{p}</p>" for p in _PARAS) + "<p align='right'><b>Minh Anh<br>(Theo Báo Nam Định)</b></p>"
    assert extract_page(_old_page(body), "http://haidong.vn/tin/3").author == "Minh Anh"


# Attacks from the review of the rules above: each must hold.
def _page(body: str, title: str = "HĐND tỉnh thông qua 30 nghị quyết") -> bytes:
    return (f"<html><head><title>{title}</title></head><body><main><article><h1>{title}</h1>{body}</article></main>"
            "</body></html>").encode("utf-8")


def test_a_lead_that_says_today_keeps_its_date():
    for opening in ("Hôm nay, ngày 20/12/2024, HĐND tỉnh bế mạc kỳ họp thứ 20.",
                    "Sáng hôm nay (20/12/2024), HĐND tỉnh bế mạc kỳ họp thứ 20."):
        got = extract_page(_page(f"<p>{opening} Chủ tịch HĐND tỉnh chủ trì.</p><p>{_PARAS[1]}</p>"),
                           "https://hdnd.vn/tin/5")
        assert got.published_at is not None and got.published_at.day == 20, opening


def test_bylines_over_a_source_and_verse_keep_their_lines():
    body = "".join(f"<p>{p}</p>" for p in _PARAS)
    for credit, author in (("<p align='right'><b>NGUYỄN HÀ<br>(Theo Báo Lạng Sơn)</b></p>", "NGUYỄN HÀ"),
                           ("<p style='text-align:center'>Minh Anh<br>(Theo Báo Nam Định)</p>", "Minh Anh")):
        assert extract_page(_page(body + credit), "https://hdnd.vn/tin/6").author == author, credit
    verse = "<p style='text-align:center'><em>Quê hương là chùm khế ngọt<br>Cho con trèo hái mỗi ngày</em></p>"
    lines = extract_page(_page(body + verse + f"<p>{_PARAS[0]} Lần hai.</p>"), "https://hdnd.vn/tin/7").text.split("\n")
    assert "Quê hương là chùm khế ngọt" in lines and "Cho con trèo hái mỗi ngày" in lines, lines


def test_a_weeks_days_over_plain_sentences_stay_and_a_number_is_no_time():
    days = "".join(f"<p>{d}</p><p>Chủ tịch UBND thành phố chủ trì giao ban với các sở, ngành số {n}.</p>"
                   for n, d in enumerate(("THỨ HAI - 24/11/2025", "THỨ BA - 25/11/2025", "THỨ TƯ - 26/11/2025")))
    got = extract_page(_page(f"<p>{_PARAS[0]}</p>{days}", title="Lịch công tác tuần của lãnh đạo UBND thành phố"),
                       "https://haiphong.vn/lich/49")
    for heading in ("THỨ HAI - 24/11/2025", "THỨ BA - 25/11/2025", "THỨ TƯ - 26/11/2025"):
        assert heading in got.text.split("\n")
    rules = load_rules()
    assert rules.is_chrome_line("Thứ Bảy - 29/11/2025")
    got = extract_page(("<html><head><title>Xã hỗ trợ hộ nghèo</title></head><body><div>Thứ Bảy - 29/11/2025</div>"
                        "<main><h1>Xã hỗ trợ hộ nghèo</h1><p>10 hộ dân được hỗ trợ xây nhà đại đoàn kết trong năm "
                        "2025 với tổng kinh phí 600 triệu đồng.</p><p>" + _PARAS[1] + "</p></main></body></html>")
                       .encode("utf-8"), "https://xa.vn/tin/8")
    assert "Thứ Bảy - 29/11/2025" not in got.text


def test_a_short_sentence_about_a_party_office_the_lead_with_a_spacer_and_curly_minute_marks():
    rules = load_rules()
    assert not rules.is_chrome_line("Cơ quan của Tỉnh ủy đã hoàn thành tốt nhiệm vụ năm 2024.")
    assert rules.is_chrome_line("16h20’ ngày 15/10/2025")
    assert parse_datetime("16h20’ ngày 15/10/2025").hour == 16
    body = (f"<div class='sapo'><p>{_PARAS[0]}</p><p>&nbsp;</p></div>" + "".join(f"<p>{p}</p>" for p in _PARAS[1:]))
    assert extract_page(_page(body), "https://hdnd.vn/tin/9").lead == _PARAS[0]
