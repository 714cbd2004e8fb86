"""The browsable archive of every brief: static site, Atom feed, full-text search.

The brief.json files under ``paths.out`` are the archive's source of truth;
everything else (the index page, feed.xml, search-index.js and the FTS5 table
in the store) is derived from them and can be regenerated with
``rebuild_archive``. Each brief's own page (its folder's index.html) is written
with the brief, as part of its set. ``update_archive`` is the cheap variant run
after each build: it settles interrupted builds, indexes briefs not yet indexed,
applies retention and rewrites the shared pages.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from briefing.archive.model import (
    CHECKED_FILE,
    ArchiveEntry,
    ArchiveError,
    load_archive,
    load_entry,
)
from briefing.archive.retention import PrunedBrief, forget_pruned, prune, read_pruned
from briefing.archive.search import (
    SearchHit,
    drop_missing,
    index_briefs,
    indexed_count,
    indexed_keys,
)
from briefing.archive.search import search as _search
from briefing.brief import SLUG_PATTERN
from briefing.clock import now_utc
from briefing.config import Config, is_store_url
from briefing.folders import cleanup_temporary
from briefing.storage import open_storage

if TYPE_CHECKING:
    from briefing.archive.serve import make_server, server_url

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

def __getattr__(name: str) -> Any:
    # The web server (http.server) loads only for `briefing serve`: `archive list` stays light.
    if name in ("make_server", "server_url"):
        from briefing.archive import serve

        return getattr(serve, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


#: "PROFILE/SLUG": one folder name, then a brief's folder (no "..", no deeper path).
_KEY_PATTERN = re.compile(r"([^/\\.][^/\\]*)/(\d{4}-\d{2}-\d{2}(?:-\d+)?)")


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
    with open_storage(config.paths.store) as store:
        return _search(store, query, limit=limit, profile=profile)


def indexed_briefs(config: Config) -> int:
    """How many briefs the full-text index holds (0 after losing the store: rebuild)."""
    with open_storage(config.paths.store) as store:
        return indexed_count(store)


def list_briefs(
    config: Config,
    out_root: Path | None = None,
    *,
    profile: str | None = None,
    since: date | None = None,
) -> list[ArchiveEntry]:
    """The archive's briefs, newest first, optionally of one profile and from a date on."""
    entries = load_archive(out_root or config.paths.out, checked_file=_checked_file(config))
    return [
        e for e in entries
        if (profile is None or e.profile == profile) and (since is None or e.day >= since)
    ]


def find_brief(
    config: Config, ref: str, out_root: Path | None = None, *, profile: str | None = None
) -> ArchiveEntry:
    """The brief ``ref`` names: a store brief id, ``PROFILE/SLUG``, or a slug or date
    (``2026-12-01``, ``2026-12-01-2``) with ``profile`` to choose among profiles."""
    root = out_root or config.paths.out
    ref = ref.strip()
    folder: Path | None
    if ref.isdigit():
        with open_storage(config.paths.store) as store:
            record = store.briefs.record(int(ref))
        folder = record.folder if record is not None and record.state == "published" else None
    elif _KEY_PATTERN.fullmatch(ref):
        folder = root / ref
    elif SLUG_PATTERN.fullmatch(ref):
        entries = list_briefs(config, root, profile=profile)
        matches = [e for e in entries if e.slug == ref]
        if not matches and "-" not in ref[10:]:  # a date: every brief of that day
            matches = [e for e in entries if e.day.isoformat() == ref]
        if len(matches) > 1:
            keys = ", ".join(e.key for e in matches)
            raise ArchiveError(f"{ref}: several briefs ({keys}); add --profile, or name "
                               "one as PROFILE/SLUG or by its id")
        folder = matches[0].folder if matches else None
    else:
        raise ArchiveError(
            f"{ref!r}: expected a brief id, PROFILE/YYYY-MM-DD[-N] or YYYY-MM-DD[-N]"
        )
    entry = load_entry(folder) if folder is not None and (folder / "brief.json").is_file() \
        else None
    if entry is None:
        raise ArchiveError(f"{ref}: no such brief in {root}")
    return entry


def _sync(
    config: Config, out_root: Path | None, *, now: datetime | None, everything: bool
) -> ArchiveReport:
    started = time.perf_counter()
    root = out_root or config.paths.out
    now = (now or now_utc()).astimezone()
    with open_storage(config.paths.store) as store:
        store.search.check()
        installation = store.installation_id
        # Interrupted builds first: their folders are either published or removed.
        lease = timedelta(seconds=config.workers.lease_seconds)
        for profile_dir in _profile_dirs(root):
            cleanup_temporary(store, profile_dir, worker_lease=lease)
        entries = load_archive(root, checked_file=_checked_file(config), remember=True,
                               recheck=everything)
        pruned_now = prune(root, entries, config.archive.keep_days, now.date())
        gone = {p.key for p in pruned_now}
        entries = [e for e in entries if e.key not in gone]
        forget_pruned(root, {e.key for e in entries})
        if everything:
            index_briefs(store, entries, replace_all=True)
            to_index = entries
        else:
            indexed = indexed_keys(store)
            to_index = [e for e in entries if e.key not in indexed]
            index_briefs(store, to_index, replace_all=False)
            drop_missing(store, {e.key for e in entries})
    pages = 0
    if config.archive.site:
        from briefing.archive.site import SiteSettings, write_site
        from briefing.render.environment import make_environment

        settings = SiteSettings(
            title=f"{config.brief.title} — archive", base_url=config.archive.base_url,
            keep_days=config.archive.keep_days, now=now, installation=installation,
        )
        env = make_environment([config.paths.templates] if config.paths.templates else [])
        # A brief's page is written with the brief; only a rebuild (or a brief from
        # before pages were part of the set) writes one here.
        stale = entries if everything else [e for e in entries if not e.has_file("index.html")]
        pages = write_site(env, root, entries, read_pruned(root), settings, pages=stale)
    return ArchiveReport(
        briefs=len(entries), pages_written=pages, briefs_indexed=len(to_index),
        pruned=tuple(pruned_now), seconds=time.perf_counter() - started,
    )


def _checked_file(config: Config) -> Path | None:
    """Beside an SQLite store; none for a PostgreSQL one (every file is then checked)."""
    store = config.paths.store
    return None if is_store_url(store) else Path(store).parent / CHECKED_FILE


def _profile_dirs(root: Path) -> list[Path]:
    if not root.is_dir():
        return []
    return [p for p in root.iterdir() if p.is_dir() and not p.name.startswith(("_", "."))]
