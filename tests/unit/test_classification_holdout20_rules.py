"""Rules prompted by the spent classification_holdout20: an opened session's expected length in the opening
sentence itself is no future meeting, and a sports meet or contest under its own headline is no meeting."""

from consumers.domain.analysis import default_classifier
from consumers.domain.classification.consistency import contradictions


def test_an_expected_length_in_the_opening_sentence_is_no_meeting_to_come():
    got = default_classifier().classify(
        "Khai mạc Kỳ họp thứ 19 HĐND tỉnh Gia Lai khóa XII",
        "Sáng 9/12, HĐND tỉnh Gia Lai khóa XII, nhiệm kỳ 2021 - 2026 khai mạc Kỳ họp thứ 19, kỳ họp thường lệ cuối "
        "năm, dự kiến diễn ra trong hai ngày.\nÔng Hồ Văn Niên, Chủ tịch HĐND tỉnh chủ trì kỳ họp.\nĐại biểu xem xét "
        "24 tờ trình, dự thảo nghị quyết về dự toán ngân sách năm 2025.")
    assert got.is_meeting_report and got.meeting_type == "peoples_council_session", got
    assert contradictions(got) == []


def test_a_session_still_to_come_stays_a_schedule_with_its_expected_length():
    classifier = default_classifier()
    for title, text in (
            ("HĐND tỉnh Gia Lai chuẩn bị Kỳ họp thứ 19",
             "Sáng 9/12, HĐND tỉnh Gia Lai khóa XII sẽ khai mạc Kỳ họp thứ 19, dự kiến diễn ra trong hai ngày.\n"
             "Kỳ họp sẽ xem xét 24 tờ trình, dự thảo nghị quyết."),
            ("Kỳ họp thứ 19 HĐND tỉnh Gia Lai",
             "Sáng 9/12, Kỳ họp thứ 19 HĐND tỉnh Gia Lai khóa XII dự kiến diễn ra tại hội trường 19/5.\n"
             "Kỳ họp sẽ xem xét 24 tờ trình, dự thảo nghị quyết.")):
        got = classifier.classify(title, text)
        assert not got.is_meeting_report, (title, got)


def test_a_sports_meet_or_contest_under_its_own_headline_is_no_meeting():
    classifier = default_classifier()
    for title in ("Khai mạc Hội thao cán bộ, công chức khối Đảng tỉnh năm 2025",
                  "Bế mạc Hội thi Báo cáo viên giỏi cấp tỉnh năm 2025",
                  "Khai mạc Hội diễn nghệ thuật quần chúng các cơ quan Đảng tỉnh"):
        got = classifier.classify(
            title, "Sáng 8/11, Đảng ủy các cơ quan Đảng tỉnh Thái Nguyên khai mạc " + title.split(" ", 2)[2]
            + " với hơn 500 cán bộ tham gia.\nĐồng chí Phó Bí thư Đảng ủy các cơ quan Đảng tỉnh phát biểu khai mạc.\n"
            "Ban tổ chức trao giải vào ngày 9/11.")
        assert not got.is_meeting_report, (title, got)
        assert contradictions(got) == []


def test_a_conference_about_a_contest_is_still_a_meeting():
    got = default_classifier().classify(
        "Hội nghị tổng kết Hội thi Báo cáo viên giỏi cấp tỉnh năm 2025",
        "Sáng 20/11, Ban Tuyên giáo Tỉnh ủy tổ chức hội nghị tổng kết Hội thi Báo cáo viên giỏi cấp tỉnh năm 2025.\n"
        "Đồng chí Trưởng Ban Tuyên giáo Tỉnh ủy chủ trì hội nghị.\nHội nghị đánh giá kết quả, rút kinh nghiệm công "
        "tác tổ chức hội thi.")
    assert got.is_meeting_report and got.meeting_type == "review_conference", got


def test_the_provinces_own_online_meeting_is_chaired_at_the_provinces_end():
    from consumers.domain.officials import presiding

    own = ("Sáng 6/8, UBND tỉnh Hưng Yên tổ chức hội nghị trực tuyến với 104 xã, phường đánh giá một tháng vận hành "
           "chính quyền hai cấp.\nBà Nguyễn Thị Hồng Vân, Phó Chủ tịch Thường trực UBND tỉnh chủ trì hội nghị tại "
           "điểm cầu tỉnh.\nCác xã, phường tiếp nhận hơn 48.000 hồ sơ.")
    assert [p["name"] for p in presiding(own)] == ["Nguyễn Thị Hồng Vân"]
    # A national meeting's provincial end is not its chair, even when the local leader is a member of the Central
    # Committee.
    national = ("Sáng 6/8, Thường trực Ban Bí thư chủ trì hội nghị trực tuyến toàn quốc.\nTại điểm cầu tỉnh Quảng "
                "Trị, đồng chí Nguyễn Long Hải, Ủy viên Trung ương Đảng, Bí thư Tỉnh ủy chủ trì.")
    assert "Nguyễn Long Hải" not in [p["name"] for p in presiding(national)]
    government = ("Sáng 6/8, Chính phủ họp trực tuyến với các địa phương.\nĐồng chí Đỗ Tiến Lâm, Bí thư Tỉnh ủy chủ "
                  "trì tại điểm cầu tỉnh Hưng Yên.")
    assert presiding(government) == []


def test_the_provinces_online_conference_with_its_communes_is_an_other_official_meeting():
    classifier = default_classifier()
    got = classifier.classify(
        "UBND tỉnh họp trực tuyến với 102 xã, phường về giải ngân vốn đầu tư công",
        "Chiều 14/10, UBND tỉnh họp trực tuyến với 102 xã, phường về tiến độ giải ngân vốn đầu tư công 9 tháng.\nĐồng "
        "chí Chủ tịch UBND tỉnh chủ trì tại điểm cầu tỉnh.\nĐến hết tháng 9, toàn tỉnh giải ngân được 52% kế hoạch vốn.")
    assert got.is_meeting_report and got.meeting_type == "other_official_meeting", got
    # The Secretariat's online meeting with the provinces stays a Secretariat briefing.
    got = classifier.classify(
        "Ban Bí thư hội nghị trực tuyến với các tỉnh ủy, thành ủy về công tác chuẩn bị bầu cử",
        "Sáng 5/12, Thường trực Ban Bí thư chủ trì hội nghị trực tuyến với các tỉnh ủy, thành ủy về công tác chuẩn bị "
        "bầu cử đại biểu Quốc hội.\nTại điểm cầu tỉnh, đồng chí Bí thư Tỉnh ủy chủ trì.")
    assert got.meeting_type == "standing_secretariat_briefing", got


def test_an_interview_that_addresses_its_interviewee_is_no_report_and_a_questioning_sitting_still_is():
    classifier = default_classifier()
    # classification_holdout24's h021 (spent), as printed.
    interview = classifier.classify(
        "Dự toán năm 2026: ưu tiên vốn cho giao thông kết nối Tây Nguyên - duyên hải",
        ("Trước kỳ họp cuối năm, ông Lê Đình Phong, Trưởng Ban Kinh tế - Ngân sách HĐND tỉnh đã trả lời phỏng "
         "vấn về việc thẩm tra dự toán ngân sách năm 2026.\nDự toán năm 2026 có điểm gì đáng chú ý, thưa "
         "ông?\nĐây là dự toán đầu tiên được xây dựng cho tỉnh mới, tổng thu ngân sách trên địa bàn dự kiến "
         "hơn 32.000 tỷ đồng. Ban đề nghị dành khoảng 40% vốn đầu tư công cho các tuyến giao thông kết nối "
         "Pleiku với Quy Nhơn.\nBan có kiến nghị gì khác với tờ trình của UBND tỉnh?\nChúng tôi đề nghị giảm số "
         "dự án khởi công mới, tập trung hoàn thành các công trình dở dang, tránh dàn trải.\nBan cũng đề nghị "
         "tăng chi cho sự nghiệp giáo dục ở các xã biên giới.\nXin cảm ơn ông!"))
    assert not interview.is_meeting_report and contradictions(interview) == [], interview
    sitting = classifier.classify(
        "Phiên chất vấn tại Kỳ họp thứ 30 HĐND tỉnh",
        "Sáng 11/12, Kỳ họp thứ 30 HĐND tỉnh khóa XVII dành trọn buổi cho phiên chất vấn và trả lời chất vấn. Chủ "
        "tịch HĐND tỉnh điều hành phiên chất vấn.\nĐại biểu Nguyễn Văn Hải chất vấn: Thưa ông Giám đốc Sở Xây dựng, "
        "vì sao tuyến đường ven biển chậm tiến độ?\nGiám đốc Sở Xây dựng cho biết nguyên nhân chủ yếu do vướng mắc "
        "giải phóng mặt bằng.")
    assert sitting.is_meeting_report and sitting.meeting_type == "peoples_council_session", sitting
    assert contradictions(sitting) == []
