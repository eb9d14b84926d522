"""Attacks on the crawler's README guarantees that need a served portal (127.0.0.1 only), by a review helper
(2026-12-06). Each failed on the code as reviewed and passes since the mend."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path


REPO = Path(__file__).resolve().parents[2]


class Site:
    """A tiny portal on 127.0.0.1: `routes(path) -> (status, headers, body, delay_s)`; every hit is logged."""

    def __init__(self, routes) -> None:
        self.routes = routes
        self.hits: list[tuple[float, str, int]] = []
        self.lock = threading.Lock()
        site = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:
                pass

            def do_GET(self) -> None:  # noqa: N802
                arrived = time.monotonic()
                status, headers, body, delay = site.routes(self.path)
                with site.lock:
                    site.hits.append((arrived, self.path, status))
                if delay:
                    time.sleep(delay)
                self.send_response(status)
                for k, v in {"Content-Type": "text/html; charset=utf-8", **headers}.items():
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def __enter__(self):
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


def registry(tmp_path: Path, base: str, *, max_listing_pages: int = 50, extra: str = "") -> Path:
    path = tmp_path / "portals.yaml"
    path.write_text(f"""portals:
  - id: p1
    name: Cổng p1
    province: Hà Giang
    start_urls: ['{base}/p1/list-1.html']
    article_patterns: ['^{base}/p1/a/\\d+\\.html$']
    allow: ['{base}/p1/']
    max_listing_pages: {max_listing_pages}
{extra}""")
    return path


def crawl_once(broker, reg: Path, tmp_path: Path, *args: str, **env_extra: str):
    stats_file = tmp_path / f"stats-{uuid.uuid4().hex[:6]}.json"
    env = {**os.environ, "NEWSINGEST_KAFKA_BOOTSTRAP_SERVERS": broker.bootstrap_servers,
           "NEWSINGEST_TOPIC_RAW_PAGES": f"raw-{uuid.uuid4().hex[:8]}", "NEWSINGEST_CRAWLER_METRICS_PORT": "0",
           **env_extra}
    cmd = [sys.executable, "-m", "crawlers.run", "--portals", str(reg), "--no-robots", "--stats-file",
           str(stats_file), *args]
    result = subprocess.run(cmd, cwd=REPO, env=env, capture_output=True, text=True, timeout=240)
    stats = json.loads(stats_file.read_text()) if stats_file.exists() else {}
    return result.returncode, stats, result.stderr


def page(*links: str) -> bytes:
    return ("<html><body>" + "".join(f"<a href='{u}'>{u}</a> " for u in links) + "</body></html>").encode()


# -- Politeness: "A 429/503 with Retry-After pauses the whole host, retry included, for that long" -------------

def test_the_last_429_with_retry_after_still_pauses_the_host(broker, tmp_path):
    """A chain of slow listing pages keeps requests coming; article 1 answers 429 `Retry-After: 3` every time.
    After *each* 429 nothing else may be sent to the host for 3 s, the answer that used up the retries included."""
    with Site(lambda path: route_429(path, base)) as site:
        base = site.base
        code, stats, stderr = crawl_once(broker, registry(tmp_path, base), tmp_path, "--download-delay", "0",
                                         NEWSINGEST_RETRY_AFTER_MAX_S="10")
        hits = sorted(site.hits)
    throttled = [t for t, p, s in hits if s == 429]
    assert len(throttled) == 3, (hits, stderr[-2000:])  # RETRY_TIMES 2: three answers
    violations = []
    for t429 in throttled:
        during = [(round(t - t429, 2), p) for t, p, s in hits if t429 + 0.2 < t < t429 + 2.8]
        if during:
            violations.append((round(t429 - hits[0][0], 2), during))
    later = [p for t, p, s in hits if t > throttled[-1]]
    assert later, "nothing was left to send after the last 429: the probe proves nothing"
    assert violations == [], f"requests sent to the host while a Retry-After: 3 pause was due: {violations}"


def route_429(path: str, base: str):
    if path == "/p1/a/1.html":
        return 429, {"Retry-After": "3"}, b"slow down", 0
    if path.startswith("/p1/list-"):
        n = int(path.removeprefix("/p1/list-").removesuffix(".html"))
        links = [f"{base}/p1/a/{n}.html"] + ([f"{base}/p1/list-{n + 1}.html"] if n < 40 else [])
        return 200, {}, page(*links), 0.3
    if path.startswith("/p1/a/"):
        return 200, {}, b"<html><body><h1>Bai</h1><p>" + b"Noi dung. " * 50 + b"</p></body></html>", 0
    return 404, {}, b"no", 0


# -- Portal registry / Discovery: "max_listing_pages: 50  # listing pages per crawl or poll, pagination included" --

def test_max_listing_pages_bounds_listing_pages_fetched_per_crawl(broker, tmp_path):
    """Page 1 of the listing shows numbered pagination to pages 2..20 (a common CMS pager). With
    max_listing_pages 3 the crawl may fetch at most 3 listing pages."""
    def route(path: str):
        if path.startswith("/p1/list-"):
            n = int(path.removeprefix("/p1/list-").removesuffix(".html"))
            pager = [f"{base}/p1/list-{k}.html" for k in range(1, 21) if k != n]
            return 200, {}, page(f"{base}/p1/a/{n}.html", *pager), 0
        if path.startswith("/p1/a/"):
            return 200, {}, b"<html><body><h1>Bai</h1><p>" + b"Noi dung. " * 50 + b"</p></body></html>", 0
        return 404, {}, b"no", 0

    with Site(route) as site:
        base = site.base
        code, stats, stderr = crawl_once(broker, registry(tmp_path, base, max_listing_pages=3), tmp_path,
                                         "--download-delay", "0")
        listings = sorted({p for _, p, _ in site.hits if p.startswith("/p1/list-")})
    assert len(listings) <= 3, f"{len(listings)} listing pages fetched with max_listing_pages 3: {listings}"


# -- Source health: "last successful poll, failure streak (a failing portal backs off x2 per failed poll ...)";
#    Watching portals: "A portal whose poll gets no answer at all backs off x2 per failure" -------------------

def test_a_portal_whose_listing_and_feed_fail_is_not_a_successful_poll(broker, tmp_path):
    """The portal itself answers nothing but 503 (listing and feed, after retries). Only the host's robots.txt,
    which the watch asks once per host in the first poll, answers. That poll must count as failed: no last
    success, a streak of 1, the back-off."""
    from tests.integration.test_source_health import HealthWatcher
    from tests.integration.test_watch import wait_for
    from tests.portal_sim import PortalSimulator

    with PortalSimulator() as sim:
        sim.add_portal("down", articles=2).failing = True
        watcher = HealthWatcher(sim, broker, tmp_path).start()
        try:
            wait_for(lambda: watcher.polls_of("down") >= 1, 60, "the first poll of the failing portal")
            first = next(line for line in watcher.log.read_text().splitlines() if "INFO: polled down:" in line)
            metrics = watcher.metrics()
        finally:
            watcher.stop()
        listing = [h.status for h in sim.hits if h.portal == "down"]
    assert listing and set(listing) == {503}, listing  # the portal answered nothing else
    last_success = metrics.get(("newsingest_portal_last_success_timestamp_seconds", (("portal", "down"),)))
    assert "0 answered" in first and last_success is None, (first, last_success)


# -- Safety: "DOWNLOAD_MAXSIZE and DOWNLOAD_TIMEOUT apply to every request, robots.txt, feeds and sitemaps
#    included"; drops: "a body that decompresses past it" is a counted drop --------------------------------------

def test_a_gzip_sitemap_that_inflates_past_download_maxsize_is_refused_and_counted(broker, tmp_path):
    import gzip
    import signal

    from tests.integration.test_watch import wait_for

    maxsize = 4 * 10_000  # DOWNLOAD_MAXSIZE with NEWSINGEST_MAX_PAGE_BYTES=10000
    holder = {}

    def route(path: str):
        base = holder["base"]
        if path == "/p1/list-1.html":
            return 200, {}, page(), 0
        if path == "/p1/sitemap.xml.gz":
            entry = f"<url><loc>{base}/p1/a/1.html</loc></url>"
            pad = "<!--" + "x" * (2_000_000) + "-->"  # inflates to ~2 MB, 50x DOWNLOAD_MAXSIZE
            xml = f"<?xml version='1.0'?><urlset xmlns='http://www.sitemaps.org/schemas/sitemap/0.9'>{entry}{pad}</urlset>"
            body = gzip.compress(xml.encode())
            assert len(body) < maxsize
            return 200, {"Content-Type": "application/x-gzip"}, body, 0
        if path.startswith("/p1/a/"):
            return 200, {}, b"<html><body><h1>Bai</h1><p>" + b"Noi dung. " * 50 + b"</p></body></html>", 0
        return 404, {}, b"no", 0

    with Site(route) as site:
        holder["base"] = base = site.base
        reg = registry(tmp_path, base, extra=f"    sitemaps: ['{base}/p1/sitemap.xml.gz']\n")
        env = {**os.environ, "NEWSINGEST_KAFKA_BOOTSTRAP_SERVERS": broker.bootstrap_servers,
               "NEWSINGEST_TOPIC_RAW_PAGES": f"raw-{uuid.uuid4().hex[:8]}", "NEWSINGEST_CRAWLER_METRICS_PORT": "0",
               "NEWSINGEST_CRAWL_STATE_URL": f"sqlite:///{tmp_path / 'state.db'}", "NEWSINGEST_MAX_PAGE_BYTES": "10000",
               "NEWSINGEST_POLL_MIN_INTERVAL_S": "1", "NEWSINGEST_POLL_INITIAL_INTERVAL_S": "1",
               "NEWSINGEST_POLL_MAX_INTERVAL_S": "2"}
        log = tmp_path / "watch.log"
        proc = subprocess.Popen([sys.executable, "-m", "crawlers.run", "--watch", "--portals", str(reg), "--no-robots",
                                 "--download-delay", "0", "-s", f"DOWNLOAD_MAXSIZE={maxsize}"], cwd=REPO, env=env,
                                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=log.open("w"))
        try:
            wait_for(lambda: "INFO: polled p1:" in log.read_text(), 60, "the first poll")
        finally:
            proc.send_signal(signal.SIGINT)
            proc.wait(60)
        fetched = [p for _, p, _ in site.hits if p.startswith("/p1/a/")]
    text = log.read_text()
    counted = "sitemap.xml.gz" in text and ("decompression_bomb" in text or "too_large" in text)
    assert counted and not fetched, (fetched, [l for l in text.splitlines() if "dropped" in l or "sitemap" in l][:5])
