"""Cluster articles into events: near-copies first, then linked average linkage.

1. Near-copies (``near_copies``, checked among the pairs similarity compared)
   and any groups the caller fixes (an earlier brief's stories) start as one
   cluster each.
2. Pair similarities come from ``similarity`` (titles and leads against a fixed
   word prior, a time decay, nothing beyond the time window), computed once.
3. Agglomeration: the two clusters with the highest mean pair similarity merge,
   as long as that mean is cohesive (reaches the cohesion threshold of titles or
   leads, whichever the pairs compared: ``similarity``) *and* at least one pair across
   them is a link (a strong, distinctive match: ``similarity``). Pairs without
   an edge count as 0 in the mean, which keeps a long chain of loosely related
   articles from growing into one story; the link keeps two articles from
   merging over a faint resemblance however few they are.

The title cohesion threshold is low because real stories are wide: dozens of outlets
word one event dozens of ways, and most of their headline pairs share little.
What holds a story together is that every part of it is strongly linked to
some other part and the whole is, on average, about the same thing.
"""

from __future__ import annotations

import heapq
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from briefing.collect import dedup
from briefing.grouping.features import FeatureSet, build_features
from briefing.grouping.near_copies import near_copy_pairs
from briefing.grouping.similarity import Edges, SimilarityRule, similarity_edges
from briefing.types import Article


@dataclass(frozen=True)
class GroupingParams:
    """Chosen on the tuning part of the labelled news headlines (``bench/bench_grouping.py
    --calibrate``) and checked on the bundled examples, the seed articles, the
    hand-labelled pairs and a labelled set with article text (tests/data)."""

    #: Title cosine from which two articles sharing a distinctive term are linked.
    title_link: float = 0.25
    #: Lead cosine (title and opening words) from which two articles are linked.
    lead_link: float = 0.42
    #: Mean title similarity (time-weighted) from which two clusters are one story.
    title_cohesion: float = 0.06
    #: Mean lead similarity (time-weighted) from which two clusters are one story.
    lead_cohesion: float = 0.25
    #: Articles further apart than this are never compared.
    window_days: float = 4.0
    #: Cohesion halves for titles this many days apart.
    title_decay_days: float = 1.0
    #: Cohesion halves for leads this many days apart (a third off at one day).
    lead_decay_days: float = 3.0
    #: Near-copy Jaccard (MinHash) from which articles merge before anything else;
    #: above 1 turns the shortcut off.
    near_copy: float = dedup.THRESHOLD
    #: Edges below this share of the cohesion threshold barely move a mean; dropping
    #: them keeps the graph sparse.
    edge_floor: float = 0.5

    @property
    def similarity_rule(self) -> SimilarityRule:
        return SimilarityRule(
            window_days=self.window_days, title_decay_days=self.title_decay_days,
            lead_decay_days=self.lead_decay_days,
            title_link=self.title_link, lead_link=self.lead_link,
            title_cohesion=self.title_cohesion, lead_cohesion=self.lead_cohesion,
            floor=self.edge_floor,
        )


def cluster_articles(
    articles: Sequence[Article],
    params: GroupingParams | None = None,
    *,
    features: FeatureSet | None = None,
    edges: Edges | None = None,
    sketches: Mapping[int, np.ndarray] | None = None,
    together: Sequence[Sequence[int]] = (),
) -> list[list[int]]:
    """Indexes into ``articles``, one list per story (each sorted), in first-index order.

    ``features`` and ``edges`` are computed when not given; ``sketches`` (article id
    -> MinHash values) are near-copy sketches already made; ``together`` lists groups of
    indexes that start as one cluster.
    """
    params = params or GroupingParams()
    n = len(articles)
    if n == 0:
        return []
    if edges is None:
        edges = similarity_edges(features or build_features(articles), params.similarity_rule)
    seeds = _DisjointSets(n)
    if params.near_copy <= 1:
        for a, b in near_copy_pairs(articles, edges, params.near_copy, sketches):
            seeds.union(a, b)
    for group in together:
        for index in group[1:]:
            seeds.union(group[0], index)
    roots = seeds.roots()
    members = linked_average_linkage(roots, _within_reach(roots, edges))
    return sorted((sorted(group) for group in members), key=lambda group: group[0])


class _DisjointSets:
    """Union-find over ``0..n-1``; each set is named by its smallest member."""

    def __init__(self, n: int) -> None:
        self._parent = list(range(n))

    def find(self, i: int) -> int:
        parent = self._parent
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    def union(self, a: int, b: int) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self._parent[max(ra, rb)] = min(ra, rb)

    def roots(self) -> list[int]:
        return [self.find(i) for i in range(len(self._parent))]


def _within_reach(roots: list[int], edges: Edges) -> Edges:
    """Only the edges whose two ends could ever be in one cluster.

    Clusters merge only across links, so two articles in different components of
    the link graph (seeded clusters counted as linked) never share a cluster and
    their similarity never enters a mean: dropping it first spares the linkage
    most of the edges of a long stream.
    """
    if len(edges) == 0:
        return edges
    # Union-find over the links, not scipy's csgraph: that pulls in scipy.linalg, a
    # quarter of a second of imports for what takes a few milliseconds here.
    sets = _DisjointSets(len(roots))
    for index, root in enumerate(roots):
        sets.union(index, root)
    for a, b in zip(edges.left[edges.link].tolist(), edges.right[edges.link].tolist(),
                    strict=True):
        sets.union(a, b)
    component = np.asarray(sets.roots())
    keep = component[edges.left] == component[edges.right]
    return Edges(edges.left[keep], edges.right[keep], edges.similarity[keep], edges.link[keep])


def linked_average_linkage(roots: list[int], edges: Edges) -> list[list[int]]:
    """Merge clusters (seeded by ``roots``) by highest mean similarity while it is
    cohesive (>= 1), only across a link."""
    size: dict[int, int] = {}
    members: dict[int, list[int]] = {}
    for i, root in enumerate(roots):
        size[root] = size.get(root, 0) + 1
        members.setdefault(root, []).append(i)
    total: dict[int, dict[int, float]] = {root: {} for root in size}
    linked: dict[int, set[int]] = {root: set() for root in size}
    quads = zip(edges.left.tolist(), edges.right.tolist(), edges.similarity.tolist(),
                edges.link.tolist(), strict=True)
    for i, j, value, link in quads:
        a, b = roots[i], roots[j]
        if a == b:
            continue
        total[a][b] = total[a].get(b, 0.0) + value
        total[b][a] = total[a][b]
        if link:
            linked[a].add(b)
            linked[b].add(a)
    # A heap entry is stale once either cluster has merged since it was pushed.
    version = dict.fromkeys(size, 0)
    heap: list[tuple[float, int, int, int, int]] = []

    def push(a: int, b: int) -> None:
        mean = total[a][b] / (size[a] * size[b])
        # Only pairs that may merge now enter: a mean below 1 rises only through a
        # merge, which pushes the pair again.
        if mean >= 1.0:
            heap.append((-mean, a, b, version[a], version[b]))

    for a, neighbours in linked.items():
        for b in neighbours:
            if a < b:
                push(a, b)
    heapq.heapify(heap)
    while heap:
        _, a, b, seen_a, seen_b = heapq.heappop(heap)
        if version.get(a) != seen_a or version.get(b) != seen_b:
            continue
        keep, gone = (a, b) if len(total[a]) >= len(total[b]) else (b, a)
        for other, value in total.pop(gone).items():
            del total[other][gone]
            if other != keep:
                total[keep][other] = total[keep].get(other, 0.0) + value
                total[other][keep] = total[keep][other]
        for other in linked.pop(gone):
            linked[other].discard(gone)
            if other != keep:
                linked[other].add(keep)
                linked[keep].add(other)
        linked[keep].discard(gone)
        size[keep] += size.pop(gone)
        members[keep] += members.pop(gone)
        del version[gone]
        version[keep] += 1
        for other in linked[keep]:
            if other in total[keep]:
                pair = (keep, other) if keep < other else (other, keep)
                mean = total[keep][other] / (size[keep] * size[other])
                if mean >= 1.0:
                    heapq.heappush(heap, (-mean, *pair, version[pair[0]], version[pair[1]]))
    return list(members.values())
