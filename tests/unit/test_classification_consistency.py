"""A classification never contradicts its evidence: negative rules decide unless a named signal overrides them,
and the confidence (the calibrated probability of a meeting report) is at or above the threshold exactly when
the article is classified a report."""

import pytest

from consumers.domain.classification import MeetingClassifier
from consumers.domain.classification.classifier import THRESHOLD, Classification, decide
from consumers.domain.classification.consistency import contradictions, reliability

NEG_RATE = 0.02


def _decide(**kw):
    args = dict(p_raw=0.9, p_cal=0.9, reported=False, headline_negative=None, body_negatives=[],
                negative_rate=NEG_RATE)
    args.update(kw)
    return decide(**args)


def test_threshold_is_documented_and_one_half():
    assert THRESHOLD == 0.5


@pytest.mark.parametrize("p_cal", [0.0, 0.2, 0.4999, 0.5, 0.51, 0.9, 1.0])
def test_without_rules_the_calibrated_probability_decides_against_the_threshold(p_cal):
    is_meeting, confidence, evidence = _decide(p_raw=p_cal, p_cal=p_cal)
    assert is_meeting == (p_cal >= THRESHOLD)
    assert confidence == p_cal and evidence == []


def test_a_body_negative_decides_against_a_confident_model():
    is_meeting, confidence, evidence = _decide(p_cal=0.99, body_negatives=["interview"])
    assert not is_meeting and confidence == NEG_RATE and confidence < THRESHOLD
    assert not any(e.startswith("override:") for e in evidence)


def test_a_body_negative_is_overridden_only_by_a_reported_opening_the_model_agrees_with():
    is_meeting, confidence, evidence = _decide(p_cal=0.99, reported=True, body_negatives=["schedule"])
    assert is_meeting and confidence >= THRESHOLD
    assert "override:negative:schedule:by:reported-opening+model" in evidence
    # the opening alone, or the model alone, is not enough
    assert not _decide(p_cal=0.3, reported=True, body_negatives=["schedule"])[0]
    assert not _decide(p_cal=0.99, reported=False, body_negatives=["schedule"])[0]


def test_a_headline_negative_decides_unless_the_model_is_nearly_certain():
    is_meeting, confidence, evidence = _decide(p_raw=0.9, p_cal=0.99, headline_negative="not:schedule")
    assert not is_meeting and confidence < THRESHOLD and evidence == ["rule:title:not:schedule"]
    is_meeting, confidence, evidence = _decide(p_raw=0.99, p_cal=0.999, headline_negative="not:schedule")
    assert is_meeting and any(e.startswith("override:negative:title:schedule:by:") for e in evidence)


def test_contradiction_checker_names_each_kind():
    assert contradictions(Classification(True, "review_conference", 0.9, ["rule:negative:interview:pv:"])) == [
        "negative-without-override:interview"]
    assert contradictions(Classification(True, "review_conference", 0.9, [
        "override:negative:interview:by:reported-opening+model", "rule:negative:interview:pv:"])) == []
    assert contradictions(Classification(True, "review_conference", 0.3, [])) == ["confidence-below-threshold"]
    assert contradictions(Classification(False, None, 0.7, [])) == ["confidence-above-threshold"]
    assert contradictions(Classification(False, "review_conference", 0.1, [])) == ["type-without-report"]
    assert contradictions(Classification(True, "review_conference", 0.9, ["rule:title:not:schedule"])) == [
        "negative-without-override:schedule"]


ARTICLES = [
    ("Chủ tịch UBND huyện: Tập trung tháo gỡ vướng mắc để giải ngân vốn đầu tư",
     "Nhân dịp kỳ họp thường lệ cuối năm của HĐND huyện sắp diễn ra, phóng viên đã có cuộc trao đổi với "
     "Chủ tịch UBND huyện.\nPV: Thưa ông, tiến độ giải ngân ra sao?\nÔng Nguyễn Văn A: Huyện đã tập trung ..."),
    ("Khai mạc kỳ họp thứ 9 HĐND tỉnh khóa X",
     "Sáng 10/12, HĐND tỉnh khóa X khai mạc kỳ họp thứ 9. Đồng chí Trần Văn B, Chủ tịch HĐND tỉnh chủ trì kỳ "
     "họp. Kỳ họp dự kiến diễn ra trong 3 ngày."),
    ("Lịch công tác tuần của Thường trực Tỉnh ủy", "Sáng thứ Hai (9/12): Thường trực Tỉnh ủy họp giao ban."),
    ("Nghị quyết số 12/NQ-HĐND về giá đất", "HỘI ĐỒNG NHÂN DÂN TỈNH QUYẾT NGHỊ: Điều 1. Ban hành ..."),
    ("Hà Tĩnh có 66 học sinh đạt giải quốc gia", "Năm nay, tỉnh có 66 học sinh đạt giải."),
]


@pytest.mark.parametrize("title,text", ARTICLES, ids=["interview", "report", "schedule", "resolution", "news"])
@pytest.mark.parametrize("with_model", [True, False], ids=["model", "rules-only"])
def test_shipped_classifier_never_contradicts_itself(title, text, with_model):
    c = (MeetingClassifier() if with_model else MeetingClassifier(model=None)).classify(title, text)
    assert contradictions(c) == [], c
    assert 0.0 <= c.confidence <= 1.0


def test_an_interview_naming_a_session_is_not_a_report():
    c = MeetingClassifier().classify(*ARTICLES[0])
    assert not c.is_meeting_report and c.meeting_type is None and c.confidence < THRESHOLD


def test_a_report_that_quotes_the_sessions_planned_length_fires_no_schedule_rule():
    # "Kỳ họp dự kiến diễn ra trong 3 ngày" is an opened session's length (it once fired the schedule rule, which
    # the reported opening then had to override).
    c = MeetingClassifier().classify(*ARTICLES[1])
    assert c.is_meeting_report and c.confidence >= THRESHOLD
    assert not any(e.startswith("rule:negative:schedule") for e in c.evidence)


def test_a_report_that_quotes_a_schedule_phrase_names_the_override():
    c = MeetingClassifier().classify("Khai mạc kỳ họp thứ 9 HĐND tỉnh khóa X",
                                     "Sáng 10/12, HĐND tỉnh khóa X khai mạc kỳ họp thứ 9. Đồng chí Trần Văn B, Chủ tịch "
                                     "HĐND tỉnh chủ trì kỳ họp. Phiên chất vấn sẽ diễn ra vào ngày mai.")
    assert c.is_meeting_report and c.confidence >= THRESHOLD
    assert "override:negative:schedule:by:reported-opening+model" in c.evidence


def test_reliability_table_and_expected_calibration_error():
    ece, table = reliability([0.05, 0.05, 0.95, 0.95, 1.0], [False, False, True, True, True])
    assert len(table) == 10 and sum(b["n"] for b in table) == 5
    assert ece == pytest.approx(2 / 5 * 0.05 + 3 / 5 * (1 - (0.95 + 0.95 + 1.0) / 3))
    assert reliability([0.7, 0.7], [True, False])[0] == pytest.approx(0.2)


# Written before the rule: deputies meeting voters before a session were typed as the session itself.
@pytest.mark.parametrize("title,text", [
    ("Cử tri xã Hải Phú lo thiếu nước tưới",
     "Ngày 20/11, Tổ đại biểu HĐND tỉnh ứng cử tại huyện Hải Lăng tiếp xúc cử tri xã Hải Phú trước Kỳ họp thứ 30 "
     "HĐND tỉnh khóa VIII. Đồng chí Lê Văn An chủ trì buổi tiếp xúc.\nCử tri phản ánh kênh tưới xuống cấp."),
    ("Cử tri vùng cao kiến nghị đầu tư đường vào bản",
     "Ngày 24/11, Tổ đại biểu HĐND tỉnh gồm ông Lục Văn Thành và bà Tằng Thị Vân đã tiếp xúc cử tri các xã Đồng "
     "Văn, Hoành Mô trước kỳ họp thường lệ cuối năm 2024 của HĐND tỉnh.\nTại buổi tiếp xúc, cử tri phản ánh."),
])
def test_a_voters_meeting_before_a_session_is_not_the_session(title, text):
    result = MeetingClassifier().classify(title, text)
    assert result.is_meeting_report
    assert result.meeting_type == "other_official_meeting", result.evidence


def test_a_session_report_recounting_voters_meetings_stays_a_session():
    title = "Khai mạc Kỳ họp thứ 20 HĐND tỉnh khóa XVII"
    text = ("Sáng 9/12, HĐND tỉnh khóa XVII khai mạc Kỳ họp thứ 20. Đồng chí Nguyễn Văn Bình, Chủ tịch HĐND tỉnh "
            "chủ trì kỳ họp.\nKỳ họp nghe báo cáo tổng hợp ý kiến, kiến nghị của cử tri qua tiếp xúc cử tri trước "
            "kỳ họp và thảo luận các dự thảo nghị quyết.")
    result = MeetingClassifier().classify(title, text)
    assert result.is_meeting_report and result.meeting_type == "peoples_council_session", result.evidence


def test_a_ward_party_congress_after_the_merger_is_the_sub_provincial_party_meeting():
    # Since 1 July 2025 there are no districts: a commune's or ward's party congress is the level below the province.
    title = "Đại hội đại biểu Đảng bộ phường Phước Hậu lần thứ I, nhiệm kỳ 2025 - 2030"
    text = ("Sáng 14/8, Đảng bộ phường Phước Hậu long trọng tổ chức Đại hội đại biểu lần thứ I, nhiệm kỳ 2025 - 2030. "
            "Đoàn Chủ tịch đại hội gồm các đồng chí Nguyễn Văn Hùng, Bí thư Đảng ủy phường, chủ trì đại hội.\n"
            "Đại hội đã bầu Ban Chấp hành Đảng bộ phường khóa I gồm 25 đồng chí.")
    result = MeetingClassifier().classify(title, text)
    assert result.is_meeting_report and result.meeting_type == "district_party_conference", result.evidence


def test_the_councils_standing_body_meeting_between_sessions_is_no_session():
    title = "Thường trực HĐND tỉnh họp phiên thường kỳ tháng 10/2025"
    text = ("Chiều 28/10, Thường trực HĐND tỉnh họp phiên thường kỳ tháng 10/2025 để cho ý kiến về công tác chuẩn bị "
            "Kỳ họp thứ 5 HĐND tỉnh. Đồng chí Lộc Thị Hoa Mai, Chủ tịch HĐND tỉnh chủ trì phiên họp.")
    result = MeetingClassifier().classify(title, text)
    assert result.is_meeting_report and result.meeting_type == "other_official_meeting", result.evidence


def test_a_congress_presidium_chairs_it():
    from consumers.domain.officials import presiding

    text = ("Sáng 1/8, Đảng bộ xã Nam Tiền Hải tổ chức Đại hội đại biểu lần thứ I. Đoàn Chủ tịch đại hội gồm các "
            "đồng chí Phạm Văn Quyết, Bí thư Đảng ủy xã; Vũ Thị Lan, Phó Bí thư Thường trực Đảng ủy xã và Đào Minh "
            "Chiến, Chủ tịch UBND xã.\nBà Nguyễn Thị Hoa, Ủy viên Đoàn Chủ tịch Ủy ban Trung ương MTTQ Việt Nam dự.")
    assert [p["name"] for p in presiding(text)] == ["Phạm Văn Quyết", "Vũ Thị Lan", "Đào Minh Chiến"]


def test_an_announcement_of_a_voters_meeting_is_not_one():
    title = "Thông báo về việc tổ chức tiếp xúc cử tri trước Kỳ họp thứ 29 HĐND tỉnh"
    text = ("Thường trực HĐND tỉnh thông báo kế hoạch tiếp xúc cử tri trước Kỳ họp thứ 29 HĐND tỉnh khóa XII như sau:\n"
            "1. Thời gian: từ ngày 17/11 đến ngày 28/11/2025.\n"
            "2. Địa điểm: tại trụ sở UBND các xã, phường, đặc khu nơi đại biểu ứng cử.\n"
            "3. Thành phần: đại biểu HĐND tỉnh, đại diện Ủy ban MTTQ Việt Nam cấp xã và cử tri trên địa bàn.\n"
            "Đề nghị Ủy ban MTTQ Việt Nam cấp xã phối hợp chuẩn bị chu đáo các điều kiện cho hội nghị.")
    result = MeetingClassifier().classify(title, text)
    assert not result.is_meeting_report, result.evidence


def test_a_centrally_run_citys_party_executive_is_provincial():
    title = "Hội nghị Ban Chấp hành Đảng bộ thành phố lần thứ hai, khóa I"
    text = ("Ngày 2/12, Ban Chấp hành Đảng bộ thành phố Cần Thơ khóa I, nhiệm kỳ 2025 - 2030 tổ chức Hội nghị lần thứ "
            "hai để đánh giá tình hình thực hiện nhiệm vụ năm 2025. Đồng chí Bí thư Thành ủy chủ trì hội nghị.")
    result = MeetingClassifier().classify(title, text)
    assert result.meeting_type == "provincial_party_executive_conference", result.evidence
    # A city that is not centrally run stays a district-level party conference.
    district = MeetingClassifier().classify(title, text.replace("Cần Thơ", "Long Xuyên"))
    assert district.meeting_type == "district_party_conference", district.evidence


# Attacks from the review of the rules above: each held before them and must hold after.
def test_a_meeting_that_gathers_opinions_stays_a_meeting():
    title = "Thủ tướng chủ trì hội nghị lấy ý kiến các địa phương về dự thảo Nghị định"
    text = ("Sáng 14/8, Thủ tướng Chính phủ chủ trì hội nghị trực tuyến với các địa phương để lấy ý kiến về dự thảo "
            "Nghị định. Tại điểm cầu tỉnh, đồng chí Chủ tịch UBND tỉnh dự.\nCác đại biểu thảo luận, góp ý.")
    assert MeetingClassifier().classify(title, text).is_meeting_report


def test_a_guest_from_a_central_citys_committee_leaves_a_district_conference_district():
    title = "Hội nghị Ban Chấp hành Đảng bộ huyện Sóc Sơn lần thứ 24"
    text = ("Sáng 18/12, Ban Chấp hành Đảng bộ huyện Sóc Sơn tổ chức Hội nghị lần thứ 24. Đồng chí Bí thư Huyện ủy chủ "
            "trì hội nghị. Dự hội nghị có đồng chí Nguyễn Văn B, Ủy viên Ban Chấp hành Đảng bộ thành phố Hà Nội.")
    assert MeetingClassifier().classify(title, text).meeting_type == "district_party_conference"


def test_a_session_report_recounting_voters_meetings_under_another_headline_stays_a_session():
    title = "HĐND tỉnh thông qua 30 nghị quyết quan trọng"
    text = ("Sáng 9/12, HĐND tỉnh khóa XVII bế mạc Kỳ họp thứ 20. Đồng chí Chủ tịch HĐND tỉnh chủ trì kỳ họp. Kỳ họp "
            "đã xem xét ý kiến cử tri qua tiếp xúc cử tri trước kỳ họp và thông qua 30 nghị quyết.")
    assert MeetingClassifier().classify(title, text).meeting_type == "peoples_council_session"
