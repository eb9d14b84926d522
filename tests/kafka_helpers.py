"""Reading whole topics in tests. Uses the fetch high-watermark, never end_offsets() (wrong on Tansu)."""

from __future__ import annotations

import time
import uuid

from kafka import KafkaConsumer, KafkaProducer
from kafka.structs import TopicPartition

from schemas.settings import Settings, load_settings


def unique_settings(bootstrap: str, **overrides) -> Settings:
    tag = uuid.uuid4().hex[:8]
    names = {f"topic_{n}": f"t{tag}.{n}" for n in ("raw_pages", "articles", "meeting_reports", "events",
                                                     "raw_pages_dead_letter", "articles_dead_letter",
                                                     "portal_status")}
    values = dict(kafka_bootstrap_servers=bootstrap, consumer_group_prefix=f"g{tag}", topic_partitions=2,
                  kafka_session_timeout_ms=2000, kafka_heartbeat_interval_ms=500, metrics_port=0,
                  crawler_metrics_port=0, **names)
    values.update(overrides)
    return load_settings(**values)


def read_topic(bootstrap: str, topic: str, timeout_s: float = 20.0) -> list:
    consumer = KafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False, group_id=None)
    deadline = time.monotonic() + timeout_s
    partitions = None
    while partitions is None and time.monotonic() < deadline:
        partitions = consumer.partitions_for_topic(topic)
        if partitions is None:
            time.sleep(0.2)
    tps = [TopicPartition(topic, p) for p in sorted(partitions or ())]
    if not tps:  # the topic does not exist (yet)
        consumer.close()
        return []
    consumer.assign(tps)
    consumer.seek_to_beginning(*tps)
    records = []
    while time.monotonic() < deadline:
        batch = consumer.poll(timeout_ms=300)
        for recs in batch.values():
            records.extend(recs)
        if not any(batch.values()) and all(
            consumer.highwater(tp) is not None and consumer.position(tp) >= consumer.highwater(tp) for tp in tps
        ):
            break
    consumer.close()
    return sorted(records, key=lambda r: (r.partition, r.offset))


def produce(bootstrap: str, topic: str, messages: list[tuple[bytes | None, bytes]]) -> None:
    producer = KafkaProducer(bootstrap_servers=bootstrap, acks="all")
    for key, value in messages:
        producer.send(topic, key=key, value=value)
    producer.flush()
    producer.close()
