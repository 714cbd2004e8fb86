"""The summarizer interface every engine implements.

A summarizer takes the stories of one brief and returns one summary per story,
in the same order. It must not raise for a single story's trouble: it returns
that story's summary with a note (and, for the LLM engine, extractive bullets
marked ``BulletOrigin.EXTRACTIVE_FALLBACK``) instead, so one bad story never
sinks a run. Each bullet cites the store ids of the articles it rests on, all
drawn from that story's own articles.

The pipeline calls, in this order: ``summarize``, then ``top_lines``, then
``close`` (always, even after an error).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Protocol, runtime_checkable

from briefing.types import Bullet, Story, StorySummary


@runtime_checkable
class Summarizer(Protocol):
    """Stories in, summaries out (same order, same story ids); then top lines; then close."""

    #: What goes into brief.json's ``engine`` field: "extractive" or "llm:<model>".
    engine: str

    @property
    def prompt_versions(self) -> Mapping[str, str]:
        """Prompt template name -> version used (brief.json); empty for engines without."""
        ...

    def summarize(self, stories: Sequence[Story]) -> list[StorySummary]: ...

    def top_lines(
        self, summaries: Sequence[StorySummary], stories: Sequence[Story]
    ) -> tuple[Bullet, ...]:
        """Two or three lines summing up the whole brief, citing articles of ``stories``;
        () when the engine has none to give."""
        ...

    def close(self) -> None:
        """Release what the engine holds (connections) and flush what it records."""
        ...
