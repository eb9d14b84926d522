"""Deduplication decisions: pure functions of the new document and what the store already knows."""

from __future__ import annotations

import difflib
import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field

from consumers.domain.text import fold


class StoreConflict(Exception):
    """A concurrent writer stored the same document first; the caller decides again."""


class LockOrderConflict(Exception):
    """A lock needed late (after the unit of work began) could not be taken without risking a deadlock: the
    caller rolls back and starts again asking for `keys` up front."""

    def __init__(self, keys: Iterable[str]) -> None:
        self.keys = frozenset(keys)
        super().__init__(f"lock(s) needed late and busy: {sorted(self.keys)}")


def report_id_for(canonical_url: str) -> str:
    """Stable report id: every version of one canonical URL shares it."""
    return hashlib.sha256(canonical_url.encode("utf-8")).hexdigest()[:24]


@dataclass(frozen=True)
class KnownDocument:
    document_id: int
    report_id: str
    version: int
    canonical_url: str
    portal_id: str
    fingerprint: str
    paragraphs: tuple[str, ...] = ()
    duplicate_of: str | None = None
    # The stored meeting report of this version: None when it has none (not a meeting report), else whether the
    # broker acknowledged it (find_exact only; a replay republishes a report stored but never acknowledged).
    report_delivered: bool | None = None


@dataclass(frozen=True)
class DedupDecision:
    outcome: str  # new | duplicate | revision | near_duplicate
    report_id: str
    version: int
    duplicate_of: str | None = None
    similarity: float | None = None
    added_paragraphs: list[str] = field(default_factory=list)
    removed_paragraphs: list[str] = field(default_factory=list)


def paragraph_diff(old: tuple[str, ...] | list[str], new: list[str]) -> tuple[list[str], list[str]]:
    """Paragraphs added and removed between two versions, compared in folded form."""
    old_f = [fold(p) for p in old]
    new_f = [fold(p) for p in new]
    added, removed = [], []
    matcher = difflib.SequenceMatcher(a=old_f, b=new_f, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag in ("replace", "delete"):
            removed.extend(old[i1:i2])
        if tag in ("replace", "insert"):
            added.extend(new[j1:j2])
    return added, removed


def decide(
    *,
    canonical_url: str,
    portal_id: str,
    fingerprint: str,
    paragraphs: list[str],
    exact: KnownDocument | None,
    latest_same_url: KnownDocument | None,
    near: tuple[KnownDocument, float] | None,
) -> DedupDecision:
    """`exact`: a known document with this fingerprint at this URL or on this portal.
    `latest_same_url`: the newest version stored for this canonical URL.
    `near`: the closest document under another URL and its similarity, if above threshold."""
    if exact is not None:
        return DedupDecision("duplicate", exact.report_id, exact.version, similarity=1.0)
    if latest_same_url is not None:
        added, removed = paragraph_diff(latest_same_url.paragraphs, paragraphs)
        return DedupDecision(
            "revision", latest_same_url.report_id, latest_same_url.version + 1,
            added_paragraphs=added, removed_paragraphs=removed,
        )
    report_id = report_id_for(canonical_url)
    if near is not None:
        original, similarity = near
        # Link to the root of the copy cluster, so chains of copies of copies stay one star.
        root = original.duplicate_of or original.report_id
        return DedupDecision("near_duplicate", report_id, 1, duplicate_of=root,
                             similarity=round(similarity, 4))
    return DedupDecision("new", report_id, 1)
