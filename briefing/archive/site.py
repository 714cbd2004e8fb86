"""The static site: out/index.html (and its older pages), a page per brief, feed.xml.

Every page is rendered through the one Jinja environment (autoescaped), links
between pages are relative (the site works from ``file://`` and from any
static host, under any path), and source links pass the ``http_url`` filter
so nothing but http(s) becomes a link. The index pages (``index_pages``) and the
feed are made from the catalog's entries (``briefing.archive.catalog``), never
from brief.json; only a brief's own page needs the whole brief. The search data
is written by ``briefing.archive.static_index``.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import jinja2

from briefing.archive.feed import atom_feed
from briefing.archive.files import write_if_changed
from briefing.archive.index_pages import EntryCache, write_index_pages
from briefing.archive.model import ArchiveEntry
from briefing.archive.retention import PrunedBrief
from briefing.brief import Brief
from briefing.fsutil import write_atomic
from briefing.render.environment import template_source
from briefing.render.page import FILE_LINKS, PAGE_FILE, render_page_html

#: Folder (under out/) of the site's own assets; "_" keeps it apart from profile folders.
ASSETS_DIR = "_archive"
ASSETS = ("archive.css", "search.js", "favicon.svg")
#: The icon every page names; ``briefing serve`` also answers /favicon.ico with it.
FAVICON = f"{ASSETS_DIR}/favicon.svg"
#: Briefs listed per archive page: index.html has the newest, index-2.html the next...
#: so the front page stays light however long the archive grows.
PAGE_SIZE = 100


@dataclass(frozen=True)
class SiteSettings:
    title: str
    base_url: str | None
    keep_days: int | None
    now: datetime
    #: The store's installation id, which the feed's ids derive from.
    installation: uuid.UUID


def write_site(
    env: jinja2.Environment,
    out_root: Path,
    briefs: list[ArchiveEntry],
    signatures: Mapping[str, str],
    pruned: list[PrunedBrief],
    settings: SiteSettings,
    summaries: Mapping[str, str],
    cache: EntryCache | None = None,
) -> int:
    """Write the shared files: the assets, feed.xml and the index pages of ``briefs``
    (newest first, with their catalog ``signatures``; ``summaries``: the feed's, of
    the newest, by key); a file that comes out as it was is left alone. Returns
    how many index lines were rendered (the others were kept in ``cache``)."""
    for name in ASSETS:
        write_if_changed(out_root / ASSETS_DIR / name, template_source(env, f"archive/{name}"))
    feed = atom_feed(briefs, summaries, title=settings.title, base_url=settings.base_url,
                     now=settings.now, installation=settings.installation)
    write_if_changed(out_root / "feed.xml", feed)
    context = {"site_title": settings.title, "keep_days": settings.keep_days,
               "generated_at": settings.now}
    return write_index_pages(env, out_root, briefs, signatures, pruned, context,
                             page_size=PAGE_SIZE, cache=cache)


def write_brief_page(env: jinja2.Environment, entry: ArchiveEntry, brief: Brief) -> None:
    """``<out>/<profile>/<slug>/index.html``: the whole brief as a web page."""
    files = [(label, name) for label, name in FILE_LINKS if entry.has_file(name)]
    write_atomic(entry.folder / PAGE_FILE, render_page_html(brief, env, files))
