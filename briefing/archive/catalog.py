"""The catalog: what the archive knows about each brief, without decoding brief.json.

The catalog of an output folder holds one small record per brief (an
``ArchiveEntry``: title, moment, story count, files) with the *signature* of the
folder it was read from: brief.json's mtime and size, and the folder's mtime. A
brief is published as a whole folder with one rename and never changed, so the
record stands in for the file: ``briefing archive list`` and every archive update
decode only the briefs that are new or changed -- checked against the schema
once, when they enter the catalog.

The catalog is a cache of the folders, checked against them whenever it is read,
cheaply: a profile folder's mtime moves when a brief folder appears in it or
leaves it (publishing is a rename), so only such a folder is listed again, and
only the names new in it are looked at. A brief added, removed or pruned behind
the catalog's back, or a catalog deleted, damaged or of another version, is
noticed and mended then; listing saves what it mended (when it may write there).
An mtime too recent to tell a later change from this one is not relied on (the
next read lists the folder again). An archive update also ``stat``s each
brief.json, so one edited in place (which a published brief never is) or whose
folder was made again is read again; files added or removed beside a published
brief.json are noticed by ``archive rebuild``.

It also names, for each derived thing (the store's search index, the site), the
briefs that changed since it was last made (``stale``), so an update redoes
exactly what is out of date, and keeps their small state (``derived``).

It is this installation's state, not part of what it publishes (it holds mtimes,
and two installations publishing the same briefs must publish the same files), so
it is kept beside an SQLite store, one file per output folder; an installation
whose store is a PostgreSQL database keeps it in the output folder as a dot-file,
which ``briefing serve`` never hands out. This module stays light: the codec is
imported only when a brief is read.
"""

from __future__ import annotations

import json
import logging
import os
import time
import zlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from briefing.archive.model import FIELDS, PAGE_FILE, ArchiveEntry
from briefing.config import is_store_url

if TYPE_CHECKING:
    from briefing.brief import Brief

logger = logging.getLogger(__name__)

#: The catalog of an archive whose store is a PostgreSQL database (no folder of the
#: installation's own to keep it in): in the output folder, a dot-file never served.
CATALOG_FILE = Path("_archive") / ".catalog.json"
#: Bumped when the records change shape: a catalog of another version is read afresh.
CATALOG_VERSION = 1
#: What is derived from the briefs and kept in step by archive updates: the store's
#: search index, and the site (search data, feed, index pages). ``Catalog.stale``
#: names, for each, the briefs changed since it was last made.
DERIVED = ("index", "site")
#: A folder's mtime is relied on only once it is older than the listing that saw it
#: by more than the file system's clock tick: a change in the same tick would leave
#: the same mtime. Coarse file systems (whole seconds) get two seconds.
SETTLED_NS = 2_000_000_000
FINE_TICK_NS = 50_000_000
#: Beside an SQLite store, from earlier versions: the brief.json files they checked
#: against the schema, per output folder, as key -> [mtime_ns, size]. Read when a
#: catalog is made for the first time, so an upgrade does not check them all again.
LEGACY_CHECKED = "archive-checked.json"


def catalog_location(out_root: Path, store: Path | str) -> Path:
    """Where the catalog of ``out_root`` is kept: beside an SQLite store (one file per
    output folder), else in the output folder (``CATALOG_FILE``)."""
    if is_store_url(store):
        return out_root / CATALOG_FILE
    name = str(out_root.resolve())
    return Path(store).parent / f"archive-catalog-{zlib.crc32(name.encode('utf-8')):08x}.json"


@dataclass
class Catalog:
    """The catalog of one output folder, as loaded (or empty) and as it is being mended."""

    out_root: Path
    #: The file it is kept in (``catalog_location``).
    location: Path
    #: By key; ``entries()`` gives them in archive order.
    records: dict[str, ArchiveEntry] = field(default_factory=dict)
    #: Each entry's signature (``signature_of``), by key.
    signatures: dict[str, str] = field(default_factory=dict)
    #: brief.json files the codec refused, by key: (signature, why), so an unchanged
    #: one is reported again without being read again.
    refused: dict[str, tuple[str, str]] = field(default_factory=dict)
    #: Each profile folder's mtime when it was last listed (if settled by then).
    folders: dict[str, int] = field(default_factory=dict)
    #: For each of ``DERIVED``, the keys of the briefs new, changed or gone since it
    #: was last made: what an update has to redo there.
    stale: dict[str, set[str]] = field(default_factory=lambda: {name: set() for name in DERIVED})
    _sorted: list[ArchiveEntry] | None = field(default=None, repr=False)
    _derived: dict[str, Any] | None = field(default=None, repr=False)
    _derived_text: str = field(default="{}", repr=False)
    #: brief.json files checked before this catalog existed (``LEGACY_CHECKED``): key ->
    #: their mtime and size as a signature has them.
    checked: dict[str, str] = field(default_factory=dict, repr=False)

    @property
    def derived(self) -> dict[str, Any]:
        """What the derived things keep between updates (their state, owned by the code
        that makes them: ``briefing.archive.sync``)."""
        if self._derived is None:
            try:
                data = json.loads(self._derived_text)
            except ValueError:
                data = None
            self._derived = data if isinstance(data, dict) else {}
        return self._derived

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
        """Briefs ``keys`` are gone (removed, pruned): so must be all derived from them."""
        keys = set(keys)
        for key in keys:
            self.records.pop(key, None)
            self.signatures.pop(key, None)
        self._sorted = None
        self.mark_stale(keys)

    def content_signature(self, key: str) -> str:
        """The part of ``key``'s signature that brief.json alone decides: what is made
        from the brief's text (not from its other files) depends on this only."""
        return _data_part(self.signatures[key])

    def mark_stale(self, keys: Iterable[str]) -> None:
        """Briefs ``keys`` changed (or came, or went): everything derived must follow."""
        keys = set(keys)
        for name in DERIVED:
            self.stale.setdefault(name, set()).update(keys)

    def restat(self, entry: ArchiveEntry) -> ArchiveEntry:
        """``entry`` after the archive wrote into its folder (its page): files and signature."""
        signature = signature_of(entry.folder)
        if signature is None:
            return entry
        updated = entry.with_files(folder_files(entry.folder))
        self.put(updated, signature)
        self.mark_stale([entry.key])
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


def load_catalog(out_root: Path, location: Path) -> Catalog:
    """The catalog saved in ``out_root``; an empty one when it is missing or unusable.

    The file is three lines of JSON: a header, the records, and what the derived
    files were made from -- parsed only when asked for (a listing never does). The
    header carries a checksum of the records line, so records read back are the
    ones written, and need no checking one by one."""
    catalog = Catalog(out_root, location)
    path = location
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return _first_catalog(catalog)
    except (OSError, UnicodeDecodeError) as error:
        logger.info("archive: reading every brief again: %s is unreadable (%s)", path, error)
        return catalog
    try:
        head, records, derived = text.split("\n", 2)
        header = json.loads(head)
        if not isinstance(header, dict) or header.get("version") != CATALOG_VERSION \
                or header.get("out") != str(out_root.resolve()):
            return catalog  # another version's, or another output folder's
        if header["briefs"] != _digest(records):
            raise ValueError("its records are not the ones written")
        for stored in json.loads(records):  # the entry's fields, then its signature
            catalog.records[stored[0]] = ArchiveEntry(out_root, stored)
            catalog.signatures[stored[0]] = stored[10]
        catalog.refused = {str(key): (str(value[0]), str(value[1]))
                           for key, value in header["refused"].items()}
        catalog.folders = {str(name): int(mtime) for name, mtime in header["folders"].items()}
        catalog.stale = {name: {str(key) for key in header["stale"][name]} for name in DERIVED}
    except (KeyError, ValueError, TypeError, AttributeError, IndexError) as error:
        logger.info("archive: reading every brief again: %s is damaged (%s)", path, error)
        return Catalog(out_root, location)
    catalog._derived_text = derived
    # Saved newest first.
    catalog._sorted = list(catalog.records.values())
    return catalog


def _first_catalog(catalog: Catalog) -> Catalog:
    """``catalog``, made for the first time: with what earlier versions recorded as
    checked, beside an SQLite store (``LEGACY_CHECKED``)."""
    if catalog.location.parent == catalog.out_root / CATALOG_FILE.parent:
        return catalog  # a PostgreSQL store's: no such record
    try:
        data = json.loads((catalog.location.parent / LEGACY_CHECKED).read_text("utf-8"))
        mine = data.get(str(catalog.out_root.resolve()), {})
        catalog.checked = {str(key): f"{int(value[0])}-{int(value[1])}"
                           for key, value in mine.items()}
    except (OSError, UnicodeDecodeError, ValueError, TypeError, AttributeError, IndexError):
        catalog.checked = {}
    return catalog


def save_catalog(catalog: Catalog) -> None:
    """Write ``catalog`` (atomically) into its output folder."""
    from briefing.fsutil import write_atomic

    records = _json([[*entry.record[:len(FIELDS)], catalog.signatures[entry.key]]
                     for entry in catalog.entries()])
    header = {
        "version": CATALOG_VERSION,
        "out": str(catalog.out_root.resolve()),
        "fields": [*FIELDS, "signature"],
        "briefs": _digest(records),
        "refused": {key: list(value) for key, value in sorted(catalog.refused.items())},
        "folders": dict(sorted(catalog.folders.items())),
        "stale": {name: sorted(catalog.stale.get(name, ())) for name in DERIVED},
    }
    derived = _json(catalog.derived) if catalog._derived is not None \
        else catalog._derived_text.rstrip("\n")
    write_atomic(catalog.location, f"{_json(header)}\n{records}\n{derived}\n")


def _json(data: Any) -> str:
    # One line each (no newline survives json.dumps in a string: it is escaped).
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))


def _digest(text: str) -> str:
    # A check against damage (a truncated or hand-edited file), which is all it is for:
    # CRC-32 costs a listing nothing, where loading hashlib would.
    return f"{zlib.crc32(text.encode('utf-8')):08x}"


def reconcile(
    catalog: Catalog,
    *,
    recheck: bool = False,
    check_files: bool = False,
    written: Mapping[Path, Brief] | None = None,
) -> Reconciled:
    """Bring ``catalog`` in line with the brief folders under its output folder.

    Briefs the catalog knows keep their record; new ones (in profile folders whose
    mtime moved) are read through the codec (checked against the schema), refused
    ones reported (a warning naming the file, every time) and left out.
    ``check_files``: also ``stat`` each known brief.json, so one edited in place (or
    whose folder was made again) is read again -- an update does; a listing goes by
    the folders. ``recheck``: read every brief again, as ``archive rebuild`` does.
    ``written``: briefs this process has just published, by folder, taken as they
    are instead of read back from the brief.json written from them.
    """
    look = _Look(catalog, recheck, written or {})
    known: dict[str, list[str]] = {}
    for key in catalog.records:
        known.setdefault(key.partition("/")[0], []).append(key)
    now = time.time_ns()
    folders: dict[str, int] = {}
    for profile, path, mtime in _profile_folders(catalog.out_root):
        if _settled(mtime, now):
            folders[profile] = mtime
        if not recheck and catalog.folders.get(profile) == mtime:
            # Nothing came or went in there: its briefs are the ones known.
            look.present.update(k for k in catalog.refused if k.partition("/")[0] == profile)
            names = [key.partition("/")[2] for key in known.get(profile, ())]
        else:
            names = _child_names(path)
        for name in names:
            key = f"{profile}/{name}"
            before = None if recheck else catalog.signatures.get(key)
            if before is None:
                look.examine(key, Path(path) / name)
            elif not check_files or _data_signature(os.path.join(path, name)) \
                    == _data_part(before):
                look.seen.add(key)
            else:  # brief.json changed: edited, or its folder made again
                look.examine(key, Path(path) / name)
    return look.done(folders)


def _settled(mtime: int, now: int) -> bool:
    """Whether a later change to the folder would surely give it another mtime: its
    mtime is older than the file system's clock tick (a whole second where mtimes
    fall on whole seconds, as on coarse file systems)."""
    tick = SETTLED_NS if mtime % 1_000_000_000 == 0 else FINE_TICK_NS
    return now - mtime > tick


class _Look:
    """One pass of ``reconcile``: the briefs looked at, read, changed and refused."""

    def __init__(self, catalog: Catalog, recheck: bool, written: Mapping[Path, Brief]) -> None:
        self.catalog = catalog
        self.recheck = recheck
        self.written = written
        self.read: dict[str, Brief] = {}
        self.changed: set[str] = set()
        self.seen: set[str] = set()
        #: Keys looked at: a refusal of any other is forgotten (its file is gone).
        self.present: set[str] = set()
        self.refusals = dict(catalog.refused)

    def examine(self, key: str, folder: Path) -> None:
        """A folder that is new, or changed since the catalog saw it."""
        catalog = self.catalog
        signature = signature_of(folder)
        if signature is None:
            return  # not a brief's folder, or gone while we looked
        self.present.add(key)
        refused = None if self.recheck else catalog.refused.get(key)
        if refused is not None and refused[0] == signature:
            return
        entry = catalog.records.get(key)
        before = catalog.signatures.get(key)
        if entry is not None and before is not None and not self.recheck \
                and _data_part(before) == _data_part(signature):
            # Only the folder changed (a file added or removed beside brief.json).
            entry = entry.with_files(folder_files(folder))
        else:
            loaded = _read_entry(catalog, key, folder, signature, self.written.get(folder))
            if loaded is None:
                return
            entry, self.read[key] = loaded
        catalog.put(entry, signature)
        catalog.refused.pop(key, None)
        self.changed.add(key)
        self.seen.add(key)

    def done(self, folders: dict[str, int]) -> Reconciled:
        catalog = self.catalog
        removed = set(catalog.records) - self.seen
        if removed:
            catalog.forget(removed)
        for key in [key for key in catalog.refused if key not in self.present]:
            del catalog.refused[key]
        for key in sorted(catalog.refused):  # refused before: said again, not read again
            if self.refusals.get(key) == catalog.refused[key]:
                logger.warning("archive: skipping %s", catalog.refused[key][1])
        folders_changed = folders != catalog.folders
        catalog.folders = folders
        catalog.mark_stale(self.changed)
        return Reconciled(
            read=self.read, changed=frozenset(self.changed), removed=frozenset(removed),
            refusals_changed=self.refusals != catalog.refused or folders_changed,
        )


def list_entries(out_root: Path, location: Path) -> list[ArchiveEntry]:
    """Every readable brief under ``out_root``, newest first, through its catalog
    (kept in ``location``). A catalog that had to be mended is saved again, when it
    may be written there."""
    catalog = load_catalog(out_root, location)
    found = reconcile(catalog)
    if found.dirty and (catalog.records or location.is_file()):
        try:
            save_catalog(catalog)
        except OSError as error:  # a read-only archive still lists, only more slowly
            logger.debug("archive: cannot save the catalog: %s", error)
    return catalog.entries()


def read_brief(entry: ArchiveEntry) -> Brief:
    """The whole brief of ``entry``, checked against the schema again (it may have been
    edited since the catalog read it); ``BriefFormatError`` when it is unusable."""
    from briefing.brief import read_brief_json

    return read_brief_json(entry.folder / "brief.json")


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


def _order(entry: ArchiveEntry) -> tuple[tuple[str, str, int], str]:
    return entry.sort_key, entry.key


def _data_part(signature: str) -> str:
    return signature.rsplit("-", 1)[0]


def _data_signature(folder: str) -> str | None:
    """brief.json's part of a folder's signature (``_data_part``)."""
    try:
        data = os.stat(os.path.join(folder, "brief.json"))
    except OSError:
        return None
    return f"{data.st_mtime_ns}-{data.st_size}"


def _read_entry(
    catalog: Catalog, key: str, folder: Path, signature: str, written: Brief | None
) -> tuple[ArchiveEntry, Brief] | None:
    from briefing.archive.model import entry_for
    from briefing.brief import SLUG_PATTERN, BriefFormatError, read_brief_json

    if SLUG_PATTERN.fullmatch(folder.name) is None:
        return None  # a folder of the user's own, not a brief's
    if written is not None:  # its brief.json was written from it, moments ago
        return entry_for(folder, written, folder_files(folder)), written
    path = folder / "brief.json"
    try:
        brief = None
        if catalog.checked.get(key) == _data_part(signature):
            try:  # checked by an earlier version, unchanged since
                brief = read_brief_json(path, validate=False)
            except Exception:  # changed after all: the check below says how
                logger.debug("archive: %s changed since it was checked", path)
        if brief is None:
            brief = read_brief_json(path)
    except BriefFormatError as error:
        logger.warning("archive: skipping %s", error)
        catalog.refused[key] = (signature, str(error))
        return None
    return entry_for(folder, brief, folder_files(folder)), brief


def _profile_folders(out_root: Path) -> list[tuple[str, str, int]]:
    """(name, path, mtime) of each profile folder (strings: thousands of Path objects
    would cost a listing dearly)."""
    try:
        entries = sorted(os.scandir(out_root), key=lambda e: e.name)
    except OSError:
        return []
    found = []
    for entry in entries:
        # "_archive" and dot-folders hold the site's own files, never briefs.
        if entry.name.startswith(("_", ".")):
            continue
        try:
            if entry.is_dir():
                found.append((entry.name, entry.path, entry.stat().st_mtime_ns))
        except OSError:
            continue
    return found


def _child_names(path: str) -> list[str]:
    """The folders' names in a profile folder but the temporary ones' (dot-names,
    ``briefing.folders``); files among them have no brief.json, and are passed over."""
    try:
        return sorted(name for name in os.listdir(path) if not name.startswith("."))
    except OSError:
        return []
