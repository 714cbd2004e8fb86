"""The brief: one model, one codec.

A ``Brief`` is what render, deliver and archive all work from. Once the store
has recorded it (``id`` and ``slug`` set) it is an immutable artifact: its folder
``<out>/<profile>/<slug>/`` holds brief.json, brief.html, brief.txt, brief.pdf
(and the archive's page), written once as a set and never changed.

brief.json is this model through ``brief_to_dict`` / ``brief_from_dict``, checked
against ``briefing/schemas/brief.schema.json`` in both directions. A hand-edited or
foreign brief.json is refused with the place where it breaks. Briefs this code
writes are checked when ``BRIEFING_CHECK_WRITES`` is set, as the test suite sets it
for every brief it builds: a field renamed here fails the tests instead of silently
changing the published format, and a production build does not pay a quarter of a
second to import jsonschema for a document its typed codec has already shaped.
"""

from __future__ import annotations

import json
import os
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone, tzinfo
from enum import StrEnum
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from briefing.errors import BriefingError, RenderError
from briefing.fsutil import write_atomic
from briefing.resources import SCHEMA_PATH

if TYPE_CHECKING:
    from jsonschema import Draft202012Validator

__all__ = [
    "BRIEF_FILES",
    "SCHEMA_VERSION",
    "AlsoNoted",
    "Brief",
    "BriefBullet",
    "BriefFormatError",
    "BriefStory",
    "BulletOrigin",
    "DroppedBullet",
    "PreviousBrief",
    "SourceRef",
    "brief_from_dict",
    "brief_to_dict",
    "check_written_brief",
    "read_brief_json",
    "slug_for",
    "write_brief_json",
]

SCHEMA_VERSION = 2
#: Set (to anything but "" or "0") to check every brief.json written against the schema.
CHECK_WRITES_ENV = "BRIEFING_CHECK_WRITES"
#: A brief's folder name: its local date, then "-2", "-3"... for later briefs that day.
SLUG_PATTERN = re.compile(r"(\d{4}-\d{2}-\d{2})(?:-([2-9]|[1-9]\d+))?")


class BriefFormatError(BriefingError):
    """A brief.json (or a stored brief) does not match the brief schema."""


#: The files of one published brief, in its own folder (rendered together, archived,
#: pruned and served together).
BRIEF_FILES = ("brief.pdf", "brief.html", "brief.txt", "brief.md", "brief.json")

#: The mark after a bullet a model wrote (explained by ``Brief.marks_legend``).
MODEL_MARK = "\u25c6"  # ◆, in the PDF's DejaVu fonts and every mail client's


class BulletOrigin(StrEnum):
    """Which engine wrote a bullet; ``EXTRACTIVE_FALLBACK`` marks a story the LLM failed."""

    EXTRACTIVE = "extractive"
    LLM = "llm"
    EXTRACTIVE_FALLBACK = "extractive-fallback"


@dataclass(frozen=True, slots=True)
class DroppedBullet:
    """A model bullet that failed validation or grounding, kept for the record only."""

    story_id: str
    reason: str


@dataclass(frozen=True, slots=True)
class PreviousBrief:
    """An earlier brief that covered a story (the one a "Developing stories" entry links to)."""

    brief_id: int
    #: The earlier brief's local date, as readers see it: "2026-11-22".
    date: str
    #: Its folder name under the same profile ("2026-11-22", "2026-11-22-2"), or None
    #: when it is not known (a brief recorded before folders had their own names).
    slug: str | None = None

    @property
    def href(self) -> str | None:
        """The earlier brief's HTML, relative to this brief's folder (same profile)."""
        return f"../{self.slug}/brief.html" if self.slug and SLUG_PATTERN.fullmatch(self.slug) \
            else None


@dataclass(frozen=True, slots=True)
class AlsoNoted:
    """A story over the brief's cap, listed as one line: headline, outlets, article count."""

    story_id: str
    headline: str
    outlets: tuple[str, ...]
    article_count: int
    url: str | None = None  # http(s) link to its first article, when it has one

    @property
    def line(self) -> str:
        articles = f"{self.article_count} article{'s' if self.article_count != 1 else ''}"
        outlets = ", ".join(o for o in self.outlets if o) or "outlet unknown"
        return f"{self.headline} ({outlets}; {articles})"


@dataclass(frozen=True, slots=True)
class SourceRef:
    """An article as cited in a brief. ``number`` is what readers see: [1], [2], ...

    Only what a reader may see: an article read from a local file has its title
    and outlet here, never its path (which stays in the store for the operator).
    """

    number: int
    article_id: int
    title: str
    outlet: str  # "" when unknown
    url: str | None  # only http(s) URLs ever reach here
    published: datetime | None = None


@dataclass(frozen=True, slots=True)
class BriefBullet:
    text: str
    sources: tuple[int, ...]  # SourceRef.number values
    origin: BulletOrigin = BulletOrigin.EXTRACTIVE
    verified: bool = True


@dataclass(frozen=True, slots=True)
class BriefStory:
    id: str
    headline: str
    bullets: tuple[BriefBullet, ...]
    outlets: tuple[str, ...]
    sources: tuple[int, ...]  # every SourceRef.number covering this story
    notes: tuple[str, ...] = ()
    #: Time span of the whole story (earlier coverage included): first and last article.
    first_seen: datetime | None = None
    last_seen: datetime | None = None
    #: An update of a story an earlier brief covered: bullets are about what is new.
    is_update: bool = False
    previous_brief: PreviousBrief | None = None
    score: float = 0.0


@dataclass(frozen=True, slots=True)
class Brief:
    """A finished brief. Everything a renderer, a sender or the archive needs is here.

    ``generated_at`` is in the profile's local time zone: every date a reader sees
    (title block, footer, Subject, file names, archive, feed) comes from it.
    """

    title: str
    profile: str
    generated_at: datetime
    language: str
    author: str
    engine: str  # "extractive" or "llm:<model>"
    stories: tuple[BriefStory, ...]
    sources: tuple[SourceRef, ...]
    #: Notes for readers, shown under the coverage line (e.g. sources that failed).
    notes: tuple[str, ...] = ()
    #: Two or three lines summing up the whole brief, each citing its sources (may be empty).
    top_lines: tuple[BriefBullet, ...] = ()
    prompt_versions: dict[str, str] = field(default_factory=dict)
    dropped: tuple[DroppedBullet, ...] = ()
    #: Stories over the cap, one line each (at most ``[brief] also_noted_limit``).
    also_noted: tuple[AlsoNoted, ...] = ()
    #: Further stories over the cap, neither briefed nor listed: "and N more".
    also_noted_more: int = 0
    #: The store's id; None until the brief is recorded.
    id: int | None = None
    #: Its folder's name under the profile's folder; None until recorded.
    slug: str | None = None
    #: Notes for the operator (files skipped, ...): logged and kept in brief.json, never
    #: shown in the reader's brief.
    build_notes: tuple[str, ...] = ()
    #: The coverage line, when the engine wrote its own (else derived, see ``coverage``).
    coverage_line: str | None = None

    @property
    def developing(self) -> tuple[BriefStory, ...]:
        """The stories that update an earlier brief ("Developing stories")."""
        return tuple(story for story in self.stories if story.is_update)

    @property
    def local_date(self) -> date:
        return self.generated_at.date()

    @property
    def key(self) -> str:
        """``"<profile>/<slug>"``: the brief's address in the archive."""
        return f"{self.profile}/{self.slug or self.local_date.isoformat()}"

    @property
    def article_count(self) -> int:
        return len(self.sources)

    @property
    def outlet_count(self) -> int:
        return len({source.outlet for source in self.sources if source.outlet})

    @property
    def coverage(self) -> str:
        """The coverage line: "12 articles from 4 outlets · summarized offline ..."."""
        if self.coverage_line:
            return self.coverage_line
        return f"{self.coverage_counts} · {self.engine_phrase}"

    @property
    def coverage_counts(self) -> str:
        """"12 articles from 4 outlets", "5 articles, outlet unknown", "12 articles from
        3 outlets, 2 with outlet unknown"."""
        count = self.article_count
        articles = f"{count} article{'s' if count != 1 else ''}"
        unknown = sum(1 for source in self.sources if not source.outlet)
        outlets = self.outlet_count
        if outlets == 0:
            return f"{articles}, outlet unknown" if count else articles
        counted = f"{articles} from {outlets} outlet{'s' if outlets != 1 else ''}"
        return f"{counted}, {unknown} with outlet unknown" if unknown else counted

    @property
    def engine_phrase(self) -> str:
        if self.engine == "extractive":
            return "summarized offline by the built-in extractive engine"
        return f"summarized by {self.engine.removeprefix('llm:')}"

    @property
    def marks_legend(self) -> str | None:
        """What the marks after bullets mean, for the line under the coverage line; None
        when the brief has no marked bullet (an offline brief marks nothing)."""
        bullets = [*self.top_lines, *(b for story in self.stories for b in story.bullets)]
        parts: list[str] = []
        if any(b.origin == BulletOrigin.LLM for b in bullets):
            model = self.engine.removeprefix("llm:")
            parts.append(f"{MODEL_MARK} written by {model} and checked against the articles "
                         "it cites")
        if any(b.origin == BulletOrigin.EXTRACTIVE_FALLBACK for b in bullets):
            parts.append("(offline summary) quoted from the articles by the built-in engine "
                         "where the model failed")
        if any(not b.verified for b in bullets):
            parts.append("(unverified) not checked against its sources")
        return "; ".join(parts) if parts else None

    @property
    def zone_name(self) -> str:
        """The time zone of ``generated_at`` by name: an IANA key when known, else its
        abbreviation ("CET") or offset."""
        zone = self.generated_at.tzinfo
        if isinstance(zone, ZoneInfo):
            return zone.key
        return self.generated_at.tzname() or "UTC"

    def source(self, number: int) -> SourceRef:
        return self.sources[number - 1]


def slug_for(local_day: date, sequence: int) -> str:
    """The folder name of the ``sequence``-th brief (1, 2, ...) of a profile on ``local_day``."""
    return local_day.isoformat() if sequence <= 1 else f"{local_day.isoformat()}-{sequence}"


# -- the codec -------------------------------------------------------------------------


def brief_to_dict(brief: Brief) -> dict[str, Any]:
    """The JSON document for ``brief`` (plain dicts, lists, strings and numbers)."""
    reasons = Counter(dropped.reason for dropped in brief.dropped)
    return {
        "schema_version": SCHEMA_VERSION,
        "id": brief.id,
        "slug": brief.slug,
        "title": brief.title,
        "profile": brief.profile,
        "generated_at": brief.generated_at.isoformat(),
        "timezone": brief.zone_name,
        "language": brief.language,
        "author": brief.author,
        "engine": brief.engine,
        "coverage": brief.coverage,
        "article_count": brief.article_count,
        "outlet_count": brief.outlet_count,
        "notes": list(brief.notes),
        "build_notes": list(brief.build_notes),
        "top_lines": [_bullet(line) for line in brief.top_lines],
        "stories": [_story(story) for story in brief.stories],
        "sources": [_source(source) for source in brief.sources],
        "also_noted": [_also_noted(item) for item in brief.also_noted],
        "also_noted_more": brief.also_noted_more,
        "developing": [story.id for story in brief.developing],
        "prompt_versions": dict(sorted(brief.prompt_versions.items())),
        "dropped": {
            "count": len(brief.dropped),
            "reasons": dict(sorted(reasons.items())),
            "stories": [{"story_id": d.story_id, "reason": d.reason} for d in brief.dropped],
        },
    }


def brief_from_dict(data: Any, *, where: str = "brief.json", validate: bool = True) -> Brief:
    """The ``Brief`` a brief.json document describes; ``BriefFormatError`` when it is not one.

    Documents of schema version 1 (written before briefs had ids and folders of
    their own) are read too: they lack ``id``/``slug`` and carried local paths,
    which are dropped. ``validate=False`` skips the schema check (the slow part) for a
    document checked before and unchanged since; the caller must be ready for any
    exception if it was not.
    """
    if isinstance(data, dict) and data.get("schema_version") == 1:
        data = _upgrade_v1(data)
    if validate:
        validate_brief_dict(data, where=where)
    zone = _zone(data.get("timezone"), data["generated_at"])
    return Brief(
        title=data["title"],
        profile=data["profile"],
        generated_at=datetime.fromisoformat(data["generated_at"]).astimezone(zone),
        language=data["language"],
        author=data["author"],
        engine=data["engine"],
        stories=tuple(_story_from(story) for story in data["stories"]),
        sources=tuple(_source_from(source) for source in data["sources"]),
        notes=tuple(data["notes"]),
        top_lines=tuple(_bullet_from(line) for line in data["top_lines"]),
        prompt_versions=dict(data["prompt_versions"]),
        dropped=tuple(
            DroppedBullet(item["story_id"], item["reason"])
            for item in data["dropped"].get("stories", ())
        ),
        also_noted=tuple(_also_noted_from(item) for item in data.get("also_noted", ())),
        also_noted_more=data.get("also_noted_more", 0),
        id=data.get("id"),
        slug=data.get("slug"),
        build_notes=tuple(data.get("build_notes", ())),
        coverage_line=data["coverage"],
    )


def to_json_text(data: dict[str, Any]) -> str:
    # ensure_ascii off: titles stay readable in the file; it is written as UTF-8.
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"


def write_brief_json(brief: Brief, path: Path) -> dict[str, Any]:
    """Validate and write ``brief`` as JSON to ``path`` (atomically); returns the document."""
    data = brief_to_dict(brief)
    check_written_brief(data)
    write_atomic(path, to_json_text(data))
    return data


def read_brief_json(path: Path, *, validate: bool = True) -> Brief:
    """The brief in ``path``; ``BriefFormatError`` naming the file when it is unusable.

    ``validate=False``: see ``brief_from_dict``."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as error:
        raise BriefFormatError(f"{path}: cannot read the brief: {error}") from error
    return brief_from_dict(data, where=str(path), validate=validate)


def check_written_brief(data: dict[str, Any]) -> None:
    """The schema check of a brief.json about to be written, when ``CHECK_WRITES_ENV`` asks."""
    if os.environ.get(CHECK_WRITES_ENV, "") not in ("", "0"):
        validate_brief_dict(data)


def validate_brief_dict(data: Any, *, where: str = "brief.json") -> None:
    """Raise naming the first place where ``data`` breaks the schema.

    ``RenderError`` while writing (a bug here), ``BriefFormatError`` while reading.
    """
    error = next(iter(brief_validator().iter_errors(data)), None)
    if error is None:
        return
    at = "/".join(str(part) for part in error.absolute_path) or "(root)"
    message = f"{where} does not match the brief schema at {at}: {error.message}"
    if where == "brief.json":
        raise RenderError(message)
    raise BriefFormatError(message)


@cache
def brief_validator() -> Draft202012Validator:
    """The schema's validator, built once per process.

    The bundled schema itself is checked against the JSON Schema meta-schema by the
    test suite, not on every run (a third of a second of a one-article build).
    """
    from jsonschema import Draft202012Validator  # only when a brief is read or written

    return Draft202012Validator(json.loads(SCHEMA_PATH.read_text(encoding="utf-8")))


def _bullet(bullet: BriefBullet) -> dict[str, Any]:
    return {
        "text": bullet.text,
        "sources": list(bullet.sources),
        "origin": str(bullet.origin),
        "verified": bullet.verified,
    }


def _bullet_from(item: dict[str, Any]) -> BriefBullet:
    return BriefBullet(
        text=item["text"],
        sources=tuple(item["sources"]),
        origin=BulletOrigin(item["origin"]),
        verified=item["verified"],
    )


def _story(story: BriefStory) -> dict[str, Any]:
    return {
        "id": story.id,
        "headline": story.headline,
        "outlets": list(story.outlets),
        "sources": list(story.sources),
        "notes": list(story.notes),
        "bullets": [_bullet(bullet) for bullet in story.bullets],
        "first_seen": _timestamp(story.first_seen),
        "last_seen": _timestamp(story.last_seen),
        "is_update": story.is_update,
        "previous_brief": _previous(story.previous_brief),
        "score": story.score,
    }


def _story_from(item: dict[str, Any]) -> BriefStory:
    previous = item.get("previous_brief")
    return BriefStory(
        id=item["id"],
        headline=item["headline"],
        bullets=tuple(_bullet_from(b) for b in item["bullets"]),
        outlets=tuple(item["outlets"]),
        sources=tuple(item["sources"]),
        notes=tuple(item["notes"]),
        first_seen=_moment(item.get("first_seen")),
        last_seen=_moment(item.get("last_seen")),
        is_update=bool(item.get("is_update", False)),
        previous_brief=PreviousBrief(
            brief_id=previous["brief_id"], date=previous["date"], slug=previous.get("slug")
        ) if previous else None,
        score=float(item.get("score", 0.0)),
    )


def _previous(previous: PreviousBrief | None) -> dict[str, Any] | None:
    if previous is None:
        return None
    return {
        "brief_id": previous.brief_id,
        "date": previous.date,
        "slug": previous.slug,
        "href": previous.href,
    }


def _also_noted(item: AlsoNoted) -> dict[str, Any]:
    from briefing.render.environment import http_url

    return {
        "story_id": item.story_id,
        "headline": item.headline,
        "outlets": list(item.outlets),
        "article_count": item.article_count,
        "url": http_url(item.url),
    }


def _also_noted_from(item: dict[str, Any]) -> AlsoNoted:
    return AlsoNoted(
        story_id=item["story_id"],
        headline=item["headline"],
        outlets=tuple(item["outlets"]),
        article_count=item["article_count"],
        url=item["url"],
    )


def _source(source: SourceRef) -> dict[str, Any]:
    from briefing.render.environment import http_url

    return {
        "id": source.number,
        "article_id": source.article_id,
        "title": source.title,
        "outlet": source.outlet,
        # Defence in depth: SourceRef promises http(s) only, the file promises it too.
        "url": http_url(source.url),
        "published": _timestamp(source.published),
    }


def _source_from(item: dict[str, Any]) -> SourceRef:
    return SourceRef(
        number=item["id"],
        article_id=item["article_id"],
        title=item["title"],
        outlet=item["outlet"],
        url=item["url"],
        published=_moment(item.get("published")),
    )


def _timestamp(moment: datetime | None) -> str | None:
    return None if moment is None else moment.isoformat()


def _moment(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def _zone(name: Any, generated_at: str) -> tzinfo:
    """The brief's time zone: its IANA name, else a fixed offset keeping the abbreviation."""
    if (isinstance(name, str) and "/" in name) or name == "UTC":
        try:
            return ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            pass
    offset = datetime.fromisoformat(generated_at).utcoffset() or timedelta(0)
    return timezone(offset, name) if isinstance(name, str) and name else timezone(offset)


def _upgrade_v1(data: dict[str, Any]) -> dict[str, Any]:
    """A schema-1 document in schema-2 shape (no id or slug; local paths dropped)."""
    upgraded = {**data, "schema_version": SCHEMA_VERSION, "id": None, "slug": None}
    upgraded.setdefault("build_notes", [])
    try:
        offset = datetime.fromisoformat(str(data.get("generated_at"))).utcoffset()
    except ValueError:
        offset = None
    upgraded["timezone"] = "UTC" if not offset else timezone(offset).tzname(None)
    upgraded["sources"] = [
        {k: v for k, v in source.items() if k != "path"} if isinstance(source, dict) else source
        for source in data.get("sources", [])
    ]
    dropped = data.get("dropped")
    if isinstance(dropped, dict):
        upgraded["dropped"] = {**dropped, "stories": []}
    stories = []
    for story in data.get("stories", []):
        previous = story.get("previous_brief") if isinstance(story, dict) else None
        if isinstance(previous, dict):
            href = previous.get("href") or ""
            slug = href.split("/")[1] if href.startswith("../") and href.count("/") == 2 else None
            story = {**story, "previous_brief": {**previous, "slug": slug}}
        stories.append(story)
    upgraded["stories"] = stories
    return upgraded
