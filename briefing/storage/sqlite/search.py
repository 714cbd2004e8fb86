"""Archive search on SQLite: FTS5, one row per story (table ``archive_fts``).

Ranked by bm25 with the headline weighing most; diacritics are folded by the
``unicode61`` tokenizer, so "resident" finds "résident". ``archive_fts_briefs``
lists the briefs indexed, each with the rowids of its stories: FTS5 cannot index
a column it does not search, and an archive update must find one brief's stories
(or the briefs indexed) without reading every story of the archive.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Sequence
from functools import cache

from briefing.errors import StoreError
from briefing.storage.records import SearchDocument, SearchHit
from briefing.storage.sql.database import Database

#: bm25 weights of the indexed columns (headline, bullets, sources): a word in a
#: headline says more about what a story is about than the same word in a bullet.
WEIGHTS = (4.0, 1.0, 0.5)
SNIPPET_WORDS = 12
MARK_OPEN, MARK_CLOSE = "[", "]"


@cache
def fts5_available() -> bool:
    """Whether this Python's SQLite was built with FTS5 (nearly all are)."""
    db = sqlite3.connect(":memory:")
    try:
        db.execute("CREATE VIRTUAL TABLE probe USING fts5(x)")
        return True
    except sqlite3.OperationalError:
        return False
    finally:
        db.close()


def fts_query(query: str) -> str:
    """A user's words as an FTS5 query: each word a quoted phrase, all required.

    Quoting keeps punctuation ("U.S.", "AT&T", a stray quote) from being read
    as FTS5 syntax and raising; a trailing ``*`` still asks for a prefix match.
    """
    terms: list[str] = []
    for word in query.split():
        prefix = word.endswith("*")
        word = word.rstrip("*")
        if not any(ch.isalnum() for ch in word):
            continue
        phrase = '"' + word.replace('"', '""') + '"'
        terms.append(phrase + ("*" if prefix else ""))
    return " ".join(terms)


class SqliteSearch:
    def __init__(self, db: Database) -> None:
        self.db = db

    def check(self) -> None:
        if not fts5_available():
            raise StoreError(
                f"archive search needs SQLite's FTS5 extension, which this Python's SQLite "
                f"{sqlite3.sqlite_version} lacks; install a Python built against a full "
                "SQLite, or use a PostgreSQL store"
            )

    def index(
        self, documents: Sequence[SearchDocument], *, keys: Sequence[str], replace_all: bool
    ) -> int:
        self.check()
        with self.db.transaction(durable=False):
            if replace_all:
                self.db.execute("DELETE FROM archive_fts")
                self.db.execute("DELETE FROM archive_fts_briefs")
            else:
                self._delete(keys)
            # Explicit rowids, one run per brief (recorded below for finding them again).
            last = int(self.db.scalar("SELECT max(rowid) AS n FROM archive_fts") or 0)
            rows = list(enumerate(documents, last + 1))
            self.db.executemany(
                "INSERT INTO archive_fts (rowid, headline, bullets, sources, brief, profile, day,"
                " title) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [(n, d.headline, d.bullets, d.sources, d.brief, d.profile, d.day, d.title)
                 for n, d in rows],
            )
            # Every brief listed, even one without stories ((0, -1): an empty run).
            runs = {key: (0, -1) for key in keys}
            for n, document in rows:  # n grows: a brief's run is its first n to its last
                first, end = runs.get(document.brief, (0, -1))
                runs[document.brief] = (n if end < first else first, n)
            self.db.executemany(
                "INSERT OR REPLACE INTO archive_fts_briefs (brief, first_story, last_story)"
                " VALUES (?, ?, ?)", [(key, first, end) for key, (first, end) in runs.items()],
            )
        return len(documents)

    def keys(self) -> set[str]:
        self.check()
        return {row["brief"] for row in self.db.query("SELECT brief FROM archive_fts_briefs")}

    def drop(self, keys: Iterable[str]) -> int:
        self.check()
        gone = [key for key in sorted(set(keys)) if self.db.query_one(
            "SELECT brief FROM archive_fts_briefs WHERE brief = ?", (key,)) is not None]
        if gone:
            with self.db.transaction(durable=False):
                self._delete(gone)
        return len(gone)

    def count(self) -> int:
        self.check()
        return int(self.db.scalar("SELECT count(*) AS n FROM archive_fts_briefs") or 0)

    def _delete(self, keys: Iterable[str]) -> None:
        """Remove the stories of briefs ``keys`` (inside the caller's transaction)."""
        for key in dict.fromkeys(keys):
            run = self.db.query_one(
                "SELECT first_story, last_story FROM archive_fts_briefs WHERE brief = ?", (key,)
            )
            if run is None:
                continue
            # The rowid range keeps FTS5 from reading other briefs' stories.
            self.db.execute("DELETE FROM archive_fts WHERE rowid BETWEEN ? AND ? AND brief = ?",
                            (run["first_story"], run["last_story"], key))
            self.db.execute("DELETE FROM archive_fts_briefs WHERE brief = ?", (key,))

    def search(
        self, query: str, *, limit: int = 20, profile: str | None = None
    ) -> list[SearchHit]:
        self.check()
        match = fts_query(query)
        if not match:
            return []
        sql = (
            "SELECT brief, profile, day, title, headline,"
            f" snippet(archive_fts, -1, ?, ?, '…', {SNIPPET_WORDS}) AS snippet,"
            " bm25(archive_fts, ?, ?, ?) AS score"
            " FROM archive_fts WHERE archive_fts MATCH ?"
        )
        params: list[object] = [MARK_OPEN, MARK_CLOSE, *WEIGHTS, match]
        if profile is not None:
            sql += " AND profile = ?"
            params.append(profile)
        sql += " ORDER BY score, day DESC, brief LIMIT ?"
        params.append(limit)
        return [
            SearchHit(
                brief=row["brief"], profile=row["profile"], day=row["day"], title=row["title"],
                headline=row["headline"], snippet=row["snippet"], score=float(row["score"]),
            )
            for row in self.db.query(sql, params)
        ]
