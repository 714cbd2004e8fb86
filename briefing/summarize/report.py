"""Saying honestly what wrote a brief: per-story reasons, the coverage phrase, drop counts.

The LLM engine gives every story it could not summarize a reason *code*
(``StorySummary.fallback_reason``); this module turns codes into words a reader
understands, and counts them, so the coverage line can say "5 stories by
gemma, 2 written offline because the model timed out" instead of one reason
for all, and the brief can say how many model bullets were dropped and why.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence

from briefing.types import DroppedBullet, StorySummary

#: Why a story was written offline, by ``StorySummary.fallback_reason``. Each reads
#: after "because".
FALLBACK_REASONS: dict[str, str] = {
    "timeout": "the model timed out",
    "connection": "the LLM server could not be reached",
    "server-error": "the LLM server failed with an error",
    "rate-limited": "the LLM server was limiting requests",
    "auth": "the LLM server refused the API key",
    "rejected": "the LLM server accepted none of the JSON answer formats",
    "too-large": "the LLM server's answer was too large",
    "error": "the request to the LLM server failed",
    "budget": "the run's LLM token budget was spent",
    "invalid-json": "the model's answer was not valid JSON",
    "schema": "the model's answer did not have the expected shape",
    "length": "the model's answer was cut off at its output limit",
    "too-long": "the articles do not fit the model's context window",
    "context-overflow": "the prompt was longer than the LLM server's context window",
    "no-facts": "the model found no usable facts in the articles",
    "ungrounded": "no model bullet passed the checks",
    "not-sent": "the LLM server had failed for the stories before",
    "failed": "the LLM engine failed",
}

#: What was wrong with a dropped model bullet, by ``DroppedBullet.reason``.
DROP_REASONS: dict[str, str] = {
    "schema": "malformed",
    "empty": "empty",
    "unknown-source": "citing a source it was not given",
    "ungrounded-number": "with a number its sources do not state",
    "ungrounded-name": "with a name its sources do not state",
    "foreign-url": "with a link that is not one of its sources",
    "injection": "repeating an instruction planted in an article",
    "too-short": "not a sentence",
    "not-a-sentence": "not a sentence",
    "prompt-echo": "repeating the prompt",
    "duplicate": "repeating another line",
    "off-story": "about none of the stories it cited",
    "invalid-json": "in an answer that was not valid JSON",
    "length": "in an answer cut off at its output limit",
}


def fallback_reason(code: str | None) -> str:
    """The words for a fallback reason code ("the model timed out")."""
    if not code:
        return "the LLM engine failed"
    if code in FALLBACK_REASONS:
        return FALLBACK_REASONS[code]
    if code.startswith("http-"):
        return f"the LLM server refused the request (HTTP {code.removeprefix('http-')})"
    return f"the LLM engine failed ({code})"


def story_reasons(summaries: Sequence[StorySummary]) -> dict[str, str]:
    """Story id -> why it was written offline, for the stories that were."""
    return {s.story_id: fallback_reason(s.fallback_reason) for s in summaries if s.fell_back}


def _stories(count: int) -> str:
    return f"{count} {'story' if count == 1 else 'stories'}"


def _because(offline: Sequence[StorySummary]) -> str:
    counts = Counter(fallback_reason(s.fallback_reason) for s in offline)
    if len(counts) == 1:
        return f"because {next(iter(counts))}"
    return "(" + ", ".join(f"{n} because {reason}" for reason, n in counts.most_common()) + ")"


def engine_summary(summaries: Sequence[StorySummary], engine: str) -> str:
    """What wrote the brief, for its coverage line.

    "summarized offline by the built-in extractive engine",
    "7 stories summarized by gemma", or
    "5 stories by gemma, 2 written offline because the model timed out".
    """
    if not engine.startswith("llm:"):
        return "summarized offline by the built-in extractive engine"
    model = engine.removeprefix("llm:")
    offline = [s for s in summaries if s.fell_back]
    by_model = len(summaries) - len(offline)
    if not offline:
        return f"{_stories(by_model)} summarized by {model}"
    if not by_model:
        return f"{_stories(len(offline))} written offline {_because(offline)}"
    return f"{_stories(by_model)} by {model}, {len(offline)} written offline {_because(offline)}"


def offline_note(summaries: Sequence[StorySummary]) -> str | None:
    """The run-level note on stories written offline, each counted under its own reason."""
    offline = [s for s in summaries if s.fell_back]
    if not offline:
        return None
    counts = Counter(fallback_reason(s.fallback_reason) for s in offline)
    head = f"{len(offline)} of {_stories(len(summaries))} summarized offline"
    if len(counts) == 1:
        return f"{head}: {next(iter(counts))}"
    return f"{head}: " + "; ".join(
        f"{n} because {reason}" for reason, n in counts.most_common())


def dropped_summary(dropped: Iterable[DroppedBullet]) -> str | None:
    """How many model bullets were dropped and why, for readers; None when none was.

    "3 model bullets were dropped: 2 with a number its sources do not state,
    1 repeating the prompt."
    """
    counts = Counter(DROP_REASONS.get(d.reason, "failing a check") for d in dropped)
    total = sum(counts.values())
    if not total:
        return None
    noun = "bullet was" if total == 1 else "bullets were"
    reasons = ", ".join(f"{n} {reason}" for reason, n in counts.most_common())
    return f"{total} model {noun} dropped: {reasons}."
