"""Full-text search over the archive: one search document per story.

The index is derived data, kept by the store's search repository (SQLite: FTS5;
PostgreSQL: its full-text search): it is filled from the brief.json files and
can always be rebuilt from them. A document holds a story's headline, its
bullets and its sources' titles and outlets, plus the brief it belongs to, so a
hit names the brief and the snippet shows the words that matched.
"""

from __future__ import annotations

from collections.abc import Iterable

from briefing.archive.model import ArchiveEntry
from briefing.brief import Brief, BriefStory
from briefing.storage import SearchDocument, SearchHit, Storage

__all__ = ["SearchHit", "drop_briefs", "index_briefs", "indexed_count", "indexed_keys",
           "search"]


def index_briefs(
    store: Storage, briefs: Iterable[tuple[ArchiveEntry, Brief]], *, replace_all: bool
) -> int:
    """(Re)index ``briefs`` (each entry with its whole brief); with ``replace_all``,
    everything else is dropped first.

    Returns the number of stories indexed. One transaction: a search never sees
    a brief half-indexed.
    """
    documents: list[SearchDocument] = []
    keys: list[str] = []
    for entry, brief in briefs:
        keys.append(entry.key)
        documents.extend(_document(entry, brief, story) for story in brief.stories)
    return store.search.index(documents, keys=keys, replace_all=replace_all)


def indexed_keys(store: Storage) -> set[str]:
    """The keys of the briefs the index holds."""
    return store.search.keys()


def drop_briefs(store: Storage, keys: Iterable[str]) -> int:
    """Remove briefs ``keys`` (pruned or deleted); returns briefs dropped."""
    return store.search.drop(keys)


def indexed_count(store: Storage) -> int:
    return store.search.count()


def search(
    store: Storage, query: str, *, limit: int = 20, profile: str | None = None
) -> list[SearchHit]:
    """Stories matching every word of ``query``, best first, with snippets."""
    return store.search.search(query, limit=limit, profile=profile)


def _document(entry: ArchiveEntry, brief: Brief, story: BriefStory) -> SearchDocument:
    numbers = story.sources or tuple(n for b in story.bullets for n in b.sources)
    by_number = {source.number: source for source in brief.sources}
    sources = [by_number[n] for n in dict.fromkeys(numbers) if n in by_number]
    return SearchDocument(
        brief=entry.key,
        profile=entry.profile,
        day=entry.day.isoformat(),
        title=brief.title,
        headline=story.headline,
        bullets="\n".join(bullet.text for bullet in story.bullets),
        sources="\n".join(f"{s.title} — {s.outlet}" if s.outlet else s.title for s in sources),
    )
