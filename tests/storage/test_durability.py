"""Durability per transaction: what the next run re-creates commits without waiting for
the disk; briefs, the outbox and digests always wait (see the README's storage notes)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from recorded import placeholder_brief

from briefing.storage import NewArticle, open_storage
from briefing.storage.postgres import PostgresStorage
from briefing.storage.sqlite import SqliteStorage

NOW = datetime(2026, 3, 30, 6, tzinfo=UTC)
FULL, NORMAL = 2, 1  # PRAGMA synchronous


def test_sqlite_waits_for_the_disk_only_where_it_matters(tmp_path: Path) -> None:
    with open_storage(tmp_path / "b.db") as storage:
        assert isinstance(storage, SqliteStorage)

        def synchronous() -> int:
            return int(storage.db.scalar("PRAGMA synchronous"))

        storage.articles.add(NewArticle("s", "O", "T", "Text."))
        assert synchronous() == NORMAL  # articles: re-collected if a power cut loses them
        brief = placeholder_brief(storage)
        assert synchronous() == FULL  # a published brief survives a power cut
        storage.llm.set_endpoint_format("http://x/v1", "m", "json_object", now=NOW)
        assert synchronous() == NORMAL
        storage.outbox.enqueue(brief, ["a@x.org"], lambda: "<1@x>", now=NOW)
        assert synchronous() == FULL  # as does every outbox and digest change


def test_postgres_skips_the_wait_only_inside_batch_transactions(postgres_url: str) -> None:
    with open_storage(postgres_url) as storage:
        assert isinstance(storage, PostgresStorage)
        with storage.db.transaction(durable=False):
            assert storage.db.scalar("SHOW synchronous_commit") == "off"
        with storage.db.transaction():
            assert storage.db.scalar("SHOW synchronous_commit") != "off"
        assert storage.db.scalar("SHOW synchronous_commit") != "off"  # LOCAL: it ended
