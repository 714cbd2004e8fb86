"""brief.json: the brief as structured data, checked against briefing/schemas/brief.schema.json.

This is the archive's and other programs' view of a brief, so it is validated
before it is written: a field renamed in ``types.py`` fails the build here
instead of silently changing the published format.
"""

from __future__ import annotations

import json
from collections import Counter
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator

from briefing.errors import RenderError
from briefing.fsutil import write_atomic
from briefing.render.environment import http_url
from briefing.resources import SCHEMA_PATH
from briefing.types import AlsoNoted, Brief, BriefBullet, BriefStory, PreviousBrief, SourceRef

SCHEMA_VERSION = 1


def brief_to_dict(brief: Brief) -> dict[str, Any]:
    """The JSON document for ``brief`` (plain dicts, lists, strings and numbers)."""
    reasons = Counter(dropped.reason for dropped in brief.dropped)
    return {
        "schema_version": SCHEMA_VERSION,
        "title": brief.title,
        "profile": brief.profile,
        "generated_at": brief.generated_at.isoformat(),
        "language": brief.language,
        "author": brief.author,
        "engine": brief.engine,
        "coverage": brief.coverage,
        "article_count": brief.article_count,
        "outlet_count": brief.outlet_count,
        "notes": list(brief.notes),
        "top_lines": [_bullet(line) for line in brief.top_lines],
        "stories": [_story(story) for story in brief.stories],
        "sources": [_source(source) for source in brief.sources],
        "also_noted": [_also_noted(item) for item in brief.also_noted],
        "developing": [story.id for story in brief.developing],
        "prompt_versions": dict(sorted(brief.prompt_versions.items())),
        "dropped": {"count": len(brief.dropped), "reasons": dict(sorted(reasons.items()))},
    }


def to_json_text(data: dict[str, Any]) -> str:
    # ensure_ascii off: titles stay readable in the file; it is written as UTF-8.
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"


def validate_brief_dict(data: dict[str, Any]) -> None:
    """Raise ``RenderError`` naming the first place where ``data`` breaks the schema."""
    error = next(iter(brief_validator().iter_errors(data)), None)
    if error is not None:
        where = "/".join(str(part) for part in error.absolute_path) or "(root)"
        raise RenderError(f"brief.json does not match its schema at {where}: {error.message}")


def write_json(brief: Brief, path: Path) -> None:
    """Validate and write ``brief`` as JSON to ``path`` (atomically)."""
    data = brief_to_dict(brief)
    validate_brief_dict(data)
    write_atomic(path, to_json_text(data))


@cache
def brief_validator() -> Draft202012Validator:
    """The schema's validator, built once (loading and checking the schema is the slow part)."""
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema)


def _bullet(bullet: BriefBullet) -> dict[str, Any]:
    return {
        "text": bullet.text,
        "sources": list(bullet.sources),
        "origin": str(bullet.origin),
        "verified": bullet.verified,
    }


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


def _previous(previous: PreviousBrief | None) -> dict[str, Any] | None:
    if previous is None:
        return None
    return {"brief_id": previous.brief_id, "date": previous.date, "href": previous.href}


def _also_noted(item: AlsoNoted) -> dict[str, Any]:
    return {
        "story_id": item.story_id,
        "headline": item.headline,
        "outlets": list(item.outlets),
        "article_count": item.article_count,
        "url": http_url(item.url),
    }


def _source(source: SourceRef) -> dict[str, Any]:
    return {
        "id": source.number,
        "article_id": source.article_id,
        "title": source.title,
        "outlet": source.outlet,
        # Defence in depth: SourceRef promises http(s) only, the file promises it too.
        "url": http_url(source.url),
        "path": source.path,
        "published": _timestamp(source.published),
    }


def _timestamp(moment: datetime | None) -> str | None:
    return None if moment is None else moment.isoformat()
