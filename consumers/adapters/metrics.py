"""Prometheus metrics for the consumers, built from one factory bound to a registry (tests pass a fresh one)."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, start_http_server

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30)
FRESHNESS_BUCKETS = (1, 5, 15, 30, 60, 120, 300, 600, 1800, 3600, 7200, 21600, 86400)
BODY_BUCKETS = (0, 200, 500, 1000, 2000, 4000, 8000, 16000, 32000, 64000)


class ConsumerMetrics:
    def __init__(self, registry: CollectorRegistry) -> None:
        self.registry = registry
        self.processed = Counter("newsingest_messages_processed_total",
                                 "Messages a stage handled, by outcome", ["stage", "outcome"], registry=registry)
        self.failed = Counter("newsingest_messages_failed_total",
                              "Messages a stage failed on, by error type", ["stage", "error_type"], registry=registry)
        self.dead_letters = Counter("newsingest_dead_letters_total",
                                    "Messages sent to a dead-letter topic", ["stage", "reason"], registry=registry)
        self.latency = Histogram("newsingest_stage_latency_seconds", "Time a stage spends on one message",
                                 ["stage"], buckets=LATENCY_BUCKETS, registry=registry)
        self.retries = Counter("newsingest_stage_retries_total", "Stage calls repeated after a retryable error",
                               ["stage"], registry=registry)
        self.infrastructure_errors = Counter(
            "newsingest_infrastructure_errors_total", "Broker or database faults that paused a stage",
            ["stage", "component"], registry=registry)
        self.producer_rebuilds = Counter(
            "newsingest_producer_rebuilds_total",
            "Kafka producers closed and built anew after a fatal producer error or a lasting broker fault",
            ["stage"], registry=registry)
        self.commits = Counter("newsingest_offset_commits_total", "Offset commits", ["stage"], registry=registry)
        self.database_up = Gauge(
            "newsingest_database_up", "1 when the stage's last database health check answered, else 0", ["stage"],
            registry=registry)
        self.broker_connections = Gauge(
            "newsingest_broker_connections", "Open connections of the stage's consumer to the brokers", ["stage"],
            registry=registry)
        self.broker_disconnects = Counter(
            "newsingest_broker_disconnects_total",
            "Times the stage's consumer lost every broker connection (an outage its client retried through)",
            ["stage"], registry=registry)
        self.lag = Gauge("newsingest_consumer_lag_messages",
                         "Fetch high watermark minus the consumer's position, per assigned partition",
                         ["stage", "topic", "partition"], registry=registry)
        self.freshness = Histogram(
            "newsingest_freshness_seconds",
            "From the crawler's fetch of a page to its meeting report stored (point=stored) or acknowledged on "
            "the meeting-reports topic (point=published)", ["point"], buckets=FRESHNESS_BUCKETS, registry=registry)
        self.build_info = Gauge("newsingest_build_info", "Always 1; the labels say which version runs in which role",
                                ["version", "role"], registry=registry)
        self.reports_stored = Counter("newsingest_reports_stored_total", "Meeting reports stored",
                                      ["meeting_type", "dedup_outcome"], registry=registry)
        self.dedup_outcomes = Counter("newsingest_dedup_outcomes_total", "Dedup decisions on processed articles",
                                      ["outcome"], registry=registry)
        self.duplicates = Counter("newsingest_duplicates_total",
                                  "Articles recognised as duplicates or near-duplicates", ["kind"], registry=registry)
        self.extraction = ExtractionHealth(registry)


class ExtractionHealth:
    """Per-portal extraction quality, so a portal's layout change shows on a dashboard."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self.pages = Counter("newsingest_extraction_pages_total", "Pages through extraction, by result",
                             ["portal", "result"], registry=registry)
        self.empty_body = Counter("newsingest_extraction_empty_body_total", "Pages with no article body",
                                  ["portal"], registry=registry)
        self.missing_date = Counter("newsingest_extraction_missing_date_total", "Articles without a publish date",
                                    ["portal"], registry=registry)
        self.missing_author = Counter("newsingest_extraction_missing_author_total", "Articles without an author",
                                      ["portal"], registry=registry)
        self.body_chars = Histogram("newsingest_extraction_body_chars", "Extracted body length in characters",
                                    ["portal"], buckets=BODY_BUCKETS, registry=registry)
        self.chrome_hits = Counter("newsingest_extraction_chrome_lines_removed_total",
                                   "Chrome lines caught after trafilatura (leak detector)", ["portal"],
                                   registry=registry)
        self.flags = Counter("newsingest_extraction_flags_total", "Quality flags raised", ["portal", "flag"],
                             registry=registry)

    def observe(self, portal: str, extracted) -> None:
        self.pages.labels(portal, "ok").inc()
        self.body_chars.labels(portal).observe(len(extracted.text))
        if extracted.published_at is None:
            self.missing_date.labels(portal).inc()
        if not extracted.author:
            self.missing_author.labels(portal).inc()
        if extracted.chrome_hits:
            self.chrome_hits.labels(portal).inc(extracted.chrome_hits)
        for flag in extracted.flags:
            self.flags.labels(portal, flag.split(":")[0]).inc()

    def rejected(self, portal: str, reason: str) -> None:
        self.pages.labels(portal, reason).inc()
        if reason in ("empty_body", "empty_page"):
            self.empty_body.labels(portal).inc()


def serve(registry: CollectorRegistry, port: int, host: str = "0.0.0.0"):
    """Start the /metrics endpoint; returns the server so tests can shut it down."""
    server, thread = start_http_server(port, addr=host, registry=registry)
    return server, thread
