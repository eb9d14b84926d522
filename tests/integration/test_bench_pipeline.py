"""bench/pipeline.py --quick end to end: it runs, cleans up, and writes every figure (no performance assertion)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import PG_ADMIN_URL, _pg_available

REPO = Path(__file__).resolve().parents[2]

pytestmark = [pytest.mark.integration, pytest.mark.timeout(180)]


def _positive(value, what: str) -> None:
    assert isinstance(value, (int, float)) and value > 0, f"{what} = {value!r}"


def test_quick_bench_writes_positive_figures(tmp_path):
    problem = _pg_available()
    if problem and os.environ.get("CI"):
        pytest.fail(f"PostgreSQL is required in CI: {problem}")
    out = tmp_path / "bench.json"
    cmd = [sys.executable, str(REPO / "bench" / "pipeline.py"), "--quick", "--json", str(out), "--pg", PG_ADMIN_URL]
    if problem:
        cmd.append("--no-replicas-run")
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSINGEST_")}
    proc = subprocess.run(cmd, cwd=REPO, env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert "== summary N=200" in proc.stdout
    assert "peak RSS per process" in proc.stdout

    data = json.loads(out.read_text())
    assert data["meta"]["sizes"] == [200]
    result = data["results"]["200"]
    assert len(result["repeats"]) == 1
    rep = result["repeats"][0]
    expected_runs = {"sqlite x1"} | (set() if problem else {"pg x1", "pg x2"})
    assert set(rep["runs"]) == expected_runs

    traf, kafka = rep["baselines"]["trafilatura"], rep["baselines"]["kafka"]
    for key in ("pages_per_s", "cpu_ms_per_page", "peak_rss_mb"):
        _positive(traf[key], f"trafilatura {key}")
    for key in ("pages_per_s", "produce_pages_per_s", "consume_pages_per_s"):
        _positive(kafka[key], f"kafka {key}")

    for label, run in rep["runs"].items():
        assert run["pages"] == 200 and run["raw_messages"] == 200
        for key in ("e2e_pages_per_s", "e2e_s", "startup_s"):
            _positive(run[key], f"{label} {key}")
        for stage in ("extract", "process"):
            figures = run["stages"][stage]
            assert figures["handled"] >= 200 if stage == "extract" else figures["handled"] > 0
            for key in ("pages_per_s", "cpu_ms_per_page", "service_p50_s", "service_p99_s"):
                _positive(figures[key], f"{label} {stage} {key}")
        replicas = 2 if label == "pg x2" else 1
        assert len(run["peak_rss_mb"]) == 2 * replicas
        for name, rss in run["peak_rss_mb"].items():
            _positive(rss, f"{label} {name} peak RSS")
        for key in ("exact_p50_s", "exact_p99_s", "hist_p50_s", "hist_p99_s"):
            _positive(run["latency"][key], f"{label} latency {key}")
        assert run["stored"]["articles"] > 0 and run["stored"]["meeting_reports"] > 0
        ratios = rep["ratios"][label]
        for key in ("e2e_vs_trafilatura", "extract_cpu_vs_trafilatura_cpu", "e2e_vs_kafka"):
            _positive(ratios[key], f"{label} ratio {key}")
    if not problem:
        _positive(rep["ratios"]["replicas_2_vs_1"], "replicas ratio")
        _positive(result["summary"]["ratios"]["replicas_2_vs_1"]["median"], "summary replicas ratio")
    summary = result["summary"]
    assert set(summary["runs"]) == expected_runs
    _positive(summary["runs"]["sqlite x1"]["e2e_pages_per_s"]["median"], "summary e2e")
    _positive(summary["baselines"]["trafilatura"]["pages_per_s"]["median"], "summary trafilatura")

    # Nothing left behind: every stage process and the broker have exited, the databases are dropped.
    pids = [rep["broker_pid"]] + [pid for run in rep["runs"].values() for pid in run["pids"].values()]
    alive = [pid for pid in pids if _running(pid)]
    assert not alive, f"still running after the bench exited: {alive}"
    if not problem:
        import sqlalchemy

        engine = sqlalchemy.create_engine(PG_ADMIN_URL)
        try:
            with engine.connect() as conn:
                names = set(conn.exec_driver_sql("SELECT datname FROM pg_database").scalars().all())
        finally:
            engine.dispose()
        ours = {rep["runs"][label]["database_name"] for label in ("pg x1", "pg x2")}
        assert all(n.startswith("newsingest_bench_") for n in ours), ours
        assert not ours & names, f"databases not dropped: {ours & names}"


def _running(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z"
