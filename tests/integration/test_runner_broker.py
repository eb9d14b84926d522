"""The generic runner once against the real (embedded) broker: dead letters, ordering, commits."""

import threading
import time

from consumers.adapters.kafka import ensure_topics
from deploy.wiring import build_runner, new_metrics
from schemas import Article, DeadLetter, decode, encode
from tests.kafka_helpers import produce, read_topic, unique_settings
from tests.pages import portal_page
from tests.stage_helpers import MEETING_TEXT, raw_page


def _run_until_caught_up(runner, expected: int, timeout_s: float = 60.0) -> None:
    thread = threading.Thread(target=runner.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline and not (runner.handled >= expected and runner.caught_up()):
        time.sleep(0.2)
    runner.stop()
    thread.join(30)


def test_malformed_message_is_dead_lettered_and_the_rest_processed(broker):
    settings = unique_settings(broker.bootstrap_servers, topic_partitions=1)
    topics = settings.topics()
    ensure_topics(broker.bootstrap_servers, topics.all(), partitions=1, replication_factor=1)
    html = portal_page(title="Thường trực Ban Bí thư giao ban công tác 6 tháng", lead=MEETING_TEXT[0],
                       date_line="Thứ 6, 28/07/2023 | 18:13:12", paragraphs=MEETING_TEXT[1:])
    good = raw_page(html)
    produce(broker.bootstrap_servers, topics.raw_pages, [
        (b"bad-1", b"this is not json"),
        (b"bad-2", b'{"schema_version": 1, "url": 42}'),
        (b"pdf", encode(raw_page(b"%PDF-1.5 \x00\x01"))),
        (good.canonical_url.encode(), encode(good)),
    ])
    metrics = new_metrics()
    runner = build_runner("extract", settings, broker.bootstrap_servers, metrics)
    _run_until_caught_up(runner, expected=1)

    letters = [decode(DeadLetter, r.value) for r in read_topic(broker.bootstrap_servers, topics.raw_pages_dead_letter)]
    assert [(d.error_type, d.original_offset) for d in letters] == [("decode", 0), ("validation", 1),
                                                                    ("processing", 2)]
    assert letters[0].original_payload == b"this is not json" and letters[0].original_key == b"bad-1"
    assert letters[2].error_class == "Rejected:binary_page"
    articles = [decode(Article, r.value) for r in read_topic(broker.bootstrap_servers, topics.articles)]
    assert len(articles) == 1 and articles[0].text.split("\n") == MEETING_TEXT
    assert metrics.registry.get_sample_value("newsingest_dead_letters_total",
                                             {"stage": "extract", "reason": "binary_page"}) == 1

    # Offsets were committed: a new runner in the same group has nothing left to do.
    again = build_runner("extract", settings, broker.bootstrap_servers, new_metrics())
    _run_until_caught_up(again, expected=0, timeout_s=20)
    assert again.handled == 0
    assert len(read_topic(broker.bootstrap_servers, topics.articles)) == 1
