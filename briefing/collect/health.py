"""Each web source's fetch state and health, as the store's source repository keeps it.

Per source: the validators for the next conditional GET (ETag, Last-Modified,
kept only while the source's URL stays the same), when it last succeeded,
its last error and how many runs in a row have failed, and, from the last run
that read it, the entries that could not become articles and any warning that
its text may be mis-decoded. ``briefing sources``
prints ``format_health(source_health(store))``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from briefing.collect.report import UnusableEntries
from briefing.config import SourceConfig
from briefing.storage import SourceRef, Storage, Validators

__all__ = ["SourceHealth", "Validators", "format_health", "source_health", "source_ref"]


@dataclass(frozen=True, slots=True)
class SourceHealth:
    name: str
    type: str
    url: str | None
    last_attempt: datetime | None
    last_success: datetime | None
    last_error: str | None
    last_error_at: datetime | None
    consecutive_failures: int
    last_new: int  # new articles on the last successful run
    #: Entries of the last run (that read the source) that could not become articles.
    unusable: UnusableEntries | None = None
    last_warning: str | None = None  # why its text may be garbled, from that run

    @property
    def status(self) -> str:
        if self.consecutive_failures:
            runs = "run" if self.consecutive_failures == 1 else "runs"
            return f"failing ({self.consecutive_failures} {runs})"
        return "ok" if self.last_success else "never fetched"


def source_ref(source: SourceConfig) -> SourceRef:
    """How the store keys a configured web source."""
    return SourceRef(source.name, source.type, source.url)


def source_health(store: Storage) -> list[SourceHealth]:
    """Every web source ever collected, by name."""
    return [
        SourceHealth(
            name=row.name,
            type=row.type,
            url=row.url,
            last_attempt=row.last_attempt,
            last_success=row.last_success,
            last_error=row.last_error,
            last_error_at=row.last_error_at,
            consecutive_failures=row.consecutive_failures,
            last_new=row.last_new,
            unusable=UnusableEntries(row.name, row.unusable.no_text, row.unusable.page_failed,
                                     row.unusable.emptied),
            last_warning=row.last_warning,
        )
        for row in store.sources.all()
    ]


def format_health(rows: list[SourceHealth]) -> str:
    """A plain-text table: one line per source, its last error indented below it."""
    if not rows:
        return "No feed or page source has been collected yet."
    header = ("source", "type", "status", "last success", "new")
    table = [header] + [
        (row.name, row.type, row.status, _when(row.last_success), str(row.last_new))
        for row in rows
    ]
    widths = [max(len(line[i]) for line in table) for i in range(len(header))]
    lines: list[str] = []
    for index, line in enumerate(table):
        lines.append("  ".join(cell.ljust(width) for cell, width in zip(line, widths, strict=True))
                     .rstrip())
        row = rows[index - 1] if index else None
        if row is None:
            continue
        if row.consecutive_failures and row.last_error:
            lines.append(f"    last error ({_when(row.last_error_at)}): {row.last_error}")
        if row.unusable is not None and row.unusable.total:
            lines.append(f"    last run: {row.unusable.describe()}")
        if row.last_warning:
            lines.append(f"    warning: {row.last_warning}")
    return "\n".join(lines)


def _when(moment: datetime | None) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC") if moment else "never"
