"""Runs the watch crawler for tests: `python -m tests.watch_driver REGISTRY -s NAME=VALUE ...`."""

from __future__ import annotations

import os
import sys

from scrapy.utils.project import get_project_settings

from crawlers.registry import load_registry
from crawlers.watch.process import watch


def main(argv: list[str]) -> int:
    os.environ.setdefault("SCRAPY_SETTINGS_MODULE", "crawlers.settings")
    settings = get_project_settings()
    registry, rest = argv[0], argv[1:]
    pairs = [rest[i + 1] for i in range(0, len(rest), 2) if rest[i] == "-s"]
    for pair in pairs:
        name, _, value = pair.partition("=")
        settings.set(name, value, priority="cmdline")
    settings.set("ROBOTSTXT_OBEY", False, priority="cmdline")
    settings.set("DEPTH_LIMIT", 0, priority="cmdline")
    settings.set("AUTOTHROTTLE_ENABLED", False, priority="cmdline")
    settings.set("DOWNLOAD_DELAY", 0, priority="cmdline")
    middlewares = dict(settings.getdict("DOWNLOADER_MIDDLEWARES"))
    middlewares["crawlers.middlewares.conditional_get.ConditionalGetMiddleware"] = 580
    settings.set("DOWNLOADER_MIDDLEWARES", middlewares, priority="cmdline")
    extensions = dict(settings.getdict("EXTENSIONS"))
    extensions["crawlers.extensions.watch_loop.WatchLoop"] = 600
    settings.set("EXTENSIONS", extensions, priority="cmdline")
    return watch(settings, load_registry(registry))


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
