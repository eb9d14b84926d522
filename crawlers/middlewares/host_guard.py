"""Only registry hosts and `allow` prefixes are fetched (issue 11, safety).

`HostGuardMiddleware` (downloader middleware, before RobotsTxtMiddleware so not even a robots.txt is asked of a
foreign host) checks every request, redirects included, against the `allow` prefixes of its portal
(`spider.portal`, or `spider.portals[request.meta["portal_id"]]` in the watch; every portal of the spider when
the request names none). A host's /robots.txt is allowed when the host serves an allowed prefix.

* A redirect (HTTP 3xx or meta refresh: the request carries `redirect_urls`) that leaves the prefixes is refused
  and counted: `newsingest_pages_dropped_total{reason="offsite_redirect"}`, `newsingest/dropped/offsite_redirect`.
* Any other request outside them is the crawl's policy, like Scrapy's OffsiteMiddleware: refused, not counted
  as a drop (`offsite/filtered`).
* The address guard: an IP-literal host outside NEWSINGEST_ALLOWED_PRIVATE_NETWORKS that is private, loopback,
  link-local, multicast or reserved is refused here; a host name is checked by `GuardedResolver` when it is
  resolved for the connection, and its `BlockedAddressError` is counted here. Both count `private_address`.

Refusals raise IgnoreRequest with Scrapy's offsite message, so `record_drop` in the request's errback sees
policy and the drop is counted once (here).
"""

from __future__ import annotations

import logging
from urllib.parse import urlsplit

from scrapy.exceptions import IgnoreRequest, NotConfigured

from crawlers.middlewares import drops
from crawlers.middlewares.guarded_resolver import (BLOCKED_HOSTS, BlockedAddressError, address_blocked,
                                                  guard_networks, is_ip_literal)

try:  # Scrapy 2.14+ wraps Twisted's DNS error in its own
    from scrapy.exceptions import CannotResolveHostError
except ImportError:  # pragma: no cover - depends on the Scrapy version
    from twisted.internet.error import DNSLookupError as CannotResolveHostError

log = logging.getLogger(__name__)


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower()


class HostGuardMiddleware:
    def __init__(self, crawler, allowed_networks: tuple | None) -> None:
        self.crawler = crawler
        self.allowed_networks = allowed_networks  # None: address guard off

    @classmethod
    def from_crawler(cls, crawler):
        if not crawler.settings.getbool("NEWSINGEST_HOST_GUARD", True):
            raise NotConfigured
        return cls(crawler, guard_networks(crawler.settings))

    # -- which prefixes ------------------------------------------------------------------------------------
    def _portals(self, request) -> list:
        spider = self.crawler.spider
        portal = getattr(spider, "portal", None)
        if portal is not None and hasattr(portal, "allow"):
            return [portal]
        portals = getattr(spider, "portals", None)
        if isinstance(portals, dict):
            own = portals.get(request.meta.get("portal_id"))
            return [own] if own is not None else list(portals.values())
        if isinstance(portals, (list, tuple)):
            return list(portals)
        return []

    def allowed(self, request) -> bool | None:
        """True/False, or None when the spider names no portal (the guard then has no opinion)."""
        portals = self._portals(request)
        if not portals:
            return None
        prefixes = [prefix for p in portals for prefix in p.allow]
        url = request.url
        if any(url.startswith(prefix) for prefix in prefixes):
            return True
        parts = urlsplit(url)
        if parts.path == "/robots.txt" and not parts.query:
            return _origin(url) in {_origin(prefix) for prefix in prefixes}
        return False

    # -- the middleware --------------------------------------------------------------------------------
    def process_request(self, request, spider=None):
        verdict = self.allowed(request)
        if verdict is False:
            redirects = request.meta.get("redirect_urls")
            if redirects:
                self._refuse(request, "offsite_redirect", f"redirected from {redirects[0]} outside the portal's "
                             f"allow prefixes to {request.url}")
            self.crawler.stats.inc_value("offsite/filtered")
            raise IgnoreRequest(f"Filtered offsite request to {urlsplit(request.url).hostname!r}")
        if self.allowed_networks is None:
            return None
        host = urlsplit(request.url).hostname or ""
        if is_ip_literal(host) and address_blocked(host, self.allowed_networks):
            self._refuse(request, "private_address", str(BlockedAddressError(host, host)))
        if host in BLOCKED_HOSTS:  # refused by the resolver before: refused again without a lookup
            self._refuse(request, "private_address", str(BlockedAddressError(host, BLOCKED_HOSTS[host])))
        return None

    def process_exception(self, request, exception, spider=None):
        host = urlsplit(request.url).hostname or ""
        if isinstance(exception, (BlockedAddressError, CannotResolveHostError)) and host in BLOCKED_HOSTS:
            self._refuse(request, "private_address", str(BlockedAddressError(host, BLOCKED_HOSTS[host])))
        return None

    def _refuse(self, request, reason: str, detail: str):
        portal = self._portals(request)
        portal_id = request.meta.get("portal_id") or (portal[0].id if len(portal) == 1 else None)
        drops._count(self.crawler, reason, request.url, portal_id, detail)
        # Scrapy's offsite wording: the errback's record_drop treats it as policy, so it is counted once.
        raise IgnoreRequest(f"Filtered offsite request ({reason}, counted): {request.url}")
