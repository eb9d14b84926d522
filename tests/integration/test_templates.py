"""Portal templates in the database (issue 14, item 1): two extract replicas and a restarted one decide alike.

Each replica sees half of a portal's pages; learning happens in the shared tables, so both hide the portal's
template once synced, and a process started afterwards hides it before it has seen a single page. A redesign
retires the stored version. Fingerprints never depend on any of it. SQLite and PostgreSQL."""

from __future__ import annotations

import threading

import pytest
import sqlalchemy as sa

from consumers.adapters.tables import portal_template_pages, portal_templates
from consumers.adapters.templates import SqlTemplateStore
from consumers.domain.extraction.template import TemplateMemory, TemplatePolicy
from consumers.stages.extract import ExtractStage
from deploy.wiring import build_portal_chrome
from schemas.settings import load_settings
from tests.stage_helpers import raw_page
from tests.unit.test_extraction import LEAD, PARAS, page

pytestmark = pytest.mark.integration

PROMO = "Mời bạn đọc đón xem chương trình Thời sự lúc 19 giờ hằng ngày trên kênh QNTV."
POLICY = TemplatePolicy(min_pages=4, redesign_pages=4)


def _replica(url: str) -> tuple[ExtractStage, TemplateMemory]:
    memory = TemplateMemory(SqlTemplateStore(url), POLICY, refresh_s=3600)
    return ExtractStage(output_topic="articles", max_page_bytes=8_000_000, time_budget_s=30,
                        boilerplate=memory), memory


def _page(i: int, extra: str = PROMO) -> bytes:
    paras = [f"Bài số {i}: nội dung riêng của bài viết này về hoạt động của tỉnh trong tuần thứ {i}.", extra]
    return page(paragraphs=paras, lead=f"Tin {i}: " + LEAD)


def _article(stage: ExtractStage, body: bytes, url: str):
    return stage(raw_page(body, url=url)).outputs[0].value


def test_two_replicas_and_a_restarted_one_decide_alike(db_url):
    (a, mem_a), (b, mem_b) = _replica(db_url), _replica(db_url)
    for i in range(6):  # the portal's pages are spread over the replicas, three each
        _article(a if i % 2 else b, _page(i), f"https://x.vn/{i}.html")
    # Neither has seen the promotion on four URLs alone; together they have.
    mem_a.sync(force=True)
    mem_b.sync(force=True)
    mem_a.sync(force=True)
    target = page(paragraphs=PARAS + [PROMO])
    got = [_article(a, target, "https://x.vn/9.html"), _article(b, target, "https://x.vn/9.html")]
    restarted, mem_r = _replica(db_url)
    got.append(_article(restarted, target, "https://x.vn/9.html"))  # synced before its first page
    assert [g.text for g in got] == ["\n".join([LEAD, *PARAS])] * 3
    assert mem_a.templates == mem_b.templates == mem_r.templates
    assert mem_a.templates["qn"].version == 1 and mem_a.templates["qn"].pages_seen >= 6

    # Fingerprints are the page's own: a replica that never learned anything computes the same.
    cold = ExtractStage(output_topic="articles", max_page_bytes=8_000_000, time_budget_s=30)
    plain = _article(cold, target, "https://x.vn/9.html")
    assert PROMO in plain.text and {g.fingerprint for g in got} == {plain.fingerprint}

    # Stored compactly, the window bounded and one row per URL however often it is re-crawled.
    for _ in range(5):
        _article(a, _page(0), "https://x.vn/0.html")
        a.seen = type(a.seen)()  # forget "unchanged" so the page is extracted again
    mem_a.sync(force=True)
    engine = sa.create_engine(db_url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(sa.select(portal_template_pages.c.url_key)
                                .where(portal_template_pages.c.portal_id == "qn")).all()
            assert len(rows) == len({r.url_key for r in rows}) == 7
            blob = conn.execute(sa.select(portal_templates.c.block_keys)
                                .where(portal_templates.c.retired_at.is_(None))).scalar_one()
            assert len(blob) % 8 == 0 and 0 < len(blob) <= 8 * 4
    finally:
        engine.dispose()
    for memory in (mem_a, mem_b, mem_r):
        memory.store.dispose()


def test_a_redesign_is_stored_as_a_new_version(db_url):
    (_, mem_a), (_, mem_b) = _replica(db_url), _replica(db_url)
    for i in range(8):
        mem_a.observe("qn", f"https://x.vn/{i}.html", [f"riêng {i}", "Trang chủ", "Chia sẻ", "Bản quyền", "In"])
    mem_a.sync(force=True)
    for i in range(4):
        mem_b.observe("qn", f"https://x.vn/new-{i}.html", [f"mới {i}", "Về đầu trang", "Liên hệ", "Hotline"])
    mem_b.sync(force=True)
    mem_a.sync(force=True)
    assert mem_a.templates == mem_b.templates and mem_a.templates["qn"].version == 2
    assert mem_a.is_boilerplate("qn", "Về đầu trang") and not mem_a.is_boilerplate("qn", "Trang chủ")
    engine = sa.create_engine(db_url)
    try:
        with engine.connect() as conn:
            versions = conn.execute(sa.select(portal_templates.c.version, portal_templates.c.retired_at)
                                    .order_by(portal_templates.c.version)).all()
            assert [v for v, _ in versions] == [1, 2]
            assert versions[0].retired_at is not None and versions[1].retired_at is None
            assert conn.execute(sa.select(sa.func.count()).select_from(portal_template_pages)).scalar() == 4
    finally:
        engine.dispose()
    mem_a.store.dispose()
    mem_b.store.dispose()


def test_concurrent_replicas_lose_no_page(db_url):
    memories = [TemplateMemory(SqlTemplateStore(db_url), POLICY, refresh_s=3600) for _ in range(4)]
    memories[0].sync(force=True)  # the schema, once

    def worker(n: int) -> None:
        for i in range(5):
            memories[n].observe("qn", f"https://x.vn/{n}-{i}.html", [f"riêng {n} {i}", "Trang chủ"])
            memories[n].sync(force=True)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    memories[0].sync(force=True)
    assert memories[0].templates["qn"].pages_seen == 20 and memories[0].is_boilerplate("qn", "Trang chủ")
    for memory in memories:
        memory.store.dispose()


def test_wiring_follows_the_setting(tmp_path):
    url = f"sqlite:///{tmp_path / 'n.db'}"
    assert type(build_portal_chrome(load_settings(database_url=url))).__name__ == "TemplateMemory"
    assert type(build_portal_chrome(load_settings(database_url=url, template_learning="process"))).__name__ \
        == "BoilerplateMemory"
    assert type(build_portal_chrome(load_settings(database_url=url, template_learning="off"))).__name__ \
        == "NoBoilerplate"
