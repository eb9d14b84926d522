"""Publishes each fetched article page as a RawPage message, keyed by canonical URL."""

from __future__ import annotations

import logging

import zstandard
from kafka import KafkaProducer
from kafka.errors import KafkaError, MessageSizeTooLargeError, RecordListTooLargeError
from scrapy.exceptions import NotConfigured
from scrapy.utils.defer import maybe_deferred_to_future
from twisted.internet import defer, reactor

from crawlers.canonical import canonical_url
from crawlers.items import PageItem
from schemas import RawPage, encode


def kafka_client_config(settings) -> dict:
    """The Kafka security configuration (crawlers/settings.py: NEWSINGEST_KAFKA_CLIENT_CONFIG, built by
    Settings.kafka_client_config from NEWSINGEST_KAFKA_SECURITY_PROTOCOL, _SASL_*, _SSL_*)."""
    return dict(settings.getdict("NEWSINGEST_KAFKA_CLIENT_CONFIG") or {})

log = logging.getLogger(__name__)


class PublishFailed(RuntimeError):
    """The broker refused a page (or could not be reached in time)."""


def to_raw_page(item: PageItem, *, max_message_bytes: int, compressor=None) -> RawPage:
    compressor = compressor or zstandard.ZstdCompressor(level=6)
    body = compressor.compress(item.body)
    dropped = len(body) > max_message_bytes
    if dropped:
        # Too big for one message even compressed: send the facts without the body so the extract
        # stage dead-letters it as too_large instead of the page vanishing here.
        body = b""
    return RawPage(
        url=item.url, final_url=item.final_url, canonical_url=canonical_url(item.final_url),
        portal_id=item.portal_id, province=item.province, fetched_at=item.fetched_at,
        http_status=item.http_status, headers=item.headers, content_type=item.content_type,
        body_encoding="zstd", body=body, body_length=len(item.body), body_dropped=dropped,
    )


class KafkaPublishPipeline:
    client_config: dict = {}  # noqa: RUF012 - replaced per instance by from_crawler; never mutated
    broker_failure: str | None = None  # the last publish failed for a reason other than the page itself

    def __init__(self, bootstrap_servers: str, topic: str, max_message_bytes: int = 900_000,
                 send_timeout_s: float = 30.0) -> None:
        self.bootstrap_servers = bootstrap_servers
        self.topic = topic
        self.max_message_bytes = max_message_bytes
        self.send_timeout_s = send_timeout_s
        self.producer: KafkaProducer | None = None
        self.compressor = zstandard.ZstdCompressor(level=6)
        self.crawler = None

    @classmethod
    def from_crawler(cls, crawler):
        settings = crawler.settings
        if not settings.getbool("NEWSINGEST_KAFKA_ENABLED", True):
            raise NotConfigured("NEWSINGEST_KAFKA_ENABLED is off")
        servers = settings.get("NEWSINGEST_KAFKA_BOOTSTRAP_SERVERS")
        if not servers:
            raise NotConfigured("NEWSINGEST_KAFKA_BOOTSTRAP_SERVERS is not set")
        pipeline = cls(servers, settings.get("NEWSINGEST_TOPIC_RAW_PAGES", "newsingest.raw-pages.v1"),
                       settings.getint("NEWSINGEST_RAW_PAGE_MAX_MESSAGE_BYTES", 900_000))
        pipeline.crawler = crawler
        pipeline.client_config = kafka_client_config(settings)
        return pipeline

    def open_spider(self, spider=None) -> None:
        try:
            self.producer = self._connect()
            if self.crawler is not None:
                self.crawler.newsingest_publisher = self  # readiness (crawlers.extensions.probes)
        except KafkaError:
            log.error("no Kafka broker reachable at %s; crawl stopped before fetching anything",
                      self.bootstrap_servers)
            raise

    def _connect(self) -> KafkaProducer:
        return KafkaProducer(
            bootstrap_servers=self.bootstrap_servers.split(","), acks="all", compression_type="zstd",
            linger_ms=20, retries=5, max_in_flight_requests_per_connection=1,
            max_request_size=4 * 1024 * 1024, client_id="newsingest-crawler",
            # Fail fast when the broker is absent instead of blocking the crawl's reactor.
            bootstrap_timeout_ms=10_000,
            **self.client_config,  # security protocol, SASL, SSL (Settings.kafka_client_config)
        )

    async def process_item(self, item, spider=None):
        """Returns once the broker acknowledged the page (raises when it refused it), so Scrapy's
        `item_scraped` means "on Kafka": the watch records a page as fetched only then."""
        return await maybe_deferred_to_future(self._publish(item))

    def _publish(self, item) -> defer.Deferred:
        if not isinstance(item, PageItem):
            return defer.succeed(item)
        message = to_raw_page(item, max_message_bytes=self.max_message_bytes, compressor=self.compressor)
        stats = self.crawler.stats if self.crawler else None
        metrics = getattr(self.crawler, "newsingest_metrics", None)
        url, portal = message.canonical_url, message.portal_id
        acknowledged = defer.Deferred()

        def delivered(_metadata) -> None:
            self.broker_failure = None
            if stats:
                stats.inc_value("newsingest/published")
            if metrics:
                metrics.pages_published.labels(portal).inc()
            acknowledged.callback(item)

        def failed(exc) -> None:
            # Not recorded as fetched: the watch asks for the page again on its next poll.
            if stats:
                stats.inc_value("newsingest/publish_failed")
            if metrics:
                metrics.publish_failures.labels(portal).inc()
            log.error("could not publish %s: %s", url, exc)
            if not isinstance(exc, (MessageSizeTooLargeError, RecordListTooLargeError, ValueError, TypeError)):
                self.broker_failure = f"{type(exc).__name__}: {exc}"  # readiness, until the next ack
            acknowledged.errback(PublishFailed(f"{url}: {exc}"))

        try:
            future = self.producer.send(self.topic, key=message.canonical_url.encode("utf-8"), value=encode(message))
        except (KafkaError, ValueError, TypeError) as exc:
            failed(exc)
            return acknowledged
        # kafka-python calls back from its I/O thread; Deferreds belong to the reactor's thread.
        future.add_callback(lambda metadata: reactor.callFromThread(delivered, metadata))
        future.add_errback(lambda exc: reactor.callFromThread(failed, exc))
        return acknowledged

    def close_spider(self, spider=None) -> None:
        if self.producer is not None:
            self.producer.flush(timeout=self.send_timeout_s)
            self.producer.close(timeout=self.send_timeout_s)
            self.producer = None
