"""Extraction quality and speed: newsingest's extract stage side by side with plain trafilatura.

Prints, per page and overall, on a labelled Vietnamese portal corpus (tests/corpus/extraction by default):
body precision/recall/F1 on sentences (NFC, whitespace folded), chrome strings leaked, lead kept,
title/date/author accuracy; then the public Zyte article-extraction benchmark
(../shared/benchmarks/zyte-article-extraction, 4-token shingles, per-page P/R averaged, then F1).
For title/date/author the trafilatura column also runs trafilatura.extract_metadata (trafilatura.extract alone
reads none of them).

Speed is measured apart from quality, by bench/extraction_speed.py on the same pages: CPU time per page of
the production call against plain `trafilatura.extract(html)` (no extract_metadata: newsingest does not call
it either), interleaved on every page, at least 3 repeats, median and spread printed.

    python bench/extraction_quality.py [--repeat 3] [--no-zyte] [--no-speed] [--quiet] [--corpus DIR]
    python bench/extraction_quality.py --learn [--min-pages K] [--corpus DIR ...]

`--learn` measures per-portal template learning (consumers/domain/extraction/template.py): each corpus's pages are
grouped by their `portal` label and fed to one learning memory per run, as an extract replica would see them
(synced after every page), and scored with learning next to the rules alone and plain trafilatura: "in order"
scores each page as it comes (what a portal's first pages get), "warm" scores each page after the portal's other
pages were seen (what a page gets once its portal's template is learned).
"""

from __future__ import annotations

import argparse
import gzip
import json
import re
import statistics
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import trafilatura

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench import extraction_speed  # noqa: E402
from consumers.domain.dates import parse_datetime  # noqa: E402
from consumers.domain.extraction import PageRejected, extract_page  # noqa: E402
from consumers.domain.extraction.template import InMemoryTemplateStore, TemplateMemory, TemplatePolicy  # noqa: E402
from consumers.domain.text import clean_spaces, nfc  # noqa: E402

CORPUS = REPO / "tests" / "corpus" / "extraction"
ZYTE = REPO.parent / "shared" / "benchmarks" / "zyte-article-extraction"
_SENTENCE_END = re.compile(r"(?<=[.!?…;:])\s+|\n+")


def sentences(text: str) -> Counter:
    """Sentences after NFC and whitespace folding; quotes and trailing dots don't matter."""
    out = Counter()
    for part in _SENTENCE_END.split(clean_spaces(text or "")):
        part = re.sub(r"\s+", " ", part).strip(" .…;:\"“”'")
        if len(part) >= 3:
            out[part.lower()] += 1
    return out


def prf(pred: Counter, true: Counter) -> tuple[float, float, float]:
    tp = sum((pred & true).values())
    p = tp / sum(pred.values()) if pred else (1.0 if not true else 0.0)
    r = tp / sum(true.values()) if true else 1.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return p, r, f


@dataclass
class PageScore:
    name: str
    precision: float
    recall: float
    f1: float
    leaked: list[str] = field(default_factory=list)
    lead_ok: bool = False
    title_ok: bool = False
    date_ok: bool = False
    author_ok: bool = False


def load_corpus(folder: Path = CORPUS) -> list[tuple[str, bytes, dict]]:
    pages = []
    for meta_path in sorted(folder.glob("*.json")):
        html_path = meta_path.with_suffix(".html")
        if html_path.exists():
            pages.append((meta_path.stem, html_path.read_bytes(), json.loads(meta_path.read_text("utf-8"))))
    return pages


def _same(a: str | None, b: str | None) -> bool:
    return (clean_spaces(a or "") or None) == (clean_spaces(b or "") or None)


def score_page(name: str, truth: dict, *, text: str, lead: str, title: str | None, published, author) -> PageScore:
    true_body = "\n".join([truth["lead"], *truth["paragraphs"]])
    p, r, f = prf(sentences(text), sentences(true_body))
    folded = nfc(text)
    leaked = [c for c in truth.get("chrome", []) if nfc(c) in folded]
    expected_date = parse_datetime(truth["published"]) if truth.get("published") else None
    date_ok = published is not None and expected_date is not None and \
        published.replace(second=0) == expected_date.replace(second=0)
    return PageScore(name, p, r, f, leaked, _same(lead, truth["lead"]), _same(title, truth["title"]), date_ok,
                     _same(author, truth.get("author")))


def run_newsingest(pages) -> tuple[list[PageScore], float]:
    scores = []
    started = time.perf_counter()
    for name, html, truth in pages:
        try:
            got = extract_page(html, truth["url"], portal=truth.get("portal", ""))
        except PageRejected:
            scores.append(PageScore(name, 0, 0, 0))
            continue
        scores.append(score_page(name, truth, text=got.text, lead=got.lead, title=got.title,
                                 published=got.published_at, author=got.author))
    return scores, time.perf_counter() - started


def _score_extraction(name, html, truth, memory) -> PageScore:
    try:
        got = extract_page(html, truth["url"], portal=truth.get("portal", ""), boilerplate=memory)
    except PageRejected:
        return PageScore(name, 0, 0, 0)
    if memory is not None:
        memory.sync(force=True)  # as if every page were stored and read back before the next
    return score_page(name, truth, text=got.text, lead=got.lead, title=got.title, published=got.published_at,
                      author=got.author)


def run_learning(pages, min_pages: int, warm: bool) -> tuple[list[PageScore], int]:
    """Scores with template learning; and how many pages had a line hidden by it. `warm`: each page is scored
    after its portal's other pages were seen (leave one out), else in corpus order as they come."""
    policy = TemplatePolicy(min_pages=min_pages)
    by_portal: dict[str, list] = {}
    for page in pages:
        by_portal.setdefault(page[2].get("portal", ""), []).append(page)
    scores: dict[str, PageScore] = {}
    for portal_pages in by_portal.values():
        if not warm:
            memory = TemplateMemory(InMemoryTemplateStore(), policy, refresh_s=0)
            for name, html, truth in portal_pages:
                scores[name] = _score_extraction(name, html, truth, memory)
            continue
        for name, html, truth in portal_pages:
            memory = TemplateMemory(InMemoryTemplateStore(), policy, refresh_s=0)
            for other, other_html, other_truth in portal_pages:
                if other != name:
                    _score_extraction(other, other_html, other_truth, memory)
            scores[name] = _score_extraction(name, html, truth, memory)
    ordered = [scores[name] for name, _, _ in pages]
    plain = {s.name: s for s in run_newsingest(pages)[0]}
    changed = sum(1 for s in ordered if (s.precision, s.recall, s.leaked) != (
        plain[s.name].precision, plain[s.name].recall, plain[s.name].leaked))
    return ordered, changed


def main_learning(corpora: list[Path], min_pages: int) -> int:
    keys = ("precision", "recall", "f1", "chrome_leaked", "pages_leaking", "lead_kept")
    for corpus in corpora:
        pages = load_corpus(corpus)
        portals = {truth.get("portal", "") for _, _, truth in pages}
        rules, _ = run_newsingest(pages)
        in_order, changed_in_order = run_learning(pages, min_pages, warm=False)
        warm, changed_warm = run_learning(pages, min_pages, warm=True)
        plain, _ = run_trafilatura(pages)
        columns = [summarise(s, 0, len(pages)) for s in (rules, in_order, warm, plain)]
        print(f"\n{corpus.name}: {len(pages)} pages, {len(portals)} portals (most pages of one portal: "
              f"{max(sum(1 for *_, t in pages if t.get('portal', '') == p) for p in portals)}); template learning "
              f"k={min_pages}: pages scored differently {changed_in_order} in order, {changed_warm} warm")
        print(f"{'metric':<16} {'rules only':>11} {'in order':>9} {'warm':>9} {'trafilatura':>12}")
        for key in keys:
            print(f"{key:<16} " + " ".join(f"{c[key]:>{w}.3f}" for c, w in zip(columns, (11, 9, 9, 12))))
    return 0


def run_trafilatura(pages) -> tuple[list[PageScore], float]:
    scores = []
    started = time.perf_counter()
    for name, html, truth in pages:
        text = trafilatura.extract(html, url=truth["url"]) or ""
        meta = trafilatura.extract_metadata(html)
        published = parse_datetime(meta.date) if meta and meta.date else None
        first = text.split("\n", 1)[0] if text else ""
        scores.append(score_page(name, truth, text=text, lead=first, title=meta.title if meta else None,
                                 published=published, author=meta.author if meta else None))
    return scores, time.perf_counter() - started


def summarise(scores: list[PageScore], seconds: float, n_pages: int) -> dict:
    """Quality figures. `pages_per_s` is wall time of one quality pass (the trafilatura side includes
    extract_metadata): not a speed comparison, see bench/extraction_speed.py."""
    n = len(scores)
    return {
        "precision": statistics.mean(s.precision for s in scores),
        "recall": statistics.mean(s.recall for s in scores),
        "f1": statistics.mean(s.f1 for s in scores),
        "chrome_leaked": sum(len(s.leaked) for s in scores),
        "pages_leaking": sum(1 for s in scores if s.leaked),
        "lead_kept": sum(s.lead_ok for s in scores) / n,
        "title": sum(s.title_ok for s in scores) / n,
        "published": sum(s.date_ok for s in scores) / n,
        "author": sum(s.author_ok for s in scores) / n,
        "pages_per_s": n_pages / seconds if seconds else float("inf"),
    }


# -- the public benchmark: 4-token shingles, per-page P/R averaged, then F1 ----------------------
_TOKEN = re.compile(r"\w+", re.UNICODE)


def _shingles(text: str, n: int = 4) -> Counter:
    tokens = _TOKEN.findall(text or "")
    return Counter(tuple(tokens[i:i + n]) for i in range(max(1, len(tokens) - n + 1)) if tokens[i:i + n])


def shingle_tp_fp_fn(true: str, pred: str) -> tuple[float, float, float]:
    t, p = _shingles(true), _shingles(pred)
    tp = sum((t & p).values())
    fp = sum((p - t).values())
    fn = sum((t - p).values())
    total = tp + fp + fn
    return (tp / total, fp / total, fn / total) if total else (0.0, 0.0, 0.0)


def zyte_scores(counts: list[tuple[float, float, float]]) -> dict:
    def precision(tp, fp, fn):
        return 1.0 if fp == fn == 0 else (0.0 if tp == fp == 0 else tp / (tp + fp))

    def recall(tp, fp, fn):
        return 1.0 if fp == fn == 0 else (0.0 if tp == fn == 0 else tp / (tp + fn))

    p = statistics.mean(precision(*c) for c in counts if c[0] + c[1] > 0)
    r = statistics.mean(recall(*c) for c in counts if c[0] + c[2] > 0)
    return {"precision": p, "recall": r, "f1": 2 * p * r / (p + r)}


def run_zyte() -> dict | None:
    """Quality on the Zyte pages (speed: extraction_speed.run_set("zyte", ...))."""
    truth_path = ZYTE / "ground-truth.json"
    if not truth_path.exists():
        return None
    truth = json.loads(truth_path.read_text("utf-8"))
    pages = [(k, gzip.decompress((ZYTE / "html" / f"{k}.html.gz").read_bytes()), v) for k, v in truth.items()]
    ours, plain = [], []
    for key, html, item in pages:
        try:
            text = extract_page(html, item.get("url", ""), max_bytes=50_000_000).text
        except PageRejected:
            text = ""
        ours.append(shingle_tp_fp_fn(item["articleBody"], text))
        text = trafilatura.extract(html, url=item.get("url")) or ""
        plain.append(shingle_tp_fp_fn(item["articleBody"], text))
    return {"newsingest": zyte_scores(ours), "trafilatura": zyte_scores(plain), "pages": len(pages)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=3,
                        help="interleaved speed repeats (at least 3; fewer skips the speed section)")
    parser.add_argument("--no-zyte", action="store_true")
    parser.add_argument("--no-speed", action="store_true", help="quality only")
    parser.add_argument("--quiet", action="store_true", help="overall table only")
    parser.add_argument("--corpus", type=Path, default=CORPUS,
                        help="labelled pages (default tests/corpus/extraction; tests/corpus/extraction_holdout)")
    parser.add_argument("--learn", action="store_true",
                        help="template learning per portal: with and without, next to plain trafilatura")
    parser.add_argument("--min-pages", type=int, default=TemplatePolicy().min_pages,
                        help="with --learn: k, the distinct URLs a line must recur on (production default)")
    parser.add_argument("--corpora", type=Path, nargs="*", default=None,
                        help="with --learn: several corpora (default: --corpus)")
    args = parser.parse_args(argv)
    if args.learn:
        return main_learning(args.corpora or [args.corpus], args.min_pages)
    pages = load_corpus(args.corpus)
    ours, t_ours = run_newsingest(pages)
    plain, t_plain = run_trafilatura(pages)
    n = len(pages)
    if not args.quiet:
        print(f"{'page':<38} {'P':>5} {'R':>5} {'F1':>5} lead title date author leaked  | trafilatura P/R/F1  leaked")
        for a, b in zip(ours, plain):
            print(f"{a.name:<38} {a.precision:5.2f} {a.recall:5.2f} {a.f1:5.2f} {'y' if a.lead_ok else 'N':>4} "
                  f"{'y' if a.title_ok else 'N':>5} {'y' if a.date_ok else 'N':>4} {'y' if a.author_ok else 'N':>6} "
                  f"{len(a.leaked):>6}  | {b.precision:4.2f}/{b.recall:4.2f}/{b.f1:4.2f} {len(b.leaked):>6}"
                  + (f"   leaked: {a.leaked}" if a.leaked else ""))
    s_ours, s_plain = summarise(ours, t_ours, n), summarise(plain, t_plain, n)
    print(f"\nVietnamese portal corpus ({args.corpus.name}): {len(pages)} pages")
    print(f"{'metric':<16} {'newsingest':>11} {'trafilatura':>12}")
    for key in ("precision", "recall", "f1", "chrome_leaked", "pages_leaking", "lead_kept", "title", "published",
                "author"):
        print(f"{key:<16} {s_ours[key]:>11.3f} {s_plain[key]:>12.3f}")
    speed = not args.no_speed and args.repeat >= 3
    if speed:
        speed_pages = [extraction_speed.Page(name, html, truth["url"], truth.get("portal", ""))
                       for name, html, truth in pages]
        extraction_speed.run_set("vietnamese", args.repeat, pages=speed_pages,
                                 title=f"Speed on the same pages ({args.corpus.name})")
    elif not args.no_speed:
        print("\n(speed not measured: it needs --repeat 3 or more)")
    if not args.no_zyte:
        zyte = run_zyte()
        if zyte:
            print(f"\nZyte article-extraction benchmark: {zyte['pages']} pages (4-token shingles)")
            print(f"{'metric':<16} {'newsingest':>11} {'trafilatura':>12}")
            for key in ("precision", "recall", "f1"):
                print(f"{key:<16} {zyte['newsingest'][key]:>11.3f} {zyte['trafilatura'][key]:>12.3f}")
            if speed:
                extraction_speed.run_set("zyte", args.repeat)
        else:
            print("\n(Zyte benchmark not found beside the repository; skipped)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
