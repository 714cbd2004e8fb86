"""What the store knows about collected articles: URLs met, copies linked, briefs used.

The ``articles`` table belongs to the store; collecting adds, through
migration 3, each article's canonical URL and the first copy it duplicates
(``duplicate_of``), every URL an article was met under (``article_urls``: feed
link, address after redirects, rel=canonical), and its MinHash sketch
(``article_sketches``). The queries on those live here.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from briefing.store import Store
from briefing.types import Article

#: SQLite's limit on bound parameters is 999 in old builds; stay well below it.
_CHUNK = 500


def known_urls(store: Store, urls: Iterable[str]) -> set[str]:
    """Those of ``urls`` under which an article was already met."""
    wanted = list(dict.fromkeys(urls))
    known: set[str] = set()
    for start in range(0, len(wanted), _CHUNK):
        chunk = wanted[start : start + _CHUNK]
        marks = ", ".join("?" * len(chunk))
        rows = store.query(f"SELECT url FROM article_urls WHERE url IN ({marks})", tuple(chunk))
        known.update(str(row[0]) for row in rows)
    return known


@dataclass(frozen=True, slots=True)
class Identity:
    """What collecting learned about one stored article."""

    article_id: int
    urls: tuple[str, ...] = ()  # every URL it was met under
    canonical_url: str | None = None
    duplicate_of: int | None = None  # the first copy, for a near-duplicate
    scheme: str | None = None  # how ``signature`` (its MinHash sketch) was made
    signature: bytes | None = None


def record_identities(store: Store, identities: Sequence[Identity]) -> None:
    """Record many articles' identities in one transaction (one commit, not one each)."""
    if not identities:
        return
    with store.transaction() as db:
        db.executemany(
            "UPDATE articles SET canonical_url = coalesce(?, canonical_url),"
            " duplicate_of = coalesce(?, duplicate_of) WHERE id = ?",
            [(i.canonical_url, i.duplicate_of, i.article_id) for i in identities
             if i.canonical_url is not None or i.duplicate_of is not None],
        )
        db.executemany(
            "INSERT OR IGNORE INTO article_urls (url, article_id) VALUES (?, ?)",
            [(url, i.article_id) for i in identities for url in dict.fromkeys(i.urls)],
        )
        db.executemany(
            "INSERT OR REPLACE INTO article_sketches (article_id, scheme, signature)"
            " VALUES (?, ?, ?)",
            [(i.article_id, i.scheme, i.signature) for i in identities
             if i.scheme is not None and i.signature is not None],
        )


def record_article(
    store: Store,
    article_id: int,
    *,
    canonical_url: str | None,
    urls: Sequence[str],
    duplicate_of: int | None = None,
    scheme: str | None = None,
    signature: bytes | None = None,
) -> None:
    """Record one article's identity: canonical URL, aliases, copy link, sketch."""
    record_identities(store, [Identity(article_id, tuple(urls), canonical_url, duplicate_of,
                                       scheme, signature)])


def unbriefed_articles(
    store: Store,
    profile: str,
    source_names: Sequence[str],
    *,
    since: datetime | None = None,
) -> list[Article]:
    """Articles of these sources never used in a brief of ``profile``, oldest first.

    Near-duplicates (``duplicate_of`` set) are left out: their first copy
    stands for them. ``since`` keeps only articles first seen from then on.
    """
    if not source_names:
        return []
    marks = ", ".join("?" * len(source_names))
    params: list[object] = [*source_names, profile]
    sql = (
        f"SELECT a.id FROM articles a WHERE a.source IN ({marks}) AND a.duplicate_of IS NULL"
        " AND NOT EXISTS (SELECT 1 FROM brief_articles ba JOIN briefs b ON b.id = ba.brief_id"
        " WHERE ba.article_id = a.id AND b.profile = ? AND b.state = 'published')"
    )
    if since is not None:
        sql += " AND a.first_seen_at >= ?"
        params.append(since.astimezone(UTC).isoformat())
    rows = store.query(sql + " ORDER BY a.id", tuple(params))
    articles = (store.article(int(row[0])) for row in rows)
    return [article for article in articles if article is not None]


def duplicate_of(store: Store, article_id: int) -> int | None:
    """The first copy that ``article_id`` near-duplicates, or None."""
    rows = store.query("SELECT duplicate_of FROM articles WHERE id = ?", (article_id,))
    return int(rows[0][0]) if rows and rows[0][0] is not None else None


def canonical_url_of(store: Store, article_id: int) -> str | None:
    rows = store.query("SELECT canonical_url FROM articles WHERE id = ?", (article_id,))
    return str(rows[0][0]) if rows and rows[0][0] is not None else None


def stored_sketches(store: Store, article_ids: Iterable[int], scheme: str) -> dict[int, bytes]:
    """The MinHash signatures collecting stored for these articles, made by ``scheme``."""
    wanted = list(dict.fromkeys(article_ids))
    found: dict[int, bytes] = {}
    for start in range(0, len(wanted), _CHUNK):
        chunk = wanted[start : start + _CHUNK]
        marks = ", ".join("?" * len(chunk))
        rows = store.query(
            f"SELECT article_id, signature FROM article_sketches"
            f" WHERE scheme = ? AND article_id IN ({marks})", (scheme, *chunk))
        found.update((int(row[0]), bytes(row[1])) for row in rows)
    return found
