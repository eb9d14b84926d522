"""/healthz and /readyz semantics, JSON logs and their redaction, Kafka security settings into client configs."""

from __future__ import annotations

import io
import json
import logging
import urllib.error
import urllib.request

import pytest
from prometheus_client import CollectorRegistry, Counter

from deploy.broker import free_port
from schemas.logs import configure_logging, redact
from schemas.probes import Heartbeat, Probes, serve
from schemas.settings import SettingsError, load_settings


def _get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=5) as resp:
            return resp.status, resp.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


@pytest.fixture
def endpoint():
    registry = CollectorRegistry()
    Counter("newsingest_example_total", "x", registry=registry).inc()
    probes = Probes()
    port = free_port()
    server, _ = serve(registry, probes, port, "127.0.0.1")
    yield probes, f"http://127.0.0.1:{port}"
    server.shutdown()


def test_live_and_ready_follow_their_checks_and_metrics_stay_on_the_same_port(endpoint):
    probes, base = endpoint
    state = {"loop": True, "broker": False}
    probes.live("loop", lambda: (state["loop"], "turning"))
    probes.ready("broker", lambda: (state["broker"], "0 connections"))
    assert _get(f"{base}/healthz")[0] == 200
    status, body = _get(f"{base}/readyz")
    assert status == 503 and json.loads(body)["checks"]["broker"] == {"ok": False, "detail": "0 connections"}
    state["broker"] = True
    assert _get(f"{base}/readyz")[0] == 200
    state["loop"] = False  # a wedged loop is neither live nor ready
    assert _get(f"{base}/healthz")[0] == 503 and _get(f"{base}/readyz")[0] == 503
    status, text = _get(f"{base}/metrics")
    assert status == 200 and "newsingest_example_total 1.0" in text


def test_a_process_without_readiness_checks_is_starting_not_ready(endpoint):
    _, base = endpoint
    assert _get(f"{base}/healthz")[0] == 200
    assert _get(f"{base}/readyz")[0] == 503


def test_a_check_that_raises_fails_the_probe_instead_of_answering_500(endpoint):
    probes, base = endpoint

    def broken():
        raise RuntimeError("boom")

    probes.ready("store", broken)
    status, body = _get(f"{base}/readyz")
    assert status == 503 and "RuntimeError: boom" in body


def test_heartbeat_goes_stale_on_a_fake_clock():
    now = [100.0]
    beat = Heartbeat(60, clock=lambda: now[0])
    assert beat.check()[0]
    now[0] += 61
    assert not beat.check()[0]
    beat.beat()
    assert beat.check()[0]
    beat.stopped = True
    assert beat.check() == (False, "main loop ended")


# -- logs -----------------------------------------------------------------------------------------------------
@pytest.fixture
def restore_logging():
    root = logging.getLogger()
    saved = (list(root.handlers), root.level)
    yield
    root.handlers[:] = saved[0]
    root.setLevel(saved[1])


def test_json_logs_carry_context_fields_and_never_credentials(restore_logging):
    out = io.StringIO()
    configure_logging("INFO", "json", role="process", stream=out)
    log = logging.getLogger("newsingest.test")
    log.info("stored %s from postgresql+psycopg://ingest:hunter2@db:5432/news", "r1",
             extra={"portal": "baoquangninh", "topic": "t", "partition": 2, "offset": 41, "report_id": "r1",
                    "url": "https://user:pw@example.org/a"})
    try:
        raise ValueError("sasl_plain_password=hunter2")
    except ValueError:
        log.exception("failed with password=hunter2")
    lines = [json.loads(line) for line in out.getvalue().splitlines()]
    assert len(lines) == 2, out.getvalue()
    first = lines[0]
    assert first["level"] == "INFO" and first["role"] == "process" and first["portal"] == "baoquangninh"
    assert (first["topic"], first["partition"], first["offset"], first["report_id"]) == ("t", 2, 41, "r1")
    assert "hunter2" not in out.getvalue() and "pw@" not in out.getvalue(), out.getvalue()
    assert "ValueError" in lines[1]["exc_info"]


def test_configuring_twice_keeps_one_handler_and_text_stays_for_terminals(restore_logging):
    out = io.StringIO()
    configure_logging("INFO", "json", stream=io.StringIO())
    configure_logging("WARNING", "text", stream=out)
    logging.getLogger("x").warning("hello")
    logging.getLogger("x").info("hidden")
    assert out.getvalue().count("hello") == 1 and "hidden" not in out.getvalue()
    assert not out.getvalue().startswith("{")


def test_redact_masks_url_passwords_only():
    assert redact("redis://:secret@h:6379/0") == "redis://:***@h:6379/0"
    assert redact("see https://example.org/a:b@c") == "see https://example.org/a:b@c"  # a path, not credentials
    assert redact("postgresql://u@h/db") == "postgresql://u@h/db"


# -- Kafka security settings ---------------------------------------------------------------------------------
def test_sasl_and_ssl_settings_become_one_client_configuration(tmp_path):
    ca = tmp_path / "ca.pem"
    ca.write_text("-----BEGIN CERTIFICATE-----\n")
    settings = load_settings(kafka_security_protocol="sasl_ssl", kafka_sasl_mechanism="scram-sha-512",
                             kafka_sasl_username="ingest", kafka_sasl_password="s3cret", kafka_ssl_cafile=str(ca))
    assert settings.kafka_client_config() == {
        "security_protocol": "SASL_SSL", "sasl_mechanism": "SCRAM-SHA-512", "sasl_plain_username": "ingest",
        "sasl_plain_password": "s3cret", "ssl_check_hostname": True, "ssl_cafile": str(ca)}
    assert "s3cret" not in repr(settings)


@pytest.mark.parametrize("overrides, named", [
    ({"kafka_security_protocol": "SASL_SSL"}, "NEWSINGEST_KAFKA_SASL_MECHANISM"),
    ({"kafka_security_protocol": "SASL_PLAINTEXT", "kafka_sasl_mechanism": "PLAIN"},
     "NEWSINGEST_KAFKA_SASL_USERNAME"),
    ({"kafka_security_protocol": "TLS"}, "NEWSINGEST_KAFKA_SECURITY_PROTOCOL"),
    ({"kafka_sasl_mechanism": "GSSAPI"}, "NEWSINGEST_KAFKA_SASL_MECHANISM"),
    ({"kafka_ssl_cafile": "/nonexistent/ca.pem"}, "NEWSINGEST_KAFKA_SSL_CAFILE"),
    ({"log_format": "xml"}, "NEWSINGEST_LOG_FORMAT"),
])
def test_invalid_security_and_log_settings_are_one_line_naming_the_variable(overrides, named):
    with pytest.raises(SettingsError) as err:
        load_settings(**overrides)
    assert named in str(err.value) and "\n" not in str(err.value)


def test_the_security_configuration_reaches_producers_consumers_and_admin(tmp_path, monkeypatch):
    """Every Kafka client newsingest builds gets the same security settings (built, not connected)."""
    import kafka

    from consumers.adapters.kafka import make_consumer, make_producer
    from crawlers.pipelines.kafka_publish import KafkaPublishPipeline
    from deploy.topics import admin_client

    seen: list[tuple[str, dict]] = []

    def recorder(name):
        def build(*args, **config):
            seen.append((name, config))
            raise kafka.errors.KafkaConnectionError("recorded")
        return build

    for name in ("KafkaProducer", "KafkaConsumer", "KafkaAdminClient"):
        monkeypatch.setattr(f"consumers.adapters.kafka.{name}", recorder(name), raising=False)
    monkeypatch.setattr("deploy.topics.KafkaAdminClient", recorder("admin"))
    monkeypatch.setattr("crawlers.pipelines.kafka_publish.KafkaProducer", recorder("crawler"))
    settings = load_settings(kafka_security_protocol="SASL_PLAINTEXT", kafka_sasl_mechanism="PLAIN",
                             kafka_sasl_username="u", kafka_sasl_password="p")
    config = settings.kafka_client_config()
    for build in (lambda: make_producer("h:1", client_config=config),
                  lambda: make_consumer("h:1", group_id="g", topic="t", session_timeout_ms=6000,
                                        heartbeat_interval_ms=1000, max_poll_records=1, client_config=config),
                  lambda: admin_client("h:1", settings, timeout_s=0)):
        with pytest.raises(kafka.errors.KafkaError):
            build()
    pipeline = KafkaPublishPipeline("h:1", "t")
    pipeline.client_config = config
    with pytest.raises(kafka.errors.KafkaError):
        pipeline._connect()  # noqa: SLF001
    assert [name for name, _ in seen] == ["KafkaProducer", "KafkaConsumer", "admin", "crawler"]
    for name, kwargs in seen:
        assert {k: kwargs.get(k) for k in config} == config, name


def test_a_line_logged_inside_a_stage_says_which_stage_and_which_record(restore_logging):
    from consumers.runner import _Done
    from consumers.stages.base import Output, StageResult
    from tests.unit.test_runner_policy import FakeConsumer, FakeProducer, Record, _runner
    from schemas import Article, encode
    from tests.stage_helpers import article

    class Chatty:
        name = "process"
        input_model = Article

        def __call__(self, message):
            logging.getLogger("consumers.stages.chatty").warning("odd page")
            return StageResult([Output("out", "k", message)])

    out = io.StringIO()
    configure_logging("INFO", "json", stream=out)
    runner = _runner(FakeConsumer([Record("in", 0, 41, b"k", encode(article()))]), FakeProducer(), Chatty())
    runner.stop_event.set()  # run() sets the stage context, then stops after closing
    runner.run()
    runner._handle(Record("in", 0, 41, b"k", encode(article())), _Done())  # noqa: SLF001
    line = next(json.loads(x) for x in out.getvalue().splitlines() if "odd page" in x)
    assert (line["topic"], line["partition"], line["offset"]) == ("in", 0, 41), line
    stopped = next(json.loads(x) for x in out.getvalue().splitlines() if "stopped" in x)
    assert stopped["stage"] == "process"
