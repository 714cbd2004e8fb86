"""Memory across briefs: which stories a profile's earlier briefs covered.

A story briefed yesterday comes back only when it has new articles, and then as
an update linked to the brief that covered it. To recognise it, the articles of
the profile's recent earlier briefs are grouped again together with today's,
each earlier story starting whole and new coverage linked to it joining it
(``briefing.stories``, ``grouping.continuation``): a story holding both is an
update, one holding only earlier articles is unchanged and left out. A brief of
the same local day is not "earlier": a second build the same day briefs the day's
stories again, as a brief of its own.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from briefing.headlines import latest_headline
from briefing.storage import Storage
from briefing.types import Article, PreviousBrief, Story

#: How far back earlier briefs are remembered.
MEMORY_DAYS = 14


@dataclass(frozen=True)
class EarlierCoverage:
    """Articles earlier briefs of a profile used, their story keys and latest brief."""

    articles: dict[int, Article] = field(default_factory=dict)
    keys: dict[int, str] = field(default_factory=dict)  # article id -> story key
    briefs: dict[int, PreviousBrief] = field(default_factory=dict)  # article id -> latest


def load_earlier(
    store: Storage, profile: str, local_date: date, now: datetime, days: int = MEMORY_DAYS
) -> EarlierCoverage:
    """What the profile's published briefs of the last ``days`` days, before
    ``local_date``, covered."""
    coverage = EarlierCoverage()
    rows = store.memory.earlier_articles(
        profile, since=now - timedelta(days=days), before_local_date=local_date
    )
    articles = store.articles.get_many(row.article_id for row in rows)  # one query
    for row in rows:  # oldest first: later briefs overwrite, the key stays the first one
        article = articles.get(row.article_id)
        if article is None:
            continue
        coverage.articles.setdefault(row.article_id, article)
        if row.story_key and row.article_id not in coverage.keys:
            coverage.keys[row.article_id] = row.story_key
        coverage.briefs[row.article_id] = PreviousBrief(
            brief_id=row.brief_id, date=row.local_date, slug=row.slug
        )
    return coverage


def story_keys(stories: Sequence[Story], cited: set[int]) -> list[tuple[str, int]]:
    """(story key, article id) for each cited article of ``stories``: what a brief
    records so that a later brief can recognise the same story."""
    return [
        (story.key or story.id, article.id)
        for story in stories
        for article in story.articles
        if article.id in cited
    ]


def apply_memory(stories: list[Story], coverage: EarlierCoverage) -> list[Story]:
    """Drop unchanged stories; split updates into new articles and earlier ones."""
    result: list[Story] = []
    for story in stories:
        new = tuple(a for a in story.articles if a.id not in coverage.articles)
        old = tuple(a for a in story.articles if a.id in coverage.articles)
        if not new:
            continue
        if not old:
            result.append(story)
            continue
        keys = Counter(coverage.keys.get(a.id, f"a{a.id}") for a in old)
        latest = max((coverage.briefs[a.id] for a in old), key=lambda b: b.brief_id)
        # The newest article's title: an update leads with what is new.
        headline = latest_headline(new)
        result.append(Story(
            id=story.id, headline=headline, articles=new, key=keys.most_common(1)[0][0],
            earlier=old, previous=latest,
        ))
    return result


def _when(article: Article) -> datetime:
    return article.published or article.fetched
