"""An announcement's headline word ("lấy ý kiến") yields to an opening that reports the meeting held for it, never
under a notice's own headline; the council standing body's hearing ("phiên giải trình") is no committee meeting."""

from consumers.domain.analysis import default_classifier
from consumers.domain.classification.consistency import contradictions

_CONSULTATION = ("Tối 6/11, UBND phường Phú Xuân tổ chức hội nghị lấy ý kiến Nhân dân về phương án chỉnh trang khu dân "
                 "cư ven sông.\nÔng Trần Quốc Minh, Chủ tịch UBND phường chủ trì hội nghị, với sự tham dự của hơn 200 "
                 "hộ dân thuộc 4 tổ dân phố.\nNhiều ý kiến đề nghị công khai giá bồi thường và thời gian thực hiện.")


def test_a_consultation_meeting_reported_under_a_lay_y_kien_headline_is_a_report_with_its_override():
    got = default_classifier().classify("Phường Phú Xuân lấy ý kiến Nhân dân về phương án chỉnh trang khu dân cư",
                                        _CONSULTATION)
    assert got.is_meeting_report, got
    assert "override:negative:title:announcement:by:reported-opening+model" in got.evidence
    assert contradictions(got) == []


def test_under_a_notices_headline_or_without_a_reported_opening_the_headline_decides():
    classifier = default_classifier()
    notice = classifier.classify("Thông báo lấy ý kiến Nhân dân về phương án chỉnh trang khu dân cư", _CONSULTATION)
    assert not notice.is_meeting_report and contradictions(notice) == []
    undated = classifier.classify("Phường Phú Xuân lấy ý kiến Nhân dân về phương án chỉnh trang khu dân cư",
                                  "UBND phường đề nghị các hộ dân gửi ý kiến góp ý về phương án chỉnh trang khu dân "
                                  "cư ven sông trước ngày 20/11 qua tổ dân phố.")
    assert not undated.is_meeting_report


def test_the_standing_bodys_hearing_is_an_other_official_meeting():
    got = default_classifier().classify(
        "Thường trực HĐND tỉnh tổ chức phiên giải trình về chậm giải ngân vốn đầu tư công",
        "Sáng 14/8, Thường trực HĐND tỉnh tổ chức phiên giải trình về việc chậm giải ngân vốn đầu tư công năm 2025.\n"
        "Bà Lê Thị Hải Yến, Phó Chủ tịch HĐND tỉnh điều hành phiên giải trình.\nĐến hết tháng 7, tỉnh mới giải ngân "
        "được 39% kế hoạch vốn, thấp hơn bình quân chung; nguyên nhân chủ yếu do vướng mắc giải phóng mặt bằng.\n"
        "Giám đốc các Sở Tài chính, Xây dựng giải trình, làm rõ trách nhiệm và đề xuất giải pháp.")
    assert got.is_meeting_report and got.meeting_type == "other_official_meeting", got


def test_an_opened_sessions_expected_length_is_no_schedule_and_a_notice_of_one_to_come_still_is():
    classifier = default_classifier()
    got = classifier.classify("HĐND thành phố Huế khai mạc kỳ họp thứ mười lăm",
                              "HUẾ - Sáng 16/12, HĐND thành phố Huế khóa VIII, nhiệm kỳ 2021 - 2026 khai mạc kỳ họp thứ "
                              "mười lăm, kỳ họp thường lệ cuối năm 2025.\nKỳ họp do ông Hồ Đăng Khoa, Chủ tịch HĐND "
                              "thành phố điều hành, dự kiến diễn ra trong hai ngày.")
    assert got.is_meeting_report and got.meeting_type == "peoples_council_session", got
    notice = classifier.classify("HĐND thành phố sẽ họp kỳ họp thứ mười lăm",
                                 "Kỳ họp thứ mười lăm HĐND thành phố dự kiến diễn ra trong hai ngày 16 và 17/12.")
    assert not notice.is_meeting_report
