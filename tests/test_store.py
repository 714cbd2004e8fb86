from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest

from briefing.errors import StoreError
from briefing.store import MIGRATIONS, Store


def add(store: Store, text: str = "Body text.", title: str = "A title") -> tuple[int, bool]:
    article, is_new = store.add_article(
        source="s", outlet="Outlet", title=title, text=text, path="/x.txt",
        published=datetime(2026, 11, 20, 8, tzinfo=UTC),
    )
    return article.id, is_new


def test_wal_mode_and_schema_version(tmp_path: Path) -> None:
    with Store(tmp_path / "db.sqlite3") as store:
        assert store.query("PRAGMA journal_mode")[0][0] == "wal"
        assert store.schema_version == len(MIGRATIONS)


def test_same_content_is_recognised_as_seen(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite3"
    with Store(path) as store:
        first_id, first_new = add(store)
    with Store(path) as store:  # a second run, a new connection
        second_id, second_new = add(store, text="Body   text.")  # whitespace does not matter
        third_id, third_new = add(store, text="Other text.")
        assert store.article_count() == 2
    assert (first_new, second_new, third_new) == (True, False, True)
    assert first_id == second_id != third_id


def test_article_round_trip(tmp_path: Path) -> None:
    with Store(tmp_path / "db.sqlite3") as store:
        article_id, _ = add(store)
        article = store.article(article_id)
    assert article is not None
    assert article.title == "A title" and article.outlet == "Outlet"
    assert article.published == datetime(2026, 11, 20, 8, tzinfo=UTC)
    assert article.path == "/x.txt" and article.url is None


def test_a_newer_schema_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite3"
    Store(path).close()
    with sqlite3.connect(path) as db:
        db.execute(f"PRAGMA user_version = {len(MIGRATIONS) + 5}")
    with pytest.raises(StoreError, match="newer than this briefing understands"):
        Store(path)


def test_a_failed_write_keeps_what_was_stored(tmp_path: Path) -> None:
    with Store(tmp_path / "db.sqlite3") as store:
        add(store)
        with pytest.raises(StoreError), store.transaction() as db:
            db.execute("INSERT INTO articles (id) VALUES (1)")  # violates NOT NULL
        assert store.article_count() == 1


def test_unopenable_path_is_a_store_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    with pytest.raises(StoreError, match="cannot open the store"):
        Store(blocker / "db.sqlite3")
