"""`newsingest broker` with NEWSINGEST_BROKER_STORAGE_URL=s3://bucket/ keeps topics and records across a
restart (Tansu's S3 storage, here against moto's S3 server on 127.0.0.1)."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from deploy.broker import free_port
from tests.kafka_helpers import produce, read_topic
from tests.unit.test_cli_errors import clean_env

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def s3_endpoint():
    pytest.importorskip("moto")
    boto3 = pytest.importorskip("boto3")
    port = free_port()
    server = subprocess.Popen([sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                boto3.client("s3", endpoint_url=url, aws_access_key_id="test", aws_secret_access_key="test",
                             region_name="us-east-1").create_bucket(Bucket="newsingest")
                break
            except Exception:  # noqa: BLE001 - not listening yet
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.3)
        yield url
    finally:
        server.terminate()
        server.wait(10)


def _broker(port: int, env: dict) -> tuple[subprocess.Popen, str]:
    proc = subprocess.Popen([sys.executable, "-m", "deploy.cli", "broker", "--port", str(port)], cwd=REPO, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    line = proc.stdout.readline().strip()
    assert line.startswith("export NEWSINGEST_KAFKA_BOOTSTRAP_SERVERS="), proc.stderr.read() if not line else line
    return proc, line.split("=", 1)[1]


def _stop(proc: subprocess.Popen) -> None:
    proc.send_signal(signal.SIGTERM)
    proc.wait(30)
    assert proc.returncode == 0


def test_s3_storage_survives_a_broker_restart(s3_endpoint):
    env = clean_env(NEWSINGEST_BROKER_STORAGE_URL="s3://newsingest/", NEWSINGEST_TOPIC_PARTITIONS="1",
                    AWS_ENDPOINT=s3_endpoint, AWS_ACCESS_KEY_ID="test", AWS_SECRET_ACCESS_KEY="test",
                    AWS_DEFAULT_REGION="us-east-1", AWS_ALLOW_HTTP="true")
    port = free_port()
    proc, bootstrap = _broker(port, env)
    try:
        produce(bootstrap, "newsingest.raw-pages.v1", [(b"k", b"one"), (b"k", b"two")])
        assert [r.value for r in read_topic(bootstrap, "newsingest.raw-pages.v1")] == [b"one", b"two"]
    finally:
        _stop(proc)
    proc, bootstrap = _broker(port, env)
    try:
        assert [r.value for r in read_topic(bootstrap, "newsingest.raw-pages.v1")] == [b"one", b"two"]
    finally:
        _stop(proc)
