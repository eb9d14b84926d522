"""The container and monitoring files parse and refer to commands and metrics that exist."""

import json
import re
from pathlib import Path

import yaml
from typer.testing import CliRunner

from deploy.cli import app

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"


def test_compose_services_run_real_commands():
    compose = yaml.safe_load((DEPLOY / "docker-compose.yml").read_text())
    commands = {name: svc.get("command") for name, svc in compose["services"].items() if "command" in svc}
    assert commands["extract"] == ["consume", "extract"] and commands["process"] == ["consume", "process"]
    runner = CliRunner()
    for command in commands.values():
        assert runner.invoke(app, [command[0], "--help"]).exit_code == 0
    assert compose["services"]["kafka"]["environment"]["KAFKA_PROCESS_ROLES"] == "broker,controller"


def test_dashboard_and_alerts_use_metrics_the_code_exports():
    source = "\n".join(p.read_text() for p in (DEPLOY.parent / "consumers").rglob("*.py")) + \
        "\n".join(p.read_text() for p in (DEPLOY.parent / "crawlers").rglob("*.py"))
    exported = set(re.findall(r'"(newsingest_[a-z_]+)"', source))
    dashboard = json.loads((DEPLOY / "grafana" / "dashboards" / "newsingest.json").read_text())
    exprs = [t["expr"] for p in dashboard["panels"] for t in p["targets"]]
    exprs += [r["expr"] for g in yaml.safe_load((DEPLOY / "alerts.yml").read_text())["groups"] for r in g["rules"]]
    used = {re.sub(r"_(bucket|count|sum)$", "", m) for e in exprs for m in re.findall(r"newsingest_[a-z_]+", e)}
    assert used and used <= exported, used - exported
    yaml.safe_load((DEPLOY / "prometheus.yml").read_text())


def test_alert_rules_pass_promtool_check_and_unit_tests():
    """deploy/alerts_test.yml: every alert fires on the series it is about and stays quiet on the others.
    Skipped locally without promtool (Debian's prometheus package); in CI (.ci/run installs it) a missing
    promtool fails."""
    import os
    import shutil
    import subprocess

    import pytest

    promtool = shutil.which("promtool")
    if promtool is None:
        if os.environ.get("CI"):
            pytest.fail("promtool is required in CI (apt-get install prometheus)")
        pytest.skip("promtool not installed")
    for args in (["check", "rules", "alerts.yml"], ["test", "rules", "alerts_test.yml"]):
        result = subprocess.run([promtool, *args], cwd=DEPLOY, capture_output=True, text=True, timeout=120)
        assert result.returncode == 0, f"promtool {' '.join(args)}:\n{result.stdout}\n{result.stderr}"


def test_source_health_alerts_exist():
    rules = {r["alert"]: r for g in yaml.safe_load((DEPLOY / "alerts.yml").read_text())["groups"] for r in g["rules"]}
    assert {"NewsingestPortalStale", "NewsingestPortalNeverPolled", "NewsingestWatchDown",
            "NewsingestPortalFailureStreak", "NewsingestPortalNoNewArticles", "NewsingestPortalMissingDateJump",
            "NewsingestPortalEmptyBodyJump"} <= rules.keys()
    assert "offset 6h" in rules["NewsingestPortalMissingDateJump"]["expr"]  # compared with the week before
    assert "absent(" in rules["NewsingestWatchDown"]["expr"]
