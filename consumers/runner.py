"""One generic runner for every stage: poll -> decode -> stage -> produce -> flush -> commit.

Offsets are committed only after every output of the batch is acknowledged by the broker and the
stage's store transaction has committed, so a crash anywhere replays messages instead of losing them
(stages are idempotent). A message that can never succeed goes to the stage's dead-letter topic with
its reason; a broker or database outage pauses the stage instead of dead-lettering healthy messages.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from dataclasses import dataclass

from kafka.errors import KafkaConnectionError, KafkaError, KafkaTimeoutError
from kafka.structs import OffsetAndMetadata, TopicPartition
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.exc import TimeoutError as SQLAlchemyTimeoutError

from consumers.adapters.metrics import ConsumerMetrics
from consumers.stages.base import Rejected, Retryable, StageResult
from schemas import DeadLetter, DecodeError, decode, encode

log = logging.getLogger(__name__)


# SQLSTATE classes that mean the database, not the message, is the problem: connection (08), invalid
# transaction state (25, e.g. a read-only standby after failover), resources (53), operator intervention (57),
# system errors (58), and a missing table after a restore (42P01).
_OUTAGE_SQLSTATES = ("08", "25", "53", "57", "58", "42P01")


def _is_database_outage(exc: BaseException) -> bool:
    if isinstance(exc, (OperationalError, SQLAlchemyTimeoutError)) or getattr(exc, "connection_invalidated", False):
        return True
    code = getattr(getattr(exc, "orig", None), "sqlstate", None) or ""
    return code.startswith(_OUTAGE_SQLSTATES[:-1]) or code == "42P01"


def _is_outage(exc: KafkaError) -> bool:
    return bool(getattr(exc, "retriable", False)) or isinstance(exc, (KafkaTimeoutError, KafkaConnectionError))


class InfrastructureError(Exception):
    def __init__(self, component: str, cause: BaseException) -> None:
        super().__init__(f"{component} unavailable: {cause}")
        self.component = component


@dataclass
class _Done:
    futures: list
    callbacks: list


class Runner:
    def __init__(self, stage, *, consumer, producer, input_topic: str, dead_letter_topic: str,
                 metrics: ConsumerMetrics, max_attempts: int = 3, poll_timeout_ms: int = 500,
                 flush_timeout_s: float = 30.0, max_backoff_s: float = 30.0) -> None:
        self.stage = stage
        self.consumer = consumer
        self.producer = producer
        self.input_topic = input_topic
        self.dead_letter_topic = dead_letter_topic
        self.metrics = metrics
        self.max_attempts = max_attempts
        self.poll_timeout_ms = poll_timeout_ms
        self.flush_timeout_s = flush_timeout_s
        self.max_backoff_s = max_backoff_s
        self.stop_event = threading.Event()
        self.last_poll_empty = False
        self.handled = 0
        self._unacknowledged: BaseException | None = None
        self._backoff = 0.5

    # -- public --------------------------------------------------------------------------------
    def run(self) -> None:
        log.info("stage %s consuming %s", self.stage.name, self.input_topic)
        try:
            while not self.stop_event.is_set():
                try:
                    self.run_once()
                except Exception as exc:  # noqa: BLE001 - a stage thread must never die silently
                    # Whatever escaped (a seek on a revoked partition, a client bug): nothing of the batch
                    # was committed, so pausing and polling again replays it.
                    log.exception("stage %s: unexpected error, pausing", self.stage.name)
                    self._pause("runner", exc)
        finally:
            self.close()

    def stop(self) -> None:
        self.stop_event.set()

    def close(self) -> None:
        try:
            self.producer.flush(timeout=self.flush_timeout_s)
            self.producer.close(timeout=self.flush_timeout_s)
        except KafkaError as exc:
            log.warning("flush on close failed: %s", exc)
        try:
            self.consumer.close(autocommit=False)
        except Exception as exc:  # noqa: BLE001 - closing must not raise over the real error
            log.warning("consumer close failed: %s", exc)

    def caught_up(self) -> bool:
        """True when the last poll was empty and every assigned partition is at its high watermark."""
        if not self.last_poll_empty:
            return False
        assignment = self.consumer.assignment()
        if not assignment:
            return False
        for tp in assignment:
            high = self.consumer.highwater(tp)
            if high is None or self.consumer.position(tp) < high:
                return False
        return True

    def run_once(self) -> int:
        try:
            batch = self.consumer.poll(timeout_ms=self.poll_timeout_ms)
        except KafkaError as exc:
            self._pause("broker", exc)
            return 0
        self.last_poll_empty = not any(batch.values())
        self._update_lag()
        if self.last_poll_empty:
            return 0
        done = _Done([], [])
        committed_to: dict[TopicPartition, int] = {}
        batch_start = {tp: records[0].offset for tp, records in batch.items() if records}
        try:
            for tp, records in batch.items():
                for record in records:
                    self._handle(record, done)
                    committed_to[tp] = record.offset + 1
        except InfrastructureError as exc:
            # Keep what finished (if its outputs are acknowledged), replay the rest after the outage.
            if self._finish(done, committed_to):
                self._seek({tp: committed_to.get(tp, start) for tp, start in batch_start.items()})
            else:
                self._seek(batch_start)
            self._pause(exc.component, exc)
            return len(committed_to)
        if not self._finish(done, committed_to):
            self._seek(batch_start)
            self._pause("broker", self._unacknowledged)
            return 0
        self._backoff = 0.5
        return sum(len(r) for r in batch.values())

    # -- internals -----------------------------------------------------------------------------
    def _handle(self, record, done: _Done) -> None:
        stage = self.stage.name
        try:
            message = decode(self.stage.input_model, record.value)
        except DecodeError as exc:
            self.metrics.failed.labels(stage, exc.kind).inc()
            self._dead_letter(record, exc.kind, type(exc).__name__, str(exc), reason=exc.kind, done=done)
            return
        for attempt in range(1, self.max_attempts + 1):
            started = time.perf_counter()
            try:
                result: StageResult = self.stage(message)
            except Retryable as exc:
                self.metrics.retries.labels(stage).inc()
                if attempt == self.max_attempts:
                    self.metrics.failed.labels(stage, "processing").inc()
                    self._dead_letter(record, "processing", type(exc).__name__, str(exc),
                                      reason="retries_exhausted", done=done)
                    return
                continue
            except Rejected as exc:
                self.metrics.failed.labels(stage, "processing").inc()
                self._dead_letter(record, "processing", f"Rejected:{exc.reason}", str(exc), reason=exc.reason,
                                  done=done)
                return
            except (OperationalError, DBAPIError, SQLAlchemyTimeoutError) as exc:
                if _is_database_outage(exc):
                    raise InfrastructureError("database", exc) from exc
                self.metrics.failed.labels(stage, "storage").inc()
                self._dead_letter(record, "storage", type(exc).__name__, str(exc)[:2000], reason="storage",
                                  done=done)
                return
            except KafkaError as exc:
                if _is_outage(exc):
                    raise InfrastructureError("broker", exc) from exc
                self.metrics.failed.labels(stage, "produce").inc()
                self._dead_letter(record, "produce", type(exc).__name__, str(exc)[:2000], reason="produce",
                                  done=done)
                return
            except Exception as exc:  # noqa: BLE001 - any bug in a stage dead-letters one message, not the stage
                log.exception("stage %s failed on %s:%s@%s", stage, record.topic, record.partition, record.offset)
                self.metrics.failed.labels(stage, "processing").inc()
                self._dead_letter(record, "processing", type(exc).__name__, str(exc)[:2000],
                                  reason="exception", done=done)
                return
            self.metrics.latency.labels(stage).observe(time.perf_counter() - started)
            self.metrics.processed.labels(stage, result.outcome).inc()
            self.handled += 1
            for output in result.outputs:
                done.futures.append(self._send(output.topic, output.key, encode(output.value)))
            if result.on_delivered:
                done.callbacks.append(result.on_delivered)
            return

    def _send(self, topic: str, key: str | bytes | None, value: bytes):
        key_bytes = key.encode("utf-8") if isinstance(key, str) else key
        try:
            return self.producer.send(topic, key=key_bytes, value=value)
        except KafkaError as exc:
            # A message the broker can never take (too large, bad topic) fails alone; anything else is an outage.
            raise InfrastructureError("broker", exc) from exc

    def _dead_letter(self, record, error_type: str, error_class: str, message: str, *, reason: str,
                     done: _Done) -> None:
        letter = DeadLetter(
            stage=self.stage.name, error_type=error_type, error_class=error_class, error_message=message,
            original_topic=record.topic, original_partition=record.partition, original_offset=record.offset,
            original_key=record.key, original_payload=record.value or b"",
            failed_at=dt.datetime.now(dt.timezone.utc),
        )
        self.metrics.dead_letters.labels(self.stage.name, reason).inc()
        log.warning("dead letter from %s: %s (%s:%s@%s)", self.stage.name, message[:200], record.topic,
                    record.partition, record.offset)
        done.futures.append(self._send(self.dead_letter_topic, record.key, encode(letter)))

    def _finish(self, done: _Done, committed_to: dict[TopicPartition, int]) -> bool:
        """Flush, confirm every output, run delivery callbacks, commit. False if the outputs were not all
        acknowledged: then nothing is committed and the caller replays the batch."""
        if not committed_to:
            return True
        try:
            self.producer.flush(timeout=self.flush_timeout_s)
            for future in done.futures:
                future.get(timeout=self.flush_timeout_s)
        except KafkaError as exc:
            log.warning("stage %s: outputs not acknowledged, replaying the batch: %s", self.stage.name, exc)
            self._unacknowledged = exc
            return False
        for callback in done.callbacks:
            try:
                callback()
            except Exception as exc:  # noqa: BLE001 - the outputs are out; the delivered flag is advisory
                log.warning("stage %s: delivery callback failed: %s", self.stage.name, exc)
                self.metrics.infrastructure_errors.labels(self.stage.name, "database").inc()
        try:
            self.consumer.commit({tp: OffsetAndMetadata(off, "", -1) for tp, off in committed_to.items()})
            self.metrics.commits.labels(self.stage.name).inc()
        except KafkaError as exc:
            # Outputs are out; a replay of these messages is a harmless duplicate.
            log.warning("offset commit failed, messages will be replayed: %s", exc)
            self.metrics.infrastructure_errors.labels(self.stage.name, "broker").inc()
        return True

    def _seek(self, positions: dict[TopicPartition, int]) -> None:
        """Move back to the first unfinished offset of each partition, from what the batch itself says
        (asking the coordinator for committed offsets would block during the very outage we handle)."""
        assigned = self.consumer.assignment()
        for tp, offset in positions.items():
            if tp in assigned:
                self.consumer.seek(tp, offset)

    def _pause(self, component: str, exc: BaseException) -> None:
        self.metrics.infrastructure_errors.labels(self.stage.name, component).inc()
        log.error("stage %s paused %.1fs: %s unavailable: %s", self.stage.name, self._backoff, component, exc)
        self.stop_event.wait(self._backoff)
        self._backoff = min(self._backoff * 2, self.max_backoff_s)

    def _update_lag(self) -> None:
        total = 0
        for tp in self.consumer.assignment():
            high = self.consumer.highwater(tp)
            if high is not None:
                try:
                    total += max(0, high - self.consumer.position(tp))
                except KafkaError:
                    return
        self.metrics.lag.labels(self.stage.name).set(total)
