"""``briefing store copy``: an SQLite store into PostgreSQL, every row and id kept."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from recorded import placeholder_brief, used_articles

from briefing.cli import main
from briefing.errors import StoreError
from briefing.storage import (
    EntryCounts,
    Identity,
    NewArticle,
    SearchDocument,
    SourceRef,
    SourceRun,
    Storage,
    Validators,
    open_storage,
)
from briefing.storage.copy import copy_store
from briefing.storage.postgres import PostgresStorage
from briefing.storage.records import CacheEntry, CallRow
from briefing.storage.sqlite import SqliteStorage

NOW = datetime(2026, 3, 30, 6, tzinfo=UTC)
DAY = date(2026, 3, 30)


def fill(storage: Storage) -> int:
    """A little of everything, the way the application writes it; returns a brief id."""
    stored = storage.articles.add_many([NewArticle("feed", "Ledger", f"Story {n}", f"Text {n}.",
                                                   url=f"https://x.example/{n}", published=NOW)
                                        for n in range(5)])
    ids = [article.id for article, _ in stored]
    storage.articles.record_identities([
        Identity(ids[0], (f"https://x.example/{ids[0]}",), "https://x.example/0",
                 scheme="s", signature=b"\x01\x02"),
        Identity(ids[1], (), duplicate_of=ids[0], scheme="s", signature=b"\x03"),
    ])
    brief = placeholder_brief(storage, "morning", NOW - timedelta(days=1))
    used_articles(storage, brief, ids[:3], story_keys=[("flood", ids[0])])
    storage.outbox.enqueue(brief, ["a@x.org", "b@x.org"], iter(["<1@x>", "<2@x>"]).__next__,
                           now=NOW)
    row = storage.outbox.claim_next(brief, owner="w", now=NOW, recipients=["a@x.org"])
    assert row is not None and storage.outbox.finish(row.id, "sent", owner="w", now=NOW)
    row = storage.outbox.claim_next(brief, owner="w", now=NOW, recipients=["b@x.org"])
    assert row is not None and storage.outbox.finish(row.id, "failed", owner="w", now=NOW,
                                                     error="550 no such user")
    assert [r.recipient for r in storage.outbox.dismiss(brief, now=NOW)] == ["b@x.org"]
    storage.digests.record_first_run(["morning"], now=NOW - timedelta(days=3))
    assert storage.digests.claim_build("morning", DAY, owner="w", scheduled_for=NOW, now=NOW,
                                       max_attempts=3)
    assert storage.digests.mark_built("morning", DAY, brief, owner="w", now=NOW)
    storage.llm.record(
        [CallRow(NOW, "http://llm/v1", "m", "story_bullets", "ok", tokens_in=5, cache_hit=True),
         CallRow(NOW, "http://llm/v1", "m", "story_bullets", "timeout", tokens_in=700,
                 tokens_out=90, tokens_estimated=True)],
        [CacheEntry("k", "story_bullets", "m", "1", '{"bullets": []}', 5, 1, NOW)],
    )
    storage.llm.set_endpoint_format("http://llm/v1", "m", "json_object", now=NOW)
    storage.sources.record_runs([
        SourceRun(SourceRef("feed", "feed", "https://x.example/feed"), new=5,
                  validators=Validators('"e"', None), unusable=EntryCounts(1, 0, 0)),
    ], NOW)
    storage.search.index([SearchDocument("morning/2026-03-29", "morning", "2026-03-29", "T",
                                         "Harbour flood closes the ferry", "Résidents left.",
                                         "Story 0 — Ledger")],
                         keys=["morning/2026-03-29"], replace_all=False)
    return brief


def snapshot(storage: Storage, brief: int) -> dict[str, object]:
    return {
        "articles": storage.articles.get_many(range(1, 10)),
        "sketches": storage.articles.sketches("s", since=NOW - timedelta(days=365)),
        "urls": storage.articles.known_urls([f"https://x.example/{n}" for n in range(10)]),
        "briefs": storage.briefs.records(),
        "brief": storage.briefs.get(brief),
        "used": storage.briefs.article_ids(brief),
        "keys": storage.memory.story_keys(brief),
        "outbox": storage.outbox.rows(brief),
        "digests": storage.digests.records(),
        "calls": storage.llm.calls(),
        "cache": storage.llm.cached("k"),
        "format": storage.llm.endpoint_format("http://llm/v1", "m"),
        "usage": storage.llm.usage(),
        "problems": storage.outbox.problems(),
        "first runs": storage.digests.first_runs(["morning"]),
        "installation": storage.installation_id,
        "sources": storage.sources.all(),
        "search": [(h.brief, h.headline) for h in storage.search.search("residents")],
    }


def test_everything_is_copied_ids_kept(tmp_path: Path, postgres_url: str) -> None:
    with SqliteStorage(tmp_path / "briefing.db") as sqlite:
        brief = fill(sqlite)
        before = snapshot(sqlite, brief)
        with PostgresStorage(postgres_url) as postgres:
            report = copy_store(sqlite, postgres)
            after = snapshot(postgres, brief)
            # New rows continue after the copied ids.
            new, is_new = postgres.articles.add(NewArticle("feed", "L", "New", "Brand new."))
            assert is_new and new.id == 6
            assert placeholder_brief(postgres, "evening") == brief + 1
    assert report.rows["articles"] == 5 and report.rows["outbox"] == 2
    assert report.rows["search"] == 1
    for key, value in before.items():
        assert after[key] == value, key
    assert before["problems"] == []  # dismissed, and that was copied too
    assert [row.dismissed for row in before["outbox"]] == [False, True]  # type: ignore[attr-defined]
    [usage] = before["usage"]  # type: ignore[misc]
    assert usage.estimated_tokens == 790
    assert before["search"] == [("morning/2026-03-29", "Harbour flood closes the ferry")]


def test_copy_refuses_a_database_that_holds_data(tmp_path: Path, postgres_url: str) -> None:
    with SqliteStorage(tmp_path / "briefing.db") as sqlite, \
            PostgresStorage(postgres_url) as postgres:
        fill(sqlite)
        copy_store(sqlite, postgres)
        with pytest.raises(StoreError, match="already holds data"):
            copy_store(sqlite, postgres)


def test_the_store_copy_command(
    tmp_path: Path, postgres_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with open_storage(tmp_path / ".briefing" / "briefing.db") as sqlite:
        fill(sqlite)
    config = tmp_path / "briefing.toml"
    config.write_text("[brief]\ntitle = 'x'\n", encoding="utf-8")
    assert main(["store", "copy", "--to", postgres_url, "--config", str(config)]) == 0
    captured = capsys.readouterr()
    assert "copied" in captured.out and "articles: 5 row(s)" in captured.err
    with open_storage(postgres_url) as postgres:
        assert postgres.articles.count() == 5
    assert main(["store", "copy", "--to", str(tmp_path / "x.db"), "--config", str(config)]) == 2
    assert "expected a postgresql://" in capsys.readouterr().err
