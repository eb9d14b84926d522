"""Every page the crawler fails to deliver is counted with its reason (issue 9, item 7).

A page over DOWNLOAD_MAXSIZE (announced by Content-Length, or streamed without one), a gzip bomb and an
HTTP error Scrapy filters used to vanish with "0 failed". The crawl runs in a child process (Scrapy's
reactor runs once per process) with the project's settings, against a local HTTP server.
"""

from __future__ import annotations

import gzip
import json
import os
import subprocess
import sys
import textwrap
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
MAX_PAGE_BYTES = 100_000  # DOWNLOAD_MAXSIZE is four times this: 400 kB
ARTICLE = ("<html><head><meta charset='utf-8'><title>Hội nghị Ban Chấp hành</title></head><body>"
           "<h1>Hội nghị Ban Chấp hành Đảng bộ tỉnh</h1><p>Sáng 17/1, đồng chí Bí thư Tỉnh ủy chủ trì hội nghị."
           "</p></body></html>").encode("utf-8")
BIG = ARTICLE.replace(b"</body>", b"<p>" + b"x" * 600_000 + b"</p></body>")
BOMB = gzip.compress(b"<html><body>" + b"\0" * 20_000_000 + b"</body></html>")


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.0"

    def log_message(self, *args) -> None:
        pass

    def _send(self, status: int, body: bytes, headers: dict[str, str] | None = None, length: bool = True):
        self.send_response(status)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        if length:
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        try:
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the crawler hung up on a page over its size cap: that is the point

    def do_GET(self) -> None:
        path = self.path
        if path == "/site/index.html":
            links = "".join(f'<a href="/site/news/{name}.html">{name}</a>'
                            for name in ("ok-1", "big-2", "stream-3", "bomb-4", "forbidden-5"))
            self._send(200, f"<html><body>{links}</body></html>".encode())
        elif path == "/site/news/ok-1.html":
            self._send(200, ARTICLE)
        elif path == "/site/news/big-2.html":
            self._send(200, BIG)  # Content-Length announces it: cancelled before the body
        elif path == "/site/news/stream-3.html":
            self._send(200, BIG, length=False)  # no length: cancelled while streaming
        elif path == "/site/news/bomb-4.html":
            self._send(200, BOMB, {"Content-Encoding": "gzip"})
        elif path == "/site/news/forbidden-5.html":
            self._send(403, b"<html><body>Forbidden</body></html>")
        else:
            self._send(404, b"not found")


@pytest.fixture
def drop_site():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


CRAWL = textwrap.dedent("""
    import json, os, sys
    os.environ["SCRAPY_SETTINGS_MODULE"] = "crawlers.settings"
    from prometheus_client import REGISTRY, generate_latest
    from scrapy.crawler import CrawlerProcess
    from scrapy.utils.project import get_project_settings
    from crawlers.registry import load_registry
    from crawlers.spiders.portal import PortalSpider

    settings = get_project_settings()
    settings.set("ITEM_PIPELINES", {}, priority="cmdline")  # no broker here: drops happen before publishing
    settings.set("AUTOTHROTTLE_ENABLED", False, priority="cmdline")
    settings.set("DOWNLOAD_DELAY", 0, priority="cmdline")
    (portal,) = load_registry(sys.argv[1])
    process = CrawlerProcess(settings)
    crawler = process.create_crawler(PortalSpider)
    process.crawl(crawler, portal=portal)
    process.start()
    metrics = [line for line in generate_latest(REGISTRY).decode().splitlines()
               if line.startswith("newsingest_pages_dropped_total{")]
    print(json.dumps({"stats": {k: v for k, v in crawler.stats.get_stats().items() if isinstance(v, (int, str))},
                      "metrics": metrics}))
""")


def test_pages_over_the_size_cap_a_gzip_bomb_and_http_errors_are_counted_drops(drop_site, tmp_path):
    registry = tmp_path / "portals.yaml"
    registry.write_text(textwrap.dedent(f"""
        portals:
          - id: dropsite
            name: "Drop site"
            province: "Cao Bằng"
            start_urls: ["{drop_site}/site/index.html"]
            article_patterns: ['^{drop_site}/site/news/[a-z]+-\\d+\\.html$']
            allow: ["{drop_site}/site/"]
    """), encoding="utf-8")
    env = {**os.environ, "NEWSINGEST_MAX_PAGE_BYTES": str(MAX_PAGE_BYTES), "NEWSINGEST_CRAWLER_METRICS_PORT": "0",
           "NEWSINGEST_CRAWL_DOWNLOAD_DELAY_S": "0", "NEWSINGEST_LOG_LEVEL": "INFO"}
    result = subprocess.run([sys.executable, "-c", CRAWL, str(registry)], cwd=REPO, env=env,
                            capture_output=True, text=True, timeout=180)
    assert result.returncode == 0, result.stderr[-3000:]
    out = json.loads(result.stdout.strip().splitlines()[-1])
    stats, metrics = out["stats"], out["metrics"]

    assert stats.get("item_scraped_count") == 1  # the good page still gets through
    assert stats.get("newsingest/dropped/too_large") == 2, stats
    assert stats.get("newsingest/dropped/decompression_bomb") == 1, stats
    assert stats.get("newsingest/dropped/http_error") == 1, stats
    assert stats.get("newsingest/dropped") == 4, stats
    # The same counts on the crawler's Prometheus endpoint, labelled by portal and a fixed reason set.
    assert 'newsingest_pages_dropped_total{portal="dropsite",reason="too_large"} 2.0' in metrics
    assert 'newsingest_pages_dropped_total{portal="dropsite",reason="decompression_bomb"} 1.0' in metrics
    assert 'newsingest_pages_dropped_total{portal="dropsite",reason="http_error"} 1.0' in metrics
    # And in the crawl's end summary in the log, never silently.
    assert "dropsite: 4 page(s) dropped" in result.stderr, result.stderr[-3000:]
