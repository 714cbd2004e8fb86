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
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from pathlib import Path

from briefing.brief import Brief, brief_from_dict, slug_for
from briefing.clock import source_date
from briefing.errors import StoreError
from briefing.types import Article, RawDocument


def _installation_sql() -> str:
    """Migration 10: one row naming this installation with a UUID, created once.

    The archive's Atom ids derive from it (``urn:uuid:...``), so two installations
    never publish under the same id, and an id survives rebuilds, a new base_url
    and a moved out/ folder. A store created while ``$SOURCE_DATE_EPOCH`` is set
    (a reproducible build) takes a UUID derived from that value instead, so two
    fresh builds agree byte for byte.
    """
    fixed = source_date()
    identity = (
        uuid.uuid5(uuid.NAMESPACE_URL, f"briefing:source-date-epoch:{int(fixed.timestamp())}")
        if fixed is not None else uuid.uuid4()
    )
    # A UUID's text is hex digits and hyphens: safe to write into the statement.
    return f"""
    CREATE TABLE installation (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        uuid TEXT NOT NULL
    );
    INSERT INTO installation (id, uuid) VALUES (1, '{identity}')
    """


# Each entry is one migration; its position + 1 is the schema version it creates. An
# entry is its SQL, or a function returning it (for values made when it runs).
MIGRATIONS: list[str | Callable[[], str]] = [
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
    # 8: a brief is an immutable artifact with a folder of its own (briefing.folders):
    # its folder name (the local date, then -2, -3... for later briefs that day), its
    # local date, and its state: 'pending' while its files are being published (with
    # the owner that publishes them), 'published' once they are all in place. Briefs
    # recorded before this migration were published; their slug is their folder's name.
    """
    ALTER TABLE briefs ADD COLUMN slug TEXT;
    ALTER TABLE briefs ADD COLUMN local_date TEXT;
    ALTER TABLE briefs ADD COLUMN state TEXT NOT NULL DEFAULT 'published'
        CHECK (state IN ('pending', 'published'));
    ALTER TABLE briefs ADD COLUMN claimed_by TEXT;
    ALTER TABLE briefs ADD COLUMN claimed_at TEXT;
    UPDATE briefs SET slug = replace(out_dir, rtrim(out_dir, replace(out_dir, '/', '')), '');
    UPDATE briefs SET local_date = substr(slug, 1, 10);
    CREATE INDEX briefs_profile_local_date ON briefs(profile, local_date);
    CREATE INDEX briefs_out_dir ON briefs(out_dir);
    CREATE INDEX briefs_state ON briefs(state)
    """,
    # 9: per web source (briefing.collect.health), the entries of its last run that
    # could not become articles, by reason, and why its text may be garbled.
    """
    ALTER TABLE sources ADD COLUMN last_no_text INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE sources ADD COLUMN last_page_failed INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE sources ADD COLUMN last_emptied INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE sources ADD COLUMN last_warning TEXT
    """,
    # 10: the LLM log marks token counts that are estimates (requests that timed out,
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
    # 11: this store's identity, made once (see _installation_sql).
    _installation_sql,
    # 12: delivery problems people act on. An outbox row that failed or whose fate is
    # unknown is reported by `send` and `schedule --once` until it is resent or
    # dismissed (`briefing send --dismiss`), when it gets `dismissed_at`. And when the
    # scheduler first ran for each profile on this store (briefing.schedule.digests):
    # no delivery due before that is ever reported or recorded as missed. Stores that
    # already hold scheduled digests date that first run from their oldest one.
    """
    ALTER TABLE outbox ADD COLUMN dismissed_at TEXT;
    CREATE TABLE schedule_starts (
        profile TEXT PRIMARY KEY,
        first_run_at TEXT NOT NULL
    );
    INSERT INTO schedule_starts (profile, first_run_at)
        SELECT profile, min(created_at) FROM digests
        WHERE origin = 'schedule' GROUP BY profile
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
class BriefRecord:
    """Where a recorded brief lives and whether its files are all in place.

    The brief itself (its content) is ``Store.brief(id)``: a ``briefing.brief.Brief``.
    """

    id: int
    profile: str
    slug: str
    folder: Path
    local_date: str
    #: "pending" while its files are being published, "published" once they are.
    state: str
    claimed_by: str | None
    claimed_at: datetime | None
    generated_at: datetime


@dataclass(frozen=True, slots=True)
class EarlierArticle:
    """One article an earlier published brief of a profile used (for story memory)."""

    brief_id: int
    slug: str
    local_date: str
    article_id: int
    story_key: str | None


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
            migration = MIGRATIONS[version - 1]
            sql = migration() if callable(migration) else migration
            with self.transaction() as db:
                for statement in sql.split(";"):
                    if statement.strip():
                        db.execute(statement)
                db.execute(f"PRAGMA user_version = {version}")

    @property
    def installation_id(self) -> uuid.UUID:
        """This installation's identity, made once with the store (migration 10)."""
        return uuid.UUID(self.query("SELECT uuid FROM installation WHERE id = 1")[0][0])

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
        """``add_article`` for a cleaned document; an unknown outlet is stored as ""."""
        return self.add_article(
            source=document.source,
            outlet=document.outlet or "",
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
    # A brief is reserved (pending, with an id and a folder name), filled with its
    # content and the articles it used, then published once its files are in place
    # (briefing.folders). Only published briefs count anywhere else.

    def reserve_brief(
        self,
        *,
        profile: str,
        local_date: date,
        profile_dir: Path,
        owner: str,
        now: datetime,
        folder_taken: Callable[[Path], bool],
    ) -> BriefRecord:
        """A new pending brief of ``profile`` with the first free folder name of the day.

        The name is ``<local date>``, then ``<local date>-2``, ... skipping names a
        recorded brief already has and folders that exist on disk (``folder_taken``).
        """
        with self.transaction() as db:
            sequence = 1
            while True:
                slug = slug_for(local_date, sequence)
                folder = profile_dir / slug
                used = db.execute(
                    "SELECT 1 FROM briefs WHERE out_dir = ? LIMIT 1", (str(folder),)
                ).fetchone()
                if used is None and not folder_taken(folder):
                    break
                sequence += 1
            cursor = db.execute(
                "INSERT INTO briefs (profile, title, generated_at, engine, out_dir, story_count,"
                " data, slug, local_date, state, claimed_by, claimed_at)"
                " VALUES (?, '', ?, '', ?, 0, '{}', ?, ?, 'pending', ?, ?)",
                (profile, _iso(now), str(folder), slug, local_date.isoformat(), owner,
                 _iso(now)),
            )
            brief_id = int(cursor.lastrowid or 0)
        record = self.brief_record(brief_id)
        assert record is not None
        return record

    def fill_brief(
        self,
        brief: Brief,
        data: dict[str, object],
        *,
        article_ids: Sequence[int],
        story_keys: Sequence[tuple[str, int]],
    ) -> None:
        """Record a pending brief's content, the articles it used and each one's story key."""
        assert brief.id is not None
        with self.transaction() as db:
            db.execute(
                "UPDATE briefs SET title = ?, generated_at = ?, engine = ?, story_count = ?,"
                " data = ? WHERE id = ? AND state = 'pending'",
                (brief.title, _iso(brief.generated_at), brief.engine, len(brief.stories),
                 json.dumps(data, ensure_ascii=False), brief.id),
            )
            db.executemany(
                "INSERT OR IGNORE INTO brief_articles (brief_id, article_id) VALUES (?, ?)",
                [(brief.id, article_id) for article_id in dict.fromkeys(article_ids)],
            )
            db.executemany(
                "INSERT OR IGNORE INTO brief_stories (brief_id, story_key, article_id)"
                " VALUES (?, ?, ?)",
                [(brief.id, key, article_id) for key, article_id in story_keys],
            )

    def publish_brief(self, brief_id: int) -> None:
        """Mark a pending brief published: its files are all in place."""
        with self.transaction() as db:
            db.execute(
                "UPDATE briefs SET state = 'published', claimed_by = NULL, claimed_at = NULL"
                " WHERE id = ?",
                (brief_id,),
            )

    def discard_brief(self, brief_id: int) -> None:
        """Forget a pending brief whose files never reached their folder."""
        with self.transaction() as db:
            db.execute("DELETE FROM briefs WHERE id = ? AND state = 'pending'", (brief_id,))

    def pending_briefs(self) -> list[BriefRecord]:
        return [_brief_record(row) for row in self.query(
            "SELECT * FROM briefs WHERE state = 'pending' ORDER BY id"
        )]

    def brief_record(self, brief_id: int) -> BriefRecord | None:
        rows = self.query("SELECT * FROM briefs WHERE id = ?", (brief_id,))
        return _brief_record(rows[0]) if rows else None

    def latest_brief_record(self, profile: str) -> BriefRecord | None:
        rows = self.query(
            "SELECT * FROM briefs WHERE profile = ? AND state = 'published'"
            " ORDER BY generated_at DESC, id DESC LIMIT 1",
            (profile,),
        )
        return _brief_record(rows[0]) if rows else None

    def brief_records(self, profile: str | None = None) -> list[BriefRecord]:
        """Published briefs, newest first."""
        sql = "SELECT * FROM briefs WHERE state = 'published'"
        params: tuple[object, ...] = ()
        if profile is not None:
            sql += " AND profile = ?"
            params = (profile,)
        rows = self.query(sql + " ORDER BY generated_at DESC, id DESC", params)
        return [_brief_record(row) for row in rows]

    def brief(self, brief_id: int) -> Brief:
        """Brief ``brief_id`` as recorded; ``StoreError`` when there is none."""
        rows = self.query("SELECT data, state FROM briefs WHERE id = ?", (brief_id,))
        if not rows:
            raise StoreError(f"{self.path}: no brief with id {brief_id}")
        try:
            data = json.loads(rows[0]["data"])
        except ValueError as error:
            raise StoreError(f"{self.path}: brief {brief_id} is unreadable: {error}") from error
        brief = brief_from_dict(data, where=f"{self.path}: brief {brief_id}")
        if brief.id is None:  # recorded before briefs knew their id
            record = self.brief_record(brief_id)
            brief = replace(brief, id=brief_id, slug=record.slug if record else None)
        return brief

    def brief_article_ids(self, brief_id: int) -> set[int]:
        rows = self.query("SELECT article_id FROM brief_articles WHERE brief_id = ?", (brief_id,))
        return {int(row[0]) for row in rows}

    def earlier_articles(
        self, profile: str, *, since: datetime, before_local_date: date
    ) -> list[EarlierArticle]:
        """Articles of ``profile``'s published briefs generated from ``since`` and dated
        before ``before_local_date``, oldest brief first."""
        rows = self.query(
            "SELECT b.id, b.slug, b.local_date, ba.article_id, bs.story_key"
            " FROM briefs b JOIN brief_articles ba ON ba.brief_id = b.id"
            " LEFT JOIN brief_stories bs ON bs.brief_id = b.id AND bs.article_id = ba.article_id"
            " WHERE b.profile = ? AND b.state = 'published' AND b.generated_at >= ?"
            " AND b.local_date < ?"
            " ORDER BY b.generated_at, b.id",
            (profile, _iso(since), before_local_date.isoformat()),
        )
        return [
            EarlierArticle(
                brief_id=int(row["id"]), slug=row["slug"], local_date=row["local_date"],
                article_id=int(row["article_id"]), story_key=row["story_key"],
            )
            for row in rows
        ]


def _brief_record(row: sqlite3.Row) -> BriefRecord:
    return BriefRecord(
        id=int(row["id"]),
        profile=row["profile"],
        slug=row["slug"],
        folder=Path(row["out_dir"]),
        local_date=row["local_date"],
        state=row["state"],
        claimed_by=row["claimed_by"],
        claimed_at=_from_iso(row["claimed_at"]),
        generated_at=_from_iso(row["generated_at"]) or datetime.now(UTC),
    )


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
