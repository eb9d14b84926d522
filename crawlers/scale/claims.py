"""Claims on article pages: which process asks for a page now. The watch spider claims a page before it asks for
it and releases the claim once the crawl state records the page (published, 304, unchanged) or the fetch failed,
so a poll starting meanwhile does not take the page for new.

`LocalClaims` is the one-process default: the set of pages asked for and not yet on Kafka. The Redis version
(`crawlers.scale.redis_share.SharedClaims`) has the same three methods and `shared = True`, which tells the
spider to check the crawl state again after claiming (another process may have recorded the page between the
spider's read and its claim) and that its article requests may be answered by another process.
"""

from __future__ import annotations

from collections.abc import Iterable


class LocalClaims:
    shared = False

    def __init__(self) -> None:
        self.held: set[str] = set()

    def claim(self, urls: Iterable[str]) -> list[str]:
        """The URLs not already claimed, now claimed (in the order given)."""
        won = []
        for url in urls:
            if url not in self.held:
                self.held.add(url)
                won.append(url)
        return won

    def release(self, url: str) -> None:
        self.held.discard(url)

    def __contains__(self, url: str) -> bool:
        return url in self.held

    def __len__(self) -> int:
        return len(self.held)
