"""Full-text search over the archive: SQLite FTS5, one row per story.

The table (``archive_fts``, store migration 4) is derived data: it is filled
from the brief.json files and can always be rebuilt from them. A row holds a
story's headline, its bullets and its sources' titles and outlets, plus the
brief it belongs to (unindexed columns), so a hit names the brief and the
snippet shows the words that matched.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache

from briefing.archive.model import ArchiveEntry
from briefing.brief import BriefStory
from briefing.errors import StoreError
from briefing.store import Store

#: bm25 weights of the indexed columns (headline, bullets, sources): a word in a
#: headline says more about what a story is about than the same word in a bullet.
WEIGHTS = (4.0, 1.0, 0.5)
SNIPPET_WORDS = 12
MARK_OPEN, MARK_CLOSE = "[", "]"


@dataclass(frozen=True, slots=True)
class SearchHit:
    brief: str  # "<profile>/<slug>"
    profile: str
    day: str
    title: str
    headline: str
    snippet: str  # the best-matching passage, matched words in [brackets]
    score: float  # bm25: lower is better


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


def require_fts5() -> None:
    if not fts5_available():
        raise StoreError(
            f"archive search needs SQLite's FTS5 extension, which this Python's SQLite "
            f"{sqlite3.sqlite_version} lacks; install a Python built against a full SQLite"
        )


def index_briefs(store: Store, briefs: Iterable[ArchiveEntry], *, replace_all: bool) -> int:
    """(Re)index ``briefs``; with ``replace_all``, everything else is dropped first.

    Returns the number of stories indexed. One transaction: a search never sees
    a brief half-indexed.
    """
    require_fts5()
    rows: list[tuple[str, ...]] = []
    keys: list[str] = []
    for brief in briefs:
        keys.append(brief.key)
        rows.extend(_row(brief, story) for story in brief.brief.stories)
    with store.transaction() as db:
        if replace_all:
            db.execute("DELETE FROM archive_fts")
        else:
            db.executemany("DELETE FROM archive_fts WHERE brief = ?", [(k,) for k in keys])
        db.executemany(
            "INSERT INTO archive_fts (headline, bullets, sources, brief, profile, day, title)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)",
            rows,
        )
    return len(rows)


def indexed_keys(store: Store) -> set[str]:
    """The keys of the briefs the index holds."""
    require_fts5()
    return {row[0] for row in store.query("SELECT DISTINCT brief FROM archive_fts")}


def drop_missing(store: Store, keep: set[str]) -> int:
    """Remove the rows of briefs not in ``keep`` (pruned or deleted); returns briefs dropped."""
    require_fts5()
    gone = sorted(indexed_keys(store) - keep)
    if gone:
        with store.transaction() as db:
            db.executemany("DELETE FROM archive_fts WHERE brief = ?", [(k,) for k in gone])
    return len(gone)


def indexed_count(store: Store) -> int:
    require_fts5()
    return int(store.query("SELECT count(DISTINCT brief) FROM archive_fts")[0][0])


def search(
    store: Store, query: str, *, limit: int = 20, profile: str | None = None
) -> list[SearchHit]:
    """Stories matching every word of ``query``, best first (bm25), with snippets."""
    require_fts5()
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
    sql += " ORDER BY score, day DESC LIMIT ?"
    params.append(limit)
    return [
        SearchHit(
            brief=row["brief"], profile=row["profile"], day=row["day"], title=row["title"],
            headline=row["headline"], snippet=row["snippet"], score=float(row["score"]),
        )
        for row in store.query(sql, tuple(params))
    ]


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


def _row(entry: ArchiveEntry, story: BriefStory) -> tuple[str, ...]:
    brief = entry.brief
    numbers = story.sources or tuple(n for b in story.bullets for n in b.sources)
    by_number = {source.number: source for source in brief.sources}
    sources = [by_number[n] for n in dict.fromkeys(numbers) if n in by_number]
    return (
        story.headline,
        "\n".join(bullet.text for bullet in story.bullets),
        "\n".join(f"{s.title} — {s.outlet}" if s.outlet else s.title for s in sources),
        entry.key,
        entry.profile,
        entry.day.isoformat(),
        brief.title,
    )
