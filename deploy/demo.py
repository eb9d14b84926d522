"""`newsingest demo`: the bundled sample portals served on 127.0.0.1, one `up --once`, a table of reports."""

from __future__ import annotations

import functools
import tempfile
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources
from pathlib import Path

from rich.console import Console

from consumers.adapters.store import Store
from deploy.broker import free_port
from deploy.orchestrator import Orchestrator, UpOptions, format_summary
from deploy.wiring import new_metrics
from schemas.settings import load_settings


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:  # the demo prints its own summary
        pass


class SiteServer:
    """A static site on 127.0.0.1 at a free port, in a background thread."""

    def __init__(self, root: Path) -> None:
        self.root = root
        handler = functools.partial(_QuietHandler, directory=str(root))
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def __enter__(self) -> SiteServer:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def demo_site_root() -> Path:
    return Path(str(resources.files("deploy").joinpath("demo_site")))


def next_steps(keep_db: Path | None) -> list[str]:
    if keep_db is not None:
        reports = f"newsingest reports --format json --database-url sqlite:///{keep_db.expanduser().resolve()}"
    else:
        reports = ("newsingest demo --keep-db demo.db && "
                   "newsingest reports --format json --database-url sqlite:///demo.db")
    return [
        "next steps:",
        f"  the reports as JSON:   {reports}",
        "  metrics:               newsingest up, then curl http://127.0.0.1:9464/metrics (NEWSINGEST_METRICS_PORT)",
        "  on PostgreSQL:         NEWSINGEST_DATABASE_URL=postgresql://USER@HOST/DB newsingest up --once",
    ]


def run_demo(console: Console, keep_db: Path | None = None, verbose: bool = False) -> list[dict]:
    from rich.markup import escape

    from deploy.cli import print_reports, report_rows

    root = demo_site_root()
    with tempfile.TemporaryDirectory(prefix="newsingest-demo-") as tmp:
        db_path = keep_db or Path(tmp) / "demo.db"
        settings = load_settings(
            database_url=f"sqlite:///{db_path}", kafka_bootstrap_servers=None,
            metrics_port=free_port(), crawler_metrics_port=free_port(), topic_partitions=1,
            log_level="WARNING",  # the demo prints its own summary
        )
        with SiteServer(root) as site:
            console.print(f"sample portals on {site.base_url}; embedded broker; database {db_path}", highlight=False)
            options = UpOptions(once=True, portals_file=root / "portals.yaml", base_url=site.base_url,
                                crawl_download_delay_s=0.0, obey_robots=False, verbose=verbose)
            summary = Orchestrator(settings, new_metrics(), options).run()
        store = Store(settings.database_url)
        rows = report_rows(store)
        store.dispose()
        print_reports(console, rows)
        for line in format_summary(summary) + next_steps(keep_db):
            console.print(escape(line), highlight=False)
        return rows
