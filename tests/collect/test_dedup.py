"""MinHash near-duplicate detection: copies found, distinct stories left alone."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

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


def _datasketch_values(title: str, text: str) -> object:
    """The sketch as datasketch makes it (its own permutations, its own update)."""
    from datasketch import MinHash

    words = dedup._WORD.findall(f"{title}\n{text}".casefold())[: dedup.MAX_WORDS]
    shingles = {" ".join(words[i : i + dedup.SHINGLE_WORDS]).encode("utf-8")
                for i in range(max(0, len(words) - dedup.SHINGLE_WORDS + 1))}
    if len(shingles) < dedup.MIN_SHINGLES:
        return None
    minhash = MinHash(num_perm=dedup.NUM_PERM, hashfunc=dedup._crc32, scheme="affine32")
    minhash.update_batch(list(shingles))
    return minhash.hashvalues


def test_our_sketch_is_datasketchs_on_real_articles(seeds_dir: Path) -> None:
    # Stored sketches and the LSH index are datasketch's: the numpy sketch must be
    # the same values, bit for bit, or copies would stop matching across versions.
    files = sorted(path for path in seeds_dir.rglob("*") if path.is_file())
    texts = [path.read_text(encoding="utf-8", errors="replace") for path in files]
    texts += [STORY, OTHER, "Photo gallery"]
    compared = 0
    for text in texts:
        expected = _datasketch_values("A title", text)
        ours = dedup.sketch_values("A title", text)
        if expected is None:
            assert ours is None
            continue
        assert ours is not None and ours.dtype == np.uint32
        assert np.array_equal(ours, expected)
        minhash = dedup.sketch("A title", text)
        assert minhash is not None and minhash.jaccard(dedup.from_blob(dedup.to_blob(minhash))) == 1
        compared += 1
    assert compared >= 6
