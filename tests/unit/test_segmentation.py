"""The fast word segmentation must give exactly pyvi's output: the classifier's features depend on it."""

import json
from pathlib import Path

import pytest
from pyvi import ViTokenizer

from consumers.domain.classification import segmentation

CORPUS = Path(__file__).resolve().parents[1] / "corpus"


def _corpus_texts() -> list[str]:
    texts = []
    for path in sorted(CORPUS.glob("classification*/*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                row = json.loads(line)
                texts += [row.get("title") or "", row.get("text") or ""]
    for path in sorted(CORPUS.glob("extraction*/*.json")):
        label = json.loads(path.read_text(encoding="utf-8"))
        texts += [label.get("title") or "", label.get("lead") or "", *(label.get("paragraphs") or [])]
    return texts


EDGE_CASES = [
    "", "   ", "\n", "...", "HĐND TỈNH QUẢNG NINH KHÓA XIV", "Sáng 17/1, đồng chí Nguyễn Văn A chủ trì hội nghị.",
    "Tỷ lệ đạt 1.234,5% ==> vượt 12_000 chỉ tiêu -> http://example.vn/a?b=1 và ThS. Trần B, Tp. Hạ Long",
    "ΑΣ Σ x", "İstanbul İ", "Thủ tướng Chính phủ", "a", "A B C D E", "123 456", "x@y.vn", "ĐẢNG BỘ tỉnh Hà Giang",
]


@pytest.mark.parametrize("text", EDGE_CASES)
def test_edge_cases_segment_exactly_like_pyvi(text):
    assert segmentation.tokenize(text) == ViTokenizer.tokenize(text)


def test_every_corpus_text_segments_exactly_like_pyvi():
    texts = _corpus_texts()
    assert len(texts) > 1000
    different = [t[:80] for t in texts if segmentation.tokenize(t) != ViTokenizer.tokenize(t)]
    assert different == [], f"{len(different)} texts segmented differently, e.g. {different[:3]}"
