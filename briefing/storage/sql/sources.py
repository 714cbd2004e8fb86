"""Each web source's fetch state, health and collection claim (table ``sources``)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta

from briefing.storage.records import (
    EntryCounts,
    SourceRef,
    SourceRow,
    SourceRun,
    Validators,
)
from briefing.storage.sql.database import Database, Row, chunks, marks


class SqlSources:
    def __init__(self, db: Database) -> None:
        self.db = db

    def validators(self, source: SourceRef) -> Validators:
        return self.validators_many([source]).get(source.name, Validators())

    def validators_many(self, sources: Sequence[SourceRef]) -> dict[str, Validators]:
        by_name = {source.name: source for source in sources}
        found: dict[str, Validators] = {}
        for part in chunks(sorted(by_name)):
            rows = self.db.query(
                f"SELECT name, url, etag, last_modified FROM sources"
                f" WHERE name IN ({marks(len(part))})",
                part,
            )
            for row in rows:
                # Kept only while the source's URL stays the same: old validators would lie.
                if row["url"] == by_name[row["name"]].url:
                    found[row["name"]] = Validators(row["etag"], row["last_modified"])
        return found

    def record_runs(self, runs: Sequence[SourceRun], now: datetime) -> None:
        if not runs:
            return
        moment = self.db.dialect.time(now)
        ordered = sorted(runs, key=lambda run: run.source.name)
        failed = [run for run in ordered if run.error is not None]
        good = [run for run in ordered if run.error is None]
        # A source that answered and was read (the usual case): all of it in one statement.
        read = [(run, run.validators, run.unusable) for run in good
                if run.validators is not None and run.unusable is not None]
        good = [run for run in good if run.validators is None or run.unusable is None]
        with self.db.transaction(durable=False):
            self._ensure([run.source for run in ordered])
            self.db.executemany(
                "UPDATE sources SET last_attempt_at = ?, last_error = ?, last_error_at = ?,"
                " consecutive_failures = consecutive_failures + 1,"
                " claimed_by = NULL, claimed_at = NULL WHERE name = ?",
                [(moment, run.error, moment, run.source.name) for run in failed],
            )
            self.db.executemany(
                "UPDATE sources SET last_attempt_at = ?, last_success_at = ?,"
                " consecutive_failures = 0, last_new = ?, claimed_by = NULL, claimed_at = NULL,"
                " etag = ?, last_modified = ?, last_no_text = ?, last_page_failed = ?,"
                " last_emptied = ?, last_warning = ? WHERE name = ?",
                [(moment, moment, run.new, validators.etag, validators.last_modified,
                  unusable.no_text, unusable.page_failed, unusable.emptied, run.warning,
                  run.source.name) for run, validators, unusable in read],
            )
            self.db.executemany(
                "UPDATE sources SET last_attempt_at = ?, last_success_at = ?,"
                " consecutive_failures = 0, last_new = ?, claimed_by = NULL, claimed_at = NULL"
                " WHERE name = ?",
                [(moment, moment, run.new, run.source.name) for run in good],
            )
            self.db.executemany(  # a 304 (no validators) keeps the stored ones
                "UPDATE sources SET etag = ?, last_modified = ? WHERE name = ?",
                [(run.validators.etag, run.validators.last_modified, run.source.name)
                 for run in good if run.validators is not None],
            )
            self.db.executemany(  # a 304 (nothing read) keeps the last read run's counts
                "UPDATE sources SET last_no_text = ?, last_page_failed = ?, last_emptied = ?,"
                " last_warning = ? WHERE name = ?",
                [(run.unusable.no_text, run.unusable.page_failed, run.unusable.emptied,
                  run.warning, run.source.name) for run in good if run.unusable is not None],
            )

    def _ensure(self, sources: Sequence[SourceRef]) -> None:
        """A row for each source, with its current type and URL."""
        eq = self.db.dialect.null_safe_eq
        # One row per name (the last given wins): a statement may not update a row twice.
        rows = {source.name: (source.name, source.type, source.url) for source in sources}
        self.db.insert_rows(
            "INSERT INTO sources (name, type, url)", list(rows.values()),
            tail=" ON CONFLICT (name) DO UPDATE SET type = excluded.type,"
            # A source pointed at a new URL starts afresh: old validators would lie.
            f" etag = CASE WHEN sources.url {eq} excluded.url THEN sources.etag END,"
            f" last_modified = CASE WHEN sources.url {eq} excluded.url"
            " THEN sources.last_modified END,"
            " url = excluded.url",
        )

    def all(self) -> list[SourceRow]:
        return [self._row(row) for row in self.db.query("SELECT * FROM sources ORDER BY name")]

    def claim_due(
        self,
        sources: Sequence[SourceRef],
        *,
        owner: str,
        now: datetime,
        interval: timedelta,
        live_since: datetime,
        limit: int,
    ) -> list[str]:
        if not sources or limit <= 0:
            return []
        d = self.db.dialect
        unique = sorted({source.name: source for source in sources}.values(),
                        key=lambda source: source.name)
        claimed: list[str] = []
        names = [source.name for source in unique]
        # New sources get their row first (a claim is a row). A job claims its sources
        # batch after batch: after the first, all have rows, and one read says so.
        existing = self._existing(names)
        new = [(s.name, s.type, s.url) for s in unique if s.name not in existing]
        if new:
            with self.db.transaction(durable=False):
                self.db.insert_rows("INSERT INTO sources (name, type, url)", new,
                                    tail=" ON CONFLICT (name) DO NOTHING")
        for part in chunks(names):
            if len(claimed) >= limit:
                break
            with self.db.transaction(durable=False):
                # The least recently attempted first; a claim by a worker that has not
                # beaten since ``live_since`` (dead, or gone) no longer holds.
                rows = self.db.query(
                    f"SELECT name FROM sources WHERE name IN ({marks(len(part))})"
                    " AND (last_attempt_at IS NULL OR last_attempt_at <= ?)"
                    " AND (claimed_by IS NULL OR NOT EXISTS ("
                    "  SELECT 1 FROM workers w WHERE w.owner = sources.claimed_by"
                    "  AND w.heartbeat_at > ?))"
                    " ORDER BY last_attempt_at IS NOT NULL, last_attempt_at, name"
                    f" LIMIT {int(limit - len(claimed))}"
                    + d.lock_rows,
                    (*part, d.time(now - interval), d.time(live_since)),
                )
                picked = [row["name"] for row in rows]
                if picked:
                    self.db.execute(
                        "UPDATE sources SET claimed_by = ?, claimed_at = ?"
                        f" WHERE name IN ({marks(len(picked))})",
                        (owner, d.time(now), *picked),
                    )
                claimed += picked
        return claimed

    def _existing(self, names: Sequence[str]) -> set[str]:
        found: set[str] = set()
        for part in chunks(names):
            rows = self.db.query(f"SELECT name FROM sources WHERE name IN ({marks(len(part))})",
                                 part)
            found.update(str(row["name"]) for row in rows)
        return found

    def release(self, owner: str, names: Iterable[str]) -> None:
        wanted = sorted(set(names))
        if not wanted:
            return
        with self.db.transaction(durable=False):
            for part in chunks(wanted):
                self.db.execute(
                    "UPDATE sources SET claimed_by = NULL, claimed_at = NULL"
                    f" WHERE claimed_by = ? AND name IN ({marks(len(part))})",
                    (owner, *part),
                )

    def _row(self, row: Row) -> SourceRow:
        read = self.db.dialect.read_time
        return SourceRow(
            name=row["name"],
            type=row["type"],
            url=row["url"],
            last_attempt=read(row["last_attempt_at"]),
            last_success=read(row["last_success_at"]),
            last_error=row["last_error"],
            last_error_at=read(row["last_error_at"]),
            consecutive_failures=int(row["consecutive_failures"]),
            last_new=int(row["last_new"]),
            unusable=EntryCounts(int(row["last_no_text"]), int(row["last_page_failed"]),
                                 int(row["last_emptied"])),
            last_warning=row["last_warning"],
            claimed_by=row["claimed_by"],
        )
