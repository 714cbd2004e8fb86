"""Cluster articles into events: near-copies first, then average-linkage agglomeration.

1. Near-copies (the same wire text on several sites) are merged outright, using
   the MinHash sketches of ``briefing.collect.dedup``: they are one event whatever
   their wording scores.
2. Every other pair is compared by the cosine of its TF-IDF vectors
   (``features``), but only inside a time window: two articles published more
   than ``window_days`` apart are never linked directly, so yearly summits with
   the same cast stay apart. Undated articles are compared with everything.
3. Average linkage over that sparse similarity graph: the two clusters with the
   highest mean pair similarity merge, until no pair reaches ``threshold``.
   Pairs without an edge count as 0, which keeps a long chain of loosely related
   articles from growing into one story (single linkage would).

The similarity matrix is computed in row blocks and only edges above
``edge_floor`` are kept, so memory grows with the number of related pairs, not
with n².
"""

from __future__ import annotations

import heapq
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC

import numpy as np
from datasketch import MinHashLSH
from scipy import sparse

from briefing.collect import dedup
from briefing.grouping.features import tfidf_matrix
from briefing.types import Article

BLOCK_ROWS = 512


@dataclass(frozen=True)
class GroupingParams:
    """Calibrated on tests/data/story_pairs.tsv and the synthetic corpus.

    ``tests/test_stories_calibration.py`` prints precision and recall of the pair
    decisions per threshold: 0.30 and 0.31 make no mistake on any set; below 0.28
    same-topic events of the synthetic corpus start to merge, above 0.31 the
    examples' multi-day stories start to split.
    """

    #: Mean cosine similarity from which two clusters are one story.
    threshold: float = 0.30
    #: Articles further apart than this are never linked directly.
    window_days: float = 4.0
    #: Near-copy Jaccard (MinHash) from which articles merge before anything else;
    #: above 1 turns the shortcut off.
    near_copy: float = dedup.THRESHOLD

    @property
    def edge_floor(self) -> float:
        # Edges below half the threshold barely move an average; dropping them keeps
        # the graph sparse.
        return self.threshold / 2


def cluster_articles(
    articles: Sequence[Article], params: GroupingParams | None = None
) -> list[list[int]]:
    """Indexes into ``articles``, one list per story (each sorted), in first-index order."""
    params = params or GroupingParams()
    n = len(articles)
    if n == 0:
        return []
    parent = list(range(n))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    copies = _near_copies(articles, params.near_copy) if params.near_copy <= 1 else []
    for a, b in copies:
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    roots = [find(i) for i in range(n)]
    edges = _similarity_edges(articles, params)
    members = _average_linkage(roots, edges, params.threshold)
    return sorted((sorted(group) for group in members), key=lambda group: group[0])


def _near_copies(articles: Sequence[Article], threshold: float) -> list[tuple[int, int]]:
    lsh = MinHashLSH(threshold=threshold, num_perm=dedup.NUM_PERM)
    sketches = {}
    pairs: list[tuple[int, int]] = []
    for i, article in enumerate(articles):
        minhash = dedup.sketch(article.title, article.text)
        if minhash is None:
            continue
        for j in lsh.query(minhash):
            if sketches[j].jaccard(minhash) >= threshold:
                pairs.append((j, i))
        lsh.insert(i, minhash)
        sketches[i] = minhash
    return pairs


def _timestamps(articles: Sequence[Article]) -> np.ndarray:
    """Published time in days (NaN when unknown)."""
    return np.array(
        [
            a.published.astimezone(UTC).timestamp() / 86400.0
            if a.published is not None
            else np.nan
            for a in articles
        ]
    )


def _similarity_edges(
    articles: Sequence[Article], params: GroupingParams
) -> sparse.coo_matrix:
    """Edges (i < j) with cosine >= edge_floor inside the time window.

    Articles are taken in date order, so each block of rows is multiplied only by
    the columns inside its window (plus the undated ones): the cost grows with the
    articles per window, not with the square of the whole batch.
    """
    matrix = tfidf_matrix(articles)
    days = _timestamps(articles)
    order = np.argsort(days, kind="stable")  # NaN (undated) sorts last
    sorted_days = days[order]
    dated = int(np.count_nonzero(~np.isnan(days)))
    undated_cols = order[dated:]
    by_column = matrix.T.tocsc()
    rows: list[np.ndarray] = []
    cols: list[np.ndarray] = []
    values: list[np.ndarray] = []
    for start in range(0, len(order), BLOCK_ROWS):
        block_rows = order[start : start + BLOCK_ROWS]
        block_days = sorted_days[start : start + BLOCK_ROWS]
        if start >= dated:  # undated rows meet everything
            columns = order
        else:
            low = np.searchsorted(sorted_days[:dated], np.nanmin(block_days) - params.window_days)
            high = np.searchsorted(
                sorted_days[:dated], np.nanmax(block_days) + params.window_days, side="right"
            )
            columns = np.concatenate([order[low:high], undated_cols])
        block = (matrix[block_rows] @ by_column[:, columns]).tocoo()
        r = block_rows[block.row]
        c = columns[block.col]
        keep = (c > r) & (block.data >= params.edge_floor)
        keep &= ~(np.abs(days[r] - days[c]) > params.window_days)  # NaN compares False: kept
        rows.append(r[keep])
        cols.append(c[keep])
        values.append(block.data[keep])
    n = matrix.shape[0]
    if not rows:
        return sparse.coo_matrix((n, n))
    return sparse.coo_matrix(
        (np.concatenate(values), (np.concatenate(rows), np.concatenate(cols))), shape=(n, n)
    )


def _average_linkage(
    roots: list[int], edges: sparse.coo_matrix, threshold: float
) -> list[list[int]]:
    """Merge clusters (seeded by ``roots``) by highest mean similarity while >= threshold."""
    size: dict[int, int] = {}
    members: dict[int, list[int]] = {}
    for i, root in enumerate(roots):
        size[root] = size.get(root, 0) + 1
        members.setdefault(root, []).append(i)
    links: dict[int, dict[int, float]] = {root: {} for root in size}
    triples = zip(edges.row.tolist(), edges.col.tolist(), edges.data.tolist(), strict=True)
    for i, j, value in triples:
        a, b = roots[i], roots[j]
        if a != b:
            links[a][b] = links[a].get(b, 0.0) + value
            links[b][a] = links[b].get(a, 0.0) + value

    def mean(a: int, b: int) -> float:
        return links[a][b] / (size[a] * size[b])

    heap = [(-mean(a, b), a, b) for a in links for b in links[a] if a < b]
    heapq.heapify(heap)
    while heap:
        negative, a, b = heapq.heappop(heap)
        if -negative < threshold:
            break
        if a not in links or b not in links or b not in links[a]:
            continue
        if abs(mean(a, b) + negative) > 1e-9:
            continue  # stale: a fresher entry for this pair is in the heap
        keep, gone = (a, b) if len(links[a]) >= len(links[b]) else (b, a)
        for other, value in links.pop(gone).items():
            links[other].pop(gone, None)
            if other != keep:
                links[keep][other] = links[keep].get(other, 0.0) + value
                links[other][keep] = links[keep][other]
        size[keep] += size.pop(gone)
        members[keep] += members.pop(gone)
        for other in links[keep]:
            heapq.heappush(heap, (-mean(keep, other), min(keep, other), max(keep, other)))
    return list(members.values())


