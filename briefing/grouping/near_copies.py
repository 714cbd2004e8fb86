"""Near-copies: the same wire text on several sites is one event, whatever its headline.

Uses the MinHash sketches of ``briefing.collect.dedup``. Collecting already
sketched every article it stored (``article_sketches``); those sketches are
reused, and only articles that came another way (files) are sketched here.

Near-copies share most of their words, so they are always among the pairs
similarity compares (``similarity.Edges``: same lead, same window); only those
pairs are checked, with all sketches in one array, so the check costs as much
as the pairs and needs no index of its own.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

import numpy as np

from briefing.collect import dedup
from briefing.grouping.similarity import Edges
from briefing.storage import Storage
from briefing.types import Article

CHUNK_PAIRS = 8192


def load_sketches(store: Storage, article_ids: Iterable[int]) -> dict[int, np.ndarray]:
    """Sketches collecting stored for these articles (article id -> MinHash values)."""
    blobs = store.articles.sketches_of(article_ids, dedup.SCHEME)
    return {article_id: dedup.values_from_blob(blob) for article_id, blob in blobs.items()}


def sketch_matrix(
    articles: Sequence[Article], known: Mapping[int, np.ndarray] | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """(hash values, one row per article; whether each article has a sketch).

    ``known`` maps article ids to sketches already made (MinHash values); the rest are
    sketched now
    (articles too short to judge have none).
    """
    known = known or {}
    # dedup's scheme ("affine32") keeps 32-bit hash values.
    values = np.zeros((len(articles), dedup.NUM_PERM), dtype=np.uint32)
    present = np.zeros(len(articles), dtype=bool)
    unknown = [index for index, article in enumerate(articles) if article.id not in known]
    made = dedup.sketch_values_of([(articles[i].title, articles[i].text) for i in unknown])
    sketches = {**{i: known[a.id] for i, a in enumerate(articles) if a.id in known},
                **dict(zip(unknown, made, strict=True))}
    for index, sketch in sketches.items():
        if sketch is not None:
            values[index] = sketch
            present[index] = True
    return values, present


def near_copy_pairs(
    articles: Sequence[Article],
    edges: Edges,
    threshold: float,
    known: Mapping[int, np.ndarray] | None = None,
) -> list[tuple[int, int]]:
    """Index pairs among ``edges`` whose estimated Jaccard similarity reaches ``threshold``."""
    if len(edges) == 0:
        return []
    values, present = sketch_matrix(articles, known)
    left, right = edges.left, edges.right
    candidates = np.flatnonzero(present[left] & present[right])
    pairs: list[tuple[int, int]] = []
    for start in range(0, len(candidates), CHUNK_PAIRS):  # bounded memory
        chunk = candidates[start : start + CHUNK_PAIRS]
        # Jaccard estimate of two MinHash sketches: the share of equal hash values.
        jaccard = (values[left[chunk]] == values[right[chunk]]).mean(axis=1)
        hits = chunk[jaccard >= threshold]
        pairs += zip(left[hits].tolist(), right[hits].tolist(), strict=True)
    return sorted(pairs)
