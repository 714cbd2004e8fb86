"""Finding briefs in the archive: ``list_briefs`` and ``find_brief``.

Light on purpose (``briefing archive list`` imports it): entries come from the
catalog, and the codec or the store load only when a brief must be read or a
brief id looked up.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

from briefing.archive.catalog import catalog_location, list_entries
from briefing.archive.model import ArchiveEntry, ArchiveError
from briefing.config import Config

#: "PROFILE/SLUG": one folder name, then a brief's folder (no "..", no deeper path).
_KEY_PATTERN = re.compile(r"([^/\\.][^/\\]*)/(\d{4}-\d{2}-\d{2}(?:-\d+)?)")


def list_briefs(
    config: Config,
    out_root: Path | None = None,
    *,
    profile: str | None = None,
    since: date | None = None,
) -> list[ArchiveEntry]:
    """The archive's briefs, newest first, optionally of one profile and from a date on."""
    root = out_root or config.paths.out
    entries = list_entries(root, catalog_location(root, config.paths.store))
    return [
        e for e in entries
        if (profile is None or e.profile == profile) and (since is None or e.day >= since)
    ]


def find_brief(
    config: Config, ref: str, out_root: Path | None = None, *, profile: str | None = None
) -> ArchiveEntry:
    """The brief ``ref`` names: a store brief id, ``PROFILE/SLUG``, or a slug or date
    (``2026-12-01``, ``2026-12-01-2``) with ``profile`` to choose among profiles."""
    from briefing.brief import SLUG_PATTERN

    root = out_root or config.paths.out
    ref = ref.strip()
    folder: Path | None
    if ref.isdigit():
        from briefing.storage import open_storage

        with open_storage(config.paths.store) as store:
            record = store.briefs.record(int(ref))
        folder = record.folder if record is not None and record.state == "published" else None
    elif _KEY_PATTERN.fullmatch(ref):
        folder = root / ref
    elif SLUG_PATTERN.fullmatch(ref):
        entries = list_briefs(config, root, profile=profile)
        matches = [e for e in entries if e.slug == ref]
        if not matches and "-" not in ref[10:]:  # a date: every brief of that day
            matches = [e for e in entries if e.day.isoformat() == ref]
        if len(matches) > 1:
            keys = ", ".join(e.key for e in matches)
            raise ArchiveError(f"{ref}: several briefs ({keys}); add --profile, or name "
                               "one as PROFILE/SLUG or by its id")
        if matches:
            return matches[0]
        folder = None
    else:
        raise ArchiveError(
            f"{ref!r}: expected a brief id, PROFILE/YYYY-MM-DD[-N] or YYYY-MM-DD[-N]"
        )
    entry = _entry_in(folder) if folder is not None else None
    if entry is None:
        raise ArchiveError(f"{ref}: no such brief in {root}")
    return entry


def _entry_in(folder: Path) -> ArchiveEntry | None:
    """The entry of the brief in ``folder`` (read and checked), or None."""
    import logging

    from briefing.archive.catalog import folder_files
    from briefing.archive.model import entry_for
    from briefing.brief import SLUG_PATTERN, BriefFormatError, read_brief_json

    if SLUG_PATTERN.fullmatch(folder.name) is None or not (folder / "brief.json").is_file():
        return None
    try:
        brief = read_brief_json(folder / "brief.json")
    except BriefFormatError as error:
        logging.getLogger(__name__).warning("archive: skipping %s", error)
        return None
    return entry_for(folder, brief, folder_files(folder))
