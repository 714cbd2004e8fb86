"""The browsable archive of every brief: static site, Atom feed, full-text search.

The brief.json files under ``paths.out`` are the archive's source of truth;
everything else (the index pages, feed.xml, the search data scripts, the FTS5
table in the store and the catalog that lists the briefs) is derived from them
and can be regenerated with ``rebuild_archive``. Each brief's own page (its
folder's index.html) is written with the brief, as part of its set.
``update_archive`` is the cheap variant run after each build: it settles
interrupted builds, reads and indexes the briefs that are new, applies retention
and rewrites what they change (``briefing.archive.sync``).

Names load with their module on first use: ``briefing archive list`` needs only
the catalog, not the store, Jinja or the web server.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from briefing.archive.fulltext import SearchHit
    from briefing.archive.listing import find_brief, list_briefs
    from briefing.archive.model import ArchiveEntry, ArchiveError
    from briefing.archive.retention import PrunedBrief
    from briefing.archive.serve import make_server, server_url
    from briefing.archive.sync import (
        ArchiveReport,
        indexed_briefs,
        rebuild_archive,
        search,
        update_archive,
    )

__all__ = [
    "ArchiveEntry",
    "ArchiveError",
    "ArchiveReport",
    "PrunedBrief",
    "SearchHit",
    "find_brief",
    "indexed_briefs",
    "list_briefs",
    "make_server",
    "rebuild_archive",
    "search",
    "server_url",
    "update_archive",
]

_HOMES = {
    "ArchiveEntry": "model",
    "ArchiveError": "model",
    "ArchiveReport": "sync",
    "PrunedBrief": "retention",
    "SearchHit": "fulltext",
    "find_brief": "listing",
    "indexed_briefs": "sync",
    "list_briefs": "listing",
    "make_server": "serve",
    "rebuild_archive": "sync",
    "search": "sync",
    "server_url": "serve",
    "update_archive": "sync",
}


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(f"{__name__}.{home}"), name)
    globals()[name] = value  # found once; later lookups are plain attribute reads
    return value
