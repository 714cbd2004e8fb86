"""[archive] keep_days: old briefs' files go, and the index says what was pruned."""

from __future__ import annotations

import dataclasses
import re
from datetime import datetime
from pathlib import Path

from archive.briefs import FLOOD_STORY, PORT_STORY, RATES_STORY, WriteBrief
from briefing.archive import list_briefs, search, update_archive
from briefing.config import Config


def _keeping(config: Config, days: int | None) -> Config:
    return dataclasses.replace(config, archive=dataclasses.replace(config.archive, keep_days=days))


def test_old_briefs_are_pruned_and_listed_as_pruned(
    archive_config: Config, out_root: Path, write_brief: WriteBrief
) -> None:
    old = write_brief("2026-10-01", [FLOOD_STORY], title="Flood brief")
    edge = write_brief("2026-11-13", [RATES_STORY], title="Edge brief")
    new = write_brief("2026-11-20", [PORT_STORY], title="Strike brief")
    lone = write_brief("2026-09-01", [PORT_STORY], profile="asia", title="Asia brief")
    config = _keeping(archive_config, 10)
    update_archive(_keeping(archive_config, None), now=datetime(2026, 11, 1, 8).astimezone())
    assert search(config, "lenmouth")  # indexed while it existed

    today = datetime.fromisoformat("2026-11-23T08:00:00+00:00")  # injected "today"
    report = update_archive(config, now=today)

    assert sorted(p.key for p in report.pruned) == ["asia/2026-09-01", "default/2026-10-01"]
    assert not old.exists() and not lone.exists() and not lone.parent.exists()
    assert edge.is_dir() and new.is_dir()  # 2026-11-13 is exactly 10 days old: kept
    assert [b.key for b in list_briefs(config)] == ["default/2026-11-20", "default/2026-11-13"]
    assert search(config, "lenmouth") == []
    html = (out_root / "index.html").read_text(encoding="utf-8")
    text = " ".join(re.sub(r"<[^>]+>", " ", html).split())
    assert "2 older briefs removed (briefs are kept 10 days)" in text
    assert "2026-10-01 · Flood brief" in text
    assert "2026-09-01 · Asia brief" in text
    assert 'href="default/2026-10-01' not in html

    # The record survives later updates, which prune nothing new.
    again = update_archive(config, now=today)
    assert again.pruned == ()
    assert "Flood brief" in (out_root / "index.html").read_text(encoding="utf-8")


def test_no_keep_days_keeps_everything(
    archive_config: Config, out_root: Path, write_brief: WriteBrief
) -> None:
    folder = write_brief("2001-01-01", [PORT_STORY])
    report = update_archive(archive_config, now=datetime.fromisoformat("2026-11-23T08:00:00+00:00"))
    assert report.pruned == () and folder.is_dir()


def test_pruning_never_deletes_files_it_did_not_write(
    archive_config: Config, out_root: Path, write_brief: WriteBrief
) -> None:
    folder = write_brief("2026-01-01", [PORT_STORY])
    (folder / "my-notes.txt").write_text("mine", encoding="utf-8")

    update_archive(_keeping(archive_config, 30),
                   now=datetime.fromisoformat("2026-11-23T08:00:00+00:00"))

    assert (folder / "my-notes.txt").read_text(encoding="utf-8") == "mine"
    assert not (folder / "brief.pdf").exists() and not (folder / "brief.json").exists()
