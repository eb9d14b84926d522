import datetime as dt

from consumers.domain import events
from consumers.domain.dedup import KnownDocument, decide, paragraph_diff, report_id_for
from consumers.domain.neardup import minhash, similarity

URL = "https://baoquangninh.vn/a-1.html"


def known(**kw):
    base = dict(document_id=1, report_id=report_id_for(URL), version=1, canonical_url=URL, portal_id="qn",
                fingerprint="f1", paragraphs=("a", "b"))
    base.update(kw)
    return KnownDocument(**base)


def test_new_then_duplicate_then_revision():
    new = decide(canonical_url=URL, portal_id="qn", fingerprint="f1", paragraphs=["a", "b"], exact=None,
                 latest_same_url=None, near=None)
    assert (new.outcome, new.version, new.report_id) == ("new", 1, report_id_for(URL))
    dup = decide(canonical_url=URL, portal_id="qn", fingerprint="f1", paragraphs=["a", "b"], exact=known(),
                 latest_same_url=known(), near=None)
    assert dup.outcome == "duplicate"
    rev = decide(canonical_url=URL, portal_id="qn", fingerprint="f2", paragraphs=["a", "b", "c"], exact=None,
                 latest_same_url=known(), near=None)
    assert (rev.outcome, rev.version, rev.report_id) == ("revision", 2, report_id_for(URL))
    assert rev.added_paragraphs == ["c"] and rev.removed_paragraphs == []


def test_near_duplicate_links_to_the_original():
    other = known(report_id="orig", canonical_url="https://other/x")
    got = decide(canonical_url=URL, portal_id="qn", fingerprint="f9", paragraphs=["a"], exact=None,
                 latest_same_url=None, near=(other, 0.91234))
    assert (got.outcome, got.duplicate_of, got.similarity) == ("near_duplicate", "orig", 0.9123)


def test_paragraph_diff_ignores_tone_placement():
    added, removed = paragraph_diff(("Uỷ ban họp", "Đoạn hai"), ["Ủy ban họp", "Đoạn hai sửa", "Đoạn ba"])
    assert added == ["Đoạn hai sửa", "Đoạn ba"] and removed == ["Đoạn hai"]


def test_minhash_similarity_separates_copies_from_other_texts():
    base = " ".join(f"câu số {i} nói về hội nghị tỉnh ủy và kết quả phát triển kinh tế xã hội" for i in range(30))
    edited = base.replace("câu số 3 ", "") + " Thu Chung"
    other = " ".join(f"đoạn {i} bàn về nông nghiệp mùa vụ lúa xuân của huyện miền núi" for i in range(30))
    assert similarity(minhash(base), minhash(edited)) > 0.8
    assert similarity(minhash(base), minhash(other)) < 0.2
    assert minhash("quá ngắn") is None


def test_same_meeting_from_two_provinces_is_one_national_event():
    date = dt.date(2023, 7, 28)
    sig_qn = events.signature(scope=events.event_scope("standing_secretariat_briefing", "Quảng Ninh"),
                              ordinal=None, term=None, presiding=["Trương Thị Mai"])
    sig_hg = events.signature(scope=events.event_scope("standing_secretariat_briefing", "Hà Giang"),
                              ordinal=None, term=None, presiding=["Trương Thị Mai"])
    first, is_new = events.choose_event("standing_secretariat_briefing", date, sig_qn, [])
    assert is_new
    existing = [{"event_id": first, "signature": sig_qn}]
    second, is_new = events.choose_event("standing_secretariat_briefing", date, sig_hg, existing)
    assert (second, is_new) == (first, False)
    other_day, _ = events.choose_event("standing_secretariat_briefing", dt.date(2024, 1, 17), sig_qn, [])
    assert other_day != first


def test_same_type_same_day_in_two_provinces_are_two_events():
    date = dt.date(2023, 12, 8)
    a = events.signature(scope=events.event_scope("peoples_council_session", "Cao Bằng"), ordinal=14,
                         term="XVII", presiding=["Triệu Đình Lê"])
    b = events.signature(scope=events.event_scope("peoples_council_session", "Lạng Sơn"), ordinal=14,
                         term="XVII", presiding=["Đoàn Thị Hậu"])
    ea, _ = events.choose_event("peoples_council_session", date, a, [])
    eb, _ = events.choose_event("peoples_council_session", date, b, [{"event_id": ea, "signature": a}])
    assert ea != eb


def test_conflicting_ordinal_on_the_same_day_is_another_event():
    date = dt.date(2023, 7, 6)
    scope = events.event_scope("peoples_council_session", "Cao Bằng")
    a = events.signature(scope=scope, ordinal=14, term=None, presiding=[])
    b = events.signature(scope=scope, ordinal=15, term=None, presiding=[])
    ea, _ = events.choose_event("peoples_council_session", date, a, [])
    eb, new = events.choose_event("peoples_council_session", date, b, [{"event_id": ea, "signature": a}])
    assert new and eb != ea and eb.startswith(ea)
