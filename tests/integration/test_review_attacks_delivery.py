"""Attacks on README's replay and CLI guarantees that need the embedded broker (the rest: tests/unit/test_review_attacks_delivery.py)."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from kafka import KafkaProducer

from consumers.adapters.kafka import ensure_topics
from deploy.wiring import build_runner, new_metrics
from schemas import DeadLetter, RawPage, decode, encode
from schemas.settings import settings_env
from tests.kafka_helpers import read_topic, unique_settings

REPO = Path(__file__).resolve().parents[2]
LIMIT = 8 * 1024 * 1024  # the broker's message.max.bytes, and so NEWSINGEST_KAFKA_MAX_MESSAGE_BYTES


def _newsingest(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", "import sys; from deploy.cli import app; sys.exit(app())", *args],
                          cwd=REPO, env=env, capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL)


def test_replay_of_a_whole_dead_letter_over_4mb_ends_and_republishes_it(broker):
    # README: with NEWSINGEST_KAFKA_MAX_MESSAGE_BYTES set to the broker's message.max.bytes, a dead letter carries
    # "the original payload whole if it fits under NEWSINGEST_KAFKA_MAX_MESSAGE_BYTES"; `replay-dead-letters`
    # "puts dead-lettered messages back on their original topic"; letters it cannot replay are "counted in the
    # one-line summary", and a run "always ends". A whole letter above 4 MB (the replay producer's default
    # max_request_size) fails the run instead, every time, and nothing after it is ever replayed.
    settings = unique_settings(broker.bootstrap_servers, topic_partitions=1, kafka_max_message_bytes=LIMIT)
    topics = settings.topics()
    ensure_topics(broker.bootstrap_servers, topics.all(), partitions=1, replication_factor=1)
    body = b"<html><body>" + b"x" * (3_500_000) + b"</body></html>"
    page = RawPage(url="http://x.test/big.html", final_url="http://x.test/big.html",
                   canonical_url="http://x.test/big.html", portal_id="x", province="Hà Giang",
                   fetched_at=dt.datetime.now(dt.timezone.utc), http_status=404, content_type="text/html",
                   body_encoding="identity", body=body, body_length=len(body))  # always fails: http_error
    value = encode(page)
    assert 4 * 1024 * 1024 < len(value) < (LIMIT - 16 * 1024) * 3 // 4  # carried whole by its dead letter
    producer = KafkaProducer(bootstrap_servers=broker.bootstrap_servers, acks="all", max_request_size=2 * LIMIT)
    producer.send(topics.raw_pages, key=page.canonical_url.encode(), value=value)
    producer.flush()
    producer.close()

    runner = build_runner("extract", settings, broker.bootstrap_servers, new_metrics())
    thread = threading.Thread(target=runner.run, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 60
        letters = []
        while time.monotonic() < deadline and not letters:
            letters = read_topic(broker.bootstrap_servers, topics.raw_pages_dead_letter, timeout_s=10)
            time.sleep(0.5)
    finally:
        runner.stop()
        thread.join(30)
    (record,) = letters
    letter = decode(DeadLetter, record.value)
    assert not letter.payload_truncated and letter.original_payload == value

    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSINGEST_")}
    env.update(settings_env(settings), PYTHONPATH=str(REPO))
    result = _newsingest("replay-dead-letters", "extract", env=env)
    assert result.returncode == 0 and "replayed 1 dead letter(s)" in result.stdout, \
        f"exit {result.returncode}: {result.stderr.strip().splitlines()[-1:]}"



@pytest.mark.parametrize("stage,variable,value", [
    ("extract", "NEWSINGEST_TOPIC_RAW_PAGES", "bad topic!"),  # accepted by Settings, illegal for Kafka
    ("process", "NEWSINGEST_EXTRACT_TIMEOUT_S", "inf"),  # accepted (gt=0); int(inf) in max_poll_interval_ms
    ("process", "NEWSINGEST_DATABASE_URL", "sqlite:foo"),  # accepted (prefix sqlite:); not a URL
])
def test_consume_with_an_invalid_setting_is_exit_2_naming_it(broker, tmp_path, stage, variable, value):
    # README, CLI: "Every failure is one line `error: …` with exit code 2 (bad input: an invalid setting, ...)".
    settings = unique_settings(broker.bootstrap_servers, database_url=f"sqlite:///{tmp_path / 'x.db'}")
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSINGEST_")}
    env.update(settings_env(settings), PYTHONPATH=str(REPO), **{variable: value})
    result = _newsingest("consume", stage, env=env)
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert result.returncode == 2 and variable in lines[-1], f"exit {result.returncode}: {lines[-1:]}"
