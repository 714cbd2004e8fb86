"""The archive's view of the briefs under an output folder.

Each brief lives in ``<out>/<profile>/<slug>/`` (``briefing.folders``), and its
brief.json, read through the one codec (``briefing.brief``), is the archive's
source of truth: the pages, feed.xml, search-index.js and the store's search
table are all derived from it and can be rebuilt. An ``ArchiveEntry`` is a
brief and the folder it was found in; its ``key`` (``"<profile folder>/<slug>"``)
is its address in the archive.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from urllib.parse import quote

from briefing.brief import SLUG_PATTERN, Brief, BriefFormatError, read_brief_json
from briefing.errors import BriefingError
from briefing.fsutil import write_atomic

logger = logging.getLogger(__name__)

#: Beside the store: the brief.json files the archive checked against the schema, per
#: output folder and key, as (mtime_ns, size). A published brief never changes, and
#: checking is most of the cost of reading one (jsonschema: seconds for a thousand
#: briefs), so an update checks only new files. Kept out of the output folder: it is
#: this installation's state, not part of what it publishes.
CHECKED_FILE = "archive-checked.json"


class ArchiveError(BriefingError):
    """A brief asked for is not in the archive, or the request names it ambiguously."""


@dataclass(frozen=True, slots=True)
class ArchiveEntry:
    """A brief in the archive: the brief itself and the folder it lives in."""

    brief: Brief
    folder: Path

    @property
    def key(self) -> str:
        """``"<profile folder>/<slug>"``: unique in one output folder."""
        return f"{self.folder.parent.name}/{self.folder.name}"

    @property
    def url_path(self) -> str:
        """``key`` as a relative URL path: a profile named "a#b" must not cut the link."""
        return f"{quote(self.folder.parent.name, safe='')}/{quote(self.folder.name, safe='')}"

    @property
    def profile(self) -> str:
        return self.brief.profile

    @property
    def slug(self) -> str:
        return self.folder.name

    @property
    def day(self) -> date:
        """The brief's local date (the start of its folder name)."""
        match = SLUG_PATTERN.fullmatch(self.folder.name)
        return date.fromisoformat(match.group(1)) if match else self.brief.local_date

    @property
    def story_count(self) -> int:
        return len(self.brief.stories)

    @property
    def sort_key(self) -> tuple[str, str, int]:
        """Newest last: local date, then the moment it was made, then its place in the day."""
        match = SLUG_PATTERN.fullmatch(self.folder.name)
        sequence = int(match.group(2) or 1) if match else 1
        return (self.day.isoformat(), self.brief.generated_at.isoformat(), sequence)

    def has_file(self, name: str) -> bool:
        return (self.folder / name).is_file()


def brief_folders(out_root: Path) -> Iterator[Path]:
    """Every ``<profile>/<slug>/`` folder under ``out_root`` holding a brief.json."""
    if not out_root.is_dir():
        return
    for profile in sorted(out_root.iterdir()):
        # "_archive" and dot-folders hold the site's own files, never briefs.
        if not profile.is_dir() or profile.name.startswith(("_", ".")):
            continue
        for folder in sorted(profile.iterdir()):
            if SLUG_PATTERN.fullmatch(folder.name) and (folder / "brief.json").is_file():
                yield folder


def load_entry(folder: Path, *, checked: bool = False) -> ArchiveEntry | None:
    """The brief in ``folder``, or None (with a warning) when its brief.json is unusable.

    ``checked``: the file passed the schema check before and is unchanged since."""
    path = folder / "brief.json"
    if checked:
        try:
            return ArchiveEntry(brief=read_brief_json(path, validate=False), folder=folder)
        except Exception:  # changed after all: the full check below says how
            logger.debug("archive: %s changed since it was checked", path)
    try:
        brief = read_brief_json(path)
    except BriefFormatError as error:
        logger.warning("archive: skipping %s", error)
        return None
    return ArchiveEntry(brief=brief, folder=folder)


def load_archive(out_root: Path, *, checked_file: Path | None = None, remember: bool = False,
                 recheck: bool = False) -> list[ArchiveEntry]:
    """Every readable brief under ``out_root``, newest first.

    Files ``checked_file`` records as checked against the schema and unchanged since
    are not checked again (unless ``recheck``); ``remember`` records this run's
    checked files there for the next (archive updates do; listing only reads)."""
    records = _read_checked(checked_file) if checked_file is not None else {}
    folder_key = str(out_root.resolve())
    known = {} if recheck else records.get(folder_key, {})
    entries: list[ArchiveEntry] = []
    checked: dict[str, list[int]] = {}
    for folder in brief_folders(out_root):
        key = f"{folder.parent.name}/{folder.name}"
        signature = _signature(folder / "brief.json")
        entry = load_entry(folder, checked=signature is not None and known.get(key) == signature)
        if entry is not None:
            entries.append(entry)
            if signature is not None:
                checked[key] = signature
    if remember and checked_file is not None and checked != known:
        records[folder_key] = checked
        try:
            write_atomic(checked_file, json.dumps(records, sort_keys=True))
        except OSError as error:  # the archive still works, only more slowly
            logger.debug("archive: cannot record checked briefs: %s", error)
    return sorted(entries, key=lambda e: (e.sort_key, e.key), reverse=True)


def _signature(path: Path) -> list[int] | None:
    try:
        stat = path.stat()
    except OSError:
        return None
    return [stat.st_mtime_ns, stat.st_size]


def _read_checked(path: Path) -> dict[str, dict[str, list[int]]]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}
