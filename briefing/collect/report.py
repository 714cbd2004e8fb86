"""What one collect run did, as values: counts, and the sources that failed."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class SourceFailure:
    """A source that could not be collected this run. ``error`` is one line, with no secret."""

    source: str
    url: str
    error: str


@dataclass(frozen=True)
class CollectReport:
    #: Articles stored for the first time and not near-duplicates of an earlier one.
    new: int
    #: Items met again: a URL or content already known (or twice in this run).
    duplicates: int
    #: New articles linked to an earlier copy (MinHash), never briefed themselves.
    near_duplicates: int
    #: Sources that answered 304 Not Modified.
    unchanged_sources: int
    failures: tuple[SourceFailure, ...]
    sources_total: int
    #: Ids of the new, non-duplicate articles stored this run.
    article_ids: tuple[int, ...]


def failure_note(report: CollectReport) -> str | None:
    """"2 of 14 sources could not be fetched: name (error); name (error)", or None."""
    if not report.failures:
        return None
    total = report.sources_total
    noun = "source" if total == 1 else "sources"
    details = "; ".join(f"{failure.source} ({failure.error})" for failure in report.failures)
    return f"{len(report.failures)} of {total} {noun} could not be fetched: {details}"
