"""The SQLite store: articles, briefs and what each brief used.

Standard library ``sqlite3`` in WAL mode, so readers (``briefing archive``, a
second process) never block the writer. The schema grows by numbered,
append-only migrations tracked in ``PRAGMA user_version``: never edit a
migration that has shipped, add the next one.

``sqlite3`` errors are wrapped in ``StoreError`` where they enter, and each
write is its own transaction, so a failure never loses what was stored before.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from briefing.errors import StoreError
from briefing.types import Article, Brief, RawDocument

# Each entry is one migration; its position + 1 is the schema version it creates.
MIGRATIONS: list[str] = [
    # 1: articles, briefs and the articles each brief used.
    """
    CREATE TABLE articles (
        id INTEGER PRIMARY KEY,
        source TEXT NOT NULL,
        outlet TEXT NOT NULL,
        title TEXT NOT NULL,
        url TEXT,
        path TEXT,
        published_at TEXT,
        fetched_at TEXT NOT NULL,
        first_seen_at TEXT NOT NULL,
        last_seen_at TEXT NOT NULL,
        content_hash TEXT NOT NULL UNIQUE,
        text TEXT NOT NULL
    );
    CREATE INDEX articles_url ON articles(url);
    CREATE TABLE briefs (
        id INTEGER PRIMARY KEY,
        profile TEXT NOT NULL,
        title TEXT NOT NULL,
        generated_at TEXT NOT NULL,
        engine TEXT NOT NULL,
        out_dir TEXT NOT NULL,
        story_count INTEGER NOT NULL,
        data TEXT NOT NULL
    );
    CREATE INDEX briefs_profile_date ON briefs(profile, generated_at);
    CREATE TABLE brief_articles (
        brief_id INTEGER NOT NULL REFERENCES briefs(id) ON DELETE CASCADE,
        article_id INTEGER NOT NULL REFERENCES articles(id),
        PRIMARY KEY (brief_id, article_id)
    );
    """,
    # 2: every LLM call (cache hits and failures too), cached answers, and the
    # response_format each endpoint accepted.
    """
    CREATE TABLE llm_calls (
        id INTEGER PRIMARY KEY,
        started_at TEXT NOT NULL,
        endpoint TEXT NOT NULL,
        model TEXT NOT NULL,
        task TEXT NOT NULL,
        story_id TEXT,
        prompt_version TEXT,
        response_format TEXT,
        tokens_in INTEGER NOT NULL DEFAULT 0,
        tokens_out INTEGER NOT NULL DEFAULT 0,
        latency_ms INTEGER NOT NULL DEFAULT 0,
        cache_hit INTEGER NOT NULL DEFAULT 0,
        outcome TEXT NOT NULL,
        error TEXT
    );
    CREATE INDEX llm_calls_started ON llm_calls(started_at);
    CREATE TABLE llm_cache (
        key TEXT PRIMARY KEY,
        task TEXT NOT NULL,
        model TEXT NOT NULL,
        prompt_version TEXT NOT NULL,
        answer TEXT NOT NULL,
        tokens_in INTEGER NOT NULL DEFAULT 0,
        tokens_out INTEGER NOT NULL DEFAULT 0,
        created_at TEXT NOT NULL
    );
    CREATE TABLE llm_endpoints (
        endpoint TEXT PRIMARY KEY,
        response_format TEXT NOT NULL,
        updated_at TEXT NOT NULL
    );
    """,
    # 3: collecting from feeds and pages (briefing.collect): each article's
    # canonical URL and the first copy it near-duplicates, every URL it was met
    # under, its MinHash sketch, and each web source's fetch state and health.
    """
    ALTER TABLE articles ADD COLUMN canonical_url TEXT;
    ALTER TABLE articles ADD COLUMN duplicate_of INTEGER REFERENCES articles(id);
    CREATE INDEX articles_canonical_url ON articles(canonical_url);
    CREATE INDEX articles_duplicate_of ON articles(duplicate_of);
    CREATE INDEX articles_source ON articles(source);
    CREATE TABLE article_urls (
        url TEXT PRIMARY KEY,
        article_id INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE
    );
    CREATE INDEX article_urls_article ON article_urls(article_id);
    CREATE TABLE article_sketches (
        article_id INTEGER PRIMARY KEY REFERENCES articles(id) ON DELETE CASCADE,
        scheme TEXT NOT NULL,
        signature BLOB NOT NULL
    );
    CREATE TABLE sources (
        name TEXT PRIMARY KEY,
        type TEXT NOT NULL,
        url TEXT,
        etag TEXT,
        last_modified TEXT,
        last_attempt_at TEXT,
        last_success_at TEXT,
        last_error TEXT,
        last_error_at TEXT,
        consecutive_failures INTEGER NOT NULL DEFAULT 0,
        last_new INTEGER NOT NULL DEFAULT 0
    );
    """,
    # 4: the archive's full-text index (briefing.archive.search), one row per
    # story. Derived data only: `briefing archive rebuild` refills it from the
    # brief.json files, so losing it loses nothing.
    """
    CREATE VIRTUAL TABLE archive_fts USING fts5(
        headline, bullets, sources,
        brief UNINDEXED, profile UNINDEXED, day UNINDEXED, title UNINDEXED,
        tokenize = 'unicode61 remove_diacritics 2'
    )
    """,
    # 5: the email outbox (briefing.deliver): one row per (brief, recipient),
    # pending -> sending -> sent | failed | unknown. Every state change is a
    # conditional UPDATE, so two processes can never both claim a row.
    """
    CREATE TABLE outbox (
        id INTEGER PRIMARY KEY,
        brief_id INTEGER NOT NULL REFERENCES briefs(id) ON DELETE CASCADE,
        recipient TEXT NOT NULL,
        state TEXT NOT NULL DEFAULT 'pending'
            CHECK (state IN ('pending', 'sending', 'sent', 'failed', 'unknown')),
        message_id TEXT NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0,
        claimed_by TEXT,
        claimed_at TEXT,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        sent_at TEXT,
        last_error TEXT,
        UNIQUE (brief_id, recipient)
    );
    CREATE INDEX outbox_state ON outbox(state)
    """,
    # 6: story memory (briefing.memory): which story (by a key stable across briefs)
    # each briefed article belonged to, so a later brief can recognise an update.
    """
    CREATE TABLE brief_stories (
        brief_id INTEGER NOT NULL REFERENCES briefs(id) ON DELETE CASCADE,
        story_key TEXT NOT NULL,
        article_id INTEGER NOT NULL REFERENCES articles(id),
        PRIMARY KEY (brief_id, article_id)
    );
    CREATE INDEX brief_stories_article ON brief_stories(article_id);
    """,
    # 7: scheduled digests (briefing.schedule.digests): one row per (profile, local
    # date), building -> built -> sending -> sent | failed | skipped, so a day's
    # digest is built and sent once however often the scheduler (or a manual
    # `build --send`) runs. Every state change is a conditional UPDATE.
    """
    CREATE TABLE digests (
        profile TEXT NOT NULL,
        local_date TEXT NOT NULL,
        state TEXT NOT NULL
            CHECK (state IN ('building', 'built', 'sending', 'sent', 'failed', 'skipped')),
        brief_id INTEGER REFERENCES briefs(id) ON DELETE SET NULL,
        attempts INTEGER NOT NULL DEFAULT 0,
        origin TEXT NOT NULL DEFAULT 'schedule',
        scheduled_for TEXT,
        claimed_by TEXT,
        claimed_at TEXT,
        last_error TEXT,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        built_at TEXT,
        sent_at TEXT,
        PRIMARY KEY (profile, local_date)
    );
    CREATE INDEX digests_state ON digests(state)
    """,
    # 8: the LLM log marks token counts that are estimates (requests that timed out,
    # servers that report no usage), and the response_format an endpoint accepted is
    # remembered per model, since one server may run models that differ. The old
    # per-endpoint memory is dropped: the next run probes once again.
    """
    ALTER TABLE llm_calls ADD COLUMN tokens_estimated INTEGER NOT NULL DEFAULT 0;
    DROP TABLE llm_endpoints;
    CREATE TABLE llm_endpoints (
        endpoint TEXT NOT NULL,
        model TEXT NOT NULL,
        response_format TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        PRIMARY KEY (endpoint, model)
    )
    """,
]


def content_hash(title: str, text: str) -> str:
    """Identity of an article's content: whitespace and case do not make it new."""
    normalized = " ".join(f"{title}\n{text}".split()).casefold()
    return hashlib.sha256(normalized.encode("utf-8")).hexdigest()


def _iso(moment: datetime | None) -> str | None:
    return moment.astimezone(UTC).isoformat() if moment else None


def _from_iso(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


@dataclass(frozen=True, slots=True)
class StoredBrief:
    id: int
    profile: str
    title: str
    generated_at: datetime
    engine: str
    out_dir: Path
    story_count: int


class Store:
    """One SQLite database. Safe to share between threads (one lock guards the connection)."""

    def __init__(self, path: Path | str) -> None:
        self.path = path
        try:
            if isinstance(path, Path):
                path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(
                str(path), check_same_thread=False, isolation_level=None, timeout=30
            )
            self._db.row_factory = sqlite3.Row
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA foreign_keys=ON")
            self._db.execute("PRAGMA busy_timeout=30000")
        except (sqlite3.Error, OSError) as error:
            raise StoreError(f"{path}: cannot open the store: {error}") from error
        self._lock = threading.RLock()
        self._migrate()

    # -- plumbing -----------------------------------------------------------------

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """A write transaction; rolled back whole on any error."""
        with self._lock:
            try:
                self._db.execute("BEGIN IMMEDIATE")
                try:
                    yield self._db
                except BaseException:
                    self._db.execute("ROLLBACK")
                    raise
                self._db.execute("COMMIT")
            except sqlite3.Error as error:
                raise StoreError(f"{self.path}: write failed: {error}") from error

    def query(self, sql: str, params: tuple[object, ...] = ()) -> list[sqlite3.Row]:
        with self._lock:
            try:
                return self._db.execute(sql, params).fetchall()
            except sqlite3.Error as error:
                raise StoreError(f"{self.path}: query failed: {error}") from error

    @property
    def schema_version(self) -> int:
        return int(self.query("PRAGMA user_version")[0][0])

    def _migrate(self) -> None:
        current = self.schema_version
        if current > len(MIGRATIONS):
            raise StoreError(
                f"{self.path}: schema version {current} is newer than this briefing "
                f"understands ({len(MIGRATIONS)}); upgrade briefing"
            )
        for version in range(current + 1, len(MIGRATIONS) + 1):
            with self.transaction() as db:
                for statement in MIGRATIONS[version - 1].split(";"):
                    if statement.strip():
                        db.execute(statement)
                db.execute(f"PRAGMA user_version = {version}")

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- articles -------------------------------------------------------------------

    def add_article(
        self,
        *,
        source: str,
        outlet: str,
        title: str,
        text: str,
        url: str | None = None,
        path: str | None = None,
        published: datetime | None = None,
        fetched: datetime | None = None,
    ) -> tuple[Article, bool]:
        """Store an article unless its content is already known.

        Returns the stored article and whether it was new. A known article keeps
        its id and first-seen time; only its last-seen time moves.
        """
        now = datetime.now(UTC)
        fetched = fetched or now
        digest = content_hash(title, text)
        with self.transaction() as db:
            row = db.execute("SELECT id FROM articles WHERE content_hash = ?", (digest,)).fetchone()
            if row is not None:
                db.execute(
                    "UPDATE articles SET last_seen_at = ? WHERE id = ?", (_iso(now), row["id"])
                )
                article_id, is_new = int(row["id"]), False
            else:
                cursor = db.execute(
                    "INSERT INTO articles (source, outlet, title, url, path, published_at,"
                    " fetched_at, first_seen_at, last_seen_at, content_hash, text)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (source, outlet, title, url, path, _iso(published), _iso(fetched),
                     _iso(now), _iso(now), digest, text),
                )
                article_id, is_new = int(cursor.lastrowid or 0), True
        article = self.article(article_id)
        assert article is not None
        return article, is_new

    def add_document(
        self, document: RawDocument, *, fetched: datetime, path: str | None = None
    ) -> tuple[Article, bool]:
        """``add_article`` for a cleaned document; its outlet defaults to its source."""
        return self.add_article(
            source=document.source,
            outlet=document.outlet or document.source,
            title=document.title or "Untitled",
            text=document.text,
            url=document.url,
            path=path,
            published=document.published,
            fetched=fetched,
        )

    def article(self, article_id: int) -> Article | None:
        rows = self.query("SELECT * FROM articles WHERE id = ?", (article_id,))
        return _article_from_row(rows[0]) if rows else None

    def article_count(self) -> int:
        return int(self.query("SELECT count(*) FROM articles")[0][0])

    # -- briefs ---------------------------------------------------------------------

    def record_brief(self, brief: Brief, out_dir: Path, data: dict[str, object]) -> int:
        """Record a finished brief, its JSON and the articles it used; returns its id."""
        with self.transaction() as db:
            cursor = db.execute(
                "INSERT INTO briefs (profile, title, generated_at, engine, out_dir, story_count,"
                " data) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (brief.profile, brief.title, _iso(brief.generated_at), brief.engine,
                 str(out_dir), len(brief.stories), json.dumps(data, ensure_ascii=False)),
            )
            brief_id = int(cursor.lastrowid or 0)
            db.executemany(
                "INSERT OR IGNORE INTO brief_articles (brief_id, article_id) VALUES (?, ?)",
                [(brief_id, source.article_id) for source in brief.sources],
            )
        return brief_id

    def briefs(self, profile: str | None = None) -> list[StoredBrief]:
        sql = "SELECT * FROM briefs"
        params: tuple[object, ...] = ()
        if profile is not None:
            sql += " WHERE profile = ?"
            params = (profile,)
        rows = self.query(sql + " ORDER BY generated_at DESC, id DESC", params)
        return [
            StoredBrief(
                id=row["id"], profile=row["profile"], title=row["title"],
                generated_at=_from_iso(row["generated_at"]) or datetime.now(UTC),
                engine=row["engine"], out_dir=Path(row["out_dir"]),
                story_count=row["story_count"],
            )
            for row in rows
        ]

    def brief_article_ids(self, brief_id: int) -> set[int]:
        rows = self.query("SELECT article_id FROM brief_articles WHERE brief_id = ?", (brief_id,))
        return {int(row[0]) for row in rows}


def _article_from_row(row: sqlite3.Row) -> Article:
    return Article(
        id=int(row["id"]),
        source=row["source"],
        outlet=row["outlet"],
        title=row["title"],
        text=row["text"],
        content_hash=row["content_hash"],
        fetched=_from_iso(row["fetched_at"]) or datetime.now(UTC),
        url=row["url"],
        path=row["path"],
        published=_from_iso(row["published_at"]),
    )
