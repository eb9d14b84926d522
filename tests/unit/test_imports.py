"""Every module imports: a dependency that breaks on install fails here, one test per module, named."""

from __future__ import annotations

import importlib
import pkgutil
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
PACKAGES = ("schemas", "crawlers", "consumers", "deploy", "bench")


def _modules() -> list[str]:
    names = []
    for package in PACKAGES:
        names.append(package)
        names += [info.name for info in pkgutil.walk_packages([str(REPO / package)], prefix=f"{package}.")]
    return sorted(names)


# Alembic loads a migration environment itself, inside a migration context; imported alone it has none.
RUN_BY_ALEMBIC = (".migrations.env",)
MODULES = [m for m in _modules() if not m.endswith(RUN_BY_ALEMBIC)]


def test_every_package_has_modules():
    for package in PACKAGES:
        assert sum(m.startswith(f"{package}.") for m in MODULES) >= 1, package


@pytest.mark.parametrize("module", MODULES)
def test_module_imports(module):
    importlib.import_module(module)
