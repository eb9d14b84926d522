"""Scale-out of the watch crawler on Redis (NEWSINGEST_REDIS_URL set): several crawler processes share

- the article request queue: `scheduler.SharedScheduler`, a thin subclass of scrapy-redis's scheduler whose queue
  is one Redis sorted set per deployment (key prefix from NEWSINGEST_REDIS_PREFIX, by default
  `<consumer_group_prefix>:crawler`); listing, feed and sitemap requests, and retries, stay in the process that
  polls the portal;
- the seen set: one claim per article URL (`claims`), taken by the poll that decides to fetch the page and given
  back once the crawl state records it (or the fetch failed), so a page is asked for by one process at a time, and
  a page fetched again later (re-check windows, a corrected sitemap date) is not refused by a permanent seen set;
- the schedule: a lease per portal (only the holder polls it; the due time stays in the shared crawl state).

Nothing is lost when a process dies: the requests it had taken from the queue are listed under its name, its
liveness key expires after NEWSINGEST_REDIS_LEASE_S, and any other process then puts them back in the queue;
its portal leases expire after the same time.

Redis is an adapter: the poll policy (`crawlers.watch.policy`) stays pure and decides what to fetch; these
modules only make sure one process acts on each decision.
"""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit


class RedisUnavailable(RuntimeError):
    """Redis cannot be reached (or refuses us) at the configured NEWSINGEST_REDIS_URL: one line, for the CLI."""


def redact_url(url: str) -> str:
    """The URL without its password (`redis://user:***@host:6379/0`), for logs and error messages."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    user = parts.username or ""
    host = parts.hostname or ""
    if ":" in host:  # IPv6 literal
        host = f"[{host}]"
    netloc = f"{user}:***@{host}" + (f":{parts.port}" if parts.port else "")
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))
