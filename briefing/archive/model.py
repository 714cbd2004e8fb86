"""The archive's view of the briefs under an output folder.

Each brief lives in ``<out>/<profile>/<slug>/`` (``briefing.folders``), and its
brief.json, read through the one codec (``briefing.brief``), is the archive's
source of truth: the pages, feed.xml, the search data scripts and the store's
search table are all derived from it and can be rebuilt.

An ``ArchiveEntry`` is what the listing and the index pages show of a brief --
its title, moment, story count and files -- and where it is; its ``key``
(``"<profile folder>/<slug>"``) is its address in the archive. Entries are kept in
the catalog (``briefing.archive.catalog``), so listing the archive never decodes
a brief.json; the whole ``Brief`` is read only where a page, the feed or the
search index needs its text.

This module stays light (no codec, no store): ``briefing archive list`` imports it.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta, timezone
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from briefing.errors import BriefingError

if TYPE_CHECKING:
    from briefing.brief import Brief

#: The page of a brief in its folder (``briefing.render.page.PAGE_FILE``).
PAGE_FILE = "index.html"


class ArchiveError(BriefingError):
    """A brief asked for is not in the archive, or the request names it ambiguously."""


#: What an entry holds, in this order: how the catalog stores it (a record each).
FIELDS = ("key", "day", "sequence", "profile", "title", "generated_at", "zone", "stories",
          "id", "files")
#: An entry's record: its ``FIELDS`` in order (a list, as JSON gives it back: made
#: for thousands of entries at once, it is used as it comes, never changed).
Record = Sequence[Any]


class ArchiveEntry:
    """A brief in the archive: what a listing shows of it, and where it lives.

    Immutable, and made from its record (``FIELDS``) as the catalog stores it: values
    are read from it when asked for, since a listing makes thousands of entries and
    an update looks at few of their fields.
    """

    __slots__ = ("_moment", "record", "root")

    def __init__(self, root: Path, record: Record) -> None:
        #: The output folder the brief is in.
        self.root = root
        self.record = record
        self._moment: datetime | None = None

    @property
    def key(self) -> str:
        """``"<profile folder>/<slug>"``: unique in one output folder, its address there."""
        return self.record[0]

    @property
    def day(self) -> date:
        """The brief's local date (from its folder's name)."""
        return date.fromisoformat(self.record[1])

    @property
    def month(self) -> str:
        """``"YYYY-MM"`` of ``day``: the search data is split by month."""
        return self.record[1][:7]

    @property
    def sequence(self) -> int:
        """Its place that day (1, 2...), from its folder's name."""
        return self.record[2]

    @property
    def profile(self) -> str:
        """The brief's profile (its folder's name may differ: ``folders.safe_segment``)."""
        return self.record[3]

    @property
    def title(self) -> str:
        return self.record[4]

    @property
    def generated_at(self) -> datetime:
        """When it was made, in the brief's own zone (its ``tzname`` is the zone's
        abbreviation, as the brief has it: "CET")."""
        if self._moment is None:
            moment = datetime.fromisoformat(self.record[5])
            self._moment = moment.replace(tzinfo=_zone(moment.utcoffset(), self.record[6]))
        return self._moment

    @property
    def clock(self) -> str:
        """``"07:00"``: the time of day it was made, in its zone."""
        return self.record[5][11:16]

    @property
    def zone(self) -> str:
        """The zone's name for the moment it was made ("CET", "UTC"; "" when unnamed)."""
        return self.record[6]

    @property
    def story_count(self) -> int:
        return self.record[7]

    @property
    def brief_id(self) -> int | None:
        """The store's id (None for a brief.json written before briefs had ids)."""
        return self.record[8]

    @property
    def files(self) -> frozenset[str]:
        """Which of the brief's files (``briefing.brief.BRIEF_FILES``, and its page) its
        folder holds."""
        return frozenset(self.record[9])

    @property
    def sort_key(self) -> tuple[str, str, int]:
        """Newest last: local date, then the moment it was made, then its place in the day."""
        return (self.record[1], self.record[5], self.record[2])

    @property
    def folder(self) -> Path:
        return self.root / self.key

    @property
    def url_path(self) -> str:
        """``key`` as a relative URL path: a profile named "a#b" must not cut the link."""
        profile, _, slug = self.key.partition("/")
        return f"{quote(profile, safe='')}/{quote(slug, safe='')}"

    @property
    def slug(self) -> str:
        return self.key.partition("/")[2]

    def has_file(self, name: str) -> bool:
        return name in self.record[9]

    def with_files(self, files: frozenset[str]) -> ArchiveEntry:
        """This entry, its folder holding ``files``."""
        return ArchiveEntry(self.root, [*self.record[:9], sorted(files)])

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ArchiveEntry) and self.root == other.root \
            and list(self.record[:10]) == list(other.record[:10])

    def __hash__(self) -> int:
        return hash((self.root, self.key, self.record[5]))

    def __repr__(self) -> str:
        return f"ArchiveEntry({self.key!r}, {self.title!r}, {self.record[5]!r})"


def key_month(key: str) -> str:
    """``"YYYY-MM"`` of the brief a key names (its folder's name starts with its date)."""
    return key.partition("/")[2][:7]


def entry_for(folder: Path, brief: Brief, files: frozenset[str]) -> ArchiveEntry:
    """The entry of ``brief``, read from ``folder`` (a brief's folder: its name matches
    ``briefing.brief.SLUG_PATTERN``), which holds ``files``."""
    from briefing.brief import SLUG_PATTERN

    match = SLUG_PATTERN.fullmatch(folder.name)
    if match is None:
        raise ValueError(f"{folder}: not a brief's folder name")
    moment = named_zone(brief.generated_at)
    record: Record = [
        f"{folder.parent.name}/{folder.name}", match.group(1), int(match.group(2) or 1),
        brief.profile, brief.title, moment.isoformat(), moment.tzname() or "",
        len(brief.stories), brief.id, sorted(files),
    ]
    return ArchiveEntry(folder.parent.parent, record)


def named_zone(moment: datetime) -> datetime:
    """``moment`` with a fixed offset named as its zone names this moment ("CET").

    It prints, sorts and serializes like the brief's own zone for this moment, and
    round-trips through the catalog as an ISO string and a name."""
    return moment.replace(tzinfo=_zone(moment.utcoffset(), moment.tzname() or ""))


@cache
def _zone(offset: timedelta | None, name: str) -> timezone:
    offset = offset or timedelta(0)
    return timezone(offset, name) if name else timezone(offset)
