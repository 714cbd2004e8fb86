"""From articles to stories.

For now every article is its own story; grouping coverage of one event across
outlets is the next step (see the stories issue). Stories are ordered newest
first, so the freshest news leads the brief.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from briefing.types import Article, Story

_OLDEST = datetime.min.replace(tzinfo=UTC)


def group_into_stories(articles: Sequence[Article]) -> list[Story]:
    """One story per article, newest first (undated articles last, then by title)."""
    ordered = sorted(
        articles,
        key=lambda a: (-(a.published or _OLDEST).timestamp(), a.title.casefold(), a.id),
    )
    return [Story(id=f"s{a.id}", headline=a.title, articles=(a,)) for a in ordered]
