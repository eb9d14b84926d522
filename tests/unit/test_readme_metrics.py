"""README's metrics table names every metric family the code exports, by its full name."""

from __future__ import annotations

import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
CONSTRUCTOR = re.compile(r'\b(?:Counter|Gauge|Histogram|Summary)\(\s*"(newsingest_[a-z_]+)"', re.S)


def exported_families() -> set[str]:
    names: set[str] = set()
    for package in ("consumers", "crawlers", "deploy", "schemas"):
        for path in (REPO / package).rglob("*.py"):
            names.update(CONSTRUCTOR.findall(path.read_text(encoding="utf-8")))
    return names


def metrics_section() -> str:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    start = readme.index("\n## Metrics")
    return readme[start:readme.index("\n## ", start + 5)]


def test_the_scan_finds_the_families_it_should():
    families = exported_families()
    assert {"newsingest_consumer_lag_messages", "newsingest_freshness_seconds", "newsingest_build_info",
            "newsingest_pages_dropped_total", "newsingest_portal_consecutive_failures"} <= families
    assert len(families) >= 40


def test_every_exported_family_is_in_the_readme_metrics_table():
    table = metrics_section()
    missing = sorted(f for f in exported_families() if f"`{f}`" not in table)
    assert not missing, f"README's metrics table lacks: {', '.join(missing)}"
