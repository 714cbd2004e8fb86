"""Keeping the archive up to date: ``update_archive`` after each build, ``rebuild_archive``.

An update does what the new brief needs: the catalog (``briefing.archive.catalog``)
tells which briefs are new, changed or gone by their folders' signatures, and
only those are read; the store's search index gets their stories; the search
data's part of their month is rewritten (``briefing.archive.static_index``); the
feed (capped) is made from the catalog's entries; and the index pages, which all
shift by a brief, are put together from lines kept in the store, rendering the
new brief's (``briefing.archive.index_pages``). What stays proportional to the
archive is reading the catalog, a ``stat`` per brief.json and writing the index
pages -- no brief.json is read, no page rendered whole. Each derived thing
records what it was made from, so whatever an update missed (an interrupted
run, a lost store, a deleted file) is redone by the next.

A rebuild forgets the catalog and reads, checks and writes everything again; its
output is the same as the updates' (tests/archive/test_incremental.py).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from briefing.archive.catalog import (
    Catalog,
    catalog_location,
    load_catalog,
    read_brief,
    reconcile,
    save_catalog,
)
from briefing.archive.fulltext import (
    SearchHit,
    drop_briefs,
    index_briefs,
    indexed_count,
    indexed_keys,
)
from briefing.archive.fulltext import search as _search
from briefing.archive.model import PAGE_FILE, ArchiveEntry
from briefing.archive.retention import PrunedBrief, forget_pruned, prune, read_pruned
from briefing.brief import Brief, BriefFormatError
from briefing.clock import now_utc
from briefing.config import Config
from briefing.folders import cleanup_temporary
from briefing.storage import Storage, open_storage

if TYPE_CHECKING:
    import jinja2

logger = logging.getLogger(__name__)

#: ``Catalog.derived`` keys: how many briefs the store's search index held after the
#: last update, the search data's parts as written, the feed's newest summaries.
INDEXED, SEARCH_PARTS, FEED = "indexed", "search_parts", "feed"


@dataclass(frozen=True)
class ArchiveReport:
    briefs: int  # briefs in the archive after pruning
    pages_written: int
    briefs_indexed: int
    pruned: tuple[PrunedBrief, ...]
    seconds: float


def update_archive(
    config: Config,
    out_root: Path | None = None,
    *,
    now: datetime | None = None,
    written: Mapping[Path, Brief] | None = None,
) -> ArchiveReport:
    """Bring the archive up to date after a build: prune, index and render what changed.

    ``written``: the briefs just published by this process, by folder (read back
    from their brief.json otherwise)."""
    return _sync(config, out_root, now=now, everything=False, written=written)


def rebuild_archive(
    config: Config, out_root: Path | None = None, *, now: datetime | None = None
) -> ArchiveReport:
    """Regenerate every page and both search indexes from the brief.json files."""
    return _sync(config, out_root, now=now, everything=True, written=None)


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


class _Briefs:
    """Whole briefs, read once each: those the catalog read, then others on demand."""

    def __init__(self, read: dict[str, Brief]) -> None:
        self._read = dict(read)

    def __call__(self, entry: ArchiveEntry) -> Brief | None:
        brief = self._read.get(entry.key)
        if brief is None:
            try:
                brief = read_brief(entry)
            except BriefFormatError as error:  # changed under us: the next update sees it
                logger.warning("archive: skipping %s", error)
                return None
            self._read[entry.key] = brief
        return brief


def _sync(
    config: Config,
    out_root: Path | None,
    *,
    now: datetime | None,
    everything: bool,
    written: Mapping[Path, Brief] | None,
) -> ArchiveReport:
    started = time.perf_counter()
    root = out_root or config.paths.out
    now = (now or now_utc()).astimezone()
    with open_storage(config.paths.store) as store:
        store.search.check()
        # Interrupted builds first: their folders are either published or removed.
        lease = timedelta(seconds=config.workers.lease_seconds)
        for profile_dir in _profile_dirs(root):
            cleanup_temporary(store, profile_dir, worker_lease=lease)
        location = catalog_location(root, config.paths.store)
        catalog = Catalog(root, location) if everything else load_catalog(root, location)
        derived_before = dict(catalog.derived)
        found = reconcile(catalog, recheck=everything, check_files=True, written=written)
        briefs = _Briefs(found.read)
        pruned_now = prune(root, catalog.entries(), config.archive.keep_days, now.date())
        catalog.forget(p.key for p in pruned_now)
        entries = catalog.entries()
        forget_pruned(root, {e.key for e in entries})
        env = _environment(config) if config.archive.site else None
        pages = _write_brief_pages(env, catalog, entries, briefs, everything=everything) \
            if env is not None else 0
        entries = catalog.entries()  # their pages are among their files now
        indexed = _index(store, catalog, entries, briefs, everything=everything)
        if env is not None:
            _write_site(env, config, store, catalog, entries, briefs, now=now,
                        everything=everything)
    # An update that found nothing to do leaves the catalog as it was.
    if everything or found.dirty or pruned_now or pages or catalog.derived != derived_before:
        save_catalog(catalog)
    return ArchiveReport(
        briefs=len(entries), pages_written=pages, briefs_indexed=indexed,
        pruned=tuple(pruned_now), seconds=time.perf_counter() - started,
    )


def _write_site(
    env: jinja2.Environment, config: Config, store: Storage, catalog: Catalog,
    entries: list[ArchiveEntry], briefs: _Briefs, *, now: datetime, everything: bool,
) -> None:
    """The search data's parts, the feed and the index pages, each as far as it is
    out of date (``everything``: all of it, from scratch)."""
    from briefing.archive.site import SiteSettings, write_site
    from briefing.archive.static_index import write_search_index

    root = catalog.out_root
    catalog.derived[SEARCH_PARTS], catalog.stale["site"] = write_search_index(
        root, entries, {} if everything else catalog.derived.get(SEARCH_PARTS, {}),
        catalog.stale.get("site", set()), briefs,
    )
    settings = SiteSettings(
        title=f"{config.brief.title} — archive", base_url=config.archive.base_url,
        keep_days=config.archive.keep_days, now=now, installation=store.installation_id,
    )
    write_site(env, root, entries, catalog.signatures, read_pruned(root), settings,
               _feed_summaries(catalog, entries, briefs),
               _KeptLines(store, root, fresh=everything))


class _KeptLines:
    """The index lines kept in the store for this output folder (``EntryCache``)."""

    def __init__(self, store: Storage, root: Path, *, fresh: bool) -> None:
        self.store = store
        self.archive = str(root.resolve())
        self.fresh = fresh  # a rebuild renders every line again

    def load(self, stamp: str) -> dict[str, str]:
        return {} if self.fresh else self.store.archive_lines.load(self.archive, stamp)

    def save(self, stamp: str, parts: Mapping[str, str | None]) -> None:
        self.store.archive_lines.save(self.archive, stamp, parts, replace_all=self.fresh)


def _environment(config: Config) -> jinja2.Environment:
    from briefing.render.environment import make_environment

    return make_environment([config.paths.templates] if config.paths.templates else [])


def _write_brief_pages(
    env: jinja2.Environment, catalog: Catalog, entries: list[ArchiveEntry], briefs: _Briefs,
    *, everything: bool,
) -> int:
    """Each brief's page, where it has none: it is written with the brief, so only a
    rebuild (or a brief from before pages were part of its set) writes one here."""
    from briefing.archive.site import write_brief_page

    written = 0
    for entry in entries:
        if not everything and entry.has_file(PAGE_FILE):
            continue
        brief = briefs(entry)
        if brief is None:
            continue
        write_brief_page(env, entry, brief)
        catalog.restat(entry)  # the page changed the folder's signature and files
        written += 1
    return written


def _index(
    store: Storage, catalog: Catalog, entries: list[ArchiveEntry], briefs: _Briefs,
    *, everything: bool,
) -> int:
    """Index in the store the briefs changed since it was last brought up to date, and
    drop those gone; returns how many briefs were indexed.

    The store is trusted to hold what the last update left while its count of briefs
    agrees (one query); a store lost, replaced or indexed from elsewhere since is
    compared brief by brief."""
    stale = catalog.stale.get("index", set())
    if everything:
        todo, gone = entries, set()
    elif indexed_count(store) == catalog.derived.get(INDEXED):
        todo = [catalog.records[key] for key in stale if key in catalog.records]
        gone = {key for key in stale if key not in catalog.records}
    else:
        held = indexed_keys(store)
        todo = [e for e in entries if e.key in stale or e.key not in held]
        gone = held - catalog.records.keys()
    pairs = [(entry, brief) for entry in todo if (brief := briefs(entry)) is not None]
    index_briefs(store, pairs, replace_all=everything)
    if gone:
        drop_briefs(store, gone)
    done = {entry.key for entry, _ in pairs}
    catalog.stale["index"] = {entry.key for entry in todo if entry.key not in done}
    catalog.derived[INDEXED] = indexed_count(store)
    return len(pairs)


def _feed_summaries(
    catalog: Catalog, entries: list[ArchiveEntry], briefs: _Briefs
) -> dict[str, str]:
    """The feed's summary of each of its briefs: kept in the catalog for the newest
    ``FEED_LIMIT``, so an update reads only the briefs new to the feed."""
    from briefing.archive.feed import FEED_LIMIT, feed_summary

    kept = catalog.derived.get(FEED, {})
    made: dict[str, list[str]] = {}
    summaries: dict[str, str] = {}
    for entry in entries[:FEED_LIMIT]:
        signature = catalog.content_signature(entry.key)
        before = kept.get(entry.key)
        if isinstance(before, list) and len(before) == 2 and before[0] == signature:
            made[entry.key] = before
            summaries[entry.key] = str(before[1])
            continue
        brief = briefs(entry)
        if brief is None:  # unreadable just now: its title, and another try next time
            summaries[entry.key] = entry.title
            continue
        summaries[entry.key] = feed_summary(brief)
        made[entry.key] = [signature, summaries[entry.key]]
    catalog.derived[FEED] = made
    return summaries


def _profile_dirs(root: Path) -> list[Path]:
    if not root.is_dir():
        return []
    return [p for p in root.iterdir() if p.is_dir() and not p.name.startswith(("_", "."))]
