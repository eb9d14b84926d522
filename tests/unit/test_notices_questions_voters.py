"""Three generic kinds of page the classifier got wrong on an unseen set (classification_holdout5, first
measurement): a notice that convenes a future conference (not a report), the questioning sitting of a People's
Council session that a chair "điều hành" (a report, of type peoples_council_session) and deputies' meeting with
voters before a session (a report, other_official_meeting). The articles here are invented for these tests.
"""

import datetime as dt

from consumers.domain.analysis import analyse
from consumers.domain.classification import MeetingClassifier
from consumers.domain.classification.consistency import contradictions
from consumers.domain.classification.rules import opening_rule, rule_hits, title_rule
from consumers.domain.facts import read_facts
from consumers.domain.officials import presiding

PUBLISHED = dt.datetime(2024, 12, 12, 18, 0, tzinfo=dt.timezone(dt.timedelta(hours=7)))
CLASSIFIER = MeetingClassifier()


def _names(people):
    return [p["name"] for p in people]


# --- notices of a future event -------------------------------------------------------------------------------

NOTICE_TEXT = (
    "Căn cứ Kế hoạch số 88/KH-UBND ngày 14/2/2024 của UBND huyện về phát triển kinh tế tập thể, UBND huyện "
    "tổ chức Hội nghị gặp mặt các hợp tác xã đầu năm, cụ thể như sau:\n"
    "1. Thời gian: 01 buổi, từ 14 giờ 00, thứ Ba, ngày 19/3/2024.\n"
    "2. Địa điểm: Hội trường UBND huyện.\n"
    "3. Thành phần: Chủ tịch UBND huyện chủ trì; lãnh đạo các phòng, ban; đại diện các hợp tác xã.\n"
    "4. Nội dung: Các hợp tác xã nêu khó khăn về vốn, đất đai; lãnh đạo huyện trả lời tại hội nghị."
)


def test_a_headline_that_announces_organising_or_convening_is_a_notice():
    assert title_rule("Thông báo tổ chức Hội nghị gặp mặt các hợp tác xã năm 2024") == "not:announcement"
    assert title_rule("Thông báo triệu tập Kỳ họp thứ 12 HĐND huyện khóa XX") == "not:announcement"
    assert title_rule("Triệu tập kỳ họp chuyên đề HĐND tỉnh") == "not:announcement"
    # a report that mentions a notice further on is not a notice
    assert title_rule("Hội nghị Ban Chấp hành Đảng bộ tỉnh thông báo tổ chức đại hội") is None


def test_the_fields_of_a_notice_are_a_negative_signal():
    hits = rule_hits("Hội nghị gặp mặt các hợp tác xã năm 2024", NOTICE_TEXT)
    assert "announcement" in hits.negative_hits
    # one field alone (a report saying where it took place) is not a notice
    one = rule_hits("Hội nghị", "Sáng 3/4, huyện tổ chức hội nghị. Địa điểm: hội trường huyện. Ông A chủ trì.")
    assert "announcement" not in one.negative_hits


def test_a_notice_convening_a_conference_is_not_a_report_even_without_a_notice_headline():
    for title in ("Thông báo tổ chức Hội nghị gặp mặt các hợp tác xã năm 2024",
                  "Hội nghị gặp mặt các hợp tác xã năm 2024"):
        c = CLASSIFIER.classify(title, NOTICE_TEXT)
        assert not c.is_meeting_report and c.meeting_type is None, c
        assert contradictions(c) == []


def test_a_cited_documents_date_does_not_date_the_opening():
    text = ("Thực hiện Kế hoạch số 88/KH-UBND ngày 14/2/2024 của UBND huyện, các phòng, ban chuẩn bị nội dung "
            "hội nghị; Chủ tịch UBND huyện chủ trì.")
    assert not rule_hits("Chuẩn bị hội nghị", text).opens_with_time
    # an opening dated by the meeting itself still is
    assert rule_hits("Hội nghị", "Sáng 14/2, UBND huyện tổ chức hội nghị.").opens_with_time


# --- a questioning sitting ------------------------------------------------------------------------------------

QUESTION_TEXT = (
    "Sáng 12/12, tiếp tục chương trình Kỳ họp thứ 9 HĐND huyện khóa XX (khai mạc từ ngày 11/12), HĐND huyện "
    "dành buổi sáng cho phiên chất vấn và trả lời chất vấn. Chủ tịch HĐND huyện Mông Thị Hoa điều hành phiên "
    "chất vấn.\n"
    "Đại biểu Đinh Văn Sơn (tổ đại biểu xã Tân Lập) chất vấn: Vì sao tuyến đường liên xã bị chậm tiến độ?\n"
    "Trưởng phòng Kinh tế - Hạ tầng trả lời: Phòng đã đôn đốc nhà thầu, phấn đấu hoàn thành trong quý I.\n"
    "Kết thúc phiên chất vấn, Chủ tịch HĐND huyện đề nghị UBND huyện chỉ đạo thực hiện các cam kết."
)


def test_a_chair_who_conducts_a_sitting_presides():
    assert _names(presiding("Ông Trần Văn Đức, Chủ tịch HĐND tỉnh điều hành phiên chất vấn.")) == ["Trần Văn Đức"]
    assert _names(presiding("Chủ tịch HĐND huyện Mông Thị Hoa điều hành phiên chất vấn.")) == ["Mông Thị Hoa"]
    # "chỉ đạo, điều hành" an economy is not chairing anything
    assert presiding("Ông Trần Văn Đức, Chủ tịch UBND tỉnh tập trung chỉ đạo, điều hành phát triển kinh tế.") == []


def test_a_middle_name_marks_a_person_after_an_office_but_places_stay_places():
    assert _names(presiding("Bí thư Huyện ủy Mông Văn Khải chủ trì hội nghị.")) == ["Mông Văn Khải"]
    assert presiding("Bí thư Huyện ủy Sa Pa chủ trì hội nghị.") == []
    assert presiding("Chủ tịch UBND huyện Văn Lãng chủ trì hội nghị.") == []


def test_a_questioning_sitting_is_a_council_session_dated_by_its_opening_day():
    c = CLASSIFIER.classify("Chất vấn về tiến độ đường liên xã", QUESTION_TEXT)
    assert c.is_meeting_report and c.meeting_type == "peoples_council_session", c
    assert contradictions(c) == []
    facts = analyse("Chất vấn về tiến độ đường liên xã", QUESTION_TEXT, PUBLISHED).facts
    assert facts.meeting_date == dt.date(2024, 12, 11)
    assert _names(facts.presiding) == ["Mông Thị Hoa"]


# --- deputies meeting voters ----------------------------------------------------------------------------------

VOTERS_TEXT = (
    "Sáng 5/12, Tổ đại biểu HĐND huyện ứng cử tại đơn vị bầu cử số 2 tiếp xúc cử tri xã Tân Lập trước Kỳ họp "
    "thứ 9 HĐND huyện khóa XX.\n"
    "Tại buổi tiếp xúc, cử tri kiến nghị sửa chữa cầu treo, nạo vét mương thủy lợi và sớm cấp giấy chứng nhận "
    "quyền sử dụng đất.\n"
    "Thay mặt Tổ đại biểu, ông Đinh Văn Sơn tiếp thu, giải trình các ý kiến thuộc thẩm quyền."
)


def test_deputies_meeting_voters_is_an_official_meeting_with_its_date():
    title = "Đại biểu HĐND huyện tiếp xúc cử tri xã Tân Lập"
    c = CLASSIFIER.classify(title, VOTERS_TEXT)
    assert c.is_meeting_report and c.meeting_type == "other_official_meeting", c
    assert contradictions(c) == []
    assert read_facts(title, VOTERS_TEXT, PUBLISHED).meeting_date == dt.date(2024, 12, 5)


def test_deputies_who_will_meet_voters_are_not_a_report():
    text = VOTERS_TEXT.replace("Sáng 5/12, Tổ đại biểu HĐND huyện ứng cử tại đơn vị bầu cử số 2 tiếp xúc",
                               "Sáng 15/12, Tổ đại biểu HĐND huyện ứng cử tại đơn vị bầu cử số 2 sẽ tiếp xúc")
    assert opening_rule(text) == "not:schedule"
    c = CLASSIFIER.classify("Đại biểu HĐND huyện sẽ tiếp xúc cử tri xã Tân Lập", text)
    assert not c.is_meeting_report and contradictions(c) == []
