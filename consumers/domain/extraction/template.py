"""Per-portal template learning: the lines a portal prints around its articles, learned from its own pages.

A page's *blocks* are the short lines (at most `max_line_chars`) of its pure body assembly, each keyed by an
8-byte hash of its folded text. A portal's template is the set of block keys found on at least `min_pages`
different URLs among its last `window_pages` distinct pages (a re-crawl replaces its URL's entry, so one page
fetched many times is one page). When each of the last `redesign_pages` pages holds less than `redesign_match`
of the template the earlier pages agree on, the portal was redesigned: that template version is retired, the
window keeps only the new pages, and the next version is learned from them.

Pure: the state lives behind `TemplateStore` (consumers/adapters/templates.py keeps it in the database, so
every replica and a restarted process decide alike; `InMemoryTemplateStore` keeps it in the process). What is
learned changes the published text only, never the fingerprint (consumers/domain/extraction/core.py assembles
the body once without it).
"""

from __future__ import annotations

import hashlib
import logging
import re
import time
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from consumers.domain.text import fold

log = logging.getLogger(__name__)

KEY_BYTES = 8


# A number in folded text (fold turns "1.204" into "1 204" and a tone mark into a digit after its letters: those
# stay, they tell words apart).
_DIGITS = re.compile(r"(?<![^\W\d_])\d+(?:[ .,:/]\d+)*")
_WORD = re.compile(r"[^\W\d_]+")
# A line of at most this many words is read with its numbers masked: counters and visit dates are short.
MASKED_MAX_WORDS = 6
# The weekday of a visit date changes with the day as its numbers do: "Hôm nay: 19/12/2024 (Thứ Năm)".
_WEEKDAY = re.compile(r"(?<!\S)(?:" + "|".join(
    re.escape(fold(day)) for day in ("thứ hai", "thứ ba", "thứ tư", "thứ năm", "thứ sáu", "thứ bảy", "chủ nhật",
                                     "thứ 2", "thứ 3", "thứ 4", "thứ 5", "thứ 6", "thứ 7",
                                     "t2", "t3", "t4", "t5", "t6", "t7", "cn")) + r")(?!\S)")
_ANY_WEEKDAY = fold("thứ") + " 0"


def block_key(folded: str) -> bytes:
    """The key of a line: its folded text; in a short line (a view counter, a visit date: "268 lượt xem", "344
    lượt xem", "1.204 lượt xem", "Hôm nay: 19/12/2024 (Thứ Năm)") every number reads as 0 and every weekday as
    one, so it is the same block on every page of its portal. Longer lines keep their numbers: two article
    sentences that differ only in figures are two blocks."""
    if len(_WORD.findall(folded)) <= MASKED_MAX_WORDS:
        folded = _DIGITS.sub("0", _WEEKDAY.sub(_ANY_WEEKDAY, folded))
    return hashlib.blake2b(folded.encode(), digest_size=KEY_BYTES).digest()


def url_key(url: str) -> str:
    return hashlib.blake2b(url.encode("utf-8", "surrogatepass"), digest_size=8).hexdigest()


def pack_keys(keys: Iterable[bytes]) -> bytes:
    """Keys as one compact blob: sorted, concatenated (8 bytes each)."""
    return b"".join(sorted(keys))


def unpack_keys(blob: bytes | None) -> frozenset[bytes]:
    blob = bytes(blob or b"")
    return frozenset(blob[i:i + KEY_BYTES] for i in range(0, len(blob) - KEY_BYTES + 1, KEY_BYTES))


@dataclass(frozen=True)
class PageBlocks:
    """One page's observation: its URL's key and its block keys."""
    url_key: str
    keys: frozenset[bytes]


@dataclass(frozen=True)
class Template:
    version: int
    keys: frozenset[bytes]
    pages_seen: int  # observations of the portal so far (re-crawls included)


@dataclass(frozen=True)
class Step:
    """What one learning step decides for a portal: its template, the window to keep, the version retired."""
    template: Template
    window: list[PageBlocks]
    retired: Template | None = None


def merge_window(window: Sequence[PageBlocks], new: Iterable[PageBlocks], size: int) -> list[PageBlocks]:
    """The window (oldest first) after `new` pages: a URL seen again moves to the end with its new blocks; the
    oldest pages beyond `size` leave."""
    out = {p.url_key: p for p in window}
    for page in new:
        out.pop(page.url_key, None)
        out[page.url_key] = page
    pages = list(out.values())
    return pages[-size:] if size > 0 else []


@dataclass(frozen=True)
class TemplatePolicy:
    min_pages: int = 4            # k: a block is template on at least this many different URLs of the window
    window_pages: int = 50        # n: the last distinct pages of a portal learning looks at
    redesign_pages: int = 6       # m: this many pages in a row without the template mean a redesign
    redesign_match: float = 0.25  # ... each holding less than this share of the template's blocks
    min_template_blocks: int = 3  # a template smaller than this is too small to judge a redesign by
    max_line_chars: int = 160     # longer lines are article text, never template
    max_blocks_per_page: int = 400

    def __post_init__(self) -> None:
        if self.min_pages < 2 or self.window_pages < self.min_pages:
            raise ValueError("need 2 <= min_pages <= window_pages")
        if not 1 <= self.redesign_pages <= self.window_pages or not 0 < self.redesign_match <= 1:
            raise ValueError("need 1 <= redesign_pages <= window_pages and 0 < redesign_match <= 1")

    def page_blocks(self, url: str, lines: Iterable[str]) -> PageBlocks:
        keys: set[bytes] = set()
        for line in lines:
            if line and len(line) <= self.max_line_chars:
                folded = fold(line)
                if folded:
                    keys.add(block_key(folded))
                    if len(keys) >= self.max_blocks_per_page:
                        break
        return PageBlocks(url_key(url), frozenset(keys))

    def learn(self, window: Sequence[PageBlocks]) -> frozenset[bytes]:
        """Block keys on at least `min_pages` different URLs of the window."""
        counts = Counter(key for page in window for key in page.keys)
        return frozenset(key for key, n in counts.items() if n >= self.min_pages)

    def redesigned(self, window: Sequence[PageBlocks]) -> int:
        """How many of the last pages are a new design (0: none): at least `redesign_pages` of them in a row,
        each lacking most of the template the pages before them agree on.

        Every split is tried, not only the last `redesign_pages`: one sync may bring more new-design pages than
        that, and then the pages just before the last few are new too, so a template learned from them holds the
        new blocks and the redesign would never show."""
        m = self.redesign_pages
        counts = Counter(key for page in window for key in page.keys)
        for s in range(1, len(window) - self.min_pages + 1):
            counts.subtract(window[-s].keys)  # counts now cover window[:-s]
            if s < m:
                continue
            before = frozenset(key for key, n in counts.items() if n >= self.min_pages)
            if len(before) < self.min_template_blocks:
                return 0
            limit = self.redesign_match * len(before)
            if all(len(page.keys & before) < limit for page in window[-s:]):
                return s
        return 0

    def step(self, current: Template | None, window: list[PageBlocks], pages_seen: int) -> Step:
        """The portal's template after its window changed (`window` already merged, oldest first)."""
        new_design = self.redesigned(window) if current is not None else 0
        if new_design:
            kept = window[-new_design:]
            return Step(Template(current.version + 1, self.learn(kept), pages_seen), kept, retired=current)
        version = current.version if current is not None else 1
        return Step(Template(version, self.learn(window), pages_seen), window)


@dataclass(frozen=True)
class Relearned:
    """A redesign noticed: `retired` gave way to `template` on `portal`."""
    portal: str
    retired: Template
    template: Template


class TemplateStore(Protocol):
    """Where templates and windows live. `apply` runs one learning step per portal with its new pages and
    returns the redesigns it noticed; `current` returns every portal's current template."""

    def apply(self, policy: TemplatePolicy, pages: dict[str, list[PageBlocks]]) -> list[Relearned]: ...

    def current(self) -> dict[str, Template]: ...


@dataclass
class InMemoryTemplateStore:
    """A process's own templates (a fake for tests, or when no database is wanted)."""
    windows: dict[str, list[PageBlocks]] = field(default_factory=dict)
    templates: dict[str, Template] = field(default_factory=dict)
    retired: dict[str, list[Template]] = field(default_factory=dict)

    def apply(self, policy: TemplatePolicy, pages: dict[str, list[PageBlocks]]) -> list[Relearned]:
        out = []
        for portal, new in pages.items():
            current = self.templates.get(portal)
            window = merge_window(self.windows.get(portal, []), new, policy.window_pages)
            step = policy.step(current, window, (current.pages_seen if current else 0) + len(new))
            self.windows[portal], self.templates[portal] = step.window, step.template
            if step.retired is not None:
                self.retired.setdefault(portal, []).append(step.retired)
                out.append(Relearned(portal, step.retired, step.template))
        return out

    def current(self) -> dict[str, Template]:
        return dict(self.templates)


class TemplateMemory:
    """What the extract stage asks (`is_boilerplate`) and tells (`observe`), over a TemplateStore.

    Decisions come from the store's templates only, as last read by `sync()`: pages observed since are pending
    and decide nothing until they are stored and read back, so two replicas that synced the same state decide
    alike, and a restarted process decides as the running ones do. `sync()` costs nothing until `refresh_s` has
    passed; a failing store is retried with backoff while the last templates read keep being used."""

    def __init__(self, store: TemplateStore, policy: TemplatePolicy | None = None, *, refresh_s: float = 10.0,
                 max_pending: int = 5_000, clock: Callable[[], float] = time.monotonic,
                 on_relearned: Callable[[Relearned], None] | None = None,
                 on_error: Callable[[Exception], None] | None = None) -> None:
        self.store = store
        self.policy = policy or TemplatePolicy()
        self.refresh_s = refresh_s
        self.max_pending = max_pending
        self.clock = clock
        self.on_relearned = on_relearned
        self.on_error = on_error
        self.templates: dict[str, Template] = {}
        self._keys: dict[str, frozenset[bytes]] = {}
        self._pending: dict[str, dict[str, PageBlocks]] = {}
        self._n_pending = 0
        self._next_sync = float("-inf")
        self._failures = 0

    # -- the hot path ------------------------------------------------------------------------------------------

    def is_boilerplate(self, portal: str, line: str, folded: str | None = None) -> bool:
        keys = self._keys.get(portal)
        if not keys or len(line) > self.policy.max_line_chars:
            return False
        return block_key(fold(line) if folded is None else folded) in keys

    def observe(self, portal: str, url: str, lines: list[str]) -> None:
        if self._n_pending >= self.max_pending:
            return  # the store has been unreachable for long: learning waits, extraction does not
        page = self.policy.page_blocks(url, lines)
        pending = self._pending.setdefault(portal, {})
        if page.url_key not in pending:
            self._n_pending += 1
        pending.pop(page.url_key, None)
        pending[page.url_key] = page

    # -- the bounded refresh -----------------------------------------------------------------------------------

    def sync(self, force: bool = False) -> bool:
        """Store the pages observed since the last sync and read every portal's template back, once `refresh_s`
        has passed (or `force`). True when it synced."""
        now = self.clock()
        if not force and now < self._next_sync:
            return False
        pending = {portal: list(pages.values()) for portal, pages in self._pending.items() if pages}
        try:
            relearned = self.store.apply(self.policy, pending) if pending else []
            templates = self.store.current()
        except Exception as exc:  # noqa: BLE001 - any store failure: keep deciding on what was read last
            self._failures += 1
            self._next_sync = now + min(300.0, max(self.refresh_s, 1.0) * 2 ** min(self._failures, 5))
            log.warning("portal templates: store unavailable (%s: %s); using the templates read last, retrying "
                        "in %.0fs", type(exc).__name__, " ".join(str(exc).split())[:200], self._next_sync - now)
            if self.on_error is not None:
                self.on_error(exc)
            return False
        self._pending, self._n_pending, self._failures = {}, 0, 0
        self.templates = templates
        self._keys = {portal: t.keys for portal, t in templates.items() if t.keys}
        self._next_sync = now + self.refresh_s
        for change in relearned:
            log.info("portal %s: template v%d retired (%d blocks; the last %d pages lacked most of them: a "
                     "redesign); learning v%d (%d blocks so far)", change.portal, change.retired.version,
                     len(change.retired.keys), self.policy.redesign_pages, change.template.version,
                     len(change.template.keys))
            if self.on_relearned is not None:
                self.on_relearned(change)
        return True
