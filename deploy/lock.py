"""The dependency locks: `python -m deploy.lock` regenerates them, `--check` tells whether they are stale.

`pyproject.toml` keeps ranges (for people installing newsingest as a library); the two lock files pin every
package with hashes for the service and its tests (README's commands, .ci/run and the image install from them
with `--require-hashes`). Each lock starts with a digest of the dependency lists it was compiled from, so a
change to `pyproject.toml` that was not relocked is caught offline, without asking an index.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
COMMAND = "pip install uv && python -m deploy.lock"
# lock file -> extras compiled into it
LOCKS = {"requirements.lock": (), "requirements-test.lock": ("test",)}
DIGEST_PREFIX = "# pyproject-dependencies-sha256: "


def dependencies_digest(pyproject: Path, extras: tuple[str, ...]) -> str:
    project = tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]
    spec = {
        "requires-python": project.get("requires-python"),
        "dependencies": sorted(project.get("dependencies", [])),
        "extras": {e: sorted(project.get("optional-dependencies", {}).get(e, [])) for e in extras},
    }
    return hashlib.sha256(json.dumps(spec, sort_keys=True).encode()).hexdigest()


def recorded_digest(lock: Path) -> str | None:
    if not lock.exists():
        return None
    with lock.open(encoding="utf-8") as fh:
        for line in fh:
            if line.startswith(DIGEST_PREFIX):
                return line.removeprefix(DIGEST_PREFIX).strip()
            if not line.startswith("#"):
                break
    return None


def stale_locks(repo: Path | None = None) -> list[str]:
    repo = repo or REPO
    pyproject = repo / "pyproject.toml"
    return [name for name, extras in LOCKS.items()
            if recorded_digest(repo / name) != dependencies_digest(pyproject, extras)]


def compile_locks(repo: Path | None = None) -> None:
    repo = repo or REPO
    uv = shutil.which("uv")
    if uv is None:
        raise SystemExit(f"error: regenerating the locks needs uv; run: {COMMAND}")
    for name, extras in LOCKS.items():
        target = repo / name
        cmd = [uv, "pip", "compile", "pyproject.toml", "--universal", "--python-version", "3.11",
               "--generate-hashes", "--quiet", "--custom-compile-command", "python -m deploy.lock",
               "-o", str(target)]
        for extra in extras:
            cmd += ["--extra", extra]
        subprocess.run(cmd, cwd=repo, check=True)
        digest = dependencies_digest(repo / "pyproject.toml", extras)
        target.write_text(f"{DIGEST_PREFIX}{digest}\n" + target.read_text(encoding="utf-8"), encoding="utf-8")
        print(f"wrote {name}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if a lock is older than pyproject.toml")
    args = parser.parse_args(argv)
    if args.check:
        stale = stale_locks()
        if stale:
            print(f"error: {', '.join(stale)} out of date with pyproject.toml's dependencies; run: {COMMAND}",
                  file=sys.stderr)
            return 1
        print("locks match pyproject.toml")
        return 0
    compile_locks()
    return 0


if __name__ == "__main__":
    sys.exit(main())
