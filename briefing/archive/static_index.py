"""out/search-index.js: the search data for the static site, as a script.

A page opened from ``file://`` cannot fetch() a JSON file in Chromium, but it
can load a ``<script src>``; so the index is JSON assigned to a global. The
JSON is made safe to sit inside a script: ``<``, ``>`` and ``&`` (and the two
line separators JavaScript once treated as newlines) become ``\\uXXXX``
escapes, so no headline can close the script or open a comment.
"""

from __future__ import annotations

import json
from typing import Any

from briefing.archive.model import ArchiveEntry

GLOBAL_NAME = "BRIEFING_INDEX"
_SCRIPT_ESCAPES = {
    "<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028", "\u2029": "\\u2029",
}


def index_data(briefs: list[ArchiveEntry]) -> dict[str, Any]:
    """Per brief: where it is, and per story the text the search box matches."""
    return {
        "version": 1,
        "briefs": [
            {
                "key": brief.key,
                "title": brief.brief.title,
                "profile": brief.profile,
                "day": brief.day.isoformat(),
                "stories": brief.story_count,
                "page": f"{brief.url_path}/index.html",
                "pdf": f"{brief.url_path}/brief.pdf" if brief.has_file("brief.pdf") else None,
                "items": [
                    {
                        "headline": story.headline,
                        "bullets": [bullet.text for bullet in story.bullets],
                        "sources": _source_lines(brief, story.sources),
                    }
                    for story in brief.brief.stories
                ],
            }
            for brief in briefs
        ],
    }


def index_script(briefs: list[ArchiveEntry]) -> str:
    return f"window.{GLOBAL_NAME} = {script_json(index_data(briefs))};\n"


def script_json(data: Any) -> str:
    """JSON that is also safe as the body of an HTML ``<script>`` element."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    for char, escape in _SCRIPT_ESCAPES.items():
        text = text.replace(char, escape)
    return text


def _source_lines(entry: ArchiveEntry, numbers: tuple[int, ...]) -> list[str]:
    by_number = {source.number: source for source in entry.brief.sources}
    sources = (by_number.get(n) for n in dict.fromkeys(numbers))
    return [f"{s.title} — {s.outlet}" if s.outlet else s.title for s in sources if s is not None]
