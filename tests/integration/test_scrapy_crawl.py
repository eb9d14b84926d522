"""`scrapy crawl portal -a portal=ID` works from the project, as Scrapy users expect."""

import os
import subprocess
import sys
from pathlib import Path

from deploy.demo import demo_site_root
from schemas import RawPage, decode
from tests.kafka_helpers import read_topic, unique_settings

REPO = Path(__file__).resolve().parents[2]


def test_scrapy_crawl_publishes_raw_pages_of_one_portal(broker, demo_site):
    settings = unique_settings(broker.bootstrap_servers)
    from consumers.adapters.kafka import ensure_topics

    ensure_topics(broker.bootstrap_servers, settings.topics().all(), partitions=2, replication_factor=1)
    env = {**os.environ, "NEWSINGEST_KAFKA_BOOTSTRAP_SERVERS": broker.bootstrap_servers,
           "NEWSINGEST_TOPIC_RAW_PAGES": settings.topic_raw_pages, "NEWSINGEST_CRAWLER_METRICS_PORT": "0",
           "NEWSINGEST_CRAWL_DOWNLOAD_DELAY_S": "0"}
    result = subprocess.run(
        [sys.executable, "-m", "scrapy", "crawl", "portal", "-a", "portal=caobang",
         "-a", f"portals_file={demo_site_root() / 'portals.yaml'}", "-a", f"base_url={demo_site.base_url}"],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    pages = [decode(RawPage, r.value) for r in read_topic(broker.bootstrap_servers, settings.topic_raw_pages)]
    assert pages and {p.portal_id for p in pages} == {"caobang"}
    assert all("/caobang/tin-tuc/" in p.canonical_url for p in pages)
    assert len({p.canonical_url for p in pages}) == len(pages)
