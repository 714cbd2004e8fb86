"""Articles, the URLs they were met under, their copies and sketches (tables
``articles``, ``article_urls``, ``article_sketches``)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime

from briefing.storage.records import Identity, NewArticle, StoredSketch, content_hash
from briefing.storage.sql.database import Database, Row, chunks, marks
from briefing.types import Article

_COLUMNS = (
    "id, source, outlet, title, url, path, published_at, fetched_at, content_hash, text"
)


class SqlArticles:
    def __init__(self, db: Database) -> None:
        self.db = db

    def add_many(
        self, articles: Sequence[NewArticle], *, now: datetime | None = None
    ) -> list[tuple[Article, bool]]:
        if not articles:
            return []
        now = now or datetime.now(UTC)
        t = self.db.dialect.time
        hashes = [content_hash(a.title, a.text) for a in articles]
        result: list[tuple[int, bool]] = []
        with self.db.transaction(durable=False):
            known = self._ids_by_hash(hashes)
            # Sorted, so two workers storing the same articles lock them in one order.
            seen = sorted(set(known.values()))
            for part in chunks(seen):
                self.db.execute(
                    f"UPDATE articles SET last_seen_at = ? WHERE id IN ({marks(len(part))})",
                    (t(now), *part),
                )
            # Each new content once, the batch's first article with it; in one statement
            # where the backend can say which rows it wrote, else row by row.
            fresh: dict[str, NewArticle] = {}
            for article, digest in zip(articles, hashes, strict=True):
                if digest not in known:
                    fresh.setdefault(digest, article)
            inserted = self._insert_new(fresh, now)
            # What this call wrote is what it was given: built here, not read back.
            stored = {article_id: self._written(article_id, digest, fresh[digest], now)
                      for digest, article_id in inserted.items()}
            raced = [digest for digest in fresh if digest not in inserted]
            if raced:  # another worker stored the same content meanwhile
                known.update(self._ids_by_hash(raced))
            for digest in hashes:
                if digest in inserted:  # its first article: new; any later one is a copy
                    known[digest] = inserted.pop(digest)
                    result.append((known[digest], True))
                else:
                    result.append((known[digest], False))
            stored.update(self.get_many(
                article_id for article_id, _ in result if article_id not in stored))
        return [(stored[article_id], is_new) for article_id, is_new in result]

    def _written(self, article_id: int, digest: str, article: NewArticle, now: datetime) -> Article:
        """The article ``_insert_new`` wrote, as ``get`` would read it back."""
        t = self.db.dialect.time
        return self._article({
            "id": article_id, "source": article.source, "outlet": article.outlet,
            "title": article.title, "text": article.text, "content_hash": digest,
            "fetched_at": t(article.fetched or now), "url": article.url, "path": article.path,
            "published_at": t(article.published),
        })

    def _insert_new(self, fresh: dict[str, NewArticle], now: datetime) -> dict[str, int]:
        """Insert the articles (by content hash, in order); the ids of those written here."""
        t = self.db.dialect.time
        head = ("INSERT INTO articles (source, outlet, title, url, path, published_at,"
                " fetched_at, first_seen_at, last_seen_at, content_hash, text, canonical_url)")
        tail = " ON CONFLICT (content_hash) DO NOTHING"
        rows = [(a.source, a.outlet, a.title, a.url, a.path, t(a.published), t(a.fetched or now),
                 t(now), t(now), digest, a.text, a.canonical_url) for digest, a in fresh.items()]
        if self.db.dialect.returning:
            written = self.db.insert_rows(head, rows, tail=tail, returning="id, content_hash")
            return {str(row["content_hash"]): int(row["id"]) for row in written}
        inserted: dict[str, int] = {}
        for row in rows:
            new_id = self.db.insert(f"{head} VALUES ({marks(len(row))}){tail}", row)
            if new_id is not None:
                inserted[str(row[9])] = new_id
        return inserted

    def add(self, article: NewArticle, *, now: datetime | None = None) -> tuple[Article, bool]:
        return self.add_many([article], now=now)[0]

    def _ids_by_hash(self, hashes: Sequence[str]) -> dict[str, int]:
        found: dict[str, int] = {}
        for part in chunks(sorted(set(hashes))):
            rows = self.db.query(
                f"SELECT id, content_hash FROM articles WHERE content_hash IN"
                f" ({marks(len(part))})",
                part,
            )
            found.update({row["content_hash"]: int(row["id"]) for row in rows})
        return found

    def get(self, article_id: int) -> Article | None:
        return self.get_many([article_id]).get(article_id)

    def get_many(self, article_ids: Iterable[int]) -> dict[int, Article]:
        wanted = sorted(set(article_ids))
        found: dict[int, Article] = {}
        for part in chunks(wanted):
            rows = self.db.query(
                f"SELECT {_COLUMNS} FROM articles WHERE id IN ({marks(len(part))})", part
            )
            found.update({int(row["id"]): self._article(row) for row in rows})
        return found

    def count(self) -> int:
        return int(self.db.scalar("SELECT count(*) AS n FROM articles") or 0)

    def known_urls(self, urls: Iterable[str]) -> set[str]:
        wanted = list(dict.fromkeys(urls))
        known: set[str] = set()
        for part in chunks(wanted):
            rows = self.db.query(
                f"SELECT url FROM article_urls WHERE url IN ({marks(len(part))})", part
            )
            known.update(str(row["url"]) for row in rows)
        return known

    def met_under(self, url: str) -> int | None:
        value = self.db.scalar("SELECT article_id FROM article_urls WHERE url = ?", (url,))
        return int(value) if value is not None else None

    def record_identities(self, identities: Sequence[Identity]) -> None:
        if not identities:
            return
        ordered = sorted(identities, key=lambda i: i.article_id)
        with self.db.transaction(durable=False):
            self.db.executemany(
                "UPDATE articles SET canonical_url = coalesce(?, canonical_url),"
                " duplicate_of = coalesce(?, duplicate_of) WHERE id = ?",
                [(i.canonical_url, i.duplicate_of, i.article_id) for i in ordered
                 if i.canonical_url is not None or i.duplicate_of is not None],
            )
            urls = {url: i.article_id for i in reversed(ordered) for url in i.urls}
            self.db.insert_rows("INSERT INTO article_urls (url, article_id)",
                                sorted(urls.items()), tail=" ON CONFLICT (url) DO NOTHING")
            # One row per article (the last identity given wins, as row by row it would):
            # a statement may not update the same row twice.
            sketches = {i.article_id: (i.article_id, i.scheme, i.signature) for i in ordered
                        if i.scheme is not None and i.signature is not None}
            self.db.insert_rows(
                "INSERT INTO article_sketches (article_id, scheme, signature)",
                list(sketches.values()),
                tail=" ON CONFLICT (article_id) DO UPDATE SET scheme = excluded.scheme,"
                " signature = excluded.signature",
            )

    def unbriefed(
        self, profile: str, source_names: Sequence[str], *, since: datetime | None = None
    ) -> list[Article]:
        if not source_names:
            return []
        names = list(dict.fromkeys(source_names))
        params: list[object] = [*names, profile]
        sql = (
            f"SELECT {', '.join('a.' + c.strip() for c in _COLUMNS.split(','))}"
            f" FROM articles a WHERE a.source IN ({marks(len(names))})"
            " AND a.duplicate_of IS NULL"
            " AND NOT EXISTS (SELECT 1 FROM brief_articles ba JOIN briefs b ON b.id = ba.brief_id"
            " WHERE ba.article_id = a.id AND b.profile = ? AND b.state = 'published')"
        )
        if since is not None:
            sql += " AND a.first_seen_at >= ?"
            params.append(self.db.dialect.time(since))
        return [self._article(row) for row in self.db.query(sql + " ORDER BY a.id", params)]

    def duplicate_of(self, article_id: int) -> int | None:
        value = self.db.scalar("SELECT duplicate_of FROM articles WHERE id = ?", (article_id,))
        return int(value) if value is not None else None

    def canonical_url(self, article_id: int) -> str | None:
        value = self.db.scalar("SELECT canonical_url FROM articles WHERE id = ?", (article_id,))
        return str(value) if value is not None else None

    def sketches(self, scheme: str, *, since: datetime) -> list[StoredSketch]:
        rows = self.db.query(
            "SELECT s.article_id, s.signature, a.duplicate_of FROM article_sketches s"
            " JOIN articles a ON a.id = s.article_id"
            " WHERE s.scheme = ? AND a.first_seen_at >= ? ORDER BY s.article_id",
            (scheme, self.db.dialect.time(since)),
        )
        return [
            StoredSketch(int(row["article_id"]), bytes(row["signature"]),
                         int(row["duplicate_of"]) if row["duplicate_of"] is not None else None)
            for row in rows
        ]

    def sketches_of(self, article_ids: Iterable[int], scheme: str) -> dict[int, bytes]:
        found: dict[int, bytes] = {}
        for part in chunks(sorted(set(article_ids))):
            rows = self.db.query(
                "SELECT article_id, signature FROM article_sketches"
                f" WHERE scheme = ? AND article_id IN ({marks(len(part))})",
                (scheme, *part),
            )
            found.update((int(row["article_id"]), bytes(row["signature"])) for row in rows)
        return found

    def _article(self, row: Row) -> Article:
        read = self.db.dialect.read_time
        return Article(
            id=int(row["id"]),
            source=row["source"],
            outlet=row["outlet"],
            title=row["title"],
            text=row["text"],
            content_hash=row["content_hash"],
            fetched=read(row["fetched_at"]) or datetime.now(UTC),
            url=row["url"],
            path=row["path"],
            published=read(row["published_at"]),
        )
