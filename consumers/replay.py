"""Replay dead letters: put each original message back on the topic it came from, once the cause is fixed."""

from __future__ import annotations

import logging

from kafka.structs import OffsetAndMetadata

from schemas import DeadLetter, DecodeError, decode

log = logging.getLogger(__name__)


def replay(consumer, producer, *, stage: str | None = None, limit: int | None = None,
           idle_polls: int = 3) -> int:
    """Republish dead letters from the subscribed dead-letter topic; commit only what was acknowledged.
    Stops after `limit` letters or when `idle_polls` polls in a row return nothing."""
    replayed = 0
    idle = 0
    while idle < idle_polls and (limit is None or replayed < limit):
        batch = consumer.poll(timeout_ms=1000)
        if not any(batch.values()):
            idle += 1
            continue
        idle = 0
        offsets = {}
        futures = []
        for tp, records in batch.items():
            for record in records:
                if limit is not None and replayed >= limit:
                    break
                try:
                    letter = decode(DeadLetter, record.value)
                except DecodeError as exc:
                    log.error("skipping unreadable dead letter at %s@%s: %s", tp, record.offset, exc)
                    offsets[tp] = record.offset + 1
                    continue
                if stage is None or letter.stage == stage:
                    futures.append(producer.send(letter.original_topic, key=letter.original_key,
                                                 value=letter.original_payload))
                    replayed += 1
                offsets[tp] = record.offset + 1
        producer.flush()
        for future in futures:
            future.get(timeout=30)
        consumer.commit({tp: OffsetAndMetadata(off, "", -1) for tp, off in offsets.items()})
    return replayed
