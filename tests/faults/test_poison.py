"""Poison on every input topic (garbage bytes, schema-invalid JSON, a binary page) and outputs larger than the
broker allows (an article from a giant page, a dead letter wrapping a huge undecodable record), in the middle of
a stream of good pages: each poison is dead-lettered alone, with its key, under the size limit; every good page
behind it is processed exactly as in the one-process run."""

from __future__ import annotations

import datetime as dt
import random
import time

import pytest

from consumers.adapters.kafka import ensure_topics
from crawlers.items import PageItem
from crawlers.pipelines.kafka_publish import to_raw_page
from deploy.broker import EmbeddedBroker
from schemas import DeadLetter, decode, encode
from schemas.settings import Settings
from tests.faults.harness import Stack, binary_raw_page, garbage
from tests.faults.scenario import failure_message, page_messages, settle_and_compare
from tests.kafka_helpers import read_topic, unique_settings
from tests.pagegen import PORTALS, Story, _Writer

pytestmark = [pytest.mark.faults, pytest.mark.timeout(3600)]

BASE = "http://127.0.0.1:1"
HAS_LIMIT = "kafka_max_message_bytes" in Settings.model_fields
# With a configurable broker limit, use a small one so the poison stays cheap; without it the runner's
# producer allowed 16 MiB, so only a larger record could exceed it.
LIMIT = 1_000_000 if HAS_LIMIT else 16 * 1024 * 1024


def giant_page(min_chars: int):
    """A realistic article page (newspaper style) whose text alone is larger than the broker's limit."""
    writer = _Writer(random.Random(5))
    paragraphs, size = [], 0
    while size < min_chars:
        p = writer.discussion_paragraph("hội nghị") + " " + writer.figures_paragraph("năm 2023")
        paragraphs.append(p)
        size += len(p.encode())
    portal = PORTALS[0]
    story = Story(1, portal, f"/{portal.id}/tin-tuc/poison-giant-article-1.html", "news", None,
                  "Toàn văn báo cáo tổng hợp ý kiến cử tri", dt.datetime(2023, 7, 28, 18, 0, tzinfo=dt.timezone(dt.timedelta(hours=7))),
                  "Báo cáo tổng hợp ý kiến, kiến nghị của cử tri gửi tới kỳ họp.", paragraphs, "Minh Đức", "Đỗ Phương", "")
    from tests.pagegen import _RENDER

    body = _RENDER[portal.cms](story, paragraphs, {"seen": dt.datetime(2024, 11, 25, 21, 13), "views": 1}, []).encode()
    url = BASE + story.path
    item = PageItem(url=url, final_url=url, portal_id=portal.id, province=portal.province, http_status=200, body=body,
                    content_type="text/html; charset=utf-8", headers={"content-type": "text/html; charset=utf-8"})
    return to_raw_page(item, max_message_bytes=900_000)


def test_poison_messages_and_oversized_outputs(tmp_path, raw_pages, expected, mode, fault_report):
    started = time.monotonic()
    db_url = f"sqlite:///{tmp_path / 'faults.db'}"
    problems: list[str] = []
    giant = giant_page(int(LIMIT * 1.3))
    raw_poison = {
        b"poison/raw/garbage": garbage(2048, 1),
        b"poison/raw/invalid-json": b'{"url": 42, "body": "not base64", "http_status": "x"}',
        (BASE + "/poison/binary.html").encode(): binary_raw_page(BASE + "/poison/binary.html", "qnnews", "Quảng Ninh"),
        giant.canonical_url.encode(): encode(giant),
    }
    article_poison = {
        b"poison/articles/garbage": garbage(2048, 2),
        b"poison/articles/invalid-json": b'{"title": ["not", "a", "string"], "text": 7}',
        b"poison/articles/huge-undecodable": garbage(int(LIMIT * 0.9), 3),  # its dead letter would exceed LIMIT
    }
    ignore = {"/poison/binary.html", "/qnnews/tin-tuc/poison-giant-article-1.html"}
    extra_env = {"NEWSINGEST_KAFKA_MAX_MESSAGE_BYTES": str(LIMIT)} if HAS_LIMIT else {}
    with EmbeddedBroker() as broker:
        settings = unique_settings(broker.bootstrap_servers, database_url=db_url, topic_partitions=2)
        topics = settings.topics()
        ensure_topics(broker.bootstrap_servers, topics.all(), partitions=2, replication_factor=1)
        messages = page_messages(raw_pages)
        half = len(messages) // 2
        with Stack(tmp_path, settings, broker=broker, extra_env=extra_env) as stack:
            stack.start_stage("extract")
            stack.start_stage("process")
            stack.publish(topics.raw_pages, messages[:half])
            stack.publish(topics.raw_pages, list(raw_poison.items()))
            stack.publish(topics.articles, list(article_poison.items()))
            stack.note(f"published {len(raw_poison)} poison records on raw-pages, {len(article_poison)} on articles "
                       f"(broker limit {LIMIT} bytes{'' if HAS_LIMIT else ', no setting: the producer default'})")
            stack.publish(topics.raw_pages, messages[half:])
            more, info = settle_and_compare(stack, expected, db_url, drain_timeout_s=mode.drain_timeout_s,
                                            ignore_paths=ignore)
            problems += more
            letters = {}
            for topic in (topics.raw_pages_dead_letter, topics.articles_dead_letter):
                for rec in read_topic(broker.bootstrap_servers, topic, timeout_s=30):
                    if len(rec.value) > LIMIT:
                        problems.append(f"dead letter for {rec.key!r} on {topic} is {len(rec.value)} bytes, over the "
                                        f"broker limit {LIMIT}")
                    try:
                        letter = decode(DeadLetter, rec.value)
                        letters[rec.key] = (topic, letter.stage, letter.error_class)
                    except Exception as exc:  # noqa: BLE001
                        problems.append(f"undecodable dead letter {rec.key!r} on {topic}: {exc}")
            info["dead_letters"] = {k.decode(errors="replace"): v for k, v in letters.items()}
            for key in raw_poison:
                if key == giant.canonical_url.encode():
                    continue  # dead-lettered by either stage, below
                if letters.get(key, ("",))[0] != topics.raw_pages_dead_letter:
                    problems.append(f"raw-pages poison {key!r} not dead-lettered by extract: {letters.get(key)}")
            for key in article_poison:
                if letters.get(key, ("",))[0] != topics.articles_dead_letter:
                    problems.append(f"articles poison {key!r} not dead-lettered by process: {letters.get(key)}")
            if giant.canonical_url.encode() not in letters:
                problems.append(f"the giant page ({len(giant.body)} compressed bytes, article over {LIMIT} bytes) was "
                                "not dead-lettered by any stage")
            dl = {s: stack.metric(s, "newsingest_dead_letters_total", stage=s) for s in ("extract", "process")}
            info["dead_letter_metrics"] = dl
            if dl["extract"] < 3 or dl["process"] < 3:
                problems.append(f"NOT VISIBLE: newsingest_dead_letters_total per stage {dl}, expected >= 3 each")
        summary = stack.summary()
    fault_report.append({"scenario": "poison + oversized outputs", "mode": mode.name, "pages_sent": len(raw_pages),
                         "limit_bytes": LIMIT, "seconds": round(time.monotonic() - started, 1), **info, **summary,
                         "problems": problems})
    assert not problems, failure_message("poison messages", problems, stack)
