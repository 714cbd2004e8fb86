"""Today's coverage of a story an earlier brief told: join it to that story.

Average linkage is right inside one batch, but a story that goes on for days
drifts: today's articles (talks resume under a mediator) are close to
yesterday's latest (ships queue) yet not to the average of all its coverage.
An earlier story is settled, so one link -- a strong, distinctive match inside
the time window (``similarity``) -- between a group of new articles and any
article of a story holding earlier coverage says "this continues it". Each new
group joins the story it links to best, so an update and its earlier coverage
are never two stories of one brief.
"""

from __future__ import annotations

from collections.abc import Sequence

from briefing.grouping.similarity import Edges


def join_continuations(
    clusters: list[list[int]], edges: Edges, earlier: Sequence[bool]
) -> list[list[int]]:
    """``clusters`` with each all-new cluster joined to the earlier story it links to best.

    ``earlier[i]`` is true for an article an earlier brief covered.
    """
    cluster_of = {i: k for k, group in enumerate(clusters) for i in group}
    holds_earlier = [any(earlier[i] for i in group) for group in clusters]
    best: dict[int, tuple[float, int]] = {}  # new cluster -> (-similarity, earlier cluster)
    pairs = zip(edges.left.tolist(), edges.right.tolist(), edges.similarity.tolist(),
                edges.link.tolist(), strict=True)
    for i, j, similarity, link in pairs:
        if not link:
            continue
        a, b = cluster_of[i], cluster_of[j]
        if holds_earlier[a] == holds_earlier[b]:
            continue
        new, old = (b, a) if holds_earlier[a] else (a, b)
        candidate = (-similarity, old)
        if new not in best or candidate < best[new]:
            best[new] = candidate
    if not best:
        return clusters
    joined = [list(group) for group in clusters]
    for new, (_, old) in best.items():
        joined[old] += clusters[new]
    return sorted((sorted(group) for k, group in enumerate(joined) if k not in best),
                  key=lambda group: group[0])
