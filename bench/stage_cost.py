"""CPU cost per page of each consumer stage, in one process, against plain trafilatura on the same pages.

The production stage objects (deploy.wiring.build_stage: ExtractStage, ProcessStage on SQLite) are called
directly, without a broker, so the figures are the stages' own work. For N generated pages (tests/pagegen.py):

* extract, new page: ExtractStage on every page once, and plain `trafilatura.extract` on the same bytes;
* process, new article: ProcessStage on the extract stage's Articles, into an empty database (classification,
  dedup lookup, store, report);
* unchanged, replayed: the same RawPages again through extract (the unchanged-page check) and the same Articles
  again through process (the exact-duplicate check before classification);
* unchanged, re-crawled: the same stories fetched again (new visit counters and dates, so new bytes) through
  extract and then process: what a re-check window costs.

CPU time is `time.process_time()` of this process (the stages run in it; SQLite runs in it too). Each figure is
the median of --repeats runs (each on a fresh database) with min–max.

    python bench/stage_cost.py [--pages 1000] [--repeats 3]
"""

from __future__ import annotations

import argparse
import gc
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

BASE_URL = "http://127.0.0.1:8080"


def _cpu_ms_per_item(fn, items) -> float:
    gc.collect()
    start = time.process_time()
    for item in items:
        fn(item)
    return 1000 * (time.process_time() - start) / max(1, len(items))


def one_run(n: int, seed: int) -> dict[str, float]:
    import trafilatura
    from prometheus_client import CollectorRegistry

    from consumers.adapters.metrics import ConsumerMetrics
    from consumers.stages.extract import decompress_body
    from deploy.wiring import build_stage
    from schemas.settings import load_settings
    from tests.pagegen import Corpus

    corpus = Corpus(seed=seed, pages=n)
    first = [corpus.raw_page(story, version, 1, BASE_URL) for story, version in corpus.phase(0)]
    again = [corpus.raw_page(story, version, 2, BASE_URL) for story, version in corpus.phase(0)]
    bodies = [decompress_body(p, 50_000_000) for p in first]
    out: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as tmp:
        settings = load_settings(database_url=f"sqlite:///{tmp}/cost.db")
        metrics = ConsumerMetrics(CollectorRegistry())
        extract, _, _ = build_stage("extract", settings, metrics)
        process, _, _ = build_stage("process", settings, metrics)
        articles = []

        def run_extract(page):
            result = extract(page)
            for output in result.outputs:
                articles.append(output.value)
            if result.on_delivered:
                result.on_delivered()

        # A running stage is warm: imports (pyvi's model: about 1.6 s) and caches are paid once, before timing,
        # on pages of another corpus.
        warm = Corpus(seed=seed + 1000, pages=5)
        for story, version in warm.phase(0):
            for output in extract(warm.raw_page(story, version, 1, BASE_URL)).outputs:
                process(output.value)
        trafilatura.extract(bodies[0])
        out["trafilatura_ms"] = _cpu_ms_per_item(
            lambda body: trafilatura.extract(body), bodies)
        out["extract_new_ms"] = _cpu_ms_per_item(run_extract, first)
        new_articles = list(articles)
        out["process_new_ms"] = _cpu_ms_per_item(process, new_articles)
        out["extract_replayed_ms"] = _cpu_ms_per_item(extract, first)
        out["process_replayed_ms"] = _cpu_ms_per_item(process, new_articles)
        articles.clear()
        out["extract_recrawled_ms"] = _cpu_ms_per_item(run_extract, again)
        out["process_recrawled_ms"] = _cpu_ms_per_item(process, list(articles))
        process.store.dispose()
    out["articles"] = len(new_articles)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pages", type=int, default=1000)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args(argv)
    runs = [one_run(args.pages, seed=7 + k) for k in range(args.repeats)]

    def fig(key: str) -> str:
        values = [r[key] for r in runs]
        return f"{statistics.median(values):7.2f} ({min(values):.2f}–{max(values):.2f})"

    print(f"{args.pages} generated pages, {args.repeats} runs; CPU ms per page, median (min–max)")
    print(f"plain trafilatura.extract, same bytes     {fig('trafilatura_ms')}")
    print(f"extract stage, new page                   {fig('extract_new_ms')}   "
          f"ratio {statistics.median(r['extract_new_ms'] / r['trafilatura_ms'] for r in runs):.2f}x")
    print(f"process stage, new article (SQLite)       {fig('process_new_ms')}   target <= 3 ms")
    print(f"extract stage, replayed page (same bytes) {fig('extract_replayed_ms')}")
    print(f"process stage, replayed article           {fig('process_replayed_ms')}")
    total = [r["extract_replayed_ms"] + r["process_replayed_ms"] for r in runs]
    print(f"consumers, replayed page in all           {statistics.median(total):7.2f} ({min(total):.2f}–{max(total):.2f})"
          "   target <= 1 ms")
    print(f"extract stage, re-crawled page (new bytes){fig('extract_recrawled_ms')}")
    print(f"process stage, re-crawled article         {fig('process_recrawled_ms')}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
