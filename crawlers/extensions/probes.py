"""Liveness and readiness of a crawler process, for /healthz and /readyz (served by CrawlMetrics).

Live: the Twisted reactor turns (a looping call beats a heartbeat every few seconds; a reactor blocked by a
stuck call stops beating). Ready: the portal registry is loaded (the spider watches at least one portal), the
crawl state store answers (checked from a thread of its own, so a hung database never hangs the probe) and
a bootstrap server accepts connections and the last publish (if any since) did not fail on the broker.
"""

from __future__ import annotations

import logging
import socket
import threading
import time

from twisted.internet import task

from schemas.probes import Heartbeat, Probes

log = logging.getLogger(__name__)
BEAT_S = 5.0
STALE_S = 60.0
STATE_CHECK_S = 10.0


def tcp_reachable(bootstrap: str, timeout_s: float) -> bool:
    """Does any bootstrap server accept a TCP connection?"""
    for server in bootstrap.split(","):
        host, _, port = server.strip().rpartition(":")
        try:
            with socket.create_connection((host.strip("[]"), int(port)), timeout=timeout_s):
                return True
        except (OSError, ValueError):
            continue
    return False


class CrawlerProbes:
    def __init__(self, crawler, stale_s: float = STALE_S) -> None:
        self.crawler = crawler
        self.probes = Probes()
        self.heartbeat = Heartbeat(stale_s)
        self.spider = None
        self._loop: task.LoopingCall | None = None
        self._state_ok: bool | None = None
        self._state_detail = "not checked yet"
        self._state_checked_at = 0.0
        self._broker_reachable: bool | None = None
        self._stop = threading.Event()
        self.probes.live("reactor", self.heartbeat.check)
        self.probes.ready("registry", self._registry)
        self.probes.ready("broker", self._broker)
        self.probes.ready("state_store", self._state_store)

    # -- lifecycle (CrawlMetrics connects these to the crawler's signals) ----------------------------
    def opened(self, spider) -> None:
        self.spider = spider
        self._loop = task.LoopingCall(self.heartbeat.beat)
        self._loop.start(BEAT_S, now=True)
        threading.Thread(target=self._check_state_forever, name="probe-state-store", daemon=True).start()

    def closed(self, spider=None) -> None:
        self._stop.set()
        self.heartbeat.stopped = True
        if self._loop is not None and self._loop.running:
            self._loop.stop()

    # -- checks (run in the HTTP thread: they only read) ---------------------------------------------
    def _registry(self) -> tuple[bool, str]:
        portals = getattr(self.spider, "portals", None)
        if self.spider is None:
            return False, "spider not open yet"
        count = len(portals) if portals is not None else (1 if getattr(self.spider, "portal", None) else 0)
        return count > 0, f"{count} portal(s) loaded"

    def _broker(self) -> tuple[bool, str]:
        publisher = getattr(self.crawler, "newsingest_publisher", None)
        if publisher is None:
            return False, "publishing pipeline not open"
        if publisher.broker_failure:
            return False, f"last publish failed: {publisher.broker_failure[:200]}"
        # An idle producer closes its connections, so reachability is checked from the probe thread.
        if self._broker_reachable is None:
            return False, "not checked yet"
        return self._broker_reachable, "reachable" if self._broker_reachable else "no bootstrap server answers"

    def _state_store(self) -> tuple[bool, str]:
        state = getattr(self.spider, "state", None) if self.spider is not None else None
        if state is None:
            return True, "no crawl state store (one-shot crawl)"
        age = time.monotonic() - self._state_checked_at
        if self._state_ok is not None and age > 3 * STATE_CHECK_S + 30:
            return False, f"last check finished {age:.0f}s ago (a ping is hanging)"
        return bool(self._state_ok), self._state_detail

    def _check_state_forever(self) -> None:
        servers = self.crawler.settings.get("NEWSINGEST_KAFKA_BOOTSTRAP_SERVERS") or ""
        while not self._stop.is_set():
            self._broker_reachable = bool(servers) and tcp_reachable(servers, 3.0)
            state = getattr(self.spider, "state", None)
            if state is not None:
                try:
                    state.ping()
                    self._state_ok, self._state_detail = True, "answered"
                except Exception as exc:  # noqa: BLE001 - any failure means: not reachable
                    first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
                    if self._state_ok is not False:
                        log.error("crawl state store unreachable: %s", first)
                    self._state_ok, self._state_detail = False, f"unreachable: {first[:200]}"
                self._state_checked_at = time.monotonic()
            self._stop.wait(STATE_CHECK_S)
