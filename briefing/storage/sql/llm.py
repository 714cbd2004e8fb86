"""The LLM engine's memory: every call (``llm_calls``), cached answers (``llm_cache``)
and the response format each endpoint accepted (``llm_endpoints``)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from briefing.storage.records import CacheEntry, CallRow, UsageRow
from briefing.storage.sql.database import Database, Row


class SqlLLM:
    def __init__(self, db: Database) -> None:
        self.db = db

    def record(self, calls: Sequence[CallRow], cache: Sequence[CacheEntry]) -> None:
        if not calls and not cache:
            return
        t = self.db.dialect.time
        with self.db.transaction(durable=False):
            self.db.executemany(
                "INSERT INTO llm_calls (started_at, endpoint, model, task, story_id,"
                " prompt_version, response_format, tokens_in, tokens_out, latency_ms,"
                " cache_hit, outcome, error, tokens_estimated)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [(t(c.started_at), c.endpoint, c.model, c.task, c.story_id, c.prompt_version,
                  c.response_format, c.tokens_in, c.tokens_out, c.latency_ms, c.cache_hit,
                  c.outcome, c.error, c.tokens_estimated) for c in calls],
            )
            latest = {entry.key: entry for entry in cache}  # the last answer under a key wins
            self.db.executemany(
                "INSERT INTO llm_cache (key, task, model, prompt_version, answer, tokens_in,"
                " tokens_out, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
                " ON CONFLICT (key) DO UPDATE SET task = excluded.task,"
                " model = excluded.model, prompt_version = excluded.prompt_version,"
                " answer = excluded.answer, tokens_in = excluded.tokens_in,"
                " tokens_out = excluded.tokens_out, created_at = excluded.created_at",
                [(e.key, e.task, e.model, e.prompt_version, e.answer, e.tokens_in, e.tokens_out,
                  t(e.created_at)) for _, e in sorted(latest.items())],
            )

    def cached(self, key: str) -> CacheEntry | None:
        row = self.db.query_one("SELECT * FROM llm_cache WHERE key = ?", (key,))
        if row is None:
            return None
        return CacheEntry(
            key=row["key"], task=row["task"], model=row["model"],
            prompt_version=row["prompt_version"], answer=row["answer"],
            tokens_in=int(row["tokens_in"]), tokens_out=int(row["tokens_out"]),
            created_at=self.db.dialect.read_time(row["created_at"]) or datetime.now(UTC),
        )

    def endpoint_format(self, endpoint: str, model: str) -> str | None:
        value = self.db.scalar(
            "SELECT response_format FROM llm_endpoints WHERE endpoint = ? AND model = ?",
            (endpoint, model),
        )
        return str(value) if value is not None else None

    def set_endpoint_format(
        self, endpoint: str, model: str, mode: str, *, now: datetime
    ) -> None:
        with self.db.transaction(durable=False):
            self.db.execute(
                "INSERT INTO llm_endpoints (endpoint, model, response_format, updated_at)"
                " VALUES (?, ?, ?, ?) ON CONFLICT (endpoint, model) DO UPDATE SET"
                " response_format = excluded.response_format, updated_at = excluded.updated_at",
                (endpoint, model, mode, self.db.dialect.time(now)),
            )

    def calls(self) -> list[CallRow]:
        return [self._call(row) for row in self.db.query("SELECT * FROM llm_calls ORDER BY id")]

    def usage(self) -> list[UsageRow]:
        day = self.db.dialect.utc_day("started_at")
        rows = self.db.query(
            f"SELECT {day} AS day, model,"
            " sum(CASE WHEN cache_hit THEN 0 ELSE 1 END) AS calls,"
            " sum(CASE WHEN cache_hit THEN 1 ELSE 0 END) AS cache_hits,"
            " sum(tokens_in) AS tokens_in,"
            " sum(tokens_out) AS tokens_out,"
            " sum(CASE WHEN NOT cache_hit AND outcome <> 'ok' THEN 1 ELSE 0 END) AS errors,"
            " sum(CASE WHEN tokens_estimated THEN tokens_in + tokens_out ELSE 0 END)"
            " AS estimated"
            f" FROM llm_calls GROUP BY {day}, model ORDER BY day, model"
        )
        return [
            UsageRow(
                day=row["day"], model=row["model"], calls=int(row["calls"] or 0),
                cache_hits=int(row["cache_hits"] or 0), tokens_in=int(row["tokens_in"] or 0),
                tokens_out=int(row["tokens_out"] or 0), errors=int(row["errors"] or 0),
                estimated_tokens=int(row["estimated"] or 0),
            )
            for row in rows
        ]

    def _call(self, row: Row) -> CallRow:
        return CallRow(
            started_at=self.db.dialect.read_time(row["started_at"]) or datetime.now(UTC),
            endpoint=row["endpoint"], model=row["model"], task=row["task"],
            outcome=row["outcome"], story_id=row["story_id"],
            prompt_version=row["prompt_version"], response_format=row["response_format"],
            tokens_in=int(row["tokens_in"]), tokens_out=int(row["tokens_out"]),
            latency_ms=int(row["latency_ms"]), cache_hit=bool(row["cache_hit"]),
            error=row["error"], tokens_estimated=bool(row["tokens_estimated"]),
        )
