"""Attacks on README's operational guarantees (template learning, probes, logs, messages) by a review helper (2026-12-06).

Each failed on the code as reviewed and passes since the mend."""

from __future__ import annotations

import io
import json
import logging
from collections import namedtuple

from kafka.structs import TopicPartition
from sqlalchemy.exc import OperationalError

from consumers.domain.extraction.template import InMemoryTemplateStore, TemplateMemory, TemplatePolicy
from consumers.runner import Runner
from consumers.stages.extract import ExtractStage
from deploy.wiring import new_metrics, stage_probes
from schemas import Article
from tests.stage_helpers import raw_page
from tests.unit.test_extraction import LEAD, PARAS, page

OLD_CHROME = ["Trang chủ › Tin tức › Thời sự", "Chia sẻ bài viết lên mạng xã hội",
              "Cổng thông tin điện tử tỉnh Quảng Ninh", "Bản quyền thuộc Ủy ban nhân dân tỉnh"]
NEW_CHROME = ["Về đầu trang", "Đường dây nóng: 0203.3835.xxx", "Ban biên tập cổng thông tin mới",
              "Liên hệ quảng cáo trên cổng"]


def _lines(i: int, chrome) -> list[str]:
    return [f"Bài số {i}: nội dung riêng của bài viết số {i} về hoạt động của tỉnh.", *chrome]


# -- Template learning per portal ----------------------------------------------------------------------------------

def test_a_redesign_is_noticed_whatever_the_sync_batch():
    """README: "when each of the last 6 pages holds less than a quarter of the template the earlier pages agree
    on, the portal was redesigned: the version is retired ... and counts
    newsingest_portal_template_relearned_total". A replica buffers pages for up to 10 s between syncs; when one
    sync brings 10 pages of the new design, the redesign is never noticed (then or later)."""
    relearned = []
    mem = TemplateMemory(InMemoryTemplateStore(), TemplatePolicy(), refresh_s=0.0, on_relearned=relearned.append)
    for i in range(50):  # the old design, one page per sync
        mem.observe("qn", f"https://x.vn/old-{i}.html", _lines(i, OLD_CHROME))
        mem.sync(force=True)
    assert mem.templates["qn"].version == 1
    for i in range(10):  # the redesign: ten pages buffered by a busy replica, stored in one sync
        mem.observe("qn", f"https://x.vn/new-{i}.html", _lines(100 + i, NEW_CHROME))
    mem.sync(force=True)
    for i in range(10, 60):  # and every page after it, one per sync: the whole window is the new design
        mem.observe("qn", f"https://x.vn/new-{i}.html", _lines(100 + i, NEW_CHROME))
        mem.sync(force=True)
    assert relearned, "a redesign (60 pages in a row without the old template) was never noticed"
    assert mem.templates["qn"].version == 2


def test_one_page_fetched_under_tracking_variants_is_one_page():
    """README: "a portal's template is the set of blocks found on at least k = 4 different URLs among its last
    n = 50 distinct pages (a re-crawl replaces its URL's entry, so one page fetched many times is one page)".
    The window is keyed by the fetched URL, not the page's canonical URL: one article fetched four times under
    tracking variants (one canonical URL, the raw-pages key) makes its own short paragraph template, and the
    paragraph disappears from its next publication."""
    own = "Đồng chí Bí thư Tỉnh ủy phát biểu chỉ đạo hội nghị."  # a short paragraph of this article only
    mem = TemplateMemory(InMemoryTemplateStore(), TemplatePolicy(), refresh_s=0.0)
    stage = ExtractStage(output_topic="articles", max_page_bytes=8_000_000, time_budget_s=30, boilerplate=mem)
    canonical = "https://baoquangninh.vn/a-1.html"
    for i in range(5):
        body = page(paragraphs=[*PARAS, own, f"Cập nhật lần {i} lúc {8 + i} giờ sáng cùng ngày, theo phóng viên."],
                    lead=LEAD)
        raw = raw_page(body, url=f"{canonical}?utm_source=s{i}").model_copy(update={"canonical_url": canonical})
        article = stage(raw).outputs[0].value
        fresh = ExtractStage(output_topic="articles", max_page_bytes=8_000_000, time_budget_s=30,
                             boilerplate=TemplateMemory(InMemoryTemplateStore(), TemplatePolicy(), refresh_s=0.0))
        assert own in fresh(raw).outputs[0].value.text.split("\n")  # the rules alone keep it
    assert own in article.text.split("\n"), "the article's own paragraph was hidden as the portal's template"


# -- Health probes -------------------------------------------------------------------------------------------------

Record = namedtuple("Record", "topic partition offset key value")
TP = TopicPartition("in", 0)


class _Future:
    is_done = True

    def get(self, timeout=None):
        return None

    def succeeded(self):
        return True


class _Producer:
    def send(self, topic, key=None, value=None):
        return _Future()

    def flush(self, timeout=None):
        pass

    def close(self, timeout=None):
        pass


class _Consumer:
    def __init__(self) -> None:
        self.batches = []

    def poll(self, timeout_ms=0):
        return {TP: self.batches.pop(0)} if self.batches else {}

    def assignment(self):
        return {TP}

    def highwater(self, tp):
        return 0

    def position(self, tp):
        return 0

    def seek(self, tp, offset):
        pass

    def commit(self, offsets):
        pass

    def close(self, autocommit=False):
        pass


class _ProcessStage:
    name = "process"
    input_model = Article

    def __call__(self, message):  # every real article needs the database, which is down
        raise OperationalError("SELECT 1", {}, Exception("database down"))


def test_process_readiness_stays_failing_while_its_database_is_down():
    """README (Health probes): the process stage is ready only when "its database answered the last time it was
    used or checked". A batch of undecodable records (dead-lettered without touching the database) marks the
    database as answered: /readyz turns ready while PostgreSQL is still down."""
    def check():
        raise OperationalError("SELECT 1", {}, Exception("server closed the connection"))

    consumer = _Consumer()
    runner = Runner(_ProcessStage(), consumer=consumer, producer=_Producer(), input_topic="in",
                    dead_letter_topic="dlq", metrics=new_metrics(), health_check=check, health_interval_s=3600.0)
    probes = stage_probes(runner)
    runner.run_once()  # idle: the health check finds the database down
    assert probes.evaluate("ready")[1]["process.database"]["ok"] is False
    consumer.batches.append([Record("in", 0, 0, b"k", b"\xff not json")])  # a poison record
    runner.run_once()
    db = probes.evaluate("ready")[1]["process.database"]
    assert db["ok"] is False, f"ready while the database is down: {db}"


# -- Messages: province mapping --------------------------------------------------------------------------------------

def test_every_province_the_registry_accepts_is_mapped_after_the_merger():
    """README (Messages): MeetingReport carries "province (as named), province_current (after the 1 July 2025
    merger)". The registry accepts a province written with a no-break space or a double space after "Thành phố"
    (schemas/provinces.py collapses whitespace), derives its current unit, and passes the name on unchanged; the
    process stage (consumers/domain/provinces.py strips the prefix only before one plain space) maps it to
    nothing: province_current is null."""
    from consumers.domain.provinces import load_provinces
    from crawlers.registry import Portal

    # The portal of Thái Nguyên city, its province name pasted with a no-break space (or typed with two spaces).
    for name in ("Thành\u00a0phố Thái Nguyên", "Thành  phố Thái Nguyên"):
        portal = Portal(id="tpthainguyen", name="Cổng TP", province=name, start_urls=["https://tpthainguyen.vn/"],
                        article_patterns=["/tin/"], allow=["https://tpthainguyen.vn/"])
        assert portal.province_current is not None
        assert load_provinces().current(portal.province) == portal.province_current, (
            f"registry province {portal.province!r} ({portal.province_current}) is not mapped by the process stage")


# -- Logs: secrets masked ------------------------------------------------------------------------------------------

def _log_through_newsingest(logger: str, msg: str, *args) -> str:
    from schemas.logs import configure_logging

    stream = io.StringIO()
    handler = configure_logging("INFO", "json", role="crawler", stream=stream, debug_loggers=logger)
    try:
        logging.getLogger(logger).debug(msg, *args)
    finally:
        logging.getLogger().removeHandler(handler)
        logging.getLogger(logger).setLevel(logging.NOTSET)
    return stream.getvalue()


def test_kafka_client_key_password_is_masked_in_logs():
    """README (Logs): "`password=…` assignments are masked in messages". kafka-python's admin client logs its
    whole configuration at DEBUG (NEWSINGEST_DEBUG_LOGGERS=kafka); the client key's `ssl_password` is not masked
    (`\\bpassword` needs a word boundary, and `_` is a word character)."""
    from kafka.admin.client import log as kafka_admin_log

    out = _log_through_newsingest(kafka_admin_log.name, "Starting KafkaAdminClient with configuration: %s",
                                  {"bootstrap_servers": "k:9093", "security_protocol": "SSL",
                                   "ssl_password": "KeyPass-42"})
    assert json.loads(out)["message"]
    assert "KeyPass-42" not in out, out


def test_sasl_password_with_a_space_or_comma_is_masked_in_logs():
    """README (Secured Kafka): NEWSINGEST_KAFKA_SASL_PASSWORD "never appears in `repr` or logs". The same DEBUG line
    of kafka-python with a SASL password holding a space or a comma leaks all but its first word."""
    from kafka.admin.client import log as kafka_admin_log

    out = _log_through_newsingest(kafka_admin_log.name, "Starting KafkaAdminClient with configuration: %s",
                                  {"security_protocol": "SASL_SSL", "sasl_mechanism": "PLAIN",
                                   "sasl_plain_username": "svc", "sasl_plain_password": "correct horse,battery"})
    assert "horse" not in out and "battery" not in out, out


def test_a_password_in_a_mistyped_storage_url_is_masked_on_stderr():
    """README (Logs): "Passwords in URLs (`postgresql+psycopg://user:***@…`, `redis://:***@…`) ... are masked in
    messages". A setting refused for its scheme is echoed whole in the one-line error every role prints to stderr
    (the container's log) at start: NEWSINGEST_BROKER_STORAGE_URL=postgresql://… (Tansu wants postgres://) or a
    NEWSINGEST_REDIS_URL missing a slash prints its password."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    repo = Path(__file__).resolve().parents[2]
    leaks = []
    for name, value in (("NEWSINGEST_BROKER_STORAGE_URL", "postgresql://tansu:Hunter2Secret@db:5432/tansu"),
                        ("NEWSINGEST_REDIS_URL", "redis:/:Hunter2Secret@redis:6379/0")):
        env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSINGEST_")}
        env.update({name: value, "PYTHONPATH": str(repo)})
        proc = subprocess.run([sys.executable, "-m", "deploy.cli", "db", "current"], cwd=repo, env=env,
                              capture_output=True, text=True, timeout=120)
        assert proc.returncode != 0 and "invalid setting " + name in proc.stderr, proc.stderr
        if "Hunter2Secret" in proc.stderr:
            leaks.append(proc.stderr.strip())
    assert not leaks, "\n".join(leaks)
