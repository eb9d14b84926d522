"""One generic runner for every stage: poll -> decode -> stage -> produce -> flush -> commit.

Offsets are committed only after every output of the batch is acknowledged by the broker and the
stage's store transaction has committed, so a crash anywhere replays messages instead of losing them
(stages are idempotent). A message that can never succeed goes to the stage's dead-letter topic with
its reason; a broker or database outage pauses the stage instead of dead-lettering healthy messages.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from kafka.errors import (
    CorruptRecordError, IllegalStateError, InvalidRecordError, InvalidTopicError, KafkaConnectionError, KafkaError,
    KafkaTimeoutError, MessageSizeTooLargeError, RecordListTooLargeError, UnsupportedForMessageFormatError,
)
from kafka.structs import OffsetAndMetadata, TopicPartition
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.exc import TimeoutError as SQLAlchemyTimeoutError

from consumers.adapters.metrics import ConsumerMetrics
from consumers.stages.base import BatchedCallback, Rejected, Retryable, StageResult
from schemas.logs import log_context
from schemas import DeadLetter, DecodeError, decode, encode

log = logging.getLogger(__name__)
# One DEBUG line per acknowledged output (topic, partition, offset, key): where a record really went, for an
# audit of the broker (NEWSINGEST_DEBUG_LOGGERS=consumers.runner.acks turns it on alone).
acks_log = logging.getLogger(f"{__name__}.acks")

DEFAULT_MAX_MESSAGE_BYTES = 4 * 1024 * 1024  # the compose file's message.max.bytes
DEFAULT_DEAD_LETTER_PREVIEW_BYTES = 64 * 1024
# Room a dead letter needs beside its payload (JSON envelope, error message, key), before base64.
_LETTER_OVERHEAD = 16 * 1024
_MAX_ERROR_CHARS = 2000

# SQLSTATE classes that mean the database, not the message, is the problem: connection (08), invalid
# transaction state (25, e.g. a read-only standby after failover or idle_in_transaction_session_timeout),
# resources (53), operator intervention (57, e.g. statement_timeout), system errors (58); and single codes: a
# missing table after a restore (42P01), lock_timeout (55P03), serialization failure and deadlock (40001, 40P01).
_OUTAGE_SQLSTATES = ("08", "25", "53", "57", "58")
_OUTAGE_CODES = ("42P01", "55P03", "40001", "40P01")

# Kafka errors that concern one record and will fail the same way however often it is sent.
_PER_MESSAGE_ERRORS = (MessageSizeTooLargeError, RecordListTooLargeError, InvalidTopicError, InvalidRecordError,
                       CorruptRecordError, UnsupportedForMessageFormatError)


def _is_database_outage(exc: BaseException) -> bool:
    if isinstance(exc, (OperationalError, SQLAlchemyTimeoutError)) or getattr(exc, "connection_invalidated", False):
        return True
    code = getattr(getattr(exc, "orig", None), "sqlstate", None) or ""
    return code.startswith(_OUTAGE_SQLSTATES) or code in _OUTAGE_CODES


def _is_outage(exc: KafkaError) -> bool:
    return bool(getattr(exc, "retriable", False)) or isinstance(exc, (KafkaTimeoutError, KafkaConnectionError))


def is_per_message_error(exc: BaseException) -> bool:
    """The broker (or the client, before sending) refuses this one record for good: too large, bad topic."""
    if isinstance(exc, _PER_MESSAGE_ERRORS):
        return True
    # kafka-python raises ValueError for an invalid topic name and TypeError for a bad key or value.
    return isinstance(exc, (ValueError, TypeError)) and not isinstance(exc, KafkaError)


def is_fatal_producer_error(exc: BaseException) -> bool:
    """The producer itself is broken (a lost idempotent session after a broker restart, fenced, closed): no
    retry through it can succeed, only a new producer."""
    if isinstance(exc, IllegalStateError):
        return True
    return isinstance(exc, KafkaError) and not _is_outage(exc) and not is_per_message_error(exc)


class InfrastructureError(Exception):
    def __init__(self, component: str, cause: BaseException) -> None:
        super().__init__(f"{component} unavailable: {cause}")
        self.component = component


class UnplacedAcknowledgement(KafkaError):
    """The broker answered a send as a success without saying where the record is (offset -1): kafka-python's
    report of DUPLICATE_SEQUENCE_NUMBER, the broker's claim that it holds the batch already (a retry after a lost
    answer). A broker restarted from its storage has answered so for batches it no longer held (the fault
    harness's broker stop), so it is not proof of delivery: the batch is replayed as after a failed flush, and
    the output is published again (at most one extra copy where the claim was true). Passing, not fatal."""

    retriable = True


def _placed(metadata) -> bool:
    """An acknowledgement names the record's offset. (`None`: a client that reports no metadata, e.g. a fake.)"""
    offset = getattr(metadata, "offset", None)
    return offset is None or offset >= 0


class _Undeliverable(Exception):
    """One record the broker will never take (see is_per_message_error)."""

    def __init__(self, cause: BaseException) -> None:
        super().__init__(str(cause))
        self.cause = cause


@dataclass
class _Pending:
    future: object
    record: object  # the input record this output or dead letter belongs to
    topic: str = ""
    letter: DeadLetter | None = None  # set for dead letters
    minimal: bool = False  # a dead letter already cut to its pointer
    key: str | bytes | None = None
    logged: bool = False  # its acknowledgement is in the acks log
    on_delivered: Callable[[], None] | None = None  # the output's own callback (Output.on_delivered)
    acknowledged: bool = False  # answered at an offset (set by _finish)

    def delivered(self) -> bool:
        """Answered, successfully, at an offset (see UnplacedAcknowledgement)."""
        future = self.future
        return future.is_done and future.succeeded() and _placed(getattr(future, "value", None))

    def log_ack(self, metadata) -> None:
        if self.logged or self.letter is not None or not acks_log.isEnabledFor(logging.DEBUG):
            return
        self.logged = True
        acks_log.debug("acknowledged topic=%s partition=%s offset=%s key=%s", metadata.topic, metadata.partition,
                       metadata.offset, _text(self.key))


@dataclass
class _Done:
    pending: list[_Pending] = field(default_factory=list)
    callbacks: list[tuple[object, Callable[[], None]]] = field(default_factory=list)
    sent: dict[tuple, object] = field(default_factory=dict)  # (topic, key, sha256 of value) -> its future
    stage_calls: int = 0  # messages the stage itself handled (a decode failure never reaches the store)


@dataclass
class _Outstanding:
    """The sends of a batch that failed to flush, kept until each has an answer (see _settle_outstanding)."""
    sent: list[_Pending]
    callbacks: list[tuple[object, Callable[[], None]]]
    refused: set[tuple]
    producer: object = None  # the producer that sent them
    waits: int = 0


def _text(key) -> str:
    return key.decode("utf-8", "replace") if isinstance(key, bytes) else str(key)


def _record_id(record) -> tuple:
    return (record.topic, record.partition, record.offset)


class Runner:
    """`producer_factory` builds a Kafka producer; the runner builds a new one when the current one is broken
    (a fatal producer error, e.g. its idempotent session lost in a broker restart) or after
    `rebuild_after_failures` failed flushes in a row. `producer` alone (tests) disables rebuilding.

    `max_message_bytes` is the largest record the broker takes: outputs and dead letters are kept under it,
    and an input record larger than `max_input_bytes` (default four times it) is dead-lettered undecoded."""

    def __init__(self, stage, *, consumer, producer=None, producer_factory: Callable[[], object] | None = None,
                 input_topic: str, dead_letter_topic: str, metrics: ConsumerMetrics, max_attempts: int = 3,
                 poll_timeout_ms: int = 500, flush_timeout_s: float = 30.0, max_backoff_s: float = 30.0,
                 max_message_bytes: int = DEFAULT_MAX_MESSAGE_BYTES, max_input_bytes: int | None = None,
                 dead_letter_preview_bytes: int = DEFAULT_DEAD_LETTER_PREVIEW_BYTES,
                 rebuild_after_failures: int = 3, close_timeout_s: float = 5.0,
                 health_check: Callable[[], None] | None = None, health_interval_s: float = 5.0) -> None:
        if producer is None and producer_factory is None:
            raise ValueError("Runner needs a producer or a producer_factory")
        self.stage = stage
        self.consumer = consumer
        self.producer_factory = producer_factory
        self.producer = producer if producer is not None else self._build_producer()
        self.input_topic = input_topic
        self.dead_letter_topic = dead_letter_topic
        self.metrics = metrics
        self.max_attempts = max_attempts
        self.poll_timeout_ms = poll_timeout_ms
        self.flush_timeout_s = flush_timeout_s
        self.max_backoff_s = max_backoff_s
        self.max_message_bytes = max_message_bytes
        self.max_input_bytes = max_input_bytes or 4 * max_message_bytes
        self.dead_letter_preview_bytes = min(dead_letter_preview_bytes, self._letter_payload_budget())
        self.rebuild_after_failures = rebuild_after_failures
        self.close_timeout_s = close_timeout_s
        self.stop_event = threading.Event()
        self.stopped = threading.Event()  # set when run() has returned (see deploy.wiring.install_stop_signals)
        self.last_poll_empty = False
        self.handled = 0
        self._unacknowledged: BaseException | None = None
        self._outstanding: _Outstanding | None = None
        self._lag_series: set[tuple[str, str]] = set()
        self.assigned = 0  # partitions assigned at the last poll (readiness)
        self.last_turn = time.monotonic()  # liveness: when the loop last started a turn
        self.database_up: bool | None = None  # readiness of a stage with a database; None before the first answer
        self._backoff = 0.5
        self._producer_broken = False
        self._connections = 0
        self._consumer_connections = 0
        # Checked while idle, so an outage of the database shows (and is logged) even when no message needs it.
        self.health_check = health_check
        self.health_interval_s = health_interval_s
        self._health_checked_at = 0.0
        self._failed_flushes = 0
        # Delivery callbacks (a report marked delivered) that a database outage stopped, retried before the next
        # message: a new copy of the article handled before its report is marked would be published again.
        self._owed_marks: list[Callable[[], None]] = []

    # -- public --------------------------------------------------------------------------------
    def run(self) -> None:
        with log_context(stage=self.stage.name):
            self._run()

    def _run(self) -> None:
        log.info("stage %s consuming %s", self.stage.name, self.input_topic)
        threading.Thread(target=self._watch_connections, name=f"{self.stage.name}-connections", daemon=True).start()
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
            try:
                self.close()
            finally:
                self.stopped.set()
                log.info("stage %s stopped", self.stage.name)

    def stop(self) -> None:
        self.stop_event.set()

    def close(self) -> None:
        if self._owed_marks and self._pay_owed_marks() is not None:
            log.warning("stage %s: stopping with %d delivery mark(s) unwritten (database unavailable); a later copy "
                        "of their input publishes those outputs once more", self.stage.name, len(self._owed_marks))
        if self.producer is not None:
            try:
                self.producer.flush(timeout=self.close_timeout_s)
            except Exception as exc:  # noqa: BLE001 - closing must not raise over the real error
                log.warning("flush on close failed: %s", exc)
            self._close_producer(self.producer)
        try:
            self.consumer.close(autocommit=False)
        except Exception as exc:  # noqa: BLE001 - closing must not raise over the real error
            log.warning("consumer close failed: %s", exc)

    @property
    def broker_connections(self) -> int:
        """Open broker connections of the stage's consumer at the last sample (every second)."""
        return self._consumer_connections

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
        self.last_turn = time.monotonic()
        if self.producer is None or self._producer_broken:
            if not self._rebuild_producer():
                self._pause("broker", self._unacknowledged or RuntimeError("no producer"))
                return 0
        if not self._settle_outstanding():
            self._pause("broker", self._unacknowledged or RuntimeError("sends of a failed batch unanswered"))
            return 0
        owed_failure = self._pay_owed_marks()
        if owed_failure is not None:
            self._pause("database", owed_failure)
            return 0
        try:
            batch = self.consumer.poll(timeout_ms=self.poll_timeout_ms)
        except KafkaError as exc:
            self._pause("broker", exc)
            return 0
        self.last_poll_empty = not any(batch.values())
        self._update_lag()
        if self.last_poll_empty:
            self._check_health()
            return 0
        done = _Done()
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
                if exc.component == "broker":
                    self._producer_failed(exc.__cause__ or exc)
            else:
                self._seek(batch_start)
                self._producer_failed(self._unacknowledged)
            self._pause(exc.component, exc)
            return len(committed_to)
        except Exception:
            # Nothing of the batch is committed; without this rewind the next poll would go on past it and a
            # later commit would skip it. run() logs and pauses.
            self._seek(batch_start)
            raise
        if not self._finish(done, committed_to):
            self._seek(batch_start)
            self._producer_failed(self._unacknowledged)
            self._pause("broker", self._unacknowledged)
            return 0
        self._backoff = 0.5
        self._failed_flushes = 0
        if self.health_check is not None and done.stage_calls:
            # The stage handled a message, so the store answered (a batch of undecodable records proves nothing).
            self.database_up = True
            self.metrics.database_up.labels(self.stage.name).set(1)
        return sum(len(r) for r in batch.values())

    # -- internals -----------------------------------------------------------------------------
    def _handle(self, record, done: _Done) -> None:
        with log_context(topic=record.topic, partition=record.partition, offset=record.offset):
            self._handle_record(record, done)

    def _handle_record(self, record, done: _Done) -> None:
        stage = self.stage.name
        size = len(record.value or b"") + len(record.key or b"")  # a huge key is as poisonous as a huge value
        if size > self.max_input_bytes:
            # Not even decoded: a record this size would cost many times its size in memory.
            self.metrics.failed.labels(stage, "validation").inc()
            self._dead_letter(record, "validation", "MessageTooLarge",
                              f"input record of {size} bytes exceeds the limit of {self.max_input_bytes}",
                              reason="too_large", done=done)
            return
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
                self._dead_letter(record, "storage", type(exc).__name__, str(exc), reason="storage", done=done)
                return
            except KafkaError as exc:
                if _is_outage(exc):
                    raise InfrastructureError("broker", exc) from exc
                self.metrics.failed.labels(stage, "produce").inc()
                self._dead_letter(record, "produce", type(exc).__name__, str(exc), reason="produce", done=done)
                return
            except Exception as exc:  # noqa: BLE001 - any bug in a stage dead-letters one message, not the stage
                log.exception("stage %s failed on %s:%s@%s", stage, record.topic, record.partition, record.offset)
                self.metrics.failed.labels(stage, "processing").inc()
                self._dead_letter(record, "processing", type(exc).__name__, str(exc), reason="exception",
                                  done=done)
                return
            done.stage_calls += 1
            self.metrics.latency.labels(stage).observe(time.perf_counter() - started)
            self.metrics.processed.labels(stage, result.outcome).inc()
            self.handled += 1
            for output in result.outputs:
                value = encode(output.value)
                # The same bytes under the same key on the same topic twice in one batch (an input replayed
                # upstream arrives twice; its report is not marked delivered until the batch is acknowledged):
                # sent once, and both inputs wait for that one acknowledgement.
                identity = (output.topic, output.key, hashlib.sha256(value).digest())
                try:
                    future = done.sent.get(identity)
                    if future is None:
                        future = done.sent[identity] = self._send(output.topic, output.key, value)
                except _Undeliverable as exc:
                    # Outputs already sent stay sent; the delivery callback is not run (nothing is marked
                    # delivered), and the input goes to the dead letters with the reason.
                    self._output_undeliverable(record, output.topic, exc.cause, done)
                    return
                done.pending.append(_Pending(future, record, output.topic, key=output.key,
                                             on_delivered=output.on_delivered))
            if result.on_delivered:
                done.callbacks.append((record, result.on_delivered))
            return

    def _output_undeliverable(self, record, topic: str, exc: BaseException, done: _Done) -> None:
        self.metrics.failed.labels(self.stage.name, "produce").inc()
        reason = "output_too_large" if isinstance(exc, (MessageSizeTooLargeError, RecordListTooLargeError)) \
            else "undeliverable"
        self._dead_letter(record, "produce", type(exc).__name__, f"output to {topic} refused: {exc}",
                          reason=reason, done=done)

    def _send(self, topic: str, key: str | bytes | None, value: bytes):
        """Send one record. Raises _Undeliverable for a record the broker can never take (too large, bad
        topic) and InfrastructureError for anything else (an outage, or a broken producer)."""
        if self.producer is None:
            raise InfrastructureError("broker", RuntimeError("no producer"))
        key_bytes = key.encode("utf-8") if isinstance(key, str) else key
        try:
            return self.producer.send(topic, key=key_bytes, value=value)
        except Exception as exc:  # noqa: BLE001 - classified below
            if is_per_message_error(exc):
                raise _Undeliverable(exc) from exc
            if isinstance(exc, KafkaError):
                raise InfrastructureError("broker", exc) from exc
            raise

    # -- dead letters --------------------------------------------------------------------------
    def _letter_payload_budget(self) -> int:
        """Largest original payload a dead letter can carry whole: base64 grows it by 4/3."""
        return max(1024, (self.max_message_bytes - _LETTER_OVERHEAD) * 3 // 4)

    def _letter(self, record, error_type: str, error_class: str, message: str, *, minimal: bool) -> DeadLetter:
        value = record.value or b""
        whole = not minimal and len(value) <= self._letter_payload_budget()
        key = record.key
        if key is not None and len(key) > 4096 and minimal:
            key = key[:4096]
        return DeadLetter(
            stage=self.stage.name, error_type=error_type, error_class=error_class[:200],
            error_message=message[:200 if minimal else _MAX_ERROR_CHARS],
            original_topic=record.topic, original_partition=record.partition, original_offset=record.offset,
            original_key=key,
            original_payload=value if whole else value[:0 if minimal else self.dead_letter_preview_bytes],
            failed_at=dt.datetime.now(dt.timezone.utc),
            payload_truncated=not whole, original_size=len(value),
            original_sha256=hashlib.sha256(value).hexdigest(),
        )

    def _dead_letter(self, record, error_type: str, error_class: str, message: str, *, reason: str,
                     done: _Done) -> None:
        self.metrics.dead_letters.labels(self.stage.name, reason).inc()
        log.warning("dead letter from %s: %s (%s:%s@%s, %d bytes)", self.stage.name, message[:200], record.topic,
                    record.partition, record.offset, len(record.value or b""))
        self._send_letter(record, self._letter(record, error_type, error_class, message, minimal=False), done)

    def _send_letter(self, record, letter: DeadLetter, done: _Done, minimal: bool = False) -> None:
        # The pointer goes under the key it carries, cut like it: under the whole key a huge key is refused again.
        key = letter.original_key if minimal else record.key
        try:
            future = self._send(self.dead_letter_topic, key, encode(letter))
        except _Undeliverable as exc:
            self._letter_undeliverable(record, letter, exc.cause, done, minimal)
            return
        done.pending.append(_Pending(future, record, self.dead_letter_topic, letter=letter, minimal=minimal))

    def _letter_undeliverable(self, record, letter: DeadLetter, exc: BaseException, done: _Done,
                              minimal: bool) -> None:
        """A dead letter the broker refused: send it once more as a bare pointer; if even that is refused
        (a bad dead-letter topic, a tiny broker limit), log it and go on rather than loop."""
        if not minimal:
            log.warning("stage %s: dead letter for %s:%s@%s refused (%s), sending its pointer only",
                        self.stage.name, record.topic, record.partition, record.offset, exc)
            small = self._letter(record, letter.error_type, letter.error_class, letter.error_message, minimal=True)
            self._send_letter(record, small, done, minimal=True)
            return
        self.metrics.failed.labels(self.stage.name, "undeliverable").inc()
        log.error("stage %s: dead letter for %s:%s@%s refused by the broker (%s: %s); skipping the record: %s",
                  self.stage.name, record.topic, record.partition, record.offset, type(exc).__name__, exc,
                  letter.error_message[:200])

    # -- flush and commit ----------------------------------------------------------------------
    def _finish(self, done: _Done, committed_to: dict[TopicPartition, int]) -> bool:
        """Flush, confirm every output, run delivery callbacks, commit. False if the outputs were not all
        acknowledged: then nothing is committed and the caller replays the batch.

        A record the broker refused for good (too large) fails alone: its input is dead-lettered (its other
        outputs stay out, its delivery callback is not run) and the rest of the batch is committed."""
        if not committed_to:
            return True
        refused: set[tuple] = set()
        pending = done.pending
        sent: list[_Pending] = []
        while pending:
            sent.extend(pending)
            retry = _Done()
            try:
                self.producer.flush(timeout=self.flush_timeout_s)
            except Exception as exc:  # noqa: BLE001 - any flush failure means: not acknowledged
                return self._unacknowledged_batch(exc, _Outstanding(sent, done.callbacks, refused, self.producer))
            for item in pending:
                try:
                    metadata = item.future.get(timeout=self.flush_timeout_s)
                    if not _placed(metadata):
                        raise UnplacedAcknowledgement(
                            f"{item.topic} (key {_text(item.key)}) answered without an offset "
                            f"(partition {metadata.partition}, offset {metadata.offset})")
                    if metadata is not None:
                        item.log_ack(metadata)
                    item.acknowledged = True
                except Exception as exc:  # noqa: BLE001 - classified below
                    if not is_per_message_error(exc):
                        return self._unacknowledged_batch(exc, _Outstanding(sent, done.callbacks, refused, self.producer))
                    refused.add(_record_id(item.record))
                    if item.letter is None:
                        self._output_undeliverable(item.record, item.topic, exc, retry)
                    else:
                        self._letter_undeliverable(item.record, item.letter, exc, retry, item.minimal)
            pending = retry.pending
        self._run_callbacks([item.on_delivered for item in sent if item.on_delivered and item.acknowledged]
                            + [callback for record, callback in done.callbacks if _record_id(record) not in refused])
        try:
            self.consumer.commit({tp: OffsetAndMetadata(off, "", -1) for tp, off in committed_to.items()})
            self.metrics.commits.labels(self.stage.name).inc()
        except KafkaError as exc:
            # Outputs are out; a replay of these messages is a harmless duplicate.
            log.warning("offset commit failed, messages will be replayed: %s", exc)
            self.metrics.infrastructure_errors.labels(self.stage.name, "broker").inc()
        return True

    def _unacknowledged_batch(self, exc: BaseException, outstanding: _Outstanding) -> bool:
        log.warning("stage %s: outputs not acknowledged, replaying the batch: %s: %s", self.stage.name,
                    type(exc).__name__, exc)
        self._unacknowledged = exc
        self._outstanding = outstanding
        return False

    def _settle_outstanding(self) -> bool:
        """Before a failed batch is replayed, wait until each of its sends has an answer, and run the delivery
        callbacks of the inputs whose outputs were all acknowledged after all (the producer retries on its own
        through a short outage). Their replay then finds the report delivered and publishes nothing again;
        replaying while those sends were still in flight published each such report twice.

        False while sends are still unanswered: the caller pauses. A producer that stays stuck is rebuilt
        (closing it fails what it still holds), so this ends."""
        outstanding = self._outstanding
        if outstanding is None:
            return True
        # Sends of a producer since replaced can no longer be answered; nor, after enough tries, can the rest.
        given_up = self.producer is not outstanding.producer or outstanding.waits >= self.rebuild_after_failures
        if not given_up and any(not item.future.is_done for item in outstanding.sent):
            outstanding.waits += 1
            try:
                self.producer.flush(timeout=self.flush_timeout_s)
            except Exception as exc:  # noqa: BLE001 - still unanswered; counted, the producer may be rebuilt
                self._producer_failed(exc)
            if any(not item.future.is_done for item in outstanding.sent):
                return False
        failed = {_record_id(item.record) for item in outstanding.sent if not item.delivered()}
        for item in outstanding.sent:
            metadata = getattr(item.future, "value", None)
            if metadata is not None and item.delivered():
                item.log_ack(metadata)
        skipped = failed | outstanding.refused
        self._run_callbacks([item.on_delivered for item in outstanding.sent if item.on_delivered and item.delivered()]
                            + [callback for record, callback in outstanding.callbacks
                               if _record_id(record) not in skipped])
        self._outstanding = None
        return True

    def _run_callbacks(self, callbacks: list[Callable[[], None]]) -> None:
        """Run delivery callbacks in input order; BatchedCallbacks sharing a `run_batch` run as one call."""
        batches: dict[object, list] = {}
        for callback in callbacks:
            if isinstance(callback, BatchedCallback):
                batches.setdefault(callback.run_batch, []).append(callback.item)
            else:
                self._run_callback(callback)
        for run_batch, items in batches.items():
            self._run_callback(functools.partial(run_batch, items))

    def _run_callback(self, callback: Callable[[], None]) -> None:
        try:
            callback()
        except Exception as exc:  # noqa: BLE001 - the outputs are out; the delivered flag is advisory
            self.metrics.infrastructure_errors.labels(self.stage.name, "database").inc()
            if _is_database_outage(exc):
                log.warning("stage %s: delivery callback failed on a database outage, retried before the next "
                            "message: %s", self.stage.name, str(exc).splitlines()[0])
                self._owed_marks.append(callback)
            else:
                log.warning("stage %s: delivery callback failed: %s", self.stage.name, exc)

    def _pay_owed_marks(self) -> BaseException | None:
        """Run the delivery callbacks an outage stopped, in order. Returns the outage if one still fails (the
        caller pauses and takes no new message); a failure of another kind is logged and dropped, as at first."""
        while self._owed_marks:
            callback = self._owed_marks[0]
            try:
                callback()
            except Exception as exc:  # noqa: BLE001 - classified: an outage waits, anything else is advisory
                if _is_database_outage(exc):
                    return exc
                log.warning("stage %s: delivery callback failed: %s", self.stage.name, exc)
            self._owed_marks.pop(0)
        return None

    # -- the producer --------------------------------------------------------------------------
    def _build_producer(self):
        return self.producer_factory() if self.producer_factory is not None else None

    def _producer_failed(self, exc: BaseException | None) -> None:
        """Count a failed send or flush; a broken producer, or one that failed too often in a row, is
        replaced before the next poll."""
        self._failed_flushes += 1
        if self.producer_factory is None:
            return
        if exc is not None and is_fatal_producer_error(exc):
            log.error("stage %s: producer failed fatally (%s: %s); building a new one", self.stage.name,
                      type(exc).__name__, exc)
            self._producer_broken = True
        elif self._failed_flushes >= self.rebuild_after_failures:
            log.warning("stage %s: %d failed flushes in a row; building a new producer", self.stage.name,
                        self._failed_flushes)
            self._producer_broken = True

    def _close_producer(self, producer) -> None:
        try:
            producer.close(timeout=self.close_timeout_s)
        except Exception as exc:  # noqa: BLE001 - a broken producer may fail to close; it is dropped anyway
            log.warning("stage %s: producer close failed: %s", self.stage.name, exc)

    def _rebuild_producer(self) -> bool:
        if self.producer_factory is None:
            return self.producer is not None
        old, self.producer = self.producer, None
        if old is not None:
            self._close_producer(old)
        try:
            self.producer = self.producer_factory()
        except Exception as exc:  # noqa: BLE001 - the broker may still be down; try again after a pause
            log.warning("stage %s: cannot build a producer yet: %s", self.stage.name, exc)
            self._unacknowledged = exc
            return False
        self._producer_broken = False
        self._failed_flushes = 0
        self.metrics.producer_rebuilds.labels(self.stage.name).inc()
        log.info("stage %s: new producer built", self.stage.name)
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
        if component == "database":
            self.database_up = False
            if self.health_check is not None:  # the gauge agrees with the readiness probe
                self.metrics.database_up.labels(self.stage.name).set(0)
        log.error("stage %s paused %.1fs: %s unavailable: %s", self.stage.name, self._backoff, component, exc)
        self.stop_event.wait(self._backoff)
        self._backoff = min(self._backoff * 2, self.max_backoff_s)

    def _check_health(self) -> None:
        now = time.monotonic()
        if self.health_check is None or now - self._health_checked_at < self.health_interval_s:
            return
        self._health_checked_at = now
        try:
            self.health_check()
        except (OperationalError, DBAPIError, SQLAlchemyTimeoutError) as exc:
            self.metrics.database_up.labels(self.stage.name).set(0)
            self.database_up = False
            self.metrics.infrastructure_errors.labels(self.stage.name, "database").inc()
            log.error("stage %s: database health check failed: %s", self.stage.name, str(exc).splitlines()[0])
            return
        self.metrics.database_up.labels(self.stage.name).set(1)
        self.database_up = True

    def _watch_connections(self) -> None:
        """kafka-python rides through a broker outage by itself, and the stage thread may spend the whole outage
        inside a flush; so a thread of its own samples the clients' connection counts every second, and an
        outage shows as `newsingest_broker_disconnects_total` even when nothing else noticed it."""
        while not self.stop_event.wait(1.0):
            counts = []
            for client, group in ((self.consumer, "consumer-metrics"), (self.producer, "producer-metrics")):
                try:
                    counts.append(int(client.metrics().get(group, {}).get("connection-count", 0)))
                except Exception:  # noqa: BLE001 - a client without these metrics (a fake, a closed producer)
                    continue
                if client is self.consumer:
                    # Readiness follows the consumer: an idle producer may close its connections.
                    self._consumer_connections = counts[-1]
            if not counts:
                continue
            count = min(counts)
            self.metrics.broker_connections.labels(self.stage.name).set(count)
            if count == 0 and self._connections > 0:
                self.metrics.broker_disconnects.labels(self.stage.name).inc()
                log.warning("stage %s: broker connection lost; the client is reconnecting", self.stage.name)
            self._connections = count

    def _update_lag(self) -> None:
        """Lag per assigned partition, from the fetch high watermark (ListOffsets LATEST is not trusted: one
        Kafka-protocol broker answers it wrongly). A partition handed to another replica drops its series."""
        name = self.stage.name
        current: set[tuple[str, str]] = set()
        self.assigned = len(self.consumer.assignment())
        for tp in self.consumer.assignment():
            high = self.consumer.highwater(tp)
            if high is None:
                continue
            try:
                lag = max(0, high - self.consumer.position(tp))
            except KafkaError:
                return
            current.add((tp.topic, str(tp.partition)))
            self.metrics.lag.labels(name, tp.topic, str(tp.partition)).set(lag)
        for topic, partition in self._lag_series - current:
            try:
                self.metrics.lag.remove(name, topic, partition)
            except KeyError:
                pass
        self._lag_series = current
