"""The summarizer interface every engine implements.

A summarizer takes the stories of one brief and returns one summary per story,
in the same order. It must not raise for a single story's trouble: it returns
that story's summary with a note (and, for the LLM engine, extractive bullets
marked ``BulletOrigin.EXTRACTIVE_FALLBACK``) instead, so one bad story never
sinks a run. Each bullet cites the store ids of the articles it rests on, all
drawn from that story's own articles.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, runtime_checkable

from briefing.types import Story, StorySummary


@runtime_checkable
class Summarizer(Protocol):
    """One method: stories in, summaries out (same order, same story ids)."""

    #: What goes into brief.json's ``engine`` field: "extractive" or "llm:<model>".
    engine: str

    def summarize(self, stories: Sequence[Story]) -> list[StorySummary]: ...
