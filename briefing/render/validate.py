"""Consistency checks run before anything is rendered.

A citation to a source that is not in the brief would render as a dangling
``[7]`` (or a template error halfway through), so the brief is checked whole
first and the problem reported in one line.
"""

from __future__ import annotations

from briefing.brief import Brief, BriefBullet
from briefing.errors import RenderError


def check_brief(brief: Brief) -> None:
    """Raise ``RenderError`` when ``brief`` cannot be rendered faithfully."""
    if brief.generated_at.utcoffset() is None:
        raise RenderError("brief.generated_at has no time zone; pass an aware datetime")
    numbers = [source.number for source in brief.sources]
    if len(set(numbers)) != len(numbers):
        raise RenderError("brief.sources: two sources share a number")
    known = set(numbers)
    for index, line in enumerate(brief.top_lines, start=1):
        _check_bullet(line, known, f"top line {index}")
    for story in brief.stories:
        for index, bullet in enumerate(story.bullets, start=1):
            _check_bullet(bullet, known, f"story {story.id!r}, bullet {index}")
        unknown = sorted(set(story.sources) - known)
        if unknown:
            raise RenderError(f"story {story.id!r} lists unknown sources {unknown}")


def _check_bullet(bullet: BriefBullet, known: set[int], where: str) -> None:
    if not bullet.sources:
        raise RenderError(f"{where} cites no source")
    unknown = sorted(set(bullet.sources) - known)
    if unknown:
        raise RenderError(f"{where} cites unknown sources {unknown}")
