"""Rank stories and split them at the profile's cap.

The score of a story is a sum of four documented parts::

    score = OUTLET_WEIGHT   * distinct outlets covering it
          + RECENCY_WEIGHT  * 0.5 ** (hours since its latest article / HALF_LIFE_HOURS)
          + KEYWORD_WEIGHT  * profile keywords it mentions (at most MAX_KEYWORDS)
          + PRIORITY_WEIGHT * (1 if it mentions any profile priority term, else 0)

Breadth of coverage leads (an event five outlets report matters more than one
outlet's scoop), recency breaks ties among equals, keywords tilt the order
towards what the profile asked for, and a priority term puts a story first
whatever else. Undated stories get no recency. Ties keep the older story id
order so a rebuild gives the same brief. The first ``max_stories`` are briefed;
the rest become one-line "Also noted" items.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime

from briefing.config import ProfileConfig
from briefing.grouping.filters import matching_terms
from briefing.types import AlsoNoted, Story

OUTLET_WEIGHT = 1.0
RECENCY_WEIGHT = 2.0
HALF_LIFE_HOURS = 24.0
KEYWORD_WEIGHT = 0.75
MAX_KEYWORDS = 4
PRIORITY_WEIGHT = 100.0


def story_score(story: Story, profile: ProfileConfig, now: datetime) -> float:
    articles = story.articles + story.earlier
    score = OUTLET_WEIGHT * len({a.outlet for a in articles})
    dates = [a.published for a in story.articles if a.published is not None]
    if dates:
        hours = max(0.0, (now - max(dates)).total_seconds() / 3600)
        score += RECENCY_WEIGHT * 0.5 ** (hours / HALF_LIFE_HOURS)
    text = "\n".join(f"{a.title}\n{a.text}" for a in story.articles)
    terms = [alt for entry in profile.keywords for alt in entry.split("|")]
    score += KEYWORD_WEIGHT * min(MAX_KEYWORDS, len(matching_terms(text, terms)))
    if matching_terms(text, profile.priority):
        score += PRIORITY_WEIGHT
    return round(score, 6)


def rank_stories(stories: Sequence[Story], profile: ProfileConfig, now: datetime) -> list[Story]:
    """Stories with their score set, best first."""
    scored = [replace(story, score=story_score(story, profile, now)) for story in stories]
    return sorted(scored, key=lambda story: -story.score)  # stable: input order breaks ties


def split_at_cap(stories: Sequence[Story], cap: int) -> tuple[list[Story], list[AlsoNoted]]:
    """(stories briefed in full, one-line items for the rest)."""
    return list(stories[:cap]), [also_noted(story) for story in stories[cap:]]


def also_noted(story: Story) -> AlsoNoted:
    url = next((a.url for a in story.articles if (a.url or "").startswith(("http://", "https://"))),
               None)
    return AlsoNoted(story.id, story.headline, story.outlets, len(story.articles), url)
