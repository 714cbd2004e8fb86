"""What one collect run did, as values: counts, the sources that failed, the entries lost."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class SourceFailure:
    """A source that could not be collected this run. ``error`` is one line, with no secret."""

    source: str
    url: str
    error: str


@dataclass(frozen=True)
class UnusableEntries:
    """Feed entries of one source that could not become articles this run, by reason."""

    source: str
    no_text: int = 0  # no text in the feed, and no article page fetched for it
    page_failed: int = 0  # no text in the feed, and its article page could not be fetched
    emptied: int = 0  # nothing left once boilerplate was removed

    @property
    def total(self) -> int:
        return self.no_text + self.page_failed + self.emptied

    def describe(self) -> str:
        """"12 entries had no text; 3 entries had no text and their page could not be fetched"."""
        parts = [
            f"{_entries(self.no_text)} had no text" if self.no_text else "",
            f"{_entries(self.page_failed)} had no text and their page could not be fetched"
            if self.page_failed else "",
            f"{_entries(self.emptied)} had nothing but boilerplate" if self.emptied else "",
        ]
        return "; ".join(part for part in parts if part)


def _entries(count: int) -> str:
    return f"{count} entry" if count == 1 else f"{count} entries"


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
    #: Per source, the entries that could not become articles (never dropped unsaid).
    unusable: tuple[UnusableEntries, ...] = ()

    @property
    def unusable_entries(self) -> int:
        return sum(entry.total for entry in self.unusable)


def collect_summary(report: CollectReport) -> str:
    """What ``briefing collect`` prints: the counts, then a line per source that lost entries."""
    lines = [
        f"{report.sources_total} web source(s): {report.new} new article(s), "
        f"{report.duplicates} already seen, {report.near_duplicates} near-duplicate(s), "
        f"{report.unchanged_sources} source(s) unchanged, {len(report.failures)} failed"
        + (f", {_entries(report.unusable_entries)} unusable" if report.unusable else "")
    ]
    lines += [f"  {entry.source}: {entry.describe()}" for entry in report.unusable]
    return "\n".join(lines)


def failure_note(report: CollectReport) -> str | None:
    """"2 of 14 sources could not be fetched: name (error); name (error)", or None."""
    if not report.failures:
        return None
    total = report.sources_total
    noun = "source" if total == 1 else "sources"
    details = "; ".join(f"{failure.source} ({failure.error})" for failure in report.failures)
    return f"{len(report.failures)} of {total} {noun} could not be fetched: {details}"
