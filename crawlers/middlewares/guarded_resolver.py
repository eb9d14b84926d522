"""The address guard at connection time: a DNS resolver that refuses private, loopback, link-local, multicast
and reserved addresses (issue 11, safety).

Scrapy resolves every host name through the reactor's resolver (`TWISTED_DNS_RESOLVER`) right before it
connects, so checking the resolved address here checks the address actually connected to: a portal host whose
DNS later points at 10.0.0.5 or 169.254.169.254 (rebinding, a hijacked record, a redirect to an internal name)
is refused before a single byte is sent. IP literals never reach a resolver; `HostGuardMiddleware` checks them
with the same `address_blocked`. The refusal is a `BlockedAddressError`, a DNSLookupError (so Twisted treats it
as a failed lookup, quietly); Scrapy then reports "no results for hostname lookup", so the refused host is also
noted in `BLOCKED_HOSTS`, from which `HostGuardMiddleware` counts the drop as `private_address` (not `dns`) and
refuses further requests to that host before they reach the resolver.

Which networks pass (`NEWSINGEST_ALLOWED_PRIVATE_NETWORKS`, set by `crawlers/settings.py`): unset, loopback
only in development and nothing in production.
"""

from __future__ import annotations

import ipaddress
import logging

from scrapy.resolver import CachingThreadedResolver
from twisted.internet.error import DNSLookupError

log = logging.getLogger(__name__)

DEVELOPMENT_NETWORKS = ("127.0.0.0/8", "::1/128")
# Host name -> the refused address it resolved to, as of its last lookup (one process, one reactor resolver).
BLOCKED_HOSTS: dict[str, str] = {}


class BlockedAddressError(DNSLookupError):
    """A host resolved to (or is) an address the guard refuses."""

    def __init__(self, host: str, address: str) -> None:
        what = f"address {host} is" if host == address else f"{host} resolves to {address},"
        super().__init__(f"refused: {what} a private, loopback, link-local, multicast or reserved address "
                         f"(NEWSINGEST_ALLOWED_PRIVATE_NETWORKS)")
        self.host = host
        self.address = address


def parse_networks(value: str | list | tuple | None) -> tuple:
    if value is None:
        return ()
    parts = value.split(",") if isinstance(value, str) else value
    return tuple(ipaddress.ip_network(p.strip(), strict=False) for p in parts if p and str(p).strip())


def guard_networks(settings) -> tuple | None:
    """The networks the guard lets through, or None when the guard is off (NEWSINGEST_ADDRESS_GUARD false)."""
    if not settings.getbool("NEWSINGEST_ADDRESS_GUARD", True):
        return None
    return parse_networks(settings.get("NEWSINGEST_ALLOWED_PRIVATE_NETWORKS"))


def is_ip_literal(host: str) -> bool:
    try:
        ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    return True


def address_blocked(address: str, allowed: tuple = ()) -> bool:
    """True for an address that is not globally routable (private, loopback, link-local, shared, reserved,
    unspecified) or multicast, unless it lies in one of the `allowed` networks."""
    ip = ipaddress.ip_address(address.strip("[]"))
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    if any(ip.version == net.version and ip in net for net in allowed):
        return False
    return (not ip.is_global or ip.is_multicast or ip.is_private or ip.is_loopback or ip.is_link_local
            or ip.is_reserved or ip.is_unspecified)


class GuardedResolver(CachingThreadedResolver):
    """Scrapy's caching resolver, with every answer (cached or fresh) checked against the guard."""

    def __init__(self, reactor, cache_size: int, timeout: float, allowed: tuple | None) -> None:
        super().__init__(reactor, cache_size, timeout)
        self.allowed = allowed

    @classmethod
    def from_crawler(cls, crawler, reactor):
        settings = crawler.settings
        cache_size = settings.getint("DNSCACHE_SIZE") if settings.getbool("DNSCACHE_ENABLED") else 0
        return cls(reactor, cache_size, settings.getfloat("DNS_TIMEOUT"), guard_networks(settings))

    def getHostByName(self, name: str, timeout=()):  # noqa: N802 - Twisted's name
        d = super().getHostByName(name, timeout)
        if self.allowed is not None:
            d.addCallback(self._check, name)
        return d

    def _check(self, address: str, name: str) -> str:
        if address_blocked(address, self.allowed):
            log.warning("address guard: %s resolves to %s: refused", name, address)
            BLOCKED_HOSTS[name] = address
            raise BlockedAddressError(name, address)
        BLOCKED_HOSTS.pop(name, None)
        return address
