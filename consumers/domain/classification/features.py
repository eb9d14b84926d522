"""Features for the meeting classifier: pyvi word segmentation of the headline and opening.

Reports state what happened in their first sentences ("Sáng 17/1, đồng chí ... chủ trì hội nghị"), so only
the title and the opening are segmented: it is what decides, and it keeps classification fast.
"""

from __future__ import annotations

import re
from functools import lru_cache

from consumers.domain.classification.segmentation import tokenize
from consumers.domain.text import fold, nfc

OPENING_CHARS = 600
_DATE_TOKEN = re.compile(r"^\d{1,2}/\d{1,2}(/\d{2,4})?$")
_NUMBER = re.compile(r"^\d+([.,]\d+)*%?$")


@lru_cache(maxsize=65536)
def _folded_word(raw: str) -> str:
    # Words recur across articles (a bounded vocabulary plus names), and folding one is dozens of string
    # operations: cached, it is a dictionary lookup.
    return fold(raw.replace("_", " ")).replace(" ", "_")


def segment(text: str) -> list[str]:
    """Word tokens (syllables of one word joined by '_'), folded, numbers and dates as shape tokens."""
    words = []
    for raw in tokenize(nfc(text)).split():
        if _DATE_TOKEN.match(raw):
            words.append("<date>")
        elif _NUMBER.match(raw):
            words.append("<num>")
        else:
            folded = _folded_word(raw)
            if folded:
                words.append(folded)
    return words


_SEPARATOR = "<sep>"


def features(title: str, text: str) -> list[str]:
    # One segmenter call for headline and opening: the CRF's per-call overhead is half its cost here.
    words = segment(f"{title} \n SEPARATORTOKEN \n {text[:OPENING_CHARS]}")
    cut = words.index("separatortoken") if "separatortoken" in words else 0
    title_words, body_words = words[:cut], words[cut + 1:]
    out = [f"t:{w}" for w in title_words]
    out += [f"w:{w}" for w in body_words]
    out += [f"b:{a}|{b}" for a, b in zip(body_words, body_words[1:])]
    out += [f"tb:{a}|{b}" for a, b in zip(title_words, title_words[1:])]
    if body_words:
        out.append(f"first:{body_words[0]}")
    return out
