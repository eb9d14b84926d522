"""The HTTP endpoint of every long-running newsingest process: /metrics, /healthz (live) and /readyz (ready).

Shared by the crawler and the consumers (which may not import each other), like the settings. A check is a
function returning (ok, detail); it runs in the HTTP server's thread, so it must only read state the process
keeps up to date (a heartbeat, a connection count), never block on the broker or the database.

- /healthz answers 503 when a liveness check fails: the process is wedged and a restart helps.
- /readyz answers 503 when a readiness check fails: alive, but not doing its work (broker unreachable, no
  partitions assigned, database down); a restart would not help, traffic and alerts should wait.
Both answer a JSON object {"status": "ok"|"failing", "checks": {name: {"ok": bool, "detail": str}}}.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable
from wsgiref.simple_server import WSGIRequestHandler, make_server

from prometheus_client import CollectorRegistry, make_wsgi_app
from prometheus_client.exposition import ThreadingWSGIServer

Check = Callable[[], tuple[bool, str]]
log = logging.getLogger(__name__)


class Probes:
    """Named liveness and readiness checks of one process."""

    def __init__(self) -> None:
        self._live: dict[str, Check] = {}
        self._ready: dict[str, Check] = {}
        self._lock = threading.Lock()

    def live(self, name: str, check: Check) -> None:
        with self._lock:
            self._live[name] = check

    def ready(self, name: str, check: Check) -> None:
        with self._lock:
            self._ready[name] = check

    def evaluate(self, kind: str) -> tuple[bool, dict]:
        with self._lock:
            checks = dict(self._live if kind == "live" else {**self._live, **self._ready})
        results = {}
        for name, check in checks.items():
            try:
                ok, detail = check()
            except Exception as exc:  # noqa: BLE001 - a failing check is a failing probe, not a 500
                ok, detail = False, f"check raised {type(exc).__name__}: {exc}"
            results[name] = {"ok": bool(ok), "detail": str(detail)}
        # A process with no readiness check registered yet is starting: not ready.
        healthy = all(r["ok"] for r in results.values()) and (kind == "live" or bool(results))
        return healthy, results


class Heartbeat:
    """Beaten by a process's main loop; the liveness check fails when it stopped for longer than `stale_s`."""

    def __init__(self, stale_s: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.stale_s = stale_s
        self.clock = clock
        self.at = clock()
        self.stopped = False

    def beat(self) -> None:
        self.at = self.clock()

    def check(self) -> tuple[bool, str]:
        if self.stopped:
            return False, "main loop ended"
        age = self.clock() - self.at
        return age <= self.stale_s, f"last turn {age:.1f}s ago (limit {self.stale_s:.0f}s)"


class _Quiet(WSGIRequestHandler):
    def log_message(self, format, *args):  # noqa: A002 - stdlib signature; probes every few seconds are noise
        pass


def make_app(registry: CollectorRegistry, probes: Probes):
    metrics_app = make_wsgi_app(registry)

    def app(environ, start_response):
        path = environ.get("PATH_INFO", "")
        if path in ("/healthz", "/readyz"):
            healthy, checks = probes.evaluate("live" if path == "/healthz" else "ready")
            body = json.dumps({"status": "ok" if healthy else "failing", "checks": checks},
                              ensure_ascii=False).encode("utf-8")
            start_response("200 OK" if healthy else "503 Service Unavailable",
                           [("Content-Type", "application/json; charset=utf-8"), ("Content-Length", str(len(body))),
                            ("Cache-Control", "no-store")])
            return [body]
        return metrics_app(environ, start_response)

    return app


def serve(registry: CollectorRegistry, probes: Probes, port: int, host: str = "0.0.0.0"):
    """Serve /metrics, /healthz and /readyz on one port in a daemon thread; returns (server, thread)."""
    server = make_server(host, port, make_app(registry, probes), ThreadingWSGIServer, handler_class=_Quiet)
    thread = threading.Thread(target=server.serve_forever, name=f"http-{port}", daemon=True)
    thread.start()
    return server, thread
