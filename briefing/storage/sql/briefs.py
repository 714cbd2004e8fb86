"""Briefs and what each used (tables ``briefs``, ``brief_articles``), and story memory
(table ``brief_stories``)."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from briefing.brief import Brief, brief_from_dict, slug_for
from briefing.errors import StoreError
from briefing.storage.records import BriefRecord, EarlierArticle
from briefing.storage.sql.database import Database, Row


class SqlStoryMemory:
    def __init__(self, db: Database) -> None:
        self.db = db

    def record_keys(self, brief_id: int, story_keys: Sequence[tuple[str, int]]) -> None:
        """Part of ``SqlBriefs.fill``'s transaction."""
        self.db.executemany(
            "INSERT INTO brief_stories (brief_id, story_key, article_id) VALUES (?, ?, ?)"
            " ON CONFLICT (brief_id, article_id) DO NOTHING",
            [(brief_id, key, article_id) for key, article_id in story_keys],
        )

    def earlier_articles(
        self, profile: str, *, since: datetime, before_local_date: date
    ) -> list[EarlierArticle]:
        d = self.db.dialect
        rows = self.db.query(
            "SELECT b.id, b.slug, b.local_date, ba.article_id, bs.story_key"
            " FROM briefs b JOIN brief_articles ba ON ba.brief_id = b.id"
            " LEFT JOIN brief_stories bs ON bs.brief_id = b.id AND bs.article_id = ba.article_id"
            " WHERE b.profile = ? AND b.state = 'published' AND b.generated_at >= ?"
            " AND b.local_date < ?"
            " ORDER BY b.generated_at, b.id, ba.article_id",
            (profile, d.time(since), d.day(before_local_date)),
        )
        return [
            EarlierArticle(
                brief_id=int(row["id"]), slug=row["slug"],
                local_date=d.read_day(row["local_date"]).isoformat(),
                article_id=int(row["article_id"]), story_key=row["story_key"],
            )
            for row in rows
        ]

    def story_keys(self, brief_id: int) -> dict[int, str]:
        rows = self.db.query(
            "SELECT article_id, story_key FROM brief_stories WHERE brief_id = ?", (brief_id,)
        )
        return {int(row["article_id"]): row["story_key"] for row in rows}


class SqlBriefs:
    def __init__(self, db: Database, memory: SqlStoryMemory) -> None:
        self.db = db
        self.memory = memory

    def reserve(
        self,
        *,
        profile: str,
        local_date: date,
        profile_dir: Path,
        owner: str,
        now: datetime,
        folder_taken: Callable[[Path], bool],
    ) -> BriefRecord:
        d = self.db.dialect
        with self.db.transaction():
            # Two workers reserving the same day's folder name take turns.
            self.db.serialize(f"reserve-brief:{profile}")
            sequence = 1
            while True:
                slug = slug_for(local_date, sequence)
                folder = profile_dir / slug
                if not self._used(folder) and not folder_taken(folder):
                    break
                sequence += 1
            brief_id = self.db.insert(
                "INSERT INTO briefs (profile, title, generated_at, engine, out_dir, story_count,"
                " data, slug, local_date, state, claimed_by, claimed_at)"
                " VALUES (?, '', ?, '', ?, 0, '{}', ?, ?, 'pending', ?, ?)",
                (profile, d.time(now), str(folder), slug, d.day(local_date), owner, d.time(now)),
            )
        assert brief_id is not None
        record = self.record(brief_id)
        assert record is not None
        return record

    def _used(self, folder: Path) -> bool:
        # Another profile name can map to the same folder (briefing.folders.safe_segment).
        return self.db.query_one(
            "SELECT 1 AS used FROM briefs WHERE out_dir = ?", (str(folder),)
        ) is not None

    def fill(
        self,
        brief: Brief,
        data: Mapping[str, Any],
        *,
        article_ids: Sequence[int],
        story_keys: Sequence[tuple[str, int]],
    ) -> None:
        assert brief.id is not None
        with self.db.transaction():
            self.db.execute(
                "UPDATE briefs SET title = ?, generated_at = ?, engine = ?, story_count = ?,"
                " data = ? WHERE id = ? AND state = 'pending'",
                (brief.title, self.db.dialect.time(brief.generated_at), brief.engine,
                 len(brief.stories), json.dumps(data, ensure_ascii=False), brief.id),
            )
            self.db.executemany(
                "INSERT INTO brief_articles (brief_id, article_id) VALUES (?, ?)"
                " ON CONFLICT (brief_id, article_id) DO NOTHING",
                [(brief.id, article_id) for article_id in dict.fromkeys(article_ids)],
            )
            self.memory.record_keys(brief.id, story_keys)

    def publish(self, brief_id: int) -> None:
        with self.db.transaction():
            self.db.execute(
                "UPDATE briefs SET state = 'published', claimed_by = NULL, claimed_at = NULL"
                " WHERE id = ?",
                (brief_id,),
            )

    def discard(self, brief_id: int) -> None:
        with self.db.transaction():
            self.db.execute("DELETE FROM briefs WHERE id = ? AND state = 'pending'", (brief_id,))

    def pending(self) -> list[BriefRecord]:
        return [self._record(row) for row in self.db.query(
            f"SELECT {_RECORD} FROM briefs WHERE state = 'pending' ORDER BY id"
        )]

    def record(self, brief_id: int) -> BriefRecord | None:
        row = self.db.query_one(f"SELECT {_RECORD} FROM briefs WHERE id = ?", (brief_id,))
        return self._record(row) if row is not None else None

    def latest(self, profile: str) -> BriefRecord | None:
        row = self.db.query_one(
            f"SELECT {_RECORD} FROM briefs WHERE profile = ? AND state = 'published'"
            " ORDER BY generated_at DESC, id DESC LIMIT 1",
            (profile,),
        )
        return self._record(row) if row is not None else None

    def records(self, profile: str | None = None) -> list[BriefRecord]:
        sql = f"SELECT {_RECORD} FROM briefs WHERE state = 'published'"
        params: tuple[object, ...] = ()
        if profile is not None:
            sql += " AND profile = ?"
            params = (profile,)
        rows = self.db.query(sql + " ORDER BY generated_at DESC, id DESC", params)
        return [self._record(row) for row in rows]

    def get(self, brief_id: int) -> Brief:
        row = self.db.query_one(f"SELECT {_RECORD}, data FROM briefs WHERE id = ?", (brief_id,))
        if row is None:
            raise StoreError(f"{self.db.location}: no brief with id {brief_id}")
        try:
            data = json.loads(row["data"])
        except ValueError as error:
            raise StoreError(
                f"{self.db.location}: brief {brief_id} is unreadable: {error}"
            ) from error
        brief = brief_from_dict(data, where=f"{self.db.location}: brief {brief_id}")
        if brief.id is None:  # recorded before briefs knew their id
            brief = replace(brief, id=brief_id, slug=row["slug"])
        return brief

    def article_ids(self, brief_id: int) -> set[int]:
        rows = self.db.query(
            "SELECT article_id FROM brief_articles WHERE brief_id = ?", (brief_id,)
        )
        return {int(row["article_id"]) for row in rows}

    def _record(self, row: Row) -> BriefRecord:
        d = self.db.dialect
        return BriefRecord(
            id=int(row["id"]),
            profile=row["profile"],
            slug=row["slug"],
            folder=Path(row["out_dir"]),
            local_date=d.read_day(row["local_date"]).isoformat(),
            state=row["state"],
            claimed_by=row["claimed_by"],
            claimed_at=d.read_time(row["claimed_at"]),
            generated_at=d.read_time(row["generated_at"]) or datetime.now(UTC),
        )


_RECORD = "id, profile, slug, out_dir, local_date, state, claimed_by, claimed_at, generated_at"
