"""Retention: ``[archive] keep_days`` removes old briefs' files, and remembers them.

A pruned brief's folder is deleted, but the archive index should still say
that it existed and was pruned (a reader looking for last spring's brief
learns why it is gone). So each pruned brief is appended to
``<out>/_archive/pruned.json``, which the index page reads.
"""

from __future__ import annotations

import json
import logging
from dataclasses import asdict, dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from briefing.archive.model import ArchiveEntry
from briefing.brief import BRIEF_FILES
from briefing.fsutil import write_atomic

logger = logging.getLogger(__name__)

PRUNED_FILE = Path("_archive") / "pruned.json"


@dataclass(frozen=True, slots=True)
class PrunedBrief:
    key: str
    profile: str
    day: str
    title: str
    pruned_on: str


def prune(
    out_root: Path, briefs: list[ArchiveEntry], keep_days: int | None, today: date
) -> list[PrunedBrief]:
    """Delete the briefs dated before ``today - keep_days``; returns what was pruned now."""
    if keep_days is None:
        return []
    cutoff = today - timedelta(days=keep_days)
    pruned: list[PrunedBrief] = []
    for brief in briefs:
        if brief.day >= cutoff:
            continue
        _remove_brief_folder(brief.folder)
        pruned.append(PrunedBrief(
            key=brief.key, profile=brief.profile, day=brief.day.isoformat(),
            title=brief.title, pruned_on=today.isoformat(),
        ))
    if pruned:
        logger.info("archive: pruned %d brief(s) older than %s", len(pruned), cutoff)
        record = {p.key: p for p in read_pruned(out_root)}
        record.update({p.key: p for p in pruned})
        _write_pruned(out_root, list(record.values()))
    return pruned


def read_pruned(out_root: Path) -> list[PrunedBrief]:
    """Every brief ever pruned from this archive, newest first ([] when none or unreadable)."""
    path = out_root / PRUNED_FILE
    try:
        raw: Any = json.loads(path.read_text(encoding="utf-8"))
        entries = [PrunedBrief(**{k: str(item[k]) for k in PrunedBrief.__slots__}) for item in raw]
    except FileNotFoundError:
        return []
    except (OSError, ValueError, TypeError, KeyError) as error:
        logger.warning("archive: ignoring unreadable %s: %s", path, error)
        return []
    return sorted(entries, key=lambda p: (p.day, p.profile), reverse=True)


def forget_pruned(out_root: Path, keys: set[str]) -> None:
    """Drop ``keys`` from the record: a brief rebuilt for a pruned day is back."""
    entries = read_pruned(out_root)
    kept = [p for p in entries if p.key not in keys]
    if len(kept) != len(entries):
        _write_pruned(out_root, kept)


def _write_pruned(out_root: Path, entries: list[PrunedBrief]) -> None:
    entries = sorted(entries, key=lambda p: (p.day, p.profile), reverse=True)
    text = json.dumps([asdict(p) for p in entries], ensure_ascii=False, indent=1)
    write_atomic(out_root / PRUNED_FILE, text + "\n")


def _remove_brief_folder(folder: Path) -> None:
    # Only the files a build writes (and the archive's page) are removed, then the
    # folder if that left it empty: a user's own file placed there is never deleted.
    for name in (*BRIEF_FILES, "index.html"):
        (folder / name).unlink(missing_ok=True)
    try:
        folder.rmdir()
    except OSError:
        logger.warning("archive: %s kept: it holds files the archive did not write", folder)
    if folder.parent.is_dir() and not any(folder.parent.iterdir()):
        folder.parent.rmdir()  # the profile's last brief went: no empty folder left behind
