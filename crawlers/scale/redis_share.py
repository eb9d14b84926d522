"""The Redis adapter of the scale-out: claims on article pages, the shared request queue with what each process
took from it, process liveness, and per-portal poll leases. Every multi-step change is one Lua script, so two
processes never interleave inside it.

Keys, under the deployment's prefix P (`<consumer_group_prefix>:crawler:` by default):

    P:queue           sorted set: `<claim>\\n<request JSON>`, score -priority (the shared article queue)
    P:claim:<claim>   `q|<owner>` while queued, `t|<owner>` once taken; expires after the claim TTL (a safety net)
    P:taken:<owner>   hash claim -> `<score>\\n<member>`: what the owner took and has not finished
    P:alive:<owner>   the owner's liveness, renewed every lease/3 s; expires after the lease
    P:owners          set of the owners that may hold taken requests
    P:poll:<portal>   the owner polling the portal now; expires after the lease unless renewed
    P:dupefilter      scrapy-redis's seen set of request fingerprints (requests that are not dont_filter)

A claim is the hash of the article URL. The process whose poll decides to fetch a page claims it (SET NX) and
queues the request; whoever pops it takes the claim; the claim is released when the crawl state records the page
or the fetch fails. When an owner's liveness key has expired, any process moves its taken requests back to the
queue (`requeue_dead`), so a killed process loses no page it had taken but not fetched.
"""

from __future__ import annotations

import hashlib
import logging
import os
import secrets
import socket
import weakref
from collections.abc import Iterable

import redis

from crawlers.scale import RedisUnavailable, redact_url

log = logging.getLogger(__name__)

# Pop the best request; take its claim unless another process has it in flight (then the entry is a duplicate).
_TAKE = """
local popped = redis.call('ZPOPMIN', KEYS[1])
if #popped == 0 then return false end
local member, score = popped[1], popped[2]
local nl = string.find(member, '\\n', 1, true)
if not nl then return {0, member} end
local claim = string.sub(member, 1, nl - 1)
local holder = redis.call('GET', ARGV[2] .. claim)
if holder and string.sub(holder, 1, 2) == 't|' and holder ~= 't|' .. ARGV[1] then
  return {0, member}
end
redis.call('SET', ARGV[2] .. claim, 't|' .. ARGV[1], 'PX', ARGV[3])
redis.call('HSET', KEYS[2], claim, score .. '\\n' .. member)
return {1, member}
"""

# Give a claim back (only our own), and forget it among what we took.
_RELEASE = """
local holder = redis.call('GET', KEYS[1])
if holder == 'q|' .. ARGV[1] or holder == 't|' .. ARGV[1] then redis.call('DEL', KEYS[1]) end
return redis.call('HDEL', KEYS[2], ARGV[2])
"""

# Put the taken requests of dead owners (or of ARGV[3], closing) back in the queue.
_REQUEUE = """
local P = ARGV[1]
local owners
if ARGV[3] ~= '' then owners = {ARGV[3]} else owners = redis.call('SMEMBERS', P .. 'owners') end
local moved = 0
for _, owner in ipairs(owners) do
  if ARGV[3] ~= '' or redis.call('EXISTS', P .. 'alive:' .. owner) == 0 then
    local taken = redis.call('HGETALL', P .. 'taken:' .. owner)
    for i = 1, #taken, 2 do
      local claim, value = taken[i], taken[i + 1]
      local nl = string.find(value, '\\n', 1, true)
      local holder = redis.call('GET', P .. 'claim:' .. claim)
      if nl and ((not holder) or holder == 't|' .. owner) then
        redis.call('SET', P .. 'claim:' .. claim, 'q|' .. owner, 'PX', ARGV[2])
        redis.call('ZADD', P .. 'queue', string.sub(value, 1, nl - 1), string.sub(value, nl + 1))
        moved = moved + 1
      end
    end
    redis.call('DEL', P .. 'taken:' .. owner)
    redis.call('SREM', P .. 'owners', owner)
  end
end
return moved
"""

_RENEW = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0
"""

_DROP = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""


def claim_of(url: str) -> str:
    return hashlib.blake2b(url.encode("utf-8"), digest_size=16).hexdigest()


def owner_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(3)}"


def connect(url: str, *, timeout_s: float = 10.0) -> redis.Redis:
    """A client for `url`, checked with PING; RedisUnavailable (one line) if Redis does not answer."""
    from scrapy_redis.connection import get_redis
    from scrapy_redis.defaults import REDIS_PARAMS

    params = {**REDIS_PARAMS, "socket_timeout": timeout_s, "socket_connect_timeout": min(timeout_s, 5.0)}
    try:
        client = get_redis(url=url, **params)
        client.ping()
    except (redis.RedisError, OSError, ValueError) as exc:
        raise RedisUnavailable(f"cannot reach Redis at {redact_url(url)} (NEWSINGEST_REDIS_URL): "
                               f"{str(exc).splitlines()[0] if str(exc) else type(exc).__name__}") from None
    return client


class SharedClaims:
    """The spider's view of the claims (see `crawlers.scale.claims.LocalClaims` for the contract)."""

    shared = True

    def __init__(self, share: RedisShare) -> None:
        self.share = share

    def claim(self, urls: Iterable[str]) -> list[str]:
        return self.share.claim(list(urls))

    def release(self, url: str) -> None:
        self.share.release(url)


class RedisShare:
    def __init__(self, client: redis.Redis, prefix: str, *, owner: str | None = None, lease_s: float = 30.0,
                 claim_ttl_s: float = 3600.0, url: str = "") -> None:
        if lease_s <= 0 or claim_ttl_s < lease_s:
            raise ValueError("need 0 < lease_s <= claim_ttl_s")
        self.client = client
        self.url = url
        self.prefix = prefix.rstrip(":") + ":"
        self.owner = owner or owner_name()
        self.lease_ms = int(lease_s * 1000)
        self.claim_ttl_ms = int(claim_ttl_s * 1000)
        self.taken: set[str] = set()  # claims this process took from the queue and has not released
        self.claims = SharedClaims(self)
        self._take = client.register_script(_TAKE)
        self._release = client.register_script(_RELEASE)
        self._requeue = client.register_script(_REQUEUE)
        self._renew = client.register_script(_RENEW)
        self._drop = client.register_script(_DROP)

    @property
    def lease_s(self) -> float:
        return self.lease_ms / 1000

    def key(self, name: str) -> str:
        return self.prefix + name

    # -- liveness ---------------------------------------------------------------------------------------
    def heartbeat(self) -> None:
        """This process is alive for another lease; it may hold taken requests."""
        pipe = self.client.pipeline(transaction=False)
        pipe.set(self.key(f"alive:{self.owner}"), b"1", px=self.lease_ms)
        pipe.sadd(self.key("owners"), self.owner)
        pipe.execute()

    def requeue_dead(self) -> int:
        """Requests taken by processes whose liveness expired, back in the queue; how many."""
        return int(self._requeue(keys=[], args=[self.prefix, self.claim_ttl_ms, ""]))

    def close(self) -> int:
        """Leaving: what this process took and did not finish goes back to the queue for the others."""
        moved = int(self._requeue(keys=[], args=[self.prefix, self.claim_ttl_ms, self.owner]))
        self.client.delete(self.key(f"alive:{self.owner}"))
        self.taken.clear()
        return moved

    # -- claims (the shared seen set) ---------------------------------------------------------------------
    def claim(self, urls: list[str]) -> list[str]:
        if not urls:
            return []
        pipe = self.client.pipeline(transaction=False)
        for url in urls:
            pipe.set(self.key(f"claim:{claim_of(url)}"), f"q|{self.owner}", nx=True, px=self.claim_ttl_ms)
        return [url for url, won in zip(urls, pipe.execute()) if won]

    def release(self, url: str) -> None:
        claim = claim_of(url)
        self.taken.discard(claim)
        self._release(keys=[self.key(f"claim:{claim}"), self.key(f"taken:{self.owner}")], args=[self.owner, claim])

    def holds(self, url: str) -> bool:
        """Whether this process took the page's request from the queue (its retries and redirects stay here)."""
        return claim_of(url) in self.taken

    def holder(self, url: str) -> str | None:
        value = self.client.get(self.key(f"claim:{claim_of(url)}"))
        return value.decode() if value is not None else None

    # -- the shared queue ----------------------------------------------------------------------------------
    def push(self, url: str, data: bytes, priority: int = 0) -> None:
        member = claim_of(url).encode() + b"\n" + data
        self.client.zadd(self.key("queue"), {member: -priority})

    def take(self) -> tuple[bool, str, bytes] | None:
        """Pop the best queued request: (True, claim, data) taken by this process, (False, claim, data) a duplicate
        of a page another live process is fetching (drop it), or None when the queue is empty."""
        result = self._take(keys=[self.key("queue"), self.key(f"taken:{self.owner}")],
                            args=[self.owner, self.key("claim:"), self.claim_ttl_ms])
        if not result:
            return None
        ok, member = int(result[0]), bytes(result[1])
        claim, _, data = member.partition(b"\n")
        if ok:
            self.taken.add(claim.decode())
        return bool(ok), claim.decode(), data

    def forget(self, claim: str) -> None:
        """Drop a taken request that cannot be read (it would otherwise go round the processes for ever)."""
        self.taken.discard(claim)
        self._release(keys=[self.key(f"claim:{claim}"), self.key(f"taken:{self.owner}")], args=[self.owner, claim])

    def queued(self) -> int:
        return int(self.client.zcard(self.key("queue")))

    # -- poll leases (the shared schedule) ---------------------------------------------------------------
    def acquire_polls(self, portal_ids: list[str]) -> list[str]:
        if not portal_ids:
            return []
        pipe = self.client.pipeline(transaction=False)
        for portal_id in portal_ids:
            pipe.set(self.key(f"poll:{portal_id}"), self.owner, nx=True, px=self.lease_ms)
        return [p for p, won in zip(portal_ids, pipe.execute()) if won]

    def renew_polls(self, portal_ids: Iterable[str]) -> list[str]:
        """Renew our leases; the portals whose lease we no longer hold (it expired meanwhile)."""
        ids = list(portal_ids)
        if not ids:
            return []
        pipe = self.client.pipeline(transaction=False)
        for portal_id in ids:
            self._renew(keys=[self.key(f"poll:{portal_id}")], args=[self.owner, self.lease_ms], client=pipe)
        return [p for p, ok in zip(ids, pipe.execute()) if not ok]

    def release_polls(self, portal_ids: Iterable[str]) -> None:
        ids = list(portal_ids)
        if not ids:
            return
        pipe = self.client.pipeline(transaction=False)
        for portal_id in ids:
            self._drop(keys=[self.key(f"poll:{portal_id}")], args=[self.owner], client=pipe)
        pipe.execute()

    def poll_holder(self, portal_id: str) -> str | None:
        value = self.client.get(self.key(f"poll:{portal_id}"))
        return value.decode() if value is not None else None


_SHARES: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def share_from_settings(settings) -> RedisShare:
    url = settings.get("NEWSINGEST_REDIS_URL")
    client = connect(url)
    prefix = settings.get("NEWSINGEST_REDIS_PREFIX") or "newsingest:crawler"
    return RedisShare(client, prefix, url=url, lease_s=settings.getfloat("NEWSINGEST_REDIS_LEASE_S", 30.0),
                      claim_ttl_s=settings.getfloat("NEWSINGEST_REDIS_CLAIM_TTL_S", 3600.0))


def work_share(crawler) -> RedisShare | None:
    """The crawler's one RedisShare (the scheduler and the watch loop use the same), or None without
    NEWSINGEST_REDIS_URL. RedisUnavailable if Redis does not answer."""
    if not crawler.settings.get("NEWSINGEST_REDIS_URL"):
        return None
    share = _SHARES.get(crawler)
    if share is None:
        share = _SHARES[crawler] = share_from_settings(crawler.settings)
        share.heartbeat()
        log.info("sharing the article queue, the seen set and the poll schedule with other crawler processes "
                 "through Redis at %s (keys %s*, this process %s)", redact_url(share.url), share.prefix, share.owner)
    return share
