"""README's install commands against an index that moved on since the lock was written.

README states that a new upstream release can never change a fresh install. It broke once: jusText asks for
`lxml[html_clean]`, lxml published 6.2.1 while the lock pinned 6.2.0, and the pip that `python3.11 -m venv` ships
(23.2) resolved the extra's requirement to the new release and refused it for having no pinned hash. This test
builds that situation with three tiny packages in a local index and runs README's own install flags with that
same pip, in a new virtual environment, offline.
"""

from __future__ import annotations

import base64
import hashlib
import os
import shlex
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from tests.unit.test_install import _readme_commands


def _wheel(folder: Path, name: str, version: str, metadata_lines: list[str]) -> Path:
    path = folder / f"{name}-{version}-py3-none-any.whl"
    info = f"{name}-{version}.dist-info"
    files = {
        f"{name}/__init__.py": f"VERSION = {version!r}\n",
        f"{info}/METADATA": "\n".join(["Metadata-Version: 2.1", f"Name: {name}", f"Version: {version}",
                                       *metadata_lines]) + "\n",
        f"{info}/WHEEL": "Wheel-Version: 1.0\nGenerator: newsingest-test\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
    }
    record = []
    for arcname, text in files.items():
        digest = base64.urlsafe_b64encode(hashlib.sha256(text.encode()).digest()).rstrip(b"=").decode()
        record.append(f"{arcname},sha256={digest},{len(text.encode())}")
    record.append(f"{info}/RECORD,,")
    files[f"{info}/RECORD"] = "\n".join(record) + "\n"
    with zipfile.ZipFile(path, "w") as zf:
        for arcname, text in files.items():
            zf.writestr(arcname, text)
    return path


def _hash(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _lock_install_flags(command: str, lock_name: str) -> list[str]:
    """The arguments README's command gives `pip install` for the lock, e.g. ['--require-hashes', '--no-deps']."""
    for part in command.split("&&"):
        words = shlex.split(part)
        if words[:2] == ["pip", "install"] and lock_name in words:
            i = words.index("-r")
            return [w for j, w in enumerate(words[2:], start=2) if j not in (i, i + 1)]
    raise AssertionError(f"no `pip install … -r {lock_name}` in: {command}")


@pytest.fixture(scope="module")
def moved_index(tmp_path_factory) -> tuple[Path, Path]:
    """An index holding what a lock pinned plus a newer release of a package another one asks for with an extra."""
    root = tmp_path_factory.mktemp("moved-index")
    index = root / "index"
    index.mkdir()
    # jusText's shape: it asks for the extra with an underscore, the provider declares it with a hyphen.
    asker = _wheel(index, "asker", "1.0", ["Requires-Dist: provider[html_clean]>=1.0"])
    provider = _wheel(index, "provider", "1.0", ["Provides-Extra: html-clean",
                                                 'Requires-Dist: cleaner; extra == "html-clean"'])
    cleaner = _wheel(index, "cleaner", "1.0", [])
    _wheel(index, "provider", "1.1", ["Provides-Extra: html-clean",  # released after the lock was written
                                      'Requires-Dist: cleaner; extra == "html-clean"'])
    lock_file = root / "requirements.lock"
    lock_file.write_text("".join(
        f"{name}==1.0 \\\n    --hash=sha256:{_hash(wheel)}\n"
        for name, wheel in (("asker", asker), ("cleaner", cleaner), ("provider", provider))))
    return index, lock_file


def _install(venv: Path, flags: list[str], index: Path, lock_file: Path) -> subprocess.CompletedProcess:
    # No user or site pip configuration (this machine's adds indexes and constraints), no network.
    env = {k: v for k, v in os.environ.items() if not k.startswith("PIP_")}
    env.update(PIP_CONFIG_FILE=os.devnull, PIP_DISABLE_PIP_VERSION_CHECK="1")
    return subprocess.run(
        [str(venv / "bin" / "pip"), "install", *flags, "-r", str(lock_file), "--no-index", "--find-links", str(index)],
        capture_output=True, text=True, env=env, timeout=300)


@pytest.mark.parametrize("lock_name", ["requirements.lock", "requirements-test.lock"])
def test_readme_install_takes_the_pinned_release_when_the_index_has_a_newer_one(moved_index, tmp_path, lock_name):
    index, lock_file = moved_index
    command = next(c for c in _readme_commands() if lock_name in c)
    flags = _lock_install_flags(command, lock_name)
    venv = tmp_path / "venv"
    # The pip README's commands run with: the one `python3.11 -m venv` ships, never upgraded.
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=300)
    result = _install(venv, flags, index, lock_file)
    assert result.returncode == 0, (flags, result.stdout[-1500:], result.stderr[-1500:])
    version = subprocess.run([str(venv / "bin" / "python"), "-c", "import provider; print(provider.VERSION)"],
                             capture_output=True, text=True, check=True).stdout.strip()
    assert version == "1.0"


def test_the_environment_installed_from_the_lock_is_complete():
    # With --no-deps nothing is resolved in, so a package the lock left out would install silently and fail at
    # import; pip check reads every installed package's requirements and names any that is missing or clashes.
    result = subprocess.run([sys.executable, "-m", "pip", "check"], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
