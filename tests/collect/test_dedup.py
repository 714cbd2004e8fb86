"""MinHash near-duplicate detection: copies found, distinct stories left alone."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np

from briefing.collect import dedup
from briefing.storage import Identity, NewArticle, open_storage

STORY = (
    "The central bank raised its main interest rate by a quarter point to 4.5 percent on "
    "Thursday, its fifth increase this year, saying inflation was still too high. Consumer "
    "prices rose 5.8 percent in the year to October, well above the bank's target of 2 percent. "
    "Business groups said the higher cost of borrowing was already hurting investment."
)
OTHER = (
    "The central bank held its main interest rate at 4.5 percent on Thursday, pausing after five "
    "increases, as growth slowed and unemployment ticked up. Economists had been split on the "
    "decision; the currency weakened after the announcement and bond yields fell."
)


def test_copies_are_similar_and_different_stories_are_not() -> None:
    original = dedup.sketch("Bank raises rate", STORY)
    edited = dedup.sketch("Bank lifts rate", STORY.replace("Thursday", "Thursday afternoon")
                          + " The news agency reported the figures.")
    other = dedup.sketch("Bank holds rate", OTHER)
    assert original and edited and other
    assert original.jaccard(edited) >= dedup.THRESHOLD
    assert original.jaccard(other) < 0.2
    assert dedup.sketch("Photo gallery", "Pictures of the week") is None  # too short to judge


def test_sketches_round_trip_through_bytes() -> None:
    minhash = dedup.sketch("t", STORY)
    assert minhash is not None
    blob = dedup.to_blob(minhash)
    assert len(blob) == dedup.NUM_PERM * 4
    assert dedup.from_blob(blob).jaccard(minhash) == 1.0


def test_the_index_finds_the_first_copy_across_runs() -> None:
    with open_storage(":memory:") as store:
        first, _ = store.articles.add(NewArticle(source="a", outlet="A", title="Bank raises rate",
                                                 text=STORY))
        minhash = dedup.sketch(first.title, first.text)
        assert minhash is not None
        store.articles.record_identities([Identity(
            first.id, canonical_url="https://a.example/1", scheme=dedup.SCHEME,
            signature=dedup.to_blob(minhash),
        )])
        # A later run: a fresh index loads the stored sketch.
        index = dedup.NearDuplicateIndex(store)
        copy = dedup.sketch("Bank lifts rate", STORY + " Reuters contributed.")
        assert copy is not None and index.find(copy) == first.id
        other = dedup.sketch("Bank holds rate", OTHER)
        assert other is not None and index.find(other) is None
        # A copy of the copy still points at the first one.
        index.add(999, copy, first.id)
        assert index.find(copy) == first.id
        # Sketches older than the window are not loaded.
        later = dedup.NearDuplicateIndex(
            store, now=datetime.now(UTC) + timedelta(days=dedup.WINDOW_DAYS + 1)
        )
        assert later.find(copy) is None


def datasketch_minhash(title: str, text: str) -> object | None:
    """The sketch as datasketch makes it, shingle set by ``MinHash.update_batch``."""
    from datasketch import MinHash

    words = dedup._WORD.findall(f"{title}\n{text}".casefold())[: dedup.MAX_WORDS]
    shingles = {" ".join(words[i : i + dedup.SHINGLE_WORDS]).encode("utf-8")
                for i in range(max(0, len(words) - dedup.SHINGLE_WORDS + 1))}
    if len(shingles) < dedup.MIN_SHINGLES:
        return None
    # datasketch draws its own permutations: ours must be the same ones.
    minhash = MinHash(num_perm=dedup.NUM_PERM, hashfunc=dedup._crc32, scheme="affine32")
    minhash.update_batch(list(shingles))
    return minhash


def test_sketches_are_datasketchs_values_bit_for_bit(seeds_dir: Path) -> None:
    # Real articles whole, by paragraph and cut at many lengths (a few shingles to the
    # MAX_WORDS cap, and past it), sketched together: stored sketches must stay comparable.
    texts = [path.read_text(encoding="utf-8") for path in sorted(seeds_dir.glob("*.txt"))]
    assert texts
    articles = [(text.splitlines()[0], text) for text in texts]
    articles += [("", paragraph) for text in texts for paragraph in text.splitlines()]
    articles += [(f"Cut {n}", text[: n * 97]) for text in texts for n in range(1, 40)]
    articles.append(("Long", " ".join(texts * 12)))  # over MAX_WORDS: only its opening
    articles.append(("Photo gallery", "Pictures of the week"))  # too short
    ours = dedup.sketches(articles)
    assert len(ours) == len(articles)
    values = dedup.sketch_values_of(articles)  # what grouping uses, without datasketch
    assert all((v is None and m is None) or (v is not None and m is not None
                                             and np.array_equal(v, m.hashvalues))
               for v, m in zip(values, ours, strict=True))
    judged = 0
    for (title, text), mine in zip(articles, ours, strict=True):
        theirs = datasketch_minhash(title, text)
        if theirs is None:
            assert mine is None, title
            continue
        assert mine is not None, title
        assert mine.hashvalues.dtype == theirs.hashvalues.dtype
        assert np.array_equal(mine.hashvalues, theirs.hashvalues), title
        assert dedup.to_blob(mine) == dedup.to_blob(theirs)
        judged += 1
    assert judged > 100
    # One at a time, the same values as all at once.
    for (title, text), mine in zip(articles[:20], ours[:20], strict=True):
        alone = dedup.sketch(title, text)
        assert (alone is None and mine is None) or (
            alone is not None and mine is not None
            and np.array_equal(alone.hashvalues, mine.hashvalues))


def test_many_sketches_at_once_span_several_numpy_passes(seeds_dir: Path) -> None:
    text = " ".join(path.read_text(encoding="utf-8") for path in sorted(seeds_dir.glob("*.txt")))
    words = text.split()
    # Enough long articles that their shingles fill more than one pass.
    articles = [(f"Part {n}", " ".join(words[n * 50 : n * 50 + 2500])) for n in range(12)]
    assert sum(len(a[1].split()) for a in articles) > 2 * dedup._SHINGLES_PER_PASS
    for (title, body), mine in zip(articles, dedup.sketches(articles), strict=True):
        theirs = datasketch_minhash(title, body)
        assert mine is not None and theirs is not None
        assert np.array_equal(mine.hashvalues, theirs.hashvalues)


def test_the_lsh_bands_are_those_datasketch_chooses() -> None:
    from datasketch import MinHashLSH

    chosen = MinHashLSH(threshold=dedup.THRESHOLD, num_perm=dedup.NUM_PERM)
    assert (chosen.b, chosen.r) == dedup.LSH_BANDS_ROWS


class _DatasketchIndex:
    """The index as datasketch's MinHashLSH and MinHash.jaccard would answer it."""

    def __init__(self) -> None:
        from datasketch import MinHashLSH

        self.lsh = MinHashLSH(threshold=dedup.THRESHOLD, num_perm=dedup.NUM_PERM,
                              params=dedup.LSH_BANDS_ROWS)
        self.sketches: dict[int, Any] = {}
        self.roots: dict[int, int] = {}

    def find(self, minhash: Any) -> int | None:
        matches = [key for key in self.lsh.query(minhash)
                   if self.sketches[key].jaccard(minhash) >= dedup.THRESHOLD]
        return min(self.roots.get(key, key) for key in matches) if matches else None

    def add(self, article_id: int, minhash: Any, duplicate_of: int | None) -> None:
        self.lsh.insert(article_id, minhash)
        self.sketches[article_id] = minhash
        self.roots[article_id] = duplicate_of or article_id


def test_the_index_finds_what_datasketchs_lsh_finds(seeds_dir: Path) -> None:
    # Articles, their paragraphs, and copies of them cut, edited and extended: many pairs
    # near the threshold, where a band or a value more or less decides.
    texts = [path.read_text(encoding="utf-8") for path in sorted(seeds_dir.glob("*.txt"))]
    words = " ".join(texts).split()
    assert len(words) > 1000
    articles = [("", " ".join(words[start : start + 120]))
                for start in range(0, len(words) - 120, 60)]
    articles += [(title, text.replace(" the ", " a ", n)) for title, text in articles[:40]
                 for n in (3, 12)]
    articles += [("", " ".join(words[start : start + 80]) + " Reuters contributed.")
                 for start in range(0, len(words) - 80, 45)]
    sketches = dedup.sketch_values_of(articles)
    # And made-up sketches sharing 54 to 74 of their 128 values with an earlier one (at
    # 64, exactly the threshold), the rest changed at random places: band by band, some
    # pairs meet and some do not.
    rng = np.random.default_rng(7)
    for base in range(20):
        made = rng.integers(0, 1 << 32, dedup.NUM_PERM, dtype=np.uint32)
        sketches.append(made)
        for kept in range(54, 75):
            changed = made.copy()
            places = rng.choice(dedup.NUM_PERM, dedup.NUM_PERM - kept, replace=False)
            changed[places] ^= np.uint32(1 + base)
            sketches.append(changed)
    with open_storage(":memory:") as store:
        ours, theirs = dedup.NearDuplicateIndex(store), _DatasketchIndex()
        found = []
        for article_id, values in enumerate(sketches, start=1):
            assert values is not None
            minhash = dedup._minhash(values)
            original = ours.find(values)
            assert original == theirs.find(minhash), article_id
            assert ours.find(minhash) == original  # a MinHash is read as its values
            ours.add(article_id, values, original)
            theirs.add(article_id, minhash, original)
            found.append(original)
    copies = sum(original is not None for original in found)
    assert 20 < copies < len(sketches) - 20
