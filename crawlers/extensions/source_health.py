"""Source health of the long-running watch: per-portal metrics and one `PortalStatus` message per poll.

`WatchLoop` drives it (no separate registration in crawlers/settings.py): `watching` when the spider opens
(the failure streaks restored from the crawl state, so a restart hides nothing), `poll_finished` after every
poll with the schedule the policy computed, `close` when the spider closes.

The status messages go out through a small producer of their own (`StatusPublisher`), on a worker thread with
a bounded queue: the reactor never waits for the broker, and a broker that is away, slow or refusing costs
counted and logged messages (`newsingest_portal_status_messages_total{result="failed"|"dropped"}`), never the
watch. Metric labels are the portal id and fixed kinds, never URLs.
"""

from __future__ import annotations

import logging
import queue
import threading
import time

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

from crawlers.pipelines.kafka_publish import kafka_client_config
from crawlers.watch.health import portal_status
from crawlers.watch.policy import PortalSchedule
from schemas import PortalStatus, encode

log = logging.getLogger(__name__)
_LOCK = threading.Lock()
_BY_REGISTRY: dict[int, SourceHealthMetrics] = {}


class SourceHealthMetrics:
    def __init__(self, registry: CollectorRegistry) -> None:
        self.consecutive_failures = Gauge("newsingest_portal_consecutive_failures",
                                          "Polls of the portal in a row that got no answer (0 after a success)",
                                          ["portal"], registry=registry)
        self.download_errors = Counter("newsingest_portal_download_errors_total",
                                       "Requests of the watch that failed or answered 4xx/5xx, by kind "
                                       "(crawlers.watch.health.ERROR_KINDS)", ["portal", "kind"], registry=registry)
        self.requests = Counter("newsingest_portal_requests_total", "Requests made by the portal's polls",
                                ["portal"], registry=registry)
        self.conditional_requests = Counter("newsingest_portal_conditional_requests_total",
                                            "Requests sent with If-None-Match / If-Modified-Since", ["portal"],
                                            registry=registry)
        self.not_modified = Counter("newsingest_portal_not_modified_total", "Answers 304 Not Modified",
                                    ["portal"], registry=registry)
        self.poll_bytes = Histogram("newsingest_portal_poll_bytes", "Response body bytes received per poll",
                                    ["portal"], buckets=(0, 1e3, 1e4, 1e5, 5e5, 1e6, 5e6, 2e7, 1e8),
                                    registry=registry)
        self.poll_new_articles = Histogram("newsingest_portal_poll_new_articles",
                                           "Article links seen for the first time per poll", ["portal"],
                                           buckets=(0, 1, 2, 5, 10, 20, 50, 100), registry=registry)
        self.status_messages = Counter("newsingest_portal_status_messages_total",
                                       "PortalStatus messages by result (published, failed, dropped)", ["result"],
                                       registry=registry)

    @classmethod
    def for_registry(cls, registry: CollectorRegistry) -> SourceHealthMetrics:
        with _LOCK:
            if id(registry) not in _BY_REGISTRY:
                _BY_REGISTRY[id(registry)] = cls(registry)
            return _BY_REGISTRY[id(registry)]


_STOP = object()


class StatusPublisher:
    """PortalStatus messages to Kafka from a worker thread. `publish` never blocks and never raises."""

    def __init__(self, bootstrap_servers: str, topic: str, *, metrics: SourceHealthMetrics | None = None,
                 queue_size: int = 1000, connect_timeout_s: float = 10.0, retry_s: float = 30.0,
                 close_timeout_s: float = 5.0, client_config: dict | None = None) -> None:
        self.bootstrap_servers = bootstrap_servers
        self.client_config = dict(client_config or {})
        self.topic = topic
        self.metrics = metrics
        self.connect_timeout_s = connect_timeout_s
        self.retry_s = retry_s
        self.close_timeout_s = close_timeout_s
        self.queue: queue.Queue = queue.Queue(maxsize=queue_size)
        self.producer = None
        self.thread: threading.Thread | None = None
        self.closed = False
        self._next_connect = 0.0

    def _count(self, result: str, n: int = 1) -> None:
        if self.metrics is not None:
            self.metrics.status_messages.labels(result).inc(n)

    def start(self) -> StatusPublisher:
        self.thread = threading.Thread(target=self._run, name="portal-status-publisher", daemon=True)
        self.thread.start()
        return self

    def publish(self, status: PortalStatus) -> None:
        if self.closed or self.thread is None:
            self._count("dropped")
            return
        try:
            self.queue.put_nowait(status)
        except queue.Full:
            self._count("dropped")
            log.warning("portal status of %s dropped: %d statuses waiting for the broker", status.portal_id,
                        self.queue.qsize())

    def _connect(self):
        from kafka import KafkaProducer

        timeout_ms = int(self.connect_timeout_s * 1000)
        return KafkaProducer(
            bootstrap_servers=self.bootstrap_servers.split(","), acks="all", linger_ms=20, retries=3,
            max_in_flight_requests_per_connection=1, client_id="newsingest-crawler-status",
            bootstrap_timeout_ms=timeout_ms, max_block_ms=timeout_ms, request_timeout_ms=max(timeout_ms, 5000),
            delivery_timeout_ms=max(2 * timeout_ms, 30_000), **self.client_config,
        )

    def _producer(self):
        if self.producer is None and time.monotonic() >= self._next_connect:
            try:
                self.producer = self._connect()
            except Exception as exc:  # noqa: BLE001 - whatever the client raises, the watch goes on
                self._next_connect = time.monotonic() + self.retry_s
                log.warning("portal status: no Kafka broker at %s (%s); retrying in %.0fs", self.bootstrap_servers,
                            exc, self.retry_s)
        return self.producer

    def _failed(self, status: PortalStatus, exc) -> None:
        self._count("failed")
        log.warning("portal status of %s not published: %s", status.portal_id, exc)

    def _send(self, status: PortalStatus) -> None:
        producer = self._producer()
        if producer is None:
            self._failed(status, "broker unreachable")
            return
        try:
            future = producer.send(self.topic, key=status.portal_id.encode("utf-8"), value=encode(status))
        except Exception as exc:  # noqa: BLE001
            self._failed(status, exc)
            return
        future.add_callback(lambda _metadata: self._count("published"))
        future.add_errback(lambda exc: self._failed(status, exc))

    def _run(self) -> None:
        while True:
            item = self.queue.get()
            if item is _STOP:
                break
            try:
                self._send(item)
            except Exception:  # noqa: BLE001 - the thread must outlive any surprise
                self._count("failed")
                log.exception("portal status of %s not published", getattr(item, "portal_id", "?"))

    def close(self) -> None:
        """Send what is queued (bounded by close_timeout_s), then close the producer."""
        if self.closed:
            return
        self.closed = True
        if self.thread is not None:
            deadline = time.monotonic() + self.close_timeout_s
            while True:
                try:
                    self.queue.put(_STOP, timeout=0.1)
                    break
                except queue.Full:
                    if time.monotonic() > deadline:
                        break
            self.thread.join(max(0.1, deadline - time.monotonic()))
        if self.producer is not None:
            try:
                self.producer.flush(timeout=self.close_timeout_s)
                self.producer.close(timeout=self.close_timeout_s)
            except Exception as exc:  # noqa: BLE001
                log.warning("portal status producer did not close cleanly: %s", exc)
            self.producer = None
        left = self.queue.qsize()
        if left:
            self._count("dropped", left)
            log.warning("%d portal status message(s) not published at shutdown", left)


class SourceHealth:
    """Per-portal health metrics and status messages, fed by the WatchLoop."""

    def __init__(self, metrics: SourceHealthMetrics, publisher: StatusPublisher | None = None) -> None:
        self.metrics = metrics
        self.publisher = publisher

    @classmethod
    def from_settings(cls, settings, registry: CollectorRegistry) -> SourceHealth:
        metrics = SourceHealthMetrics.for_registry(registry)
        publisher = None
        servers = settings.get("NEWSINGEST_KAFKA_BOOTSTRAP_SERVERS")
        if (servers and settings.getbool("NEWSINGEST_KAFKA_ENABLED", True)
                and settings.getbool("NEWSINGEST_PORTAL_STATUS_ENABLED", True)):
            topic = settings.get("NEWSINGEST_TOPIC_PORTAL_STATUS")
            if not topic:  # until crawlers/settings.py names it: the same NEWSINGEST_* variable, read here
                from schemas.settings import load_settings

                topic = load_settings().topic_portal_status
            publisher = StatusPublisher(servers, topic, metrics=metrics,
                                        client_config=kafka_client_config(settings))
        return cls(metrics, publisher)

    def open(self) -> None:
        if self.publisher is not None and self.publisher.thread is None:
            self.publisher.start()

    def watching(self, portal_ids, stored: dict[str, PortalSchedule]) -> None:
        """Every watched portal gets its series at start (an absent series means an unwatched portal)."""
        for portal_id in portal_ids:
            schedule = stored.get(portal_id)
            self.metrics.consecutive_failures.labels(portal_id).set(schedule.consecutive_failures if schedule else 0)

    def poll_finished(self, poll, schedule: PortalSchedule, now: float, *, failed: bool) -> PortalStatus:
        portal_id = poll.portal.id
        m = self.metrics
        m.consecutive_failures.labels(portal_id).set(schedule.consecutive_failures)
        m.requests.labels(portal_id).inc(poll.requests)
        m.conditional_requests.labels(portal_id).inc(poll.conditional)
        m.not_modified.labels(portal_id).inc(poll.not_modified)
        m.poll_bytes.labels(portal_id).observe(poll.bytes)
        m.poll_new_articles.labels(portal_id).observe(poll.new_articles)
        for kind, n in poll.errors.items():
            m.download_errors.labels(portal_id, kind).inc(n)
        status = portal_status(poll, schedule, now, failed=failed)
        if self.publisher is not None:
            self.publisher.publish(status)
        return status

    def close(self) -> None:
        if self.publisher is not None:
            self.publisher.close()
