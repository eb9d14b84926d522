"""Build the shipped meeting model from the labelled corpus, reproducibly.

    python -m consumers.domain.classification.train [CORPUS_DIR] [--out FILE]

Trains on the `train` split only; the `test` split is held back for bench/classification_quality.py.

Calibration (also from the `train` split only, deterministic): the binary model is refitted on 5 stratified folds
(no shuffling) to score every train article out of fold. On the articles no negative rule decides, Platt scaling
without an intercept is fitted on the out-of-fold logit and the report-opening rule (classifier.reported_opening), with
Platt's smoothed targets: p = sigmoid(a * logit + c * reported). Without an intercept it is temperature scaling
of the model (its own 0.5 boundary is kept for articles without the rule) plus a fitted weight for the rule
(with it, a report from a raw probability of sigmoid(-c / a)). The confidence of a negative rule's decision is the Laplace-smoothed rate of
reports among the train articles the rules decide (out of fold).
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


CALIBRATION_FOLDS = 5


def _fit_binary(docs: list[list[str]], y: list[int]):
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    vectorizer = TfidfVectorizer(analyzer=lambda feats: feats, sublinear_tf=True, min_df=2)
    X = vectorizer.fit_transform(docs)
    return vectorizer, X, LogisticRegression(C=10.0, solver="liblinear", max_iter=1000).fit(X, y)


def out_of_fold_logits(docs: list[list[str]], y: list[int]) -> list[float]:
    """Every article scored by a binary model that never saw it (stratified folds, in id order)."""
    from sklearn.model_selection import StratifiedKFold

    logits = [0.0] * len(docs)
    for fit_idx, score_idx in StratifiedKFold(n_splits=CALIBRATION_FOLDS).split(docs, y):
        vectorizer, _, model = _fit_binary([docs[i] for i in fit_idx], [y[i] for i in fit_idx])
        scores = model.decision_function(vectorizer.transform([docs[i] for i in score_idx]))
        for i, z in zip(score_idx, scores):
            logits[i] = float(z)
    return logits


def _platt(inputs: list[list[float]], y: list[int]) -> tuple[list[float], float]:
    """Platt scaling: logistic regression on the inputs with smoothed targets (N+ + 1) / (N+ + 2) and
    1 / (N- + 2), which keep the fit finite when the inputs separate the classes. No intercept: the model's
    boundary (logit 0) stays the boundary of articles without the rule."""
    import numpy as np
    from sklearn.linear_model import LogisticRegression

    positives = sum(y)
    negatives = len(y) - positives
    hi, lo = (positives + 1) / (positives + 2), 1 / (negatives + 2)
    targets = [hi if label else lo for label in y]
    X = np.asarray(inputs + inputs, dtype=float)
    labels = [1] * len(y) + [0] * len(y)
    weights = targets + [1 - t for t in targets]
    fit = LogisticRegression(C=1e6, solver="lbfgs", max_iter=10000, tol=1e-10, fit_intercept=False).fit(
        X, labels, sample_weight=weights)
    return [float(v) for v in fit.coef_[0]], float(fit.intercept_[0])


def calibrate(rows: list[dict], docs: list[list[str]], y: list[int]) -> dict:
    import math

    from consumers.domain.classification.classifier import (
        CALIBRATION_INPUTS, THRESHOLD, calibrated_probability, calibration_inputs, decide, has_notice_fields,
        headline_decision, negative_signals, reported_opening)
    from consumers.domain.classification.rules import rule_hits

    logits = out_of_fold_logits(docs, y)
    signals = []
    for row in rows:
        hits = rule_hits(row["title"], row["text"])
        signals.append((reported_opening(hits), *negative_signals(headline_decision(row["title"], row["text"]), hits),
                        calibration_inputs(logits[len(signals)], hits), has_notice_fields(hits)))
    free = [i for i, (_, headline, body, _, _) in enumerate(signals) if headline is None and not body]
    coef, intercept = _platt([signals[i][3] for i in free], [y[i] for i in free])
    calibration = {"inputs": list(CALIBRATION_INPUTS), "coef": [round(v, 6) for v in coef],
                   "intercept": round(intercept, 6)}
    decided = []
    for i, (reported, headline, body, inputs, notice_fields) in enumerate(signals):
        if headline is None and not body:
            continue
        p_cal = calibrated_probability(calibration, inputs)
        is_meeting, _, _ = decide(p_raw=1 / (1 + math.exp(-logits[i])), p_cal=p_cal, reported=reported,
                                  headline_negative=headline, body_negatives=body, negative_rate=0.0,
                                  notice_fields=notice_fields)
        if not is_meeting:
            decided.append(y[i])
    return {
        "method": f"platt, no intercept, on the {CALIBRATION_FOLDS}-fold out-of-fold logit and rule signals, train split",
        "threshold": THRESHOLD,
        **calibration,
        "negative_rate": round((sum(decided) + 1) / (len(decided) + 2), 6),
        "fitted_on": {"articles": len(free), "negative_rule_decisions": len(decided),
                      "reports_among_them": sum(decided)},
    }


def train(rows: list[dict]) -> dict:
    from sklearn.linear_model import LogisticRegression

    docs = [features(r["title"], r["text"]) for r in rows]
    y = [1 if r["is_meeting"] else 0 for r in rows]
    vectorizer, X, binary = _fit_binary(docs, y)
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
        "calibration": calibrate(rows, docs, y),
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
