"""The install path README gives: hash-locked dependencies that match pyproject.toml, used everywhere."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

from deploy import lock

REPO = Path(__file__).resolve().parents[2]


def _readme_commands() -> list[str]:
    # The same extraction .ci/run performs: non-comment lines of README's first bash block.
    out = subprocess.run(
        ["awk", '/^```bash/{inblock=1; next} /^```/{if (inblock) exit} inblock && NF && !/^#/', "README.md"],
        cwd=REPO, capture_output=True, text=True, check=True)
    return out.stdout.splitlines()


def test_locks_match_pyproject():
    assert lock.stale_locks(REPO) == [], f"run: {lock.COMMAND}"


def test_a_dependency_change_without_relock_is_caught(tmp_path):
    for name in ("pyproject.toml", *lock.LOCKS):
        shutil.copy(REPO / name, tmp_path / name)
    assert lock.stale_locks(tmp_path) == []
    pyproject = tmp_path / "pyproject.toml"
    pyproject.write_text(pyproject.read_text().replace('"numpy>=1.24",', '"numpy>=1.24",\n    "six>=1",'))
    assert lock.stale_locks(tmp_path) == list(lock.LOCKS)
    # A test-only change leaves the runtime lock valid.
    for name in lock.LOCKS:
        shutil.copy(REPO / name, tmp_path / name)
    shutil.copy(REPO / "pyproject.toml", pyproject)
    pyproject.write_text(pyproject.read_text().replace('"pytest>=8",', '"pytest>=8", "six>=1",'))
    assert lock.stale_locks(tmp_path) == ["requirements-test.lock"]


def test_check_command_names_the_relock_command(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(lock, "REPO", tmp_path)
    shutil.copy(REPO / "pyproject.toml", tmp_path / "pyproject.toml")
    assert lock.main(["--check"]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and lock.COMMAND in err[0]


def test_every_locked_package_is_pinned_with_hashes():
    for name in lock.LOCKS:
        text = (REPO / name).read_text()
        entries = re.split(r"\n(?=[a-z0-9])", text.split("\n", 3)[3])
        pins = [e for e in entries if e.strip() and not e.startswith("#")]
        assert len(pins) > 50, name
        for entry in pins:
            assert re.match(r"^[a-z0-9._-]+(\[[a-z0-9,_-]+\])?==\S+", entry), entry[:80]
            assert "--hash=sha256:" in entry, entry[:80]
    # The HTML cleaner trafilatura needs is named directly (pip 23 ignores lxml's html_clean extra).
    assert "\nlxml-html-clean==" in (REPO / "requirements.lock").read_text()


def test_readme_ci_and_image_install_from_the_locks():
    demo, tests = _readme_commands()
    assert "pip install --require-hashes --no-deps -r requirements.lock && pip install --no-deps -e ." in demo
    assert demo.endswith("newsingest demo")
    assert "pip install --require-hashes --no-deps -r requirements-test.lock && pip install --no-deps -e ." in tests
    assert tests.endswith("python -m pytest -q")
    ci = (REPO / ".ci" / "run").read_text()
    assert "--upgrade pip" not in ci and "readme_commands" in ci
    dockerfile = (REPO / "deploy" / "Dockerfile").read_text()
    assert "pip install --require-hashes -r requirements.lock" in dockerfile
    assert "pip install --no-deps ." in dockerfile
