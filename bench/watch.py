"""Watching, measured: a simulated week of polling over simulated portals, then new articles' latency.

    python bench/watch.py                          # 40 portals, a quiet week compressed 2400x (about 5 minutes)
    python bench/watch.py --portals 5000 --scale 1 --minutes 15 --busy 0.1   # country scale, real time

The crawler is the production watch (`python -m crawlers.run --watch`) in its own process, publishing to an
embedded broker; the portal simulator (tests/portal_sim.py) serves the portals on 127.0.0.1 with view
counters that change on every request, half of them with ETag/Last-Modified. Prints, for the quiet week:
article pages refetched outside re-check windows (target 0), bytes per re-poll as a share of the first poll
(target <= 5 %), requests per portal per day; for new articles: time from appearance to the RawPage on the
raw-pages topic against the portal's poll interval (target <= interval + 5 s). At country scale: share of polls
started on time (within 30 s of due; target >= 99 %), crawler CPU (target < 1 core) and peak RSS (< 1 GB).
"""

from __future__ import annotations

import argparse
import os
import random
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from crawlers.extensions.watch_loop import scaled_clock  # noqa: E402
from deploy.broker import EmbeddedBroker, free_port  # noqa: E402
from tests.pagegen import Corpus  # noqa: E402
from tests.portal_sim import PortalSimulator  # noqa: E402

DAY = 86400.0


def metric(text: str, name: str, **labels: str) -> float:
    total = 0.0
    for line in text.splitlines():
        if not line.startswith(name):
            continue
        match = re.match(rf"{re.escape(name)}(\{{[^}}]*\}})? ([0-9.e+-]+)$", line)
        if match and all(f'{k}="{v}"' in (match.group(1) or "") for k, v in labels.items()):
            total += float(match.group(2))
    return total


def histogram_share(text: str, name: str, le: str) -> float:
    below = metric(text, f"{name}_bucket", le=le)
    count = metric(text, f"{name}_count")
    return below / count if count else 1.0


class Crawler:
    def __init__(self, registry: Path, broker: str, topic: str, state_url: str, scale: float, epoch: float,
                 bounds: tuple[float, float, float], first_spread_s: float, log: Path) -> None:
        self.port = free_port()
        env = {**os.environ, "NEWSINGEST_KAFKA_BOOTSTRAP_SERVERS": broker, "NEWSINGEST_TOPIC_RAW_PAGES": topic,
               "NEWSINGEST_CRAWLER_METRICS_PORT": str(self.port), "NEWSINGEST_METRICS_HOST": "127.0.0.1",
               "NEWSINGEST_ALLOW_LOCAL_HOSTS": "true",
               "NEWSINGEST_LOG_LEVEL": os.environ.get("BENCH_CRAWLER_LOG_LEVEL", "WARNING"), "NEWSINGEST_CRAWL_STATE_URL": state_url,
               "NEWSINGEST_POLL_MIN_INTERVAL_S": str(bounds[0]), "NEWSINGEST_POLL_INITIAL_INTERVAL_S": str(bounds[1]),
               "NEWSINGEST_POLL_MAX_INTERVAL_S": str(bounds[2])}
        # Scrapy-level knobs of the benchmark: the simulated clock, and one local host standing for many.
        settings = {"NEWSINGEST_WATCH_TIME_SCALE": scale, "NEWSINGEST_WATCH_EPOCH": epoch,
                    "NEWSINGEST_WATCH_TICK_S": 0.05 if scale > 1 else 1.0,
                    "NEWSINGEST_POLL_FIRST_SPREAD_S": first_spread_s,
                    "CONCURRENT_REQUESTS": 64, "CONCURRENT_REQUESTS_PER_DOMAIN": 64}
        args = [sys.executable, "-m", "crawlers.run", "--watch", "--portals", str(registry), "--no-robots",
                "--download-delay", "0"]
        for name, value in settings.items():
            args += ["-s", f"{name}={value}"]
        self.proc = subprocess.Popen(args, env=env, cwd=REPO, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                     stderr=log.open("w"))

    def metrics(self) -> str:
        for _ in range(50):
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/metrics", timeout=5) as resp:
                    return resp.read().decode()
            except OSError:
                time.sleep(0.2)
        raise RuntimeError("crawler metrics endpoint not reachable")

    def cpu_seconds(self) -> float:
        fields = Path(f"/proc/{self.proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def peak_rss_mb(self) -> float:
        for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
        return 0.0

    def stop(self) -> None:
        self.proc.send_signal(signal.SIGINT)
        self.proc.wait(120)


def wait(predicate, timeout_s: float) -> bool:
    end = time.monotonic() + timeout_s
    while time.monotonic() < end:
        if predicate():
            return True
        time.sleep(0.2)
    return False


def topic_has(consumer, url: str) -> bool:
    for records in consumer.poll(timeout_ms=200).values():
        for record in records:
            if record.key and record.key.decode() == url:
                return True
    return False


def outside_windows(hits, since: float, windows=(3600.0, 21600.0, 86400.0)) -> int:
    """Article fetches after `since` that no re-check window explains: a fetch at t is explained when some
    window opened (first fetch + w <= t) after the previous fetch of that page."""
    by_path: dict[str, list[float]] = {}
    for hit in hits:
        by_path.setdefault(hit.path, []).append(hit.at)
    outside = 0
    for times in by_path.values():
        first = times[0]
        for previous, t in zip(times, times[1:]):
            if t >= since and not any(previous < first + w <= t for w in windows):
                outside += 1
    return outside


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--portals", type=int, default=40)
    parser.add_argument("--articles", type=int, default=20, help="articles per portal at the start")
    parser.add_argument("--scale", type=float, default=2400.0, help="simulated seconds per real second")
    parser.add_argument("--days", type=float, default=7.0, help="simulated quiet days (scale > 1)")
    parser.add_argument("--minutes", type=float, default=15.0, help="real minutes at country scale (scale 1)")
    parser.add_argument("--busy", type=float, default=0.1, help="share of portals with a new article every poll")
    parser.add_argument("--new-articles", type=int, default=5, help="articles added one by one at the end")
    args = parser.parse_args()

    from kafka import KafkaConsumer

    epoch = time.time()
    clock = scaled_clock(args.scale, epoch)
    work = Path(tempfile.mkdtemp(prefix="newsingest-watch-bench-"))
    # Article pages in the demo site's CMS styles (about 7 KB with their chrome), as real portals serve them.
    sim = PortalSimulator(clock=clock, corpus=Corpus(seed=5, pages=max(200, args.articles * 4))).start()
    for i in range(args.portals):
        sim.add_portal(f"p{i:04d}", articles=args.articles, validators=i % 2 == 0)
    registry = work / "portals.yaml"
    registry.write_text(sim.registry_yaml())
    bounds = (600.0, 900.0, 6 * 3600.0)
    country = args.scale == 1.0
    with EmbeddedBroker() as broker:
        topic = "bench.raw-pages"
        crawler = Crawler(registry, broker.bootstrap_servers, topic, f"sqlite:///{work / 'state.db'}", args.scale,
                          epoch, bounds, 600.0 if country else 0.0, work / "crawler.log")
        try:
            return (run_country if country else run_week)(args, sim, crawler, broker, topic, clock, KafkaConsumer)
        finally:
            crawler.stop()
            sim.stop()
            print(f"(crawler log: {work / 'crawler.log'})")


def run_week(args, sim, crawler, broker, topic, clock, consumer_cls) -> int:
    total = args.portals * args.articles
    started = time.monotonic()
    # The quiet week starts once every portal finished its first poll and every article was fetched (fast
    # portals poll again meanwhile; counting from before the slowest finished would count its first poll).
    if not wait(lambda: len({h.path for h in sim.article_fetches()}) >= total, 600):
        print(f"first poll incomplete: {len({h.path for h in sim.article_fetches()})}/{total} articles")
        return 1
    wait(lambda: all(metric(text, "newsingest_portal_polls_total", portal=p) >= 1
                     for text in [crawler.metrics()] for p in sim.portals), 120)
    first_hits = list(sim.hits)
    # What a first poll costs: each URL's first answer (fast portals' later re-polls are not part of it).
    first_seen: dict[str, int] = {}
    for hit in first_hits:
        first_seen.setdefault(hit.path, hit.size)
    first_bytes = sum(first_seen.values()) / args.portals
    print(f"first poll: {total} articles from {args.portals} portals in {time.monotonic() - started:.1f}s real, "
          f"{first_bytes / 1024:.1f} KiB per portal")
    before = crawler.metrics()
    week_start = clock()
    while clock() - week_start < args.days * DAY:
        time.sleep(0.5)
    after = crawler.metrics()
    week = sim.hits[len(first_hits):]
    polls = metric(after, "newsingest_portal_polls_total") - metric(before, "newsingest_portal_polls_total")
    article_hits = [h for h in week if "/tin-tuc/tin-" in h.path]
    rechecks = (metric(after, "newsingest_article_fetches_total", reason="recheck")
                - metric(before, "newsingest_article_fetches_total", reason="recheck"))
    outside = outside_windows(sim.article_fetches(), week_start)
    reasons = {r: metric(after, "newsingest_article_fetches_total", reason=r)
               - metric(before, "newsingest_article_fetches_total", reason=r) for r in ("new", "announced", "recheck")}
    print(f"  article requests by reason: {reasons}")
    repoll_bytes = sum(h.size for h in week if "/tin-tuc/tin-" not in h.path) / max(polls, 1)
    print(f"quiet week ({args.days:g} simulated days, {args.scale:g}x): {int(polls)} polls, "
          f"{len(week) / args.portals / args.days:.1f} requests per portal per day")
    print(f"  article pages refetched outside re-check windows: {outside} (target 0); "
          f"inside windows: {int(rechecks)} ({sum(h.status == 304 for h in article_hits)} answered 304)")
    recheck_bytes = sum(h.size for h in article_hits)
    print(f"  bytes per re-poll (listings, feeds, robots): {repoll_bytes / 1024:.2f} KiB = "
          f"{100 * repoll_bytes / first_bytes:.2f} % of the first poll (target <= 5 %); re-checks of article "
          f"pages add {recheck_bytes / 1024 / args.portals:.1f} KiB per portal over the whole week")

    consumer = consumer_cls(bootstrap_servers=broker.bootstrap_servers, group_id=None, auto_offset_reset="latest")
    consumer.subscribe([topic])
    consumer.poll(timeout_ms=1000)
    rand = random.Random(7)
    latencies, allowed = [], []
    for _ in range(args.new_articles):
        time.sleep(rand.uniform(0, 3))
        portal = f"p{rand.randrange(args.portals):04d}"
        interval = metric(crawler.metrics(), "newsingest_portal_poll_interval_seconds", portal=portal)
        article = sim.add_article(portal)
        t0 = time.monotonic()
        url = sim.article_url(portal, article.slug)
        seen = wait(lambda: topic_has(consumer, url), 120)
        latencies.append(time.monotonic() - t0 if seen else float("inf"))
        allowed.append(interval / args.scale + 5)
    consumer.close()
    ok = all(lat <= lim for lat, lim in zip(latencies, allowed, strict=True))
    print(f"new article -> RawPage on the topic: {', '.join(f'{x:.1f}' for x in latencies)} s real "
          f"(median {statistics.median(latencies):.1f}); allowed (poll interval/{args.scale:g} + 5 s): "
          f"{', '.join(f'{x:.1f}' for x in allowed)} -> {'met' if ok else 'MISSED'}")
    print(f"crawler: {crawler.cpu_seconds():.1f} CPU s, peak RSS {crawler.peak_rss_mb():.0f} MB")
    return 0 if outside == 0 and ok and repoll_bytes / first_bytes <= 0.05 else 1


def run_country(args, sim, crawler, broker, topic, clock, consumer_cls) -> int:
    busy = [pid for i, pid in enumerate(sim.portals) if i < args.portals * args.busy]
    stop = threading.Event()

    def publish_news() -> None:  # the busiest portals publish about every 5 minutes
        rand = random.Random(11)
        while not stop.wait(300 / max(len(busy), 1)):
            sim.add_article(rand.choice(busy))

    threading.Thread(target=publish_news, daemon=True).start()
    cpu0, t0 = crawler.cpu_seconds(), time.monotonic()
    time.sleep(args.minutes * 60)
    stop.set()
    text = crawler.metrics()
    cpu = (crawler.cpu_seconds() - cpu0) / (time.monotonic() - t0)
    polls = metric(text, "newsingest_portal_polls_total")
    on_time = histogram_share(text, "newsingest_poll_start_delay_seconds", "30.0")
    busy_intervals = [metric(text, "newsingest_portal_poll_interval_seconds", portal=p) for p in busy[:50]]
    print(f"country scale: {args.portals} portals, {args.minutes:g} real minutes, {int(polls)} polls, "
          f"{len(sim.hits)} requests, {len(sim.article_fetches())} article fetches")
    print(f"  polls started on time (within 30 s of due): {100 * on_time:.2f} % (target >= 99 %)")
    print(f"  crawler CPU: {cpu:.2f} cores (target < 1); peak RSS {crawler.peak_rss_mb():.0f} MB (target < 1024)")
    if busy_intervals:
        print(f"  busiest portals' poll interval: median {statistics.median(busy_intervals):.0f} s")
    return 0 if on_time >= 0.99 and cpu < 1 and crawler.peak_rss_mb() < 1024 else 1


if __name__ == "__main__":
    sys.exit(main())
