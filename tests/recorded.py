"""Record a brief in a store the way a build does (reserve, fill, publish), for tests
that need an earlier brief without running the whole pipeline."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from briefing.brief import Brief, brief_to_dict, write_brief_json
from briefing.folders import publish_brief
from briefing.storage import Storage


def record_brief(store: Storage, brief: Brief, out_root: Path) -> Brief:
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


def placeholder_brief(store: Storage, profile: str = "morning",
                      now: datetime | None = None) -> int:
    """A published brief row with no content, for tests of what refers to briefs
    (digests, the outbox) that never read the brief itself."""
    now = now or datetime(2026, 3, 30, 6, tzinfo=UTC)
    record = store.briefs.reserve(
        profile=profile, local_date=now.date(), profile_dir=Path("/nonexistent") / profile,
        owner="test", now=now, folder_taken=lambda folder: False,
    )
    used_articles(store, record.id, [], profile=profile, now=now)
    store.briefs.publish(record.id)
    return record.id


def used_articles(store: Storage, brief_id: int, article_ids: list[int], *,
                  profile: str = "morning", story_keys: list[tuple[str, int]] | None = None,
                  now: datetime | None = None) -> None:
    """Record that placeholder brief ``brief_id`` used ``article_ids`` (story memory too)."""
    brief = Brief(title="T", profile=profile,
                  generated_at=now or datetime(2026, 3, 30, 6, tzinfo=UTC), language="en",
                  author="test", engine="extractive", stories=(), sources=(), id=brief_id)
    store.briefs.fill(brief, brief_to_dict(brief), article_ids=article_ids,
                      story_keys=story_keys or [])
