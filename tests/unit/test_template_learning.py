"""Per-portal template learning (issue 14, item 1): the pure learner and TemplateMemory on the in-process store.

Attacks: one page re-crawled many times never becomes template; a paragraph shared by fewer than k URLs is not
template; a redesign retires the template and a new version is learned; what is learned never changes the
fingerprint; a schedule's recurring labels stay; decisions come only from the store, as last synced."""

from __future__ import annotations

import pytest

from consumers.domain.extraction import extract_page
from consumers.domain.extraction.template import (
    InMemoryTemplateStore,
    PageBlocks,
    TemplateMemory,
    TemplatePolicy,
    block_key,
    pack_keys,
    unpack_keys,
)
from consumers.domain.text import fold
from consumers.stages.extract import ExtractStage
from tests.stage_helpers import raw_page
from tests.unit.test_extraction import LEAD, PARAS, page

CHROME = ["Trang chủ › Tin tức › Thời sự", "Chia sẻ bài viết lên mạng xã hội",
          "Cổng thông tin điện tử tỉnh Quảng Ninh", "Bản quyền thuộc Ủy ban nhân dân tỉnh"]
NEW_CHROME = ["Về đầu trang", "Đường dây nóng: 0203.3835.xxx", "Ban biên tập cổng thông tin mới",
              "Liên hệ quảng cáo trên cổng"]


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def memory(k: int = 4, refresh_s: float = 0.0, store=None, **policy) -> TemplateMemory:
    return TemplateMemory(store or InMemoryTemplateStore(), TemplatePolicy(min_pages=k, **policy),
                          refresh_s=refresh_s)


def lines_of(i: int, chrome=CHROME) -> list[str]:
    return [f"Bài số {i}: nội dung riêng của bài viết số {i} về hoạt động của tỉnh.", *chrome]


def feed(mem: TemplateMemory, urls, chrome=CHROME, portal: str = "qn") -> None:
    for i, url in enumerate(urls):
        mem.observe(portal, url, lines_of(i, chrome))
        mem.sync(force=True)


def test_lines_on_k_distinct_urls_become_template():
    mem = memory(k=4)
    feed(mem, [f"https://x.vn/{i}.html" for i in range(3)])
    assert not mem.is_boilerplate("qn", CHROME[0])
    feed(mem, ["https://x.vn/3.html"])
    assert all(mem.is_boilerplate("qn", line) for line in CHROME)
    assert not mem.is_boilerplate("qn", lines_of(0)[0])  # each page's own line
    assert not mem.is_boilerplate("other", CHROME[0])  # per portal
    assert mem.templates["qn"].version == 1 and mem.templates["qn"].pages_seen == 4


def test_one_page_recrawled_many_times_never_becomes_template():
    mem = memory(k=2)
    for _ in range(20):
        feed(mem, ["https://x.vn/same.html"])
    assert not mem.is_boilerplate("qn", CHROME[0])
    assert mem.templates["qn"].pages_seen == 20
    assert mem.store.windows["qn"] == [mem.policy.page_blocks("https://x.vn/same.html", lines_of(0))]


def test_a_paragraph_shared_by_fewer_than_k_articles_is_not_template():
    shared = "Đoàn công tác đã đến thăm và tặng quà các gia đình chính sách tại huyện Ba Chẽ."
    mem = memory(k=4)
    for i in range(10):
        extra = [shared] if i < 3 else []  # syndicated into three articles only
        mem.observe("qn", f"https://x.vn/{i}.html", lines_of(i) + extra)
        mem.sync(force=True)
    assert mem.is_boilerplate("qn", CHROME[0])
    assert not mem.is_boilerplate("qn", shared)
    mem.observe("qn", "https://x.vn/10.html", [shared])
    mem.sync(force=True)
    assert mem.is_boilerplate("qn", shared)  # on k URLs: now it is the portal's


def test_long_lines_are_never_template():
    long_line = "Nội dung dài " * 20
    mem = memory(k=2)
    for i in range(5):
        mem.observe("qn", f"https://x.vn/{i}.html", [long_line])
        mem.sync(force=True)
    assert not mem.is_boilerplate("qn", long_line)


def test_the_window_forgets_old_pages():
    mem = memory(k=3, window_pages=10, redesign_pages=3)
    feed(mem, [f"https://x.vn/{i}.html" for i in range(5)], chrome=CHROME + ["Tin nóng tuần trước"])
    assert mem.is_boilerplate("qn", "Tin nóng tuần trước")
    feed(mem, [f"https://x.vn/n{i}.html" for i in range(10)])
    assert not mem.is_boilerplate("qn", "Tin nóng tuần trước")
    assert mem.is_boilerplate("qn", CHROME[0]) and len(mem.store.windows["qn"]) == 10


def test_a_redesign_retires_the_template_and_learns_a_new_version(caplog):
    mem = memory(k=3, redesign_pages=4)
    feed(mem, [f"https://x.vn/{i}.html" for i in range(12)])
    assert mem.templates["qn"].version == 1 and mem.is_boilerplate("qn", CHROME[0])
    caplog.set_level("INFO")
    feed(mem, [f"https://x.vn/new-{i}.html" for i in range(3)], chrome=NEW_CHROME)
    assert mem.templates["qn"].version == 1  # three pages without it: not yet
    feed(mem, ["https://x.vn/new-3.html"], chrome=NEW_CHROME)
    assert mem.templates["qn"].version == 2
    assert [t.version for t in mem.store.retired["qn"]] == [1]
    assert not mem.is_boilerplate("qn", CHROME[0])  # the old design's lines are forgotten
    assert all(mem.is_boilerplate("qn", line) for line in NEW_CHROME)  # learned from the new pages
    assert "template v1 retired" in caplog.text and "learning v2" in caplog.text
    feed(mem, [f"https://x.vn/new-{i}.html" for i in range(4, 20)], chrome=NEW_CHROME)
    assert mem.templates["qn"].version == 2  # stable afterwards


def test_pages_of_another_kind_sharing_the_chrome_are_no_redesign():
    mem = memory(k=3, redesign_pages=4)
    feed(mem, [f"https://x.vn/{i}.html" for i in range(12)])
    # Schedules: other own lines, the same header and footer.
    feed(mem, [f"https://x.vn/lich-{i}.html" for i in range(8)], chrome=CHROME[:2] + ["Lịch công tác tuần"])
    assert mem.templates["qn"].version == 1


def test_decisions_come_from_the_store_as_last_synced():
    clock = Clock()
    store = InMemoryTemplateStore()
    a = TemplateMemory(store, TemplatePolicy(min_pages=3), refresh_s=10, clock=clock)
    b = TemplateMemory(store, TemplatePolicy(min_pages=3), refresh_s=10, clock=clock)
    for i in range(3):
        (a if i % 2 else b).observe("qn", f"https://x.vn/{i}.html", lines_of(i))
    assert a.sync() and b.sync()  # first sync is due at once: each stores its own pages
    assert not a.is_boilerplate("qn", CHROME[0])  # a synced before b stored its pages
    clock.now = 5
    assert not a.sync()  # not due: costs nothing
    clock.now = 10
    assert a.sync() and b.sync()
    assert a.is_boilerplate("qn", CHROME[0]) and b.is_boilerplate("qn", CHROME[0])
    restarted = TemplateMemory(store, TemplatePolicy(min_pages=3), refresh_s=10, clock=clock)
    restarted.sync()
    assert restarted.is_boilerplate("qn", CHROME[0])


def test_a_failing_store_keeps_the_last_templates_and_backs_off():
    clock = Clock()

    class Flaky(InMemoryTemplateStore):
        down = False

        def apply(self, policy, pages):
            if self.down:
                raise ConnectionError("database gone")
            return super().apply(policy, pages)

    store = Flaky()
    mem = TemplateMemory(store, TemplatePolicy(min_pages=2), refresh_s=10, clock=clock)
    for i in range(2):
        mem.observe("qn", f"https://x.vn/{i}.html", lines_of(i))
    mem.sync()
    assert mem.is_boilerplate("qn", CHROME[0])
    store.down = True
    mem.observe("qn", "https://x.vn/2.html", lines_of(2))
    clock.now = 10
    assert not mem.sync()
    assert mem.is_boilerplate("qn", CHROME[0])
    clock.now = 25
    assert not mem.sync()  # backing off: not even tried
    store.down = False
    clock.now = 1000
    assert mem.sync() and mem.templates["qn"].pages_seen == 3  # the pending page was kept


def test_keys_pack_compactly():
    keys = {block_key(fold(line)) for line in CHROME}
    blob = pack_keys(keys)
    assert len(blob) == 8 * len(keys) and unpack_keys(blob) == keys and unpack_keys(b"") == frozenset()


def test_policy_rejects_nonsense():
    with pytest.raises(ValueError):
        TemplatePolicy(min_pages=1)
    with pytest.raises(ValueError):
        TemplatePolicy(window_pages=3, min_pages=4)


# -- through the extraction: published text changes, the fingerprint never ---------------------------------------

PROMO = "Mời bạn đọc đón xem chương trình Thời sự lúc 19 giờ hằng ngày trên kênh QNTV."


def test_extraction_hides_the_template_but_fingerprints_the_page_alone():
    mem = memory(k=3)
    for i in range(3):
        paras = [f"Bài số {i}: nội dung riêng của bài viết này về hoạt động của tỉnh trong tuần thứ {i}.", PROMO]
        extract_page(page(paragraphs=paras, lead=f"Tin {i}: " + LEAD), f"https://x.vn/{i}.html", portal="qn",
                     boilerplate=mem)
        mem.sync(force=True)
    body = page(paragraphs=PARAS + [PROMO])
    learned = extract_page(body, "https://x.vn/9.html", portal="qn", boilerplate=mem)
    fresh = extract_page(body, "https://x.vn/9.html", portal="qn", boilerplate=memory(k=3))
    assert PROMO not in learned.paragraphs and PROMO in fresh.paragraphs
    assert learned.paragraphs == PARAS
    assert learned.fingerprint_text == fresh.fingerprint_text


def test_a_schedules_recurring_labels_are_never_template():
    mem = memory(k=3)
    labels = ["Buổi sáng:", "- 8 giờ 00: Họp giao ban tuần"]
    for i in range(5):
        mem.observe("qn", f"https://x.vn/lich-{i}.html", labels + [f"Nội dung riêng {i}"])
        mem.sync(force=True)
    assert mem.is_boilerplate("qn", "Buổi sáng:")  # the memory has seen them recur ...
    paras = [PARAS[0], "Buổi sáng:", PARAS[1], "- 8 giờ 00: Họp giao ban tuần", PARAS[2]]
    got = extract_page(page(paragraphs=paras), "https://x.vn/lich-9.html", portal="qn", boilerplate=mem)
    assert "Buổi sáng:" in got.paragraphs  # ... the extraction keeps them: structure, not chrome


def test_the_extract_stage_syncs_its_memory_and_keeps_fingerprints():
    mem = memory(k=3, refresh_s=0)
    stage = ExtractStage(output_topic="articles", max_page_bytes=8_000_000, time_budget_s=30, boilerplate=mem)
    fresh = ExtractStage(output_topic="articles", max_page_bytes=8_000_000, time_budget_s=30,
                         boilerplate=memory(k=3))
    for i in range(4):
        paras = [f"Bài số {i}: nội dung riêng của bài viết này về hoạt động của tỉnh trong tuần thứ {i}.", PROMO]
        stage(raw_page(page(paragraphs=paras, lead=f"Tin {i}: " + LEAD), url=f"https://x.vn/{i}.html"))
    body = page(paragraphs=PARAS + [PROMO])
    warm = stage(raw_page(body, url="https://x.vn/9.html")).outputs[0].value
    cold = fresh(raw_page(body, url="https://x.vn/9.html")).outputs[0].value
    assert PROMO not in warm.text and PROMO in cold.text
    assert warm.fingerprint == cold.fingerprint and warm.near_signature == cold.near_signature


def test_page_blocks_are_bounded():
    policy = TemplatePolicy(max_blocks_per_page=10)
    # Distinct words: short lines differing only in a number are one block (see block_key).
    blocks = policy.page_blocks("https://x.vn/a", [f"dòng {chr(0x61 + i % 26)}{chr(0x61 + i // 26)}"
                                                   for i in range(100)])
    assert isinstance(blocks, PageBlocks) and len(blocks.keys) == 10


def test_a_counter_whose_number_changes_on_every_page_is_template_but_an_article_sentence_is_not():
    mem = memory(k=4)
    for i in range(4):
        mem.observe("qn", f"https://x.vn/{i}.html", [f"{268 + 37 * i} lượt xem", f"Thứ Bảy, 0{i + 1}/12/2026",
                                                    f"Tổng thu ngân sách của tỉnh trong tháng đạt {60 + i}% dự toán "
                                                    f"năm, tăng {i + 3}% so với cùng kỳ năm trước."])
        mem.sync(force=True)
    assert mem.is_boilerplate("qn", "1.204 lượt xem") and mem.is_boilerplate("qn", "Thứ Bảy, 13/12/2026")
    assert not mem.is_boilerplate("qn", "Tổng thu ngân sách của tỉnh trong tháng đạt 70% dự toán năm, tăng 9% "
                                        "so với cùng kỳ năm trước.")
