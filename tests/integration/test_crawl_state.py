"""The crawl state store on SQLite and PostgreSQL: what a restarted crawler knows."""

from __future__ import annotations

import pytest

from crawlers.watch.policy import PortalSchedule
from crawlers.watch.state import CrawlState, CrawlStateError


def test_articles_schedules_and_listings_survive_a_new_instance(db_url):
    state = CrawlState(db_url)
    state.create_schema()
    state.record_fetch("https://p.vn/a-1.html", "p", 100.0, etag='"v1"', last_modified="Mon, 01 Jan 2024 00:00:00 GMT",
                       body_hash="h1")
    state.record_fetch("https://p.vn/a-1.html", "p", 200.0, etag='"v2"', body_hash="h2")
    state.record_not_modified("https://p.vn/a-1.html", 300.0)
    state.save_schedule(PortalSchedule("p", 900.0, 1234.5, 2, 99.0))
    state.save_listing("https://p.vn/tin", "p", frozenset({"https://p.vn/a-1.html"}), etag='"l1"')
    state.save_listing("https://p.vn/tin", "p", frozenset({"https://p.vn/a-1.html", "https://p.vn/b-2.html"}))
    state.close()

    again = CrawlState(db_url)
    again.create_schema()  # idempotent
    record = again.article("https://p.vn/a-1.html")
    assert (record.first_seen_at, record.last_fetched_at, record.etag, record.last_modified, record.body_hash) == (
        100.0, 300.0, '"v2"', None, "h2")
    assert again.articles(["https://p.vn/a-1.html", "https://p.vn/none"]).keys() == {"https://p.vn/a-1.html"}
    assert again.schedules() == {"p": PortalSchedule("p", 900.0, 1234.5, 2, 99.0)}
    listing = again.listing("https://p.vn/tin")
    assert listing.links == {"https://p.vn/a-1.html", "https://p.vn/b-2.html"} and listing.etag is None
    assert again.listing("https://p.vn/other") is None
    assert again.article_count("p") == 1
    again.close()


def test_many_urls_in_one_lookup(sqlite_url):
    state = CrawlState(sqlite_url)
    state.create_schema()
    urls = [f"https://p.vn/a-{i}.html" for i in range(1200)]
    for url in urls[::2]:
        state.record_fetch(url, "p", 1.0)
    assert set(state.articles(urls)) == set(urls[::2])


def test_a_sqlite_file_in_a_missing_directory_is_refused(tmp_path):
    with pytest.raises(CrawlStateError, match="does not exist"):
        CrawlState(f"sqlite:///{tmp_path / 'missing' / 'state.db'}")
