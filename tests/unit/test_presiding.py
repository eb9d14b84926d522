"""Only chairs preside: a guest who attends and directs ("dự và chỉ đạo") is a participant (issue 14)."""

from consumers.domain.facts import read_facts


def _names(people):
    return [p["name"] for p in people]


def test_a_guest_who_attends_and_directs_is_not_a_chair():
    text = ("Chiều 10/1, Sở Tư pháp tổ chức hội nghị tổng kết công tác năm 2024. Bà Trần Thị Thu Hiền, Phó Chủ tịch "
            "UBND tỉnh dự và chỉ đạo hội nghị; ông Đặng Minh Trí, Giám đốc Sở Tư pháp chủ trì.")
    facts = read_facts("Sở Tư pháp tổng kết công tác năm 2024", text, None)
    assert _names(facts.presiding) == ["Đặng Minh Trí"]
    assert {p["name"]: p["role"] for p in facts.participants}.get("Trần Thị Thu Hiền") == "dự"


def test_attending_guests_listed_before_the_chair_in_one_clause_are_not_chairs():
    text = ("Sáng 5/3, UBND huyện họp phiên thường kỳ. Dự hội nghị có ông Lê Văn Bình, Phó Chủ tịch UBND tỉnh; "
            "ông Phạm Quốc Hùng, Chủ tịch UBND huyện chủ trì.")
    assert _names(read_facts("Phiên họp thường kỳ", text, None).presiding) == ["Phạm Quốc Hùng"]


def test_a_guest_who_directs_without_attending_is_not_a_chair_either():
    text = ("Sáng 5/3, Huyện ủy tổ chức hội nghị. Ông Lê Văn Bình, Phó Bí thư Tỉnh ủy chỉ đạo hội nghị, "
            "ông Phạm Quốc Hùng, Bí thư Huyện ủy chủ trì.")
    assert _names(read_facts("Hội nghị Huyện ủy", text, None).presiding) == ["Phạm Quốc Hùng"]


def test_co_chairs_listed_together_still_both_preside():
    text = ("Sáng 5/3, hai tỉnh tổ chức hội nghị. Ông Lê Văn Bình, Chủ tịch UBND tỉnh Long An và ông Phạm Quốc Hùng, "
            "Chủ tịch UBND tỉnh Tiền Giang đồng chủ trì hội nghị.")
    assert _names(read_facts("Hội nghị hai tỉnh", text, None).presiding) == ["Lê Văn Bình", "Phạm Quốc Hùng"]


def test_a_chair_who_also_attends_a_draft_reading_keeps_the_chair():
    # "dự thảo" (a draft) is not "dự" (attend): the name before it still chairs.
    text = ("Sáng 5/3, ông Phạm Quốc Hùng, Chủ tịch UBND huyện chủ trì hội nghị góp ý dự thảo quy hoạch.")
    assert _names(read_facts("Góp ý dự thảo", text, None).presiding) == ["Phạm Quốc Hùng"]


def test_a_chair_named_after_the_verb_is_still_found():
    text = "Sáng 5/3, UBND tỉnh họp phiên thường kỳ dưới sự chủ trì của ông Phạm Quốc Hùng, Chủ tịch UBND tỉnh."
    assert _names(read_facts("Phiên họp", text, None).presiding) == ["Phạm Quốc Hùng"]


def test_a_chair_whose_title_names_a_steering_board_still_chairs():
    text = ("Ngày 26/12, UBND tỉnh tổ chức hội nghị tổng kết. Ông Lê Văn Hẳn - Chủ tịch UBND tỉnh, Trưởng Ban Chỉ đạo "
            "các chương trình mục tiêu quốc gia tỉnh chủ trì hội nghị.")
    assert _names(read_facts("Hội nghị tổng kết", text, None).presiding) == ["Lê Văn Hẳn"]
