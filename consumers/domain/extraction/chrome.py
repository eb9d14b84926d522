"""Chrome rules loaded from data: xpaths to prune, line patterns, placeholder bylines, CMS profiles."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from importlib import resources
from re import _parser as sre_parse  # the stdlib's own regex parser, to tell an anchored pattern

import yaml

from consumers.domain.text import fold


_INFO_SEPARATOR = re.compile(r"\s*\|\s*|\s+[-–•·]\s+")
_MAY_SEPARATE = re.compile(r"[|\-–•·]").search  # every _INFO_SEPARATOR match holds one of these
_MAX_BAR_CHARS = 80
_OTHER_DATE_SEPARATORS = re.compile(r"\b(\d{1,2})[.-](\d{1,2})[.-](\d{4})\b")
_HAS_DIGIT = re.compile(r"\d").search
_BRACKETS = re.compile(r"[\[\]()]")
_ARROWS = "«»‹›←→⟵⟶<>◄►◀▶ \t"
_GLUED_ITEMS = re.compile(r"(?<=\d)(?=[^\W\d_])")  # a number run into the next item's first letter


@dataclass(frozen=True)
class ChromeRules:
    prune_xpath: tuple[str, ...]
    line_patterns: tuple[re.Pattern[str], ...]
    placeholder_authors: frozenset[str]
    profiles: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = field(default_factory=dict)
    # Placeholders only when they are the whole byline: "Văn phòng" alone names nobody, "Văn phòng Tỉnh ủy" does.
    placeholder_exact: frozenset[str] = frozenset()

    def detect_cms(self, html_head: str) -> str | None:
        for name, (markers, _) in self.profiles.items():
            if any(m in html_head for m in markers):
                return name
        return None

    def xpaths_for(self, cms: str | None) -> tuple[str, ...]:
        extra = self.profiles.get(cms, ((), ()))[1] if cms else ()
        return self.prune_xpath + extra

    @cached_property
    def _matches_any_line_pattern(self):
        """`lambda s: any(p.search(s) for p in self.line_patterns)` in one or two regex calls instead of 51:
        the patterns anchored at the start ("^...", all the generic ones) as one alternation tried at position
        0, the others as one alternation searched. The same answer (some pattern matches); patterns this
        cannot combine safely (back-references, mixed flags) are searched one by one as before."""
        patterns = list(self.line_patterns)

        def one_by_one(s: str) -> bool:
            return any(p.search(s) for p in patterns)

        if not patterns or any(_has_backreference(p) for p in patterns) or len({p.flags for p in patterns}) > 1:
            return one_by_one
        flags = patterns[0].flags
        anchored = [p for p in patterns if _anchored_at_start(p)]
        floating = [p for p in patterns if not _anchored_at_start(p)]
        try:
            tests = ([re.compile("|".join(f"(?:{p.pattern[1:]})" for p in anchored), flags).match] if anchored else []) \
                + ([re.compile("|".join(f"(?:{p.pattern})" for p in floating), flags).search] if floating else [])
        except re.error:
            return one_by_one
        if len(tests) == 1:
            return tests[0]
        return lambda s: any(t(s) for t in tests)

    @cached_property
    def _placeholder_folds(self) -> tuple[str, ...]:
        return tuple(fold(p) for p in self.placeholder_authors)

    def is_chrome_line(self, line: str) -> bool:
        matches = self._matches_any_line_pattern
        # Dates written "18.10.2024" or "18-10-2024" are the same stamps as "18/10/2024" to the patterns.
        low = _OTHER_DATE_SEPARATORS.sub(r"\1/\2/\3", line.strip().lower())
        if matches(low):
            return True
        # A link's arrows are its decoration: "« Quay lại", "Xem thêm »", "← Tin trước".
        bare = low.strip(_ARROWS)
        if bare != low and bare and matches(bare):
            return True
        # An action printed as a bracketed link: "[Gửi email]", "[In bài]".
        if low.startswith("[") and low.endswith("]") and matches(low[1:-1].strip()):
            return True
        # A table row as trafilatura prints it: "| Đang truy cập: | 56 |" reads "Đang truy cập: 56".
        if "|" in low:
            joined = " ".join(p.strip() for p in low.replace("\\|", "|").split("|") if p.strip())
            if matches(joined):
                return True
        # An info bar prints several chrome items on one line: "Ngày đăng: 22/08/2023 | Lượt xem: 876".
        if _MAY_SEPARATE(low):
            parts = [p.strip() for p in _INFO_SEPARATOR.split(low.replace("\\|", "|")) if p.strip()]
            if len(parts) > 1 and all(matches(part) for part in parts):
                return True
        # ...or two items in spans side by side, nothing between them: "Ngày đăng: 12/1/2024 Lượt xem: 688",
        # not even a space: "04/07/2024 | 15:00Lượt đọc: 512".
        if len(low) > _MAX_BAR_CHARS or not _HAS_DIGIT(low):
            return False
        if _side_by_side(low, matches):
            return True
        spaced = _GLUED_ITEMS.sub(" ", low)
        if spaced != low and _side_by_side(spaced, matches):
            return True
        # ...or each in brackets: "[13/12/2024] (Đã xem: 145)".
        unbracketed = _BRACKETS.sub(" ", spaced).strip()
        return unbracketed != spaced and (bool(matches(unbracketed)) or _side_by_side(unbracketed, matches))

    def is_placeholder_author(self, name: str) -> bool:
        folded = fold(name)
        return any(p == folded or folded.startswith(p) for p in self._placeholder_folds) \
            or folded.strip(" .") in self._placeholder_exact_folds

    @cached_property
    def _placeholder_exact_folds(self) -> frozenset[str]:
        return frozenset(fold(p) for p in self.placeholder_exact)


def _side_by_side(low: str, matches) -> bool:
    """Two chrome items, split at a space, the second starting with a letter."""
    words = low.split()
    return any(words[i][0].isalpha() and matches(" ".join(words[:i])) and matches(" ".join(words[i:]))
               for i in range(1, len(words)))


def _ops(parsed):
    """Every (op, argument) of a parsed regex, nested ones included."""
    for op, av in parsed.data:
        yield op, av
        for item in (av if isinstance(av, (list, tuple)) else (av,)):
            for sub in (item if isinstance(item, (list, tuple)) else (item,)):
                if isinstance(sub, sre_parse.SubPattern):
                    yield from _ops(sub)


def _has_backreference(pattern: re.Pattern) -> bool:
    """Group numbers change when patterns are joined: a pattern that refers to its groups stays alone."""
    return any(op in (sre_parse.GROUPREF, sre_parse.GROUPREF_EXISTS)
               for op, _ in _ops(sre_parse.parse(pattern.pattern, pattern.flags)))


def _anchored_at_start(pattern: re.Pattern) -> bool:
    """'^...' without MULTILINE and without a top-level '|': it can only match at position 0."""
    if not pattern.pattern.startswith("^") or pattern.flags & re.MULTILINE:
        return False
    data = sre_parse.parse(pattern.pattern, pattern.flags).data
    return bool(data) and data[0] == (sre_parse.AT, sre_parse.AT_BEGINNING)


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
        placeholder_exact=frozenset(generic.get("placeholder_authors_exact") or ()),
        profiles=profiles,
    )
