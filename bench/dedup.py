"""Deduplication quality on the labelled pairs set, and the near-duplicate index at scale.

Part 1 streams tests/corpus/dedup/documents.jsonl through the real process stage (SQLite, in published
order) and prints: re-crawls and revisions recognised, near-duplicate precision/recall on the labelled pairs,
event pairwise precision/recall/F1 over all meeting documents, and MinHash vs SimHash separation on the pairs.
Part 2 stores N synthetic documents in the production tables (documents, articles, near_index; bulk-loaded),
gathers planner statistics (ANALYZE, committed), then times 1000 production lookups (NearDuplicateIndex.lookup,
the process stage's call: band probes, the join to the candidates' documents, their signatures compared) and
prints load rate, lookup p50/p99, near-index and total bytes per document, on SQLite and on PostgreSQL (if
reachable; in a database of its own, dropped afterwards).

    python bench/dedup.py [--docs 1000000] [--pg URL] [--skip-scale] [--only sqlite|postgresql] [--explain]
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import itertools
import json
import os
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
from consumers.stages.base import Retryable, acknowledge  # noqa: E402
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
        acknowledge(result)
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
SCALE_PORTALS = [f"portal{i:02d}" for i in range(40)]


def _scale_rows(n_docs: int, today: int, seed: int = 42):
    """Synthetic stored documents, as the process stage stores them: (documents, articles, near_index) rows in
    batches, and a sample of recent documents' signatures to probe with. Random signatures: no two documents
    share a band except by chance, as unrelated texts."""
    import numpy as np

    from consumers.adapters.tables import compress_text

    rng = np.random.default_rng(seed)
    sample: list[tuple[int, np.ndarray]] = []
    batch = 20_000
    created = dt.datetime.now(dt.timezone.utc)
    text = compress_text("Nội dung bài viết.")
    for first in range(0, n_docs, batch):
        count = min(batch, n_docs - first)
        values = rng.integers(0, 2**32, size=(count, neardup.NUM_PERM), dtype=np.uint64).astype("<u4")
        days = today - rng.integers(0, 365, size=count)
        docs, arts, near = [], [], []
        for k in range(count):
            doc_id = first + k + 1
            url = f"https://{SCALE_PORTALS[doc_id % 40]}.vn/tin-tuc/bai-viet-so-{doc_id}.html"
            report_id = hashlib.sha256(url.encode()).hexdigest()[:24]
            fp = hashlib.sha256(f"text {doc_id}".encode()).hexdigest()
            docs.append((doc_id, SCALE_PORTALS[doc_id % 40], fp, report_id, 1, False, None, created))
            arts.append((doc_id, url, SCALE_PORTALS[doc_id % 40], "Hà Nội", None, f"Bài viết số {doc_id}", None,
                         text, "[]", None, None, None, False, None, None, "[]", created))
            bands = neardup.bands_of(values[k])
            near.append((doc_id, int(days[k]), *bands, values[k].tobytes()))
            if days[k] >= today - 30 and len(sample) < 1000 and doc_id % max(1, n_docs // 20_000) == 0:
                sample.append((doc_id, values[k].copy()))
        yield docs, arts, near, sample


_COLUMNS = {
    "documents": ("id", "portal_id", "fingerprint", "report_id", "version", "is_meeting_report", "duplicate_of",
                  "created_at"),
    "articles": ("id", "canonical_url", "portal_id", "province", "url", "title", "lead", "text", "captions",
                 "author", "published_at", "modified_at", "is_meeting_report", "meeting_type", "confidence",
                 "quality_flags", "stored_at"),
    "near_index": ("document_id", "created_day", *[f"b{i}" for i in range(7)], "minhash"),
}


def _load(store: Store, n_docs: int, today: int) -> tuple[float, list]:
    """Bulk-load the synthetic documents through the driver (COPY on PostgreSQL); seconds and the probe sample."""
    raw = store.engine.raw_connection()
    sample: list = []
    started = time.perf_counter()
    try:
        cur = raw.cursor()
        postgres = store.engine.dialect.name == "postgresql"
        if not postgres:  # loading only: a large page cache (random inserts into eleven indexes), no fsync
            cur.execute("PRAGMA cache_size = -1000000")
            cur.execute("PRAGMA synchronous = OFF")
        for docs, arts, near, sample in _scale_rows(n_docs, today):
            if not postgres:
                cur.execute("BEGIN")  # the store's engine leaves pysqlite in autocommit mode
            for table, rows in (("documents", docs), ("articles", arts), ("near_index", near)):
                columns = _COLUMNS[table]
                if postgres:
                    with cur.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                        for row in rows:
                            copy.write_row(row)
                else:
                    marks = ", ".join("?" * len(columns))
                    cur.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})",
                                    [tuple(v.isoformat(" ") if isinstance(v, dt.datetime) else v for v in row)
                                     for row in rows])
            raw.commit()
    finally:
        raw.close()
    return time.perf_counter() - started, sample


def _sizes(store: Store) -> tuple[int | None, int | None]:
    """(bytes of the near-duplicate index: near_index and its indexes, bytes of every table) of the database."""
    from sqlalchemy import text

    with store.engine.connect() as conn:
        if store.engine.dialect.name == "postgresql":
            near = conn.execute(text("SELECT pg_total_relation_size('near_index')")).scalar()
            total = conn.execute(text(
                "SELECT SUM(pg_total_relation_size(c.oid)) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                "WHERE c.relkind = 'r' AND n.nspname = current_schema()")).scalar()
            return near, total
        try:
            near = conn.execute(text("SELECT SUM(pgsize) FROM dbstat WHERE name = 'near_index' "
                                     "OR name LIKE 'ix_near_index_%'")).scalar()
        except Exception:  # noqa: BLE001 - dbstat is optional in SQLite builds
            near = None
        pages = conn.exec_driver_sql("PRAGMA page_count").scalar() * conn.exec_driver_sql("PRAGMA page_size").scalar()
        return near, pages


def _plan(store: Store, index, values, url: str) -> str:
    """The database's plan of one production lookup (PostgreSQL: EXPLAIN ANALYZE, so with its timings)."""
    from consumers.adapters.near_index import _LOOKUP, _day
    from consumers.domain.dedup import report_id_for

    bands = neardup.bands_of(values)
    params = {"since": _day() - index.window_days, "report_id": report_id_for(url),
              **{f"b{i}": bands[i] for i in range(len(bands))}}
    sql = str(_LOOKUP.params(**params).compile(dialect=store.engine.dialect, compile_kwargs={"literal_binds": True}))
    postgres = store.engine.dialect.name == "postgresql"
    with store.engine.connect() as conn:
        rows = conn.exec_driver_sql(("EXPLAIN (ANALYZE, BUFFERS) " if postgres else "EXPLAIN QUERY PLAN ") + sql).all()
    return "\n".join("    " + (r[0] if postgres else r[-1]) for r in rows)


def scale(database_url: str, n_docs: int, probes: int = 1000, explain: bool = False) -> dict:
    """N synthetic documents in the production tables, statistics gathered and committed (ANALYZE, autocommit),
    then `probes` production lookups: NearDuplicateIndex.lookup, the call the process stage makes (band
    probes, the join to the candidates' documents, their signatures compared), inside a store unit of work.
    Half the probes carry the signature of a stored document (under another URL: found, similarity 1.0), half
    a signature sharing nothing."""
    import numpy as np

    from consumers.adapters.near_index import NearDuplicateIndex
    from consumers.adapters.tables import metadata

    store = Store(database_url)
    metadata.drop_all(store.engine)
    with store.engine.begin() as conn:
        conn.exec_driver_sql("DROP TABLE IF EXISTS alembic_version_store")
    store.create_schema()
    today = (dt.date.today() - dt.date(2000, 1, 1)).days
    insert_s, sample = _load(store, n_docs, today)
    # Planner statistics, committed: PostgreSQL's ANALYZE inside a transaction that is rolled back is lost.
    with store.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql("ANALYZE")
    if store.engine.dialect.name == "sqlite":
        with store.engine.connect() as conn:
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    near_bytes, total_bytes = _sizes(store)
    index = NearDuplicateIndex(threshold=0.7, window_days=30)
    rng = np.random.default_rng(7)
    lookups, found = [], 0
    for k in range(probes):
        if k % 2 == 0 and sample:
            expected, values = sample[(k // 2) % len(sample)]
        else:
            expected, values = None, rng.integers(0, 2**32, size=neardup.NUM_PERM, dtype=np.uint64).astype("<u4")
        with store.unit_of_work() as uow:
            uow.conn.exec_driver_sql("SELECT 1")  # the transaction is open, as when the stage looks up
            t0 = time.perf_counter()
            hit = index.lookup(uow, values, f"https://elsewhere.vn/probe-{k}.html")
            lookups.append(time.perf_counter() - t0)
        if expected is not None and hit is not None and hit[0].document_id == expected and hit[1] == 1.0:
            found += 1
    lookups.sort()
    plan = _plan(store, index, sample[0][1], "https://elsewhere.vn/probe.html") if explain and sample else None
    store.dispose()
    return {"plan": plan, "docs": n_docs, "insert_per_s": n_docs / insert_s, "lookup_p50_ms": lookups[len(lookups) // 2] * 1000,
            "lookup_p99_ms": lookups[int(len(lookups) * 0.99) - 1] * 1000,
            "found": (found, sum(1 for k in range(probes) if k % 2 == 0 and sample)),
            "near_bytes_per_doc": near_bytes / n_docs if near_bytes else None,
            "bytes_per_doc": total_bytes / n_docs if total_bytes else None}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--docs", type=int, default=1_000_000)
    parser.add_argument("--pg", default=os.environ.get("NEWSINGEST_TEST_PG_URL",
                                                      "postgresql+psycopg://postgres@127.0.0.1:5432/test"))
    parser.add_argument("--skip-scale", action="store_true")
    parser.add_argument("--corpus", type=Path, default=CORPUS, help="pairs set (default tests/corpus/dedup)")
    parser.add_argument("--only", choices=("sqlite", "postgresql"), help="the scale part on one database only")
    parser.add_argument("--probes", type=int, default=1000, help="lookups timed per database")
    parser.add_argument("--explain", action="store_true", help="print each database's plan of one lookup")
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
    print(f"\nproduction near-duplicate lookup with {args.docs:,} synthetic stored documents (random signatures), "
          f"statistics committed")
    with tempfile.TemporaryDirectory() as tmp:
        targets = [("sqlite", f"sqlite:///{tmp}/scale.db")] if args.only in (None, "sqlite") else []
        pg_name = None
        if args.only in (None, "postgresql"):
            try:
                import uuid

                import sqlalchemy

                # A database of its own, dropped afterwards: the benchmark never touches a running service's tables.
                admin = sqlalchemy.create_engine(args.pg, isolation_level="AUTOCOMMIT")
                pg_name = f"newsingest_dedup_{uuid.uuid4().hex[:10]}"
                with admin.connect() as conn:
                    conn.exec_driver_sql(f'CREATE DATABASE "{pg_name}"')
                targets.append(("postgresql", args.pg.rsplit("/", 1)[0] + f"/{pg_name}"))
            except Exception as exc:  # noqa: BLE001
                pg_name = None
                print(f"(PostgreSQL not reachable: {str(exc).splitlines()[0]})")
        try:
            for name, url in targets:
                s = scale(url, args.docs, probes=args.probes, explain=args.explain)
                near = f"{s['near_bytes_per_doc']:.0f}" if s["near_bytes_per_doc"] else "n/a"
                total = f"{s['bytes_per_doc']:.0f}" if s["bytes_per_doc"] else "n/a"
                print(f"{name:<11} load {s['insert_per_s']:>9,.0f} docs/s   lookup p50 {s['lookup_p50_ms']:.3f} ms  "
                      f"p99 {s['lookup_p99_ms']:.3f} ms   found {s['found'][0]}/{s['found'][1]}   "
                      f"near index {near} bytes/doc   all tables {total} bytes/doc")
                if s["plan"]:
                    print(s["plan"])
        finally:
            if pg_name is not None:
                with admin.connect() as conn:
                    conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{pg_name}" WITH (FORCE)')
                admin.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
