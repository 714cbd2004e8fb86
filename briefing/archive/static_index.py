"""The static site's search data: out/search-index.js and one script per month.

A page opened from ``file://`` cannot fetch() a JSON file in Chromium, but it
can load a ``<script src>``; so the data is JSON assigned to globals. It is split
by month (the month of each brief's date): ``_archive/search/YYYY-MM.js`` holds
that month's briefs, and ``search-index.js`` only names the parts, so a build
rewrites one part (its brief's month) and the small list, however long the
archive -- and the search box (templates/archive/search.js) loads them when it
is first used. Each part's name carries a digest of its content (``?v=``), so a
browser never searches a stale copy it cached.

The JSON is made safe to sit inside a script: ``<``, ``>`` and ``&`` (and the two
line separators JavaScript once treated as newlines) become ``\\uXXXX`` escapes,
so no headline can close the script or open a comment.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
from collections.abc import Callable, Iterator
from itertools import groupby
from pathlib import Path
from typing import TYPE_CHECKING, Any

from briefing.archive.files import file_signature, write_if_changed
from briefing.archive.model import ArchiveEntry, key_month

if TYPE_CHECKING:
    from briefing.brief import Brief

logger = logging.getLogger(__name__)

GLOBAL_NAME = "BRIEFING_INDEX"
#: The global each part adds its month to: ``BRIEFING_INDEX_PARTS["2026-11"]``.
PARTS_NAME = "BRIEFING_INDEX_PARTS"
INDEX_FILE = "search-index.js"
PARTS_DIR = "_archive/search"
FORMAT_VERSION = 2
_SCRIPT_ESCAPES = {
    "<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028", "\u2029": "\\u2029",
}

#: A brief's whole text, or None when it cannot be read (it is then left out).
BriefSource = Callable[[ArchiveEntry], "Brief | None"]


def brief_record(entry: ArchiveEntry, items: list[dict[str, Any]]) -> dict[str, Any]:
    """Where a brief is, and per story (``items``) the text the search box matches."""
    return {
        "key": entry.key,
        "title": entry.title,
        "profile": entry.profile,
        "day": entry.day.isoformat(),
        "stories": entry.story_count,
        "page": f"{entry.url_path}/index.html",
        "pdf": f"{entry.url_path}/brief.pdf" if entry.has_file("brief.pdf") else None,
        "items": items,
    }


def story_items(brief: Brief) -> list[dict[str, Any]]:
    """Per story of ``brief``: its headline, its bullets and its sources' lines."""
    return [
        {
            "headline": story.headline,
            "bullets": [bullet.text for bullet in story.bullets],
            "sources": _source_lines(brief, story.sources),
        }
        for story in brief.stories
    ]


def part_path(month: str) -> str:
    """A part's path, relative to the output folder."""
    return f"{PARTS_DIR}/{month}.js"


def part_script(month: str, records: list[dict[str, Any]]) -> str:
    data = {"version": FORMAT_VERSION, "month": month, "briefs": records}
    return (f"window.{PARTS_NAME} = window.{PARTS_NAME} || {{}};\n"
            f"window.{PARTS_NAME}[{script_json(month)}] = {script_json(data)};\n")


def index_script(parts: list[tuple[str, str]]) -> str:
    """search-index.js naming the (month, digest) parts, newest first."""
    data = {
        "version": FORMAT_VERSION,
        "parts": [{"month": month, "src": f"{part_path(month)}?v={digest}"}
                  for month, digest in parts],
    }
    return f"window.{GLOBAL_NAME} = {script_json(data)};\n"


def read_part(text: str, month: str) -> list[dict[str, Any]] | None:
    """The brief records of a part written by ``part_script``; None when it is not one."""
    prefix = f"window.{PARTS_NAME}[{script_json(month)}] = "
    for line in text.splitlines():
        if line.startswith(prefix) and line.endswith(";"):
            try:
                data = json.loads(line[len(prefix):-1])
            except ValueError:
                return None
            briefs = data.get("briefs") if isinstance(data, dict) else None
            if data.get("version") == FORMAT_VERSION and isinstance(briefs, list):
                return briefs
    return None


def script_json(data: Any) -> str:
    """JSON that is also safe as the body of an HTML ``<script>`` element."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    for char, escape in _SCRIPT_ESCAPES.items():
        text = text.replace(char, escape)
    return text


def write_search_index(
    out_root: Path,
    entries: list[ArchiveEntry],
    made: dict[str, Any],
    stale: set[str],
    briefs: BriefSource,
) -> tuple[dict[str, Any], set[str]]:
    """Write the parts that are out of date, and search-index.js. Returns each part's
    state (kept in the catalog for the next update: ``made``) and the briefs left out
    (unreadable just now: still stale).

    ``entries``: the archive, newest first; ``made``: what this returned last time
    (``{}``: write every part); ``stale``: the keys of briefs changed, come or gone
    since. A part is rewritten when one of its briefs is stale, or its file changed;
    the story texts of its other briefs are taken from the file, so a build reads
    only its own brief.
    """
    months_stale = {key_month(key) for key in stale}
    state: dict[str, Any] = {}
    left_out: set[str] = set()
    for month, members in _by_month(entries):
        path = out_root / part_path(month)
        before = made.get(month)
        intact = isinstance(before, dict) and before.get("file") == file_signature(path)
        if intact and month not in months_stale:
            state[month] = before
            continue
        old = _old_items(path, month, {e.key for e in members} - stale) if intact else {}
        records = []
        for entry in members:
            items = old.get(entry.key)
            if items is None:
                brief = briefs(entry)
                if brief is None:
                    left_out.add(entry.key)
                    continue
                items = story_items(brief)
            records.append(brief_record(entry, items))
        text = part_script(month, records)
        write_if_changed(path, text)
        state[month] = {"file": file_signature(path), "digest": _digest(text)}
    _remove_stale_parts(out_root, set(state))
    write_if_changed(out_root / INDEX_FILE,
                     index_script([(month, state[month]["digest"]) for month in state]))
    return state, left_out


def _by_month(entries: list[ArchiveEntry]) -> Iterator[tuple[str, list[ArchiveEntry]]]:
    # Entries are newest first, so each month's briefs are together and months come
    # newest first: the parts, read in order, are the archive in order.
    for month, members in groupby(entries, key=lambda entry: entry.month):
        yield month, list(members)


def _old_items(path: Path, month: str, keep: set[str]) -> dict[str, list[dict[str, Any]]]:
    """The story texts in the part of briefs ``keep`` (unchanged since it was written).

    Only text is taken from the file -- and only text as this module writes it --
    never where a brief is: its links are made again from its entry, so a part
    file someone else wrote cannot carry a link into the next one."""
    if not keep:
        return {}
    try:
        records = read_part(path.read_text(encoding="utf-8"), month) or []
    except (OSError, UnicodeDecodeError):
        return {}
    found = {}
    for record in records:
        if isinstance(record, dict) and record.get("key") in keep \
                and _is_items(record.get("items")):
            found[record["key"]] = record["items"]
    return found


def _is_items(items: Any) -> bool:
    return isinstance(items, list) and all(
        isinstance(item, dict) and item.keys() == {"headline", "bullets", "sources"}
        and isinstance(item["headline"], str)
        and isinstance(item["bullets"], list) and isinstance(item["sources"], list)
        and all(isinstance(text, str) for text in (*item["bullets"], *item["sources"]))
        for item in items
    )


def _remove_stale_parts(out_root: Path, months: set[str]) -> None:
    """Parts of months no brief is in any more (pruned) would only mislead."""
    folder = out_root / PARTS_DIR
    try:
        names = os.listdir(folder)
    except OSError:
        return
    for name in names:
        if name.endswith(".js") and name[:-3] not in months:
            (folder / name).unlink(missing_ok=True)


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:12]


def _source_lines(brief: Brief, numbers: tuple[int, ...]) -> list[str]:
    by_number = {source.number: source for source in brief.sources}
    sources = (by_number.get(n) for n in dict.fromkeys(numbers))
    return [f"{s.title} — {s.outlet}" if s.outlet else s.title for s in sources if s is not None]
