"""kafka-python clients configured for at-least-once processing. Broker-agnostic: no Tansu specifics."""

from __future__ import annotations

import logging
import time

from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer
from kafka.admin import NewTopic
from kafka.errors import KafkaError, TopicAlreadyExistsError

log = logging.getLogger(__name__)


def make_consumer(bootstrap: str, *, group_id: str, topic: str, session_timeout_ms: int,
                  heartbeat_interval_ms: int, max_poll_records: int, client_id: str = "newsingest",
                  max_poll_interval_ms: int = 300_000,
                  max_message_bytes: int = 4 * 1024 * 1024,
                  client_config: dict | None = None) -> KafkaConsumer:
    """Fetch sizes follow the broker's message limit so one poll holds a bounded amount of memory: at most
    one message's worth per partition and a few per fetch (a larger first record is still returned whole,
    so nothing blocks; the runner dead-letters it undecoded if it exceeds its input limit)."""
    consumer = KafkaConsumer(
        bootstrap_servers=bootstrap.split(","),
        group_id=group_id,
        client_id=client_id,
        enable_auto_commit=False,  # offsets are committed only after outputs are acked and the store commits
        auto_offset_reset="earliest",
        session_timeout_ms=session_timeout_ms,
        heartbeat_interval_ms=heartbeat_interval_ms,
        max_poll_records=max_poll_records,
        max_poll_interval_ms=max_poll_interval_ms,
        request_timeout_ms=max(30_000, session_timeout_ms + 5_000),
        reconnect_backoff_max_ms=5_000,
        max_partition_fetch_bytes=max_message_bytes,
        fetch_max_bytes=max(4 * max_message_bytes, 8 * 1024 * 1024),
        **(client_config or {}),  # security: Settings.kafka_client_config()
    )
    consumer.subscribe([topic])
    return consumer


def make_producer(bootstrap: str, *, client_id: str = "newsingest",
                  max_request_size: int = 4 * 1024 * 1024, linger_ms: int = 5, batch_size: int = 16384,
                  client_config: dict | None = None) -> KafkaProducer:
    """`max_request_size` should be the broker's message limit (message.max.bytes): a larger record then
    fails at send() as MessageSizeTooLargeError, which the runner dead-letters, instead of at the broker."""
    return KafkaProducer(
        bootstrap_servers=bootstrap.split(","),
        client_id=client_id,
        acks="all",
        compression_type="zstd",
        linger_ms=linger_ms,
        batch_size=batch_size,
        retries=5,
        retry_backoff_ms=200,
        # One request in flight keeps per-key order across retries.
        max_in_flight_requests_per_connection=1,
        max_request_size=max_request_size,
        request_timeout_ms=30_000,
        # send() blocks at most this long for metadata of a topic it has not seen (broker down).
        max_block_ms=20_000,
        # A new producer (the runner builds one after a fatal error) gives up bootstrapping after this.
        bootstrap_timeout_ms=10_000,
        **(client_config or {}),  # security: Settings.kafka_client_config()
    )


def ensure_topics(bootstrap: str, topics: list[str], *, partitions: int, replication_factor: int,
                  timeout_s: float = 30.0) -> None:
    """Create missing topics; existing ones are left as they are."""
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            admin = KafkaAdminClient(bootstrap_servers=bootstrap.split(","), client_id="newsingest-admin")
            break
        except KafkaError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.5)
    try:
        existing = set(admin.list_topics())
        missing = [t for t in topics if t not in existing]
        if missing:
            try:
                admin.create_topics([NewTopic(t, partitions, replication_factor) for t in missing])
                log.info("created topics %s", missing)
            except TopicAlreadyExistsError:
                pass
    finally:
        admin.close()
