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

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import quote

from briefing.errors import BriefingError

if TYPE_CHECKING:
    from briefing.brief import Brief

#: The page of a brief in its folder (``briefing.render.page.PAGE_FILE``).
PAGE_FILE = "index.html"


class ArchiveError(BriefingError):
    """A brief asked for is not in the archive, or the request names it ambiguously."""


@dataclass(frozen=True, slots=True)
class ArchiveEntry:
    """A brief in the archive: what a listing shows of it, and where it lives."""

    #: The output folder the brief is in.
    root: Path
    #: ``"<profile folder>/<slug>"``: unique in one output folder, its address there.
    key: str
    #: The brief's local date and its place that day (1, 2...), from its folder's name.
    day: date
    sequence: int
    #: The brief's profile (its folder's name may differ: ``folders.safe_segment``).
    profile: str
    title: str
    #: When it was made, in the brief's own zone (its ``tzname`` is the zone's
    #: abbreviation, as the brief has it: "CET").
    generated_at: datetime
    story_count: int
    #: The store's id (None for a brief.json written before briefs had ids).
    brief_id: int | None
    #: Which of the brief's files (``briefing.brief.BRIEF_FILES``, and its page) its
    #: folder holds.
    files: frozenset[str]
    #: Newest last: local date, then the moment it was made, then its place in the day.
    sort_key: tuple[str, str, int] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        # Made once: sorting thousands of entries is what listing does.
        object.__setattr__(self, "sort_key", (self.day.isoformat(),
                                              self.generated_at.isoformat(), self.sequence))

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

    @property
    def month(self) -> str:
        """``"YYYY-MM"`` of ``day``: the search data is split by month."""
        return self.day.isoformat()[:7]

    def has_file(self, name: str) -> bool:
        return name in self.files


def entry_for(folder: Path, brief: Brief, files: frozenset[str]) -> ArchiveEntry:
    """The entry of ``brief``, read from ``folder`` (a brief's folder: its name matches
    ``briefing.brief.SLUG_PATTERN``), which holds ``files``."""
    from briefing.brief import SLUG_PATTERN

    match = SLUG_PATTERN.fullmatch(folder.name)
    if match is None:
        raise ValueError(f"{folder}: not a brief's folder name")
    return ArchiveEntry(
        root=folder.parent.parent, key=f"{folder.parent.name}/{folder.name}",
        day=date.fromisoformat(match.group(1)), sequence=int(match.group(2) or 1),
        profile=brief.profile, title=brief.title, generated_at=named_zone(brief.generated_at),
        story_count=len(brief.stories), brief_id=brief.id, files=files,
    )


def named_zone(moment: datetime) -> datetime:
    """``moment`` with a fixed offset named as its zone names this moment ("CET").

    It prints, sorts and serializes like the brief's own zone for this moment, and
    round-trips through the catalog as an ISO string and a name."""
    offset = moment.utcoffset() or timedelta(0)
    name = moment.tzname()
    return moment.replace(tzinfo=timezone(offset, name) if name else timezone(offset))
