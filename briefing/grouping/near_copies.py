"""Near-copies: the same wire text on several sites is one event, whatever its headline.

Uses the MinHash sketches of ``briefing.collect.dedup`` in an LSH index. Collecting
already sketched every article it stored (``article_sketches``); those sketches
are reused, and only articles that came another way (files) are sketched here.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from datasketch import MinHash, MinHashLSH

from briefing.collect import dedup
from briefing.collect.articles import stored_sketches
from briefing.store import Store
from briefing.types import Article


def load_sketches(store: Store, article_ids: Iterable[int]) -> dict[int, MinHash]:
    """Sketches collecting stored for these articles (article id -> MinHash)."""
    blobs = stored_sketches(store, article_ids, dedup.SCHEME)
    return {article_id: dedup.from_blob(blob) for article_id, blob in blobs.items()}


def near_copy_pairs(
    articles: Sequence[Article],
    threshold: float,
    known: Mapping[int, MinHash] | None = None,
) -> list[tuple[int, int]]:
    """Index pairs (earlier index, later index) of articles that are near-copies.

    ``known`` maps article ids to sketches already made; the rest are sketched now.
    """
    known = known or {}
    lsh = MinHashLSH(threshold=threshold, num_perm=dedup.NUM_PERM)
    sketches: dict[int, MinHash] = {}
    pairs: list[tuple[int, int]] = []
    for i, article in enumerate(articles):
        minhash = known.get(article.id) or dedup.sketch(article.title, article.text)
        if minhash is None:
            continue
        for j in lsh.query(minhash):
            if sketches[j].jaccard(minhash) >= threshold:
                pairs.append((j, i))
        lsh.insert(i, minhash)
        sketches[i] = minhash
    return sorted(pairs)
