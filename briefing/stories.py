"""From articles to stories: filter, group, remember, rank, cap.

``plan_stories`` is the pipeline's group step:

1. the profile filter (``grouping.filters``) keeps what the profile takes;
2. the articles of the profile's earlier briefs join today's (``memory``), so
   today's coverage of an event briefed before is recognised;
3. ``group_into_stories`` groups them: features and similarities once
   (``grouping.features``, ``grouping.similarity``), near-copies and each earlier
   story as one cluster to start with, linked average linkage
   (``grouping.cluster``), then new coverage joined to the earlier story it
   continues (``grouping.continuation``);
4. stories with nothing new are dropped, updates keep only their new articles;
5. ``ranking`` orders them, and those over the cap become "Also noted" lines.

Grouping depends on the articles grouped and nothing else (no statistics of the
batch or the store), so the same articles make the same stories in any build.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from briefing.caps import cap_sources
from briefing.config import ProfileConfig
from briefing.grouping.filters import filter_articles
from briefing.headlines import central_titles
from briefing.memory import EarlierCoverage, apply_memory, load_earlier
from briefing.ranking import rank_stories, split_at_cap
from briefing.storage import Storage
from briefing.types import AlsoNoted, Article, Story

if TYPE_CHECKING:
    import numpy as np

    from briefing.grouping import GroupingParams

_OLDEST = datetime.min.replace(tzinfo=UTC)


@dataclass(frozen=True)
class StoryPlan:
    """The group step's result: stories to brief in full, and one-liners for the rest."""

    stories: tuple[Story, ...]
    also_noted: tuple[AlsoNoted, ...] = ()
    #: Articles the profile filter left out.
    filtered_out: int = 0


def group_into_stories(
    articles: Sequence[Article],
    params: GroupingParams | None = None,
    *,
    briefed: Collection[int] = frozenset(),
    story_keys: Mapping[int, str] | None = None,
    sketches: Mapping[int, np.ndarray] | None = None,
) -> list[Story]:
    """Stories of ``articles``, newest first (undated last, then by headline).

    ``briefed`` are ids of articles earlier briefs covered, ``story_keys`` their
    stories there (article id -> key): each earlier story starts as one cluster,
    and a group of new articles linked to it continues it. ``sketches`` are
    near-copy sketches already made (article id -> MinHash values).
    """
    ordered = sorted(articles, key=_newest_first)
    if len(ordered) < 2:
        # Nothing to compare: no features, no word lists (a one-article brief's group step).
        return _stories(ordered, [[i] for i in range(len(ordered))],
                        central_titles(ordered, [[i] for i in range(len(ordered))]))
    # The clustering side (numpy, scipy, the word prior: half a second of imports)
    # loads only when there is something to compare.
    from briefing.grouping import GroupingParams, cluster_articles
    from briefing.grouping.continuation import join_continuations
    from briefing.grouping.features import build_features
    from briefing.grouping.similarity import similarity_edges

    params = params or GroupingParams()
    features = build_features(ordered)
    edges = similarity_edges(features, params.similarity_rule)
    keys = story_keys or {}
    together: dict[str, list[int]] = {}
    for index, article in enumerate(ordered):
        if article.id in briefed and article.id in keys:
            together.setdefault(keys[article.id], []).append(index)
    clusters = cluster_articles(ordered, params, features=features, edges=edges,
                                sketches=sketches, together=list(together.values()))
    if briefed:
        clusters = join_continuations(clusters, edges, [a.id in briefed for a in ordered])
    return _stories(ordered, clusters, central_titles(ordered, clusters, features))


def _stories(ordered: Sequence[Article], clusters: list[list[int]],
             headlines: list[str]) -> list[Story]:
    stories = []
    for group, headline in zip(clusters, headlines, strict=True):
        members = tuple(sorted((ordered[i] for i in group), key=_oldest_first))
        first = min(a.id for a in members)
        stories.append(Story(id=f"s{first}", headline=headline, articles=members, key=f"a{first}"))
    return stories


def plan_stories(
    articles: Sequence[Article],
    profile: ProfileConfig,
    *,
    now: datetime,
    store: Storage | None = None,
    params: GroupingParams | None = None,
) -> StoryPlan:
    """``now`` is the profile's local time: briefs of earlier local days are "earlier"."""
    taken = filter_articles(profile, articles)
    earlier = (
        load_earlier(store, profile.name, now.date(), now)
        if store is not None
        else EarlierCoverage()
    )
    taken = _prefer_earlier_versions(taken, earlier)
    known = {a.id for a in taken}
    pool = taken + [a for a in earlier.articles.values() if a.id not in known]
    sketches = None
    if store is not None and len(pool) > 1:
        from briefing.grouping.near_copies import load_sketches

        sketches = load_sketches(store, [a.id for a in pool])
    grouped = group_into_stories(pool, params, briefed=frozenset(earlier.articles),
                                 story_keys=earlier.keys, sketches=sketches)
    stories = apply_memory(grouped, earlier)
    ranked = rank_stories(stories, profile, now)
    briefed, also = split_at_cap(ranked, profile.max_stories)
    briefed = cap_sources(briefed, profile.max_sources)
    return StoryPlan(tuple(briefed), tuple(also), len(articles) - len(taken))


def _prefer_earlier_versions(articles: list[Article], earlier: EarlierCoverage) -> list[Article]:
    """Swap a re-read article for the version an earlier brief used.

    Cleaning is cross-document, so the same file read beside other files can come
    out slightly different and be stored as a new article; by its address it is
    the one already briefed, and must not make its story look new.
    """
    by_location = {a.location: a for a in earlier.articles.values() if a.location}
    return [by_location.get(a.location, a) if a.location else a for a in articles]


def _newest_first(article: Article) -> tuple[float, str, int]:
    return (-(article.published or _OLDEST).timestamp(), article.title.casefold(), article.id)


def _oldest_first(article: Article) -> tuple[datetime, int]:
    return (article.published or _OLDEST, article.id)
