"""Versioned migrations on both backends: fresh stores, old stores upgraded in place,
newer stores refused, concurrent first starts, and ``briefing store migrate``."""

from __future__ import annotations

import sqlite3
import threading
from datetime import UTC, date, datetime
from pathlib import Path

import psycopg
import pytest
from old_stores import sqlite_store_at

from briefing.cli import main
from briefing.errors import StoreError
from briefing.storage import open_storage
from briefing.storage.postgres import MIGRATIONS as POSTGRES_MIGRATIONS
from briefing.storage.sqlite import MIGRATIONS as SQLITE_MIGRATIONS


def test_a_new_store_is_at_the_latest_version(store_location: Path | str) -> None:
    with open_storage(store_location) as storage:
        assert storage.schema_version == storage.latest_version
        assert storage.migrate() == []  # nothing left to do
    expected = len(POSTGRES_MIGRATIONS) if isinstance(store_location, str) else len(
        SQLITE_MIGRATIONS)
    assert storage.latest_version == expected


def test_a_version_9_store_upgrades_in_place_keeping_everything(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    sqlite_store_at(path, 9)
    with sqlite3.connect(path) as db:
        db.execute(
            "INSERT INTO articles (source, outlet, title, url, path, published_at, fetched_at,"
            " first_seen_at, last_seen_at, content_hash, text) VALUES ('s', 'O', 'Old news',"
            " NULL, NULL, NULL, '2026-01-01T00:00:00+00:00', '2026-01-01T00:00:00+00:00',"
            " '2026-01-01T00:00:00+00:00', 'h', 'Body.')"
        )
        db.execute(
            "INSERT INTO digests (profile, local_date, state, attempts, created_at, updated_at)"
            " VALUES ('morning', '2026-01-01', 'failed', 1, '2026-01-01T07:00:00+00:00',"
            " '2026-01-01T07:00:00+00:00')"
        )
        db.execute("INSERT INTO sources (name, type, url) VALUES ('feed', 'feed', 'https://x/')")
    with open_storage(path) as storage:
        assert storage.schema_version == len(SQLITE_MIGRATIONS) == 14
        article = storage.articles.get(1)
        assert article is not None and article.title == "Old news"
        digest = storage.digests.get("morning", date(2026, 1, 1))
        assert digest is not None and digest.state == "failed" and not digest.interrupted
        [source] = storage.sources.all()
        assert source.name == "feed" and source.claimed_by is None
        assert storage.workers.all() == []


def test_sqlite_migration_12_dates_an_existing_stores_first_run_from_its_digests(
    tmp_path: Path,
) -> None:
    path = tmp_path / "old.db"
    sqlite_store_at(path, 11)
    with sqlite3.connect(path) as db:
        for day, created in (("2026-03-02", "2026-03-02T06:00:00+00:00"),
                             ("2026-03-03", "2026-03-03T06:00:00+00:00")):
            db.execute("INSERT INTO digests (profile, local_date, state, origin, created_at,"
                       " updated_at) VALUES ('morning', ?, 'sent', 'schedule', ?, ?)",
                       (day, created, created))
        db.execute("INSERT INTO digests (profile, local_date, state, origin, created_at,"
                   " updated_at) VALUES ('evening', '2026-03-01', 'sent', 'manual', ?, ?)",
                   ("2026-03-01T18:00:00+00:00", "2026-03-01T18:00:00+00:00"))
    db.close()
    with open_storage(path) as storage:
        assert storage.schema_version == len(SQLITE_MIGRATIONS)
        # A manual send is no schedule: the evening profile has no first run yet.
        assert storage.digests.first_runs(["morning", "evening"]) == {
            "morning": datetime(2026, 3, 2, 6, 0, tzinfo=UTC)}


def test_a_postgres_store_at_version_1_gains_what_sqlite_10_to_12_added(
    postgres_url: str,
) -> None:
    from briefing.storage.postgres.migrations import migration_sql

    with psycopg.connect(postgres_url, autocommit=True) as conn:
        conn.execute(
            "CREATE TABLE briefing_schema (version integer PRIMARY KEY,"
            " applied_at timestamptz NOT NULL DEFAULT now())"
        )
        conn.execute(migration_sql(POSTGRES_MIGRATIONS[0]).encode())
        conn.execute("INSERT INTO briefing_schema (version) VALUES (1)")
        conn.execute(
            "INSERT INTO digests (profile, local_date, state, origin, created_at, updated_at)"
            " VALUES ('morning', '2026-03-02', 'sent', 'schedule', '2026-03-02T06:00Z',"
            " '2026-03-02T06:00Z')"
        )
        conn.execute("INSERT INTO llm_endpoints (endpoint, response_format, updated_at)"
                     " VALUES ('http://x/v1', 'json_object', now())")
    now = datetime(2026, 3, 3, tzinfo=UTC)
    with open_storage(postgres_url) as storage:
        assert storage.schema_version == len(POSTGRES_MIGRATIONS) == 3
        assert storage.digests.first_runs(["morning"]) == {
            "morning": datetime(2026, 3, 2, 6, 0, tzinfo=UTC)}
        assert storage.installation_id.version == 4
        # The per-endpoint memory is gone (the next run probes again), now per model.
        assert storage.llm.endpoint_format("http://x/v1", "gemma") is None
        storage.llm.set_endpoint_format("http://x/v1", "gemma", "json_object", now=now)
        storage.llm.set_endpoint_format("http://x/v1", "qwen", "json_schema", now=now)
        assert storage.llm.endpoint_format("http://x/v1", "gemma") == "json_object"
        assert storage.llm.endpoint_format("http://x/v1", "qwen") == "json_schema"


def test_a_newer_sqlite_store_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite3"
    open_storage(path).close()
    with sqlite3.connect(path) as db:
        db.execute(f"PRAGMA user_version = {len(SQLITE_MIGRATIONS) + 5}")
    with pytest.raises(StoreError, match="newer than this briefing understands"):
        open_storage(path)


def test_a_newer_postgres_store_is_refused(postgres_url: str) -> None:
    open_storage(postgres_url).close()
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        conn.execute("INSERT INTO briefing_schema (version) VALUES (99)")
    with pytest.raises(StoreError, match="newer than this briefing understands"):
        open_storage(postgres_url)


def test_workers_starting_together_migrate_once(postgres_url: str) -> None:
    errors: list[BaseException] = []
    versions: list[int] = []
    start = threading.Barrier(5)

    def worker() -> None:
        try:
            start.wait(10)
            with open_storage(postgres_url) as storage:
                versions.append(storage.schema_version)
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=worker) for _ in range(5)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not errors, errors
    assert versions == [len(POSTGRES_MIGRATIONS)] * 5
    with psycopg.connect(postgres_url) as conn:
        rows = conn.execute("SELECT version FROM briefing_schema ORDER BY version").fetchall()
    assert [row[0] for row in rows] == list(range(1, len(POSTGRES_MIGRATIONS) + 1))


def test_the_schema_refuses_an_unknown_state(store_location: Path | str) -> None:
    open_storage(store_location).close()
    now = datetime(2026, 1, 1, tzinfo=UTC).isoformat()
    insert = ("INSERT INTO digests (profile, local_date, state, created_at, updated_at)"
              " VALUES ('p', '2026-01-01', 'lost', %s, %s)")
    if isinstance(store_location, str):
        with psycopg.connect(store_location) as conn, pytest.raises(psycopg.errors.CheckViolation):
            conn.execute(insert, (now, now))
    else:
        with sqlite3.connect(store_location) as db, pytest.raises(sqlite3.IntegrityError):
            db.execute(insert.replace("%s", "?"), (now, now))


def test_store_migrate_reports_what_it_did(
    tmp_path: Path, postgres_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    sqlite_store_at(tmp_path / "old.db", 9)
    config = tmp_path / "briefing.toml"
    config.write_text('[paths]\nstore = "old.db"\n', encoding="utf-8")
    assert main(["store", "migrate", "--config", str(config)]) == 0
    assert f"schema version 9 -> {len(SQLITE_MIGRATIONS)} (sqlite)" in capsys.readouterr().out
    assert main(["store", "migrate", "--config", str(config)]) == 0
    latest = len(SQLITE_MIGRATIONS)
    assert f"schema version {latest} (sqlite), up to date" in capsys.readouterr().out
    config.write_text(f'[paths]\nstore = "{postgres_url}"\n', encoding="utf-8")
    assert main(["store", "migrate", "--config", str(config)]) == 0
    out = capsys.readouterr().out
    assert f"schema version 0 -> {len(POSTGRES_MIGRATIONS)} (postgresql)" in out
    assert "postgresql://" in out


def test_sqlite_migration_14_names_the_brief_of_every_indexed_story(tmp_path: Path) -> None:
    """A store indexed before migration 14 keeps its search index, and an update can
    then replace or drop one brief's stories without touching the others."""
    from briefing.storage import SearchDocument

    path = tmp_path / "old.db"
    sqlite_store_at(path, 13)
    with sqlite3.connect(path) as db:
        for brief, headline in (("a/2026-03-01", "Harbour flood"), ("a/2026-03-02", "Rail strike"),
                                ("a/2026-03-02", "Harbour reopens")):
            db.execute("INSERT INTO archive_fts (headline, bullets, sources, brief, profile, day,"
                       " title) VALUES (?, '', '', ?, 'a', ?, 'T')", (headline, brief, brief[2:]))
    db.close()
    with open_storage(path) as storage:
        assert storage.schema_version == 14
        assert storage.search.keys() == {"a/2026-03-01", "a/2026-03-02"}
        assert storage.search.count() == 2
        storage.search.index([SearchDocument("a/2026-03-02", "a", "2026-03-02", "T",
                                             "Rail strike ends", "", "")],
                             keys=["a/2026-03-02"], replace_all=False)
        assert [h.brief for h in storage.search.search("harbour")] == ["a/2026-03-01"]
        assert [h.headline for h in storage.search.search("rail")] == ["Rail strike ends"]
        assert storage.search.drop(["a/2026-03-01", "a/2026-01-01"]) == 1
        assert storage.search.keys() == {"a/2026-03-02"}
        assert storage.search.search("harbour") == []
