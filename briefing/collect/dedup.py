"""Near-duplicate detection: MinHash sketches (datasketch's) in an LSH index.

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
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

import numpy as np

from briefing.storage import Storage

if TYPE_CHECKING:
    # datasketch imports scipy.integrate (a second of CPU here): it loads on the first
    # sketch, so a build with nothing to compare never pays for it.
    from datasketch import MinHash

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
#: Shingles hashed in one numpy pass (a shingles x NUM_PERM matrix of 32-bit values: 4 MB).
_SHINGLES_PER_PASS = 8192
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


#: The LSH index's bands and rows per band: what datasketch's MinHashLSH chooses for
#: THRESHOLD and NUM_PERM by integrating numerically (0.03 s of every process that
#: indexes, for an answer that never changes; tests/collect/test_dedup.py checks it).
LSH_BANDS_ROWS = (25, 5)


def sketch(title: str, text: str) -> MinHash | None:
    """The MinHash of an article's shingles, or None when it is too short to judge."""
    return sketches([(title, text)])[0]


def sketches(articles: Sequence[tuple[str, str]]) -> list[MinHash | None]:
    """``sketch`` of each (title, text), as datasketch MinHash objects (the LSH index's)."""
    return [_minhash(values) if values is not None else None
            for values in sketch_values_of(articles)]


def sketch_values(title: str, text: str) -> np.ndarray | None:
    """The MinHash values of one article (128 uint32), or None when it is too short."""
    return sketch_values_of([(title, text)])[0]


def sketch_values_of(articles: Sequence[tuple[str, str]]) -> list[np.ndarray | None]:
    """The MinHash values of each (title, text), computed for all at once.

    Exactly what datasketch's ``MinHash.update_batch`` gives (scheme "affine32":
    each shingle's CRC-32, mixed by MurmurHash3's finalizer, then ``a * h + b`` in
    32 bits for each permutation, the minimum kept), so stored sketches stay
    comparable; but one numpy pass over the shingles of many articles instead of
    a MinHash updated article by article, whose fixed costs were most of the work
    for a news-sized article. Grouping needs only the values, so it never imports
    datasketch (over half a second of CPU).
    """
    hashes = [_shingle_hashes(title, text) for title, text in articles]
    values = iter(_min_values([h for h in hashes if h is not None]))
    return [next(values) if h is not None else None for h in hashes]


def _shingle_hashes(title: str, text: str) -> np.ndarray | None:
    """The CRC-32 of each distinct shingle, or None when there are too few to judge."""
    words = _WORD.findall(f"{title}\n{text}".casefold())[:MAX_WORDS]
    # Every run of SHINGLE_WORDS consecutive words, joined by spaces, as UTF-8.
    runs = zip(*(words[start:] for start in range(SHINGLE_WORDS)), strict=False)
    shingles = set(map(" ".join, runs))
    if len(shingles) < MIN_SHINGLES:
        return None
    # zlib's own function, not _crc32: a Python call per shingle is a fifth of the work.
    return np.fromiter(map(zlib.crc32, map(str.encode, shingles)), dtype=np.uint32,
                       count=len(shingles))


def _min_values(hashes: Sequence[np.ndarray]) -> np.ndarray:
    """One row of NUM_PERM minimum hash values for each array of shingle hashes."""
    a, b = _permutations()
    rows = np.empty((len(hashes), NUM_PERM), dtype=np.uint32)
    start = 0
    while start < len(hashes):
        # A few thousand shingles per pass: the shingles x permutations matrix stays small.
        end, total = start + 1, len(hashes[start])
        while end < len(hashes) and total + len(hashes[end]) <= _SHINGLES_PER_PASS:
            total += len(hashes[end])
            end += 1
        group = hashes[start:end]
        mixed = _fmix32(np.concatenate(group))
        # Permutations by shingles, b added in place: that way round, and without a second
        # matrix, numpy is ten times faster. uint32 arithmetic wraps around: the intended
        # modulo 2**32.
        permuted = np.multiply.outer(a, mixed)
        permuted += b[:, np.newaxis]
        offsets = np.cumsum([0, *(len(h) for h in group[:-1])])
        rows[start:end] = np.minimum.reduceat(permuted, offsets, axis=1).T
        start = end
    return rows


def _fmix32(values: np.ndarray) -> np.ndarray:
    """MurmurHash3's 32-bit finalizer, as datasketch applies it before its permutations."""
    values = values ^ (values >> np.uint32(16))
    values = values * np.uint32(0x85EBCA6B)
    values = values ^ (values >> np.uint32(13))
    values = values * np.uint32(0xC2B2AE35)
    return values ^ (values >> np.uint32(16))


def _minhash(values: np.ndarray) -> MinHash:
    from datasketch import MinHash

    return MinHash(num_perm=NUM_PERM, hashvalues=values, hashfunc=_crc32, scheme="affine32",
                   permutations=_permutations())


def _values(sketch: np.ndarray | MinHash) -> np.ndarray:
    return np.asarray(getattr(sketch, "hashvalues", sketch), dtype=np.uint32)


def to_blob(sketch: np.ndarray | MinHash) -> bytes:
    return _values(sketch).tobytes()


def values_from_blob(blob: bytes) -> np.ndarray:
    return np.frombuffer(blob, dtype=np.uint32).copy()


def from_blob(blob: bytes) -> MinHash:
    return _minhash(values_from_blob(blob))


def similarity(first: np.ndarray | MinHash, second: np.ndarray | MinHash) -> float:
    """The share of equal values: the Jaccard estimate (datasketch's ``MinHash.jaccard``)."""
    return float(np.count_nonzero(_values(first) == _values(second))) / float(NUM_PERM)


class NearDuplicateIndex:
    """The sketches of recent articles; finds the first copy of a new one.

    Locality-sensitive hashing as datasketch's ``MinHashLSH`` does it, with its bands
    (``LSH_BANDS_ROWS``): sketches equal in one band of values are candidates, and a
    candidate whose values are ``THRESHOLD`` equal is a copy. Kept here as one dict a
    band, keyed by the band's bytes: the same candidates (a test holds them to
    ``MinHashLSH``'s), without a MinHash object, byte swap and storage layer for each
    band of each article, which cost a first collect a tenth of its time.
    """

    def __init__(self, store: Storage, *, now: datetime | None = None) -> None:
        self._store = store
        self._now = now or datetime.now(UTC)
        self._bands: list[dict[bytes, int | tuple[int, ...]]] | None = None
        self._sketches: dict[int, np.ndarray] = {}
        self._roots: dict[int, int] = {}  # article id -> the first copy it belongs to

    def find(self, sketch: np.ndarray | MinHash) -> int | None:
        """The id of the first copy of the article sketched, or None if it is original."""
        values = _values(sketch)
        candidates: set[int] = set()
        for table, band in zip(self._index(), _bands(values), strict=True):
            keys = table.get(band)
            if isinstance(keys, int):
                candidates.add(keys)
            elif keys is not None:
                candidates.update(keys)
        matches = [
            key for key in candidates if similarity(self._sketches[key], values) >= THRESHOLD
        ]
        if not matches:
            return None
        return min(self._roots.get(key, key) for key in matches)

    def add(self, article_id: int, sketch: np.ndarray | MinHash, duplicate_of: int | None) -> None:
        tables = self._index()
        if article_id in self._sketches:
            return
        values = _values(sketch)
        for table, band in zip(tables, _bands(values), strict=True):
            # One id as itself, more as a tuple: a list a band (25 an article, kept
            # for the run) would be containers for the garbage collector to walk.
            keys = table.get(band)
            if keys is None:
                table[band] = article_id
            else:
                table[band] = (keys, article_id) if isinstance(keys, int) else (*keys, article_id)
        self._sketches[article_id] = values
        self._roots[article_id] = duplicate_of or article_id

    def _index(self) -> list[dict[bytes, int | tuple[int, ...]]]:
        if self._bands is None:
            self._bands = [{} for _ in range(LSH_BANDS_ROWS[0])]
            since = self._now - timedelta(days=WINDOW_DAYS)
            for stored in self._store.articles.sketches(SCHEME, since=since):
                self.add(stored.article_id, values_from_blob(stored.signature),
                         stored.duplicate_of)
        return self._bands


def _bands(values: np.ndarray) -> list[bytes]:
    """The bytes of each band of a sketch: ``bands`` runs of ``rows`` values from the start."""
    bands, rows = LSH_BANDS_ROWS
    data, width = values.tobytes(), rows * values.itemsize
    return [data[band * width : (band + 1) * width] for band in range(bands)]
