"""The values repositories take and return: plain, frozen, backend-neutral.

Nothing here knows SQL. A repository turns rows into these (times as aware UTC
datetimes, dates as ``date``), so a caller cannot tell SQLite from PostgreSQL.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path


def content_hash(title: str, text: str) -> str:
    """Identity of an article's content: whitespace and case do not make it new."""
    normalized = " ".join(f"{title}\n{text}".split()).casefold()
    return hashlib.sha256(normalized.encode("utf-8")).hexdigest()


# -- articles ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class NewArticle:
    """An article to store; ``content_hash(title, text)`` decides whether it is new."""

    source: str
    outlet: str
    title: str
    text: str
    url: str | None = None
    path: str | None = None
    published: datetime | None = None
    #: When it was fetched or read; default: the moment it is stored.
    fetched: datetime | None = None
    #: Its identity, when known as it is stored: written with it, not by a later
    #: ``record_identities`` (an UPDATE per article). Kept by known content.
    canonical_url: str | None = None


@dataclass(frozen=True, slots=True)
class Identity:
    """What collecting learned about one stored article."""

    article_id: int
    urls: tuple[str, ...] = ()  # every URL it was met under
    canonical_url: str | None = None
    duplicate_of: int | None = None  # the first copy, for a near-duplicate
    scheme: str | None = None  # how ``signature`` (its MinHash sketch) was made
    signature: bytes | None = None


@dataclass(frozen=True, slots=True)
class StoredSketch:
    """A stored MinHash sketch and the first copy its article belongs to (if a copy)."""

    article_id: int
    signature: bytes
    duplicate_of: int | None


# -- briefs and story memory -------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class BriefRecord:
    """Where a recorded brief lives and whether its files are all in place.

    The brief itself (its content) is ``storage.briefs.get(id)``: a ``briefing.brief.Brief``.
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


# -- the outbox -------------------------------------------------------------------------

OUTBOX_STATES = ("pending", "sending", "sent", "failed", "unknown")


@dataclass(frozen=True, slots=True)
class OutboxRow:
    id: int
    brief_id: int
    recipient: str
    state: str
    message_id: str
    attempts: int
    claimed_by: str | None
    last_error: str | None
    claimed_at: datetime | None = None
    #: A failed or unknown row someone dealt with on purpose (``briefing send --dismiss``).
    dismissed: bool = False


@dataclass(frozen=True, slots=True)
class OutboxProblem:
    """A failed or unknown row not yet resent or dismissed, with its brief's place."""

    row: OutboxRow
    profile: str
    #: The brief's folder name: its local date ("2026-12-01", "2026-12-01-2").
    slug: str


# -- digests ----------------------------------------------------------------------------

DIGEST_STATES = ("building", "built", "sending", "sent", "failed", "skipped")


@dataclass(frozen=True, slots=True)
class DigestRecord:
    profile: str
    local_date: date
    state: str
    brief_id: int | None
    attempts: int
    #: "schedule" (briefing schedule) or "manual" (briefing build --send).
    origin: str
    scheduled_for: datetime | None
    claimed_by: str | None
    claimed_at: datetime | None
    last_error: str | None
    updated_at: datetime
    sent_at: datetime | None
    #: Failed because the process working on it stopped (not because of the digest):
    #: another worker takes it over at once.
    interrupted: bool = False

    @property
    def claimer_pid(self) -> int | None:
        """The pid in ``claimed_by`` (``host/pid/random``), when there is one."""
        pid = (self.claimed_by or "").split("/")[1:2]
        return int(pid[0]) if pid and pid[0].isdigit() else None


@dataclass(frozen=True, slots=True)
class ManualClaim:
    """What ``claim_manual`` found: whether this process may send, and the row as it is now."""

    claimed: bool
    record: DigestRecord | None
    #: The brief that already reached some recipients, when that is why it was refused.
    partly_sent_brief: int | None = None


# -- source health ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SourceRef:
    """A web source as the store keys it: its name, type and address."""

    name: str
    type: str
    url: str | None


@dataclass(frozen=True, slots=True)
class Validators:
    """What the last good answer said, for a conditional GET."""

    etag: str | None = None
    last_modified: str | None = None


@dataclass(frozen=True, slots=True)
class EntryCounts:
    """Entries of a source's last read run that could not become articles, by reason."""

    no_text: int = 0
    page_failed: int = 0
    emptied: int = 0


@dataclass(frozen=True, slots=True)
class SourceRow:
    """One web source's stored fetch state and health."""

    name: str
    type: str
    url: str | None
    last_attempt: datetime | None
    last_success: datetime | None
    last_error: str | None
    last_error_at: datetime | None
    consecutive_failures: int
    last_new: int
    unusable: EntryCounts
    last_warning: str | None
    claimed_by: str | None = None


# -- the LLM log and cache ---------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CallRow:
    """One LLM request attempt (or cache hit), as stored in the call log."""

    started_at: datetime
    endpoint: str
    model: str
    task: str
    outcome: str
    story_id: str | None = None
    prompt_version: str | None = None
    response_format: str | None = None
    tokens_in: int = 0
    tokens_out: int = 0
    latency_ms: int = 0
    cache_hit: bool = False
    error: str | None = None
    #: The token counts are our estimate: the server reported none.
    tokens_estimated: bool = False


@dataclass(frozen=True, slots=True)
class CacheEntry:
    """A validated LLM answer (JSON text) under its key."""

    key: str
    task: str
    model: str
    prompt_version: str
    answer: str
    tokens_in: int
    tokens_out: int
    created_at: datetime


@dataclass(frozen=True, slots=True)
class UsageRow:
    day: str  # YYYY-MM-DD (UTC)
    model: str
    calls: int  # requests sent to the endpoint (attempts, retries included)
    cache_hits: int  # answers served from the cache, no request sent
    tokens_in: int
    tokens_out: int
    errors: int  # requests that failed or were answered unusably
    estimated_tokens: int = 0  # of tokens in + out, how many are our estimate


# -- archive search ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SearchDocument:
    """One story of an archived brief, as the search index holds it."""

    brief: str  # "<profile>/<slug>": the brief's key
    profile: str
    day: str  # YYYY-MM-DD
    title: str  # the brief's title
    headline: str
    bullets: str  # one bullet a line
    sources: str  # one "title — outlet" a line


@dataclass(frozen=True, slots=True)
class SearchHit:
    brief: str  # "<profile>/<slug>"
    profile: str
    day: str
    title: str
    headline: str
    snippet: str  # the best-matching passage, matched words in [brackets]
    score: float  # lower is better (SQLite: bm25; PostgreSQL: minus ts_rank_cd)


# -- workers ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class WorkerRecord:
    """A scheduler process sharing the store, and when it last said it was alive."""

    owner: str  # host/pid/random, the name its claims carry
    host: str
    pid: int
    started_at: datetime
    heartbeat_at: datetime


@dataclass(frozen=True, slots=True)
class SourceRun:
    """What one collection run of one source gave: an error, or what it found."""

    source: SourceRef
    error: str | None = None
    new: int = 0  # new articles stored
    #: For the next conditional GET; None keeps the stored ones (a 304 answer).
    validators: Validators | None = None
    #: None (a 304: nothing was read) keeps the last read run's counts and warning.
    unusable: EntryCounts | None = None
    warning: str | None = None
