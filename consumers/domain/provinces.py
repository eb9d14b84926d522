"""Province names as printed, and the province each belongs to since the 1 July 2025 merger."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

import yaml

from consumers.domain.text import fold


@dataclass(frozen=True)
class ProvinceMap:
    by_fold: dict[str, tuple[str, str]]  # folded spelling -> (name as in the registry, current)
    pattern: re.Pattern[str]

    def resolve(self, name: str | None) -> tuple[str, str] | None:
        if not name:
            return None
        name = " ".join(unicodedata.normalize("NFC", name).split())  # a no-break or double space, as the registry
        folded = fold(re.sub(r"^(tỉnh|thành phố|tp\.?)\s+", "", name, flags=re.I))
        return self.by_fold.get(folded) or self.by_fold.get(fold(name))

    def current(self, name: str | None) -> str | None:
        hit = self.resolve(name)
        return hit[1] if hit else None

    def mentioned(self, text: str) -> list[str]:
        """Provinces named in `text`, in order of first mention, as registry names."""
        out: list[str] = []
        for match in self.pattern.finditer(fold(text)):
            name = self.by_fold[match.group(0)][0]
            if name not in out:
                out.append(name)
        return out


@lru_cache(maxsize=1)
def load_provinces() -> ProvinceMap:
    raw = yaml.safe_load(resources.files("consumers.domain").joinpath("data/provinces.yaml").read_text("utf-8"))
    by_fold: dict[str, tuple[str, str]] = {}
    for entry in raw["provinces"]:
        for spelling in [entry["name"], *entry.get("aliases", [])]:
            by_fold[fold(spelling)] = (entry["name"], entry["current"])
    alternatives = sorted(by_fold, key=len, reverse=True)
    pattern = re.compile(r"(?<!\w)(?:" + "|".join(re.escape(a) for a in alternatives) + r")(?!\w)")
    return ProvinceMap(by_fold=by_fold, pattern=pattern)
