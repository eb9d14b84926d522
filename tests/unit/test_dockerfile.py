"""deploy/Dockerfile, read offline (no daemon, no registry): a pinned, multi-stage, non-root image that installs
from the hash-checked lock and checks its own health with the stdlib."""

from __future__ import annotations

import json
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
DOCKERFILE = REPO / "deploy" / "Dockerfile"
DIGEST = re.compile(r"@sha256:[0-9a-f]{64}$")
BUILD_TOOLS = re.compile(r"\b(apt-get|apt|apk|gcc|g\+\+|cc|make|build-essential|pip3?\s+install|uv\s+pip)\b")


@dataclass
class Stage:
    image: str
    name: str | None
    instructions: list[tuple[str, str]] = field(default_factory=list)  # (INSTRUCTION, arguments)

    def args_of(self, instruction: str) -> list[str]:
        return [args for name, args in self.instructions if name == instruction]


def instructions(text: str) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) in order: continuation lines joined, comments and blank lines dropped."""
    out, pending = [], ""
    for raw in text.splitlines():
        line = raw.strip()
        if not pending and (not line or line.startswith("#")):
            continue
        if pending and line.startswith("#"):  # a comment inside a continued instruction is dropped
            continue
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        line, pending = pending + line, ""
        name, _, args = line.partition(" ")
        out.append((name.upper(), " ".join(args.split())))
    assert not pending, "the Dockerfile ends inside a continued line"
    return out


def stages(text: str) -> list[Stage]:
    out: list[Stage] = []
    for name, args in instructions(text):
        if name == "FROM":
            words = [w for w in args.split() if not w.startswith("--")]
            image = words[0]
            alias = words[2] if len(words) == 3 and words[1].upper() == "AS" else None
            out.append(Stage(image, alias))
        else:
            assert out, f"{name} before the first FROM"
            out[-1].instructions.append((name, args))
    return out


# --- the checks (functions of the text, so the mutation tests below show each one catches its breakage) ---------

def check_pinned(text: str) -> None:
    """Every FROM names an earlier stage or an image pinned by digest; the stages share one python:3.11 base."""
    all_stages = stages(text)
    names: set[str] = set()
    bases = set()
    for stage in all_stages:
        if stage.image not in names:
            assert DIGEST.search(stage.image), f"FROM {stage.image} is not pinned by @sha256:<64 hex>"
            assert stage.image.startswith("python:3.11-slim"), stage.image
            bases.add(stage.image)
        if stage.name:
            names.add(stage.name)
    assert len(bases) == 1, f"stages on different bases: {bases}"


def check_multi_stage(text: str) -> None:
    """A builder installs, the final stage only copies the virtual environment and has no build tool."""
    all_stages = stages(text)
    assert len(all_stages) >= 2
    builders = {s.name for s in all_stages[:-1] if s.name}
    final = all_stages[-1]
    copies = [a for a in final.args_of("COPY") if a.startswith("--from=")]
    assert any(a.split()[0].removeprefix("--from=") in builders for a in copies), "final stage copies no build"
    for run in final.args_of("RUN"):
        assert not BUILD_TOOLS.search(run), f"build tool in the final stage: RUN {run}"


def check_lock_install(text: str) -> None:
    """The builder installs requirements.lock hash-checked without resolving, then the project alone."""
    runs = [run for stage in stages(text)[:-1] for run in stage.args_of("RUN")]
    lock = [r for r in runs if "-r requirements.lock" in r]
    assert lock and all("--require-hashes" in r and "--no-deps" in r for r in lock), lock
    assert "pip install --require-hashes -r requirements.lock" in text  # the form test_install checks too
    assert any(re.search(r"pip install --no-deps \.(\s|$)", r) for r in runs), "project not installed --no-deps"
    assert not any("--upgrade pip" in r or "-U pip" in r for r in runs), "pip must stay the base image's"
    copied = [c for stage in stages(text)[:-1] for c in stage.args_of("COPY")]
    assert any(c.split()[0] == "requirements.lock" for c in copied)


def check_user(text: str) -> None:
    """The final stage runs as a numeric uid other than 0 (Kubernetes' runAsNonRoot can only verify a number)."""
    users = stages(text)[-1].args_of("USER")
    assert users, "the final stage has no USER"
    user = users[-1].split(":")[0]
    assert user.isdigit() and int(user) != 0, f"USER {users[-1]} is not a numeric non-root uid"


def check_healthcheck(text: str) -> None:
    """HEALTHCHECK GETs /healthz on 127.0.0.1:${NEWSINGEST_HEALTH_PORT:-9464} with the stdlib, no curl."""
    checks = stages(text)[-1].args_of("HEALTHCHECK")
    assert len(checks) == 1, "the final stage needs one HEALTHCHECK"
    command = checks[0]
    assert "CMD" in command.split()
    assert "http://127.0.0.1:${NEWSINGEST_HEALTH_PORT:-9464}/healthz" in command, command
    assert "python -c" in command and "urllib.request" in command, command
    assert not re.search(r"\b(curl|wget)\b", command), command


def check_runtime(text: str) -> None:
    final = stages(text)[-1]
    assert [json.loads(e) for e in final.args_of("ENTRYPOINT")][-1:] == [["newsingest"]]
    assert "9464" in " ".join(final.args_of("EXPOSE")).split()
    env = " ".join(final.args_of("ENV"))
    assert "PYTHONDONTWRITEBYTECODE=1" in env and "PYTHONUNBUFFERED=1" in env
    assert re.search(r"PATH=/opt/venv/bin:\$PATH", env), "the virtual environment is not on PATH"
    uid = final.args_of("USER")[-1].split(":")[0]
    assert any(re.search(rf"chown\s+{uid}(:\d+)?\s+/app/data", r) for r in final.args_of("RUN")), \
        "/app/data is not owned by the image's user"


CHECKS = [check_pinned, check_multi_stage, check_lock_install, check_user, check_healthcheck, check_runtime]


# --- the tests -----------------------------------------------------------------------------------------------------

def dockerfile() -> str:
    return DOCKERFILE.read_text(encoding="utf-8")


@pytest.mark.parametrize("check", CHECKS, ids=lambda c: c.__name__)
def test_dockerfile(check):
    check(dockerfile())


def test_the_builder_copies_every_package_and_file_it_installs():
    """Each COPY source exists, and every package pyproject.toml installs is copied before `pip install .`."""
    builder = stages(dockerfile())[0]
    sources = []
    for args in builder.args_of("COPY"):
        words = [w for w in args.split() if not w.startswith("--")]
        sources += words[:-1]
    for source in sources:
        assert (REPO / source).exists(), source
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    packages = {p.rstrip("*") for p in project["tool"]["setuptools"]["packages"]["find"]["include"]}
    assert packages <= set(sources), packages - set(sources)
    assert {"pyproject.toml", project["project"]["readme"]} <= set(sources)


def test_the_healthcheck_command_is_valid_python():
    command = stages(dockerfile())[-1].args_of("HEALTHCHECK")[0]
    code = re.search(r'python -c "([^"]+)"', command).group(1)
    compile(code.replace("${NEWSINGEST_HEALTH_PORT:-9464}", "9464"), "<healthcheck>", "exec")


def test_the_parser_joins_continuations_and_skips_comments():
    parsed = instructions("# c\nFROM a AS b\nRUN x \\\n  # inside\n  && y\n\nUSER 1\n")
    assert parsed == [("FROM", "a AS b"), ("RUN", "x && y"), ("USER", "1")]


def _replace(old: str, new: str):
    def mutate(text: str) -> str:
        assert old in text, old
        return text.replace(old, new)
    return mutate


MUTATIONS = {  # what breaks -> (the check that must catch it, the breakage)
    "unpinned base": (check_pinned, lambda t: re.sub(r"@sha256:[0-9a-f]{64}", "", t, count=1)),
    "short digest": (check_pinned, lambda t: re.sub(r"(@sha256:[0-9a-f]{12})[0-9a-f]{52}", r"\1", t, count=1)),
    "one stage": (check_multi_stage, lambda t: "\n".join(
        line for line in t.splitlines() if not line.startswith("FROM") or " AS builder" in line)),
    "compiler in the final stage": (check_multi_stage, lambda t: t.replace(
        "USER 10001:10001", "RUN apt-get update && apt-get install -y gcc\nUSER 10001:10001")),
    "no hash check": (check_lock_install, _replace("--require-hashes -r requirements.lock",
                                                   "-r requirements.lock")),
    "lock resolved again": (check_lock_install, _replace("-r requirements.lock --no-deps", "-r requirements.lock")),
    "root user": (check_user, _replace("USER 10001:10001", "USER root")),
    "uid 0": (check_user, _replace("USER 10001:10001", "USER 0")),
    "named user": (check_user, _replace("USER 10001:10001", "USER newsingest")),
    "no user": (check_user, _replace("USER 10001:10001\n", "")),
    "health on /metrics": (check_healthcheck, _replace("/healthz'", "/metrics'")),
    "health with curl": (check_healthcheck, lambda t: re.sub(
        r"CMD python -c .*$", "CMD curl -f http://127.0.0.1:${NEWSINGEST_HEALTH_PORT:-9464}/healthz",
        t, flags=re.MULTILINE)),
    "other entrypoint": (check_runtime, _replace('ENTRYPOINT ["newsingest"]', 'ENTRYPOINT ["python"]')),
}


@pytest.mark.parametrize("mutation", MUTATIONS, ids=list(MUTATIONS))
def test_the_checks_catch_a_broken_dockerfile(mutation):
    check, mutate = MUTATIONS[mutation]
    text = dockerfile()
    check(text)  # passes on the real Dockerfile
    with pytest.raises(AssertionError):
        check(mutate(text))
