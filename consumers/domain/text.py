"""Vietnamese text normalisation: NFC for storage, a folded form for hashing and matching."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from functools import lru_cache

# The five tone marks as combining characters. Vowel-quality marks (circumflex, breve, horn) stay.
_TONES = {"\u0300": "2", "\u0301": "1", "\u0303": "4", "\u0309": "3", "\u0323": "5"}
_TONE_RE = re.compile("[\u0300\u0301\u0303\u0309\u0323]")
_WORD_RE = re.compile(r"\w+", re.UNICODE)
_SPACE_RE = re.compile(r"\s+")
# Zero-width and soft-hyphen characters portals leave in copy-pasted text.
_INVISIBLE_RE = re.compile("[\u200b\u200c\u200d\u2060\ufeff\u00ad]")
# Whitespace that _SPACE_RE.sub(" ", ...) would change: anything but a lone space.
_NOT_LONE_SPACE_RE = re.compile(r"[^\S ]|  ")


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def clean_spaces(text: str) -> str:
    """NFC, invisible characters removed, runs of whitespace collapsed (newlines kept)."""
    text = _INVISIBLE_RE.sub("", nfc(text)).replace("\u00a0", " ")
    if "\n" not in text:  # one line (the common case), the same result without the generators
        return _squash(text)
    lines = (_squash(line) for line in text.split("\n"))
    return "\n".join(line for line in lines if line)


def _squash(line: str) -> str:
    """_SPACE_RE.sub(" ", line).strip(), without rebuilding a line whose spaces are all single already."""
    return (_SPACE_RE.sub(" ", line) if _NOT_LONE_SPACE_RE.search(line) else line).strip()


@lru_cache(maxsize=65536)
def _fold_syllable(syllable: str) -> str:
    # Old (hoà, Uỷ) and new (hòa, Ủy) orthography put the tone on different vowels of the same
    # syllable; moving the tone to the end of the syllable makes both spell the same.
    decomposed = unicodedata.normalize("NFD", syllable)
    tones = _TONE_RE.findall(decomposed)
    if not tones:
        return unicodedata.normalize("NFC", decomposed)
    base = unicodedata.normalize("NFC", _TONE_RE.sub("", decomposed))
    return base + _TONES[tones[-1]]


def fold(text: str) -> str:
    """Matching form: lower case, tone placement folded, punctuation and spacing dropped."""
    lowered = nfc(_INVISIBLE_RE.sub("", text)).lower()
    return " ".join(map(_fold_syllable, _WORD_RE.findall(lowered)))


def fold_words(text: str) -> list[str]:
    return fold(text).split()


def fingerprint(text: str) -> str:
    """Exact-duplicate key: equal for texts that differ only in encoding, tone placement or spacing."""
    return fingerprint_of_folded(fold(text))


def fingerprint_of_folded(folded: str) -> str:
    """`fingerprint` of a text already folded (`fold(text)`)."""
    return hashlib.sha256(folded.encode("utf-8")).hexdigest()
