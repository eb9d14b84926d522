"""An article that names no meeting is not a meeting report, however its opening reads (spent holdouts 6 and 11:
"Ngày 9/10, Sở … công nhận 3 trường …", "Ngày 19/12, Hội … bàn giao 20 mái ấm …" were reports at 0.61-0.68)."""

from consumers.domain.analysis import default_classifier
from consumers.domain.classification.consistency import contradictions

_SCHOOLS = ("Ngày 9/10, Sở Giáo dục và Đào tạo công nhận 3 trường mầm non, tiểu học và trung học cơ sở trên địa bàn xã "
            "đạt chuẩn quốc gia mức độ 1.\nĐể đạt chuẩn, các trường được đầu tư hơn 46 tỷ đồng xây mới phòng học.")
_HOUSES = ("Ngày 19/12, Hội LHPN tỉnh phối hợp với các nhà tài trợ bàn giao 20 mái ấm tình thương cho hội viên phụ "
           "nữ nghèo tại ba xã.\nMỗi căn nhà rộng 40 m², trị giá 60 triệu đồng.")


def test_an_article_naming_no_meeting_is_not_a_report_and_says_why():
    classifier = default_classifier()
    for title, text in (("Thêm 3 trường học đạt chuẩn quốc gia", _SCHOOLS),
                        ("Trao 20 mái ấm tình thương cho hội viên nghèo", _HOUSES)):
        got = classifier.classify(title, text)
        assert not got.is_meeting_report and got.meeting_type is None, got
        assert "rule:no-meeting-named" in got.evidence and got.confidence < 0.5
        assert contradictions(got) == []


def test_a_meeting_named_anywhere_leaves_the_decision_to_the_model_and_rules():
    classifier = default_classifier()
    report = ("Sáng 12/12, Ban Chấp hành Đảng bộ tỉnh khóa XIX tổ chức Hội nghị lần thứ 25. Đồng chí Bí thư Tỉnh ủy "
              "chủ trì hội nghị.\nHội nghị thảo luận, cho ý kiến vào các báo cáo trình Đại hội.")
    got = classifier.classify("Hội nghị Ban Chấp hành Đảng bộ tỉnh lần thứ 25", report)
    assert got.is_meeting_report and "rule:no-meeting-named" not in got.evidence
    # The word deep in the text counts too: the schools' article with a handover ceremony's conference.
    text = _SCHOOLS + "\nChiều cùng ngày, Sở tổ chức hội nghị tổng kết năm học 2024 - 2025."
    assert "rule:no-meeting-named" not in classifier.classify("Thêm 3 trường học đạt chuẩn", text).evidence


def test_training_courses_and_non_state_hosts_are_not_reports_but_a_body_that_meets_is():
    classifier = default_classifier()
    for title, text in (
            ("Tập huấn kỹ năng hoạt động cho đại biểu HĐND cấp xã",
             "Ngày 14/8, Thường trực HĐND tỉnh tổ chức hội nghị tập huấn kỹ năng cho 400 đại biểu HĐND xã. Các học viên "
             "được hướng dẫn kỹ năng chất vấn tại kỳ họp và tiếp xúc cử tri."),
            ("Hội nghị thường niên năm 2025 của doanh nghiệp tỉnh",
             "Chiều 20/12, Hiệp hội Doanh nghiệp tỉnh tổ chức hội nghị thường niên năm 2025. Ông Trịnh Quốc Bảo, Chủ "
             "tịch Hiệp hội chủ trì hội nghị.")):
        got = classifier.classify(title, text)
        assert not got.is_meeting_report and contradictions(got) == [], got
    got = classifier.classify("UBND tỉnh họp phiên thường kỳ tháng 12",
                              "Chiều 20/12, UBND tỉnh tổ chức phiên họp thường kỳ tháng 12. Chủ tịch UBND tỉnh chủ trì "
                              "phiên họp; các đại biểu thảo luận tình hình kinh tế - xã hội.")
    assert got.is_meeting_report
