"""Deduplication quality on the labelled pairs set, and the near-duplicate index at scale.

Part 1 streams tests/corpus/dedup/documents.jsonl through the real process stage (SQLite, in published
order) and prints: re-crawls and revisions recognised, near-duplicate precision/recall on the labelled pairs,
event pairwise precision/recall/F1 over all meeting documents, and MinHash vs SimHash separation on the pairs.
Part 2 fills the near-duplicate index with N synthetic documents and prints insert rate, lookup p50/p99 and
index bytes per document, on SQLite and on PostgreSQL (if reachable).

    python bench/dedup.py [--docs 1000000] [--pg URL] [--skip-scale]
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import itertools
import json
import os
import random
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from consumers.adapters.near_index import NearDuplicateIndex  # noqa: E402
from consumers.adapters.store import Store  # noqa: E402
from consumers.domain import neardup  # noqa: E402
from consumers.domain.text import clean_spaces, fingerprint  # noqa: E402
from consumers.stages.base import Retryable  # noqa: E402
from consumers.stages.process import ProcessStage  # noqa: E402
from schemas import Article, MeetingReport  # noqa: E402

CORPUS = REPO / "tests" / "corpus" / "dedup"
NEAR_RELATIONS = {"near_duplicate"}


def load(folder: Path = CORPUS) -> tuple[list[dict], list[dict]]:
    docs = [json.loads(line) for line in (folder / "documents.jsonl").read_text("utf-8").splitlines() if line]
    pairs = [json.loads(line) for line in (folder / "pairs.jsonl").read_text("utf-8").splitlines() if line]
    return docs, pairs


def to_article(doc: dict) -> Article:
    paragraphs = [p for p in (clean_spaces(x) for x in doc["text"].split("\n")) if p]
    text = "\n".join(paragraphs)
    return Article(portal_id=doc["portal"], province=doc["province"], url=doc["url"], canonical_url=doc["url"],
                   title=clean_spaces(doc["title"]), lead=paragraphs[0] if paragraphs else "", text=text,
                   published_at=dt.datetime.fromisoformat(doc["published_at"]), fingerprint=fingerprint(text))


def stream(docs: list[dict], database_url: str) -> dict[str, dict]:
    """Process every document; returns per-document outcome, report id, event id, duplicate_of."""
    store = Store(database_url)
    store.create_schema()
    stage = ProcessStage(store=store, reports_topic="reports", events_topic="events",
                         near_index=NearDuplicateIndex(threshold=0.7, window_days=100_000))
    results: dict[str, dict] = {}
    for doc in sorted(docs, key=lambda d: (d["published_at"], d["id"])):
        for _ in range(3):
            try:
                result = stage(to_article(doc))
                break
            except Retryable:
                continue
        report = next((o.value for o in result.outputs if isinstance(o.value, MeetingReport)), None)
        results[doc["id"]] = {"outcome": result.outcome, "dedup": result.dedup_outcome, "report": report,
                              "report_id": result.report_id, "duplicate_of": result.duplicate_of}
        if result.on_delivered:
            result.on_delivered()
    # A duplicate stores nothing: it belongs to the report already stored for its URL/fingerprint.
    by_url: dict[str, MeetingReport] = {}
    for doc in sorted(docs, key=lambda d: (d["published_at"], d["id"])):
        rep = results[doc["id"]]["report"]
        if rep is not None:
            by_url[doc["url"]] = rep
        elif results[doc["id"]]["dedup"] == "duplicate" and doc["url"] in by_url:
            results[doc["id"]]["report"] = by_url[doc["url"]]
    store.dispose()
    return results


def evaluate(docs: list[dict], pairs: list[dict], results: dict[str, dict]) -> dict:
    out: dict = {}
    by_rel: dict[str, list[dict]] = {}
    for pair in pairs:
        by_rel.setdefault(pair["relation"], []).append(pair)
    recrawl_ok = sum(results[p["b"]]["dedup"] == "duplicate" for p in by_rel.get("recrawl", []))
    out["recrawl"] = (recrawl_ok, len(by_rel.get("recrawl", [])))
    revision_ok = sum(results[p["b"]]["dedup"] == "revision" for p in by_rel.get("revision", []))
    out["revision"] = (revision_ok, len(by_rel.get("revision", [])))

    def linked(a_id: str, b_id: str) -> bool:
        a, b = results[a_id], results[b_id]
        if a["report_id"] == b["report_id"]:
            return False  # the same document (a re-crawl or a revision), not a copy
        return b["duplicate_of"] == a["report_id"] or a["duplicate_of"] == b["report_id"] or (
            a["duplicate_of"] is not None and a["duplicate_of"] == b["duplicate_of"])

    tp = fp = fn = 0
    for p in pairs:
        predicted = linked(p["a"], p["b"])
        actual = p["relation"] in NEAR_RELATIONS
        tp += predicted and actual
        fp += predicted and not actual
        fn += actual and not predicted
    out["near_precision"] = tp / (tp + fp) if tp + fp else 1.0
    out["near_recall"] = tp / (tp + fn) if tp + fn else 1.0

    meeting_docs = [d for d in docs if d.get("event")]
    tp = fp = fn = 0
    for a, b in itertools.combinations(meeting_docs, 2):
        ra, rb = results[a["id"]]["report"], results[b["id"]]["report"]
        same_pred = ra is not None and rb is not None and ra.event_id is not None and ra.event_id == rb.event_id
        same_true = a["event"] == b["event"]
        tp += same_pred and same_true
        fp += same_pred and not same_true
        fn += same_true and not same_pred
    p_ = tp / (tp + fp) if tp + fp else 1.0
    r_ = tp / (tp + fn) if tp + fn else 1.0
    out["event_precision"], out["event_recall"] = p_, r_
    out["event_f1"] = 2 * p_ * r_ / (p_ + r_) if p_ + r_ else 0.0
    out["near_errors"] = [(p["a"], p["b"], p["relation"]) for p in pairs
                          if linked(p["a"], p["b"]) != (p["relation"] in NEAR_RELATIONS)]
    out["events_missing"] = [d["id"] for d in meeting_docs if results[d["id"]]["report"] is None
                             or results[d["id"]]["report"].event_id is None]
    return out


# -- MinHash vs SimHash on the labelled pairs ----------------------------------------------------
def simhash(text: str) -> int:
    weights = [0] * 64
    for gram in neardup.shingles(text):
        h = int.from_bytes(hashlib.blake2b(gram, digest_size=8).digest(), "little")
        for bit in range(64):
            weights[bit] += 1 if h >> bit & 1 else -1
    return sum(1 << bit for bit in range(64) if weights[bit] > 0)


def separation(docs: list[dict], pairs: list[dict]) -> dict:
    text = {d["id"]: d["text"] for d in docs}
    rows = []
    for p in pairs:
        if p["relation"] in ("recrawl", "revision"):
            continue
        ma, mb = neardup.minhash(text[p["a"]]), neardup.minhash(text[p["b"]])
        mh = neardup.similarity(ma, mb) if ma and mb else 0.0
        sh = 1 - bin(simhash(text[p["a"]]) ^ simhash(text[p["b"]])).count("1") / 64
        rows.append((p["relation"] in NEAR_RELATIONS, mh, sh))
    out = {}
    for name, idx in (("minhash", 1), ("simhash", 2)):
        pos = [r[idx] for r in rows if r[0]]
        neg = [r[idx] for r in rows if not r[0]]
        best = max(((t, sum(x >= t for x in pos) / len(pos), sum(x < t for x in neg) / len(neg))
                    for t in sorted(set(pos + neg))), key=lambda t: t[1] + t[2])
        out[name] = {"min_positive": min(pos), "max_negative": max(neg), "gap": min(pos) - max(neg),
                     "best_threshold": best[0], "recall_at_best": best[1], "specificity_at_best": best[2]}
    return out


# -- the index at scale --------------------------------------------------------------------------
def scale(database_url: str, n_docs: int, batch: int = 20_000) -> dict:
    from sqlalchemy import insert, text

    from consumers.adapters.tables import N_BANDS, metadata, near_index

    store = Store(database_url)
    metadata.drop_all(store.engine, tables=[near_index])
    metadata.create_all(store.engine, tables=[near_index])
    rng = random.Random(42)
    today = (dt.date.today() - dt.date(2000, 1, 1)).days
    started = time.perf_counter()
    sample: list[list[int]] = []
    with store.engine.begin() as conn:
        for first in range(0, n_docs, batch):
            rows = []
            for i in range(first, min(n_docs, first + batch)):
                bands = [rng.randint(-2**31, 2**31 - 1) for _ in range(N_BANDS)]
                if i % max(1, n_docs // 1000) == 0:
                    sample.append(bands)
                rows.append({"document_id": i + 1, "created_day": today - rng.randint(0, 365),
                             **{f"b{j}": bands[j] for j in range(N_BANDS)}})
            conn.execute(insert(near_index), rows)
    insert_s = time.perf_counter() - started
    if store.engine.dialect.name == "postgresql":
        with store.engine.connect() as conn:
            conn.exec_driver_sql("ANALYZE near_index")
            size = conn.execute(text("SELECT pg_total_relation_size('near_index')")).scalar()
    else:
        with store.engine.connect() as conn:
            try:
                size = conn.execute(text(
                    "SELECT SUM(pgsize) FROM dbstat WHERE name = 'near_index' OR name LIKE 'ix_near_index_%'"
                )).scalar()
            except Exception:  # noqa: BLE001 - dbstat is optional in SQLite builds
                size = None
    from sqlalchemy import and_, or_, select

    lookups = []
    with store.engine.connect() as conn:
        for k in range(1000):
            # Half the probes hit an existing document, half are new texts sharing nothing.
            bands = sample[k % len(sample)] if k % 2 == 0 else [rng.randint(-2**31, 2**31 - 1) for _ in range(N_BANDS)]
            query = select(near_index.c.document_id).where(and_(
                near_index.c.created_day >= today - 30,
                or_(*[near_index.c[f"b{j}"] == bands[j] for j in range(N_BANDS)])))
            t0 = time.perf_counter()
            conn.execute(query).all()
            lookups.append(time.perf_counter() - t0)
    lookups.sort()
    store.dispose()
    return {"docs": n_docs, "insert_per_s": n_docs / insert_s, "lookup_p50_ms": lookups[500] * 1000,
            "lookup_p99_ms": lookups[989] * 1000, "bytes_per_doc": (size / n_docs) if size else None}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--docs", type=int, default=1_000_000)
    parser.add_argument("--pg", default=os.environ.get("NEWSINGEST_TEST_PG_URL",
                                                      "postgresql+psycopg://postgres@127.0.0.1:5432/test"))
    parser.add_argument("--skip-scale", action="store_true")
    parser.add_argument("--corpus", type=Path, default=CORPUS, help="pairs set (default tests/corpus/dedup)")
    args = parser.parse_args(argv)
    docs, pairs = load(args.corpus)
    with tempfile.TemporaryDirectory() as tmp:
        results = stream(docs, f"sqlite:///{tmp}/dedup.db")
    r = evaluate(docs, pairs, results)
    print(f"pairs set: {len(docs)} documents, {len(pairs)} labelled pairs")
    print(f"re-crawls recognised      {r['recrawl'][0]}/{r['recrawl'][1]}")
    print(f"revisions recognised      {r['revision'][0]}/{r['revision'][1]}")
    print(f"near-duplicate            precision {r['near_precision']:.3f}  recall {r['near_recall']:.3f}")
    print(f"events (pairwise)         precision {r['event_precision']:.3f}  recall {r['event_recall']:.3f}  "
          f"F1 {r['event_f1']:.3f}")
    if r["near_errors"]:
        print(f"near-duplicate errors: {r['near_errors']}")
    if r["events_missing"]:
        print(f"meeting documents without an event: {r['events_missing']}")
    sep = separation(docs, pairs)
    print("\nsignature separation on non-URL pairs (near_duplicate vs all others)")
    for name, s in sep.items():
        print(f"{name:<8} lowest near-dup {s['min_positive']:.3f}  highest other {s['max_negative']:.3f}  "
              f"gap {s['gap']:+.3f}  best threshold {s['best_threshold']:.3f} "
              f"(recall {s['recall_at_best']:.3f}, specificity {s['specificity_at_best']:.3f})")
    if args.skip_scale:
        return 0
    print(f"\nnear-duplicate index with {args.docs:,} synthetic documents (random band hashes)")
    with tempfile.TemporaryDirectory() as tmp:
        targets = [("sqlite", f"sqlite:///{tmp}/scale.db")]
        try:
            import sqlalchemy

            # A database of its own, so the benchmark never touches tables of a running service.
            engine = sqlalchemy.create_engine(args.pg, isolation_level="AUTOCOMMIT")
            with engine.connect() as conn:
                if not conn.exec_driver_sql("SELECT 1 FROM pg_database WHERE datname = 'newsingest_bench'").scalar():
                    conn.exec_driver_sql("CREATE DATABASE newsingest_bench")
            engine.dispose()
            targets.append(("postgresql", args.pg.rsplit("/", 1)[0] + "/newsingest_bench"))
        except Exception as exc:  # noqa: BLE001
            print(f"(PostgreSQL not reachable: {str(exc).splitlines()[0]})")
        for name, url in targets:
            s = scale(url, args.docs)
            size = f"{s['bytes_per_doc']:.0f}" if s["bytes_per_doc"] else "n/a"
            print(f"{name:<11} insert {s['insert_per_s']:>9,.0f} docs/s   lookup p50 {s['lookup_p50_ms']:.3f} ms  "
                  f"p99 {s['lookup_p99_ms']:.3f} ms   index {size} bytes/doc")
    return 0


if __name__ == "__main__":
    sys.exit(main())
