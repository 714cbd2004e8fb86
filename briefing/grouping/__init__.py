"""Grouping articles into stories: features, near-copies, clustering, profile filters.

``cluster_articles`` is the entry point; ``briefing.stories`` turns its clusters
into ``Story`` values, with memory of earlier briefs and ranking.

The clustering modules need numpy and scipy (half a second of imports); they
load on first use, so what only needs ``grouping.language`` or
``grouping.filters`` (a one-article brief, the CLI) does not pay for them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from briefing.grouping.cluster import GroupingParams, cluster_articles

__all__ = ["GroupingParams", "cluster_articles"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from briefing.grouping import cluster

        return getattr(cluster, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
