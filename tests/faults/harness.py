"""The fault harness: the stages as separate OS processes on one embedded broker, faults injected from outside,
and an exact comparison of the final state with a single-process run of the same pages.

Pieces (all usable on their own):

* `Stack`       broker (embedded Tansu; memory or durable `s3://` storage), topics and consumer groups of its own,
                `newsingest consume extract|process` and `python -m crawlers.run` as child processes with their own
                metrics ports; kill -9 / restart / scrape / lag / peak RSS.
* `MotoS3`      moto's S3 server on 127.0.0.1 with a bucket, and the AWS_* variables Tansu reads.
* `expected_outcome(corpus, phases)` the same pages through ExtractStage and ProcessStage in one process.
* `outcome_from_store(url)` / `diff_outcomes(expected, actual)` / `topic_problems(...)`: what differs, by URL path.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import signal
import socket
import subprocess
import sys
import tempfile
import re
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer
from kafka.structs import TopicPartition

from deploy.broker import EmbeddedBroker, free_port
from schemas.settings import Settings, settings_env

log = logging.getLogger(__name__)
REPO = Path(__file__).resolve().parents[2]
SESSION_ENV = {"NEWSINGEST_KAFKA_SESSION_TIMEOUT_MS": "2000", "NEWSINGEST_KAFKA_HEARTBEAT_INTERVAL_MS": "500",
               # Every acknowledged output's partition and offset in the stage's log, for audit_unpublished().
               "NEWSINGEST_DEBUG_LOGGERS": "consumers.runner.acks"}


def _newsingest_cmd() -> list[str]:
    script = Path(sys.executable).parent / "newsingest"
    return [str(script)] if script.exists() else [sys.executable, "-m", "deploy.cli"]


def peak_rss_mb(pid: int) -> float | None:
    """VmHWM of a live process (psutil is not a dependency; /proc is enough on Linux)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def wait_port(host: str, port: int, timeout_s: float = 20.0) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            socket.create_connection((host, port), 0.3).close()
            return True
        except OSError:
            time.sleep(0.1)
    return False


# ---- moto S3 ------------------------------------------------------------------------------------------------
class MotoS3:
    """moto's S3 server on 127.0.0.1:free port with one bucket; `env` holds what Tansu reads for s3:// storage."""

    def __init__(self, bucket: str = "tansu", log_dir: Path | None = None) -> None:
        self.bucket = bucket
        self.port = free_port()
        self.log_dir = log_dir
        self.process: subprocess.Popen | None = None

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def env(self) -> dict[str, str]:
        return {"AWS_ENDPOINT": self.endpoint, "AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test",
                "AWS_DEFAULT_REGION": "us-east-1", "AWS_ALLOW_HTTP": "true"}

    @property
    def storage(self) -> str:
        return f"s3://{self.bucket}/"

    def start(self) -> MotoS3:
        import boto3

        out = open(self.log_dir / "moto.log", "wb") if self.log_dir else subprocess.DEVNULL
        self.process = subprocess.Popen([sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(self.port)],
                                        stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                        start_new_session=True)
        if not wait_port("127.0.0.1", self.port, 30):
            raise RuntimeError("moto server did not start")
        boto3.client("s3", endpoint_url=self.endpoint, region_name="us-east-1", aws_access_key_id="test",
                     aws_secret_access_key="test").create_bucket(Bucket=self.bucket)
        return self

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait(10)

    def __enter__(self) -> MotoS3:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


# ---- the stack of processes ---------------------------------------------------------------------------------
@dataclass
class Proc:
    name: str
    cmd: list[str]
    env: dict
    log_path: Path
    metrics_port: int
    popen: subprocess.Popen | None = None
    starts: int = 0
    kills: int = 0
    peak_rss_mb: float = 0.0
    killed_pids: set = field(default_factory=set)

    def alive(self) -> bool:
        return self.popen is not None and self.popen.poll() is None

    def sample_rss(self) -> None:
        if self.alive():
            rss = peak_rss_mb(self.popen.pid)
            if rss:
                self.peak_rss_mb = max(self.peak_rss_mb, rss)


class Stack:
    """One embedded broker, its own topics and groups, the stages as processes. Use as a context manager."""

    def __init__(self, workdir: Path, settings: Settings, *, broker: EmbeddedBroker, extra_env: dict | None = None) -> None:
        self.workdir = workdir
        self.settings = settings
        self.broker = broker
        self.extra_env = extra_env or {}
        self.procs: dict[str, Proc] = {}
        self.events: list[str] = []  # a timeline of injected faults, for the report
        self.t0 = time.monotonic()
        self.sigterm_s: dict[str, float | None] = {}

    # -- environment --------------------------------------------------------------------------------------
    @property
    def bootstrap(self) -> str:
        return self.broker.bootstrap_servers

    def child_env(self, **overrides: str) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSINGEST_")}
        env.update(settings_env(self.settings))
        env.update(SESSION_ENV)
        env["NEWSINGEST_KAFKA_BOOTSTRAP_SERVERS"] = self.bootstrap
        env["PYTHONPATH"] = str(REPO) + os.pathsep + env.get("PYTHONPATH", "")
        env.update(self.extra_env)
        env.update(overrides)
        return env

    def note(self, text: str) -> None:
        entry = f"{time.monotonic() - self.t0:7.1f}s {text}"
        self.events.append(entry)
        log.info("fault harness: %s", entry)

    # -- stage and crawler processes ------------------------------------------------------------------------
    def start_stage(self, name: str) -> Proc:
        proc = self.procs.get(name)
        if proc is None:
            port = free_port()
            proc = Proc(name, _newsingest_cmd() + ["consume", name], self.child_env(NEWSINGEST_METRICS_PORT=str(port),
                                                                                       NEWSINGEST_METRICS_HOST="127.0.0.1"),
                        self.workdir / f"{name}.log", port)
            self.procs[name] = proc
        self._spawn(proc)
        return proc

    def start_crawler(self, portals_file: Path) -> Proc:
        proc = self.procs.get("crawler")
        if proc is None:
            port = free_port()
            cmd = [sys.executable, "-m", "crawlers.run", "--portals", str(portals_file), "--bootstrap-servers",
                   self.bootstrap, "--metrics-port", str(port), "--download-delay", "0", "--no-robots"]
            proc = Proc("crawler", cmd, self.child_env(NEWSINGEST_CRAWLER_METRICS_PORT=str(port),
                                                       NEWSINGEST_METRICS_HOST="127.0.0.1"),
                        self.workdir / "crawler.log", port)
            self.procs["crawler"] = proc
        self._spawn(proc)
        return proc

    def _spawn(self, proc: Proc) -> None:
        out = open(proc.log_path, "ab")
        out.write(f"\n===== start #{proc.starts + 1} at {time.monotonic() - self.t0:.1f}s =====\n".encode())
        out.flush()
        proc.popen = subprocess.Popen(proc.cmd, env=proc.env, stdout=out, stderr=subprocess.STDOUT,
                                      stdin=subprocess.DEVNULL, cwd=str(REPO), start_new_session=True)
        out.close()
        proc.starts += 1

    def kill(self, name: str) -> bool:
        """kill -9; True if a live process was killed. Peak RSS is sampled just before."""
        proc = self.procs.get(name)
        if proc is None or not proc.alive():
            return False
        proc.sample_rss()
        proc.killed_pids.add(proc.popen.pid)
        os.kill(proc.popen.pid, signal.SIGKILL)
        proc.popen.wait(10)
        proc.kills += 1
        self.note(f"kill -9 {name} (pid {proc.popen.pid})")
        return True

    def wait_metrics_up(self, name: str, timeout_s: float = 60.0) -> bool:
        proc = self.procs[name]
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if not proc.alive():
                return False
            if self.scrape(name) is not None:
                return True
            time.sleep(0.2)
        return False

    def scrape(self, name: str) -> dict[tuple, float] | None:
        """Samples of a process's /metrics as {(metric, (label, value), ...): value}; None if unreachable."""
        from prometheus_client.parser import text_string_to_metric_families

        proc = self.procs.get(name)
        if proc is None:
            return None
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{proc.metrics_port}/metrics", timeout=3) as resp:
                text = resp.read().decode()
        except OSError:
            return None
        out = {}
        for family in text_string_to_metric_families(text):
            for sample in family.samples:
                out[(sample.name, *sorted(sample.labels.items()))] = sample.value
        return out

    def metric(self, name: str, metric: str, **labels: str) -> float:
        """Sum of a metric's samples on one process whose labels include `labels` (0 if absent/unreachable)."""
        samples = self.scrape(name) or {}
        total = 0.0
        for key, value in samples.items():
            if key[0] != metric:
                continue
            got = dict(key[1:])
            if all(got.get(k) == v for k, v in labels.items()):
                total += value
        return total

    def processed(self, stage: str) -> float:
        """Messages the stage process has handled since it (last) started, from its own metrics."""
        return self.metric(stage, "newsingest_messages_processed_total", stage=stage)

    def wait_processed(self, stage: str, above: float, timeout_s: float = 60.0) -> bool:
        """Until the stage has handled more than `above` messages: the moment to break something mid-stream."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.processed(stage) > above:
                return True
            time.sleep(0.05)
        return False

    def sample_rss(self) -> None:
        for proc in self.procs.values():
            proc.sample_rss()

    # -- Kafka ------------------------------------------------------------------------------------------------
    def producer(self, **kwargs) -> KafkaProducer:
        return KafkaProducer(bootstrap_servers=self.bootstrap, acks="all", linger_ms=5,
                             max_request_size=kwargs.pop("max_request_size", 64 * 1024 * 1024), **kwargs)

    def publish(self, topic: str, messages: list[tuple[bytes | None, bytes]]) -> None:
        producer = self.producer()
        try:
            for key, value in messages:
                producer.send(topic, key=key, value=value)
            producer.flush(60)
        finally:
            producer.close(10)

    def lag(self) -> dict[str, dict[int, tuple[int | None, int | None]]] | None:
        """{group: {partition: (committed, high watermark)}} for both stage groups; None if the broker is away."""
        topics = self.settings.topics()
        prefix = self.settings.consumer_group_prefix
        groups = {f"{prefix}.extract": topics.raw_pages, f"{prefix}.process": topics.articles}
        try:
            admin = KafkaAdminClient(bootstrap_servers=self.bootstrap, request_timeout_ms=5000,
                                     client_id="fault-harness-lag")
        except Exception:  # noqa: BLE001 - the broker may be the fault
            return None
        consumer = None
        try:
            consumer = KafkaConsumer(bootstrap_servers=self.bootstrap, group_id=None, enable_auto_commit=False,
                                     max_partition_fetch_bytes=1024, fetch_max_bytes=4096, request_timeout_ms=5000,
                                     client_id="fault-harness-hw")
            out = {}
            for group, topic in groups.items():
                committed = {tp.partition: om.offset for tp, om in
                             admin.list_group_offsets(group).get(group, {}).items() if tp.topic == topic} \
                    if hasattr(admin, "list_group_offsets") else {}
                parts = consumer.partitions_for_topic(topic) or set()
                tps = [TopicPartition(topic, p) for p in sorted(parts)]
                consumer.assign(tps)
                for tp in tps:
                    consumer.seek(tp, max(0, committed.get(tp.partition, 0) or 0))
                deadline = time.monotonic() + 5
                while time.monotonic() < deadline and any(consumer.highwater(tp) is None for tp in tps):
                    consumer.poll(timeout_ms=200, max_records=1)
                out[group] = {tp.partition: (committed.get(tp.partition), consumer.highwater(tp)) for tp in tps}
            return out
        except Exception as exc:  # noqa: BLE001
            log.info("lag check failed: %s", exc)
            return None
        finally:
            if consumer is not None:
                consumer.close()
            admin.close()

    def wait_mid_stream(self, stage: str = "extract", timeout_s: float = 60.0) -> dict | None:
        """Until `stage` has committed something and still has work: the moment to break something.
        Returns the lag seen then (None if that moment never came)."""
        deadline = time.monotonic() + timeout_s
        group = f"{self.settings.consumer_group_prefix}.{stage}"
        while time.monotonic() < deadline:
            lag = self.lag()
            if lag:
                parts = lag.get(group, {})
                committed = sum(max(0, c or 0) for c, _ in parts.values())
                remaining = sum((h or 0) - max(0, c or 0) for c, h in parts.values())
                if committed > 0 and remaining > 0:
                    return lag
            time.sleep(0.2)
        return None

    @staticmethod
    def total_lag(lag: dict | None) -> int | None:
        if lag is None:
            return None
        total = 0
        for parts in lag.values():
            for committed, high in parts.values():
                if high is None:
                    return None
                total += high - (committed if committed is not None and committed >= 0 else 0)
        return total

    def wait_drained(self, timeout_s: float, *, stable_checks: int = 2) -> tuple[bool, str]:
        """Both groups committed up to the high watermark, `stable_checks` times in a row. Returns
        (drained, details) where details names the lag per partition and which processes are alive."""
        deadline = time.monotonic() + timeout_s
        stable, lag = 0, None
        while time.monotonic() < deadline:
            self.sample_rss()
            lag = self.lag()
            total = self.total_lag(lag)
            if total == 0:
                stable += 1
                if stable >= stable_checks:
                    return True, ""
            else:
                stable = 0
            time.sleep(1.0)
        alive = {n: p.alive() for n, p in self.procs.items()}
        return False, f"lag per group/partition (committed, high watermark): {lag}; processes alive: {alive}"

    def log_tail(self, name: str, lines: int = 8, grep: tuple[str, ...] = ("ERROR", "WARNING", "Traceback", "Error")) -> str:
        proc = self.procs.get(name)
        if proc is None or not proc.log_path.exists():
            return ""
        text = proc.log_path.read_text(errors="replace").splitlines()
        hits = [t for t in text if any(g in t for g in grep)]
        return "\n".join(f"    {name}| {t[:300]}" for t in hits[-lines:])

    # -- lifecycle ----------------------------------------------------------------------------------------------
    def stop_all(self, grace_s: float = 10.0) -> None:
        """SIGTERM every process (timing how long each takes to exit, for the report), then SIGKILL."""
        self.sample_rss()
        for name, proc in self.procs.items():
            if not proc.alive():
                self.sigterm_s.setdefault(name, None)
                continue
            started = time.monotonic()
            proc.popen.send_signal(signal.SIGTERM)
            try:
                proc.popen.wait(grace_s)
                self.sigterm_s[name] = round(time.monotonic() - started, 1)
            except subprocess.TimeoutExpired:
                self.sigterm_s[name] = None  # did not honour SIGTERM within the grace period
                try:
                    os.killpg(proc.popen.pid, signal.SIGKILL)
                except OSError:
                    proc.popen.kill()
                proc.popen.wait(10)

    def __enter__(self) -> Stack:
        return self

    def __exit__(self, *exc) -> None:
        self.stop_all()

    def summary(self) -> dict:
        return {"peak_rss_mb": {n: round(p.peak_rss_mb, 1) for n, p in self.procs.items()},
                "starts": {n: p.starts for n, p in self.procs.items()},
                "kills": {n: p.kills for n, p in self.procs.items()},
                "sigterm_exit_s": self.sigterm_s, "timeline": self.events}


# ---- outcomes -----------------------------------------------------------------------------------------------
def _path(url: str) -> str:
    return urlsplit(url).path


@dataclass
class Outcome:
    documents: dict[str, dict[int, tuple[str, bool]]]  # path -> {version: (fingerprint, is_meeting)}
    reports: dict[str, dict[int, tuple[str, str]]]  # path -> {version: (fingerprint, meeting_type)}
    clusters: set  # frozensets of paths linked as near copies
    events: set  # frozensets of report paths sharing an event
    counts: dict
    undelivered: list
    report_ids: dict[str, str]  # report_id -> path
    texts: dict = field(default_factory=dict)  # path -> sorted short hashes of the stored (published) texts


def outcome_from_store(url: str) -> Outcome:
    from sqlalchemy import select

    import hashlib

    from consumers.adapters.store import Store
    from consumers.adapters.tables import articles, documents, meeting_reports

    store = Store(url)
    try:
        with store.engine.connect() as conn:
            docs = conn.execute(select(articles.c.canonical_url, documents.c.report_id, documents.c.version,
                                       documents.c.fingerprint, documents.c.is_meeting_report,
                                       documents.c.duplicate_of)
                                .select_from(documents.join(articles, articles.c.id == documents.c.id))).all()
            reps = conn.execute(select(meeting_reports.c.url, meeting_reports.c.report_id, meeting_reports.c.version,
                                       meeting_reports.c.fingerprint, meeting_reports.c.meeting_type,
                                       meeting_reports.c.event_id, meeting_reports.c.delivered)).all()
            arts = conn.execute(select(articles.c.canonical_url, articles.c.text)).all()
        counts = store.counts()
    finally:
        store.dispose()
    ids = {d.report_id: _path(d.canonical_url) for d in docs}
    out_docs: dict = {}
    clusters: dict = {}
    for d in docs:
        out_docs.setdefault(_path(d.canonical_url), {})[d.version] = (d.fingerprint, bool(d.is_meeting_report))
        if d.duplicate_of:
            root = ids.get(d.duplicate_of, d.duplicate_of)
            clusters.setdefault(root, {root}).add(_path(d.canonical_url))
    out_reps: dict = {}
    events: dict = {}
    undelivered = []
    for r in reps:
        path = ids.get(r.report_id, _path(r.url))
        out_reps.setdefault(path, {})[r.version] = (r.fingerprint, r.meeting_type)
        if r.event_id:
            events.setdefault(r.event_id, set()).add(path)
        if not r.delivered:
            undelivered.append(f"{path} v{r.version}")
    texts: dict = {}
    for a in arts:
        texts.setdefault(_path(a.canonical_url), set()).add(hashlib.sha256(a.text.encode()).hexdigest()[:8])
    return Outcome(out_docs, out_reps, {frozenset(c) for c in clusters.values()},
                   {frozenset(m) for m in events.values()}, counts, sorted(undelivered), ids,
                   {p: sorted(t) for p, t in texts.items()})


def expected_outcome(pages, workdir: Path) -> Outcome:
    """The RawPages through the extract and process stages in ONE process, in the given order."""
    from consumers.stages.base import Rejected, Retryable, acknowledge
    from deploy.wiring import build_stage, new_metrics
    from schemas.settings import load_settings

    db = workdir / f"expected-{os.getpid()}-{time.monotonic_ns()}.db"
    settings = load_settings(database_url=f"sqlite:///{db}", metrics_port=0, crawler_metrics_port=0)
    metrics = new_metrics()
    extract, _, _ = build_stage("extract", settings, metrics)
    process, _, _ = build_stage("process", settings, metrics)
    for page in pages:
        try:
            article = extract(page).outputs[0].value
        except Rejected:
            continue
        for _ in range(5):
            try:
                result = process(article)
            except Retryable:
                continue
            acknowledge(result)
            break
    process.store.dispose()
    return outcome_from_store(f"sqlite:///{db}")


def _short(items, limit: int = 12) -> str:
    items = sorted(items, key=str)
    more = f" … and {len(items) - limit} more" if len(items) > limit else ""
    return ", ".join(str(i) for i in items[:limit]) + more


def diff_outcomes(expected: Outcome, actual: Outcome, *, ignore_paths: set[str] = frozenset()) -> list[str]:
    """Precise differences, one line per kind: lost, doubled / falsely revised, changed fingerprints, clusters."""
    problems = []
    lost_docs, extra_docs, false_rev, lost_rev, fp_diff = [], [], [], [], []
    for path in set(expected.documents) | set(actual.documents):
        if path in ignore_paths:
            continue
        exp, act = expected.documents.get(path), actual.documents.get(path)
        if act is None:
            lost_docs.append(path)
            continue
        if exp is None:
            extra_docs.append(path)
            continue
        if set(act) - set(exp):
            false_rev.append(f"{path} stored v{sorted(act)} expected v{sorted(exp)}")
        if set(exp) - set(act):
            lost_rev.append(f"{path} stored v{sorted(act)} expected v{sorted(exp)}")
        for v in set(exp) & set(act):
            if exp[v][0] != act[v][0]:
                fp_diff.append(f"{path} v{v} {act[v][0][:8]} expected {exp[v][0][:8]}")
    if lost_docs:
        problems.append(f"LOST documents ({len(lost_docs)}): {_short(lost_docs)}")
    if extra_docs:
        problems.append(f"UNEXPECTED documents ({len(extra_docs)}): {_short(extra_docs)}")
    if false_rev:
        problems.append(f"FALSE REVISIONS / doubled versions ({len(false_rev)}): {_short(false_rev)}")
    if lost_rev:
        problems.append(f"LOST REVISIONS ({len(lost_rev)}): {_short(lost_rev)}")
    if fp_diff:
        problems.append(f"FINGERPRINT differs from the one-process run ({len(fp_diff)}): {_short(fp_diff)}")
    exp_r = {(p, v) for p, vs in expected.reports.items() for v in vs if p not in ignore_paths}
    act_r = {(p, v) for p, vs in actual.reports.items() for v in vs if p not in ignore_paths}
    if exp_r - act_r:
        problems.append(f"LOST meeting reports ({len(exp_r - act_r)}): {_short(f'{p} v{v}' for p, v in exp_r - act_r)}")
    if act_r - exp_r:
        problems.append(f"DOUBLED / unexpected meeting reports ({len(act_r - exp_r)}): "
                        f"{_short(f'{p} v{v}' for p, v in act_r - exp_r)}")
    types = [f"{p} v{v}: {actual.reports[p][v][1]} expected {expected.reports[p][v][1]}" for p, v in exp_r & act_r
             if actual.reports[p][v][1] != expected.reports[p][v][1]]
    if types:
        problems.append(f"MEETING TYPE differs ({len(types)}): {_short(types)}")
    exp_c = {c for c in expected.clusters if not c & ignore_paths}
    act_c = {c for c in actual.clusters if not c & ignore_paths}
    if exp_c != act_c:
        members = set().union(*(exp_c ^ act_c))
        changed = sorted(p for p in members if expected.texts.get(p) != actual.texts.get(p))
        why = (f" (published text differs from the one-process run, same fingerprint, for: {_short(changed, 6)}; "
               "the near-duplicate decision follows the history-dependent published text)") if changed else ""
        problems.append(f"NEAR-COPY clusters differ: missing {_short([sorted(c) for c in exp_c - act_c], 5)}; "
                        f"unexpected {_short([sorted(c) for c in act_c - exp_c], 5)}{why}")
    exp_e = {e for e in expected.events if not e & ignore_paths}
    act_e = {e for e in actual.events if not e & ignore_paths}
    if exp_e != act_e:
        problems.append(f"EVENT partition differs: missing {_short([sorted(e) for e in exp_e - act_e], 5)}; "
                        f"unexpected {_short([sorted(e) for e in act_e - exp_e], 5)}")
    if not ignore_paths and expected.counts != actual.counts:
        problems.append(f"row COUNTS differ: stored {actual.counts} expected {expected.counts}")
    return problems


def topic_problems(bootstrap: str, topic: str, actual: Outcome, timeout_s: float = 60.0) -> tuple[list[str], dict]:
    """The latest message per key on meeting-reports must be the latest stored version of that report."""
    from schemas import MeetingReport, decode
    from tests.kafka_helpers import read_topic

    records = read_topic(bootstrap, topic, timeout_s=timeout_s)
    latest: dict[str, tuple] = {}
    seen: dict[tuple, int] = {}
    bad_key = []
    for rec in records:
        report = decode(MeetingReport, rec.value)
        key = rec.key.decode() if rec.key else None
        if key != report.report_id:
            bad_key.append(f"{_path(report.url)} key={key}")
        path = actual.report_ids.get(report.report_id, _path(report.url))
        seen[(path, report.version)] = seen.get((path, report.version), 0) + 1
        latest[path] = (report.version, report.fingerprint)  # records are in offset order per partition
    problems = []
    stored_latest = {p: (max(vs), vs[max(vs)][0]) for p, vs in actual.reports.items()}
    unpublished = [f"{p} v{v[0]}" for p, v in stored_latest.items() if p not in latest]
    stale = [f"{p} topic v{latest[p][0]} store v{v[0]}" for p, v in stored_latest.items() if p in latest and latest[p] != v]
    orphan = [f"{p} v{latest[p][0]}" for p in latest if p not in stored_latest]
    if unpublished:
        problems.append(f"STORED BUT NEVER PUBLISHED on {topic} ({len(unpublished)}): {_short(unpublished)}")
    if stale:
        problems.append(f"LATEST MESSAGE PER KEY differs from the store ({len(stale)}): {_short(stale)}")
    if orphan:
        problems.append(f"PUBLISHED BUT NOT STORED ({len(orphan)}): {_short(orphan)}")
    if bad_key:
        problems.append(f"messages not keyed by report_id ({len(bad_key)}): {_short(bad_key)}")
    info = {"messages": len(records), "keys": len(latest),
            "republished_duplicates": sum(n - 1 for n in seen.values() if n > 1),
            "unpublished": [p for p in stored_latest if p not in latest]}
    return problems, info


# ---- poison -------------------------------------------------------------------------------------------------
def garbage(size: int, seed: int = 1) -> bytes:
    """Deterministic bytes that are neither UTF-8 JSON nor anything else."""
    import random

    rnd = random.Random(seed)
    return b"\xff\xfe\x00" + rnd.randbytes(max(0, size - 3))


def binary_raw_page(url: str, portal: str, province: str) -> bytes:
    """A schema-valid RawPage whose body is a PDF served as text/html (the extract stage rejects it)."""
    import zstandard

    from schemas import RawPage, encode

    body = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n" + bytes(range(256)) * 40 + b"\n%%EOF\n"
    page = RawPage(url=url, final_url=url, canonical_url=url, portal_id=portal, province=province,
                   fetched_at=dt.datetime.now(dt.timezone.utc), http_status=200, content_type="text/html",
                   body=zstandard.ZstdCompressor().compress(body), body_length=len(body))
    return encode(page)


def tempdir(prefix: str) -> Path:
    return Path(tempfile.mkdtemp(prefix=prefix))


def dump_json(path: Path, data) -> None:
    path.write_text(json.dumps(data, ensure_ascii=False, indent=2, default=str))


# ---- broker audit -------------------------------------------------------------------------------------------
_ACK = re.compile(r"acknowledged topic=(?P<topic>\S+) partition=(?P<partition>\d+) offset=(?P<offset>-?\d+) key=(?P<key>\S+)")
BROKER_LOST = "BROKER LOST AN ACKNOWLEDGED RECORD"


def acknowledged_offsets(stack: Stack, topic: str) -> dict[str, list[tuple[int, int]]]:
    """key -> [(partition, offset)] of every output the stages' producers had acknowledged, from their logs."""
    acks: dict[str, list[tuple[int, int]]] = {}
    for proc in stack.procs.values():
        if not proc.log_path.exists():
            continue
        for match in _ACK.finditer(proc.log_path.read_text(errors="replace")):
            if match["topic"] == topic:
                acks.setdefault(match["key"], []).append((int(match["partition"]), int(match["offset"])))
    return acks


def record_at(bootstrap: str, topic: str, partition: int, offset: int, timeout_s: float = 10.0):
    """The record at one offset, or None if the broker has none there."""
    from kafka import KafkaConsumer
    from kafka.structs import TopicPartition

    consumer = KafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False, group_id=None)
    try:
        tp = TopicPartition(topic, partition)
        consumer.assign([tp])
        consumer.seek(tp, offset)
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            for record in consumer.poll(timeout_ms=500).get(tp, []):
                if record.offset == offset:
                    return record
                if record.offset > offset:
                    return None
            high = consumer.highwater(tp)
            if high is not None and high <= offset:
                return None
        return None
    finally:
        consumer.close()


def audit_unpublished(stack: Stack, topic: str, actual: Outcome, missing_paths: list[str]) -> dict[str, str]:
    """For each stored report missing from the topic: did a producer get an acknowledgement for it, and what does
    the broker hold at the acknowledged offset? path -> verdict (BROKER_LOST... when the broker acknowledged a
    record it no longer has; anything else is newsingest's fault)."""
    acks = acknowledged_offsets(stack, topic)
    ids_by_path: dict[str, list[str]] = {}
    for report_id, path in actual.report_ids.items():
        ids_by_path.setdefault(path, []).append(report_id)
    verdicts = {}
    for path in missing_paths:
        places = [(rid, p, o) for rid in ids_by_path.get(path, []) for p, o in acks.get(rid, [])]
        if not places:
            verdicts[path] = "never acknowledged by the broker (a newsingest fault)"
            continue
        if all(offset < 0 for _, _, offset in places):
            # kafka-python's report of DUPLICATE_SEQUENCE_NUMBER: the broker claimed to hold it already and said
            # nowhere where; the runner must not count that as a delivery (UnplacedAcknowledgement).
            verdicts[path] = ("acknowledged only without an offset (a duplicate-sequence answer) and not on the topic: "
                              "counted as delivered (a newsingest fault)")
            continue
        places = [place for place in places if place[2] >= 0]
        held = []
        for rid, partition, offset in places:
            record = record_at(stack.bootstrap, topic, partition, offset)
            key = record.key.decode() if record is not None and record.key else None
            held.append((rid, partition, offset, key))
        if all(key != rid for rid, _, _, key in held):
            verdicts[path] = BROKER_LOST + ": " + "; ".join(
                f"acknowledged at {p}@{o}, the broker holds {'key ' + key if key else 'nothing'} there"
                for _, p, o, key in held)
        else:
            verdicts[path] = "on the topic at its acknowledged offset (read back late?)"
    return verdicts
