"""The values every report template receives, computed once per brief.

Templates stay declarative: anything that needs Python (lookups by source
number, date formatting, the preheader choice) is prepared here.
"""

from __future__ import annotations

from typing import Any

from briefing.render.environment import long_date
from briefing.types import Brief, SourceRef


def template_context(brief: Brief) -> dict[str, Any]:
    """The context shared by the email, text and PDF templates."""
    return {
        "brief": brief,
        "sources": sources_by_number(brief),
        "date_long": long_date(brief.generated_at),
        "generated_iso": brief.generated_at.isoformat(),
        "preheader": preheader(brief),
        "dropped_count": len(brief.dropped),
    }


def sources_by_number(brief: Brief) -> dict[int, SourceRef]:
    # By number, not by position: Brief.source() assumes numbers run 1..N.
    return {source.number: source for source in brief.sources}


def preheader(brief: Brief) -> str:
    """The inbox preview line: the first top line, else the coverage line."""
    if brief.top_lines:
        return brief.top_lines[0].text
    return brief.coverage
