"""Liveness and readiness of a crawler process, for /healthz and /readyz (served by CrawlMetrics).

Live: the Twisted reactor turns (a looping call beats a heartbeat every few seconds; a reactor blocked by a
stuck call stops beating). Ready: the portal registry is loaded (the spider watches at least one portal), the
crawl state store answers (checked from a thread of its own, so a hung database never hangs the probe) and
the publishing pipeline's producer is connected to a broker.
"""

from __future__ import annotations

import logging
import threading
import time

from twisted.internet import task

from schemas.probes import Heartbeat, Probes

log = logging.getLogger(__name__)
BEAT_S = 5.0
STALE_S = 60.0
STATE_CHECK_S = 10.0


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
        producer = getattr(self.crawler, "newsingest_producer", None)
        if producer is None:
            return False, "publishing pipeline not open"
        connected = producer.bootstrap_connected()
        return connected, "producer connected" if connected else "producer has no broker connection"

    def _state_store(self) -> tuple[bool, str]:
        state = getattr(self.spider, "state", None) if self.spider is not None else None
        if state is None:
            return True, "no crawl state store (one-shot crawl)"
        age = time.monotonic() - self._state_checked_at
        if self._state_ok is not None and age > 3 * STATE_CHECK_S + 30:
            return False, f"last check finished {age:.0f}s ago (a ping is hanging)"
        return bool(self._state_ok), self._state_detail

    def _check_state_forever(self) -> None:
        while not self._stop.is_set():
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
