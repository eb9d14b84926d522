"""Feeds, sitemaps and robots.txt: the URLs and dates the watch policy decides on."""

from __future__ import annotations

import datetime as dt
import gzip

from crawlers.watch.discovery import VIETNAM_TZ, kind_of, parse_date, parse_feed, parse_sitemap, sitemaps_from_robots

RSS = """<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>Tin tức</title>
<item><title>Hội nghị Ban Chấp hành Đảng bộ tỉnh</title><link>https://p.vn/tin/hoi-nghi-1.html</link>
<pubDate>Thu, 06 Jul 2023 08:30:00 +0700</pubDate></item>
<item><title>Không ngày</title><link> /tin/khong-ngay-2.html </link></item>
</channel></rss>""".encode()

ATOM = b"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>t</title>
<entry><title>a</title><link rel="alternate" href="https://p.vn/a-1.html"/><link rel="edit" href="https://p.vn/x"/>
<updated>2023-07-28T10:00:00Z</updated></entry>
</feed>"""

URLSET = b"""<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"
        xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">
<url><loc>https://p.vn/a-1.html</loc><lastmod>2023-07-28</lastmod></url>
<url><loc>https://p.vn/b-2.html</loc><news:news><news:publication_date>2023-07-29T07:00:00+07:00</news:publication_date></news:news></url>
<url><loc>https://p.vn/c-3.html</loc></url>
</urlset>"""

INDEX = b"""<?xml version="1.0" encoding="UTF-8"?>
<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
<sitemap><loc>https://p.vn/sitemap-1.xml</loc><lastmod>2023-08-01T00:00:00+00:00</lastmod></sitemap>
</sitemapindex>"""


def ts(*args, tz=dt.timezone.utc) -> float:
    return dt.datetime(*args, tzinfo=tz).timestamp()


def test_rss_items_with_dates_and_relative_links():
    entries = parse_feed(RSS, base_url="https://p.vn/rss")
    assert [e.url for e in entries] == ["https://p.vn/tin/hoi-nghi-1.html", "https://p.vn/tin/khong-ngay-2.html"]
    assert entries[0].modified_at == ts(2023, 7, 6, 1, 30)
    assert entries[1].modified_at is None
    assert kind_of(RSS) == "feed"


def test_atom_takes_the_alternate_link():
    (entry,) = parse_feed(ATOM)
    assert entry.url == "https://p.vn/a-1.html" and entry.modified_at == ts(2023, 7, 28, 10)
    assert kind_of(ATOM) == "feed"


def test_urlset_with_lastmod_and_google_news_dates():
    sitemap = parse_sitemap(URLSET)
    assert not sitemap.is_index
    assert [(e.url, e.modified_at) for e in sitemap.entries] == [
        ("https://p.vn/a-1.html", ts(2023, 7, 28, tz=VIETNAM_TZ)),  # no zone: the portal's own day
        ("https://p.vn/b-2.html", ts(2023, 7, 29, 0)),
        ("https://p.vn/c-3.html", None),
    ]
    assert kind_of(URLSET) == "sitemap"


def test_sitemap_index_and_gzip():
    sitemap = parse_sitemap(gzip.compress(INDEX))
    assert sitemap.is_index and sitemap.entries[0].url == "https://p.vn/sitemap-1.xml"
    assert kind_of(INDEX) == "sitemapindex"


def test_robots_sitemap_lines():
    robots = "User-agent: *\nDisallow: /admin\nsitemap: https://p.vn/sitemap.xml # main\nSITEMAP: /news.xml\n"
    assert sitemaps_from_robots(robots, "https://p.vn/robots.txt") == [
        "https://p.vn/sitemap.xml", "https://p.vn/news.xml"]


def test_hostile_or_broken_xml_yields_nothing_and_no_entity_expansion():
    bomb = b"""<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;">
    <!ENTITY x SYSTEM "file:///etc/passwd">]><rss><channel><item><link>&x;&b;</link></item></channel></rss>"""
    for entry in parse_feed(bomb):
        assert "root:" not in entry.url and "aaaaaaaaaa" not in entry.url
    assert parse_feed(b"not xml at all") == [] and parse_sitemap(b"<html>") == parse_sitemap(b"<html>")
    assert kind_of(b"<!doctype html><html><body>x</body></html>") == "other"


def test_dates():
    assert parse_date("2023-07-28") == ts(2023, 7, 28, tz=VIETNAM_TZ)  # a zone-less date is Vietnam's
    assert parse_date("28/07/2023") is None and parse_date("") is None
