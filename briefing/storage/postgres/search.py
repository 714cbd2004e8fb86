"""Archive search on PostgreSQL: full-text search (``tsvector``, a GIN index).

The ``simple`` configuration (no stemming, no stop words: the same matching as
SQLite's ``unicode61``), over text whose diacritics are folded here, so
"resident" finds "résident"; headline, bullets and sources weigh A, B and C.
A query's words are each a phrase (``phraseto_tsquery``: punctuation is never
syntax), all required; a trailing ``*`` asks for a prefix. Ranked by
``ts_rank_cd``; the snippet comes from ``ts_headline``.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence

from briefing.storage.records import SearchDocument, SearchHit
from briefing.storage.sql.database import Database, chunks, marks

#: ts_rank_cd weights, in PostgreSQL's order {D, C, B, A}: sources, bullets, headline.
WEIGHTS = "{0.0, 0.125, 0.25, 1.0}"
HEADLINE_OPTIONS = (
    'StartSel="[", StopSel="]", MaxWords=14, MinWords=5, ShortWord=1, '
    'MaxFragments=1, FragmentDelimiter=" … "'
)
_WORD = re.compile(r"\w+")


def fold(text: str) -> str:
    """Lower case without diacritics: what is indexed, and what is looked for."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()


def query_terms(query: str) -> list[tuple[str, str]]:
    """(tsquery function, argument) for each usable word of a user's query."""
    terms: list[tuple[str, str]] = []
    for word in query.split():
        prefix = word.endswith("*")
        word = word.rstrip("*")
        if not any(ch.isalnum() for ch in word):
            continue
        folded = fold(word)
        if prefix:
            lexemes = _WORD.findall(folded)
            if lexemes:
                quoted = [f"'{lexeme}'" for lexeme in lexemes]
                terms.append(("to_tsquery", " <-> ".join(quoted) + ":*"))
        else:
            terms.append(("phraseto_tsquery", folded))
    return terms


class PostgresSearch:
    def __init__(self, db: Database) -> None:
        self.db = db

    def check(self) -> None:
        return None  # full-text search is part of every PostgreSQL

    def index(
        self, documents: Sequence[SearchDocument], *, keys: Sequence[str], replace_all: bool
    ) -> int:
        with self.db.transaction(durable=False):
            if replace_all:
                self.db.execute("DELETE FROM archive_search")
            else:
                for part in chunks(sorted(set(keys))):
                    self.db.execute(
                        f"DELETE FROM archive_search WHERE brief IN ({marks(len(part))})", part
                    )
            self.db.executemany(
                "INSERT INTO archive_search (brief, profile, day, title, headline, bullets,"
                " sources, document) VALUES (?, ?, ?, ?, ?, ?, ?,"
                " setweight(to_tsvector('simple', ?), 'A')"
                " || setweight(to_tsvector('simple', ?), 'B')"
                " || setweight(to_tsvector('simple', ?), 'C'))",
                [(d.brief, d.profile, d.day, d.title, d.headline, d.bullets, d.sources,
                  fold(d.headline), fold(d.bullets), fold(d.sources)) for d in documents],
            )
        return len(documents)

    def keys(self) -> set[str]:
        return {row["brief"] for row in self.db.query("SELECT DISTINCT brief FROM archive_search")}

    def drop(self, keys: Iterable[str]) -> int:
        gone = sorted({
            row["brief"] for part in chunks(sorted(set(keys))) for row in self.db.query(
                f"SELECT DISTINCT brief FROM archive_search WHERE brief IN ({marks(len(part))})",
                part)
        })
        if gone:
            with self.db.transaction(durable=False):
                for part in chunks(gone):
                    self.db.execute(
                        f"DELETE FROM archive_search WHERE brief IN ({marks(len(part))})", part
                    )
        return len(gone)

    def count(self) -> int:
        return int(self.db.scalar("SELECT count(DISTINCT brief) AS n FROM archive_search") or 0)

    def search(
        self, query: str, *, limit: int = 20, profile: str | None = None
    ) -> list[SearchHit]:
        terms = query_terms(query)
        if not terms:
            return []
        wanted = " && ".join(f"{function}('simple', ?)" for function, _ in terms)
        params: list[object] = [argument for _, argument in terms]
        sql = (
            "SELECT brief, profile, day, title, headline,"
            " ts_headline('simple', headline || ' — ' || bullets || ' — ' || sources, q,"
            f" '{HEADLINE_OPTIONS}') AS snippet,"
            f" ts_rank_cd('{WEIGHTS}', document, q) AS rank"
            f" FROM archive_search, (SELECT {wanted} AS q) AS wanted"
            " WHERE document @@ q"
        )
        if profile is not None:
            sql += " AND profile = ?"
            params.append(profile)
        sql += " ORDER BY rank DESC, day DESC, brief LIMIT ?"
        params.append(limit)
        return [
            SearchHit(
                brief=row["brief"], profile=row["profile"], day=row["day"], title=row["title"],
                headline=row["headline"], snippet=" ".join(str(row["snippet"]).split()),
                score=-float(row["rank"]),
            )
            for row in self.db.query(sql, params)
        ]
