"""deploy/kubernetes: every manifest is a valid Kubernetes object and the deployment keeps its promises.

Checked offline: the schemas of one Kubernetes version (kubernetes-validate ships them), the roles the image's
CLI has, the probes every long-running process answers (/healthz, /readyz on 9464), resources, a non-root
read-only container, the portal registry ConfigMap being crawlers/portals.yaml, no secret in a ConfigMap.

`python -m tests.unit.test_kubernetes` rewrites deploy/kubernetes/portals-configmap.yaml from crawlers/portals.yaml.
"""

from __future__ import annotations

import copy
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
K8S = REPO / "deploy" / "kubernetes"
REGISTRY = REPO / "crawlers" / "portals.yaml"
PORTALS_CONFIGMAP = K8S / "portals-configmap.yaml"
# Not Kubernetes objects of the core API: kustomize's own file, and a Prometheus Operator custom resource.
NOT_LISTED = {"kustomization.yaml", "servicemonitor.yaml"}

KUBERNETES_VERSION = "1.30"
NAMESPACE = "newsingest"
PORT = 9464
IMAGE = "newsingest"
# The image's roles (its entrypoint is `newsingest`; the args pick the role).
ROLES = {("crawl", "--watch"), ("consume", "extract"), ("consume", "process"), ("topics", "ensure"),
         ("db", "upgrade")}
DEPLOYMENTS = {"crawler": (1, ("crawl", "--watch")), "extract": (2, ("consume", "extract")),
               "process": (2, ("consume", "process"))}
INIT_ROLES = {"crawler": [("topics", "ensure")], "extract": [("topics", "ensure")],
              "process": [("db", "upgrade"), ("topics", "ensure")]}
JOBS = {"newsingest-migrate": ("db", "upgrade"), "newsingest-topics": ("topics", "ensure")}
# Settings that carry credentials: in a Secret, never in a ConfigMap.
SECRET_SETTINGS = {"NEWSINGEST_DATABASE_URL", "NEWSINGEST_CRAWL_STATE_URL", "NEWSINGEST_REDIS_URL",
                   "NEWSINGEST_KAFKA_SASL_USERNAME", "NEWSINGEST_KAFKA_SASL_PASSWORD",
                   "NEWSINGEST_KAFKA_SSL_PASSWORD", "NEWSINGEST_BROKER_STORAGE_URL"}
CREDENTIALS_IN_URL = re.compile(r"://[^/@\s:]+:[^/@\s]+@")
PLACEHOLDER = "CHANGE-ME"
# kubectl's client-side apply keeps the whole object in an annotation, and annotations are capped at 256 KiB.
LAST_APPLIED_LIMIT = 256 * 1024


# --- loading ---------------------------------------------------------------------------------------------------

def manifest_files() -> list[Path]:
    return sorted(p for p in K8S.glob("*.yaml") if p.name not in NOT_LISTED)


def load_docs(paths: list[Path] | None = None) -> list[dict]:
    docs = []
    for path in paths if paths is not None else manifest_files():
        docs += [d for d in yaml.safe_load_all(path.read_text(encoding="utf-8")) if d is not None]
    return docs


def of_kind(docs: list[dict], kind: str) -> dict[str, dict]:
    return {d["metadata"]["name"]: d for d in docs if d["kind"] == kind}


def pod_specs(docs: list[dict]) -> dict[str, dict]:
    """Deployment and Job name -> its pod spec."""
    return {d["metadata"]["name"]: d["spec"]["template"]["spec"] for d in docs if d["kind"] in ("Deployment", "Job")}


def role_of(container: dict) -> tuple[str, ...]:
    return tuple(container.get("args", []))


def env_names(container: dict) -> set[str]:
    return {e["name"] for e in container.get("env", [])}


def resolve_port(container: dict, port: int | str) -> int | str:
    names = {p["name"]: p["containerPort"] for p in container.get("ports", []) if "name" in p}
    return names.get(port, port) if isinstance(port, str) else port


# --- the checks (functions, so the mutation tests below can show that each one catches a broken manifest) ---------

def check_valid(docs: list[dict]) -> None:
    import kubernetes_validate

    for doc in docs:
        kubernetes_validate.validate(doc, KUBERNETES_VERSION, strict=True)  # raises ValidationError


def check_long_running(docs: list[dict]) -> None:
    """Every Deployment's main container: port 9464 named metrics, probes, scrape annotations, graceful stop."""
    deployments = of_kind(docs, "Deployment")
    assert deployments, "no Deployment"
    for name, deployment in deployments.items():
        template = deployment["spec"]["template"]
        spec = template["spec"]
        annotations = template["metadata"].get("annotations", {})
        assert annotations.get("prometheus.io/scrape") == "true", name
        assert annotations.get("prometheus.io/port") == str(PORT), name
        assert annotations.get("prometheus.io/path") == "/metrics", name
        # SIGTERM drains and commits within shutdown_grace_s (25 s): the kubelet must wait longer.
        assert spec.get("terminationGracePeriodSeconds", 30) >= 60, name
        for container in spec["containers"]:
            where = f"{name}/{container['name']}"
            assert {"name": "metrics", "containerPort": PORT, "protocol": "TCP"} in container.get("ports", []), where
            probes = {kind: container.get(kind) for kind in ("livenessProbe", "readinessProbe", "startupProbe")}
            for kind, path in (("livenessProbe", "/healthz"), ("readinessProbe", "/readyz"),
                               ("startupProbe", "/healthz")):
                probe = probes[kind]
                assert probe, f"{where}: no {kind}"
                get = probe.get("httpGet")
                assert get and get["path"] == path, f"{where}: {kind} must GET {path}"
                assert resolve_port(container, get["port"]) == PORT, f"{where}: {kind} not on port {PORT}"
            # The startup probe gives a slow start (broker, database, models) at least two minutes.
            startup = probes["startupProbe"]
            assert startup.get("periodSeconds", 10) * startup.get("failureThreshold", 3) >= 120, where


def check_containers(docs: list[dict]) -> None:
    """Every container (init ones and Jobs' too): resources, non-root, read-only root, no capabilities."""
    specs = pod_specs(docs)
    assert specs
    for name, spec in specs.items():
        pod_security = spec.get("securityContext", {})
        assert pod_security.get("runAsNonRoot") is True, name
        assert pod_security.get("runAsUser", 0) != 0, name
        assert pod_security.get("seccompProfile", {}).get("type") == "RuntimeDefault", name
        assert spec.get("automountServiceAccountToken") is False, name
        volumes = {v["name"]: v for v in spec.get("volumes", [])}
        for container in spec.get("initContainers", []) + spec["containers"]:
            where = f"{name}/{container['name']}"
            for bound in ("requests", "limits"):
                assert {"cpu", "memory"} <= set(container.get("resources", {}).get(bound, {})), f"{where}: {bound}"
            security = container.get("securityContext", {})
            assert security.get("runAsNonRoot", pod_security.get("runAsNonRoot")) is True, where
            assert security.get("runAsUser", pod_security.get("runAsUser", 0)) != 0, where
            assert security.get("allowPrivilegeEscalation") is False, where
            assert security.get("readOnlyRootFilesystem") is True, where
            assert "ALL" in security.get("capabilities", {}).get("drop", []), where
            assert not security.get("privileged"), where
            # A read-only root needs a writable /tmp: an emptyDir.
            tmp = [m for m in container.get("volumeMounts", []) if m["mountPath"] == "/tmp"]
            assert tmp and "emptyDir" in volumes[tmp[0]["name"]], f"{where}: /tmp must be an emptyDir"
            assert container["image"].split(":")[0].split("@")[0] == IMAGE, where


def check_roles(docs: list[dict]) -> None:
    """Every container runs one of the image's roles, each Deployment and Job the one it is named for."""
    for name, spec in pod_specs(docs).items():
        for container in spec.get("initContainers", []) + spec["containers"]:
            # The image's ENTRYPOINT is `newsingest`: containers give only args.
            assert container.get("command") in (None, ["newsingest"]), f"{name}/{container['name']}"
            assert role_of(container) in ROLES, f"{name}/{container['name']}: {role_of(container)}"
    deployments = of_kind(docs, "Deployment")
    assert set(deployments) == set(DEPLOYMENTS)
    for name, (replicas, role) in DEPLOYMENTS.items():
        spec = deployments[name]["spec"]
        assert spec["replicas"] == replicas, name
        assert [role_of(c) for c in spec["template"]["spec"]["containers"]] == [role], name
        assert [role_of(c) for c in spec["template"]["spec"].get("initContainers", [])] == INIT_ROLES[name], name
    jobs = of_kind(docs, "Job")
    assert {name: [role_of(c) for c in job["spec"]["template"]["spec"]["containers"]]
            for name, job in jobs.items()} == {name: [role] for name, role in JOBS.items()}


def check_no_secret_in_configmaps(docs: list[dict]) -> None:
    for name, configmap in of_kind(docs, "ConfigMap").items():
        data = configmap.get("data", {})
        assert not SECRET_SETTINGS & set(data), f"{name}: {SECRET_SETTINGS & set(data)} belong in a Secret"
        for key, value in data.items():
            assert not re.search(r"PASSWORD|SECRET|TOKEN", key), f"{name}: {key}"
            assert not CREDENTIALS_IN_URL.search(str(value)), f"{name}: {key} has credentials in a URL"
    for spec_name, spec in pod_specs(docs).items():
        for container in spec.get("initContainers", []) + spec["containers"]:
            for env in container.get("env", []):
                assert env["name"] not in SECRET_SETTINGS or "valueFrom" in env, f"{spec_name}: {env['name']}"
                assert not CREDENTIALS_IN_URL.search(str(env.get("value", ""))), f"{spec_name}: {env['name']}"


CHECKS = [check_valid, check_long_running, check_containers, check_roles, check_no_secret_in_configmaps]


# --- the tests ---------------------------------------------------------------------------------------------------

def test_the_schema_version_is_shipped():
    from kubernetes_validate.utils import all_versions

    assert KUBERNETES_VERSION in {v.rsplit(".", 1)[0] for v in all_versions()}


@pytest.mark.parametrize("path", manifest_files(), ids=lambda p: p.name)
def test_manifest_validates_strictly(path):
    """Every object validates against the Kubernetes schemas (strict: an unknown or misspelt field fails)."""
    docs = load_docs([path])
    assert docs, path
    check_valid(docs)
    for doc in docs:
        if doc["kind"] != "Namespace":
            assert doc["metadata"].get("namespace") == NAMESPACE, f"{path.name}: {doc['metadata']['name']}"
        assert doc["metadata"].get("labels", {}).get("app.kubernetes.io/part-of") == NAMESPACE, path.name


def test_kustomization_lists_every_manifest():
    kustomization = yaml.safe_load((K8S / "kustomization.yaml").read_text(encoding="utf-8"))
    assert kustomization["kind"] == "Kustomization" and kustomization["namespace"] == NAMESPACE
    listed = kustomization["resources"]
    assert len(listed) == len(set(listed))
    assert set(listed) == {p.name for p in manifest_files()}
    assert "servicemonitor.yaml" not in listed
    assert [i["name"] for i in kustomization["images"]] == [IMAGE]


def test_kustomize_builds_the_listed_manifests():
    """Where kubectl (or kustomize) is installed: the kustomization builds, every image is rewritten."""
    if shutil.which("kustomize"):
        command = ["kustomize", "build", str(K8S)]
    elif shutil.which("kubectl"):
        command = ["kubectl", "kustomize", str(K8S)]
    else:
        pytest.skip("neither kustomize nor kubectl is installed")
    result = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    built = [d for d in yaml.safe_load_all(result.stdout) if d]
    assert len(built) == len(load_docs())
    new_name = yaml.safe_load((K8S / "kustomization.yaml").read_text(encoding="utf-8"))["images"][0]["newName"]
    for spec in pod_specs(built).values():
        for container in spec.get("initContainers", []) + spec["containers"]:
            assert container["image"].startswith(new_name + ":"), container["image"]


def test_deployments_serve_probes_and_metrics_on_9464():
    check_long_running(load_docs())


def test_every_container_is_bounded_non_root_and_read_only():
    check_containers(load_docs())


def test_every_container_runs_a_role_of_the_image():
    check_roles(load_docs())


def test_the_roles_exist_in_the_cli():
    from typer.testing import CliRunner

    from deploy.cli import app

    runner = CliRunner()
    for role in sorted(ROLES):
        result = runner.invoke(app, [*role, "--help"])
        assert result.exit_code == 0, f"`newsingest {' '.join(role)}` is not a command: {result.output}"


def test_the_crawler_runs_alone_on_9464_with_the_mounted_registry():
    deployment = of_kind(load_docs(), "Deployment")["crawler"]
    assert deployment["spec"]["strategy"]["type"] == "Recreate"  # never two crawlers without Redis
    spec = deployment["spec"]["template"]["spec"]
    (crawler,) = spec["containers"]
    env = {e["name"]: e.get("value") for e in crawler.get("env", [])}
    assert env["NEWSINGEST_CRAWLER_METRICS_PORT"] == str(PORT)
    registry = Path(env["NEWSINGEST_PORTALS_FILE"])
    volumes = {v["name"]: v for v in spec["volumes"]}
    (mount,) = [m for m in crawler["volumeMounts"] if m["mountPath"] == str(registry.parent)]
    assert mount.get("readOnly") is True
    source = volumes[mount["name"]]["configMap"]
    assert source["name"] == "newsingest-portals"
    assert registry.name in of_kind(load_docs(), "ConfigMap")["newsingest-portals"]["data"]


def test_portals_configmap_is_the_bundled_registry():
    """The ConfigMap's registry is crawlers/portals.yaml, character for character (it cannot drift)."""
    configmap = of_kind(load_docs(), "ConfigMap")["newsingest-portals"]
    assert set(configmap["data"]) == {"portals.yaml"}
    registry = REGISTRY.read_text(encoding="utf-8")
    assert configmap["data"]["portals.yaml"] == registry, \
        "deploy/kubernetes/portals-configmap.yaml differs from crawlers/portals.yaml; run: " \
        "python -m tests.unit.test_kubernetes"
    assert yaml.safe_load(configmap["data"]["portals.yaml"]) == yaml.safe_load(registry)
    assert PORTALS_CONFIGMAP.read_text(encoding="utf-8") == render_portals_configmap(registry)
    assert len(PORTALS_CONFIGMAP.read_bytes()) < LAST_APPLIED_LIMIT // 2, "too big for `kubectl apply`"


def test_the_configmap_registry_loads():
    from crawlers.registry import load_registry

    registry = load_registry(REGISTRY)
    assert registry


def test_no_secret_in_a_configmap_and_placeholders_are_marked():
    docs = load_docs()
    check_no_secret_in_configmaps(docs)
    secrets = of_kind(docs, "Secret")
    keys = set()
    for name, secret in secrets.items():
        assert "data" not in secret and secret["stringData"], name
        for key, value in secret["stringData"].items():
            assert PLACEHOLDER in value, f"{name}: {key} must be a marked placeholder"
        keys |= set(secret["stringData"])
    assert {"NEWSINGEST_DATABASE_URL", "NEWSINGEST_CRAWL_STATE_URL", "NEWSINGEST_KAFKA_SASL_USERNAME",
            "NEWSINGEST_KAFKA_SASL_PASSWORD"} <= keys


def test_every_variable_is_a_setting():
    """A misspelt NEWSINGEST_ name would be silently ignored: every one names a field of schemas.settings."""
    from schemas.settings import ENV_PREFIX, Settings

    known = {ENV_PREFIX + field.upper() for field in Settings.model_fields}
    docs = load_docs()
    names = set()
    for configmap in of_kind(docs, "ConfigMap").values():
        names |= {k for k in configmap.get("data", {}) if k.startswith(ENV_PREFIX)}
    for secret in of_kind(docs, "Secret").values():
        names |= set(secret["stringData"])
    for spec in pod_specs(docs).values():
        for container in spec.get("initContainers", []) + spec["containers"]:
            names |= env_names(container)
    assert names and names <= known, names - known


def test_each_process_gets_only_the_secrets_it_uses():
    docs = load_docs()
    needs = {("crawl", "--watch"): {"newsingest-kafka", "newsingest-database"},
             ("consume", "extract"): {"newsingest-kafka", "newsingest-database"},  # learned templates
             ("consume", "process"): {"newsingest-kafka", "newsingest-database"},
             ("topics", "ensure"): {"newsingest-kafka"}, ("db", "upgrade"): {"newsingest-database"}}
    existing_configmaps = set(of_kind(docs, "ConfigMap"))
    for name, spec in pod_specs(docs).items():
        for container in spec.get("initContainers", []) + spec["containers"]:
            sources = container.get("envFrom", [])
            secrets = {s["secretRef"]["name"] for s in sources if "secretRef" in s}
            configmaps = {s["configMapRef"]["name"] for s in sources if "configMapRef" in s}
            assert secrets == needs[role_of(container)], f"{name}/{container['name']}"
            assert configmaps == {"newsingest-config"} <= existing_configmaps, f"{name}/{container['name']}"


def test_config_and_secrets_make_valid_production_settings(monkeypatch):
    """What the pods get parses as Settings, in production, SASL_SSL, with the probes' port; the placeholder
    contact URL is refused, so nobody crawls with it by mistake."""
    from crawlers.settings import contact_problem
    from schemas.settings import ENV_PREFIX, load_settings

    docs = load_docs()
    env = dict(of_kind(docs, "ConfigMap")["newsingest-config"]["data"])
    for secret in of_kind(docs, "Secret").values():
        env.update(secret["stringData"])
    crawler = of_kind(docs, "Deployment")["crawler"]["spec"]["template"]["spec"]["containers"][0]
    env.update({e["name"]: e["value"] for e in crawler["env"]})
    for name in list(os.environ):
        if name.startswith(ENV_PREFIX):
            monkeypatch.delenv(name)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    settings = load_settings()
    assert settings.env == "production" and settings.log_format == "json"
    assert settings.kafka_security_protocol == "SASL_SSL" and settings.kafka_sasl_mechanism
    assert settings.metrics_port == PORT and settings.crawler_metrics_port == PORT
    assert settings.database_url.startswith("postgresql+psycopg://")
    assert settings.crawl_state_url.startswith("postgresql+psycopg://")
    for deployment in of_kind(docs, "Deployment").values():
        assert deployment["spec"]["template"]["spec"]["terminationGracePeriodSeconds"] > settings.shutdown_grace_s + 5
    assert "placeholder" in (contact_problem(settings.contact_url) or "")


def test_services_pdbs_and_servicemonitor_select_the_pods():
    docs = load_docs()
    deployments = of_kind(docs, "Deployment")
    pod_labels = {name: d["spec"]["template"]["metadata"]["labels"] for name, d in deployments.items()}

    def selected(selector: dict) -> set[str]:
        return {name for name, labels in pod_labels.items() if selector.items() <= labels.items()}

    for name, deployment in deployments.items():
        assert selected(deployment["spec"]["selector"]["matchLabels"]) == {name}
    services = of_kind(docs, "Service")
    assert set(services) == set(deployments)
    for name, service in services.items():
        assert selected(service["spec"]["selector"]) == {name}
        assert service["spec"]["ports"] == [{"name": "metrics", "port": PORT, "targetPort": "metrics",
                                             "protocol": "TCP"}]
        assert service["spec"].get("publishNotReadyAddresses") is True  # unready pods stay scrapeable
    pdbs = of_kind(docs, "PodDisruptionBudget")
    assert set(pdbs) == {"extract", "process"}  # one per consumer role; a PDB on the single crawler blocks drains
    for name, pdb in pdbs.items():
        assert selected(pdb["spec"]["selector"]["matchLabels"]) == {name}
        assert pdb["spec"]["maxUnavailable"] < deployments[name]["spec"]["replicas"]
    monitor = yaml.safe_load((K8S / "servicemonitor.yaml").read_text(encoding="utf-8"))
    assert monitor["kind"] == "ServiceMonitor"
    assert [e["port"] for e in monitor["spec"]["endpoints"]] == ["metrics"]
    assert monitor["spec"]["endpoints"][0]["path"] == "/metrics"
    chosen = {name for name, s in services.items()
              if monitor["spec"]["selector"]["matchLabels"].items() <= s["metadata"]["labels"].items()}
    assert chosen == set(services)


def test_pods_run_as_the_images_user():
    dockerfile = (REPO / "deploy" / "Dockerfile").read_text(encoding="utf-8")
    users = re.findall(r"^USER\s+(\d+)(?::(\d+))?\s*$", dockerfile, re.MULTILINE)
    assert users, "the image's USER is not numeric"
    uid, gid = users[-1]
    for name, spec in pod_specs(load_docs()).items():
        assert str(spec["securityContext"]["runAsUser"]) == uid, name
        assert not gid or str(spec["securityContext"]["runAsGroup"]) == gid, name


# --- each check catches what it is about ---------------------------------------------------------------------------

def _deployment(docs: list[dict], name: str) -> dict:
    return of_kind(docs, "Deployment")[name]["spec"]["template"]["spec"]


def _breaks(mutate) -> list[dict]:
    docs = copy.deepcopy(load_docs())
    mutate(docs)
    return docs


MUTATIONS = {  # what breaks -> (the check that must catch it, the breakage)
    "no readiness probe": (check_long_running, lambda d: _deployment(d, "extract")["containers"][0]
                           .pop("readinessProbe")),
    "liveness on /metrics": (check_long_running, lambda d: _deployment(d, "process")["containers"][0]
                             ["livenessProbe"]["httpGet"].update(path="/metrics")),
    "probe on another port": (check_long_running, lambda d: _deployment(d, "crawler")["containers"][0]
                              ["readinessProbe"]["httpGet"].update(port=9465)),
    "no startup probe": (check_long_running, lambda d: _deployment(d, "process")["containers"][0]
                         .pop("startupProbe")),
    "no scrape annotation": (check_long_running, lambda d: of_kind(d, "Deployment")["extract"]["spec"]["template"]
                             ["metadata"]["annotations"].pop("prometheus.io/scrape")),
    "short grace": (check_long_running, lambda d: _deployment(d, "process")
                    .update(terminationGracePeriodSeconds=10)),
    "no memory limit": (check_containers, lambda d: _deployment(d, "process")["initContainers"][0]["resources"]
                        ["limits"].pop("memory")),
    "root allowed": (check_containers, lambda d: _deployment(d, "crawler")["securityContext"]
                     .update(runAsNonRoot=False)),
    "writable root": (check_containers, lambda d: _deployment(d, "extract")["containers"][0]["securityContext"]
                      .update(readOnlyRootFilesystem=False)),
    "capabilities kept": (check_containers, lambda d: _deployment(d, "crawler")["containers"][0]
                          ["securityContext"].update(capabilities={})),
    "privilege escalation": (check_containers, lambda d: of_kind(d, "Job")["newsingest-migrate"]["spec"]
                             ["template"]["spec"]["containers"][0]["securityContext"]
                             .update(allowPrivilegeEscalation=True)),
    "unknown role": (check_roles, lambda d: _deployment(d, "extract")["containers"][0]
                     .update(args=["consume", "everything"])),
    "no migration before process": (check_roles, lambda d: _deployment(d, "process")["initContainers"].pop(0)),
    "three crawlers": (check_roles, lambda d: of_kind(d, "Deployment")["crawler"]["spec"].update(replicas=3)),
    "password in a ConfigMap": (check_no_secret_in_configmaps, lambda d: of_kind(d, "ConfigMap")
                                ["newsingest-config"]["data"].update(NEWSINGEST_KAFKA_SASL_PASSWORD="x")),
    "credentials in a URL": (check_no_secret_in_configmaps, lambda d: _deployment(d, "crawler")["containers"][0]
                             ["env"].append({"name": "NEWSINGEST_ALLOWED_PRIVATE_NETWORKS",
                                             "value": "redis://u:p@redis:6379/0"})),
    "misspelt field": (check_valid, lambda d: _deployment(d, "extract")["containers"][0]
                       .update(livenesProbe={})),
    "integer in a ConfigMap": (check_valid, lambda d: of_kind(d, "ConfigMap")["newsingest-config"]["data"]
                               .update(NEWSINGEST_TOPIC_PARTITIONS=6)),
}


@pytest.mark.parametrize("mutation", MUTATIONS, ids=list(MUTATIONS))
def test_the_checks_catch_a_broken_manifest(mutation):
    import kubernetes_validate

    check, mutate = MUTATIONS[mutation]
    check(load_docs())  # passes on the real manifests
    with pytest.raises((AssertionError, kubernetes_validate.ValidationError)):
        check(_breaks(mutate))


# --- the portal registry ConfigMap ---------------------------------------------------------------------------------

def render_portals_configmap(registry: str) -> str:
    """crawlers/portals.yaml as ConfigMap newsingest-portals (a literal block: the text is kept exactly)."""
    if not registry.endswith("\n") or registry.endswith("\n\n") or registry[:1].isspace() or "\t" in registry:
        raise ValueError("crawlers/portals.yaml must start unindented, end with one newline, contain no tabs")
    body = "".join(f"    {line}\n" if line else "\n" for line in registry.splitlines())
    return (
        "# The portal registry the crawler reads (NEWSINGEST_PORTALS_FILE, mounted by crawler.yaml): a copy of\n"
        "# crawlers/portals.yaml, which tests/unit/test_kubernetes.py keeps it equal to. Edit crawlers/portals.yaml\n"
        "# and regenerate this file with `python -m tests.unit.test_kubernetes`; to run a registry of your own,\n"
        "# replace this ConfigMap in a kustomize overlay. The crawler reads it at start: restart it after a change\n"
        "# (kubectl -n newsingest rollout restart deployment/crawler).\n"
        "apiVersion: v1\n"
        "kind: ConfigMap\n"
        "metadata:\n"
        "  name: newsingest-portals\n"
        f"  namespace: {NAMESPACE}\n"
        "  labels:\n"
        "    app.kubernetes.io/name: newsingest\n"
        "    app.kubernetes.io/component: crawler\n"
        f"    app.kubernetes.io/part-of: {NAMESPACE}\n"
        "data:\n"
        "  portals.yaml: |\n"
        f"{body}"
    )


if __name__ == "__main__":
    PORTALS_CONFIGMAP.write_text(render_portals_configmap(REGISTRY.read_text(encoding="utf-8")), encoding="utf-8")
    print(f"wrote {PORTALS_CONFIGMAP.relative_to(REPO)}", file=sys.stderr)
