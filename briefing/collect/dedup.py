"""Near-duplicate detection: MinHash sketches in an LSH index (datasketch).

Exact copies are caught by the store's content hash; this catches the rest:
the syndicated copy with another outlet's furniture, the wire story lightly
edited on five sites. Each article is reduced to the set of its word 5-grams
(shingles); two articles whose sets overlap by ``THRESHOLD`` (Jaccard) or more
are copies, and the later one is linked to the first (``duplicate_of``).

Sketches are stored (``article_sketches``), so a copy is recognised across
runs; the index holds the articles first seen in the last ``WINDOW_DAYS`` and
is loaded only when a run has something new to check, so a run where every
feed answers 304 never pays for it.
"""

from __future__ import annotations

import functools
import re
import zlib
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

import numpy as np

from briefing.storage import Storage

if TYPE_CHECKING:
    # datasketch imports scipy.integrate (a second of CPU here): it loads on the first
    # sketch, so a build with nothing to compare never pays for it.
    from datasketch import MinHash, MinHashLSH

NUM_PERM = 128
SHINGLE_WORDS = 5
#: Jaccard similarity (of 5-gram sets) from which two articles are copies of one story.
#: Unrelated articles, even on the same event, share almost no 5-grams (< 0.1).
THRESHOLD = 0.5
#: Articles with fewer shingles than this are too short to judge ("Photo gallery").
MIN_SHINGLES = 8
#: Only the opening of very long articles is sketched: it is what copies share.
MAX_WORDS = 3000
WINDOW_DAYS = 30
#: Identifies how a stored sketch was made; sketches made otherwise are ignored.
SCHEME = f"affine32-crc32-w{SHINGLE_WORDS}-p{NUM_PERM}"
_WORD = re.compile(r"\w+")


def _crc32(data: bytes) -> int:
    # Stable across processes (unlike hash()) and much faster than datasketch's SHA-1.
    return zlib.crc32(data)


@functools.cache
def _permutations() -> np.ndarray:
    """The 128 affine permutations (a, b) of datasketch's "affine32" scheme with seed 1:
    drawn as datasketch draws them, so our sketches are its sketches (a test holds
    the two equal), and drawn once."""
    generator = np.random.RandomState(1)
    a = generator.randint(0, 1 << 31, NUM_PERM, dtype=np.uint32) * np.uint32(2) + np.uint32(1)
    b = generator.randint(0, 1 << 32, NUM_PERM, dtype=np.uint32)
    return np.array([a, b])


@functools.cache
def _lsh_params() -> tuple[int, int]:
    # Choosing the bands and rows for THRESHOLD integrates numerically (0.1 s and more);
    # the answer never changes, so every index reuses the first one's.
    from datasketch import MinHashLSH

    probe = MinHashLSH(threshold=THRESHOLD, num_perm=NUM_PERM)
    return int(probe.b), int(probe.r)


def sketch_values(title: str, text: str) -> np.ndarray | None:
    """The MinHash values of an article's shingles (128 uint32), or None when it is too
    short to judge.

    The values datasketch's ``MinHash(scheme="affine32", hashfunc=crc32)`` computes,
    in numpy alone: grouping a folder of files sketches every article, and importing
    datasketch (for its LSH index, which grouping does not use) costs more than half
    a second of CPU. Each shingle's CRC-32 goes through the 32-bit MurmurHash3
    finalizer, then every affine permutation ``a * h + b`` (mod 2**32); each value is
    the minimum over the shingles.
    """
    words = _WORD.findall(f"{title}\n{text}".casefold())[:MAX_WORDS]
    # Every run of SHINGLE_WORDS consecutive words, joined by spaces, as UTF-8.
    runs = zip(*(words[start:] for start in range(SHINGLE_WORDS)))
    shingles = set(map(str.encode, map(" ".join, runs)))
    if len(shingles) < MIN_SHINGLES:
        return None
    hashes = np.fromiter(map(zlib.crc32, shingles), dtype=np.uint32, count=len(shingles))
    hashes ^= hashes >> np.uint32(16)
    hashes *= np.uint32(0x85EBCA6B)
    hashes ^= hashes >> np.uint32(13)
    hashes *= np.uint32(0xC2B2AE35)
    hashes ^= hashes >> np.uint32(16)
    a, b = _permutations()
    return (np.multiply.outer(hashes, a) + b).min(axis=0)


def sketch(title: str, text: str) -> MinHash | None:
    """The article's sketch as a datasketch MinHash (for the LSH index), or None when it
    is too short to judge."""
    values = sketch_values(title, text)
    return _minhash(values) if values is not None else None


def to_blob(minhash: MinHash) -> bytes:
    return np.asarray(minhash.hashvalues, dtype=np.uint32).tobytes()


def values_from_blob(blob: bytes) -> np.ndarray:
    return np.frombuffer(blob, dtype=np.uint32).copy()


def from_blob(blob: bytes) -> MinHash:
    return _minhash(values_from_blob(blob))


def _minhash(values: np.ndarray) -> MinHash:
    from datasketch import MinHash

    return MinHash(num_perm=NUM_PERM, hashvalues=values, hashfunc=_crc32, scheme="affine32",
                   permutations=_permutations())


class NearDuplicateIndex:
    """The sketches of recent articles; finds the first copy of a new one."""

    def __init__(self, store: Storage, *, now: datetime | None = None) -> None:
        self._store = store
        self._now = now or datetime.now(UTC)
        self._lsh: MinHashLSH | None = None
        self._sketches: dict[int, MinHash] = {}
        self._roots: dict[int, int] = {}  # article id -> the first copy it belongs to

    def find(self, minhash: MinHash) -> int | None:
        """The id of the first copy of the article sketched, or None if it is original."""
        lsh = self._index()
        matches = [
            key for key in lsh.query(minhash) if self._sketches[key].jaccard(minhash) >= THRESHOLD
        ]
        if not matches:
            return None
        return min(self._roots.get(key, key) for key in matches)

    def add(self, article_id: int, minhash: MinHash, duplicate_of: int | None) -> None:
        lsh = self._index()
        if article_id in self._sketches:
            return
        lsh.insert(article_id, minhash)
        self._sketches[article_id] = minhash
        self._roots[article_id] = duplicate_of or article_id

    def _index(self) -> MinHashLSH:
        if self._lsh is None:
            from datasketch import MinHashLSH

            self._lsh = MinHashLSH(threshold=THRESHOLD, num_perm=NUM_PERM,
                                   params=_lsh_params())
            since = self._now - timedelta(days=WINDOW_DAYS)
            stored = self._store.articles.sketches(SCHEME, since=since)
            self._load((s.article_id, s.signature, s.duplicate_of) for s in stored)
        return self._lsh

    def _load(self, rows: Iterable[tuple[int, bytes, int | None]]) -> None:
        assert self._lsh is not None
        with self._lsh.insertion_session() as session:
            for article_id, blob, duplicate_of in rows:
                minhash = from_blob(blob)
                session.insert(article_id, minhash)
                self._sketches[article_id] = minhash
                self._roots[article_id] = int(duplicate_of) if duplicate_of else article_id
