"""The static site: out/index.html (and its older pages), a page per brief, feed.xml.

Every page is rendered through the one Jinja environment (autoescaped), links
between pages are relative (the site works from ``file://`` and from any
static host, under any path), and source links pass the ``http_url`` filter
so nothing but http(s) becomes a link. The index pages and the feed are made
from the catalog's entries (``briefing.archive.catalog``), never from brief.json;
only a brief's own page needs the whole brief. The search data is written by
``briefing.archive.static_index``.
"""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import jinja2

from briefing.archive.feed import atom_feed
from briefing.archive.files import write_if_changed
from briefing.archive.model import ArchiveEntry
from briefing.archive.retention import PrunedBrief
from briefing.brief import Brief
from briefing.errors import TemplateError
from briefing.fsutil import write_atomic
from briefing.render.environment import long_date, render_template
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
    pruned: list[PrunedBrief],
    settings: SiteSettings,
    summaries: Mapping[str, str],
) -> None:
    """Write the shared files: the assets, feed.xml and the index pages of ``briefs``
    (newest first; ``summaries``: the feed's, of the newest, by key); a file that
    comes out as it was is left alone."""
    for name in ASSETS:
        write_if_changed(out_root / ASSETS_DIR / name, _bundled_source(env, f"archive/{name}"))
    feed = atom_feed(briefs, summaries, title=settings.title, base_url=settings.base_url,
                     now=settings.now, installation=settings.installation)
    write_if_changed(out_root / "feed.xml", feed)
    chunks = [briefs[start:start + PAGE_SIZE] for start in range(0, len(briefs), PAGE_SIZE)]
    chunks = chunks or [[]]
    for number, chunk in enumerate(chunks, 1):
        context = {
            "site_title": settings.title,
            "root": "",
            "groups": _groups(chunk),
            "brief_count": len(briefs),
            "pruned": pruned if number == len(chunks) else [],
            "keep_days": settings.keep_days,
            "generated_at": settings.now,
            "page": number,
            "pages": len(chunks),
            "newer": index_page_name(number - 1) if number > 1 else None,
            "older": index_page_name(number + 1) if number < len(chunks) else None,
        }
        write_if_changed(out_root / index_page_name(number),
                         render_template(env, "archive/index.html.j2", context))
    # Pages past the last one, left by a longer archive (before pruning), would mislead.
    for stale in out_root.glob("index-*.html"):
        if stale.name not in {index_page_name(n) for n in range(1, len(chunks) + 1)}:
            stale.unlink()


def index_page_name(number: int) -> str:
    """``index.html`` for the newest briefs, then ``index-2.html``, ``index-3.html``..."""
    return "index.html" if number == 1 else f"index-{number}.html"


def write_brief_page(env: jinja2.Environment, entry: ArchiveEntry, brief: Brief) -> None:
    """``<out>/<profile>/<slug>/index.html``: the whole brief as a web page."""
    files = [(label, name) for label, name in FILE_LINKS if entry.has_file(name)]
    write_atomic(entry.folder / PAGE_FILE, render_page_html(brief, env, files))


def _groups(briefs: list[ArchiveEntry]) -> list[dict[str, Any]]:
    """Profiles (alphabetical), then months (newest first), then briefs (newest first).

    A group is headed by its newest brief's title: readers know "Morning Brief",
    not the profile's name in the config.
    """
    groups = []
    for profile in sorted({b.profile for b in briefs}):
        mine = [b for b in briefs if b.profile == profile]  # already newest first
        months = [
            {"label": f"{month:%B %Y}", "briefs": [_entry(b) for b in items]}
            for month, items in itertools.groupby(mine, key=lambda b: b.day.replace(day=1))
        ]
        groups.append({"profile": profile, "heading": mine[0].title, "months": months})
    return groups


def _entry(entry: ArchiveEntry) -> dict[str, Any]:
    url_path = entry.url_path
    return {
        # The entry, not the whole brief: the index shows its title and counts only.
        "brief": entry,
        "title": entry.title,
        "key": entry.key,
        "day": long_date(entry.generated_at),
        "time": f"{entry.generated_at:%H:%M}",
        "later_that_day": entry.slug != entry.day.isoformat(),
        "stories": entry.story_count,
        "href": f"{url_path}/index.html",
        "files": [(label, f"{url_path}/{name}") for label, name in FILE_LINKS
                  if entry.has_file(name)],
    }


def _bundled_source(env: jinja2.Environment, name: str) -> str:
    # Through the loader, so a user's templates folder can replace the CSS or script too.
    assert env.loader is not None
    try:
        source, _, _ = env.loader.get_source(env, name)
    except jinja2.TemplateNotFound as error:
        raise TemplateError(f"template {name} not found") from error
    return source
