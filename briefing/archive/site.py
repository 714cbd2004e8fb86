"""The static site: out/index.html, a page per brief, feed.xml and the search index.

Every page is rendered through the one Jinja environment (autoescaped), links
between pages are relative (the site works from ``file://`` and from any
static host, under any path), and source links pass the ``http_url`` filter
so nothing but http(s) becomes a link.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import jinja2

from briefing.archive.feed import atom_feed
from briefing.archive.model import ArchivedBrief
from briefing.archive.retention import PrunedBrief
from briefing.archive.static_index import index_script
from briefing.errors import TemplateError
from briefing.fsutil import write_atomic
from briefing.render.environment import render_template

#: Folder (under out/) of the site's own assets; "_" keeps it apart from profile folders.
ASSETS_DIR = "_archive"
ASSETS = ("archive.css", "search.js")


@dataclass(frozen=True)
class SiteSettings:
    title: str
    base_url: str | None
    keep_days: int | None
    now: datetime


def write_site(
    env: jinja2.Environment,
    out_root: Path,
    briefs: list[ArchivedBrief],
    pruned: list[PrunedBrief],
    settings: SiteSettings,
    *,
    pages: Iterable[ArchivedBrief] = (),
) -> int:
    """Write the shared files, and the page of each brief in ``pages``; returns pages written."""
    written = 0
    for brief in pages:
        write_brief_page(env, brief)
        written += 1
    for name in ASSETS:
        write_atomic(out_root / ASSETS_DIR / name, _bundled_source(env, f"archive/{name}"))
    write_atomic(out_root / "search-index.js", index_script(briefs))
    feed = atom_feed(briefs, title=settings.title, base_url=settings.base_url, now=settings.now)
    write_atomic(out_root / "feed.xml", feed)
    context = {
        "site_title": settings.title,
        "root": "",
        "groups": _groups(briefs),
        "brief_count": len(briefs),
        "pruned": pruned,
        "keep_days": settings.keep_days,
        "generated_at": settings.now,
    }
    write_atomic(out_root / "index.html", render_template(env, "archive/index.html.j2", context))
    return written


def write_brief_page(env: jinja2.Environment, brief: ArchivedBrief) -> None:
    """``<out>/<profile>/<day>/index.html``: the brief as a web page, with its sources."""
    context = {"brief": brief, "root": "../../", "files": _files(brief)}
    html = render_template(env, "archive/brief_page.html.j2", context)
    write_atomic(brief.folder / "index.html", html)


def _groups(briefs: list[ArchivedBrief]) -> list[dict[str, Any]]:
    """Profiles (alphabetical), then months (newest first), then briefs (newest first)."""
    groups = []
    for profile in sorted({b.profile for b in briefs}):
        mine = [b for b in briefs if b.profile == profile]  # already newest first
        months = [
            {"label": f"{month:%B %Y}", "briefs": [_entry(b) for b in items]}
            for month, items in itertools.groupby(mine, key=lambda b: b.day.replace(day=1))
        ]
        groups.append({"profile": profile, "months": months})
    return groups


def _entry(brief: ArchivedBrief) -> dict[str, Any]:
    return {"brief": brief, "href": f"{brief.url_path}/index.html",
            "files": _files(brief, brief.url_path)}


def _files(brief: ArchivedBrief, prefix: str = "") -> list[tuple[str, str]]:
    """(label, relative link) for each output file the brief has on disk."""
    labels = (("PDF", "brief.pdf"), ("Email HTML", "brief.html"), ("Text", "brief.txt"),
              ("JSON", "brief.json"))
    base = f"{prefix}/" if prefix else ""
    return [(label, base + name) for label, name in labels if brief.has_file(name)]


def _bundled_source(env: jinja2.Environment, name: str) -> str:
    # Through the loader, so a user's templates folder can replace the CSS or script too.
    assert env.loader is not None
    try:
        source, _, _ = env.loader.get_source(env, name)
    except jinja2.TemplateNotFound as error:
        raise TemplateError(f"template {name} not found") from error
    return source
