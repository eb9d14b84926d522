"""Turns crawl signals into Prometheus metrics and serves them (one endpoint per crawler process)."""

from __future__ import annotations

import logging
import threading

from prometheus_client import REGISTRY, CollectorRegistry, Counter, Gauge, Histogram
from scrapy import signals
from scrapy.exceptions import NotConfigured

from crawlers.extensions.probes import CrawlerProbes
from schemas.probes import serve

log = logging.getLogger(__name__)
_LOCK = threading.Lock()
_BY_REGISTRY: dict[int, CrawlerMetrics] = {}
_SERVED: set[int] = set()


class CrawlerMetrics:
    def __init__(self, registry: CollectorRegistry) -> None:
        self.pages_fetched = Counter("newsingest_pages_fetched_total", "HTTP responses received",
                                     ["portal", "status"], registry=registry)
        self.pages_published = Counter("newsingest_pages_published_total", "RawPages acknowledged by the broker",
                                       ["portal"], registry=registry)
        self.publish_failures = Counter("newsingest_page_publish_failures_total", "RawPages the broker refused",
                                        ["portal"], registry=registry)
        self.download_errors = Counter("newsingest_download_errors_total", "Requests that failed without a response",
                                       ["portal", "error"], registry=registry)
        self.response_bytes = Histogram("newsingest_response_bytes", "Response body size", ["portal"],
                                        buckets=(1e3, 1e4, 5e4, 1e5, 2.5e5, 5e5, 1e6, 5e6, 2e7), registry=registry)
        self.crawls_finished = Counter("newsingest_crawls_finished_total", "Finished crawls of a portal",
                                       ["portal", "reason"], registry=registry)
        self.pages_dropped = Counter("newsingest_pages_dropped_total",
                                     "Requests that never became a page (crawlers.middlewares.drops.DROP_REASONS)",
                                     ["portal", "reason"], registry=registry)

        self.build_info = Gauge("newsingest_build_info", "Always 1; the labels say which version runs in which role",
                                ["version", "role"], registry=registry)

    @classmethod
    def for_registry(cls, registry: CollectorRegistry) -> CrawlerMetrics:
        with _LOCK:
            if id(registry) not in _BY_REGISTRY:
                _BY_REGISTRY[id(registry)] = cls(registry)
            return _BY_REGISTRY[id(registry)]


def metrics_for(settings) -> CrawlerMetrics | None:
    """The crawler's metrics for these settings (None when NEWSINGEST_METRICS_ENABLED is off)."""
    if not settings.getbool("NEWSINGEST_METRICS_ENABLED", True):
        return None
    return CrawlerMetrics.for_registry(settings.get("NEWSINGEST_METRICS_REGISTRY") or REGISTRY)


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("newsingest")
    except PackageNotFoundError:  # a source tree that was never installed
        return "unknown"


class CrawlMetrics:
    def __init__(self, metrics: CrawlerMetrics, stats=None) -> None:
        self.metrics = metrics
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler):
        settings = crawler.settings
        if not settings.getbool("NEWSINGEST_METRICS_ENABLED", True):
            raise NotConfigured
        registry = settings.get("NEWSINGEST_METRICS_REGISTRY") or REGISTRY
        metrics = metrics_for(settings)
        port = settings.getint("NEWSINGEST_CRAWLER_METRICS_PORT", 0)
        probes = CrawlerProbes(crawler)
        if port:
            with _LOCK:
                if port not in _SERVED:
                    serve(registry, probes.probes, port, settings.get("NEWSINGEST_METRICS_HOST", "0.0.0.0"))
                    _SERVED.add(port)
                    log.info("crawler metrics on :%s/metrics, probes on /healthz and /readyz", port)
        ext = cls(metrics, crawler.stats)
        ext.probes = probes
        crawler.newsingest_probes = probes
        metrics.build_info.labels(_version(), "crawler").set(1)
        crawler.signals.connect(probes.opened, signal=signals.spider_opened)
        crawler.signals.connect(probes.closed, signal=signals.spider_closed)
        crawler.newsingest_metrics = metrics  # the publishing pipeline counts broker acks here
        crawler.signals.connect(ext.response_received, signal=signals.response_received)
        crawler.signals.connect(ext.spider_closed, signal=signals.spider_closed)
        crawler.signals.connect(ext.request_failed, signal=signals.spider_error)
        return ext

    @staticmethod
    def _portal(spider, request=None) -> str:
        """The request's portal (one spider watches many), else the spider's own, else 'unknown'."""
        portal_id = request.meta.get("portal_id") if request is not None else None
        return portal_id or getattr(getattr(spider, "portal", None), "id", "unknown")

    def response_received(self, response, request, spider) -> None:
        portal = self._portal(spider, request)
        self.metrics.pages_fetched.labels(portal, str(response.status)).inc()
        self.metrics.response_bytes.labels(portal).observe(len(response.body))

    def request_failed(self, failure, response, spider) -> None:
        self.metrics.download_errors.labels(self._portal(spider), failure.type.__name__).inc()

    def spider_closed(self, spider, reason) -> None:
        portal = self._portal(spider)
        self.metrics.crawls_finished.labels(portal, reason).inc()
        # The end-of-crawl summary names every drop (crawlers.middlewares.drops): never a silent "0 failed".
        stats = self.stats.get_stats() if self.stats is not None else {}
        dropped = stats.get("newsingest/dropped", 0)
        if dropped:
            by_reason = ", ".join(f"{key.rsplit('/', 1)[1]} {value}" for key, value in sorted(stats.items())
                                  if key.startswith("newsingest/dropped/"))
            log.warning("crawl of %s: %d page(s) dropped (%s)", portal, dropped, by_reason)
