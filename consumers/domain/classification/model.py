"""The trained model, stored as plain JSON (vocabulary, idf, weights): portable, diffable, explainable.

Inference needs no scikit-learn; training (train.py) does.
"""

from __future__ import annotations

import json
import math
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

import numpy as np

MODEL_FILE = "data/meeting_model.json"


@dataclass(frozen=True)
class LinearModel:
    vocabulary: dict[str, int]
    idf: list[float]
    binary_coef: list[float]
    binary_intercept: float
    type_classes: list[str]
    type_coef: list[list[float]]
    type_intercept: list[float]
    # Platt scaling of the binary logit (see train.calibrate); None in a model file without it.
    calibration: dict | None = None

    def vectorise(self, feats: list[str]) -> dict[int, float]:
        """Sublinear tf-idf, l2-normalised, as scikit-learn's TfidfVectorizer(sublinear_tf=True)."""
        counts = Counter(f for f in feats if f in self.vocabulary)
        vec = {self.vocabulary[f]: (1.0 + math.log(c)) * self.idf[self.vocabulary[f]] for f, c in counts.items()}
        norm = math.sqrt(sum(v * v for v in vec.values())) or 1.0
        return {i: v / norm for i, v in vec.items()}

    def _arrays(self):
        arrays = self.__dict__.get("_arrays_cache")
        if arrays is None:
            arrays = (np.asarray(self.binary_coef), np.asarray(self.type_coef), np.asarray(self.type_intercept))
            object.__setattr__(self, "_arrays_cache", arrays)  # frozen dataclass: built once, on first use
        return arrays

    def meeting_logit(self, vec: dict[int, float]) -> float:
        binary, _, _ = self._arrays()
        idx = np.fromiter(vec.keys(), dtype=np.int64, count=len(vec))
        vals = np.fromiter(vec.values(), dtype=np.float64, count=len(vec))
        return self.binary_intercept + float(binary[idx] @ vals) if len(vec) else self.binary_intercept

    def meeting_probability(self, vec: dict[int, float]) -> float:
        """The model's own (uncalibrated) probability of a meeting report."""
        return 1.0 / (1.0 + math.exp(-self.meeting_logit(vec)))

    def type_probabilities(self, vec: dict[int, float]) -> dict[str, float]:
        _, coef, intercept = self._arrays()
        idx = np.fromiter(vec.keys(), dtype=np.int64, count=len(vec))
        vals = np.fromiter(vec.values(), dtype=np.float64, count=len(vec))
        scores = list(intercept + (coef[:, idx] @ vals if len(vec) else 0.0))
        top = max(scores)
        exps = [math.exp(s - top) for s in scores]
        total = sum(exps)
        return {c: e / total for c, e in zip(self.type_classes, exps)}

    def top_features(self, vec: dict[int, float], k: int = 5) -> list[str]:
        inverse = self._inverse()
        contributions = sorted(((self.binary_coef[i] * v, inverse[i]) for i, v in vec.items()), reverse=True)
        return [f"{name}:{weight:+.2f}" for weight, name in contributions[:k] if weight > 0]

    def _inverse(self) -> dict[int, str]:
        inverse = self.__dict__.get("_inverse_cache")
        if inverse is None:
            inverse = {i: f for f, i in self.vocabulary.items()}
            object.__setattr__(self, "_inverse_cache", inverse)  # built once, on first explanation
        return inverse


def from_dict(data: dict) -> LinearModel:
    return LinearModel(
        vocabulary=data["vocabulary"], idf=data["idf"], binary_coef=data["binary"]["coef"],
        binary_intercept=data["binary"]["intercept"], type_classes=data["types"]["classes"],
        type_coef=data["types"]["coef"], type_intercept=data["types"]["intercept"],
        calibration=data.get("calibration"),
    )


@lru_cache(maxsize=1)
def load_model() -> LinearModel | None:
    path = resources.files("consumers.domain").joinpath(MODEL_FILE)
    if not path.is_file():
        return None
    return from_dict(json.loads(path.read_text("utf-8")))
