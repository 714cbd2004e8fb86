"""Helpers for the archive tests: brief.json documents as a build writes them."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

#: A tiny but well-formed PDF: the archive only links to it, nothing renders it.
TINY_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)

#: (headline, bullets, sources as (title, outlet, url))
StorySpec = tuple[str, Sequence[str], Sequence[tuple[str, str, str | None]]]
WriteBrief = Callable[..., Path]


def brief_document(
    profile: str, generated_at: datetime, title: str, stories: Sequence[StorySpec]
) -> dict[str, Any]:
    sources: list[dict[str, Any]] = []
    story_items: list[dict[str, Any]] = []
    for index, (headline, bullets, refs) in enumerate(stories, 1):
        numbers = []
        for ref_title, outlet, url in refs:
            sources.append({"id": len(sources) + 1, "article_id": len(sources) + 1,
                            "title": ref_title, "outlet": outlet, "url": url, "path": None,
                            "published": None})
            numbers.append(len(sources))
        story_items.append({
            "id": f"s{index}", "headline": headline, "outlets": [r[1] for r in refs],
            "sources": numbers, "notes": [],
            "bullets": [{"text": text, "sources": numbers[:1] or [1], "origin": "extractive",
                         "verified": True} for text in bullets],
        })
    return {
        "schema_version": 1, "title": title, "profile": profile,
        "generated_at": generated_at.isoformat(), "language": "en", "author": "briefing",
        "engine": "extractive", "coverage": f"{len(sources)} articles", "article_count":
        len(sources), "outlet_count": 1, "notes": [], "top_lines": [], "stories": story_items,
        "sources": sources, "prompt_versions": {}, "dropped": {"count": 0, "reasons": {}},
    }


PORT_STORY: StorySpec = (
    "Dockworkers strike at Saltmere port",
    ["About 4,300 dockworkers walked out after pay talks collapsed.",
     "Thirty-seven ships wait at anchor."],
    [("Saltmere dockers walk out", "The Harbour Ledger", "https://ledger.example/strike")],
)
RATES_STORY: StorySpec = (
    "Central bank cuts rates to 3.5%",
    ["The bank cut its main rate by 25 basis points; port operators welcomed it."],
    [("Bank cuts rates", "Meridian Wire", "https://wire.example/rates")],
)
FLOOD_STORY: StorySpec = (
    "River bursts its banks in Lenmouth",
    ["Hundreds of residents were taken from their homes by boat."],
    [("Storm floods Lenmouth", "Northgate Courier", None)],
)


def static_search_briefs(out_root: Path) -> list[dict[str, Any]]:
    """The briefs the site's search box searches: search-index.js names the month
    parts, read in its order (as templates/archive/search.js does)."""
    import json

    from briefing.archive.static_index import GLOBAL_NAME, PARTS_NAME

    root_prefix = f"window.{GLOBAL_NAME} = "
    root = (out_root / "search-index.js").read_text(encoding="utf-8")
    assert root.startswith(root_prefix) and root.endswith(";\n"), root[:200]
    briefs: list[dict[str, Any]] = []
    for part in json.loads(root[len(root_prefix):-2])["parts"]:
        path, _, version = part["src"].partition("?v=")
        text = (out_root / path).read_text(encoding="utf-8")
        assert version, part
        line = text.splitlines()[-1]
        prefix = f'window.{PARTS_NAME}["{part["month"]}"] = '
        assert line.startswith(prefix) and line.endswith(";"), line[:200]
        briefs.extend(json.loads(line[len(prefix):-1])["briefs"])
    return briefs
