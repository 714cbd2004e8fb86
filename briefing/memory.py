"""Memory across briefs: which stories a profile's earlier briefs covered.

A story briefed yesterday comes back only when it has new articles, and then as
an update linked to the brief that covered it. To recognise it, the articles of
the profile's recent earlier briefs are grouped again together with today's,
each earlier story starting whole and new coverage linked to it joining it
(``briefing.stories``, ``grouping.continuation``): a story holding both is an
update, one holding only earlier articles is unchanged and left out. A brief
written to the same folder (a rebuild the same day, which replaces it) is not
"earlier": a rebuild briefs the same stories.
"""

from __future__ import annotations

import os
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from briefing.store import Store
from briefing.types import Article, PreviousBrief, Story

#: How far back earlier briefs are remembered.
MEMORY_DAYS = 14
_SAFE_HREF = re.compile(r"^[A-Za-z0-9._/-]+$")


@dataclass(frozen=True)
class EarlierCoverage:
    """Articles earlier briefs of a profile used, their story keys and latest brief."""

    articles: dict[int, Article] = field(default_factory=dict)
    keys: dict[int, str] = field(default_factory=dict)  # article id -> story key
    briefs: dict[int, PreviousBrief] = field(default_factory=dict)  # article id -> latest


def load_earlier(
    store: Store, profile: str, out_dir: Path, now: datetime, days: int = MEMORY_DAYS
) -> EarlierCoverage:
    since = (now - timedelta(days=days)).astimezone(UTC).isoformat()
    rows = store.query(
        "SELECT b.id, b.out_dir, b.generated_at, ba.article_id, bs.story_key"
        " FROM briefs b JOIN brief_articles ba ON ba.brief_id = b.id"
        " LEFT JOIN brief_stories bs ON bs.brief_id = b.id AND bs.article_id = ba.article_id"
        " WHERE b.profile = ? AND b.generated_at >= ? AND b.out_dir != ?"
        " ORDER BY b.generated_at, b.id",
        (profile, since, str(out_dir)),
    )
    coverage = EarlierCoverage()
    for row in rows:  # oldest first: later briefs overwrite, the key stays the first one
        article_id = int(row["article_id"])
        if article_id not in coverage.articles:
            article = store.article(article_id)
            if article is None:
                continue
            coverage.articles[article_id] = article
        if row["story_key"] and article_id not in coverage.keys:
            coverage.keys[article_id] = row["story_key"]
        earlier_dir = Path(row["out_dir"])
        coverage.briefs[article_id] = PreviousBrief(
            brief_id=int(row["id"]), date=earlier_dir.name,
            href=relative_href(earlier_dir / "brief.html", out_dir),
        )
    return coverage


def relative_href(target: Path, out_dir: Path) -> str | None:
    """A relative link from ``out_dir`` to ``target``; None when it would not be a plain one."""
    try:
        href = Path(os.path.relpath(target, out_dir)).as_posix()
    except ValueError:  # another drive on Windows
        return None
    return href if _SAFE_HREF.match(href) else None


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
        headline = max(new, key=_when).title
        result.append(Story(
            id=story.id, headline=headline, articles=new, key=keys.most_common(1)[0][0],
            earlier=old, previous=latest,
        ))
    return result


def _when(article: Article) -> datetime:
    return article.published or article.fetched


def record_stories(store: Store, brief_id: int, stories: list[Story]) -> None:
    """Remember which story each article of brief ``brief_id`` belonged to."""
    with store.transaction() as db:
        db.executemany(
            "INSERT OR IGNORE INTO brief_stories (brief_id, story_key, article_id)"
            " SELECT ?, ?, ? WHERE EXISTS (SELECT 1 FROM brief_articles"
            " WHERE brief_id = ? AND article_id = ?)",
            [(brief_id, story.key or story.id, a.id, brief_id, a.id)
             for story in stories for a in story.articles],
        )
