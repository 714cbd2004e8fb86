"""The archive's view of one brief, read defensively from its brief.json.

brief.json grows optional fields over time (and other programs may write it),
so only the fields the archive needs are read, each checked for its type; a
missing or odd field degrades to an empty value instead of failing the whole
archive. The folder layout (``<out>/<profile>/<YYYY-MM-DD>/``) is the
archive's identity for a brief: ``key`` is ``"<profile>/<YYYY-MM-DD>"``.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

from briefing.errors import BriefingError

logger = logging.getLogger(__name__)

DAY_PATTERN = re.compile(r"\d{4}-\d{2}-\d{2}")
BRIEF_FILES = ("brief.pdf", "brief.html", "brief.txt", "brief.json")


class ArchiveError(BriefingError):
    """A brief asked for is not in the archive, or the request names it ambiguously."""


@dataclass(frozen=True, slots=True)
class ArchivedSource:
    number: int
    title: str
    outlet: str
    url: str | None


@dataclass(frozen=True, slots=True)
class ArchivedBullet:
    text: str
    sources: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class ArchivedStory:
    headline: str
    bullets: tuple[ArchivedBullet, ...]
    sources: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class ArchivedBrief:
    profile: str
    day: date
    folder: Path
    title: str
    generated_at: datetime | None
    coverage: str
    stories: tuple[ArchivedStory, ...]
    sources: tuple[ArchivedSource, ...]

    @property
    def key(self) -> str:
        return f"{self.profile}/{self.day.isoformat()}"

    @property
    def url_path(self) -> str:
        """``key`` as a relative URL path: a profile named "a#b" must not cut the link."""
        return f"{quote(self.profile, safe='')}/{self.day.isoformat()}"

    @property
    def story_count(self) -> int:
        return len(self.stories)

    @property
    def sort_key(self) -> tuple[str, str]:
        moment = self.generated_at.isoformat() if self.generated_at else ""
        return (self.day.isoformat(), moment)

    def source(self, number: int) -> ArchivedSource | None:
        return next((s for s in self.sources if s.number == number), None)

    def has_file(self, name: str) -> bool:
        return (self.folder / name).is_file()


def brief_folders(out_root: Path) -> Iterator[Path]:
    """Every ``<profile>/<YYYY-MM-DD>/`` folder under ``out_root`` holding a brief.json."""
    if not out_root.is_dir():
        return
    for profile in sorted(out_root.iterdir()):
        # "_archive" and dot-folders hold the site's own files, never briefs.
        if not profile.is_dir() or profile.name.startswith(("_", ".")):
            continue
        for day in sorted(profile.iterdir()):
            if DAY_PATTERN.fullmatch(day.name) and (day / "brief.json").is_file():
                yield day


def load_brief(folder: Path) -> ArchivedBrief | None:
    """The brief in ``folder``, or None (with a warning) when its brief.json is unusable."""
    path = folder / "brief.json"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        day = date.fromisoformat(folder.name)
    except (OSError, UnicodeDecodeError, ValueError) as error:
        logger.warning("archive: skipping %s: %s", path, error)
        return None
    if not isinstance(data, dict):
        logger.warning("archive: skipping %s: not a JSON object", path)
        return None
    return ArchivedBrief(
        profile=folder.parent.name,
        day=day,
        folder=folder,
        title=_text(data.get("title")) or "Brief",
        generated_at=_moment(data.get("generated_at")),
        coverage=_text(data.get("coverage")),
        stories=tuple(_story(s) for s in _list(data.get("stories")) if isinstance(s, dict)),
        sources=tuple(
            source for s in _list(data.get("sources")) if (source := _source(s)) is not None
        ),
    )


def load_archive(out_root: Path) -> list[ArchivedBrief]:
    """Every readable brief under ``out_root``, newest first."""
    briefs = [b for folder in brief_folders(out_root) if (b := load_brief(folder)) is not None]
    return sorted(briefs, key=lambda b: (b.sort_key, b.profile), reverse=True)


def _story(raw: dict[str, Any]) -> ArchivedStory:
    bullets = tuple(
        ArchivedBullet(text=_text(b.get("text")), sources=_numbers(b.get("sources")))
        for b in _list(raw.get("bullets"))
        if isinstance(b, dict) and _text(b.get("text"))
    )
    return ArchivedStory(
        headline=_text(raw.get("headline")), bullets=bullets, sources=_numbers(raw.get("sources"))
    )


def _source(raw: Any) -> ArchivedSource | None:
    if not isinstance(raw, dict) or not _is_int(raw.get("id")):
        return None
    url = raw.get("url")
    return ArchivedSource(
        number=int(raw["id"]),
        title=_text(raw.get("title")),
        outlet=_text(raw.get("outlet")),
        url=url if isinstance(url, str) else None,
    )


def _text(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _numbers(value: Any) -> tuple[int, ...]:
    return tuple(n for n in _list(value) if _is_int(n))


def _moment(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        # "Z" is accepted by fromisoformat only from Python 3.11 on; we require 3.11.
        return datetime.fromisoformat(value)
    except ValueError:
        return None
