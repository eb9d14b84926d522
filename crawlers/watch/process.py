"""The long-running watch: one Scrapy process, one WatchSpider over every enabled portal, until stopped."""

from __future__ import annotations

from scrapy.crawler import CrawlerProcess
from scrapy.settings import Settings

from crawlers.registry import Portal
from crawlers.spiders.watch import WatchSpider


def watch(settings: Settings, portals: list[Portal]) -> int:
    """Run until SIGINT/SIGTERM. The reactor is started once and never restarted, so the metrics endpoint
    lives as long as the process and its counters never reset."""
    settings.set("NEWSINGEST_WATCH", True, priority="cmdline")
    process = CrawlerProcess(settings)
    crawler = process.create_crawler(WatchSpider)
    process.crawl(crawler, portals=portals)
    process.start()
    return 0 if crawler.stats.get_value("finish_reason") in ("shutdown", "finished") else 1
