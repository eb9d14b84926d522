"""Crawl every enabled portal of a registry once (or, with --watch, keep watching them), in one Scrapy process.

Run as `python -m crawlers.run`; the orchestrator (`newsingest up`) starts it as a child process so a
crawl can never block or crash the consumers.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import json
import logging
import sys

from scrapy.crawler import CrawlerProcess
from scrapy.utils.project import get_project_settings

from crawlers.registry import RegistryError, load_registry
from crawlers.middlewares.drops import STATS_PREFIX as DROPPED
from crawlers.spiders.backfill import BackfillSpider
from crawlers.spiders.portal import PortalSpider, quiet_scrapy
from crawlers.watch.process import watch
from schemas.logs import configure_logging


def backfill(settings, portals, portal_id: str, until: str | None, max_pages: int) -> int:
    """One portal's archive, in this process only: niced and one request at a time per host, so the watch
    (another process) never waits behind it."""
    by_id = {p.id: p for p in portals}
    if portal_id not in by_id:
        print(f"error: unknown portal {portal_id!r}; known: {', '.join(sorted(by_id))}", file=sys.stderr)
        return 2
    try:
        until_date = dt.date.fromisoformat(until or "")
    except ValueError:
        print(f"error: --until expects YYYY-MM-DD, got {until!r}", file=sys.stderr)
        return 2
    os.nice(10)
    settings.set("CONCURRENT_REQUESTS_PER_DOMAIN", 1, priority="cmdline")
    process = CrawlerProcess(settings)
    crawler = process.create_crawler(BackfillSpider)
    process.crawl(crawler, portal=by_id[portal_id], until=until_date, max_pages=max_pages)
    process.start()
    stats = crawler.stats
    print(f"backfill of {portal_id} to {until_date}: {stats.get_value('newsingest/published', 0)} page(s) "
          f"published, {stats.get_value('newsingest/dropped', 0)} dropped", file=sys.stderr)
    return 0 if stats.get_value("finish_reason") == "finished" else 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m crawlers.run")
    parser.add_argument("--portals", help="portal registry YAML (default: NEWSINGEST_PORTALS_FILE or bundled)")
    parser.add_argument("--base-url", help="replace {base_url} in the registry (demo and tests)")
    parser.add_argument("--bootstrap-servers", help="override NEWSINGEST_KAFKA_BOOTSTRAP_SERVERS")
    parser.add_argument("--metrics-port", type=int, help="override NEWSINGEST_CRAWLER_METRICS_PORT")
    parser.add_argument("--download-delay", type=float, help="override NEWSINGEST_CRAWL_DOWNLOAD_DELAY_S")
    parser.add_argument("--no-robots", action="store_true", help="ignore robots.txt (local test servers)")
    parser.add_argument("--stats-file", help="write the crawl's totals here as JSON when it ends")
    parser.add_argument("-v", "--verbose", action="store_true", help="log Scrapy's settings and components")
    parser.add_argument("-s", "--set", action="append", default=[], metavar="NAME=VALUE",
                        help="a Scrapy setting, as with `scrapy crawl -s` (benchmarks, tests)")
    parser.add_argument("--backfill", metavar="PORTAL_ID", help="walk this portal's archive back to --until")
    parser.add_argument("--until", metavar="YYYY-MM-DD", help="how far back --backfill goes")
    parser.add_argument("--max-pages", type=int, default=1000, help="listing pages a backfill walks at most")
    parser.add_argument("--watch", action="store_true",
                        help="keep running: poll every portal on its own adaptive schedule (the crawler container)")
    args = parser.parse_args(argv)

    os.environ.setdefault("SCRAPY_SETTINGS_MODULE", "crawlers.settings")
    settings = get_project_settings()
    portals_file = args.portals or settings.get("NEWSINGEST_PORTALS_FILE")
    try:
        portals = [p for p in load_registry(portals_file, base_url=args.base_url) if p.enabled]
    except RegistryError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if args.bootstrap_servers:
        settings.set("NEWSINGEST_KAFKA_BOOTSTRAP_SERVERS", args.bootstrap_servers, priority="cmdline")
    if args.metrics_port is not None:
        settings.set("NEWSINGEST_CRAWLER_METRICS_PORT", args.metrics_port, priority="cmdline")
    if args.download_delay is not None:
        settings.set("DOWNLOAD_DELAY", args.download_delay, priority="cmdline")
        settings.set("AUTOTHROTTLE_ENABLED", False, priority="cmdline")
    if args.no_robots:
        settings.set("ROBOTSTXT_OBEY", False, priority="cmdline")
    for pair in args.set:
        name, sep, value = pair.partition("=")
        if not sep or not name:
            print(f"error: -s expects NAME=VALUE, got {pair!r}", file=sys.stderr)
            return 2
        settings.set(name, value, priority="cmdline")
    if not settings.get("NEWSINGEST_KAFKA_BOOTSTRAP_SERVERS"):
        print("error: no Kafka bootstrap servers; start one with 'newsingest broker' and export "
              "NEWSINGEST_KAFKA_BOOTSTRAP_SERVERS", file=sys.stderr)
        return 2
    quiet_scrapy(args.verbose)
    if settings.get("NEWSINGEST_LOG_FORMAT") == "json":
        # One JSON object per line for every logger, Scrapy's included: Scrapy's own handler is off.
        configure_logging(settings.get("LOG_LEVEL", "INFO"), "json", role="crawler")
        settings.set("LOG_ENABLED", False, priority="cmdline")
    if args.watch:
        if settings.get("NEWSINGEST_REDIS_URL"):  # processes share their work through Redis (crawlers.scale)
            from crawlers.scale import RedisUnavailable
            from crawlers.scale.redis_share import connect

            try:
                connect(settings.get("NEWSINGEST_REDIS_URL")).close()
            except RedisUnavailable as exc:
                print(f"error: {exc}", file=sys.stderr)
                return 2
        return watch(settings, portals)
    if args.backfill:
        return backfill(settings, portals, args.backfill, args.until, args.max_pages)
    # One crawler over every portal: one downloader, whose slots (one per host) make the politeness settings
    # (CONCURRENT_REQUESTS_PER_DOMAIN, DOWNLOAD_DELAY, AutoThrottle, Retry-After pauses) hold per host.
    process = CrawlerProcess(settings)
    crawler = process.create_crawler(PortalSpider)
    crawlers = [crawler]
    process.crawl(crawler, portals=portals)
    process.start()
    failed = sum(c.stats.get_value("newsingest/publish_failed", 0) for c in crawlers)
    # A crawler whose pipeline could not open (broker absent) never records a finish reason.
    failed += sum(1 for c in crawlers if c.stats.get_value("finish_reason") is None)
    published = sum(c.stats.get_value("newsingest/published", 0) for c in crawlers)
    fetched = sum(c.stats.get_value("response_received_count", 0) for c in crawlers)
    # Pages the crawl could not turn into a RawPage (too large, gzip bomb, HTTP error, DNS, ...) are failures.
    dropped: dict[str, int] = {}
    for c in crawlers:
        for key, value in c.stats.get_stats().items():
            if key.startswith(f"{DROPPED}/"):
                dropped[key.removeprefix(f"{DROPPED}/")] = dropped.get(key.removeprefix(f"{DROPPED}/"), 0) + value
    failed += sum(dropped.values())
    if args.stats_file:
        totals = {"fetched": fetched, "published": published, "failed": failed,
                  "portals": len(portals), "download_errors": sum(
                      c.stats.get_value("downloader/exception_count", 0) for c in crawlers),
                  "dropped": sum(dropped.values()), **{f"dropped_{k}": v for k, v in dropped.items()}}
        with open(args.stats_file, "w", encoding="utf-8") as fh:
            json.dump(totals, fh)
    logging.getLogger(__name__).info("crawl finished: %s pages fetched, %s published, %s failed",
                                     fetched, published, failed)
    if not args.stats_file:  # `newsingest up` prints its own summary
        reasons = ", ".join(f"{k} {v}" for k, v in sorted(dropped.items()))
        print(f"crawl finished: {len(portals)} portal(s), {fetched} pages fetched, {published} published, "
              f"{failed} failed" + (f" ({sum(dropped.values())} dropped: {reasons})" if dropped else ""),
              file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
