"""Replay dead letters: put each original message back on the topic it came from, once the cause is fixed.

A run is bounded three ways:
* it reads the dead-letter topic from the replay group's committed offset (or the beginning) up to the fetch
  high-watermark each partition had when the run started, so letters produced while it runs (a message that
  fails again) wait for the next run and a run always ends;
* partitions are assigned, not subscribed: no group join to wait for (the embedded broker holds a join for
  about half the session timeout, which made a subscribe-based replay give up before it had read anything);
* one message is republished at most `max_replays` times. Every failure of a message leaves one more dead
  letter carrying the same original topic, key and payload, so the number of such letters on the topic is
  the number of times it failed: a message that failed more than `max_replays` times is left where it is,
  counted and reported, not re-injected. The republished record carries the replay number in a
  `newsingest-replay-count` header for anyone watching.

`end_offsets()` (ListOffsets LATEST) is never used: it is wrong on the embedded broker (Tansu).
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections import Counter
from dataclasses import dataclass

from kafka import KafkaConsumer
from kafka.structs import OffsetAndMetadata, TopicPartition

from consumers.runner import is_per_message_error
from schemas import DeadLetter, DecodeError, decode

log = logging.getLogger(__name__)

REPLAY_COUNT_HEADER = "newsingest-replay-count"


def _refused(result: ReplayResult, item, exc: BaseException) -> None:
    result.refused += 1
    log.warning("dead letter at %s@%s not replayed: the broker refuses its original for good: %s: %s", item.tp,
                item.offset, type(exc).__name__, exc)


@dataclass
class ReplayResult:
    replayed: int = 0
    over_limit: int = 0
    unreadable: int = 0
    truncated: int = 0
    duplicates: int = 0
    other_stage: int = 0
    not_reached: int = 0
    max_replays: int = 0
    refused: int = 0  # the broker refuses the original for good (e.g. larger than its limit): left on the topic

    def summary(self, topic: str | None = None) -> str:
        parts = [f"replayed {self.replayed} dead letter(s)" + (f" from {topic}" if topic else ""),
                 f"{self.over_limit} left after {self.max_replays} replay(s)",
                 f"{self.unreadable} unreadable"]
        if self.truncated:
            parts.append(f"{self.truncated} too large to replay (only a preview was kept; the original is at "
                         f"its original_topic/partition/offset)")
        if self.duplicates:
            parts.append(f"{self.duplicates} duplicate(s) of a replayed one")
        if self.other_stage:
            parts.append(f"{self.other_stage} of another stage")
        if self.refused:
            parts.append(f"{self.refused} refused by the broker (left on the dead-letter topic)")
        if self.not_reached:
            parts.append(f"{self.not_reached} left for the next run (--limit)")
        return ", ".join(parts)


def letter_identity(letter: DeadLetter) -> bytes:
    """What stays the same every time one message fails: where it came from, its key and its bytes."""
    digest = hashlib.sha256()
    payload = letter.original_payload
    if getattr(letter, "payload_truncated", False) and getattr(letter, "original_sha256", None):
        payload = letter.original_sha256.encode()
    for part in (letter.original_topic.encode(), letter.original_key or b"", payload):
        digest.update(len(part).to_bytes(8, "big"))
        digest.update(part)
    return digest.digest()


@dataclass
class _Pending:
    tp: TopicPartition
    offset: int
    letter: DeadLetter | None  # None: unreadable
    identity: bytes | None


def _read_window(consumer: KafkaConsumer, tps: list[TopicPartition], starts: dict[TopicPartition, int],
                 timeout_s: float) -> tuple[Counter, list[_Pending]]:
    """Read every partition from offset 0 up to its high-watermark at the first fetch. Returns how often each
    identity occurs on the topic, and the letters at or after `starts` (the window this run replays)."""
    consumer.seek_to_beginning(*tps)
    ends: dict[TopicPartition, int] = {}
    counts: Counter = Counter()
    window: list[_Pending] = []
    done: set[TopicPartition] = set()
    idle_deadline = time.monotonic() + timeout_s
    while len(done) < len(tps):
        batch = consumer.poll(timeout_ms=500)
        progressed = False
        for tp in tps:
            if tp not in ends and consumer.highwater(tp) is not None:
                ends[tp] = consumer.highwater(tp)
                progressed = True
        for tp, records in batch.items():
            for record in records:
                if tp not in ends or record.offset >= ends[tp]:
                    continue  # arrived after the run started: next run
                progressed = True
                try:
                    letter = decode(DeadLetter, record.value)
                    identity = letter_identity(letter)
                    counts[identity] += 1
                except DecodeError as exc:
                    log.info("unreadable dead letter at %s@%s: %s", tp, record.offset, exc)
                    letter, identity = None, None
                if record.offset >= starts.get(tp, 0):
                    window.append(_Pending(tp, record.offset, letter, identity))
        for tp in tps:
            if tp in ends and tp not in done:
                try:
                    position = consumer.position(tp)
                except Exception:  # noqa: BLE001 - position unknown yet: poll again
                    continue
                if position >= ends[tp]:
                    done.add(tp)
                    consumer.pause(tp)
                    progressed = True
        if progressed:
            idle_deadline = time.monotonic() + timeout_s
        elif time.monotonic() > idle_deadline:
            raise TimeoutError(f"dead-letter topic {tps[0].topic}: no progress reading it for {timeout_s:.0f}s")
    return counts, window


def replay_topic(bootstrap: str, topic: str, *, group_id: str, producer, stage: str | None = None,
                 limit: int | None = None, max_replays: int = 3, from_beginning: bool = False,
                 timeout_s: float = 30.0, client_config: dict | None = None) -> ReplayResult:
    """Republish the dead letters of `topic` that arrived since the last run (see the module docstring)."""
    result = ReplayResult(max_replays=max_replays)
    consumer = KafkaConsumer(bootstrap_servers=bootstrap.split(","), group_id=group_id, client_id="newsingest-replay",
                             enable_auto_commit=False, auto_offset_reset="earliest", **(client_config or {}))
    try:
        deadline = time.monotonic() + min(timeout_s, 10.0)  # metadata arrives within a second or two
        partitions = consumer.partitions_for_topic(topic)
        while partitions is None and time.monotonic() < deadline:
            time.sleep(0.2)
            partitions = consumer.partitions_for_topic(topic)
        if not partitions:
            return result  # no dead-letter topic yet: nothing ever failed
        tps = [TopicPartition(topic, p) for p in sorted(partitions)]
        consumer.assign(tps)
        starts = {}
        for tp in tps:
            committed = None if from_beginning else consumer.committed(tp)
            starts[tp] = committed or 0
        counts, window = _read_window(consumer, tps, starts, timeout_s)

        futures = []
        commit_to: dict[TopicPartition, int] = {}
        blocked: set[TopicPartition] = set()  # --limit reached: later letters of the partition wait
        replayed_now: set[bytes] = set()
        for item in window:
            if item.tp in blocked:
                result.not_reached += 1
                continue
            letter = item.letter
            if letter is None:
                result.unreadable += 1
            elif stage is not None and letter.stage != stage:
                result.other_stage += 1
            elif getattr(letter, "payload_truncated", False):
                result.truncated += 1  # a preview: republishing it would inject a broken message
            elif item.identity in replayed_now:
                result.duplicates += 1
            elif counts[item.identity] > max_replays:
                # It failed counts[...] times: once originally, then after each of its replays.
                result.over_limit += 1
            elif limit is not None and result.replayed >= limit:
                blocked.add(item.tp)
                result.not_reached += 1
                continue
            else:
                replay_number = counts[item.identity]
                try:
                    futures.append((producer.send(letter.original_topic, key=letter.original_key,
                                                  value=letter.original_payload,
                                                  headers=[(REPLAY_COUNT_HEADER, str(replay_number).encode())]),
                                    item))
                except Exception as exc:  # noqa: BLE001 - one record refused for good is counted; else raise
                    if not is_per_message_error(exc):
                        raise
                    _refused(result, item, exc)
                else:
                    replayed_now.add(item.identity)
                    result.replayed += 1
            commit_to[item.tp] = item.offset + 1
        producer.flush()
        for future, item in futures:
            try:
                future.get(timeout=30)
            except Exception as exc:  # noqa: BLE001 - as at send: refused for good is counted, the rest raises
                if not is_per_message_error(exc):
                    raise
                result.replayed -= 1
                _refused(result, item, exc)
        if commit_to:
            consumer.commit({tp: OffsetAndMetadata(off, "", -1) for tp, off in commit_to.items()})
        return result
    finally:
        consumer.close(autocommit=False)
