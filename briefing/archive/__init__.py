"""The browsable archive of every brief: static site, Atom feed, full-text search.

The brief.json files under ``paths.out`` are the archive's source of truth;
everything else (the pages, feed.xml, search-index.js and the FTS5 table in
the store) is derived from them and can be regenerated with
``rebuild_archive``. ``update_archive`` is the cheap variant run after each
build: it re-renders and re-indexes only briefs whose brief.json changed (or
that were never indexed), and applies retention.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from briefing.archive.model import (
    DAY_PATTERN,
    ArchivedBrief,
    ArchiveError,
    load_archive,
    load_brief,
)
from briefing.archive.retention import PrunedBrief, forget_pruned, prune, read_pruned
from briefing.archive.search import (
    SearchHit,
    drop_missing,
    index_briefs,
    indexed_count,
    require_fts5,
)
from briefing.archive.search import search as _search
from briefing.archive.serve import make_server, server_url
from briefing.archive.site import SiteSettings, write_site
from briefing.config import Config
from briefing.render.environment import make_environment
from briefing.store import Store

__all__ = [
    "ArchiveError",
    "ArchiveReport",
    "ArchivedBrief",
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

#: "PROFILE/YYYY-MM-DD": one folder name, then a date (no "..", no deeper path).
_KEY_PATTERN = re.compile(r"[^/\\.][^/\\]*/\d{4}-\d{2}-\d{2}")


@dataclass(frozen=True)
class ArchiveReport:
    briefs: int  # briefs in the archive after pruning
    pages_written: int
    briefs_indexed: int
    pruned: tuple[PrunedBrief, ...]
    seconds: float


def update_archive(
    config: Config, out_root: Path | None = None, *, now: datetime | None = None
) -> ArchiveReport:
    """Bring the archive up to date after a build: prune, index and render what changed."""
    return _sync(config, out_root, now=now, everything=False)


def rebuild_archive(
    config: Config, out_root: Path | None = None, *, now: datetime | None = None
) -> ArchiveReport:
    """Regenerate every page and both search indexes from the brief.json files."""
    return _sync(config, out_root, now=now, everything=True)


def search(
    config: Config, query: str, *, limit: int = 20, profile: str | None = None
) -> list[SearchHit]:
    """Stories matching every word of ``query``, best first, with snippets."""
    require_fts5()
    with Store(config.paths.store) as store:
        return _search(store, query, limit=limit, profile=profile)


def indexed_briefs(config: Config) -> int:
    """How many briefs the full-text index holds (0 after losing the store: rebuild)."""
    require_fts5()
    with Store(config.paths.store) as store:
        return indexed_count(store)


def list_briefs(
    config: Config,
    out_root: Path | None = None,
    *,
    profile: str | None = None,
    since: date | None = None,
) -> list[ArchivedBrief]:
    """The archive's briefs, newest first, optionally of one profile and from a date on."""
    briefs = load_archive(out_root or config.paths.out)
    return [
        b for b in briefs
        if (profile is None or b.profile == profile) and (since is None or b.day >= since)
    ]


def find_brief(
    config: Config, ref: str, out_root: Path | None = None, *, profile: str | None = None
) -> ArchivedBrief:
    """The brief ``ref`` names: ``PROFILE/YYYY-MM-DD``, ``YYYY-MM-DD`` or a store brief id."""
    root = out_root or config.paths.out
    ref = ref.strip()
    if ref.isdigit():
        with Store(config.paths.store) as store:
            rows = store.query("SELECT out_dir FROM briefs WHERE id = ?", (int(ref),))
        folder = Path(rows[0]["out_dir"]) if rows else None
    elif _KEY_PATTERN.fullmatch(ref):
        folder = root / ref
    elif DAY_PATTERN.fullmatch(ref):
        briefs = list_briefs(config, root, profile=profile)
        matches = [b for b in briefs if b.day.isoformat() == ref]
        if len(matches) > 1:
            keys = ", ".join(b.key for b in matches)
            raise ArchiveError(f"{ref}: several briefs that day ({keys}); add --profile")
        folder = matches[0].folder if matches else None
    else:
        raise ArchiveError(f"{ref!r}: expected YYYY-MM-DD, PROFILE/YYYY-MM-DD or a brief id")
    brief = load_brief(folder) if folder is not None and (folder / "brief.json").is_file() else None
    if brief is None:
        raise ArchiveError(f"{ref}: no such brief in {root}")
    return brief


def _sync(
    config: Config, out_root: Path | None, *, now: datetime | None, everything: bool
) -> ArchiveReport:
    started = time.perf_counter()
    require_fts5()
    root = out_root or config.paths.out
    now = (now or datetime.now()).astimezone()
    briefs = load_archive(root)
    pruned_now = prune(root, briefs, config.archive.keep_days, now.date())
    gone = {p.key for p in pruned_now}
    briefs = [b for b in briefs if b.key not in gone]
    forget_pruned(root, {b.key for b in briefs})
    stale = briefs if everything else [b for b in briefs if _page_is_stale(b)]
    with Store(config.paths.store) as store:
        if everything:
            index_briefs(store, briefs, replace_all=True)
            to_index = briefs
        else:
            indexed = {row[0] for row in store.query("SELECT DISTINCT brief FROM archive_fts")}
            stale_keys = {b.key for b in stale}
            to_index = [b for b in briefs if b.key in stale_keys or b.key not in indexed]
            index_briefs(store, to_index, replace_all=False)
            drop_missing(store, {b.key for b in briefs})
    pages = 0
    if config.archive.site:
        settings = SiteSettings(
            title=f"{config.brief.title} — archive", base_url=config.archive.base_url,
            keep_days=config.archive.keep_days, now=now,
        )
        env = make_environment([config.paths.templates] if config.paths.templates else [])
        pages = write_site(env, root, briefs, read_pruned(root), settings, pages=stale)
    return ArchiveReport(
        briefs=len(briefs), pages_written=pages, briefs_indexed=len(to_index),
        pruned=tuple(pruned_now), seconds=time.perf_counter() - started,
    )


def _page_is_stale(brief: ArchivedBrief) -> bool:
    page = brief.folder / "index.html"
    try:
        return page.stat().st_mtime_ns < (brief.folder / "brief.json").stat().st_mtime_ns
    except FileNotFoundError:
        return True
