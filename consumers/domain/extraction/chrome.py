"""Chrome rules loaded from data: xpaths to prune, line patterns, placeholder bylines, CMS profiles."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources

import yaml

from consumers.domain.text import fold


_INFO_SEPARATOR = re.compile(r"\s*\|\s*|\s+[-–•·]\s+")


@dataclass(frozen=True)
class ChromeRules:
    prune_xpath: tuple[str, ...]
    line_patterns: tuple[re.Pattern[str], ...]
    placeholder_authors: frozenset[str]
    profiles: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = field(default_factory=dict)

    def detect_cms(self, html_head: str) -> str | None:
        for name, (markers, _) in self.profiles.items():
            if any(m in html_head for m in markers):
                return name
        return None

    def xpaths_for(self, cms: str | None) -> tuple[str, ...]:
        extra = self.profiles.get(cms, ((), ()))[1] if cms else ()
        return self.prune_xpath + extra

    def is_chrome_line(self, line: str) -> bool:
        low = line.strip().lower()
        if any(p.search(low) for p in self.line_patterns):
            return True
        # A table row as trafilatura prints it: "| Đang truy cập: | 56 |" reads "Đang truy cập: 56".
        if "|" in low:
            joined = " ".join(p.strip() for p in low.replace("\\|", "|").split("|") if p.strip())
            if any(p.search(joined) for p in self.line_patterns):
                return True
        # An info bar prints several chrome items on one line: "Ngày đăng: 22/08/2023 | Lượt xem: 876".
        parts = [p.strip() for p in _INFO_SEPARATOR.split(low.replace("\\|", "|")) if p.strip()]
        return len(parts) > 1 and all(any(p.search(part) for p in self.line_patterns) for part in parts)

    def is_placeholder_author(self, name: str) -> bool:
        folded = fold(name)
        return any(fold(p) == folded or folded.startswith(fold(p)) for p in self.placeholder_authors)


@lru_cache(maxsize=1)
def load_rules() -> ChromeRules:
    raw = yaml.safe_load(resources.files("consumers.domain").joinpath("data/chrome.yaml").read_text("utf-8"))
    generic = raw["generic"]
    profiles = {
        name: (tuple(p.get("detect", ())), tuple(p.get("prune_xpath", ())))
        for name, p in (raw.get("profiles") or {}).items()
    }
    return ChromeRules(
        prune_xpath=tuple(generic["prune_xpath"]),
        line_patterns=tuple(re.compile(p, re.I) for p in generic["line_patterns"]),
        placeholder_authors=frozenset(generic["placeholder_authors"]),
        profiles=profiles,
    )
