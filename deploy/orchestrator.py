"""`newsingest up`: broker (embedded or configured), crawler child process, consumer threads, metrics."""

from __future__ import annotations

import json
import logging
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from consumers.adapters.metrics import ConsumerMetrics
from consumers.adapters.store import DatabaseTimeouts, Store
from deploy.broker import EmbeddedBroker
from deploy.topics import ensure_all
from deploy.wiring import STAGES, build_info, build_runner, stage_probes
from schemas.probes import Probes, serve
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
    verbose: bool = False  # Scrapy's settings and component dumps


@dataclass
class RunSummary:
    bootstrap_servers: str
    handled: dict[str, int] = field(default_factory=dict)
    crawl_exit_code: int | None = None
    elapsed_s: float = 0.0
    crawl: dict[str, int] = field(default_factory=dict)  # summed crawler stats of every crawl of the run
    processed: dict[str, dict[str, int]] = field(default_factory=dict)  # stage -> outcome -> count
    dead_letters: dict[str, dict[str, int]] = field(default_factory=dict)  # stage -> reason -> count
    reports_stored: dict[str, int] = field(default_factory=dict)  # dedup outcome -> count


def _counter(metrics: ConsumerMetrics, name: str, *labels: str) -> dict[tuple[str, ...], int]:
    """A counter's totals by the given labels, read from the registry (what /metrics would show)."""
    out: dict[tuple[str, ...], int] = defaultdict(int)
    for family in metrics.registry.collect():
        for sample in family.samples:
            if sample.name == name:
                out[tuple(sample.labels.get(label, "") for label in labels)] += int(sample.value)
    return dict(out)


def _nested(pairs: dict[tuple[str, ...], int]) -> dict[str, dict[str, int]]:
    out: dict[str, dict[str, int]] = defaultdict(dict)
    for (outer, inner), value in sorted(pairs.items()):
        if value:
            out[outer][inner] = value
    return dict(out)


def collect_counts(summary: RunSummary, metrics: ConsumerMetrics) -> None:
    summary.processed = _nested(_counter(metrics, "newsingest_messages_processed_total", "stage", "outcome"))
    summary.dead_letters = _nested(_counter(metrics, "newsingest_dead_letters_total", "stage", "reason"))
    stored: dict[str, int] = defaultdict(int)
    for (outcome,), value in _counter(metrics, "newsingest_reports_stored_total", "dedup_outcome").items():
        if value:
            stored[outcome] += value
    summary.reports_stored = dict(stored)


def _listing(counts: dict[str, int]) -> str:
    return ", ".join(f"{k} {v}" for k, v in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))


def format_summary(summary: RunSummary) -> list[str]:
    """A few readable lines: pages, articles, reports by outcome, dead letters by reason, elapsed time."""
    crawl = summary.crawl
    extract = summary.processed.get("extract", {})
    process = summary.processed.get("process", {})
    stored = sum(summary.reports_stored.values())
    lines = [f"done in {summary.elapsed_s:.1f}s"]
    if crawl:
        pages = (f"  pages         {crawl.get('fetched', 0)} fetched (listings and articles), "
                 f"{crawl.get('published', 0)} article pages published to Kafka")
        if crawl.get("failed"):
            pages += f", {crawl['failed']} failed to publish"
        lines.append(pages)
    articles = f"  articles      {sum(extract.values())} extracted"
    if extract.get("flagged"):
        articles += f" ({extract['flagged']} flagged as doubtful)"
    lines.append(articles)
    reports = f"  reports       {stored} meeting report(s) stored"
    if summary.reports_stored:
        reports += f" ({_listing(summary.reports_stored)})"
    others = {k: v for k, v in process.items() if k not in summary.reports_stored}
    if others:
        reports += f"; other articles: {_listing(others)}"
    lines.append(reports)
    total = sum(sum(v.values()) for v in summary.dead_letters.values())
    letters = f"  dead letters  {total}"
    if total:
        letters += ": " + "; ".join(f"{stage} {_listing(reasons)}" for stage, reasons in summary.dead_letters.items())
        letters += " (newsingest replay-dead-letters extract|process, once the cause is fixed)"
    lines.append(letters)
    return lines


def _crawl_command(bootstrap: str, settings: Settings, options: UpOptions, stats_file: str | None = None,
                   watch: bool = False) -> list[str]:
    cmd = [sys.executable, "-m", "crawlers.run", "--bootstrap-servers", bootstrap,
           "--metrics-port", str(settings.crawler_metrics_port)]
    if watch:
        cmd.append("--watch")
    if stats_file:
        cmd += ["--stats-file", stats_file]
    if options.verbose:
        cmd.append("--verbose")
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
        self._stats_file: str | None = None
        self._crawl_totals: dict[str, int] = defaultdict(int)

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
        self.broker = EmbeddedBroker(storage=self.settings.broker_storage_url).start()
        if "kafka_session_timeout_ms" not in self.settings.model_fields_set:
            # The embedded broker holds a group join for about half the session timeout.
            self.settings = self.settings.model_copy(
                update={"kafka_session_timeout_ms": 2000, "kafka_heartbeat_interval_ms": 500})
        return self.broker.bootstrap_servers

    def _start_crawl(self, bootstrap: str, watch: bool = False) -> subprocess.Popen:
        self._read_crawl_stats()
        if self._stats_file is None:
            handle, self._stats_file = tempfile.mkstemp(prefix="newsingest-crawl-", suffix=".json")
            os.close(handle)
            os.unlink(self._stats_file)
        cmd = _crawl_command(bootstrap, self.settings, self.options, self._stats_file, watch=watch)
        log.info("crawl: %s", " ".join(cmd))
        env = {**os.environ, **settings_env(self.settings), "NEWSINGEST_KAFKA_BOOTSTRAP_SERVERS": bootstrap}
        # Its own session: the orchestrator alone decides when the crawl gets its (single) SIGINT.
        return subprocess.Popen(cmd, env=env, stdin=subprocess.DEVNULL, start_new_session=True)

    def _read_crawl_stats(self) -> None:
        """Add the last crawl's stats (written by crawlers.run at its end) to the run's totals."""
        if not self._stats_file or not os.path.exists(self._stats_file):
            return
        try:
            with open(self._stats_file, encoding="utf-8") as fh:
                stats = json.load(fh)
            for key, value in stats.items():
                if isinstance(value, int):
                    self._crawl_totals[key] += value
        except (OSError, ValueError) as exc:
            log.warning("cannot read crawl stats %s: %s", self._stats_file, exc)
        finally:
            try:
                os.unlink(self._stats_file)
            except OSError:
                pass

    def _check_threads(self) -> None:
        dead = [name for name, thread in zip(self.runners, self.threads) if not thread.is_alive()]
        if dead and not self.stop_event.is_set():
            raise RuntimeError(f"stage thread(s) stopped unexpectedly: {', '.join(dead)}")

    def _drained(self) -> bool:
        return all(r.caught_up() for r in self.runners.values())

    def run(self) -> RunSummary:
        self._install_signals()
        server = None
        started = time.monotonic()
        try:
            bootstrap = self._bootstrap()
            ensure_all(self.settings, bootstrap)
            build_info(self.metrics, "up")
            store = Store(self.settings.database_url, DatabaseTimeouts.from_settings(self.settings))
            probes = Probes()
            for name in STAGES:
                runner = build_runner(name, self.settings, bootstrap, self.metrics, store=store)
                self.runners[name] = runner
                stage_probes(runner, probes=probes)
                thread = threading.Thread(target=runner.run, name=f"stage-{name}", daemon=True)
                thread.start()
                self.threads.append(thread)
            if self.settings.metrics_port:
                server, _ = serve(self.metrics.registry, probes, self.settings.metrics_port,
                                  self.settings.metrics_host)
            summary = RunSummary(bootstrap)
            if self.options.once:
                self._run_once(bootstrap, summary)
            else:
                self._run_forever(bootstrap, summary)
            summary.handled = {n: r.handled for n, r in self.runners.items()}
            self._read_crawl_stats()
            summary.crawl = dict(self._crawl_totals)
            collect_counts(summary, self.metrics)
            summary.elapsed_s = time.monotonic() - started
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
        """One long-running watch crawler; if it ever exits it is started again (its crawl state makes a
        restart cheap: nothing already fetched is fetched again)."""
        backoff = 1.0
        while not self.stop_event.is_set():
            self.crawl = self._start_crawl(bootstrap, watch=True)
            started = time.monotonic()
            while self.crawl.poll() is None and not self.stop_event.is_set():
                self._check_threads()
                self.stop_event.wait(1.0)
            summary.crawl_exit_code = self.crawl.poll()
            if self.stop_event.is_set():
                return
            log.error("the watch crawler exited with %s; restarting it in %.0fs", summary.crawl_exit_code, backoff)
            backoff = 1.0 if time.monotonic() - started > 300 else min(backoff * 2, 300.0)
            self.stop_event.wait(backoff)

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
