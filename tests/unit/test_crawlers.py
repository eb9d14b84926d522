import pytest
from scrapy import exceptions as sx

from crawlers.canonical import canonical_url
from crawlers.items import PageItem
from crawlers.pipelines.kafka_publish import to_raw_page
from crawlers.registry import RegistryError, load_registry, parse_registry

GOOD = """
portals:
  - id: caobang
    name: Cao Bằng
    province: Cao Bằng
    start_urls: ["{base_url}/caobang/index.html"]
    article_patterns: ['^{base_url}/caobang/tin-tuc/.+-\\d+\\.html$']
    allow: ["{base_url}/caobang/"]
"""


def test_bundled_registry_is_valid():
    assert {p.id for p in load_registry()} >= {"baoquangninh", "hagiangtv"}


def test_portal_lives_under_a_path_prefix():
    (portal,) = parse_registry(GOOD, base_url="http://127.0.0.1:9000")
    assert portal.is_article("http://127.0.0.1:9000/caobang/tin-tuc/hoi-nghi-12.html")
    assert not portal.is_article("http://127.0.0.1:9000/hagiang/tin-tuc/hoi-nghi-12.html")
    assert portal.is_listing("http://127.0.0.1:9000/caobang/page-2.html")
    assert not portal.is_listing("http://127.0.0.1:9000/other/page-2.html")


@pytest.mark.parametrize("mutation,message", [
    (lambda t: t.replace("id: caobang", "id: Cao Bang!"), "portal 'Cao Bang!': id"),
    (lambda t: t.replace("    allow: [\"{base_url}/caobang/\"]\n", ""), "portal 'caobang': allow"),
    (lambda t: t.replace("'^{base_url}", "'^({base_url}"), "bad regex"),
    (lambda t: t.replace('start_urls: ["{base_url}/caobang/index.html"]', 'start_urls: ["{base_url}/x/"]'),
     "outside allow"),
    (lambda t: t.replace("portals:", "sites:"), "top-level 'portals:'"),
])
def test_invalid_entries_are_refused_by_name(mutation, message):
    with pytest.raises(RegistryError, match=message.replace("(", r"\(").replace("!", "!")):
        parse_registry(mutation(GOOD), base_url="http://127.0.0.1:9000")


def test_duplicate_ids_are_refused():
    doubled = GOOD + GOOD.split("portals:\n", 1)[1]
    with pytest.raises(RegistryError, match="listed twice"):
        parse_registry(doubled, base_url="http://h")


def test_canonical_url_drops_tracking_and_fragments():
    assert canonical_url("HTTPS://Example.VN:443/a/b.html?utm_source=fb&id=3&fbclid=x#top") == \
        "https://example.vn/a/b.html?id=3"
    assert canonical_url("http://h/a?b=2&a=1") == canonical_url("http://h/a?a=1&b=2")


def test_oversized_page_is_sent_without_body_so_it_is_dead_lettered_downstream():
    item = PageItem(url="http://h/a", final_url="http://h/a", portal_id="p", province="x", http_status=200,
                    body=bytes(range(256)) * 4000)
    small = to_raw_page(item, max_message_bytes=10_000_000)
    assert small.body and small.body_length == len(item.body)
    big = to_raw_page(item, max_message_bytes=100)
    assert big.body == b"" and big.body_length == len(item.body)


def _ssl_failure():
    from OpenSSL import SSL
    from scrapy.exceptions import DownloadFailedError
    from twisted.python.failure import Failure
    from twisted.web._newclient import ResponseNeverReceived

    try:
        raise ResponseNeverReceived([Failure(SSL.Error([("SSL routines", "", "certificate verify failed")]))])
    except ResponseNeverReceived as exc:
        try:
            raise DownloadFailedError(str(exc)) from exc
        except DownloadFailedError as wrapped:
            return wrapped


@pytest.mark.parametrize("make,reason", [
    (lambda: sx.DownloadCancelledError("larger than download max size"), "too_large"),
    (lambda: sx.CannotResolveHostError("no such host"), "dns"),
    (lambda: sx.DownloadConnectionRefusedError("refused"), "connect"),
    (lambda: sx.DownloadTimeoutError("took longer"), "timeout"),
    (lambda: sx.ResponseDataLossError(), "data_loss"),
    (_ssl_failure, "tls"),
    (lambda: sx.IgnoreRequest("body exceeded DOWNLOAD_MAXSIZE (1 B) during decompression."), "decompression_bomb"),
    (lambda: sx.IgnoreRequest("max redirections reached"), "ignored"),
    (lambda: sx.IgnoreRequest("Forbidden by robots.txt"), None),
    (lambda: sx.IgnoreRequest("Filtered offsite request to 'x.vn'"), None),
    (lambda: ValueError("anything else"), "other"),
])
def test_every_request_failure_maps_to_a_drop_reason_from_a_fixed_set(make, reason):
    from crawlers.middlewares.drops import DROP_REASONS, drop_reason

    got = drop_reason(make())
    assert got == reason and (got is None or got in DROP_REASONS)


def test_drop_counting_is_switched_on_in_the_project_settings_and_keeps_spider_errbacks():
    import scrapy

    from crawlers import settings
    from crawlers.middlewares.drops import DroppedPagesMiddleware

    assert "crawlers.middlewares.drops.DroppedPagesMiddleware" in settings.SPIDER_MIDDLEWARES
    middleware = DroppedPagesMiddleware(crawler=None)
    plain = scrapy.Request("https://x.vn/a-1.html")
    own = scrapy.Request("https://x.vn/a-2.html", errback=print)
    watched, kept = list(middleware.process_spider_output(None, [plain, own, {"item": 1}]))[:2]
    assert watched.errback == middleware.dropped and kept.errback is print
