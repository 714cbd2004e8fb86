"""Each web source's fetch state and health, in the store's ``sources`` table.

Per source: the validators for the next conditional GET (ETag, Last-Modified,
kept only while the source's URL stays the same), when it last succeeded,
its last error and how many runs in a row have failed, and, from the last run
that read it, the entries that could not become articles and any warning that
its text may be mis-decoded. ``briefing sources``
prints ``format_health(source_health(store))``.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime

from briefing.collect.report import UnusableEntries
from briefing.config import SourceConfig
from briefing.store import Store


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


@dataclass(frozen=True, slots=True)
class Validators:
    """What the last good answer said, for a conditional GET."""

    etag: str | None = None
    last_modified: str | None = None


def validators(store: Store, source: SourceConfig) -> Validators:
    """The stored ETag and Last-Modified of ``source``, if its URL has not changed."""
    rows = store.query(
        "SELECT etag, last_modified FROM sources WHERE name = ? AND url IS ?",
        (source.name, source.url),
    )
    if not rows:
        return Validators()
    return Validators(etag=rows[0]["etag"], last_modified=rows[0]["last_modified"])


def record_success(
    store: Store,
    source: SourceConfig,
    now: datetime,
    *,
    new: int,
    validators: Validators | None,
    unusable: UnusableEntries | None = None,
    warning: str | None = None,
) -> None:
    """A good run; ``validators`` None keeps the stored ones (a 304 answer).

    ``unusable`` None (a 304 answer: nothing was read) keeps the counts and the
    warning of the last run that read the source.
    """
    moment = _iso(now)
    with store.transaction() as db:
        _ensure_row(db, source)
        db.execute(
            "UPDATE sources SET last_attempt_at = ?, last_success_at = ?,"
            " consecutive_failures = 0, last_new = ? WHERE name = ?",
            (moment, moment, new, source.name),
        )
        if validators is not None:
            db.execute(
                "UPDATE sources SET etag = ?, last_modified = ? WHERE name = ?",
                (validators.etag, validators.last_modified, source.name),
            )
        if unusable is not None:
            db.execute(
                "UPDATE sources SET last_no_text = ?, last_page_failed = ?, last_emptied = ?,"
                " last_warning = ? WHERE name = ?",
                (unusable.no_text, unusable.page_failed, unusable.emptied, warning,
                 source.name),
            )


def record_failure(store: Store, source: SourceConfig, now: datetime, error: str) -> None:
    moment = _iso(now)
    with store.transaction() as db:
        _ensure_row(db, source)
        db.execute(
            "UPDATE sources SET last_attempt_at = ?, last_error = ?, last_error_at = ?,"
            " consecutive_failures = consecutive_failures + 1 WHERE name = ?",
            (moment, error, moment, source.name),
        )


def _ensure_row(db: sqlite3.Connection, source: SourceConfig) -> None:
    db.execute(
        "INSERT INTO sources (name, type, url) VALUES (?, ?, ?)"
        " ON CONFLICT(name) DO UPDATE SET type = excluded.type,"
        # A source pointed at a new URL starts afresh: old validators would lie.
        " etag = CASE WHEN url IS excluded.url THEN etag END,"
        " last_modified = CASE WHEN url IS excluded.url THEN last_modified END,"
        " url = excluded.url",
        (source.name, source.type, source.url),
    )


def source_health(store: Store) -> list[SourceHealth]:
    """Every web source ever collected, by name."""
    rows = store.query("SELECT * FROM sources ORDER BY name")
    return [
        SourceHealth(
            name=row["name"],
            type=row["type"],
            url=row["url"],
            last_attempt=_from_iso(row["last_attempt_at"]),
            last_success=_from_iso(row["last_success_at"]),
            last_error=row["last_error"],
            last_error_at=_from_iso(row["last_error_at"]),
            consecutive_failures=int(row["consecutive_failures"]),
            last_new=int(row["last_new"]),
            unusable=UnusableEntries(row["name"], int(row["last_no_text"]),
                                     int(row["last_page_failed"]), int(row["last_emptied"])),
            last_warning=row["last_warning"],
        )
        for row in rows
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


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat()


def _from_iso(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None
