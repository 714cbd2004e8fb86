"""What collecting asks the store about articles (``briefing.storage``'s articles).

Collecting records, per stored article, its canonical URL and the first copy it
near-duplicates (``duplicate_of``), every URL it was met under (feed link,
address after redirects, rel=canonical), and its MinHash sketch; the
repository (``store.articles``) owns those tables. ``unbriefed_articles`` is
the question a build asks.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from briefing.storage import Identity, Storage
from briefing.types import Article

__all__ = ["Identity", "unbriefed_articles"]


def unbriefed_articles(
    store: Storage,
    profile: str,
    source_names: Sequence[str],
    *,
    since: datetime | None = None,
) -> list[Article]:
    """Articles of these sources never used in a brief of ``profile``, oldest first.

    Near-duplicates (``duplicate_of`` set) are left out: their first copy
    stands for them. ``since`` keeps only articles first seen from then on.
    """
    return store.articles.unbriefed(profile, source_names, since=since)
