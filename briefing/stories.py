"""From articles to stories: filter, group, remember, rank, cap.

``plan_stories`` is the pipeline's group step:

1. the profile filter (``grouping.filters``) keeps what the profile takes;
2. the articles of the profile's earlier briefs join today's (``memory``), so
   today's coverage of an event briefed before is recognised;
3. ``grouping.cluster_articles`` groups them (near-copies first, then TF-IDF
   average linkage inside a time window);
4. stories with nothing new are dropped, updates keep only their new articles;
5. ``ranking`` orders them, and those over the cap become "Also noted" lines.

``group_into_stories`` is step 3 alone, for callers with a plain list of articles.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from scipy import sparse

from briefing.caps import cap_sources
from briefing.config import ProfileConfig
from briefing.grouping import GroupingParams, cluster_articles
from briefing.grouping.features import tfidf_matrix
from briefing.grouping.filters import filter_articles
from briefing.headlines import central_titles
from briefing.memory import EarlierCoverage, apply_memory, load_earlier
from briefing.ranking import rank_stories, split_at_cap
from briefing.store import Store
from briefing.types import AlsoNoted, Article, Story

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
    briefed: frozenset[int] = frozenset(),
) -> list[Story]:
    """Stories of ``articles``, newest first (undated last, then by headline).

    ``briefed`` are ids of articles earlier briefs covered: a group of new
    articles continues their story when its closest pair reaches the threshold.
    """
    ordered = sorted(articles, key=_newest_first)
    params = params or GroupingParams()
    clusters = cluster_articles(ordered, params)
    if briefed:
        clusters = _link_continuations(ordered, clusters, briefed, params)
    headlines = central_titles(ordered, clusters)
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
    store: Store | None = None,
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
    grouped = group_into_stories(pool, params, briefed=frozenset(earlier.articles))
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


def _link_continuations(
    articles: Sequence[Article],
    clusters: list[list[int]],
    briefed: frozenset[int],
    params: GroupingParams,
) -> list[list[int]]:
    """Join each all-new cluster to the earlier story its closest pair matches.

    Average linkage is right inside one batch, but a story that goes on for days
    drifts: today's articles (talks resume under a mediator) are close to
    yesterday's latest (ships queue) yet not to the average of all its coverage.
    An earlier story is settled, so the best single match is what says "this
    continues it" -- inside the time window, at the same threshold.
    """
    old = [c for c in clusters if all(articles[i].id in briefed for i in c)]
    new = [c for c in clusters if not any(articles[i].id in briefed for i in c)]
    if not old or not new:
        return clusters
    matrix = tfidf_matrix(articles)
    joined: dict[int, list[int]] = {}  # index in ``old`` -> new clusters joining it
    for group in new:
        best, best_index = params.threshold, -1
        for index, earlier in enumerate(old):
            similarity = _closest_pair(articles, matrix, group, earlier, params.window_days)
            if similarity >= best:
                best, best_index = similarity, index
        if best_index >= 0:
            joined.setdefault(best_index, []).append(group)
    merged_new = {id(group) for groups in joined.values() for group in groups}
    result = [c for c in clusters if id(c) not in merged_new and c not in old]
    for index, earlier in enumerate(old):
        result.append(sorted(earlier + [i for g in joined.get(index, []) for i in g]))
    return sorted(result, key=lambda group: group[0])


def _closest_pair(
    articles: Sequence[Article],
    matrix: sparse.csr_matrix,
    left: list[int],
    right: list[int],
    window: float,
) -> float:
    similarities = (matrix[left] @ matrix[right].T).toarray()
    for a, i in enumerate(left):
        for b, j in enumerate(right):
            first, second = articles[i].published, articles[j].published
            if first and second and abs((first - second).total_seconds()) > window * 86400:
                similarities[a, b] = 0.0
    return float(similarities.max())


def _newest_first(article: Article) -> tuple[float, str, int]:
    return (-(article.published or _OLDEST).timestamp(), article.title.casefold(), article.id)


def _oldest_first(article: Article) -> tuple[datetime, int]:
    return (article.published or _OLDEST, article.id)
