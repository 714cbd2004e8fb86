"""The catalog: what the archive knows about each brief, without decoding brief.json.

``<out>/_archive/.catalog.json`` holds one small record per brief (an
``ArchiveEntry``: title, moment, story count, files) with the *signature* of the
folder it was read from: brief.json's mtime and size, and the folder's mtime. A
brief is published as a whole folder with one rename and never changed, so an
unchanged signature means an unchanged brief; the record then stands in for the
file, and ``briefing archive list`` (and every archive update) decodes only the
briefs that are new or changed -- checked against the schema once, when they
enter the catalog.

The catalog is a cache of the folders, checked against them whenever it is read
(a directory listing and a ``stat`` or two per brief; no file opened): a brief
added, removed, changed or pruned behind its back, or a catalog deleted, damaged
or of another version, is noticed and mended then. Listing saves what it mended
(when it may write there). The derived files record here what they were made
from (``derived``), so an update redoes exactly what is out of date.

It lives in the output folder because it describes that folder (moved or copied
with it, it stays right, or is mended); the leading dot keeps ``briefing serve``
from handing it out. This module stays light: the codec is imported only when a
brief must be read.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta, timezone, tzinfo
from pathlib import Path
from typing import TYPE_CHECKING, Any

from briefing.archive.model import PAGE_FILE, ArchiveEntry

if TYPE_CHECKING:
    from briefing.brief import Brief

logger = logging.getLogger(__name__)

CATALOG_FILE = Path("_archive") / ".catalog.json"
#: Bumped when the records change shape: a catalog of another version is read afresh.
CATALOG_VERSION = 1


@dataclass
class Catalog:
    """The catalog of one output folder, as loaded (or empty) and as it is being mended."""

    out_root: Path
    #: By key; ``entries()`` gives them in archive order.
    records: dict[str, ArchiveEntry] = field(default_factory=dict)
    #: Each entry's signature (``signature_of``), by key.
    signatures: dict[str, str] = field(default_factory=dict)
    #: brief.json files the codec refused, by key: (signature, why), so an unchanged
    #: one is reported again without being read again.
    refused: dict[str, tuple[str, str]] = field(default_factory=dict)
    #: What each derived file was made from (owned by the code that writes it).
    derived: dict[str, Any] = field(default_factory=dict)
    _sorted: list[ArchiveEntry] | None = field(default=None, repr=False)

    def entries(self) -> list[ArchiveEntry]:
        """Newest first: local date, moment made, place in the day (then key)."""
        if self._sorted is None:
            self._sorted = sorted(self.records.values(), key=_order, reverse=True)
        return list(self._sorted)

    def put(self, entry: ArchiveEntry, signature: str) -> None:
        self.records[entry.key] = entry
        self.signatures[entry.key] = signature
        self._sorted = None

    def forget(self, keys: Iterable[str]) -> None:
        for key in keys:
            self.records.pop(key, None)
            self.signatures.pop(key, None)
        self._sorted = None

    def content_signature(self, key: str) -> str:
        """The part of ``key``'s signature that brief.json alone decides: what is made
        from the brief's text (not from its other files) depends on this only."""
        return _data_part(self.signatures[key])

    def restat(self, entry: ArchiveEntry) -> ArchiveEntry:
        """``entry`` after the archive wrote into its folder (its page): files and signature."""
        signature = signature_of(entry.folder)
        if signature is None:
            return entry
        updated = replace(entry, files=folder_files(entry.folder))
        self.put(updated, signature)
        return updated


@dataclass(frozen=True)
class Reconciled:
    """What checking the catalog against the folders found."""

    #: Briefs read (and checked) in this pass, by key: new or changed ones.
    read: dict[str, Brief]
    #: Keys whose record is new or changed since the catalog was last saved.
    changed: frozenset[str]
    #: Keys the catalog had that are gone (or whose brief.json is now refused).
    removed: frozenset[str]
    #: Whether the record of refused files changed.
    refusals_changed: bool = False

    @property
    def dirty(self) -> bool:
        """Whether the catalog differs from the one loaded (and is worth saving)."""
        return bool(self.changed or self.removed or self.refusals_changed)


def load_catalog(out_root: Path) -> Catalog:
    """The catalog saved in ``out_root``; an empty one when it is missing or unusable."""
    catalog = Catalog(out_root)
    path = out_root / CATALOG_FILE
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return catalog
    except (OSError, UnicodeDecodeError, ValueError) as error:
        logger.info("archive: reading every brief again: %s is unreadable (%s)", path, error)
        return catalog
    if not isinstance(data, dict) or data.get("version") != CATALOG_VERSION:
        return catalog
    try:
        reader = _RecordReader(out_root)
        for record in data["briefs"]:
            entry, signature = reader.entry(record)
            catalog.records[entry.key] = entry
            catalog.signatures[entry.key] = signature
        catalog.refused = {str(key): (str(value[0]), str(value[1]))
                           for key, value in data["refused"].items()}
        catalog.derived = dict(data["derived"])
    except (KeyError, ValueError, TypeError, AttributeError, IndexError) as error:
        logger.info("archive: reading every brief again: %s is damaged (%s)", path, error)
        return Catalog(out_root)
    # Saved newest first; a damaged order would only misorder a listing.
    catalog._sorted = list(catalog.records.values())
    return catalog


def save_catalog(catalog: Catalog) -> None:
    """Write ``catalog`` (atomically) into its output folder."""
    from briefing.fsutil import write_atomic

    data = {
        "version": CATALOG_VERSION,
        "fields": list(_FIELDS),
        "briefs": [_record(entry, catalog.signatures[entry.key]) for entry in catalog.entries()],
        "refused": {key: list(value) for key, value in sorted(catalog.refused.items())},
        "derived": catalog.derived,
    }
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    write_atomic(catalog.out_root / CATALOG_FILE, text + "\n")


def reconcile(catalog: Catalog, *, recheck: bool = False, quick: bool = False) -> Reconciled:
    """Bring ``catalog`` in line with the brief folders under its output folder.

    Briefs with an unchanged signature keep their record; new or changed ones are
    read through the codec (checked against the schema), refused ones reported
    (with a warning naming the file, every time) and left out. ``recheck``: read
    every brief again, as ``archive rebuild`` does. ``quick``: compare brief.json
    only, not its folder (a listing shows nothing of the other files).
    """
    read: dict[str, Brief] = {}
    changed: set[str] = set()
    seen: set[str] = set()
    refusals = dict(catalog.refused)
    present: set[str] = set()
    for key, path, data_signature in _brief_folders(catalog.out_root):
        present.add(key)
        known = None if recheck else catalog.signatures.get(key)
        if known is not None and _data_part(known) == data_signature and (
                quick or _folder_part(known) == _folder_mtime(path)):
            seen.add(key)
            continue
        signature = signature_of(Path(path))
        if signature is None:
            continue  # gone while we looked
        refused = None if recheck else catalog.refused.get(key)
        if refused is not None and refused[0] == signature:
            logger.warning("archive: skipping %s", refused[1])
            continue
        entry = catalog.records.get(key)
        if entry is not None and known is not None and _data_part(known) == data_signature:
            # Only the folder changed (a file added or removed beside brief.json).
            entry = replace(entry, files=folder_files(entry.folder))
        else:
            loaded = _read_entry(catalog, key, Path(path), signature)
            if loaded is None:
                continue
            entry, brief = loaded
            read[key] = brief
        catalog.put(entry, signature)
        catalog.refused.pop(key, None)
        changed.add(key)
        seen.add(key)
    removed = set(catalog.records) - seen
    if removed:
        catalog.forget(removed)
    for key in [key for key in catalog.refused if key not in present]:
        del catalog.refused[key]
    return Reconciled(read=read, changed=frozenset(changed), removed=frozenset(removed),
                      refusals_changed=refusals != catalog.refused)


def list_entries(out_root: Path) -> list[ArchiveEntry]:
    """Every readable brief under ``out_root``, newest first, through the catalog.

    A catalog that had to be mended is saved again when the folder is writable."""
    catalog = load_catalog(out_root)
    found = reconcile(catalog, quick=True)
    if found.dirty and (out_root / CATALOG_FILE).parent.is_dir():
        try:
            save_catalog(catalog)
        except OSError as error:  # a read-only archive still lists, only more slowly
            logger.debug("archive: cannot save the catalog: %s", error)
    return catalog.entries()


def read_brief(entry: ArchiveEntry) -> Brief:
    """The whole brief of ``entry``; ``BriefFormatError`` when it cannot be read.

    The file passed the schema check when it entered the catalog and its signature
    is unchanged since, so the check is skipped -- unless reading it fails after all."""
    from briefing.brief import BriefFormatError, read_brief_json

    path = entry.folder / "brief.json"
    try:
        return read_brief_json(path, validate=False)
    except BriefFormatError:
        raise
    except Exception:  # changed after all: the full check below says how
        logger.debug("archive: %s changed since it was checked", path)
    return read_brief_json(path)


def signature_of(folder: Path) -> str | None:
    """brief.json's mtime and size, and its folder's mtime; None without a brief.json.

    Publishing renames a complete folder into place, so a new brief, a changed
    brief.json and a file added or removed beside it each change the signature."""
    try:
        data = os.stat(os.path.join(folder, "brief.json"))
        place = os.stat(folder)
    except OSError:
        return None
    return f"{data.st_mtime_ns}-{data.st_size}-{place.st_mtime_ns}"


def folder_files(folder: Path) -> frozenset[str]:
    """Which of a brief's files (and its page) ``folder`` holds."""
    from briefing.brief import BRIEF_FILES

    wanted = {*BRIEF_FILES, PAGE_FILE}
    try:
        return frozenset(name for name in os.listdir(folder) if name in wanted)
    except OSError:
        return frozenset()


# -- the file's records ----------------------------------------------------------------

#: A record is a list (thousands of them parse much faster than objects) of these.
_FIELDS = ("key", "day", "sequence", "profile", "title", "generated_at", "zone", "stories",
           "id", "files", "signature")


def _record(entry: ArchiveEntry, signature: str) -> list[Any]:
    return [entry.key, entry.day.isoformat(), entry.sequence, entry.profile, entry.title,
            entry.generated_at.isoformat(), entry.generated_at.tzname() or "",
            entry.story_count, entry.brief_id, sorted(entry.files), signature]


class _RecordReader:
    """Records back to entries, sharing the zones and file sets thousands of them repeat."""

    def __init__(self, out_root: Path) -> None:
        self.out_root = out_root
        self._zones: dict[tuple[timedelta, str], tzinfo] = {}
        self._files: dict[tuple[str, ...], frozenset[str]] = {}

    def entry(self, record: list[Any]) -> tuple[ArchiveEntry, str]:
        key, day, sequence, profile, title, made, zone, stories, brief_id, files, signature \
            = record
        moment = datetime.fromisoformat(made)
        offset = moment.utcoffset()
        if offset is None or not isinstance(key, str) or key.count("/") != 1:
            raise ValueError(f"not a catalog record: {record!r:.80}")
        tz = self._zones.get((offset, zone))
        if tz is None:
            tz = self._zones[(offset, zone)] = timezone(offset, zone) if zone \
                else timezone(offset)
        names = tuple(files)
        file_set = self._files.get(names)
        if file_set is None:
            file_set = self._files[names] = frozenset(str(name) for name in names)
        entry = ArchiveEntry(
            root=self.out_root, key=key, day=date.fromisoformat(day), sequence=int(sequence),
            profile=str(profile), title=str(title), generated_at=moment.replace(tzinfo=tz),
            story_count=int(stories), brief_id=None if brief_id is None else int(brief_id),
            files=file_set,
        )
        return entry, str(signature)


def _order(entry: ArchiveEntry) -> tuple[tuple[str, str, int], str]:
    return entry.sort_key, entry.key


def _data_part(signature: str) -> str:
    return signature.rsplit("-", 1)[0]


def _folder_part(signature: str) -> str:
    return signature.rsplit("-", 1)[1]


def _folder_mtime(path: str) -> str | None:
    try:
        return str(os.stat(path).st_mtime_ns)
    except OSError:
        return None


def _read_entry(
    catalog: Catalog, key: str, folder: Path, signature: str
) -> tuple[ArchiveEntry, Brief] | None:
    from briefing.archive.model import entry_for
    from briefing.brief import SLUG_PATTERN, BriefFormatError, read_brief_json

    if SLUG_PATTERN.fullmatch(folder.name) is None:
        return None  # a folder of the user's own, not a brief's
    try:
        brief = read_brief_json(folder / "brief.json")
    except BriefFormatError as error:
        logger.warning("archive: skipping %s", error)
        catalog.refused[key] = (signature, str(error))
        return None
    return entry_for(folder, brief, folder_files(folder)), brief


def _brief_folders(out_root: Path) -> list[tuple[str, str, str]]:
    """(key, folder path, brief.json's mtime and size) of every ``<profile>/<name>/``
    holding a brief.json (strings: thousands of Path objects cost a listing dearly)."""
    found: list[tuple[str, str, str]] = []
    try:
        profiles = sorted(os.scandir(out_root), key=lambda e: e.name)
    except OSError:
        return found
    for profile in profiles:
        # "_archive" and dot-folders hold the site's own files, never briefs.
        if profile.name.startswith(("_", ".")) or not profile.is_dir():
            continue
        try:
            names = sorted(os.listdir(profile.path))
        except OSError:
            continue
        for name in names:
            # Dot-names are temporary folders of builds under way (briefing.folders).
            if name.startswith("."):
                continue
            path = os.path.join(profile.path, name)
            try:
                data = os.stat(os.path.join(path, "brief.json"))
            except OSError:
                continue
            found.append((f"{profile.name}/{name}", path, f"{data.st_mtime_ns}-{data.st_size}"))
    return found
