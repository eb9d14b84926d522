"""Per-portal learned boilerplate: a short line printed on many different pages of one portal is chrome."""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from typing import Protocol

from consumers.domain.text import fold


class PortalChrome(Protocol):
    """What the extraction asks about a portal's learned chrome, and tells it: BoilerplateMemory (one process),
    template.TemplateMemory (shared through a store), NoBoilerplate (learning off)."""

    def is_boilerplate(self, portal: str, line: str, folded: str | None = None) -> bool: ...

    def observe(self, portal: str, url: str, lines: list[str]) -> None: ...

    def sync(self, force: bool = False) -> bool: ...


class NoBoilerplate:
    """Learning switched off: nothing is ever learned chrome."""

    def is_boilerplate(self, portal: str, line: str, folded: str | None = None) -> bool:
        return False

    def observe(self, portal: str, url: str, lines: list[str]) -> None:
        return None

    def sync(self, force: bool = False) -> bool:
        return False


def _key(line: str, folded: str | None = None) -> str:
    return hashlib.blake2b((fold(line) if folded is None else folded).encode(), digest_size=8).hexdigest()


class BoilerplateMemory:
    """Bounded memory of which short lines appeared on which pages, per portal.

    Counts distinct URLs, so re-crawling one page never makes its own text look like chrome.
    """

    def __init__(self, min_pages: int = 4, max_line_chars: int = 160, max_lines_per_portal: int = 20_000) -> None:
        self.min_pages = min_pages
        self.max_line_chars = max_line_chars
        self.max_lines = max_lines_per_portal
        self._pages: dict[str, OrderedDict[str, set[str]]] = {}

    def observe(self, portal: str, url: str, lines: list[str]) -> None:
        table = self._pages.setdefault(portal, OrderedDict())
        url_key = _key(url)
        for line in lines:
            if len(line) > self.max_line_chars:
                continue
            key = _key(line)
            urls = table.pop(key, None) or set()
            if len(urls) < self.min_pages * 4:
                urls.add(url_key)
            table[key] = urls
        while len(table) > self.max_lines:
            table.popitem(last=False)

    def is_boilerplate(self, portal: str, line: str, folded: str | None = None) -> bool:
        """`folded` is fold(line) when the caller has it already."""
        if len(line) > self.max_line_chars:
            return False
        urls = self._pages.get(portal, {}).get(_key(line, folded))
        return bool(urls) and len(urls) >= self.min_pages

    def sync(self, force: bool = False) -> bool:
        """Nothing to share: this memory lives in the process."""
        return False
