import datetime as dt
import json

import pytest

from schemas import Article, DeadLetter, DecodeError, MeetingReport, RawPage, decode, encode
from schemas.export import COMMITTED_DIR, render
from schemas.settings import SettingsError, load_settings


def test_committed_json_schemas_match_the_models():
    rendered = render()
    committed = {p.name: p.read_text("utf-8") for p in COMMITTED_DIR.glob("*.json")}
    assert committed.keys() == rendered.keys(), "run `newsingest schemas export schemas/json`"
    for name, text in rendered.items():
        assert committed[name] == text, f"schemas/json/{name} drifted: run `newsingest schemas export schemas/json`"


def test_raw_page_bytes_roundtrip_as_base64():
    page = RawPage(url="u", final_url="u", canonical_url="u", portal_id="p", province="x",
                   fetched_at=dt.datetime.now(dt.timezone.utc), http_status=200, body=b"\x00\xff\x10", body_length=3)
    wire = encode(page)
    assert isinstance(json.loads(wire)["body"], str)
    assert decode(RawPage, wire).body == b"\x00\xff\x10"


@pytest.mark.parametrize("payload,kind", [(b"not json", "decode"), (b'{"url": 1}', "validation"), (None, "decode")])
def test_decode_errors_say_what_is_wrong(payload, kind):
    with pytest.raises(DecodeError) as info:
        decode(Article, payload)
    assert info.value.kind == kind


def test_models_are_frozen_and_versioned():
    report = MeetingReport(report_id="r", version=1, url="u", title="t", portal_id="p", province="x",
                           meeting_type="peoples_council_session", confidence=0.9)
    assert report.schema_version == 1
    with pytest.raises(Exception):
        report.version = 2  # type: ignore[misc]
    assert "peoples_council_session" in MeetingReport.model_json_schema()["$defs"]["MeetingType"]["enum"]


def test_dead_letter_keeps_the_original_payload():
    letter = DeadLetter(stage="extract", error_type="decode", error_class="DecodeError", error_message="bad",
                        original_topic="t", original_partition=0, original_offset=5, original_key=b"k",
                        original_payload=b"\xffraw", failed_at=dt.datetime.now(dt.timezone.utc))
    assert decode(DeadLetter, encode(letter)).original_payload == b"\xffraw"


def test_invalid_setting_names_the_variable(monkeypatch):
    monkeypatch.setenv("NEWSINGEST_METRICS_PORT", "not-a-port")
    with pytest.raises(SettingsError, match="NEWSINGEST_METRICS_PORT"):
        load_settings()


def test_bootstrap_servers_are_checked(monkeypatch):
    monkeypatch.setenv("NEWSINGEST_KAFKA_BOOTSTRAP_SERVERS", "localhost")
    with pytest.raises(SettingsError, match="NEWSINGEST_KAFKA_BOOTSTRAP_SERVERS"):
        load_settings()


def test_postgresql_url_gets_the_psycopg_driver():
    assert load_settings(database_url="postgresql://u@h/db").database_url.startswith("postgresql+psycopg://")
