"""Extraction speed: newsingest's extract function against plain `trafilatura.extract(html)`, honestly.

The baseline is what a caller of trafilatura would run on the same bytes: `trafilatura.extract(html, url=url)`
with trafilatura's default options. It does not call `extract_metadata` (with_metadata is off by default), and
neither does the production call: the portal path reads its own metadata and calls trafilatura with
with_metadata=False. So the difference between the two columns is what newsingest adds (decoding, chrome rules,
title/date/lead/credit reading, the second body assembly for learned boilerplate), nothing else.

The production call is measured as the extract stage makes it: `extract_page(body, url, portal=..., boilerplate=
a BoilerplateMemory shared by the run)`. Both extractors run on every page in every repeat, alternating which goes
first (the first parse of a document pays for cold caches), after one untimed warm-up pass. The main figure is
CPU time per page (time.process_time, which a busy neighbour on a shared core does not inflate the way it does
wall time); every repeat's ratio is printed and summarised as median and min-max.

On the Vietnamese pages a third, informational column runs trafilatura with the options the portal path passes
(favor_recall, include_comments=False, ...) on the same bytes: the part of our cost that is trafilatura's own.

The extract stage's unchanged-page check (`--unchanged`): CPU time of the stage on a page it has delivered
before (decompress, hash, look up), per page and at the 95th percentile, and the memory one remembered page
takes.

    python bench/extraction_speed.py [--repeat 5] [--set vietnamese|zyte|both] [--profile] [--unchanged]
"""

from __future__ import annotations

import argparse
import cProfile
import gzip
import json
import pstats
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import trafilatura

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from consumers.domain.extraction import BoilerplateMemory, PageRejected, extract_page  # noqa: E402

CORPORA = sorted((REPO / "tests" / "corpus").glob("extraction*"))
ZYTE = REPO.parent / "shared" / "benchmarks" / "zyte-article-extraction"


@dataclass(frozen=True)
class Page:
    name: str
    body: bytes
    url: str
    portal: str = ""


def vietnamese_pages(folders: list[Path] | None = None) -> list[Page]:
    """Every labelled page of the extraction corpora (the training set and the held-out sets)."""
    pages = []
    for folder in folders or CORPORA:
        for meta_path in sorted(folder.glob("*.json")):
            html_path = meta_path.with_suffix(".html")
            if html_path.exists():
                meta = json.loads(meta_path.read_text("utf-8"))
                pages.append(Page(f"{folder.name}/{meta_path.stem}", html_path.read_bytes(), meta["url"],
                                  meta.get("portal", "")))
    return pages


def zyte_pages() -> list[Page]:
    truth_path = ZYTE / "ground-truth.json"
    if not truth_path.exists():
        return []
    truth = json.loads(truth_path.read_text("utf-8"))
    return [Page(k, gzip.decompress((ZYTE / "html" / f"{k}.html.gz").read_bytes()), v.get("url", ""))
            for k, v in truth.items()]


def newsingest_call(memory: BoilerplateMemory) -> Callable[[Page], object]:
    def run(page: Page):
        try:
            return extract_page(page.body, page.url, portal=page.portal, boilerplate=memory, max_bytes=50_000_000)
        except PageRejected:
            return None
    return run


def plain_call(page: Page):
    return trafilatura.extract(page.body, url=page.url)


def plain_with_our_options(page: Page):
    return trafilatura.extract(page.body, url=page.url, output_format="txt", include_comments=False,
                               include_tables=True, include_images=False, include_links=False, deduplicate=False,
                               favor_recall=True, with_metadata=False)


def measure(pages: list[Page], extractors: dict[str, Callable[[Page], object]], repeats: int) -> dict[str, list[float]]:
    """CPU seconds per page of each extractor, one figure per repeat. Every extractor sees every page in
    every repeat, in an order that rotates per page and per repeat; one untimed pass warms all of them."""
    names = list(extractors)
    for page in pages:
        for name in names:
            extractors[name](page)
    per_repeat: dict[str, list[float]] = {name: [] for name in names}
    for r in range(repeats):
        totals = dict.fromkeys(names, 0.0)
        for i, page in enumerate(pages):
            shift = (i + r) % len(names)
            for name in names[shift:] + names[:shift]:
                started = time.process_time()
                extractors[name](page)
                totals[name] += time.process_time() - started
        for name in names:
            per_repeat[name].append(totals[name] / len(pages))
    return per_repeat


def _spread(values: list[float], fmt: str = "{:.2f}") -> str:
    return f"{fmt.format(statistics.median(values))} ({fmt.format(min(values))}-{fmt.format(max(values))})"


def report(title: str, pages: list[Page], per_repeat: dict[str, list[float]], out=print) -> dict:
    """Print ms/page per extractor and our ratio to each other column, per repeat and summarised."""
    ours = per_repeat["newsingest"]
    out(f"\n{title}: {len(pages)} pages, {len(ours)} interleaved repeats, CPU time per page (time.process_time)")
    out(f"{'extractor':<34} {'ms/page median (min-max)':>26} {'pages/s':>9}   newsingest / this, per repeat")
    summary = {}
    for name, values in per_repeat.items():
        ratios = [a / b for a, b in zip(ours, values)]
        ms = [v * 1000 for v in values]
        per = " ".join(f"{x:.2f}" for x in ratios)
        label = {"newsingest": "newsingest extract_page",
                 "plain": "trafilatura.extract(html) defaults",
                 "plain_our_options": "  (info) trafilatura, our options"}.get(name, name)
        out(f"{label:<34} {_spread(ms):>26} {1 / statistics.median(values):>9.1f}   "
            + ("" if name == "newsingest" else f"{per}"))
        summary[name] = {"ms_per_page": statistics.median(ms), "ms_min": min(ms), "ms_max": max(ms),
                         "ratio_median": statistics.median(ratios), "ratio_min": min(ratios),
                         "ratio_max": max(ratios)}
    plain = summary["plain"]
    out(f"cost ratio newsingest / plain trafilatura: {plain['ratio_median']:.2f}x "
        f"(repeats {plain['ratio_min']:.2f}-{plain['ratio_max']:.2f}x)")
    return summary


def run_set(which: str, repeats: int, pages: list[Page] | None = None, out=print, title: str | None = None) -> dict | None:
    if which == "vietnamese":
        title = title or ("Vietnamese portal pages" if pages is not None else
                          "Vietnamese portal pages (tests/corpus/extraction*)")
        pages = pages if pages is not None else vietnamese_pages()
        extractors = {"newsingest": newsingest_call(BoilerplateMemory()), "plain": plain_call,
                      "plain_our_options": plain_with_our_options}
    else:
        pages = pages if pages is not None else zyte_pages()
        if not pages:
            out("\n(Zyte benchmark not found beside the repository; skipped)")
            return None
        extractors = {"newsingest": newsingest_call(BoilerplateMemory()), "plain": plain_call}
        title = title or "Zyte article-extraction benchmark pages"
    return report(title, pages, measure(pages, extractors, repeats), out=out)


def profile(pages: list[Page], repeats: int, top: int = 25) -> None:
    """cProfile of the production call alone (after a warm-up pass), top entries by cumulative and own time."""
    call = newsingest_call(BoilerplateMemory())
    for page in pages:
        call(page)
    profiler = cProfile.Profile(time.process_time)
    profiler.enable()
    for _ in range(repeats):
        for page in pages:
            call(page)
    profiler.disable()
    stats = pstats.Stats(profiler)
    stats.sort_stats("cumulative").print_stats(top)
    stats.sort_stats("tottime").print_stats(top)


def unchanged(pages: list[Page], repeats: int, out=print) -> dict:
    """The extract stage on pages it delivered before: what each costs, and what remembering one costs."""
    import tracemalloc

    import zstandard

    from consumers.stages.extract import ExtractStage, SeenPages
    from tests.stage_helpers import raw_page

    stage = ExtractStage(output_topic="articles", max_page_bytes=50_000_000, time_budget_s=60)
    raws = []
    for page in pages:
        raw = raw_page(page.body, url=page.url or f"https://example.vn/{page.name}", portal=page.portal or "x")
        try:
            result = stage(raw)
        except Exception:  # noqa: BLE001 - a rejected page is never remembered
            continue
        if result.on_delivered:
            result.on_delivered()
        raws.append(raw)
    per_page = []
    for _ in range(repeats):
        for raw in raws:
            started = time.process_time()
            result = stage(raw)
            per_page.append(time.process_time() - started)
            assert result.outcome == "unchanged"
    per_page.sort()
    sizes = sorted(len(zstandard.ZstdDecompressor().decompress(r.body)) for r in raws)
    tracemalloc.start()
    seen = SeenPages(10_000)
    before = tracemalloc.get_traced_memory()[0]
    for i in range(10_000):
        seen.remember(f"https://www.example-portal.gov.vn/tin-tuc/thoi-su/bai-viet-so-{i:08d}-ve-hoi-nghi.html",
                      bytes(32), "0" * 64)
    per_entry = (tracemalloc.get_traced_memory()[0] - before) / 10_000
    tracemalloc.stop()
    ms = [t * 1000 for t in per_page]
    figures = {"pages": len(raws), "median_ms": statistics.median(ms), "p95_ms": ms[int(0.95 * (len(ms) - 1))],
               "max_ms": ms[-1], "median_body_bytes": statistics.median(sizes), "bytes_per_entry": per_entry}
    out(f"\nUnchanged pages through the extract stage: {len(raws)} pages x {repeats}, CPU per page "
        f"(decompress + SHA-256 + look-up; median body {figures['median_body_bytes'] / 1000:.0f} kB)")
    out(f"median {figures['median_ms']:.3f} ms, p95 {figures['p95_ms']:.3f} ms, max {figures['max_ms']:.3f} ms; "
        f"one remembered page (90-character URL) {per_entry:.0f} bytes, "
        f"{per_entry * 100_000 / 1e6:.0f} MB for the default 100,000")
    return figures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=5, help="interleaved timed repeats (at least 3)")
    parser.add_argument("--set", choices=("vietnamese", "zyte", "both"), default="both")
    parser.add_argument("--profile", action="store_true", help="cProfile the production call instead of timing")
    parser.add_argument("--unchanged", action="store_true", help="the extract stage on pages it has seen")
    args = parser.parse_args(argv)
    if args.repeat < 3:
        parser.error("--repeat must be at least 3: one repeat gives no spread")
    sets = ("vietnamese", "zyte") if args.set == "both" else (args.set,)
    for which in sets:
        if args.profile:
            pages = vietnamese_pages() if which == "vietnamese" else zyte_pages()
            print(f"\n=== profile: {which}, {len(pages)} pages x {args.repeat} ===")
            profile(pages, args.repeat)
        elif args.unchanged:
            unchanged(vietnamese_pages() if which == "vietnamese" else zyte_pages(), args.repeat)
        else:
            run_set(which, args.repeat)
    return 0


if __name__ == "__main__":
    sys.exit(main())
