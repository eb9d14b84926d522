"""Vietnam's 63 pre-2025 provinces, the 34 units since the 1 July 2025 merger, and the mapping between them.

Shared data (crawlers may not read consumers' files): `schemas/data/provinces.yaml`. Names are NFC; lookups
accept any spelling listed as an alias, in any case, and an optional "tỉnh" / "thành phố" / "TP" prefix.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

import yaml

_PREFIX = re.compile(r"^(tỉnh|thành phố|tp\.?)\s+", re.IGNORECASE)


def _key(name: str) -> str:
    return " ".join(unicodedata.normalize("NFC", name).casefold().split())


@dataclass(frozen=True)
class Provinces:
    historical: tuple[str, ...]  # the 63 names before 1 July 2025, in data order
    current: tuple[str, ...]  # the 34 units since 1 July 2025, in order of first appearance
    current_of: dict[str, str]  # historical name -> current unit
    _by_key: dict[str, str]  # normalised spelling -> historical name (a current unit's own name included)

    def canonical(self, name: str | None) -> str | None:
        """The data's name for `name` (a historical or current name, or an alias), or None if unknown."""
        if not name:
            return None
        key = _key(name)
        return self._by_key.get(key) or self._by_key.get(_key(_PREFIX.sub("", key)))

    def current_unit(self, name: str | None) -> str | None:
        canonical = self.canonical(name)
        return self.current_of.get(canonical) if canonical else None

    def merged_into(self, current: str) -> tuple[str, ...]:
        """The pre-2025 provinces that make up the current unit `current`."""
        return tuple(name for name in self.historical if self.current_of[name] == current)


@lru_cache(maxsize=1)
def load_provinces() -> Provinces:
    raw = yaml.safe_load(resources.files("schemas").joinpath("data/provinces.yaml").read_text("utf-8"))
    historical: list[str] = []
    current: list[str] = []
    current_of: dict[str, str] = {}
    by_key: dict[str, str] = {}
    for entry in raw["provinces"]:
        name = unicodedata.normalize("NFC", entry["name"])
        unit = unicodedata.normalize("NFC", entry["current"])
        historical.append(name)
        current_of[name] = unit
        if unit not in current:
            current.append(unit)
        for spelling in [name, *entry.get("aliases", [])]:
            by_key[_key(spelling)] = name
    if len(historical) != 63 or len(current) != raw["current_units"] or set(current) - set(historical):
        raise ValueError(f"schemas/data/provinces.yaml: expected 63 provinces in {raw['current_units']} units")
    return Provinces(tuple(historical), tuple(current), current_of, by_key)
