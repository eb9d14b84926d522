"""Scrapy settings for the newsingest crawler. Components are switched on here, by order number."""

from __future__ import annotations

import sys

from schemas.settings import SettingsError, load_settings

try:
    _service = load_settings()
except SettingsError as _exc:  # `scrapy crawl` reads this module first: one line, like the CLI
    print(f"error: {_exc}", file=sys.stderr)
    sys.exit(2)

BOT_NAME = "newsingest"
SPIDER_MODULES = ["crawlers.spiders"]
NEWSPIDER_MODULE = "crawlers.spiders"

USER_AGENT = "newsingest/0.1 (+provincial meeting report monitor; contact: ops@newsingest.example)"
ROBOTSTXT_OBEY = True
CONCURRENT_REQUESTS = _service.crawl_concurrency
CONCURRENT_REQUESTS_PER_DOMAIN = 4
DOWNLOAD_DELAY = _service.crawl_download_delay_s
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = max(0.1, _service.crawl_download_delay_s)
AUTOTHROTTLE_TARGET_CONCURRENCY = 2.0
DOWNLOAD_TIMEOUT = 30
RETRY_ENABLED = True
RETRY_TIMES = 2
# Pages above the extraction budget still reach Kafka (without body) so they are dead-lettered, not lost.
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

import logging as _logging  # noqa: E402 - kafka-python logs every connection at INFO

_logging.getLogger("kafka").setLevel(_logging.WARNING)
