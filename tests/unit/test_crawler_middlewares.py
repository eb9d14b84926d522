"""The crawler's politeness and safety components in isolation (issue 11): settings, Retry-After, the address
guard, the host guard, non-HTML detection, the user agent. The simulator tests are
tests/integration/test_politeness_safety.py."""

from __future__ import annotations

import email.utils
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
import scrapy
from scrapy.exceptions import IgnoreRequest
from scrapy.utils.test import get_crawler
from twisted.internet.error import DNSLookupError

from crawlers.middlewares import guarded_resolver
from crawlers.middlewares.content_type import binary_kind
from crawlers.middlewares.guarded_resolver import (BLOCKED_HOSTS, BlockedAddressError, GuardedResolver,
                                                  address_blocked, parse_networks)
from crawlers.middlewares.host_guard import HostGuardMiddleware
from crawlers.middlewares.retry_after import pause_for, retry_after_seconds
from crawlers.registry import parse_registry

REPO = Path(__file__).resolve().parents[2]


def project_settings():
    os.environ.setdefault("SCRAPY_SETTINGS_MODULE", "crawlers.settings")
    from scrapy.utils.project import get_project_settings

    return get_project_settings()


# -- settings ------------------------------------------------------------------------------------------------

def test_politeness_and_safety_settings_are_on():
    s = project_settings()
    assert s.getint("CONCURRENT_REQUESTS_PER_DOMAIN") == 2 and s.getint("CONCURRENT_REQUESTS_PER_IP") == 0
    assert s.getfloat("DOWNLOAD_DELAY") == 0.5 and s.getbool("AUTOTHROTTLE_ENABLED")
    assert s.getbool("ROBOTSTXT_OBEY") and s["ROBOTSTXT_PARSER"] == "scrapy.robotstxt.ProtegoRobotParser"
    assert s.getbool("TELNETCONSOLE_ENABLED") is False and s.getbool("REMOTE_CONTROL_ENABLED") is False
    assert s.getint("DOWNLOAD_TIMEOUT") == 30 and 0 < s.getint("DOWNLOAD_MAXSIZE") <= 64_000_000
    assert s["TWISTED_DNS_RESOLVER"] == "crawlers.middlewares.guarded_resolver.GuardedResolver"
    mws = s.getdict("DOWNLOADER_MIDDLEWARES")
    assert mws["scrapy.downloadermiddlewares.retry.RetryMiddleware"] is None
    assert mws["crawlers.middlewares.host_guard.HostGuardMiddleware"] < 100  # before RobotsTxtMiddleware
    assert 550 <= mws["crawlers.middlewares.retry_after.RetryAfterMiddleware"] < 590
    assert mws["crawlers.middlewares.content_type.ContentTypeMiddleware"] < 590  # after decompression
    assert 429 in s.getlist("RETRY_HTTP_CODES") and "503" in map(str, s.getlist("RETRY_HTTP_CODES"))


def test_the_user_agent_names_service_version_and_contact():
    import crawlers.settings as cs

    assert cs._user_agent(cs._service).startswith(f"newsingest/{cs._version()} (+")
    assert project_settings()["USER_AGENT"].endswith(")")


@pytest.mark.parametrize("url,ok", [
    (None, False), ("", False), ("https://newsingest.example/contact", False), ("http://localhost/x", False),
    ("https://ops.example.com/", False), ("mailto:ops@example.org", False), ("ftp://newsingest.vn/", False),
    ("https://newsingest.vn/crawler", True), ("mailto:ops@newsingest.vn", True),
])
def test_production_needs_a_real_contact_url(url, ok):
    from crawlers.settings import contact_problem

    assert (contact_problem(url) is None) is ok


def test_production_mode_without_contact_url_stops_the_crawler_settings_with_exit_2():
    env = {**os.environ, "NEWSINGEST_ENV": "production"}
    env.pop("NEWSINGEST_CONTACT_URL", None)
    result = subprocess.run([sys.executable, "-c", "import crawlers.settings"], cwd=REPO, env=env,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 2 and result.stderr.startswith("error: production mode")
    assert len(result.stderr.strip().splitlines()) == 1


# -- Retry-After ------------------------------------------------------------------------------------------------

def test_retry_after_reads_seconds_and_http_dates():
    assert retry_after_seconds(b"120") == 120
    assert retry_after_seconds(None) is None and retry_after_seconds(b"soon") is None
    now = time.time()
    assert 29 <= retry_after_seconds(email.utils.formatdate(now + 30, usegmt=True), now=now) <= 31
    assert retry_after_seconds(email.utils.formatdate(now - 30, usegmt=True), now=now) == 0


def test_pause_is_capped_and_backs_off_exponentially():
    assert pause_for(503, 120.0, 0, base_s=1, max_s=600) == 120
    assert pause_for(429, 3600.0, 0, base_s=1, max_s=600) == 600
    assert [pause_for(503, None, n, base_s=1, max_s=5) for n in range(4)] == [1, 2, 4, 5]


# -- the address guard ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("address", ["10.0.0.5", "172.16.3.4", "192.168.1.1", "127.0.0.1", "169.254.169.254",
                                     "100.64.0.1", "0.0.0.0", "224.0.0.251", "240.0.0.1", "255.255.255.255",
                                     "::1", "fe80::1", "fc00::1", "ff02::1", "::ffff:10.0.0.1"])
def test_private_loopback_link_local_multicast_and_reserved_addresses_are_blocked(address):
    assert address_blocked(address)


@pytest.mark.parametrize("address", ["8.8.8.8", "203.113.131.1", "2001:4860:4860::8888"])
def test_public_addresses_pass(address):
    assert not address_blocked(address)


def test_allowed_networks_are_let_through_explicitly():
    allowed = parse_networks("127.0.0.1/32")
    assert not address_blocked("127.0.0.1", allowed)
    assert address_blocked("127.0.0.2", allowed) and address_blocked("10.0.0.5", allowed)


def test_the_resolver_refuses_a_blocked_answer_as_a_quiet_dns_failure():
    resolver = GuardedResolver.__new__(GuardedResolver)
    resolver.allowed = parse_networks("127.0.0.1/32")
    BLOCKED_HOSTS.clear()
    with pytest.raises(BlockedAddressError) as caught:
        resolver._check("169.254.169.254", "portal.example.vn")
    assert isinstance(caught.value, DNSLookupError)  # Twisted logs no traceback for a DNSLookupError
    assert BLOCKED_HOSTS == {"portal.example.vn": "169.254.169.254"}
    assert resolver._check("127.0.0.1", "portal.example.vn") == "127.0.0.1"
    assert BLOCKED_HOSTS == {}  # the host resolves to an allowed address again


def test_development_allows_loopback_only_and_production_nothing():
    for env, expected in (("development", "127.0.0.0/8,::1/128"), ("production", "")):
        result = subprocess.run([sys.executable, "-c", "import crawlers.settings as s; "
                                 "print(s.NEWSINGEST_ALLOWED_PRIVATE_NETWORKS)"], cwd=REPO, capture_output=True,
                                text=True, timeout=60, env={**os.environ, "NEWSINGEST_ENV": env,
                                                            "NEWSINGEST_CONTACT_URL": "https://newsingest.vn/c"})
        assert result.stdout.strip() == expected, result.stderr
    assert ",".join(guarded_resolver.DEVELOPMENT_NETWORKS) == "127.0.0.0/8,::1/128"


# -- the host guard ------------------------------------------------------------------------------------------

REGISTRY = """
portals:
  - id: caobang
    name: Cao Bằng
    province: Cao Bằng
    start_urls: ["https://caobang.gov.vn/tin-tuc/"]
    article_patterns: ['^https://caobang\\.gov\\.vn/tin-tuc/.+\\.html$']
    allow: ["https://caobang.gov.vn/tin-tuc/", "https://10.0.0.5/tin-tuc/"]
"""


@pytest.fixture
def guard():
    (portal,) = parse_registry(REGISTRY, allow_local_hosts=True)  # 10.0.0.5: the guard's job here
    crawler = get_crawler(scrapy.Spider, {"NEWSINGEST_METRICS_ENABLED": False,
                                          "NEWSINGEST_ALLOWED_PRIVATE_NETWORKS": "127.0.0.1/32"})
    spider = scrapy.Spider(name="t")
    spider.portal = portal
    crawler.spider = spider
    crawler.stats.open_spider()
    return HostGuardMiddleware.from_crawler(crawler), crawler


def test_allowed_prefixes_and_their_hosts_robots_txt_pass(guard):
    mw, _ = guard
    assert mw.process_request(scrapy.Request("https://caobang.gov.vn/tin-tuc/a.html")) is None
    assert mw.process_request(scrapy.Request("https://caobang.gov.vn/robots.txt")) is None


def test_an_offsite_redirect_is_refused_and_counted_other_offsite_requests_only_refused(guard):
    mw, crawler = guard
    redirected = scrapy.Request("https://evil.example.net/a.html",
                                meta={"redirect_urls": ["https://caobang.gov.vn/tin-tuc/a.html"]})
    with pytest.raises(IgnoreRequest, match="^Filtered offsite request"):
        mw.process_request(redirected)
    assert crawler.stats.get_value("newsingest/dropped/offsite_redirect") == 1
    with pytest.raises(IgnoreRequest):
        mw.process_request(scrapy.Request("https://caobang.gov.vn/admin/"))  # outside the prefix: policy
    assert crawler.stats.get_value("newsingest/dropped") == 1
    assert crawler.stats.get_value("offsite/filtered") == 1


def test_an_ip_literal_in_a_private_range_is_refused_before_connecting(guard):
    mw, crawler = guard
    with pytest.raises(IgnoreRequest):
        mw.process_request(scrapy.Request("https://10.0.0.5/tin-tuc/a.html"))
    assert crawler.stats.get_value("newsingest/dropped/private_address") == 1


# -- non-HTML ---------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("ctype,body,kind", [
    ("application/pdf", b"%PDF-1.7 ...", "pdf"),
    ("text/html; charset=utf-8", b"%PDF-1.4 ...", "pdf"),
    ("image/jpeg", b"\xff\xd8\xff\xe0....", "jpeg"),
    ("application/zip", b"PK\x03\x04....", "zip"),
    ("application/octet-stream", b"Rar!\x1a\x07\x00", "rar"),
    ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", b"PK\x03\x04", "zip"),
    ("image/webp", b"RIFF\x00\x00\x00\x00WEBPVP8 ", "media"),
    ("application/msword", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "ole"),
])
def test_non_html_answers_are_recognised(ctype, body, kind):
    assert binary_kind(ctype, body) == kind


@pytest.mark.parametrize("ctype,body", [
    ("text/html; charset=utf-8", b"<!doctype html><html>"), (None, b"\xef\xbb\xbf<html>"),
    ("application/xhtml+xml", b"<?xml version='1.0'?><html>"), ("text/plain", b"Hoi nghi"),
])
def test_pages_are_not_mistaken_for_binaries(ctype, body):
    assert binary_kind(ctype, body) is None
