"""The values every report template receives, computed once per brief.

Templates stay declarative: anything that needs Python (lookups by source
number, date formatting, the preheader choice) is prepared here.
"""

from __future__ import annotations

import re
from typing import Any

from briefing.brief import Brief, BriefStory, SourceRef
from briefing.render.environment import generated_line, long_date, short_date

#: A link to an earlier brief is relative and plain: no scheme (so never file:), no "..:".
_RELATIVE_HREF = re.compile(r"^(?![A-Za-z][A-Za-z0-9+.-]*:)[A-Za-z0-9._/-]+$")


def template_context(brief: Brief) -> dict[str, Any]:
    """The context shared by the email, text and PDF templates."""
    return {
        "brief": brief,
        "sources": sources_by_number(brief),
        "date_long": long_date(brief.generated_at),
        # Machine-readable, for document metadata only: readers see ``generated_line``.
        "generated_iso": brief.generated_at.isoformat(timespec="seconds"),
        "generated_line": generated_line(brief.generated_at),
        "preheader": preheader(brief),
        "dropped_count": len(brief.dropped),
        "spans": {story.id: story_span(story) for story in brief.stories},
        "earlier_links": {story.id: earlier_link(story) for story in brief.stories},
    }


def story_span(story: BriefStory) -> str:
    """"17 Nov 2026" or "17 Nov 2026 – 19 Nov 2026"; empty when undated."""
    if story.first_seen is None or story.last_seen is None:
        return ""
    first, last = short_date(story.first_seen), short_date(story.last_seen)
    return first if first == last else f"{first} – {last}"


def earlier_link(story: BriefStory) -> str | None:
    """The href of the earlier brief an update links to, when it is a safe relative one."""
    previous = story.previous_brief
    if previous is None or not previous.href:
        return None
    href = previous.href
    return href if _RELATIVE_HREF.match(href) else None


def sources_by_number(brief: Brief) -> dict[int, SourceRef]:
    # By number, not by position: Brief.source() assumes numbers run 1..N.
    return {source.number: source for source in brief.sources}


def preheader(brief: Brief) -> str:
    """The inbox preview line: the first top line, else the coverage line."""
    if brief.top_lines:
        return brief.top_lines[0].text
    return brief.coverage
