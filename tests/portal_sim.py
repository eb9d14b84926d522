"""A portal simulator on 127.0.0.1 for the watch tests and bench/watch.py.

Many portals on one server, each under /<portal-id>/: listing pages with pagination, article pages, an RSS
feed, a sitemap, robots.txt with a Sitemap: line. View counters and the visit date change on every request
(so bytes never repeat); portals with `validators=True` send ETag and Last-Modified and answer conditional
requests with 304. Articles appear and are corrected on a controllable clock; every request is logged.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import hashlib
import itertools
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PAGE_SIZE = 10


@dataclass
class SimArticle:
    slug: str
    title: str
    body: str
    published_at: float
    modified_at: float
    story: object | None = None  # a tests.pagegen Story: the page is then rendered in that portal's CMS style


@dataclass
class SimPortal:
    id: str
    validators: bool = True
    articles: list[SimArticle] = field(default_factory=list)  # newest first
    failing: bool = False
    sitemap_only: bool = False  # articles only in /<id>/sitemap.xml (named in robots.txt), not on the listing
    slow_s: float = 0.0  # every answer of this portal waits this long


@dataclass(frozen=True)
class Hit:
    portal: str
    path: str
    status: int
    conditional: bool
    size: int
    at: float = 0.0  # the simulator's clock
    started: float = 0.0  # time.monotonic() when the request arrived (politeness tests)
    host: str = ""  # the Host header the request was sent with


class PortalSimulator:
    def __init__(self, clock=None, corpus=None) -> None:
        """`corpus`: a tests.pagegen.Corpus whose stories give the article pages realistic bodies and chrome
        (about 7 KB, as the demo site's CMS styles); without it, article pages are a few hundred bytes."""
        self.corpus = corpus
        self._stories = itertools.count()
        self.portals: dict[str, SimPortal] = {}
        self.clock = clock or (lambda: dt.datetime.now(dt.timezone.utc).timestamp())
        self.hits: list[Hit] = []
        self._counter = itertools.count(1000)
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        # Optional behaviours (politeness and safety tests); nothing changes unless a test sets them.
        self.scripts: dict[str, list[tuple[int, dict[str, str], bytes]]] = {}
        self.in_flight = 0
        self.max_in_flight = 0

    def script(self, path: str, *answers: tuple[int, dict[str, str], bytes]) -> None:
        """Answer the next requests for `path` (e.g. "/p1/tin-tuc/tin-p1-1.html") with these (status, headers,
        body) in turn (one answer per request), then as usual. Headers may carry Retry-After, Location, Content-Type."""
        with self._lock:
            self.scripts.setdefault(path, []).extend(answers)

    def _scripted(self, handler) -> bool:
        path = handler.path.split("?", 1)[0]
        with self._lock:
            queue = self.scripts.get(path)
            if not queue:
                return False
            status, headers, body = queue.pop(0)
            portal = path.strip("/").split("/", 1)[0]
            self.hits.append(Hit(portal if portal in self.portals else "", path, status, False, len(body),
                                 self.clock(), time.monotonic(), handler.headers.get("Host", "")))
        handler.send_response(status)
        headers = {"Content-Type": "text/html; charset=utf-8", **headers}
        for name, value in headers.items():
            handler.send_header(name, value)
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        if body:
            handler.wfile.write(body)
        return True

    # -- content -------------------------------------------------------------------------------------
    def add_portal(self, portal_id: str, *, articles: int = 0, validators: bool = True,
                   sitemap_only: bool = False) -> SimPortal:
        portal = SimPortal(portal_id, validators, sitemap_only=sitemap_only)
        self.portals[portal_id] = portal
        for _ in range(articles):
            self.add_article(portal_id)
        return portal

    def add_article(self, portal_id: str, published_at: float | None = None) -> SimArticle:
        portal = self.portals[portal_id]
        n = len(portal.articles) + 1
        now = self.clock() if published_at is None else published_at
        article = SimArticle(
            slug=f"tin-{portal_id}-{n}", title=f"Hội nghị Ban Chấp hành Đảng bộ tỉnh lần thứ {n} ({portal_id})",
            body=(f"Sáng {n % 28 + 1}/7, Ban Chấp hành Đảng bộ tỉnh tổ chức Hội nghị lần thứ {n} để đánh giá "
                  f"kết quả thực hiện nhiệm vụ chính trị của {portal_id}. Đồng chí Bí thư Tỉnh ủy chủ trì hội nghị."),
            published_at=now, modified_at=now)
        if self.corpus is not None:
            article.story = self.corpus.stories[next(self._stories) % len(self.corpus.stories)]
            article.title = article.story.title
        with self._lock:
            portal.articles.insert(0, article)
        return article

    def correct_article(self, portal_id: str, slug: str, text: str) -> None:
        for article in self.portals[portal_id].articles:
            if article.slug == slug:
                article.body += " " + text
                article.modified_at = self.clock()

    def article_url(self, portal_id: str, slug: str) -> str:
        return f"{self.base_url}/{portal_id}/tin-tuc/{slug}.html"

    # -- server --------------------------------------------------------------------------------------
    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def registry_yaml(self, max_listing_pages: int = 50, feeds: bool = True) -> str:
        lines = ["portals:"]
        for pid in self.portals:
            base = f"{self.base_url}/{pid}"
            lines += [f"  - id: {pid}", f"    name: Cổng thông tin {pid}", "    province: Hà Giang",
                      f"    start_urls: ['{base}/tin-tuc/']",
                      f"    article_patterns: ['^{base}/tin-tuc/tin-[a-z0-9-]+\\.html$']",
                      f"    allow: ['{base}/']", f"    max_listing_pages: {max_listing_pages}"]
            if feeds and not self.portals[pid].sitemap_only:
                lines.append(f"    feeds: ['{base}/rss.xml']")
        return "\n".join(lines) + "\n"

    def start(self) -> PortalSimulator:
        sim = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:
                pass

            def do_GET(self) -> None:  # noqa: N802 - the stdlib's name
                with sim._lock:
                    sim.in_flight += 1
                    sim.max_in_flight = max(sim.max_in_flight, sim.in_flight)
                try:
                    if not sim._scripted(self):
                        sim._serve(self)
                finally:
                    with sim._lock:
                        sim.in_flight -= 1

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server:
            self._server.shutdown()
            self._server.server_close()

    def __enter__(self) -> PortalSimulator:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    def _chrome(self) -> str:
        visits = next(self._counter)
        today = dt.datetime.now().strftime("%d/%m/%Y %H:%M:%S")
        return f"<div class='top'>Hôm nay: {today} | Lượt truy cập: {visits} | Đang online: {visits % 97}</div>"

    def _serve(self, handler: BaseHTTPRequestHandler) -> None:
        path = handler.path.split("?", 1)[0]
        if path == "/robots.txt":
            sitemaps = "".join(f"Sitemap: {self.base_url}/{p.id}/sitemap.xml\n" for p in self.portals.values()
                               if p.sitemap_only)
            return self._reply(handler, "", path, 200, f"User-agent: *\nAllow: /\n{sitemaps}", "text/plain", None)
        parts = path.strip("/").split("/", 1)
        portal = self.portals.get(parts[0])
        rest = parts[1] if len(parts) > 1 else ""
        if portal is None:
            return self._reply(handler, "", path, 404, "not found", "text/plain", None)
        if portal.slow_s:
            time.sleep(portal.slow_s)
        if portal.failing:
            return self._reply(handler, portal.id, path, 503, "down", "text/plain", None)
        with self._lock:
            articles = list(portal.articles)
        base = f"{self.base_url}/{portal.id}"
        if rest in ("tin-tuc/", "tin-tuc") or rest.startswith("tin-tuc/page-"):
            page = int(rest.removeprefix("tin-tuc/page-").removesuffix(".html") or 1) if "page-" in rest else 1
            chunk = [] if portal.sitemap_only else articles[(page - 1) * PAGE_SIZE: page * PAGE_SIZE]
            items = "".join(f"<li><a href='{base}/tin-tuc/{a.slug}.html'>{a.title}</a> <span>"
                            f"{dt.datetime.fromtimestamp(a.published_at).strftime('%d/%m/%Y')}</span></li>"
                            for a in chunk)
            more = f"<a href='{base}/tin-tuc/page-{page + 1}.html'>Trang sau</a>" if page * PAGE_SIZE < len(articles) else ""
            body = f"<html><body>{self._chrome()}<ul>{items}</ul>{more}</body></html>"
            modified = max((a.modified_at for a in chunk), default=0.0)
            return self._reply(handler, portal.id, path, 200, body, "text/html; charset=utf-8",
                               (hashlib.sha1("".join(a.slug for a in chunk).encode()).hexdigest(), modified)
                               if portal.validators else None)
        if rest == "sitemap.xml" and portal.sitemap_only:
            urls = "".join(f"<url><loc>{base}/tin-tuc/{a.slug}.html</loc><lastmod>"
                           f"{dt.datetime.fromtimestamp(a.modified_at, dt.timezone.utc).isoformat()}</lastmod></url>"
                           for a in articles)
            body = ("<?xml version='1.0' encoding='UTF-8'?><urlset "
                    f"xmlns='http://www.sitemaps.org/schemas/sitemap/0.9'>{urls}</urlset>")
            return self._reply(handler, portal.id, path, 200, body, "application/xml", None)
        if rest == "rss.xml":
            items = "".join(f"<item><title>{a.title}</title><link>{base}/tin-tuc/{a.slug}.html</link>"
                            f"<pubDate>{email.utils.formatdate(a.modified_at, usegmt=True)}</pubDate></item>"
                            for a in articles[:20])
            body = f"<?xml version='1.0' encoding='UTF-8'?><rss version='2.0'><channel>{items}</channel></rss>"
            modified = max((a.modified_at for a in articles[:20]), default=0.0)
            tag = hashlib.sha1("".join(f"{a.slug}{a.modified_at}" for a in articles[:20]).encode()).hexdigest()
            return self._reply(handler, portal.id, path, 200, body, "application/rss+xml",
                               (tag, modified) if portal.validators else None)
        for article in articles:
            if rest == f"tin-tuc/{article.slug}.html":
                if article.story is not None:
                    page = self.corpus.render(article.story, 0, next(self._counter)).decode("utf-8")
                    extra = article.body.split("Tỉnh ủy chủ trì hội nghị.", 1)[-1]  # corrections, if any
                    body = page.replace("</body>", f"<p>{extra}</p></body>", 1) if extra.strip() else page
                else:
                    body = (f"<html><head><title>{article.title}</title></head><body>{self._chrome()}"
                            f"<article><h1>{article.title}</h1><p>{article.body}</p></article></body></html>")
                tag = hashlib.sha1(f"{article.slug}{article.modified_at}".encode()).hexdigest()
                return self._reply(handler, portal.id, path, 200, body, "text/html; charset=utf-8",
                                   (tag, article.modified_at) if portal.validators else None)
        return self._reply(handler, portal.id, path, 404, "not found", "text/plain", None)

    def _reply(self, handler, portal_id: str, path: str, status: int, body: str, content_type: str,
               validators: tuple[str, float] | None) -> None:
        conditional = bool(handler.headers.get("If-None-Match") or handler.headers.get("If-Modified-Since"))
        payload = body.encode("utf-8")
        headers = {"Content-Type": content_type}
        if validators is not None:
            etag, modified = f'"{validators[0]}"', email.utils.formatdate(validators[1], usegmt=True)
            headers.update({"ETag": etag, "Last-Modified": modified})
            if handler.headers.get("If-None-Match") == etag:
                status, payload = 304, b""
        with self._lock:
            self.hits.append(Hit(portal_id, path, status, conditional, len(payload), self.clock(), time.monotonic(),
                                 handler.headers.get("Host", "")))
        handler.send_response(status)
        for name, value in headers.items():
            handler.send_header(name, value)
        handler.send_header("Content-Length", str(len(payload)))
        handler.end_headers()
        if payload:
            handler.wfile.write(payload)

    def article_fetches(self, portal_id: str | None = None) -> list[Hit]:
        with self._lock:
            return [h for h in self.hits if "/tin-tuc/tin-" in h.path and (portal_id is None or h.portal == portal_id)]
