"""Process-stage replicas on PostgreSQL lock only what can conflict: the article's URL, fingerprint, near-duplicate
band keys and event keys, taken in ascending order. Unrelated articles never wait for each other; articles whose
decisions depend on each other (near copies, reports of one meeting, one URL) are serialised, so replicas
reach the decisions one process reaches, without deadlocks, whatever the interleaving."""

from __future__ import annotations

import datetime as dt
import random
import threading
import time

import pytest
import sqlalchemy as sa

from bench.dedup import load, to_article
from consumers.adapters.near_index import NearDuplicateIndex
from consumers.adapters.store import LockOrderConflict, Store, lock_key
from consumers.domain import neardup
from consumers.stages.base import Retryable, acknowledge
from consumers.stages.process import ProcessStage, event_lock_names
from tests.stage_helpers import article

pytestmark = pytest.mark.integration


def _stage(url: str) -> ProcessStage:
    store = Store(url)
    store.create_schema()
    return ProcessStage(store=store, reports_topic="r", events_topic="e",
                        near_index=NearDuplicateIndex(threshold=0.7, window_days=100_000))


def _holding(store: Store, names, hold: threading.Event, held: threading.Event) -> threading.Thread:
    def run():
        with store.unit_of_work(names) as uow:
            held.set()
            hold.wait(20)
            uow.commit()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    assert held.wait(10)
    return thread


def _pg_store(pg_url) -> Store:
    store = Store(pg_url)
    store.create_schema()
    return store


def test_units_of_work_with_other_names_do_not_wait_and_the_same_name_waits(pg_url):
    store = _pg_store(pg_url)
    release, held = threading.Event(), threading.Event()
    holder = _holding(store, ["url|https://a.vn/1.html", "band|0|5"], release, held)
    try:
        started = time.monotonic()
        with store.unit_of_work(["url|https://a.vn/2.html", "band|0|6"]) as uow:
            uow.commit()
        assert time.monotonic() - started < 1.0  # disjoint: no wait
        with store.engine.connect() as conn, conn.begin():
            busy = conn.exec_driver_sql("SELECT pg_try_advisory_xact_lock(%(k)s)", {"k": lock_key("band|0|5")}).scalar()
        assert busy is False  # the holder has it
        done = []
        waiter = threading.Thread(target=lambda: (store.unit_of_work(["band|0|5"]).__enter__(), done.append(1)),
                                  daemon=True)
        waiter.start()
        time.sleep(0.5)
        assert not done  # shares a name: waits
        release.set()
        waiter.join(10)
        assert done
    finally:
        release.set()
        holder.join(10)
        store.dispose()


def test_a_lock_needed_late_is_waited_for_above_the_held_ones_and_only_tried_below(pg_url):
    store = _pg_store(pg_url)
    names = sorted((f"event|x|{d}" for d in range(40)), key=lock_key)
    low, middle, high = names[0], names[20], names[-1]
    release, held = threading.Event(), threading.Event()
    holder = _holding(store, [low], release, held)
    try:
        # Holding `middle`, a busy lower key is only tried: LockOrderConflict (start again asking for it up front).
        with pytest.raises(LockOrderConflict) as caught, store.unit_of_work([middle]) as uow:
            uow.lock([low])
        assert low in caught.value.keys
        # A key above every held one is waited for (taken in ascending order, it cannot deadlock).
        with store.unit_of_work([middle]) as uow:
            uow.lock([high])
            uow.lock([middle])  # held already: nothing to do
            uow.commit()
    finally:
        release.set()
        holder.join(10)
        store.dispose()


def test_the_stage_names_the_url_fingerprint_bands_and_event_days():
    a = article()
    stage = ProcessStage(store=None, reports_topic="r", events_topic="e", near_index=NearDuplicateIndex())
    from consumers.domain.analysis import analyse

    analysis = analyse(a.title, a.text, a.published_at, a.province)
    values = neardup.signature_values(a.near_signature, a.text)
    names = stage._lock_names(a, analysis.classification, analysis.facts, neardup.bands_of(values))
    assert f"url|{a.canonical_url}" in names and f"fingerprint|{a.fingerprint}" in names
    assert len([n for n in names if n.startswith("band|")]) == neardup.N_BANDS
    day = analysis.facts.meeting_date
    assert day == dt.date(2023, 7, 28)
    assert {n for n in names if n.startswith("event|")} == set(event_lock_names("national", day))


def test_an_unchanged_article_takes_no_write_transaction(sqlite_url):
    stage = _stage(sqlite_url)
    acknowledge(stage(article()))
    writes = []
    sa.event.listen(stage.store.engine, "begin",
                    lambda conn: writes.append(1) if conn.get_execution_options().get("newsingest_writer") else None)
    result = stage(article())
    assert result.dedup_outcome == "duplicate" and result.outputs == [] and writes == []
    stage.store.dispose()


def _summary(url: str) -> dict:
    store = Store(url)
    with store.engine.connect() as conn:
        docs = conn.exec_driver_sql("SELECT report_id, version, duplicate_of FROM documents").all()
        members = conn.exec_driver_sql("SELECT event_id, report_id FROM event_members").all()
    counts = store.counts()
    store.dispose()
    clusters: dict[str, set] = {}
    for report_id, _version, duplicate_of in docs:
        if duplicate_of:
            clusters.setdefault(duplicate_of, {duplicate_of}).add(report_id)
    events: dict[str, set] = {}
    for event_id, report_id in members:
        events.setdefault(event_id, set()).add(report_id)
    return {"counts": counts, "versions": sorted((r, v) for r, v, _ in docs),
            "links": {frozenset(c) for c in clusters.values()}, "events": {frozenset(m) for m in events.values()}}


def _process(stage: ProcessStage, items, errors: list) -> None:
    for item in items:
        for _ in range(10):
            try:
                result = stage(item)
            except Retryable:
                continue
            except Exception as exc:  # noqa: BLE001 - a deadlock or any error fails the test below
                errors.append(exc)
                break
            _acknowledge_as_the_runner_does(result, errors)
            break


def _acknowledge_as_the_runner_does(result, errors: list) -> None:
    """A delivery mark that meets a database error is owed and written again before the next message (the
    runner's owed marks); only one that keeps failing is an error here."""
    for attempt in range(5):
        try:
            acknowledge(result)
            return
        except sa.exc.OperationalError as exc:
            if attempt == 4:
                errors.append(exc)
            time.sleep(0.2)


@pytest.mark.parametrize("replicas", [2, 3])
def test_replicas_racing_on_the_same_articles_store_what_one_process_stores(db_url, tmp_path, replicas):
    """Every replica gets every article (as during a rebalance, or a replay), each in its own shuffled order
    within the article's place in time: near copies, revisions and reports of one meeting meet at the same
    moment on several replicas. The result is one process's, and no replica deadlocks or fails."""
    docs, _ = load()
    ordered = [to_article(d) for d in sorted(docs, key=lambda d: (d["published_at"], d["id"]))]
    single = f"sqlite:///{tmp_path / 'single.db'}"
    _process(_stage(single), ordered, [])

    # Articles of one day race each other; days follow each other (a later day's revision after its original).
    days: dict[str, list] = {}
    for a in ordered:
        days.setdefault(a.published_at.date().isoformat(), []).append(a)
    stages = [_stage(db_url) for _ in range(replicas)]
    errors: list = []
    for day in sorted(days):
        batch = days[day]
        barrier = threading.Barrier(replicas)

        def run(i: int) -> None:
            items = batch[:]
            random.Random(f"{day}-{i}").shuffle(items)
            barrier.wait()
            _process(stages[i], items, errors)

        threads = [threading.Thread(target=run, args=(i,)) for i in range(replicas)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(120)
    for s in stages:
        s.store.dispose()
    assert errors == []
    one, many = _summary(single), _summary(db_url)
    assert many["counts"] == one["counts"]
    assert many["versions"] == one["versions"]
    assert many["links"] == one["links"]
    assert many["events"] == one["events"]


def _session(day: dt.date, ordinal: int, chair: str, portal: str, lines: list[str]):
    # The documents it considers: numbers of its own, so no two sessions' reports are near copies.
    papers = "Kỳ họp xem xét các tờ trình " + ", ".join(
        f"số {ordinal * 97 + i}/TTr-UBND ngày {i}/{day.month}" for i in range(1, 46)) + "."
    text = "\n".join([*lines, papers]).format(d=day.day, m=day.month, n=ordinal, chair=chair)
    return article(text.split("\n"), url=f"https://{portal}.vn/ky-hop-{ordinal}-{day.isoformat()}.html",
                   portal=portal, province="Cao Bằng", title=f"Kỳ họp thứ {ordinal} HĐND tỉnh khóa XVII").model_copy(
        update={"published_at": dt.datetime(day.year, day.month, day.day, 18, tzinfo=dt.timezone(dt.timedelta(hours=7)))})


_OPENING = ["Sáng {d}/{m}, HĐND tỉnh Cao Bằng khóa XVII, nhiệm kỳ 2021 - 2026 khai mạc Kỳ họp thứ {n} để xem xét, quyết "
            "định nhiều nội dung quan trọng về phát triển kinh tế - xã hội. Đồng chí {chair}, Chủ tịch HĐND tỉnh chủ "
            "trì kỳ họp.",
            "Tại kỳ họp, các đại biểu thảo luận báo cáo kết quả thực hiện nhiệm vụ phát triển kinh tế - xã hội, dự "
            "toán ngân sách nhà nước và kế hoạch đầu tư công trung hạn.",
            "Kỳ họp dự kiến diễn ra trong 3 ngày, xem xét thông qua 25 nghị quyết quan trọng của tỉnh."]
_THEMATIC = ["Chiều {d}/{m}, HĐND tỉnh Cao Bằng khóa XVII tổ chức Kỳ họp thứ {n} (kỳ họp chuyên đề) để quyết định một "
             "số nội dung cấp bách về điều chỉnh vốn đầu tư. Đồng chí {chair}, Phó Chủ tịch HĐND tỉnh chủ trì kỳ họp.",
             "Các đại biểu đã biểu quyết thông qua nghị quyết về điều chỉnh kế hoạch vốn ngân sách địa phương, bổ sung "
             "danh mục dự án giao thông nông thôn và chính sách hỗ trợ người dân vùng thiên tai.",
             "Phát biểu bế mạc, đồng chí chủ trì đề nghị các cơ quan khẩn trương triển khai các nghị quyết vừa được "
             "thông qua."]


def test_two_meetings_of_one_day_reported_at_once_stay_two_events(db_url):
    """Two People's Council sessions of one province on one day (ordinals 15 and 16, other chairs): one process
    makes two events (the second numbered `-2`). Replicas deciding both at the same moment must too: without the
    event-day lock both would see no event yet and file both reports under the same id."""
    stages = [_stage(db_url) for _ in range(2)]
    rounds = 8
    for k in range(rounds):
        day = dt.date(2023, 1, 2) + dt.timedelta(days=4 * k)
        pair = [_session(day, 15 + 2 * k, "Triệu Đình Lê", "caobanggov", _OPENING),
                _session(day, 16 + 2 * k, "Nông Thanh Tùng", "hdndcaobang", _THEMATIC)]
        barrier = threading.Barrier(2)
        errors: list = []

        def run(i: int) -> None:
            barrier.wait()
            _process(stages[i], [pair[i]], errors)

        threads = [threading.Thread(target=run, args=(i,)) for i in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        assert errors == []
    for s in stages:
        s.store.dispose()
    summary = _summary(db_url)
    assert summary["counts"]["meeting_reports"] == 2 * rounds
    assert summary["counts"]["events"] == 2 * rounds
    assert all(len(members) == 1 for members in summary["events"])


def test_a_late_lock_that_is_busy_restarts_the_article_with_it_up_front(db_url, monkeypatch):
    """A near copy joins its original's event, whose lock it learns only after its lookups; when that lock is
    busy below one it holds, the unit of work is rolled back and the article decided again asking for it first."""
    from consumers.adapters.store import UnitOfWork

    stage = _stage(db_url)
    acknowledge(stage(article()))
    late: list = []
    asked: list = []
    real_lock, real_uow = UnitOfWork.lock, Store.unit_of_work

    def lock(self, names):
        names = list(names)
        late.append(names)
        if len(late) == 1:
            raise LockOrderConflict(names)
        return real_lock(self, names)

    def unit_of_work(self, lock_names=()):
        asked.append(set(lock_names))
        return real_uow(self, lock_names)

    monkeypatch.setattr(UnitOfWork, "lock", lock)
    monkeypatch.setattr(Store, "unit_of_work", unit_of_work)
    result = stage(article(url="https://hagiangtv.vn/b-2.html", portal="hg", province="Hà Giang"))
    assert result.dedup_outcome == "near_duplicate"
    assert len(asked) == 2 and set(late[0]) <= asked[1]  # the second attempt asks for it up front
    assert stage.store.counts()["documents"] == 2
    stage.store.dispose()
