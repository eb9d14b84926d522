"""Scrapy settings for the newsingest crawler. Components are switched on here, by order number."""

from __future__ import annotations

import sys

from schemas.logs import redact
from schemas.settings import SettingsError, load_settings

try:
    _service = load_settings()
except SettingsError as _exc:  # `scrapy crawl` reads this module first: one line, like the CLI
    print(f"error: {redact(str(_exc))}", file=sys.stderr)
    sys.exit(2)

PLACEHOLDER_CONTACT = "https://newsingest.example/contact"
_PLACEHOLDER_HOSTS = ("example.com", "example.org", "example.net", "localhost")
_PLACEHOLDER_SUFFIXES = (".example", ".test", ".invalid", ".localhost", ".example.com", ".example.org",
                         ".example.net")


def contact_problem(url: str | None) -> str | None:
    """Why a contact URL is not good enough for production (None if it is)."""
    from urllib.parse import urlsplit

    if not url or not url.strip():
        return "NEWSINGEST_CONTACT_URL is not set"
    parts = urlsplit(url.strip())
    host = (parts.hostname or "").lower()
    if parts.scheme not in ("http", "https", "mailto") or (parts.scheme != "mailto" and not host):
        return f"NEWSINGEST_CONTACT_URL is not an http(s) or mailto URL: {url!r}"
    if parts.scheme == "mailto":
        host = parts.path.rpartition("@")[2].lower()
    if host in _PLACEHOLDER_HOSTS or host.endswith(_PLACEHOLDER_SUFFIXES):
        return f"NEWSINGEST_CONTACT_URL is a placeholder: {url!r}"
    return None


def _version() -> str:
    try:
        from importlib.metadata import PackageNotFoundError, version

        return version("newsingest")
    except (ImportError, PackageNotFoundError):
        return "0"


def _user_agent(service) -> str:
    return f"newsingest/{_version()} (+{(service.contact_url or PLACEHOLDER_CONTACT).strip()})"


if _service.env == "production" and contact_problem(_service.contact_url):
    print(f"error: production mode (NEWSINGEST_ENV=production) needs a contact URL in the user agent: "
          f"{contact_problem(_service.contact_url)}", file=sys.stderr)
    sys.exit(2)

BOT_NAME = "newsingest"
SPIDER_MODULES = ["crawlers.spiders"]
NEWSPIDER_MODULE = "crawlers.spiders"

# newsingest/<version> (+<contact URL>); production mode refuses to crawl without a real contact URL.
USER_AGENT = _user_agent(_service)
ROBOTSTXT_OBEY = True
ROBOTSTXT_PARSER = "scrapy.robotstxt.ProtegoRobotParser"  # Scrapy's default, cached per host and process
CONCURRENT_REQUESTS = _service.crawl_concurrency
# Politeness is per host: Scrapy's download slots are keyed by host name, so every portal on one host shares
# these two requests in flight and the delay between requests (AutoThrottle never goes below DOWNLOAD_DELAY).
CONCURRENT_REQUESTS_PER_DOMAIN = 2
CONCURRENT_REQUESTS_PER_IP = 0
DOWNLOAD_DELAY = _service.crawl_download_delay_s
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = max(0.1, _service.crawl_download_delay_s)
AUTOTHROTTLE_TARGET_CONCURRENCY = 2.0
AUTOTHROTTLE_MAX_DELAY = 60
# DOWNLOAD_TIMEOUT and DOWNLOAD_MAXSIZE are enforced by the download handler on every request: pages, listings,
# feeds, sitemaps and the robots.txt RobotsTxtMiddleware fetches (no request sets download_timeout/_maxsize).
DOWNLOAD_TIMEOUT = 30
DNS_TIMEOUT = 15
RETRY_ENABLED = True
RETRY_TIMES = 2
RETRY_HTTP_CODES = [500, 502, 503, 504, 522, 524, 408, 429]
# Retry-After (capped) or exponential back-off, per host: crawlers.middlewares.retry_after.
NEWSINGEST_RETRY_AFTER_MAX_S = _service.retry_after_max_s
NEWSINGEST_RETRY_BACKOFF_BASE_S = _service.retry_backoff_base_s
# The address guard (crawlers.middlewares.guarded_resolver): checked on the address each connection uses.
TWISTED_DNS_RESOLVER = "crawlers.middlewares.guarded_resolver.GuardedResolver"
NEWSINGEST_ENV = _service.env
NEWSINGEST_ALLOWED_PRIVATE_NETWORKS = (_service.allowed_private_networks if _service.allowed_private_networks
                                       is not None else ("" if _service.env == "production"
                                                         else "127.0.0.0/8,::1/128"))
# Pages above the extraction budget but under 4x it reach Kafka (without body if too big for one message) and
# are dead-lettered as too_large; larger ones are cancelled and counted as `too_large` drops.
DOWNLOAD_MAXSIZE = 4 * _service.max_page_bytes
DOWNLOAD_WARNSIZE = _service.max_page_bytes
COOKIES_ENABLED = False
TELNETCONSOLE_ENABLED = False
# Scrapy 2.19's remote-control extension is an HTTP server that runs code sent to it: never on.
REMOTE_CONTROL_ENABLED = False
# No depth cap: each portal's `max_listing_pages` is the explicit budget of a crawl or poll.
DEPTH_LIMIT = 0
REQUEST_FINGERPRINTER_IMPLEMENTATION = "2.7"
LOG_LEVEL = _service.log_level

# Every request the spider makes gets an errback that counts its failure (too large, gzip bomb, HTTP error,
# DNS, connection, TLS, timeout): `newsingest/dropped/<reason>` stats and newsingest_pages_dropped_total.
SPIDER_MIDDLEWARES = {
    "crawlers.middlewares.drops.DroppedPagesMiddleware": 40,
}
DOWNLOADER_MIDDLEWARES = {
    # Only registry hosts and allow prefixes; redirects leaving them and private addresses counted (before robots).
    "crawlers.middlewares.host_guard.HostGuardMiddleware": 40,
    "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
    "crawlers.middlewares.retry_after.RetryAfterMiddleware": 550,
    # PDFs, images, archives on article pages: counted as not_html, never published (after decompression, 590).
    "crawlers.middlewares.content_type.ContentTypeMiddleware": 570,
    # If-None-Match / If-Modified-Since from the crawl state; a 304 reaches the spider (before retries, 550).
    "crawlers.middlewares.conditional_get.ConditionalGetMiddleware": 560,
}
ITEM_PIPELINES = {
    "crawlers.pipelines.kafka_publish.KafkaPublishPipeline": 300,
}
EXTENSIONS = {
    "crawlers.extensions.crawl_metrics.CrawlMetrics": 500,
    # Only with the watch spider (NEWSINGEST_WATCH): schedules each portal's polls.
    "crawlers.extensions.watch_loop.WatchLoop": 600,
}

NEWSINGEST_KAFKA_BOOTSTRAP_SERVERS = _service.kafka_bootstrap_servers
NEWSINGEST_TOPIC_RAW_PAGES = _service.topic_raw_pages
NEWSINGEST_TOPIC_PORTAL_STATUS = _service.topic_portal_status
NEWSINGEST_RAW_PAGE_MAX_MESSAGE_BYTES = _service.raw_page_max_message_bytes
NEWSINGEST_CRAWLER_METRICS_PORT = _service.crawler_metrics_port
NEWSINGEST_METRICS_HOST = _service.metrics_host
NEWSINGEST_PORTALS_FILE = str(_service.portals_file) if _service.portals_file else None
NEWSINGEST_CRAWL_STATE_URL = _service.crawl_state_url
NEWSINGEST_POLL_MIN_INTERVAL_S = _service.poll_min_interval_s
NEWSINGEST_POLL_INITIAL_INTERVAL_S = _service.poll_initial_interval_s
NEWSINGEST_POLL_MAX_INTERVAL_S = _service.poll_max_interval_s
NEWSINGEST_POLL_TIMEOUT_S = _service.poll_timeout_s
NEWSINGEST_RECHECK_WINDOWS_S = _service.recheck_windows_s
# Scale-out (crawlers/scale): with a Redis URL, watch processes share the article request queue (the watch spider
# then uses crawlers.scale.scheduler.SharedScheduler, a scrapy-redis scheduler), the seen set (a claim per article
# page) and the schedule (a lease per portal); keys under NEWSINGEST_REDIS_PREFIX, one per deployment. A process
# that dies hands its portals and taken requests to the others after NEWSINGEST_REDIS_LEASE_S. Unset: one process.
NEWSINGEST_REDIS_URL = _service.redis_url
REDIS_URL = _service.redis_url  # scrapy-redis's own name, for its other components
NEWSINGEST_REDIS_PREFIX = f"{_service.consumer_group_prefix}:crawler"
NEWSINGEST_REDIS_LEASE_S = 30.0
NEWSINGEST_REDIS_CLAIM_TTL_S = 3600.0  # a safety net: a claim nobody releases (a lost process's) frees its page
NEWSINGEST_LOG_FORMAT = _service.log_format  # json: crawlers/run.py routes Scrapy's logs through schemas.logs
NEWSINGEST_KAFKA_CLIENT_CONFIG = _service.kafka_client_config()  # security protocol, SASL, SSL

import logging as _logging  # noqa: E402 - kafka-python logs every connection at INFO

_logging.getLogger("kafka").setLevel(_logging.WARNING)
