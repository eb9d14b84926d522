"""Fault harness fixtures: the mode (CI or long), the page corpus, the one-process expected outcome, the report.

CI mode (default): a few hundred pages per scenario, a few kills, short outages; a few minutes in all.
Long mode: NEWSINGEST_FAULTS_LONG=1 (>= 5,000 pages through the kill scenario, 20 kills, 30 s outages).
NEWSINGEST_FAULTS_SEED and NEWSINGEST_FAULTS_PAGES override the corpus; NEWSINGEST_FAULTS_REPORT=FILE writes
the per-scenario summaries (peak RSS per stage, kills, timings, metrics seen, problems) as JSON.
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

BASE_URL = "http://127.0.0.1:1"  # expected outcomes compare URL paths, so any base works


@dataclass(frozen=True)
class Mode:
    name: str
    seed: int
    pages: int  # stories in the corpus; each scenario sends every story twice (first crawl and re-crawl)
    kills: int
    kill_every_s: tuple[float, float]
    broker_down_s: float
    db_outage_s: float
    drain_timeout_s: float


def _mode() -> Mode:
    seed = int(os.environ.get("NEWSINGEST_FAULTS_SEED", "11"))
    if os.environ.get("NEWSINGEST_FAULTS_LONG") == "1":
        return Mode("long", seed, int(os.environ.get("NEWSINGEST_FAULTS_PAGES", "2600")), 20, (4.0, 12.0),
                    10.0, 30.0, 900.0)
    return Mode("ci", seed, int(os.environ.get("NEWSINGEST_FAULTS_PAGES", "150")), 4, (1.5, 4.0),
                10.0, 10.0, 60.0)


def pytest_configure(config):
    config.addinivalue_line("markers", "faults: fault harness (stages as processes, faults injected from outside)")


_REPORTS: list[dict] = []


@pytest.fixture(scope="session")
def mode() -> Mode:
    return _mode()


@pytest.fixture(scope="session")
def corpus(mode):
    from tests.pagegen import Corpus

    return Corpus(seed=mode.seed, pages=mode.pages)


@pytest.fixture(scope="session")
def raw_pages(corpus):
    """Every page as the crawler would publish it: phase 0 (first crawl), then phase 1 (re-crawl, revisions)."""
    return [corpus.raw_page(story, version, phase, BASE_URL) for phase in (0, 1) for story, version in corpus.phase(phase)]


@pytest.fixture(scope="session")
def expected(raw_pages, tmp_path_factory):
    from tests.faults.harness import expected_outcome

    started = time.monotonic()
    outcome = expected_outcome(raw_pages, tmp_path_factory.mktemp("expected"))
    _REPORTS.append({"scenario": "expected (one process)", "pages": len(raw_pages),
                     "seconds": round(time.monotonic() - started, 1), "counts": outcome.counts})
    return outcome


@pytest.fixture
def fault_report():
    """Append a dict per scenario; printed at the end of the run and written to NEWSINGEST_FAULTS_REPORT."""
    return _REPORTS


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    if not _REPORTS:
        return
    terminalreporter.section("fault harness")
    for rep in _REPORTS:
        terminalreporter.write_line(json.dumps(rep, ensure_ascii=False, default=str))
    path = os.environ.get("NEWSINGEST_FAULTS_REPORT")
    if path:
        Path(path).write_text(json.dumps(_REPORTS, ensure_ascii=False, indent=2, default=str))
