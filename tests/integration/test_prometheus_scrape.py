"""A real Prometheus (Debian's package, installed by .ci/run) scrapes a consumer's metrics endpoint."""

import json
import os
import shutil
import subprocess
import time
import urllib.request

import pytest
from prometheus_client.parser import text_string_to_metric_families

from consumers.adapters.metrics import ConsumerMetrics, serve
from deploy.broker import free_port
from prometheus_client import CollectorRegistry


def _get(url: str) -> str:
    with urllib.request.urlopen(url, timeout=5) as response:
        return response.read().decode()


@pytest.fixture
def endpoint():
    metrics = ConsumerMetrics(CollectorRegistry())
    metrics.processed.labels("extract", "ok").inc(3)
    metrics.dead_letters.labels("extract", "binary_page").inc()
    metrics.latency.labels("process").observe(0.02)
    metrics.extraction.missing_date.labels("caobang").inc()
    port = free_port()
    server, _ = serve(metrics.registry, port, "127.0.0.1")
    yield port
    server.shutdown()


def test_metrics_endpoint_speaks_the_exposition_format(endpoint):
    families = {f.name: f for f in text_string_to_metric_families(_get(f"http://127.0.0.1:{endpoint}/metrics"))}
    assert "newsingest_messages_processed" in families
    assert "newsingest_stage_latency_seconds" in families
    sample = next(s for s in families["newsingest_dead_letters"].samples if s.name.endswith("_total"))
    assert sample.labels == {"stage": "extract", "reason": "binary_page"} and sample.value == 1


def test_real_prometheus_scrapes_the_endpoint(endpoint, tmp_path):
    binary = shutil.which("prometheus")
    if binary is None:
        if os.environ.get("CI"):
            pytest.fail("prometheus is required in CI (.ci/run installs Debian's package)")
        pytest.skip("prometheus not installed")
    web = free_port()
    config = tmp_path / "prometheus.yml"
    config.write_text(
        "global: {scrape_interval: 1s}\n"
        f"scrape_configs:\n  - job_name: newsingest\n    static_configs: [{{targets: ['127.0.0.1:{endpoint}']}}]\n"
    )
    proc = subprocess.Popen(
        [binary, f"--config.file={config}", f"--storage.tsdb.path={tmp_path / 'data'}",
         f"--web.listen-address=127.0.0.1:{web}"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        value = None
        while time.monotonic() < deadline and value is None:
            time.sleep(1)
            try:
                body = json.loads(_get(f"http://127.0.0.1:{web}/api/v1/query?query="
                                       "newsingest_dead_letters_total"))
            except OSError:
                continue
            results = body.get("data", {}).get("result", [])
            if results:
                value = results[0]
        assert value is not None, "Prometheus never scraped the endpoint"
        assert value["metric"]["reason"] == "binary_page" and float(value["value"][1]) == 1.0
        targets = json.loads(_get(f"http://127.0.0.1:{web}/api/v1/targets"))["data"]["activeTargets"]
        assert targets[0]["health"] == "up"
    finally:
        proc.terminate()
        proc.wait(10)
