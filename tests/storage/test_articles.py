"""The articles repository, on SQLite and on PostgreSQL (the ``storage`` fixture)."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from recorded import placeholder_brief, used_articles

from briefing.errors import StoreError
from briefing.storage import Identity, NewArticle, Storage, open_storage

WHEN = datetime(2026, 11, 20, 8, tzinfo=UTC)


def article(text: str = "Body text.", title: str = "A title", source: str = "s",
            **fields: object) -> NewArticle:
    values: dict[str, object] = {"outlet": "Outlet", "path": "/x.txt", "published": WHEN}
    values.update(fields)
    return NewArticle(source=source, title=title, text=text, **values)  # type: ignore[arg-type]


def test_same_content_is_recognised_as_seen(store_location: Path | str) -> None:
    with open_storage(store_location) as storage:
        first, first_new = storage.articles.add(article())
    with open_storage(store_location) as storage:  # a second run, a new connection
        second, second_new = storage.articles.add(article("Body   text."))  # spacing
        third, third_new = storage.articles.add(article("Other text."))
        assert storage.articles.count() == 2
    assert (first_new, second_new, third_new) == (True, False, True)
    assert first.id == second.id != third.id


def test_a_batch_is_stored_in_order_and_repeats_are_known(storage: Storage) -> None:
    results = storage.articles.add_many(
        [article("One."), article("Two."), article("one."), article("Three.")]
    )
    assert [(a.text, new) for a, new in results] == [
        ("One.", True), ("Two.", True), ("One.", False), ("Three.", True)]
    assert results[0][0].id == results[2][0].id
    assert storage.articles.add_many([]) == []


def test_a_large_batch_spans_several_statements_in_order(storage: Storage) -> None:
    # More rows than one statement's parameters allow: ids still follow the batch's order,
    # repeats inside the batch and known content are told apart, canonical URLs kept.
    batch = [article(f"Story {n}.", canonical_url=f"https://a.example/{n}") for n in range(120)]
    batch.insert(60, article("Story 3.", canonical_url="https://b.example/3"))  # a repeat
    results = storage.articles.add_many(batch)
    assert [new for _, new in results] == [True] * 60 + [False] + [True] * 60
    ids = [a.id for a, new in results if new]
    assert ids == sorted(ids) and len(set(ids)) == 120
    assert results[60][0].id == results[3][0].id
    assert storage.articles.canonical_url(results[3][0].id) == "https://a.example/3"
    assert storage.articles.canonical_url(results[119][0].id) == "https://a.example/118"
    again = storage.articles.add_many([article("Story 7.", canonical_url="https://c.example/7"),
                                       article("Story 200.")])
    assert [new for _, new in again] == [False, True]
    assert again[0][0].id == results[7][0].id
    assert storage.articles.canonical_url(results[7][0].id) == "https://a.example/7"
    assert storage.articles.canonical_url(again[1][0].id) is None
    assert storage.articles.count() == 121


def test_article_round_trip(storage: Storage) -> None:
    stored, _ = storage.articles.add(article(url="https://a.example/1", path=None))
    again = storage.articles.get(stored.id)
    assert again == stored
    assert again is not None
    assert again.title == "A title" and again.outlet == "Outlet"
    assert again.published == WHEN and again.url == "https://a.example/1" and again.path is None
    assert storage.articles.get(stored.id + 100) is None
    assert storage.articles.get_many([stored.id, stored.id + 100]) == {stored.id: stored}


def test_identities_urls_copies_and_sketches(storage: Storage) -> None:
    (first, _), (copy, _) = storage.articles.add_many([article("One."), article("Copy.")])
    storage.articles.record_identities([
        Identity(first.id, ("https://a.example/1", "https://a.example/one"),
                 canonical_url="https://a.example/1", scheme="s1", signature=b"\x00\x01"),
        Identity(copy.id, ("https://b.example/1",), canonical_url="https://b.example/1",
                 duplicate_of=first.id, scheme="s1", signature=b"\x02"),
        Identity(copy.id, ("https://a.example/1",)),  # met under a known URL: first stays
    ])
    assert storage.articles.known_urls(
        ["https://a.example/one", "https://c.example/", "https://b.example/1"]
    ) == {"https://a.example/one", "https://b.example/1"}
    assert storage.articles.met_under("https://a.example/1") == first.id
    assert storage.articles.canonical_url(copy.id) == "https://b.example/1"
    assert storage.articles.duplicate_of(copy.id) == first.id
    assert storage.articles.duplicate_of(first.id) is None
    sketches = storage.articles.sketches("s1", since=datetime.now(UTC) - timedelta(days=1))
    assert [(s.article_id, s.signature, s.duplicate_of) for s in sketches] == [
        (first.id, b"\x00\x01", None), (copy.id, b"\x02", first.id)]
    assert storage.articles.sketches("s1", since=datetime.now(UTC) + timedelta(days=1)) == []
    assert storage.articles.sketches("other", since=WHEN - timedelta(days=999)) == []


def test_a_failed_batch_writes_nothing_and_keeps_what_was_stored(storage: Storage) -> None:
    stored, _ = storage.articles.add(article())
    with pytest.raises(StoreError):
        storage.articles.record_identities([
            Identity(stored.id, ("https://a.example/kept-out",)),
            Identity(stored.id + 999, ("https://a.example/no-such-article",)),  # foreign key
        ])
    assert storage.articles.known_urls(["https://a.example/kept-out"]) == set()
    assert storage.articles.count() == 1
    storage.articles.add(article("Still writable."))  # the store goes on
    assert storage.articles.count() == 2


def test_unbriefed_leaves_out_copies_and_what_the_profile_briefed(storage: Storage) -> None:
    (a, _), (b, _), (c, _), (d, _) = storage.articles.add_many([
        article("A.", source="feed"), article("B.", source="feed"),
        article("C.", source="feed"), article("D.", source="other"),
    ])
    storage.articles.record_identities([Identity(c.id, duplicate_of=a.id)])
    brief = placeholder_brief(storage, "morning")
    used_articles(storage, brief, [b.id])
    assert [x.id for x in storage.articles.unbriefed("morning", ["feed"])] == [a.id]
    assert [x.id for x in storage.articles.unbriefed("evening", ["feed", "other"])] == [
        a.id, b.id, d.id]
    assert storage.articles.unbriefed("morning", []) == []
    later = datetime.now(UTC) + timedelta(minutes=5)
    assert storage.articles.unbriefed("evening", ["feed"], since=later) == []


# -- SQLite specifics --------------------------------------------------------------------------


def test_sqlite_runs_in_wal_mode(tmp_path: Path) -> None:
    open_storage(tmp_path / "db.sqlite3").close()
    with sqlite3.connect(tmp_path / "db.sqlite3") as db:
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_unopenable_path_is_a_store_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    with pytest.raises(StoreError, match="cannot open the store"):
        open_storage(blocker / "db.sqlite3")


def test_row_by_row_where_sqlite_cannot_return_what_it_inserted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # SQLite before 3.35 has no INSERT ... RETURNING: the same results, a row at a time.
    from briefing.storage.sqlite.database import SqliteDialect

    monkeypatch.setattr(SqliteDialect, "returning", False)
    with open_storage(tmp_path / "old.db") as storage:
        storage.articles.add(article("Known."))
        results = storage.articles.add_many(
            [article("One.", canonical_url="https://a.example/1"), article("Known."),
             article("one."), article("Two.")])
        assert [(a.text, new) for a, new in results] == [
            ("One.", True), ("Known.", False), ("One.", False), ("Two.", True)]
        assert results[0][0].id == results[2][0].id
        assert storage.articles.canonical_url(results[0][0].id) == "https://a.example/1"
        assert storage.articles.count() == 3


def test_what_add_many_returns_is_what_the_store_reads_back(storage: Storage) -> None:
    # New articles are built from what was written, not read back: they must be equal
    # to a later read, field for field, times included (another zone, microseconds).
    elsewhere = timezone(timedelta(hours=-5, minutes=-30))
    batch = [
        article("Plain.", published=WHEN, fetched=WHEN + timedelta(minutes=3)),
        article("Zoned.", published=datetime(2026, 11, 19, 23, 59, 58, 123456, elsewhere),
                fetched=datetime(2026, 11, 20, 1, 2, 3, 999999, elsewhere), path=None,
                url="https://a.example/zoned"),
        article("Undated.", published=None, outlet="", title="Titre é — “quoted”"),
        article("Plain."),  # a copy inside the batch
    ]
    known, _ = storage.articles.add(article("Known before.", published=None))
    results = storage.articles.add_many([*batch, article("Known before.", published=None)])
    assert [new for _, new in results] == [True, True, True, False, False]
    read_back = storage.articles.get_many(stored.id for stored, _ in results)
    for stored, _ in results:
        # repr, not ==: equal instants in two zones compare equal, but read differently.
        assert repr(stored) == repr(read_back[stored.id])
    assert results[4][0] == known
    assert results[1][0].published == datetime(2026, 11, 20, 5, 29, 58, 123456, UTC)
    assert results[2][0].fetched is not None and results[2][0].published is None
