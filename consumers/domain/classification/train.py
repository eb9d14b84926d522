"""Build the shipped meeting model from the labelled corpus, reproducibly.

    python -m consumers.domain.classification.train [CORPUS_DIR] [--out FILE]

Trains on the `train` split only; the `test` split is held back for bench/classification_quality.py.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from pathlib import Path

from consumers.domain.classification.features import features

DEFAULT_CORPUS = Path(__file__).resolve().parents[3] / "tests" / "corpus" / "classification"
DEFAULT_OUT = Path(__file__).resolve().parents[1] / "data" / "meeting_model.json"


def load_rows(corpus: Path, split: str | None = None) -> list[dict]:
    rows = []
    for path in sorted(corpus.glob("*.jsonl")):
        for line in path.read_text("utf-8").splitlines():
            if line.strip():
                row = json.loads(line)
                if split is None or row["split"] == split:
                    rows.append(row)
    return sorted(rows, key=lambda r: r["id"])


def train(rows: list[dict]) -> dict:
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    docs = [features(r["title"], r["text"]) for r in rows]
    vectorizer = TfidfVectorizer(analyzer=lambda feats: feats, sublinear_tf=True, min_df=2)
    X = vectorizer.fit_transform(docs)
    y = [1 if r["is_meeting"] else 0 for r in rows]
    binary = LogisticRegression(C=10.0, solver="liblinear", max_iter=1000).fit(X, y)
    meeting_idx = [i for i, r in enumerate(rows) if r["is_meeting"]]
    types = LogisticRegression(C=10.0, solver="lbfgs", max_iter=2000).fit(
        X[meeting_idx], [rows[i]["meeting_type"] for i in meeting_idx])
    vocabulary = {f: int(i) for f, i in sorted(vectorizer.vocabulary_.items(), key=lambda kv: kv[1])}
    corpus_hash = hashlib.sha256("".join(r["id"] + r["title"] + r["text"] for r in rows).encode()).hexdigest()
    return {
        "format": 1,
        "trained_on": {"rows": len(rows), "sha256": corpus_hash},
        "vocabulary": vocabulary,
        "idf": [round(float(v), 6) for v in vectorizer.idf_],
        "binary": {"coef": [round(float(v), 6) for v in binary.coef_[0]],
                   "intercept": round(float(binary.intercept_[0]), 6)},
        "types": {"classes": [str(c) for c in types.classes_],
                  "coef": [[round(float(v), 6) for v in row] for row in types.coef_],
                  "intercept": [round(float(v), 6) for v in types.intercept_]},
    }


def render(model: dict) -> str:
    return json.dumps(model, ensure_ascii=False, separators=(",", ":"), sort_keys=True) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m consumers.domain.classification.train")
    parser.add_argument("corpus", nargs="?", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args(argv)
    rows = load_rows(args.corpus, "train")
    args.out.write_text(render(train(rows)), encoding="utf-8")
    print(f"trained on {len(rows)} articles -> {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
