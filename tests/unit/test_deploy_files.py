"""The container and monitoring files parse, follow their schemas and refer to commands and metrics that exist.

deploy/docker-compose.yml is validated against the Compose Specification's JSON Schema; deploy/prometheus/ with
promtool (check config, check rules, test rules); deploy/alertmanager/alertmanager.yml with amtool where it is
installed, and structurally always."""

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from deploy.cli import app

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
PROMETHEUS = DEPLOY / "prometheus"
ALERTMANAGER = DEPLOY / "alertmanager"
ROLES = ("crawler", "extract", "process")
INIT = {"topics": ["topics", "ensure"], "migrate": ["db", "upgrade"]}

# The Compose Specification's JSON Schema as Debian's docker-compose package ships it (.ci/run installs it).
COMPOSE_SCHEMAS = (
    os.environ.get("NEWSINGEST_COMPOSE_SCHEMA", ""),
    "/usr/lib/python3/dist-packages/compose/config/compose_spec.json",
)


def _compose() -> dict:
    return yaml.safe_load((DEPLOY / "docker-compose.yml").read_text())


def _alert_rules() -> dict[str, dict]:
    groups = yaml.safe_load((PROMETHEUS / "alerts.yml").read_text())["groups"]
    return {r["alert"]: r for g in groups for r in g["rules"] if "alert" in r}


def _tool(name: str, package: str, required_in_ci: bool = True) -> str:
    path = shutil.which(name)
    if path is None:
        if required_in_ci and os.environ.get("CI"):
            pytest.fail(f"{name} is required in CI (apt-get install {package})")
        pytest.skip(f"{name} not installed (Debian's {package})")
    return path


def _run(args: list[str], cwd: Path) -> None:
    result = subprocess.run(args, cwd=cwd, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, f"{' '.join(args)}:\n{result.stdout}\n{result.stderr}"


# --- docker-compose.yml --------------------------------------------------------------------------------------


def test_compose_follows_the_compose_specification():
    import jsonschema

    path = next((Path(p) for p in COMPOSE_SCHEMAS if p and Path(p).is_file()), None)
    if path is None:
        if os.environ.get("CI"):
            pytest.fail("the Compose Specification schema is required in CI (apt-get install docker-compose)")
        pytest.skip("no Compose Specification schema (Debian's docker-compose package)")
    schema = json.loads(path.read_text())
    # The spec added the top-level project `name` after the copy Debian ships (docker-compose 1.29).
    schema["properties"].setdefault("name", {"type": "string", "pattern": "^[a-z0-9][a-z0-9_-]*$"})
    validator = jsonschema.Draft201909Validator(schema)  # its $schema (draft 2019-09), under an http:// address
    errors = sorted(validator.iter_errors(_compose()), key=lambda e: list(e.absolute_path))
    assert not errors, "\n".join(f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in errors)


def test_compose_services_run_real_commands():
    compose = _compose()
    commands = {name: svc.get("command") for name, svc in compose["services"].items() if "command" in svc}
    assert commands["extract"] == ["consume", "extract"] and commands["process"] == ["consume", "process"]
    assert commands["crawler"][0] == "crawl"
    assert {name: commands.get(name) for name in INIT} == INIT
    runner = CliRunner()
    for name, command in commands.items():
        result = runner.invoke(app, [*command, "--help"])
        assert result.exit_code == 0, f"{name}: newsingest {' '.join(command)} --help\n{result.output}"
    assert compose["services"]["kafka"]["environment"]["KAFKA_PROCESS_ROLES"] == "broker,controller"


def test_compose_roles_start_after_the_init_jobs_with_json_logs_and_health_on_9464():
    services = _compose()["services"]
    for name in INIT:
        assert services[name]["restart"] == "no", name
    for name in (*ROLES, *INIT):
        service = services[name]
        assert service["image"] == "newsingest:latest", name
        env = service["environment"]
        assert env["NEWSINGEST_LOG_FORMAT"] == "json", name
        assert env["NEWSINGEST_METRICS_PORT"] == "9464", name
        for dependency in service["depends_on"]:
            assert dependency in services, f"{name} depends on unknown service {dependency}"
    for role in ROLES:
        service = services[role]
        assert service["restart"] == "unless-stopped"
        for name in INIT:
            assert service["depends_on"][name] == {"condition": "service_completed_successfully"}, role
        test = " ".join(service["healthcheck"]["test"])
        assert "http://127.0.0.1:9464/healthz" in test and "curl" not in test, role
    assert services["crawler"]["environment"]["NEWSINGEST_CRAWLER_METRICS_PORT"] == "9464"
    # db upgrade migrates the crawl state's tables where the crawler keeps them.
    crawl_state = services["crawler"]["environment"]["NEWSINGEST_CRAWL_STATE_URL"]
    assert crawl_state.startswith("postgresql")
    assert services["migrate"]["environment"]["NEWSINGEST_CRAWL_STATE_URL"] == crawl_state


def test_compose_monitoring_mounts_the_files_in_this_repository():
    services = _compose()["services"]
    mounts = {}
    for name in ("prometheus", "alertmanager", "grafana"):
        for volume in services[name]["volumes"]:
            source, target = volume.split(":")[:2]
            if source.startswith("."):
                assert (DEPLOY / source).exists(), f"{name} mounts {source}, which does not exist"
                mounts[target] = (DEPLOY / source).resolve()
    assert mounts["/etc/prometheus/prometheus.yml"] == PROMETHEUS / "prometheus.yml"
    assert mounts["/etc/prometheus/alerts.yml"] == PROMETHEUS / "alerts.yml"
    assert mounts["/etc/alertmanager/alertmanager.yml"] == ALERTMANAGER / "alertmanager.yml"
    for name in ("prometheus", "alertmanager", "grafana"):
        image = services[name]["image"]
        assert re.search(r":v?\d+\.\d+\.\d+$", image), f"{name}: pin the image's version ({image})"
    assert "9093:9093" in services["alertmanager"]["ports"]


# --- Prometheus ----------------------------------------------------------------------------------------------


def test_prometheus_scrapes_each_role_on_9464_and_alerts_to_alertmanager():
    config = yaml.safe_load((PROMETHEUS / "prometheus.yml").read_text())
    # Relative to prometheus.yml: /etc/prometheus/alerts.yml in the container, this directory for promtool.
    assert config["rule_files"] == ["alerts.yml"]
    targets = [t for am in config["alerting"]["alertmanagers"] for s in am["static_configs"] for t in s["targets"]]
    assert targets == ["alertmanager:9093"]
    jobs = {job["job_name"]: job for job in config["scrape_configs"]}
    services = _compose()["services"]
    for role in ROLES:
        job = jobs[f"newsingest-{role}"]
        assert [(sd["names"], sd["port"]) for sd in job["dns_sd_configs"]] == [([role], 9464)]
        assert role in services
        assert {"target_label": "role", "replacement": role} in job["relabel_configs"]


def test_dashboard_and_alerts_use_metrics_the_code_exports():
    source = "\n".join(p.read_text() for p in (ROOT / "consumers").rglob("*.py")) + \
        "\n".join(p.read_text() for p in (ROOT / "crawlers").rglob("*.py"))
    exported = set(re.findall(r'"(newsingest_[a-z_]+)"', source))
    dashboard = json.loads((DEPLOY / "grafana" / "dashboards" / "newsingest.json").read_text())
    exprs = [t["expr"] for p in dashboard["panels"] for t in p["targets"]]
    exprs += [r["expr"] for r in _alert_rules().values()]
    used = {re.sub(r"_(bucket|count|sum)$", "", m) for e in exprs for m in re.findall(r"newsingest_[a-z_]+", e)}
    assert used and used <= exported, used - exported
    # Jobs the rules and panels name are the ones prometheus.yml scrapes.
    jobs = {j["job_name"] for j in yaml.safe_load((PROMETHEUS / "prometheus.yml").read_text())["scrape_configs"]}
    named = {m for e in exprs for m in re.findall(r'job="([^"]+)"', e)}
    assert named <= jobs, named - jobs


def test_prometheus_config_and_alert_rules_pass_promtool():
    """promtool check config (which checks the rule file too), check rules, and the unit tests of
    alerts_test.yml. Skipped locally without promtool (Debian's prometheus package); in CI (.ci/run installs it)
    a missing promtool fails."""
    promtool = _tool("promtool", "prometheus")
    for args in (["check", "config", "prometheus.yml"], ["check", "rules", "alerts.yml"],
                 ["test", "rules", "alerts_test.yml"]):
        _run([promtool, *args], PROMETHEUS)


def test_every_alert_fires_in_a_unit_test_and_stays_quiet_in_another():
    tests = yaml.safe_load((PROMETHEUS / "alerts_test.yml").read_text())
    assert tests["rule_files"] == ["alerts.yml"]
    fires, quiet = set(), set()
    for case in tests["tests"]:
        for check in case.get("alert_rule_test", []):
            (fires if check.get("exp_alerts") else quiet).add(check["alertname"])
    alerts = set(_alert_rules())
    assert fires | quiet <= alerts, f"tests of unknown alerts: {(fires | quiet) - alerts}"
    assert alerts <= fires, f"no unit test where these fire: {sorted(alerts - fires)}"
    assert alerts <= quiet, f"no unit test where these stay quiet: {sorted(alerts - quiet)}"


def test_every_alert_has_a_severity_a_summary_and_a_runbook():
    for name, rule in _alert_rules().items():
        assert rule["labels"]["severity"] in {"critical", "warning"}, name
        annotations = rule["annotations"]
        assert annotations["summary"].strip() and annotations["runbook"].strip(), name
        assert annotations["runbook_url"] == f"README.md#runbook-{name.lower()}", name


def test_readme_has_the_runbook_every_alert_links_to():
    readme = (ROOT / "README.md").read_text()
    anchors = set(re.findall(r'<a (?:id|name)="(runbook-[a-z0-9-]+)"', readme))
    anchors |= {re.sub(r"[^a-z0-9 -]", "", h.strip().lower()).replace(" ", "-")
                for h in re.findall(r"^#+ (.*)$", readme, flags=re.M)}
    missing = {r["annotations"]["runbook_url"] for r in _alert_rules().values()
               if r["annotations"]["runbook_url"].removeprefix("README.md#") not in anchors}
    assert not missing, f"README.md has no anchor for {sorted(missing)}"


def test_alert_rules_cover_processes_lag_and_source_health():
    rules = _alert_rules()
    assert {"NewsingestTargetDown", "NewsingestRoleAbsent", "NewsingestConsumerLagGrowing", "NewsingestDeadLetters",
            "NewsingestInfrastructureDown", "NewsingestFreshnessSlow", "NewsingestPortalStale",
            "NewsingestPortalNeverPolled", "NewsingestWatchDown", "NewsingestPortalFailureStreak",
            "NewsingestPortalNoNewArticles", "NewsingestPortalMissingDateJump",
            "NewsingestPortalEmptyBodyJump"} <= rules.keys()
    # Replaced: it stopped firing when the portal's series disappeared.
    assert "NewsingestPortalSilent" not in rules
    stale = rules["NewsingestPortalStale"]["expr"]
    assert "max_over_time(newsingest_portal_last_success_timestamp_seconds[1d])" in stale
    assert "offset 6h" in rules["NewsingestPortalMissingDateJump"]["expr"]  # compared with the week before
    assert "absent(" in rules["NewsingestWatchDown"]["expr"]
    for role in ROLES:
        assert f'absent(up{{job="newsingest-{role}"}})' in rules["NewsingestRoleAbsent"]["expr"]
    lag = rules["NewsingestConsumerLagGrowing"]["expr"]
    assert "by (stage, topic, partition)" in lag and "deriv(" in lag
    assert 'point' in rules["NewsingestFreshnessSlow"]["expr"]


# --- Alertmanager --------------------------------------------------------------------------------------------


def test_alertmanager_config_passes_amtool():
    """amtool (Debian's prometheus-alertmanager package) where it is installed; the structural test below runs
    everywhere."""
    amtool = _tool("amtool", "prometheus-alertmanager", required_in_ci=False)
    _run([amtool, "check-config", "alertmanager.yml"], ALERTMANAGER)


def test_alertmanager_config_routes_to_receivers_it_defines():
    config = yaml.safe_load((ALERTMANAGER / "alertmanager.yml").read_text())
    assert set(config) <= {"global", "route", "receivers", "inhibit_rules", "templates", "time_intervals"}
    receivers = [r["name"] for r in config["receivers"]]
    assert len(receivers) == len(set(receivers))

    def routes(route):
        yield route
        for child in route.get("routes", []):
            yield from routes(child)

    assert config["route"]["receiver"]
    matcher = re.compile(r'^\s*[a-zA-Z_][a-zA-Z0-9_]*\s*(=~|!~|!=|=)\s*"[^"]*"\s*$')
    alerts = set(_alert_rules())
    for route in routes(config["route"]):
        assert route.get("receiver", config["route"]["receiver"]) in receivers
        assert all(matcher.match(m) for m in route.get("matchers", [])), route
    for rule in config.get("inhibit_rules", []):
        matchers = rule["source_matchers"] + rule["target_matchers"]
        assert all(matcher.match(m) for m in matchers), rule
        # Every alert name an inhibit rule names exists.
        for m in matchers:
            if m.startswith("alertname"):
                names = re.search(r'"([^"]*)"', m).group(1)
                pattern = re.compile(names) if "=~" in m else None
                assert any(pattern.fullmatch(a) if pattern else a == names for a in alerts), m
