"""Record a brief in a store the way a build does (reserve, fill, publish), for tests
that need an earlier brief without running the whole pipeline."""

from __future__ import annotations

from pathlib import Path

from briefing.brief import Brief, write_brief_json
from briefing.folders import publish_brief
from briefing.store import Store


def record_brief(store: Store, brief: Brief, out_root: Path) -> Brief:
    """Publish ``brief`` (brief.json only) under ``out_root``; returns it with id and slug."""

    def render(brief: Brief, folder: Path) -> None:
        write_brief_json(brief, folder / "brief.json")

    published, _ = publish_brief(
        store, brief, out_root=out_root, render=render,
        article_ids=[s.article_id for s in brief.sources], story_keys=[],
    )
    return published.brief


def newest_folder(profile_dir: Path) -> Path:
    """The folder of a profile's latest brief: "2026-12-01-2" after "2026-12-01"."""
    folders = [p for p in profile_dir.iterdir() if p.is_dir() and not p.name.startswith(".")]
    return max(folders, key=lambda p: (p.name[:10], len(p.name), p.name))
