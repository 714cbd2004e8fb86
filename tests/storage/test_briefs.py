"""Briefs and story memory, on both backends: reserve -> fill -> publish, one query reads."""

from __future__ import annotations

import sqlite3
import threading
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from recorded import placeholder_brief, used_articles

from briefing.errors import StoreError
from briefing.memory import load_earlier
from briefing.storage import NewArticle, Storage, open_storage
from briefing.storage.sqlite import SqliteStorage

NOW = datetime(2026, 12, 1, 7, tzinfo=UTC)
DAY = date(2026, 12, 1)


def reserve(storage: Storage, root: Path, profile: str = "morning", day: date = DAY,
            taken: tuple[str, ...] = ()) -> int:
    record = storage.briefs.reserve(
        profile=profile, local_date=day, profile_dir=root / profile, owner="host/1/me",
        now=NOW, folder_taken=lambda folder: folder.name in taken,
    )
    return record.id


def test_a_brief_is_reserved_filled_then_published(storage: Storage, tmp_path: Path) -> None:
    brief_id = reserve(storage, tmp_path)
    record = storage.briefs.record(brief_id)
    assert record is not None
    assert (record.state, record.slug, record.local_date, record.claimed_by) == (
        "pending", "2026-12-01", "2026-12-01", "host/1/me")
    assert record.folder == tmp_path / "morning" / "2026-12-01"
    assert storage.briefs.pending() == [record]
    assert storage.briefs.latest("morning") is None  # pending briefs count nowhere else
    (a, _), (b, _) = storage.articles.add_many([NewArticle("s", "O", "A", "a."),
                                                NewArticle("s", "O", "B", "b.")])
    used_articles(storage, brief_id, [a.id, b.id, a.id], story_keys=[("k1", a.id)], now=NOW)
    storage.briefs.publish(brief_id)
    published = storage.briefs.latest("morning")
    assert published is not None and published.state == "published"
    assert published.claimed_by is None
    assert storage.briefs.pending() == []
    assert storage.briefs.article_ids(brief_id) == {a.id, b.id}
    assert storage.memory.story_keys(brief_id) == {a.id: "k1"}
    brief = storage.briefs.get(brief_id)
    assert (brief.id, brief.title, brief.engine) == (brief_id, "T", "extractive")
    with pytest.raises(StoreError, match="no brief with id 999"):
        storage.briefs.get(999)


def test_later_briefs_of_the_day_get_folders_of_their_own(
    storage: Storage, tmp_path: Path
) -> None:
    first = reserve(storage, tmp_path)
    second = reserve(storage, tmp_path, taken=("2026-12-01-2",))  # a folder left on disk
    other = reserve(storage, tmp_path, profile="evening")
    slugs = [storage.briefs.record(i).slug for i in (first, second, other)]  # type: ignore[union-attr]
    assert slugs == ["2026-12-01", "2026-12-01-3", "2026-12-01"]
    storage.briefs.discard(second)
    assert storage.briefs.record(second) is None
    storage.briefs.publish(first)
    storage.briefs.discard(first)  # a published brief is never discarded
    assert storage.briefs.record(first) is not None
    assert [r.id for r in storage.briefs.records()] == [first]


def test_workers_reserving_at_once_never_share_a_folder(
    storage: Storage, store_location: Path | str, tmp_path: Path
) -> None:
    slugs: list[str] = []
    errors: list[BaseException] = []
    start = threading.Barrier(6)

    def worker() -> None:
        try:
            with open_storage(store_location) as own:
                start.wait(10)
                brief_id = reserve(own, tmp_path)
                record = own.briefs.record(brief_id)
                assert record is not None
                slugs.append(record.slug)
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=worker) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not errors, errors
    assert sorted(slugs) == sorted(["2026-12-01", *(f"2026-12-01-{n}" for n in range(2, 7))])


def test_story_memory_reads_earlier_briefs_before_the_day(storage: Storage) -> None:
    stored = storage.articles.add_many([NewArticle("s", "O", f"T{n}", f"text {n}.")
                                        for n in range(3)])
    ids = [article.id for article, _ in stored]
    yesterday = placeholder_brief(storage, "morning", NOW - timedelta(days=1))
    used_articles(storage, yesterday, ids[:2], story_keys=[("flood", ids[0])])
    today = placeholder_brief(storage, "morning", NOW)
    used_articles(storage, today, ids[2:])
    rows = storage.memory.earlier_articles("morning", since=NOW - timedelta(days=14),
                                           before_local_date=DAY)
    assert [(r.brief_id, r.article_id, r.story_key, r.local_date) for r in rows] == [
        (yesterday, ids[0], "flood", "2026-11-30"), (yesterday, ids[1], None, "2026-11-30")]
    assert storage.memory.earlier_articles("evening", since=NOW - timedelta(days=14),
                                           before_local_date=DAY) == []


def test_reads_take_one_query_however_many_rows(tmp_path: Path) -> None:
    """Story memory with 1 earlier article or with 60 costs the same number of queries."""

    def queries_for(count: int) -> int:
        with SqliteStorage(tmp_path / f"{count}.db") as storage:
            stored = storage.articles.add_many([NewArticle("s", "O", f"T{n}", f"text {n}.")
                                                for n in range(count)])
            brief = placeholder_brief(storage, "morning", NOW - timedelta(days=1))
            used_articles(storage, brief, [a.id for a, _ in stored])
            statements: list[str] = []
            connection: sqlite3.Connection = storage.db._db
            connection.set_trace_callback(statements.append)
            coverage = load_earlier(storage, "morning", DAY, NOW)
            connection.set_trace_callback(None)
            assert len(coverage.articles) == count
            return len(statements)

    assert queries_for(1) == queries_for(60) <= 3
