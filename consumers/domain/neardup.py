"""Near-duplicate signatures: MinHash over folded word 3-shingles, split into LSH bands."""

from __future__ import annotations

import base64
import binascii
import hashlib
import struct

import numpy as np
from datasketch import MinHash

from consumers.domain.text import fold_words

# 7 bands of 7 rows: a pair with Jaccard 0.83 becomes a candidate with probability 0.89, one with 0.9
# with 0.99; 7 indexed integer columns keep the index under 300 bytes per document on PostgreSQL.
N_BANDS = 7
ROWS = 7
NUM_PERM = N_BANDS * ROWS
SHINGLE = 3
MIN_WORDS = 25


def _hash(data: bytes) -> int:
    return int.from_bytes(_blake2b(data, digest_size=4).digest(), "little")


_blake2b = hashlib.blake2b


def shingles(text: str) -> set[bytes]:
    return shingles_of_words(fold_words(text))


def shingles_of_words(words: list[str]) -> set[bytes]:
    """The word 3-shingles of folded words (`fold_words`)."""
    if len(words) < SHINGLE:
        return {" ".join(words).encode()} if words else set()
    return {f"{a} {b} {c}".encode() for a, b, c in zip(words, words[1:], words[2:])}


def minhash(text: str) -> MinHash | None:
    """None for texts too short to compare meaningfully."""
    return minhash_of_words(fold_words(text))


def minhash_of_words(words: list[str]) -> MinHash | None:
    """`minhash` of a text already folded and split (`fold(text).split()`)."""
    grams = shingles_of_words(words)
    if len(grams) < MIN_WORDS:
        return None
    # The permutations of seed 7, drawn once: MinHash draws them again (a seeded RandomState) on every construction.
    mh = MinHash(num_perm=NUM_PERM, seed=7, hashfunc=_hash, permutations=_PERMUTATIONS, scheme="affine32")
    mh.update_batch(list(grams))
    return mh


_PERMUTATIONS = MinHash(num_perm=NUM_PERM, seed=7, hashfunc=_hash, scheme="affine32").permutations


def bands(mh: MinHash) -> list[int]:
    """One signed 32-bit hash per band (fits an INTEGER column on every database)."""
    return bands_of(mh.hashvalues)


_PERSON = [bytes([b]) * 8 for b in range(N_BANDS)]  # blake2b personalisation of each band


def bands_of(values: np.ndarray) -> list[int]:
    """`bands` of the signature's 49 values (any unsigned dtype: each row is hashed as a uint64)."""
    wide = np.asarray(values).astype(np.uint64)
    out = []
    for b in range(N_BANDS):
        chunk = wide[b * ROWS:(b + 1) * ROWS].tobytes()
        out.append(struct.unpack("<i", hashlib.blake2b(chunk, digest_size=4, person=_PERSON[b]).digest())[0])
    return out



def to_bytes(mh: MinHash) -> bytes:
    return mh.hashvalues.astype(np.uint32).tobytes()


def from_bytes(data: bytes) -> MinHash:
    values = np.frombuffer(data, dtype=np.uint32).astype(np.uint64)
    return MinHash(num_perm=NUM_PERM, seed=7, hashfunc=_hash, hashvalues=values, scheme="affine32")


def similarity(a: MinHash, b: MinHash) -> float:
    return float(a.jaccard(b))


# -- the signature as a plain array: what the process stage and the store use (no MinHash objects, whose
# construction draws the 49 permutations again every time) -------------------------------------------------------

def values_from_bytes(data: bytes) -> np.ndarray:
    """The 49 uint32 values of a stored signature (`to_bytes`: 196 bytes, little-endian)."""
    return np.frombuffer(data, dtype="<u4")


def values_to_bytes(values: np.ndarray) -> bytes:
    return np.asarray(values).astype("<u4").tobytes()


def signature_values(near_signature: str | None, text: str) -> np.ndarray | None:
    """`article_signature` as its 49 uint32 values: the extract stage's signature decoded when it sent one,
    computed from the text only when it did not (older messages); None for texts too short to compare."""
    raw = _decoded_signature(near_signature)
    if raw is not None:
        return values_from_bytes(raw)
    mh = minhash(text)
    return None if mh is None else mh.hashvalues.astype("<u4")


def _decoded_signature(near_signature: str | None) -> bytes | None:
    """The 196 bytes an Article's `near_signature` carries, or None when it carries none (or garbage)."""
    if not near_signature:
        return None
    try:
        raw = base64.b64decode(near_signature, validate=True)
    except (binascii.Error, ValueError):
        return None
    return raw if len(raw) == NUM_PERM * 4 else None


def similarities(values: np.ndarray, stored: list[bytes]) -> np.ndarray:
    """`similarity` of one signature with each stored one (equal to MinHash.jaccard: matching rows / 49)."""
    if not stored:
        return np.zeros(0)
    matrix = np.frombuffer(b"".join(stored), dtype="<u4").reshape(len(stored), NUM_PERM)
    return np.count_nonzero(matrix == np.asarray(values, dtype="<u4"), axis=1) / float(NUM_PERM)


def encode_signature(mh: MinHash | None) -> str | None:
    """The signature as carried on an Article (base64 text), or None."""
    return base64.b64encode(to_bytes(mh)).decode("ascii") if mh is not None else None


def article_signature(near_signature: str | None, text: str) -> MinHash | None:
    """The article's own signature when the extract stage sent one (a function of the page alone), else one
    computed from its published text (older messages)."""
    raw = _decoded_signature(near_signature)
    return from_bytes(raw) if raw is not None else minhash(text)
