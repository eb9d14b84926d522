"""End to end: local portal site -> `up --once` on the real broker -> reports in the database and on Kafka."""

import pytest

from consumers.adapters.store import Store
from deploy.demo import demo_site_root
from deploy.orchestrator import Orchestrator, UpOptions
from deploy.wiring import new_metrics
from schemas import EventSummary, MeetingReport, decode
from tests.kafka_helpers import read_topic, unique_settings

EXPECTED_TYPES = {
    "thuong-truc-ban-bi-thu-giao-ban-cong-tac-6-thang": "standing_secretariat_briefing",
    "thuong-truc-ban-bi-thu-giao-ban-truc-tuyen-cong-tac-nam-2023": "standing_secretariat_briefing",
    "hoi-nghi-ban-chap-hanh-dang-bo-tinh-lan-thu-15-mo-rong": "provincial_party_executive_conference",
    "be-mac-ky-hop-thu-13-hdnd-tinh-khoa-xvii": "peoples_council_session",
    "ubnd-tinh-hop-phien-thuong-ky-thang-9-2023": "peoples_committee_meeting",
    "ubnd-tinh-hop-phien-thuong-ky-thang-10-nam-2023": "peoples_committee_meeting",
}


def _up_once(settings, site):
    root = demo_site_root()
    options = UpOptions(once=True, portals_file=root / "portals.yaml", base_url=site.base_url,
                        crawl_download_delay_s=0.0, obey_robots=False, drain_timeout_s=120)
    return Orchestrator(settings, new_metrics(), options).run()


@pytest.mark.e2e
def test_up_once_stores_and_publishes_meeting_reports(broker, demo_site, db_url):
    settings = unique_settings(broker.bootstrap_servers, database_url=db_url)
    summary = _up_once(settings, demo_site)
    assert summary.crawl_exit_code == 0
    assert summary.handled == {"extract": 15, "process": 15}

    store = Store(db_url)
    rows = store.reports()
    assert len(rows) == 9
    by_slug = {r["url"].rsplit("/", 1)[1]: r for r in rows}
    for slug, meeting_type in EXPECTED_TYPES.items():
        (row,) = [r for s, r in by_slug.items() if s.startswith(slug)]
        assert row["meeting_type"] == meeting_type, slug
    # Seeds 000 (Quảng Ninh) and 004 (Hà Giang): one briefing, two portals, one event.
    briefing = [r for r in rows if r["meeting_date"] and r["meeting_date"].isoformat() == "2023-07-28"]
    assert {r["portal_id"] for r in briefing} == {"baoquangninh", "hagiangtv"}
    assert len({r["event_id"] for r in briefing}) == 1
    assert {r["province_current"] for r in briefing} == {"Quảng Ninh", "Tuyên Quang"}
    january = [r for r in rows if r["meeting_type"] == "standing_secretariat_briefing" and r not in briefing]
    assert len(january) == 1 and january[0]["event_id"] != briefing[0]["event_id"]

    topics = settings.topics()
    published = [decode(MeetingReport, r.value) for r in read_topic(broker.bootstrap_servers, topics.meeting_reports)]
    assert sorted(p.report_id for p in published) == sorted(r["report_id"] for r in rows)
    assert all(r.key.decode() == decode(MeetingReport, r.value).report_id
               for r in read_topic(broker.bootstrap_servers, topics.meeting_reports))
    events = [decode(EventSummary, r.value) for r in read_topic(broker.bootstrap_servers, topics.events)]
    assert any(len(e.report_ids) == 2 for e in events)
    counts = store.counts()

    # A second run over the same pages stores nothing new and publishes nothing new.
    second = _up_once(settings, demo_site)
    assert second.handled == {"extract": 15, "process": 15}
    assert store.counts() == counts
    assert len(read_topic(broker.bootstrap_servers, topics.meeting_reports)) == len(published)
    store.dispose()
