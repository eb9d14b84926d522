"""Throughput of the whole pipeline, measured against plain trafilatura and plain Kafka on the same pages.

    python bench/pipeline.py                          # N = 1,000 pages, 3 repeats, SQLite x1 and PostgreSQL x1/x2
    python bench/pipeline.py --pages 1000,10000 --repeats 1   # memory per process side by side for both sizes
    python bench/pipeline.py --quick                  # N = 200, 1 repeat: a smoke test
    python bench/pipeline.py --no-replicas-run --json out.json

What runs: N realistic provincial-portal pages from the fault harness's generator (tests/pagegen.py, first crawl:
every story once) become RawPage messages exactly as the crawler builds them (crawlers.pipelines.kafka_publish.
to_raw_page: zstd body), are produced to the raw-pages topic of a real embedded broker (Tansu), and only then
the real stage processes start: `python -m deploy.cli consume extract` and `... consume process`, as in
production, with production code and settings except unique topic/group names and the fault harness's short
session timeout (2 s, heartbeat 0.5 s, so a second replica's join rebalances quickly) and 4 partitions per topic
(--partitions; even, so two replicas split them evenly). Runs:

* sqlite x1   one extract + one process process, SQLite store
* pg x1       the same on a PostgreSQL database of its own (created, then dropped)
* pg x2       two extract + two process processes (one "replica" = one process of each stage) on PostgreSQL

and in the same repeat, on the same pages:

* trafilatura  plain `trafilatura.extract(body)` over the same N decompressed bodies (bytes, as the stage gets
               them) in one fresh process: pages/s and CPU ms per page (import time excluded)
* kafka        kafka-python produce of the same N raw-page messages to a fresh topic of the same broker (the
               project's producer settings: acks=all, zstd, linger 5 ms), then a group consumer polling and
               committing per batch (the runner's consumer settings) until it has them all

The order of the runs is reversed on every other repeat, so a change in machine load hits baselines and ours.

What is printed, per run:

* e2e p/s      N / (last page through the process stage - first page through the extract stage). The window
               starts when the first page is done, so process start-up (imports, group join, the first call's
               lazy initialisation) is left out; it is printed on its own as "start s". Times come from polling each process's /metrics (every 0.2 s;
               0.05 s until the first page): the resolution is about 0.2 s.
* stage p/s    messages a stage handled (processed + dead-lettered, from its own counters) / its active window
               (first to last message it handled). A stage fed by a slower one can go no faster than its input.
* cpu ms/page  utime+stime from /proc/<pid>/stat over the stage's active window (start-up excluded) per message
               it handled, summed over replicas; also the broker's (Tansu) CPU over the e2e window per page, and
               on PostgreSQL the CPU of the server backends serving the run's database ("pg"), from /proc too.
* busy         time inside stage calls (newsingest_stage_latency_seconds_sum) / active window, per replica.
* latency      produce -> stored, p50/p99. RawPage.fetched_at is set to the moment each page was produced, and
               all N pages are produced before the stages start, so this is queueing time: it grows with N and
               includes the start-up. "hist" is the process stage's newsingest_freshness_seconds{point="stored"}
               histogram (meeting reports only; buckets 1, 5, 15, 30, 60 s ... so interpolated and coarse), "exact" is
               stored_at of every stored article in the database minus the page's produce time.
* service      p50/p99 of one stage call (newsingest_stage_latency_seconds, interpolated within buckets).
* peak RSS     VmHWM of every process, MiB; with several sizes (--pages 1000,10000) side by side. (The
               trafilatura baseline's includes the N bodies it holds in memory.)

Ratios (each of ours over the baseline measured in the same repeat): e2e / trafilatura pages/s; extract CPU ms
per page / trafilatura CPU ms per page (how much more work a page costs the extract stage than trafilatura
alone); e2e / kafka produce+consume pages/s; pg x2 / pg x1 e2e pages/s (the replica scaling). Every figure is
printed per repeat and as median (min-max) over the repeats; --json writes them all.

The machine's cores are shared (2 here): pg x2 runs four stage processes, the broker and PostgreSQL on them, so
the replica ratio is bounded by the cores there are, not only by the code; the load average is recorded.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import os
import shutil
import signal
import statistics
import struct
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench._procstat import cpu_seconds, loadavg, peak_rss_mb, usable_cores  # noqa: E402

BASE_URL = "https://portal.bench.test"
SEED = 7
SAMPLE_S = 0.2  # /metrics polling period while pages flow
STARTUP_SAMPLE_S = 0.05  # until every stage has handled its first message
DEFAULT_PG = os.environ.get("NEWSINGEST_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
SESSION = {"kafka_session_timeout_ms": 2000, "kafka_heartbeat_interval_ms": 500}

_LIVE: list[subprocess.Popen] = []  # every child process still to be stopped on exit or Ctrl-C


# ---- pages --------------------------------------------------------------------------------------------------
def make_pages(n: int, seed: int = SEED) -> list:
    """N RawPages of the first crawl of a generated corpus of N stories, as the crawler would publish them."""
    from tests.pagegen import Corpus

    corpus = Corpus(seed=seed, pages=n)
    return [corpus.raw_page(story, version, 0, BASE_URL) for story, version in corpus.phase(0)][:n]


def bodies_of(pages) -> list[bytes]:
    import zstandard

    d = zstandard.ZstdDecompressor()
    return [d.decompress(p.body, max_output_size=max(1, p.body_length) + 1) for p in pages]


# ---- children -----------------------------------------------------------------------------------------------
def _stop(popens: list[subprocess.Popen], grace_s: float = 15.0) -> None:
    """SIGTERM all at once (a stage finishes its batch and commits), SIGKILL whatever is left after the grace."""
    for popen in popens:
        if popen.poll() is None:
            try:
                popen.send_signal(signal.SIGTERM)
            except OSError:
                pass
    deadline = time.monotonic() + grace_s
    for popen in popens:
        try:
            popen.wait(max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            try:
                os.killpg(popen.pid, signal.SIGKILL)  # each child runs in a session (group) of its own
            except OSError:
                popen.kill()
            popen.wait(10)
        if popen in _LIVE:
            _LIVE.remove(popen)


def _spawn(cmd: list[str], env: dict, log_path: Path) -> subprocess.Popen:
    with open(log_path, "ab") as out:
        popen = subprocess.Popen(cmd, env=env, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                 cwd=str(REPO), start_new_session=True)
    _LIVE.append(popen)
    return popen


_INTERRUPTED: list[int] = []


def _on_signal(signum, frame):  # noqa: ARG001
    first = not _INTERRUPTED
    _INTERRUPTED.append(signum)
    if first:  # a second Ctrl-C must not cut the clean-up short
        raise KeyboardInterrupt


def _check_interrupt() -> None:
    """kafka-python's network code catches BaseException, so a Ctrl-C can be swallowed there: look again."""
    if _INTERRUPTED:
        raise KeyboardInterrupt


# ---- /metrics -----------------------------------------------------------------------------------------------
def scrape(port: int) -> list[tuple[str, dict, float]] | None:
    from prometheus_client.parser import text_string_to_metric_families

    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=3) as resp:
            text = resp.read().decode()
    except OSError:
        return None
    return [(s.name, s.labels, s.value) for fam in text_string_to_metric_families(text) for s in fam.samples]


def metric_sum(samples, name: str, **labels: str) -> float:
    return sum(v for n, lab, v in samples or () if n == name and all(lab.get(k) == x for k, x in labels.items()))


def buckets(samples_list, name: str, **labels: str) -> dict[float, float]:
    """Cumulative bucket counts of a histogram, summed over processes."""
    out: dict[float, float] = {}
    for samples in samples_list:
        for n, lab, v in samples or ():
            if n == f"{name}_bucket" and all(lab.get(k) == x for k, x in labels.items()):
                le = float(lab["le"])
                out[le] = out.get(le, 0.0) + v
    return out


def hist_quantile(cum: dict[float, float], q: float) -> float | None:
    """Like PromQL histogram_quantile: linear within the bucket; the highest finite bound if past it."""
    if not cum:
        return None
    items = sorted(cum.items())
    total = items[-1][1]
    if total <= 0:
        return None
    rank = q * total
    prev_le, prev_c = 0.0, 0.0
    for le, c in items:
        if c >= rank:
            if math.isinf(le):
                return prev_le
            if c == prev_c:
                return le
            return prev_le + (le - prev_le) * (rank - prev_c) / (c - prev_c)
        prev_le, prev_c = le, c
    return prev_le


def exact_quantile(values: list[float], q: float) -> float | None:
    if not values:
        return None
    values = sorted(values)
    return values[min(len(values) - 1, max(0, math.ceil(q * len(values)) - 1))]


# ---- Kafka helpers ------------------------------------------------------------------------------------------
class Offsets:
    """Committed offsets of a group and fetch high watermarks (never end_offsets(): wrong on Tansu)."""

    def __init__(self, bootstrap: str) -> None:
        from kafka import KafkaAdminClient, KafkaConsumer

        self.admin = KafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=5000, client_id="bench-lag")
        self.consumer = KafkaConsumer(bootstrap_servers=bootstrap, group_id=None, enable_auto_commit=False,
                                      max_partition_fetch_bytes=1024, fetch_max_bytes=4096, request_timeout_ms=5000,
                                      client_id="bench-hw")

    def committed(self, group: str, topic: str) -> dict[int, int]:
        got = self.admin.list_group_offsets(group).get(group, {})
        return {tp.partition: om.offset for tp, om in got.items() if tp.topic == topic and om.offset is not None}

    def highwater(self, topic: str, timeout_s: float = 5.0) -> dict[int, int | None]:
        from kafka.structs import TopicPartition

        parts = self.consumer.partitions_for_topic(topic) or set()
        tps = [TopicPartition(topic, p) for p in sorted(parts)]
        self.consumer.assign([])  # forget the high watermarks of an earlier call
        self.consumer.assign(tps)
        for tp in tps:
            self.consumer.seek(tp, 0)
        deadline = time.monotonic() + timeout_s
        first = True
        while first or (time.monotonic() < deadline and any(self.consumer.highwater(tp) is None for tp in tps)):
            first = False
            self.consumer.poll(timeout_ms=100, max_records=1)
        return {tp.partition: self.consumer.highwater(tp) for tp in tps}

    def lag(self, group: str, topic: str) -> int | None:
        committed = self.committed(group, topic)
        high = self.highwater(topic)
        if not high or any(h is None for h in high.values()):
            return None
        return sum(h - max(0, committed.get(p, 0)) for p, h in high.items())

    def close(self) -> None:
        self.consumer.close()
        self.admin.close()


def produce(bootstrap: str, topic: str, messages) -> tuple[float, dict[int, int]]:
    """Send (key, value) pairs with the project's producer settings; (seconds, {partition: high watermark})."""
    from consumers.adapters.kafka import make_producer

    producer = make_producer(bootstrap, client_id="bench-producer")
    started = time.perf_counter()
    futures = [producer.send(topic, key=key, value=value) for key, value in messages]
    producer.flush(120)
    seconds = time.perf_counter() - started
    high: dict[int, int] = {}
    for f in futures:
        md = f.get(timeout=30)
        high[md.partition] = max(high.get(md.partition, 0), md.offset + 1)
    producer.close(10)
    return seconds, high


def delete_topics(bootstrap: str, topics: list[str]) -> None:
    """Free the broker's memory between runs (Tansu keeps everything in memory); best effort."""
    from kafka import KafkaAdminClient

    try:
        admin = KafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=10000, client_id="bench-cleanup")
        try:
            admin.delete_topics(topics)
        finally:
            admin.close()
    except Exception:  # noqa: BLE001 - only memory is at stake
        pass


# ---- baselines ----------------------------------------------------------------------------------------------
def write_bodies(bodies: list[bytes], path: Path) -> None:
    with open(path, "wb") as out:
        for b in bodies:
            out.write(struct.pack("<I", len(b)))
            out.write(b)


def read_bodies(path: Path) -> list[bytes]:
    data = Path(path).read_bytes()
    out, i = [], 0
    while i < len(data):
        (n,) = struct.unpack_from("<I", data, i)
        out.append(data[i + 4:i + 4 + n])
        i += 4 + n
    return out


def trafilatura_worker(path: str) -> None:
    """In a fresh process: trafilatura.extract over every body, timed after the import. Prints JSON."""
    import trafilatura

    bodies = read_bodies(Path(path))
    wall0, cpu0 = time.perf_counter(), time.process_time()
    nonempty = 0
    for body in bodies:
        nonempty += bool(trafilatura.extract(body))
    wall, cpu = time.perf_counter() - wall0, time.process_time() - cpu0
    print(json.dumps({"pages": len(bodies), "wall_s": wall, "cpu_s": cpu, "nonempty": nonempty,
                      "peak_rss_mb": peak_rss_mb(os.getpid())}))


def baseline_trafilatura(bodies_path: Path, n: int) -> dict:
    out = subprocess.run([sys.executable, str(Path(__file__).resolve()), "--_trafilatura-worker", str(bodies_path)],
                         capture_output=True, text=True, cwd=str(REPO), timeout=3600)
    if out.returncode != 0:
        raise RuntimeError(f"trafilatura baseline failed: {out.stderr[-2000:]}")
    r = json.loads(out.stdout.strip().splitlines()[-1])
    return {"pages": n, "wall_s": r["wall_s"], "pages_per_s": n / r["wall_s"], "cpu_ms_per_page": 1000 * r["cpu_s"] / n,
            "nonempty": r["nonempty"], "peak_rss_mb": r["peak_rss_mb"]}


def baseline_kafka(bootstrap: str, messages: list[tuple[bytes, bytes]], partitions: int) -> dict:
    """Produce the same raw-page bytes to a fresh topic, then consume them with a group consumer."""
    from kafka.admin import NewTopic

    from consumers.adapters.kafka import make_consumer
    from kafka import KafkaAdminClient

    tag = uuid.uuid4().hex[:8]
    topic, group = f"bench{tag}.kafka-baseline", f"bench{tag}.kafka-baseline"
    admin = KafkaAdminClient(bootstrap_servers=bootstrap, client_id="bench-admin")
    admin.create_topics([NewTopic(topic, partitions, 1)])
    admin.close()
    n = len(messages)
    cpu0 = time.process_time()
    produce_s, _ = produce(bootstrap, topic, messages)
    produce_cpu = time.process_time() - cpu0
    consumer = make_consumer(bootstrap, group_id=group, topic=topic, session_timeout_ms=SESSION["kafka_session_timeout_ms"],
                             heartbeat_interval_ms=SESSION["kafka_heartbeat_interval_ms"], max_poll_records=100,
                             client_id="bench-consumer")
    t_create = time.perf_counter()
    cpu1 = time.process_time()
    got, first, last = 0, None, None
    deadline = time.monotonic() + 600
    try:
        while got < n and time.monotonic() < deadline:
            _check_interrupt()
            batch = consumer.poll(timeout_ms=500)
            count = sum(len(r) for r in batch.values())
            if count:
                if first is None:
                    first = time.perf_counter()
                got += count
                consumer.commit()
                last = time.perf_counter()
    finally:
        consumer.close(autocommit=False)
    consume_cpu = time.process_time() - cpu1
    delete_topics(bootstrap, [topic])
    if got < n or first is None:
        raise RuntimeError(f"kafka baseline consumed {got} of {n}")
    # The consume window starts at the first record, as ours does at the first page taken (group join excluded).
    consume_s = max(1e-6, last - first)
    return {"pages": n, "produce_s": produce_s, "produce_pages_per_s": n / produce_s,
            "join_s": first - t_create, "consume_s": consume_s, "consume_pages_per_s": n / consume_s,
            "pages_per_s": n / (produce_s + consume_s),
            "client_cpu_ms_per_page": 1000 * (produce_cpu + consume_cpu) / n}


# ---- ours ---------------------------------------------------------------------------------------------------
@dataclass
class StageProc:
    name: str  # extract-1, process-2, ...
    stage: str
    port: int
    popen: subprocess.Popen
    log: Path
    samples: list = field(default_factory=list)  # (t, handled, cpu_s, seconds inside stage calls)
    last_metrics: list | None = None
    peak_rss_mb: float | None = None

    def handled(self, m) -> float:
        return (metric_sum(m, "newsingest_messages_processed_total", stage=self.stage)
                + metric_sum(m, "newsingest_messages_failed_total", stage=self.stage))


def _window(samples: list) -> tuple[float | None, float | None, float | None, float | None]:
    """(t_first, t_last, cpu at start, cpu at end) of a process's active window, from its samples: the first
    handled message lies between the last sample at 0 and the first above 0 (midpoint), likewise the last."""
    t_first = t_last = cpu_start = cpu_end = None
    prev = None
    final = samples[-1][1] if samples else 0
    for t, h, cpu, _ in samples:
        if t_first is None and h > 0:
            t_first = (prev[0] + t) / 2 if prev else t
            cpu_start = prev[2] if prev and prev[2] is not None else cpu
        if t_last is None and h >= final and final > 0:
            t_last = (prev[0] + t) / 2 if prev else t
        prev = (t, h, cpu)
    if samples:
        cpu_end = samples[-1][2]
    return t_first, t_last, cpu_start, cpu_end


def _busy(samples: list) -> float | None:
    """Share of the active window spent inside stage calls, from the first sample with a handled message (so
    the first call, which carries one-time lazy initialisation, is left out) to the last increase."""
    active = [s for s in samples if s[1] > 0]
    if len(active) < 2:
        return None
    final = active[-1][1]
    last = next(s for s in active if s[1] >= final)
    span = last[0] - active[0][0]
    return (last[3] - active[0][3]) / span if span > 0 else None


def pg_create(admin_url: str) -> str:
    import sqlalchemy

    name = f"newsingest_bench_{uuid.uuid4().hex[:10]}"
    engine = sqlalchemy.create_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    finally:
        engine.dispose()
    return admin_url.rsplit("/", 1)[0] + f"/{name}"


def pg_drop(admin_url: str, url: str) -> None:
    import sqlalchemy

    name = url.rsplit("/", 1)[1]
    assert name.startswith("newsingest_bench_")  # only ever ours
    engine = sqlalchemy.create_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        engine.dispose()


def pg_backends_cpu(admin_url: str, dbname: str) -> dict[int, float]:
    """CPU seconds so far of every PostgreSQL backend serving `dbname` (the server runs on this machine)."""
    import sqlalchemy

    engine = sqlalchemy.create_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            pids = conn.exec_driver_sql("SELECT pid FROM pg_stat_activity WHERE datname = %(d)s",
                                        {"d": dbname}).scalars().all()
    except Exception:  # noqa: BLE001 - a figure for the report, never a reason to fail the run
        return {}
    finally:
        engine.dispose()
    out = {}
    for pid in pids:
        cpu = cpu_seconds(pid)
        if cpu is not None:
            out[pid] = cpu
    return out


def pg_reachable(admin_url: str) -> str | None:
    import sqlalchemy

    try:
        engine = sqlalchemy.create_engine(admin_url, isolation_level="AUTOCOMMIT",
                                          connect_args={"connect_timeout": 5})
        with engine.connect() as conn:
            conn.exec_driver_sql("SELECT 1")
        engine.dispose()
        return None
    except Exception as exc:  # noqa: BLE001
        return str(exc).splitlines()[0]


def stored_latencies(db_url: str, produced_at: dict[str, float]) -> tuple[list[float], dict]:
    """stored_at - produce time of every stored article, and the store's row counts."""
    from sqlalchemy import func, select

    from consumers.adapters.store import Store
    from consumers.adapters.tables import articles, meeting_reports

    store = Store(db_url)
    try:
        with store.engine.connect() as conn:
            rows = conn.execute(select(articles.c.canonical_url, articles.c.stored_at)).all()
            reports = conn.execute(select(func.count()).select_from(meeting_reports)).scalar_one()
    finally:
        store.dispose()
    out = []
    for url, stored_at in rows:
        if url in produced_at and stored_at is not None:
            if stored_at.tzinfo is None:
                stored_at = stored_at.replace(tzinfo=dt.timezone.utc)
            out.append(stored_at.timestamp() - produced_at[url])
    return out, {"articles": len(rows), "meeting_reports": reports}


def run_ours(label: str, pages, broker, db_url: str, replicas: int, partitions: int, workdir: Path,
             timeout_s: float, log_prefix: str = "", pg_admin_url: str | None = None) -> dict:
    from consumers.adapters.store import Store
    from deploy.broker import free_port
    from deploy.topics import ensure_all
    from schemas import encode
    from schemas.settings import settings_env
    from tests.kafka_helpers import unique_settings

    bootstrap = broker.bootstrap_servers
    settings = unique_settings(bootstrap, database_url=db_url, topic_partitions=partitions, **SESSION)
    topics = settings.topics()
    ensure_all(settings, bootstrap)
    store = Store(db_url)  # the schema before the stages start (else two replicas race to migrate it)
    store.create_schema()
    store.dispose()

    # Produce: each page's fetched_at is the moment it is produced, so fetch->stored is produce->stored here.
    produced_at: dict[str, float] = {}

    def messages():
        for page in pages:
            now = dt.datetime.now(dt.timezone.utc)
            produced_at[page.canonical_url] = now.timestamp()
            yield page.canonical_url.encode(), encode(page.model_copy(update={"fetched_at": now}))

    produce_s, raw_high = produce(bootstrap, topics.raw_pages, messages())
    n = len(pages)

    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSINGEST_")}
    env.update(settings_env(settings))
    env.update(NEWSINGEST_KAFKA_BOOTSTRAP_SERVERS=bootstrap, NEWSINGEST_METRICS_HOST="127.0.0.1",
               NEWSINGEST_CRAWLER_METRICS_PORT="0", PYTHONPATH=str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    procs: list[StageProc] = []
    offsets = None
    db_name = db_url.rsplit("/", 1)[1]
    pg_admin = pg_admin_url if db_url.startswith("postgresql") else None
    broker_pid = broker.process.pid
    load0 = loadavg()
    bench_cpu0 = time.process_time()
    t_launch = time.monotonic()
    broker_samples: list[tuple[float, float | None]] = []
    result: dict = {"label": label, "replicas": replicas, "pages": n, "partitions": partitions,
                    "database": db_url.split(":", 1)[0], "produce_s": produce_s}
    try:
        for r in range(1, replicas + 1):
            for stage in ("extract", "process"):
                port = free_port()
                name = f"{stage}-{r}"
                log_path = workdir / f"{log_prefix}{label.replace(' ', '')}-{name}.log"
                popen = _spawn([sys.executable, "-m", "deploy.cli", "consume", stage],
                               {**env, "NEWSINGEST_METRICS_PORT": str(port)}, log_path)
                procs.append(StageProc(name, stage, port, popen, log_path))
        offsets = Offsets(bootstrap)
        groups = {"extract": (f"{settings.consumer_group_prefix}.extract", topics.raw_pages),
                  "process": (f"{settings.consumer_group_prefix}.process", topics.articles)}
        deadline = t_launch + timeout_s
        t_done = None
        db_cpu0: dict[int, float] | None = None
        while t_done is None:
            started_all = all(p.samples and p.samples[-1][1] > 0 for p in procs if p.stage == "extract")
            time.sleep(SAMPLE_S if started_all else STARTUP_SAMPLE_S)
            _check_interrupt()
            now = time.monotonic()
            if now > deadline:
                raise RuntimeError(f"{label}: not drained after {timeout_s:.0f}s; " + _tails(procs))
            for p in procs:
                if p.popen.poll() is not None:
                    raise RuntimeError(f"{label}: {p.name} exited with {p.popen.returncode}; " + _tails([p]))
                m = scrape(p.port)
                if m is not None:
                    p.last_metrics = m
                in_calls = metric_sum(p.last_metrics, "newsingest_stage_latency_seconds_sum", stage=p.stage)
                p.samples.append((now, p.handled(p.last_metrics) if p.last_metrics else 0.0, cpu_seconds(p.popen.pid),
                                  in_calls))
                rss = peak_rss_mb(p.popen.pid)
                p.peak_rss_mb = max(p.peak_rss_mb or 0.0, rss or 0.0)
            broker_samples.append((now, cpu_seconds(broker_pid)))
            if pg_admin and db_cpu0 is None and any(p.samples[-1][1] > 0 for p in procs if p.stage == "extract"):
                db_cpu0 = pg_backends_cpu(pg_admin, db_name)
            extract_handled = sum(p.samples[-1][1] for p in procs if p.stage == "extract")
            process_handled = sum(p.samples[-1][1] for p in procs if p.stage == "process")
            extract_out = sum(metric_sum(p.last_metrics, "newsingest_messages_processed_total", stage="extract")
                              for p in procs if p.stage == "extract")
            if extract_handled >= n and process_handled >= extract_out:
                # The counters say done; the committed offsets decide (a rebalance can count a message twice).
                if offsets.lag(*groups["extract"]) == 0 and offsets.lag(*groups["process"]) == 0:
                    t_done = now
        if pg_admin:
            db_cpu1 = pg_backends_cpu(pg_admin, db_name)
            db_cpu = sum(c - (db_cpu0 or {}).get(pid, 0.0) for pid, c in db_cpu1.items())
            result["db_cpu_ms_per_page"] = 1000 * db_cpu / n
            result["db_backends"] = len(db_cpu1)
        articles_high = sum(h or 0 for h in offsets.highwater(topics.articles).values())
        for p in procs:
            p.peak_rss_mb = max(p.peak_rss_mb or 0.0, peak_rss_mb(p.popen.pid) or 0.0)
    finally:
        if offsets is not None:
            offsets.close()
        _stop([p.popen for p in procs])
    bench_cpu = time.process_time() - bench_cpu0

    # -- figures ------------------------------------------------------------------------------------------------
    windows = {p.name: _window(p.samples) for p in procs}
    t_first = min(windows[p.name][0] for p in procs if p.stage == "extract" and windows[p.name][0] is not None)
    t_end = max(windows[p.name][1] for p in procs if p.stage == "process" and windows[p.name][1] is not None)
    e2e_s = t_end - t_first
    result.update({"e2e_s": e2e_s, "e2e_pages_per_s": n / e2e_s, "startup_s": t_first - t_launch,
                   "drained_after_s": t_done - t_end,
                   "articles_messages": articles_high, "raw_messages": sum(raw_high.values()),
                   "bench_cpu_ms_per_page": 1000 * bench_cpu / n,
                   "loadavg": [load0, loadavg()]})
    b0 = next((c for t, c in reversed(broker_samples) if t <= t_first and c is not None), broker_samples[0][1])
    b1 = broker_samples[-1][1]
    result["broker_cpu_ms_per_page"] = 1000 * (b1 - b0) / n if b0 is not None and b1 is not None else None
    stages: dict = {}
    for stage in ("extract", "process"):
        mine = [p for p in procs if p.stage == stage]
        ws = [windows[p.name] for p in mine]
        firsts = [w[0] for w in ws if w[0] is not None]
        lasts = [w[1] for w in ws if w[1] is not None]
        handled = sum(p.samples[-1][1] for p in mine)
        cpu = sum((w[3] - w[2]) for w in ws if w[2] is not None and w[3] is not None)
        span = (max(lasts) - min(firsts)) if firsts and lasts else None
        metrics = [p.last_metrics for p in mine]
        lat = buckets(metrics, "newsingest_stage_latency_seconds", stage=stage)
        busy = [b for b in (_busy(p.samples) for p in mine) if b is not None]
        outcomes: dict[str, float] = {}
        for m in metrics:
            for name_, lab, v in m or ():
                if name_ == "newsingest_messages_processed_total":
                    outcomes[lab.get("outcome")] = outcomes.get(lab.get("outcome"), 0.0) + v
        stages[stage] = {
            "handled": handled,
            "outcomes": outcomes,
            "failed": sum(metric_sum(m, "newsingest_messages_failed_total", stage=stage) for m in metrics),
            "pages_per_s": handled / span if span else None,
            "window_s": span,
            "startup_s": (min(firsts) - t_launch) if firsts else None,
            "cpu_ms_per_page": 1000 * cpu / handled if handled else None,
            "busy": busy,
            "service_p50_s": hist_quantile(lat, 0.5), "service_p99_s": hist_quantile(lat, 0.99),
            "peak_rss_mb": {p.name: p.peak_rss_mb for p in mine},
        }
    result["stages"] = stages
    fresh = buckets([p.last_metrics for p in procs if p.stage == "process"], "newsingest_freshness_seconds",
                    point="stored")
    lat_exact, counts = stored_latencies(db_url, produced_at)
    result["latency"] = {
        "hist_p50_s": hist_quantile(fresh, 0.5), "hist_p99_s": hist_quantile(fresh, 0.99),
        "hist_count": max(fresh.values()) if fresh else 0,
        "exact_p50_s": exact_quantile(lat_exact, 0.5), "exact_p99_s": exact_quantile(lat_exact, 0.99),
        "exact_count": len(lat_exact)}
    result["stored"] = counts
    result["peak_rss_mb"] = {p.name: p.peak_rss_mb for p in procs}
    result["pids"] = {p.name: p.popen.pid for p in procs}
    result["database_name"] = db_url.rsplit("/", 1)[1]
    delete_topics(bootstrap, topics.all())
    return result


def _tails(procs: list[StageProc], lines: int = 6) -> str:
    out = []
    for p in procs:
        try:
            text = p.log.read_text(errors="replace").splitlines()
        except OSError:
            continue
        out += [f"  {p.name}| {t[:240]}" for t in text[-lines:]]
    return "\n" + "\n".join(out)


# ---- one repeat and the report ------------------------------------------------------------------------------
def run_repeat(index: int, pages, bodies_path: Path, args, workdir: Path, pg_ok: bool) -> dict:
    from deploy.broker import EmbeddedBroker
    from schemas import encode

    n = len(pages)
    plan = ["trafilatura", "kafka", "sqlite x1"]
    if args.replicas_run and pg_ok:
        plan += ["pg x1", "pg x2"]
    if index % 2 == 1:
        plan.reverse()
    out: dict = {"order": plan, "runs": {}, "baselines": {}}
    log_prefix = f"n{n}-r{index + 1}-"
    broker = EmbeddedBroker().start()  # a fresh broker per repeat: Tansu keeps every message in memory
    _LIVE.append(broker.process)
    out["broker_pid"] = broker.process.pid
    try:
        for what in plan:
            _check_interrupt()
            print(f"  .. {what}", end="", flush=True)
            t0 = time.monotonic()
            if what == "trafilatura":
                out["baselines"]["trafilatura"] = baseline_trafilatura(bodies_path, n)
            elif what == "kafka":
                msgs = [(p.canonical_url.encode(), encode(p)) for p in pages]
                out["baselines"]["kafka"] = baseline_kafka(broker.bootstrap_servers, msgs, args.partitions)
            else:
                replicas = int(what.rsplit("x", 1)[1])
                if what.startswith("sqlite"):
                    db_file = workdir / f"bench-{uuid.uuid4().hex[:8]}.db"
                    try:
                        out["runs"][what] = run_ours(what, pages, broker, f"sqlite:///{db_file}", replicas,
                                                     args.partitions, workdir, args.timeout, log_prefix)
                    finally:
                        for f in (db_file, Path(f"{db_file}-wal"), Path(f"{db_file}-shm"), Path(f"{db_file}-journal")):
                            f.unlink(missing_ok=True)
                else:
                    db_url = pg_create(args.pg)
                    try:
                        out["runs"][what] = run_ours(what, pages, broker, db_url, replicas, args.partitions,
                                                     workdir, args.timeout, log_prefix, args.pg)
                    finally:
                        pg_drop(args.pg, db_url)
            print(f" {time.monotonic() - t0:.0f}s", end="", flush=True)
        print()
    finally:
        broker.stop()
        if broker.process in _LIVE:
            _LIVE.remove(broker.process)
    out["ratios"] = ratios(out)
    return out


def ratios(rep: dict) -> dict:
    traf, kafka = rep["baselines"].get("trafilatura"), rep["baselines"].get("kafka")
    out: dict = {}
    for label, run in rep["runs"].items():
        r = out.setdefault(label, {})
        if traf:
            r["e2e_vs_trafilatura"] = run["e2e_pages_per_s"] / traf["pages_per_s"]
            cpu = run["stages"]["extract"]["cpu_ms_per_page"]
            r["extract_cpu_vs_trafilatura_cpu"] = cpu / traf["cpu_ms_per_page"] if cpu else None
        if kafka:
            r["e2e_vs_kafka"] = run["e2e_pages_per_s"] / kafka["pages_per_s"]
    if "pg x1" in rep["runs"] and "pg x2" in rep["runs"]:
        out["replicas_2_vs_1"] = rep["runs"]["pg x2"]["e2e_pages_per_s"] / rep["runs"]["pg x1"]["e2e_pages_per_s"]
    return out


def _f(v, digits: int = 1, width: int = 0) -> str:
    if v is None:
        return "-".rjust(width)
    if isinstance(v, float) and v >= 100 and digits > 0:
        digits = 0
    return f"{v:.{digits}f}".rjust(width)


def print_repeat(n: int, index: int, repeats: int, rep: dict) -> None:
    print(f"\nN={n:,} repeat {index + 1}/{repeats}  (order: {', '.join(rep['order'])})")
    print(f"  {'run':<10}{'e2e p/s':>9}{'e2e s':>7}{'start s':>8}{'extr p/s':>9}{'proc p/s':>9}"
          f"{'cpu ms/page: extr':>18}{'proc':>6}{'brkr':>6}{'pg':>6}{'busy extr/proc':>17}{'p50 s':>7}{'p99 s':>7}"
          f"{'(hist p50/p99)':>15}{'svc p50 ms extr/proc':>21}")
    for label, run in rep["runs"].items():
        ex, pr, lat = run["stages"]["extract"], run["stages"]["process"], run["latency"]
        busy = "/".join(",".join(f"{b:.0%}" for b in s["busy"]) for s in (ex, pr))
        hist = f"{_f(lat['hist_p50_s'])}/{_f(lat['hist_p99_s'])}"
        svc = f"{_f(1000 * ex['service_p50_s'] if ex['service_p50_s'] else None)}/" \
              f"{_f(1000 * pr['service_p50_s'] if pr['service_p50_s'] else None)}"
        print(f"  {label:<10}{_f(run['e2e_pages_per_s'], 1, 9)}{_f(run['e2e_s'], 1, 7)}{_f(run['startup_s'], 1, 8)}"
              f"{_f(ex['pages_per_s'], 1, 9)}{_f(pr['pages_per_s'], 1, 9)}{_f(ex['cpu_ms_per_page'], 1, 18)}"
              f"{_f(pr['cpu_ms_per_page'], 1, 6)}{_f(run['broker_cpu_ms_per_page'], 1, 6)}"
              f"{_f(run.get('db_cpu_ms_per_page'), 1, 6)}{busy:>17}"
              f"{_f(lat['exact_p50_s'], 1, 7)}{_f(lat['exact_p99_s'], 1, 7)}{hist:>15}{svc:>21}")
    for label, run in rep["runs"].items():
        rss = "  ".join(f"{k} {_f(v, 0)}" for k, v in run["peak_rss_mb"].items())
        st = run["stored"]
        ex = run["stages"]["extract"]
        pr = run["stages"]["process"]
        print(f"  {label:<10}peak RSS MiB: {rss};  stored {st['articles']} articles, {st['meeting_reports']} reports;"
              f" dead-lettered: extract {ex['failed']:.0f}, process {pr['failed']:.0f};"
              f" load {run['loadavg'][0]}->{run['loadavg'][1]}")
        if ex["failed"] or pr["failed"] or st["articles"] < run["pages"]:
            print(f"  {'':<10}WARNING: {run['pages'] - st['articles']} of {run['pages']} pages not stored as articles: "
                  f"the figures above count pages the pipeline failed on (see the stage logs)")
    t, k = rep["baselines"].get("trafilatura"), rep["baselines"].get("kafka")
    if t:
        print(f"  baseline trafilatura.extract: {_f(t['pages_per_s'], 1)} p/s, {_f(t['cpu_ms_per_page'], 2)} CPU ms/page,"
              f" {t['nonempty']}/{t['pages']} non-empty, peak RSS {_f(t['peak_rss_mb'], 0)} MiB")
    if k:
        print(f"  baseline kafka-python: produce {_f(k['produce_pages_per_s'], 0)} p/s, consume "
              f"{_f(k['consume_pages_per_s'], 0)} p/s (group join {_f(k['join_s'], 1)} s excluded), "
              f"produce+consume {_f(k['pages_per_s'], 0)} p/s")
    parts = []
    for label, r in rep["ratios"].items():
        if isinstance(r, dict):
            parts.append(f"{label}: e2e/trafilatura {_f(r.get('e2e_vs_trafilatura'), 2)}, extract cpu/trafilatura cpu "
                         f"{_f(r.get('extract_cpu_vs_trafilatura_cpu'), 2)}, e2e/kafka {_f(r.get('e2e_vs_kafka'), 3)}")
    if "replicas_2_vs_1" in rep["ratios"]:
        parts.append(f"pg x2 / pg x1 e2e: {_f(rep['ratios']['replicas_2_vs_1'], 2)}")
    print("  ratios  " + "\n          ".join(parts))


def spread(values: list) -> dict | None:
    values = [v for v in values if v is not None]
    if not values:
        return None
    return {"median": statistics.median(values), "min": min(values), "max": max(values), "n": len(values)}


def _s(sp: dict | None, digits: int = 1) -> str:
    if not sp:
        return "-"
    if sp["n"] == 1:
        return _f(sp["median"], digits)
    return f"{_f(sp['median'], digits)} ({_f(sp['min'], digits)}-{_f(sp['max'], digits)})"


def summarize(reps: list[dict]) -> dict:
    out: dict = {"runs": {}, "baselines": {}, "ratios": {}}
    labels = list(dict.fromkeys(lab for r in reps for lab in r["runs"]))
    for label in labels:
        runs = [r["runs"][label] for r in reps if label in r["runs"]]
        out["runs"][label] = {
            "e2e_pages_per_s": spread([x["e2e_pages_per_s"] for x in runs]),
            "startup_s": spread([x["startup_s"] for x in runs]),
            "extract_pages_per_s": spread([x["stages"]["extract"]["pages_per_s"] for x in runs]),
            "process_pages_per_s": spread([x["stages"]["process"]["pages_per_s"] for x in runs]),
            "extract_cpu_ms_per_page": spread([x["stages"]["extract"]["cpu_ms_per_page"] for x in runs]),
            "process_cpu_ms_per_page": spread([x["stages"]["process"]["cpu_ms_per_page"] for x in runs]),
            "broker_cpu_ms_per_page": spread([x["broker_cpu_ms_per_page"] for x in runs]),
            "db_cpu_ms_per_page": spread([x.get("db_cpu_ms_per_page") for x in runs]),
            "latency_p50_s": spread([x["latency"]["exact_p50_s"] for x in runs]),
            "latency_p99_s": spread([x["latency"]["exact_p99_s"] for x in runs]),
            "latency_hist_p50_s": spread([x["latency"]["hist_p50_s"] for x in runs]),
            "latency_hist_p99_s": spread([x["latency"]["hist_p99_s"] for x in runs]),
            "peak_rss_mb": {name: spread([x["peak_rss_mb"].get(name) for x in runs])
                            for name in runs[0]["peak_rss_mb"]},
        }
    for key in ("trafilatura", "kafka"):
        bs = [r["baselines"][key] for r in reps if key in r["baselines"]]
        if bs:
            fields = ["pages_per_s", "cpu_ms_per_page", "peak_rss_mb"] if key == "trafilatura" else \
                ["pages_per_s", "produce_pages_per_s", "consume_pages_per_s"]
            out["baselines"][key] = {f: spread([b[f] for b in bs]) for f in fields}
    for label in labels:
        rs = [r["ratios"][label] for r in reps if label in r["ratios"]]
        out["ratios"][label] = {k: spread([x.get(k) for x in rs]) for k in
                                ("e2e_vs_trafilatura", "extract_cpu_vs_trafilatura_cpu", "e2e_vs_kafka")}
    rr = [r["ratios"]["replicas_2_vs_1"] for r in reps if "replicas_2_vs_1" in r["ratios"]]
    if rr:
        out["ratios"]["replicas_2_vs_1"] = spread(rr)
    return out


def print_summary(n: int, summ: dict, repeats: int) -> None:
    print(f"\n== summary N={n:,}, {repeats} repeat(s): median (min-max)")
    print(f"  {'run':<10}{'e2e p/s':>20}{'extract p/s':>20}{'process p/s':>20}{'extract cpu ms/p':>20}"
          f"{'process cpu ms/p':>20}{'pg cpu ms/p':>18}{'p50 s':>20}{'p99 s':>20}")
    for label, s in summ["runs"].items():
        print(f"  {label:<10}{_s(s['e2e_pages_per_s']):>20}{_s(s['extract_pages_per_s']):>20}"
              f"{_s(s['process_pages_per_s']):>20}{_s(s['extract_cpu_ms_per_page']):>20}"
              f"{_s(s['process_cpu_ms_per_page']):>20}{_s(s['db_cpu_ms_per_page']):>18}"
              f"{_s(s['latency_p50_s']):>20}{_s(s['latency_p99_s']):>20}")
    t, k = summ["baselines"].get("trafilatura"), summ["baselines"].get("kafka")
    if t:
        print(f"  trafilatura.extract: {_s(t['pages_per_s'])} p/s, {_s(t['cpu_ms_per_page'], 2)} CPU ms/page")
    if k:
        print(f"  kafka-python produce+consume: {_s(k['pages_per_s'], 0)} p/s "
              f"(produce {_s(k['produce_pages_per_s'], 0)}, consume {_s(k['consume_pages_per_s'], 0)})")
    for label, r in summ["ratios"].items():
        if label == "replicas_2_vs_1":
            print(f"  pg x2 / pg x1 e2e pages/s: {_s(r, 2)}   (done-when: >= 1.7)")
        else:
            print(f"  {label}: e2e / trafilatura {_s(r['e2e_vs_trafilatura'], 2)}  (done-when at N=10,000: >= 0.7);"
                  f"  extract cpu / trafilatura cpu {_s(r['extract_cpu_vs_trafilatura_cpu'], 2)};"
                  f"  e2e / kafka {_s(r['e2e_vs_kafka'], 3)}")


def print_memory(results: dict) -> None:
    sizes = list(results)
    print(f"\n== peak RSS per process (MiB, max over repeats) by N: {', '.join(f'{int(s):,}' for s in sizes)}")
    rows: dict = {}
    for s in sizes:
        for label, runs in results[s]["summary"]["runs"].items():
            for name, sp in runs["peak_rss_mb"].items():
                rows.setdefault((label, name), {})[s] = sp["max"] if sp else None
    for s in sizes:
        t = results[s]["summary"]["baselines"].get("trafilatura")
        if t and t.get("peak_rss_mb"):
            rows.setdefault(("baseline", "trafilatura"), {})[s] = t["peak_rss_mb"]["max"]
    for (label, name), vals in rows.items():
        print(f"  {label + ' ' + name:<22}" + "".join(_f(vals.get(s), 0, 10) for s in sizes))


def code_version() -> dict:
    """Which code was measured: the commit and the files changed from it (read-only git commands)."""
    def git(*cmd: str) -> str | None:
        try:
            out = subprocess.run(["git", "-C", str(REPO), *cmd], capture_output=True, text=True, timeout=10)
        except (OSError, subprocess.SubprocessError):
            return None
        return out.stdout if out.returncode == 0 else None

    commit = git("rev-parse", "--short", "HEAD")
    status = git("status", "--porcelain", "--untracked-files=no")
    return {"commit": commit.strip() if commit else os.environ.get("BENCH_COMMIT"),
            "modified": [line[3:] for line in status.splitlines() if line.strip()] if status else []}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pages", default="1000", help="N, or several comma-separated (e.g. 1000,10000)")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--replicas-run", action=argparse.BooleanOptionalAction, default=True,
                        help="also run 1 and 2 replicas on PostgreSQL")
    parser.add_argument("--pg", default=DEFAULT_PG, help="PostgreSQL admin URL (a database is created per run)")
    parser.add_argument("--partitions", type=int, default=4,
                        help="partitions per topic (even, so two replicas split them evenly)")
    parser.add_argument("--timeout", type=float, default=3600.0, help="seconds one run may take to drain")
    parser.add_argument("--json", type=Path, help="write every figure to this file")
    parser.add_argument("--quick", action="store_true", help="N=200, 1 repeat: a smoke test")
    parser.add_argument("--keep-logs", action="store_true", help="keep the stage logs (kept anyway on a failure)")
    parser.add_argument("--_trafilatura-worker", dest="trafilatura_worker", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.trafilatura_worker:
        trafilatura_worker(args.trafilatura_worker)
        return 0
    if args.quick:
        args.pages, args.repeats = "200", 1
    sizes = [int(x.replace("_", "")) for x in str(args.pages).split(",") if x.strip()]

    signal.signal(signal.SIGTERM, _on_signal)
    signal.signal(signal.SIGINT, _on_signal)
    pg_problem = pg_reachable(args.pg) if args.replicas_run else None
    if pg_problem:
        print(f"PostgreSQL {args.pg} unreachable ({pg_problem}): the replicas run is skipped")
    meta = {"started": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"), "cores": usable_cores(),
            "code": code_version(),
            "loadavg_start": loadavg(), "python": sys.version.split()[0], "partitions": args.partitions,
            "repeats": args.repeats, "sizes": sizes, "seed": SEED}
    try:
        import trafilatura

        meta["trafilatura"] = trafilatura.__version__
    except Exception:  # noqa: BLE001
        pass
    code = meta["code"]
    print(f"pipeline bench: N={', '.join(f'{s:,}' for s in sizes)}, {args.repeats} repeat(s), {args.partitions} "
          f"partitions, {meta['cores']} cores, load {meta['loadavg_start']}; code {code['commit'] or '?'}"
          + (f" with {len(code['modified'])} modified file(s): {', '.join(code['modified'][:8])}" if code["modified"] else ""))
    results: dict = {}
    workdir = Path(tempfile.mkdtemp(prefix="bench-pipeline-"))
    try:
        for n in sizes:
            t0 = time.monotonic()
            pages = make_pages(n)
            bodies = bodies_of(pages)
            bodies_path = workdir / f"bodies-{n}.bin"
            write_bodies(bodies, bodies_path)
            print(f"N={n:,}: generated {len(pages):,} pages in {time.monotonic() - t0:.1f}s "
                  f"(HTML {sum(map(len, bodies)) / len(bodies) / 1024:.1f} KiB/page, "
                  f"zstd {sum(len(p.body) for p in pages) / len(pages) / 1024:.1f} KiB/page)")
            reps = []
            for i in range(args.repeats):
                print(f"N={n:,} repeat {i + 1}/{args.repeats}:", end="", flush=True)
                rep = run_repeat(i, pages, bodies_path, args, workdir, pg_problem is None)
                reps.append(rep)
                print_repeat(n, i, args.repeats, rep)
            bodies_path.unlink(missing_ok=True)
            summ = summarize(reps)
            print_summary(n, summ, args.repeats)
            results[str(n)] = {"repeats": reps, "summary": summ}
            if args.json:  # written after every size, so a long run leaves what it measured
                args.json.write_text(json.dumps({"meta": meta, "results": results}, indent=2, default=str))
        print_memory(results)
        meta["loadavg_end"] = loadavg()
        if args.json:
            args.json.write_text(json.dumps({"meta": meta, "results": results}, indent=2, default=str))
            print(f"\nwrote {args.json}")
        if args.keep_logs:
            print(f"stage logs: {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    except KeyboardInterrupt:
        print(f"\ninterrupted; stage logs: {workdir}", file=sys.stderr)
        return 130
    except Exception:
        print(f"\nstage logs: {workdir}", file=sys.stderr)
        raise
    finally:
        _stop(list(_LIVE), grace_s=5)
    return 0


if __name__ == "__main__":
    sys.exit(main())
