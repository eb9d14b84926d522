"""`newsingest up`: broker (embedded or configured), crawler child process, consumer threads, metrics."""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from consumers.adapters.kafka import ensure_topics
from consumers.adapters.metrics import ConsumerMetrics, serve
from consumers.adapters.store import Store
from deploy.broker import EmbeddedBroker
from deploy.wiring import STAGES, build_runner
from schemas.settings import Settings, settings_env

log = logging.getLogger(__name__)


@dataclass
class UpOptions:
    once: bool = False
    portals_file: Path | None = None
    base_url: str | None = None
    drain_timeout_s: float = 300.0
    crawl_download_delay_s: float | None = None
    obey_robots: bool = True


@dataclass
class RunSummary:
    bootstrap_servers: str
    handled: dict[str, int] = field(default_factory=dict)
    crawl_exit_code: int | None = None


def _crawl_command(bootstrap: str, settings: Settings, options: UpOptions) -> list[str]:
    cmd = [sys.executable, "-m", "crawlers.run", "--bootstrap-servers", bootstrap,
           "--metrics-port", str(settings.crawler_metrics_port)]
    portals = options.portals_file or settings.portals_file
    if portals:
        cmd += ["--portals", str(portals)]
    if options.base_url:
        cmd += ["--base-url", options.base_url]
    if options.crawl_download_delay_s is not None:
        cmd += ["--download-delay", str(options.crawl_download_delay_s)]
    if not options.obey_robots:
        cmd.append("--no-robots")
    return cmd


class Orchestrator:
    def __init__(self, settings: Settings, metrics: ConsumerMetrics, options: UpOptions) -> None:
        self.settings = settings
        self.metrics = metrics
        self.options = options
        self.stop_event = threading.Event()
        self.broker: EmbeddedBroker | None = None
        self.runners = {}
        self.threads: list[threading.Thread] = []
        self.crawl: subprocess.Popen | None = None

    def _install_signals(self) -> None:
        if threading.current_thread() is not threading.main_thread():
            return

        def handler(signum, _frame):
            log.info("signal %s: draining and stopping", signum)
            self.stop_event.set()

        signal.signal(signal.SIGINT, handler)
        signal.signal(signal.SIGTERM, handler)

    def _bootstrap(self) -> str:
        if self.settings.kafka_bootstrap_servers:
            return self.settings.kafka_bootstrap_servers
        self.broker = EmbeddedBroker().start()
        if "kafka_session_timeout_ms" not in self.settings.model_fields_set:
            # The embedded broker holds a group join for about half the session timeout.
            self.settings = self.settings.model_copy(
                update={"kafka_session_timeout_ms": 2000, "kafka_heartbeat_interval_ms": 500})
        return self.broker.bootstrap_servers

    def _start_crawl(self, bootstrap: str) -> subprocess.Popen:
        cmd = _crawl_command(bootstrap, self.settings, self.options)
        log.info("crawl: %s", " ".join(cmd))
        env = {**os.environ, **settings_env(self.settings), "NEWSINGEST_KAFKA_BOOTSTRAP_SERVERS": bootstrap}
        # Its own session: the orchestrator alone decides when the crawl gets its (single) SIGINT.
        return subprocess.Popen(cmd, env=env, stdin=subprocess.DEVNULL, start_new_session=True)

    def _check_threads(self) -> None:
        dead = [name for name, thread in zip(self.runners, self.threads) if not thread.is_alive()]
        if dead and not self.stop_event.is_set():
            raise RuntimeError(f"stage thread(s) stopped unexpectedly: {', '.join(dead)}")

    def _drained(self) -> bool:
        return all(r.caught_up() for r in self.runners.values())

    def run(self) -> RunSummary:
        self._install_signals()
        server = None
        try:
            bootstrap = self._bootstrap()
            ensure_topics(bootstrap, self.settings.topics().all(), partitions=self.settings.topic_partitions,
                          replication_factor=self.settings.topic_replication_factor)
            if self.settings.metrics_port:
                server, _ = serve(self.metrics.registry, self.settings.metrics_port, self.settings.metrics_host)
            store = Store(self.settings.database_url)
            for name in STAGES:
                runner = build_runner(name, self.settings, bootstrap, self.metrics, store=store)
                self.runners[name] = runner
                thread = threading.Thread(target=runner.run, name=f"stage-{name}", daemon=True)
                thread.start()
                self.threads.append(thread)
            summary = RunSummary(bootstrap)
            if self.options.once:
                self._run_once(bootstrap, summary)
            else:
                self._run_forever(bootstrap, summary)
            summary.handled = {n: r.handled for n, r in self.runners.items()}
            return summary
        finally:
            self._shutdown(server)

    def _run_once(self, bootstrap: str, summary: RunSummary) -> None:
        self.crawl = self._start_crawl(bootstrap)
        while self.crawl.poll() is None and not self.stop_event.is_set():
            self._check_threads()
            self.stop_event.wait(0.2)
        summary.crawl_exit_code = self.crawl.poll()
        deadline = time.monotonic() + self.options.drain_timeout_s
        stable = 0
        last = -1
        # Drained = every stage at its high watermark, with no message handled between three checks.
        while not self.stop_event.is_set() and time.monotonic() < deadline:
            self._check_threads()
            handled = sum(r.handled for r in self.runners.values())
            if self._drained() and handled == last:
                stable += 1
                if stable >= 3:
                    return
            else:
                stable = 0
            last = handled
            self.stop_event.wait(0.5)
        if not self.stop_event.is_set():
            raise TimeoutError(f"topics not drained after {self.options.drain_timeout_s:.0f}s")

    def _run_forever(self, bootstrap: str, summary: RunSummary) -> None:
        while not self.stop_event.is_set():
            self.crawl = self._start_crawl(bootstrap)
            while self.crawl.poll() is None and not self.stop_event.is_set():
                self._check_threads()
                self.stop_event.wait(1.0)
            summary.crawl_exit_code = self.crawl.poll()
            deadline = time.monotonic() + self.settings.crawl_interval_s
            while not self.stop_event.is_set() and time.monotonic() < deadline:
                self._check_threads()
                self.stop_event.wait(1.0)

    def _shutdown(self, server) -> None:
        if self.crawl is not None and self.crawl.poll() is None:
            self.crawl.send_signal(signal.SIGINT)
            try:
                self.crawl.wait(30)
            except subprocess.TimeoutExpired:
                self.crawl.kill()
        for runner in self.runners.values():
            runner.stop()
        for thread in self.threads:
            thread.join(60)
        if server is not None:
            server.shutdown()
        if self.broker is not None:
            self.broker.stop()
