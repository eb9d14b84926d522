"""Every CLI failure is one line on stderr saying what is wrong and what to do, with exit 2 (bad input) or
1 (unreachable service); a traceback only with `--debug`. Run as a subprocess with a clean environment."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


def clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("NEWSINGEST_", "AWS_"))}
    env.update({"NEWSINGEST_METRICS_PORT": "0", "NEWSINGEST_CRAWLER_METRICS_PORT": "0"})
    env.update(extra)
    return env


def run_cli(*args: str, env: dict[str, str] | None = None, timeout: float = 120, cwd: Path = REPO):
    return subprocess.run([sys.executable, "-m", "deploy.cli", *args], cwd=cwd, env=env or clean_env(),
                          capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL)


def one_line(stderr: str) -> str:
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert len(lines) == 1, stderr[-3000:]
    return lines[0]


@pytest.mark.parametrize("variable,value", [
    ("NEWSINGEST_LOG_LEVEL", "LOUD"),
    ("NEWSINGEST_METRICS_PORT", "99999"),
    ("NEWSINGEST_KAFKA_SESSION_TIMEOUT_MS", "abc"),
    ("NEWSINGEST_KAFKA_BOOTSTRAP_SERVERS", "localhost"),
    ("NEWSINGEST_DATABASE_URL", "mysql://x/y"),
    ("NEWSINGEST_NEAR_DUPLICATE_THRESHOLD", "2"),
    ("NEWSINGEST_KAFKA_CONNECT_TIMEOUT_S", "-1"),
    ("NEWSINGEST_BROKER_STORAGE_URL", "ftp://x/"),
    ("NEWSINGEST_DEAD_LETTER_MAX_REPLAYS", "0"),
])
def test_invalid_setting_is_one_line_naming_the_variable(variable, value):
    result = run_cli("reports", env=clean_env(**{variable: value}))
    assert result.returncode == 2
    line = one_line(result.stderr)
    assert line.startswith("error: invalid setting ") and variable in line


def test_heartbeat_setting_error_names_the_variable():
    result = run_cli("reports", env=clean_env(NEWSINGEST_KAFKA_SESSION_TIMEOUT_MS="3000",
                                              NEWSINGEST_KAFKA_HEARTBEAT_INTERVAL_MS="2000"))
    assert result.returncode == 2
    assert "NEWSINGEST_KAFKA_HEARTBEAT_INTERVAL_MS" in one_line(result.stderr)


def test_log_level_is_case_insensitive():
    from schemas.settings import load_settings

    assert load_settings(log_level="debug").log_level == "DEBUG"


def test_sqlite_in_a_missing_directory_is_refused(tmp_path):
    url = f"sqlite:///{tmp_path}/nowhere/x.db"
    result = run_cli("reports", "--database-url", url)
    assert result.returncode == 2
    assert "does not exist" in one_line(result.stderr)
    for command in (["up", "--once"], ["consume", "process"]):
        result = run_cli(*command, env=clean_env(NEWSINGEST_DATABASE_URL=url,
                                                 NEWSINGEST_KAFKA_BOOTSTRAP_SERVERS="127.0.0.1:1"))
        assert result.returncode == 2, command
        line = one_line(result.stderr)
        assert "does not exist" in line and "NEWSINGEST_DATABASE_CREATE_DIR" in line
    assert not (tmp_path / "nowhere").exists()


def test_create_db_dir_creates_it(tmp_path):
    url = f"sqlite:///{tmp_path}/new/x.db"
    from deploy.cli import check_database
    from schemas.settings import load_settings

    check_database(load_settings(database_url=url), create_dir=True)
    assert (tmp_path / "new").is_dir()


def test_reports_on_a_missing_sqlite_file_says_nothing_is_stored(tmp_path):
    result = run_cli("reports", "--database-url", f"sqlite:///{tmp_path}/x.db")
    assert result.returncode == 1
    assert "no database" in one_line(result.stderr)
    assert not (tmp_path / "x.db").exists()


def test_refused_postgresql_port_is_one_line():
    result = run_cli("reports", "--database-url", "postgresql://postgres@127.0.0.1:1/x", timeout=60)
    assert result.returncode == 1
    line = one_line(result.stderr)
    assert line.startswith("error: database") and "unreachable" in line


def test_debug_shows_the_traceback():
    result = run_cli("--debug", "reports", "--database-url", "postgresql://postgres@127.0.0.1:1/x", timeout=60)
    assert result.returncode == 1
    assert "Traceback" in result.stderr


@pytest.mark.parametrize("command", [["consume", "extract"], ["replay-dead-letters", "extract"], ["crawl"]])
def test_unset_bootstrap_servers_points_at_the_broker_command(command):
    result = run_cli(*command)
    assert result.returncode == 2
    line = one_line(result.stderr)
    assert "newsingest broker" in line and "NEWSINGEST_KAFKA_BOOTSTRAP_SERVERS" in line


def test_unknown_stage_is_one_line():
    result = run_cli("consume", "load", env=clean_env(NEWSINGEST_KAFKA_BOOTSTRAP_SERVERS="127.0.0.1:1"))
    assert result.returncode == 2
    assert "extract" in one_line(result.stderr)


def test_classification_benchmark_defaults_work_on_a_holdout_corpus(capsys):
    sys.path.insert(0, str(REPO))
    from bench.classification_quality import main

    assert main(["--corpus", str(REPO / "tests" / "corpus" / "classification_holdout")]) == 0
    first = capsys.readouterr().out.splitlines()[0]
    assert "split=all: 60 articles" in first


def test_run_summary_names_pages_articles_reports_and_dead_letters():
    from deploy.orchestrator import RunSummary, collect_counts, format_summary
    from deploy.wiring import new_metrics

    metrics = new_metrics()
    metrics.processed.labels("extract", "ok").inc(14)
    metrics.processed.labels("extract", "flagged").inc(1)
    metrics.processed.labels("process", "new").inc(8)
    metrics.processed.labels("process", "not_meeting").inc(6)
    metrics.processed.labels("process", "near_duplicate").inc(1)
    metrics.reports_stored.labels("peoples_committee_meeting", "new").inc(8)
    metrics.reports_stored.labels("peoples_committee_meeting", "near_duplicate").inc(1)
    metrics.dead_letters.labels("extract", "binary_page").inc(2)
    summary = RunSummary("b", elapsed_s=7.25, crawl={"fetched": 30, "published": 17, "failed": 0})
    collect_counts(summary, metrics)
    text = "\n".join(format_summary(summary))
    assert "done in 7.2s" in text
    assert "30 fetched" in text and "17 article pages published" in text
    assert "15 extracted (1 flagged as doubtful)" in text
    assert "9 meeting report(s) stored (new 8, near_duplicate 1); other articles: not_meeting 6" in text
    assert "dead letters  2: extract binary_page 2" in text and "replay-dead-letters" in text


def test_scrapy_dumps_are_filtered_unless_verbose():
    import logging

    from crawlers.spiders.portal import quiet_scrapy

    record = logging.LogRecord("scrapy.middleware", logging.INFO, __file__, 1, "Enabled item pipelines", None, None)
    quiet_scrapy(verbose=False)
    assert not logging.getLogger("scrapy.middleware").filter(record)
    quiet_scrapy(verbose=True)
    assert logging.getLogger("scrapy.middleware").filter(record)
    quiet_scrapy(verbose=False)
