"""Grouping articles into stories: features, near-copies, clustering, profile filters.

``cluster_articles`` is the entry point; ``briefing.stories`` turns its clusters
into ``Story`` values, with memory of earlier briefs and ranking.
"""

from briefing.grouping.cluster import GroupingParams, cluster_articles

__all__ = ["GroupingParams", "cluster_articles"]
