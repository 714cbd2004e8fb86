"""The archive's index: out/index.html (the newest briefs), index-2.html, index-3.html...

Each page lists its briefs by profile, then month; a brief's line is rendered by
``archive/index_entry.html.j2`` once and kept (``EntryCache``, in the store),
so an update that adds one brief renders one line and puts the pages together
from the lines it has -- the pages shift by a brief each, and every one shows the
archive's count, so all are written again, but none is rendered whole again.
A kept line is used while its brief's signature (``briefing.archive.catalog``)
and the entry template are unchanged.
"""

from __future__ import annotations

import hashlib
import itertools
import json
from collections.abc import Mapping
from datetime import date
from pathlib import Path
from typing import Any, Protocol

import jinja2
from markupsafe import Markup

from briefing.archive.files import write_if_changed
from briefing.archive.model import ArchiveEntry
from briefing.archive.retention import PrunedBrief
from briefing.render.environment import long_date, render_template, template_source
from briefing.render.page import FILE_LINKS

PAGE_TEMPLATE = "archive/index.html.j2"
ENTRY_TEMPLATE = "archive/index_entry.html.j2"
#: Bumped when what ``IndexEntry`` gives the entry template changes: kept lines are
#: then rendered again.
ENTRY_FORMAT = 1


class EntryCache(Protocol):
    """Where rendered index lines are kept between updates: parts of text by name,
    under a stamp (``briefing.storage``'s ``ArchiveLineRepository``, for one output
    folder)."""

    def load(self, stamp: str) -> dict[str, str]:
        """The parts kept under ``stamp``, by name."""
        ...

    def save(self, stamp: str, parts: Mapping[str, str | None]) -> None:
        """Keep ``parts`` (None removes one) under ``stamp``; forget other stamps'."""
        ...


class IndexEntry:
    """One brief as the index templates see it; made only as far as they ask."""

    __slots__ = ("entry", "html")

    def __init__(self, entry: ArchiveEntry, html: Markup | None = None) -> None:
        self.entry = entry
        self.html = html

    @property
    def brief(self) -> ArchiveEntry:
        # The entry, not the whole brief: the index shows its title and counts only.
        return self.entry

    @property
    def title(self) -> str:
        return self.entry.title

    @property
    def key(self) -> str:
        return self.entry.key

    @property
    def day(self) -> str:
        return long_date(self.entry.generated_at)

    @property
    def time(self) -> str:
        return f"{self.entry.generated_at:%H:%M}"

    @property
    def later_that_day(self) -> bool:
        return self.entry.sequence > 1

    @property
    def stories(self) -> int:
        return self.entry.story_count

    @property
    def href(self) -> str:
        return f"{self.entry.url_path}/index.html"

    @property
    def files(self) -> list[tuple[str, str]]:
        url_path = self.entry.url_path
        return [(label, f"{url_path}/{name}") for label, name in FILE_LINKS
                if self.entry.has_file(name)]


def write_index_pages(
    env: jinja2.Environment,
    out_root: Path,
    briefs: list[ArchiveEntry],
    signatures: Mapping[str, str],
    pruned: list[PrunedBrief],
    context: Mapping[str, Any],
    *,
    page_size: int,
    cache: EntryCache | None = None,
) -> int:
    """Write the index pages of ``briefs`` (newest first, ``page_size`` a page) and
    remove pages past the last; returns how many brief lines were rendered."""
    lines = _Lines(env, signatures, cache)
    chunks = [briefs[start:start + page_size] for start in range(0, len(briefs), page_size)]
    chunks = chunks or [[]]
    for number, chunk in enumerate(chunks, 1):
        page = {
            **context,
            "root": "",
            "groups": _groups(chunk, lines),
            "brief_count": len(briefs),
            "pruned": pruned if number == len(chunks) else [],
            "page": number,
            "pages": len(chunks),
            "newer": index_page_name(number - 1) if number > 1 else None,
            "older": index_page_name(number + 1) if number < len(chunks) else None,
        }
        write_if_changed(out_root / index_page_name(number),
                         render_template(env, PAGE_TEMPLATE, page))
    # Pages past the last one, left by a longer archive (before pruning), would mislead.
    for stale in out_root.glob("index-*.html"):
        if stale.name not in {index_page_name(n) for n in range(1, len(chunks) + 1)}:
            stale.unlink()
    lines.keep({entry.key for entry in briefs})
    return lines.rendered


def index_page_name(number: int) -> str:
    """``index.html`` for the newest briefs, then ``index-2.html``, ``index-3.html``..."""
    return "index.html" if number == 1 else f"index-{number}.html"


class _Lines:
    """Each brief's line: kept, or rendered now. Kept in parts by month (the month of
    the brief's date), so an update saves the one its new brief is in."""

    def __init__(
        self, env: jinja2.Environment, signatures: Mapping[str, str], cache: EntryCache | None
    ) -> None:
        self.env = env
        self.signatures = signatures
        self.cache = cache
        self.stamp = f"{ENTRY_FORMAT}:{_digest(template_source(env, ENTRY_TEMPLATE))}"
        #: By month: by key, [signature, html] (as saved: thousands of lines are read
        #: per update, so they are used as they come).
        self.parts: dict[str, dict[str, Any]] = {}
        #: The month each kept line is in, by key.
        self.where: dict[str, str] = {}
        for month, text in (cache.load(self.stamp) if cache is not None else {}).items():
            try:
                lines = json.loads(text)
            except ValueError:
                lines = None
            if not isinstance(lines, dict):
                lines = {}  # unreadable: its lines are rendered again
            self.parts[month] = lines
            self.where.update(dict.fromkeys(lines, month))
        self.touched: set[str] = set()
        self.rendered = 0

    def line(self, entry: ArchiveEntry) -> IndexEntry:
        key, month = entry.key, entry.month
        kept = self.parts[month].get(key) if self.where.get(key) == month else None
        if isinstance(kept, list) and len(kept) == 2 and kept[0] == self.signatures[key] \
                and isinstance(kept[1], str):
            html = kept[1]
        else:
            html = render_template(self.env, ENTRY_TEMPLATE, {"entry": IndexEntry(entry)})
            self._forget(key)
            self.parts.setdefault(month, {})[key] = [self.signatures[key], html]
            self.where[key] = month
            self.touched.add(month)
            self.rendered += 1
        # Rendered by the autoescaping environment from the entry: already safe HTML.
        return IndexEntry(entry, Markup(html))

    def keep(self, keys: set[str]) -> None:
        """Keep the parts with lines made now, and forget the lines of briefs gone."""
        for key in [key for key in self.where if key not in keys]:
            self._forget(key)
        if self.cache is None or not self.touched:
            return
        self.cache.save(self.stamp, {
            month: json.dumps(self.parts[month], ensure_ascii=False, sort_keys=True)
            if self.parts.get(month) else None
            for month in sorted(self.touched)
        })

    def _forget(self, key: str) -> None:
        month = self.where.pop(key, None)
        if month is not None:
            self.parts[month].pop(key, None)
            self.touched.add(month)


def _groups(briefs: list[ArchiveEntry], lines: _Lines) -> list[dict[str, Any]]:
    """Profiles (alphabetical), then months (newest first), then briefs (newest first).

    A group is headed by its newest brief's title: readers know "Morning Brief",
    not the profile's name in the config.
    """
    by_profile: dict[str, list[ArchiveEntry]] = {}
    for brief in briefs:  # already newest first
        by_profile.setdefault(brief.profile, []).append(brief)
    groups = []
    for profile in sorted(by_profile):
        mine = by_profile[profile]
        months = [
            {"label": f"{date.fromisoformat(month + '-01'):%B %Y}",
             "briefs": [lines.line(b) for b in items]}
            for month, items in itertools.groupby(mine, key=lambda b: b.month)
        ]
        groups.append({"profile": profile, "heading": mine[0].title, "months": months})
    return groups


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]
