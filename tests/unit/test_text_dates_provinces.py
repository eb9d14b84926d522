import datetime as dt
import unicodedata

import pytest

from consumers.domain.dates import parse_datetime, resolve_short_date
from consumers.domain.provinces import load_provinces
from consumers.domain.text import clean_spaces, fingerprint, fold


def test_fingerprint_ignores_encoding_tone_placement_and_spacing():
    a = "Uỷ ban nhân dân tỉnh hoà bình"
    b = "Ủy  ban nhân dân tỉnh\nhòa bình"
    c = unicodedata.normalize("NFD", b)
    assert fingerprint(a) == fingerprint(b) == fingerprint(c)
    assert fingerprint(a) != fingerprint("Ủy ban nhân dân tỉnh hòa bình mới")


def test_fold_keeps_vowel_quality_apart():
    assert fold("tăng") != fold("tầng") != fold("tang")


def test_clean_spaces_is_nfc_and_drops_invisible_characters():
    text = unicodedata.normalize("NFD", "Hội\u200b  nghị\u00a0tỉnh")
    assert clean_spaces(text) == "Hội nghị tỉnh"


@pytest.mark.parametrize("text,expected", [
    ("Thứ 6, 28/07/2023 | 18:13:12 [GMT +7]", (2023, 7, 28, 18, 13, 12)),
    ("Thứ năm - 06/07/2023 22:37", (2023, 7, 6, 22, 37, 0)),
    ("18:26, 28/07/2023", (2023, 7, 28, 18, 26, 0)),
    ("2023-07-06ICT22:37:00", (2023, 7, 6, 22, 37, 0)),
    ("Cập nhật: 14:05 ngày 12/09/2023", (2023, 9, 12, 14, 5, 0)),
    ("2023-07-28T11:13:12Z", (2023, 7, 28, 18, 13, 12)),
    # The weekday between the time and the date keeps the time (it was read as the date alone, 00:00).
    ("Cập nhật lúc 17:20, Thứ Sáu, 26/04/2024", (2024, 4, 26, 17, 20, 0)),
    ("08:15 Chủ nhật, ngày 5/6/2024", (2024, 6, 5, 8, 15, 0)),
    ("9h30 - thứ 2 - 03/11/2025", (2025, 11, 3, 9, 30, 0)),
])
def test_date_lines_are_day_first_in_vietnam_time(text, expected):
    value = parse_datetime(text)
    assert value is not None and value.utcoffset() == dt.timedelta(hours=7)
    assert (value.year, value.month, value.day, value.hour, value.minute, value.second) == expected


@pytest.mark.parametrize("text,published,expected", [
    ("Sáng 17/1, đồng chí Trương Thị Mai chủ trì", dt.date(2024, 1, 17), dt.date(2024, 1, 17)),
    ("Chiều 30/12, Ban Chấp hành họp", dt.date(2024, 1, 2), dt.date(2023, 12, 30)),
    ("Chiều 6/7, Ban Chấp hành Đảng bộ tỉnh", dt.date(2023, 7, 6), dt.date(2023, 7, 6)),
    ("Ngày 28/7/2023, Thường trực Ban Bí thư", dt.date(2023, 7, 28), dt.date(2023, 7, 28)),
    ("Sáng nay (12/9), UBND tỉnh họp", dt.date(2023, 9, 12), dt.date(2023, 9, 12)),
    ("Trong 2 ngày 8 và 9/12, kỳ họp", dt.date(2023, 12, 10), dt.date(2023, 12, 8)),
])
def test_short_meeting_dates_take_the_year_from_the_publish_date(text, published, expected):
    assert resolve_short_date(text, published) == expected


def test_provinces_map_63_to_34():
    provinces = load_provinces()
    assert len({v[0] for v in provinces.by_fold.values()}) == 63
    assert len({v[1] for v in provinces.by_fold.values()}) == 34
    assert provinces.current("Hà Giang") == "Tuyên Quang"
    assert provinces.current("tỉnh Thái Bình") == "Hưng Yên"
    assert provinces.current("Thừa Thiên Huế") == "Huế"
    assert provinces.current("Quảng Ninh") == "Quảng Ninh"
    assert provinces.mentioned("tại điểm cầu tỉnh Hà Giang, Quảng Ninh và TP.HCM") == ["Hà Giang", "Quảng Ninh",
                                                                                      "Hồ Chí Minh"]
