"""The SQLite schema: numbered, append-only migrations tracked in ``PRAGMA user_version``.

Never edit a migration that has shipped; add the next one. Versions 1-12 are the
ones ``briefing/store.py`` shipped before storage became a package, carried over
word for word, so an existing store upgrades in place; 13 is the first of the
storage package.
"""

from __future__ import annotations

from collections.abc import Callable

from briefing.storage.identity import new_installation_id

#: A migration: its SQL, or a function returning it (for values made when it runs).
Migration = str | Callable[[], str]


def migration_sql(migration: Migration) -> str:
    """The ``;``-separated statements of ``migration``."""
    return migration() if callable(migration) else migration


def _installation_sql() -> str:
    """Migration 11: one row naming this installation with a UUID, created once
    (``briefing.storage.identity``)."""
    # A UUID's text is hex digits and hyphens: safe to write into the statement.
    return f"""
    CREATE TABLE installation (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        uuid TEXT NOT NULL
    );
    INSERT INTO installation (id, uuid) VALUES (1, '{new_installation_id()}')
    """


# Each entry is one migration; its position + 1 is the schema version it creates.
MIGRATIONS: list[Migration] = [
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

MIGRATIONS += [
    # 13: several workers and batch reads. Workers (briefing schedule processes) and
    # their heartbeats; a collection claim on each source; digests taken over from a
    # worker that stopped; the indexes the one-query reads lean on.
    """
    CREATE TABLE workers (
        owner TEXT PRIMARY KEY,
        host TEXT NOT NULL,
        pid INTEGER NOT NULL,
        started_at TEXT NOT NULL,
        heartbeat_at TEXT NOT NULL
    );
    ALTER TABLE sources ADD COLUMN claimed_by TEXT;
    ALTER TABLE sources ADD COLUMN claimed_at TEXT;
    ALTER TABLE digests ADD COLUMN interrupted INTEGER NOT NULL DEFAULT 0;
    CREATE INDEX brief_articles_article ON brief_articles(article_id);
    CREATE INDEX articles_first_seen ON articles(first_seen_at);
    CREATE INDEX outbox_brief_state ON outbox(brief_id, state)
    """,
    # 14: the briefs the archive's full-text index holds, one row each, with the
    # rowids of their stories in archive_fts (first to last). FTS5 cannot index
    # its UNINDEXED ``brief`` column, so listing the briefs indexed, or finding one
    # brief's stories to replace them, read every story of the archive -- which
    # each archive update did, twice. A brief's stories are written together, so
    # their rowids are one run; a delete still checks the brief of each row.
    # And the archive index's rendered lines, kept between updates (derived data,
    # briefing.archive.index_pages), per output folder.
    """
    CREATE TABLE archive_fts_briefs (
        brief TEXT PRIMARY KEY,
        first_story INTEGER NOT NULL,
        last_story INTEGER NOT NULL
    );
    INSERT INTO archive_fts_briefs (brief, first_story, last_story)
        SELECT brief, min(rowid), max(rowid) FROM archive_fts GROUP BY brief;
    CREATE TABLE archive_lines (
        archive TEXT NOT NULL,
        part TEXT NOT NULL,
        stamp TEXT NOT NULL,
        lines TEXT NOT NULL,
        PRIMARY KEY (archive, part)
    )
    """,
]
