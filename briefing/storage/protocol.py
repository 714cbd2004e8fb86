"""What a store is: one documented ``Protocol`` per domain, assembled into ``Storage``.

Feature modules hold a ``Storage`` and ask its repositories ("claim the next pending
outbox row", "store these articles"); they never see a connection, a cursor or a
line of SQL. Two implementations exist, ``briefing.storage.sqlite`` (the embedded
default) and ``briefing.storage.postgres`` (several workers on several machines);
``briefing.storage.open_storage`` picks one from the configured location. A test
or an embedding program may pass anything that satisfies these Protocols.

Rules every implementation keeps:

* **One transaction per call.** Each method that writes commits before it returns,
  or changes nothing and raises ``StoreError``; batch methods (``add_many``,
  ``record_identities``, ``record_runs``, ``LLMRepository.record``, ``index``) write
  their whole batch in one transaction, never one commit per row.
* **Conditional transitions.** Every claim and state change of a digest, an outbox
  row, a pending brief or a source is one conditional write: of two processes (or
  machines) racing for it, exactly one is told ``True``; the other changes nothing.
* **Times** go in and come out as aware datetimes (stored in UTC); local dates as
  ``date`` or ``YYYY-MM-DD`` text, as each method says.
* **Errors** of the database driver never leak: they are ``StoreError`` with one line
  naming the store (a PostgreSQL URL is shown without its password).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from briefing.storage.records import (
    BriefRecord,
    CacheEntry,
    CallRow,
    DigestRecord,
    EarlierArticle,
    Identity,
    ManualClaim,
    NewArticle,
    OutboxProblem,
    OutboxRow,
    SearchDocument,
    SearchHit,
    SourceRef,
    SourceRow,
    SourceRun,
    StoredSketch,
    UsageRow,
    Validators,
    WorkerRecord,
)

if TYPE_CHECKING:
    from briefing.brief import Brief
    from briefing.types import Article


class ArticleRepository(Protocol):
    """Articles, every URL each was met under, their copies and MinHash sketches."""

    def add_many(
        self, articles: Sequence[NewArticle], *, now: datetime | None = None
    ) -> list[tuple[Article, bool]]:
        """Store ``articles`` in one transaction, in order; returns each stored article
        and whether it was new. Known content (same ``content_hash``) keeps its id and
        first-seen time; only its last-seen time moves."""
        ...

    def add(self, article: NewArticle, *, now: datetime | None = None) -> tuple[Article, bool]:
        """``add_many`` for one article (its own transaction)."""
        ...

    def get(self, article_id: int) -> Article | None: ...

    def get_many(self, article_ids: Iterable[int]) -> dict[int, Article]:
        """The articles of ``article_ids`` that exist, by id, in one query."""
        ...

    def count(self) -> int: ...

    def known_urls(self, urls: Iterable[str]) -> set[str]:
        """Those of ``urls`` under which an article was already met."""
        ...

    def met_under(self, url: str) -> int | None:
        """The article met under ``url``, if any."""
        ...

    def record_identities(self, identities: Sequence[Identity]) -> None:
        """Record many articles' URLs, canonical URL, copy link and sketch in one
        transaction."""
        ...

    def unbriefed(
        self, profile: str, source_names: Sequence[str], *, since: datetime | None = None
    ) -> list[Article]:
        """Articles of these sources that no published brief of ``profile`` used,
        oldest first, near-duplicates left out; ``since`` keeps those first seen then
        or later."""
        ...

    def duplicate_of(self, article_id: int) -> int | None:
        """The first copy that ``article_id`` near-duplicates, or None."""
        ...

    def canonical_url(self, article_id: int) -> str | None: ...

    def sketches(self, scheme: str, *, since: datetime) -> list[StoredSketch]:
        """The sketches made by ``scheme`` of articles first seen from ``since`` on."""
        ...

    def sketches_of(self, article_ids: Iterable[int], scheme: str) -> dict[int, bytes]:
        """The signatures made by ``scheme`` of these articles (article id -> bytes)."""
        ...


class BriefRepository(Protocol):
    """Briefs as immutable artifacts, recorded in steps (``briefing.folders``).

    A brief is reserved (pending: an id and a free folder name), filled with its
    content, the articles it used and each one's story key, then published once its
    files are in place. Only published briefs count anywhere else.
    """

    def reserve(
        self,
        *,
        profile: str,
        local_date: date,
        profile_dir: Path,
        owner: str,
        now: datetime,
        folder_taken: Callable[[Path], bool],
    ) -> BriefRecord:
        """A new pending brief with the first free folder name of the day: the local
        date, then ``-2``, ``-3``... skipping names a recorded brief has and folders
        that ``folder_taken`` says exist."""
        ...

    def fill(
        self,
        brief: Brief,
        data: Mapping[str, Any],
        *,
        article_ids: Sequence[int],
        story_keys: Sequence[tuple[str, int]],
    ) -> None:
        """Record a pending brief's content (``data``: its brief.json), the articles it
        used and (story memory) each one's story key, in one transaction."""
        ...

    def publish(self, brief_id: int) -> None:
        """Mark a pending brief published: its files are all in place."""
        ...

    def discard(self, brief_id: int) -> None:
        """Forget a pending brief whose files never reached their folder."""
        ...

    def pending(self) -> list[BriefRecord]: ...

    def record(self, brief_id: int) -> BriefRecord | None: ...

    def latest(self, profile: str) -> BriefRecord | None:
        """The newest published brief of ``profile``."""
        ...

    def records(self, profile: str | None = None) -> list[BriefRecord]:
        """Published briefs, newest first."""
        ...

    def get(self, brief_id: int) -> Brief:
        """Brief ``brief_id`` as recorded; ``StoreError`` when there is none."""
        ...

    def article_ids(self, brief_id: int) -> set[int]: ...


class StoryMemoryRepository(Protocol):
    """Which story each briefed article belonged to (written by ``BriefRepository.fill``)."""

    def earlier_articles(
        self, profile: str, *, since: datetime, before_local_date: date
    ) -> list[EarlierArticle]:
        """Articles of ``profile``'s published briefs generated from ``since`` on and
        dated before ``before_local_date``, oldest brief first."""
        ...

    def story_keys(self, brief_id: int) -> dict[int, str]:
        """Article id -> story key, as brief ``brief_id`` recorded them."""
        ...


class OutboxRepository(Protocol):
    """One row per (brief, recipient): pending -> sending -> sent | failed | unknown.

    A claim sets ``sending`` and the owner; only that owner moves the row on.
    """

    def enqueue(
        self,
        brief_id: int,
        recipients: Sequence[str],
        message_id: Callable[[], str],
        *,
        now: datetime,
    ) -> None:
        """A pending row for each recipient not yet in the outbox for this brief."""
        ...

    def rows(self, brief_id: int) -> list[OutboxRow]: ...

    def row(self, row_id: int) -> OutboxRow | None: ...

    def claim(
        self, row_id: int, *, owner: str, now: datetime, states: Sequence[str] = ("pending",)
    ) -> bool:
        """Take row ``row_id`` for sending if it is in one of ``states``. A ``failed`` row
        taken again starts a fresh count of attempts; a claimed row is no longer
        dismissed."""
        ...

    def claim_next(
        self,
        brief_id: int,
        *,
        owner: str,
        now: datetime,
        recipients: Sequence[str],
        states: Sequence[str] = ("pending",),
        exclude: Iterable[int] = (),
    ) -> OutboxRow | None:
        """Claim the next row of ``brief_id`` for one of ``recipients`` in ``states``
        (rows in ``exclude`` left alone); None when none is left. Rows another process
        is claiming at this instant are skipped, never waited for."""
        ...

    def claim_all(
        self,
        brief_id: int,
        *,
        owner: str,
        now: datetime,
        recipients: Sequence[str],
        states: Sequence[str] = ("pending",),
        exclude: Iterable[int] = (),
    ) -> list[OutboxRow]:
        """``claim_next`` for every such row at once (one Bcc message)."""
        ...

    def finish(
        self, row_id: int, state: str, *, owner: str, now: datetime, error: str | None = None
    ) -> bool:
        """Move ``owner``'s ``sending`` row to ``state``: sent, failed, unknown, or
        pending again (a temporary failure; the attempt stays counted)."""
        ...

    def abandon(self, row_id: int, *, claimed_by: str | None, now: datetime, error: str) -> bool:
        """A row left ``sending`` by ``claimed_by`` (a process that is gone) becomes
        ``unknown``: it may have been delivered, so it is never resent by itself."""
        ...

    def reached_anyone(self, brief_id: int) -> bool:
        """Whether a message of ``brief_id`` was (or may have been) delivered."""
        ...

    def briefs_sending(self) -> list[int]:
        """The briefs that have a row in ``sending``, lowest id first."""
        ...

    def problems(self, profiles: Sequence[str] | None = None) -> list[OutboxProblem]:
        """Failed and unknown rows not dismissed, of ``profiles``' briefs (default: all),
        oldest brief first, each with its brief's profile and folder name."""
        ...

    def dismiss(self, brief_id: int, *, now: datetime) -> list[OutboxRow]:
        """Mark brief ``brief_id``'s failed and unknown rows as dealt with (nothing is
        resent), in one transaction; returns the rows this call dismissed."""
        ...


class DigestRepository(Protocol):
    """One row per (profile, local date): building -> built -> sending -> sent | failed |
    skipped (``briefing.schedule.digests`` tells the story)."""

    def get(self, profile: str, day: date) -> DigestRecord | None: ...

    def records(
        self, profiles: Sequence[str] | None = None, since: date | None = None
    ) -> list[DigestRecord]:
        """Rows of ``profiles`` (default: all) from ``since`` on, oldest first."""
        ...

    def in_progress(self) -> list[DigestRecord]:
        """Rows ``building`` or ``sending``."""
        ...

    def claim_build(
        self, profile: str, day: date, *, owner: str, scheduled_for: datetime, now: datetime,
        max_attempts: int,
    ) -> bool:
        """Start building: a new row, or a failed one that has no brief yet."""
        ...

    def mark_built(
        self, profile: str, day: date, brief_id: int, *, owner: str, now: datetime
    ) -> bool: ...

    def claim_send(
        self, profile: str, day: date, *, owner: str, now: datetime, max_attempts: int,
        resume: bool,
    ) -> bool:
        """Start sending the digest's brief: ``resume`` right after ``owner`` built it,
        else a new attempt on a ``built`` or ``failed`` row that has its brief."""
        ...

    def finish(
        self, profile: str, day: date, state: str, *, owner: str, now: datetime,
        error: str | None = None,
    ) -> bool:
        """End ``owner``'s job on the digest: ``sent``, ``failed`` or ``skipped``."""
        ...

    def record_missed(
        self, profile: str, day: date, *, scheduled_for: datetime, now: datetime, reason: str
    ) -> bool:
        """A delivery that was not made in time (and will not be): ``skipped``."""
        ...

    def interrupt(self, record: DigestRecord, *, now: datetime, error: str) -> bool:
        """``record`` (``building``/``sending``, its owner gone) becomes ``failed`` and
        ``interrupted``, unless it changed since it was read."""
        ...

    def claim_manual(
        self, profile: str, day: date, brief_id: int, *, owner: str, now: datetime
    ) -> ManualClaim:
        """Claim the day's digest for sending ``brief_id`` (``briefing build --send``),
        unless it was sent, is in progress, or an earlier brief of it reached someone."""
        ...

    def record_first_run(self, profiles: Sequence[str], *, now: datetime) -> None:
        """Remember ``now`` as the scheduler's first run on this store for each of
        ``profiles`` that has none (in one transaction): a delivery due before it is
        never missed."""
        ...

    def first_runs(self, profiles: Sequence[str]) -> dict[str, datetime]:
        """When the scheduler first ran for each of ``profiles`` (those it ever ran for)."""
        ...


class SourceHealthRepository(Protocol):
    """Each web source's fetch state, health and collection claim."""

    def validators(self, source: SourceRef) -> Validators:
        """The stored ETag and Last-Modified of ``source``, if its URL has not changed."""
        ...

    def validators_many(self, sources: Sequence[SourceRef]) -> dict[str, Validators]:
        """``validators`` for many sources in one query, by name."""
        ...

    def record_runs(self, runs: Sequence[SourceRun], now: datetime) -> None:
        """Record each source's run (success or failure) in one transaction; a recorded
        source's collection claim ends."""
        ...

    def all(self) -> list[SourceRow]:
        """Every web source ever collected, by name."""
        ...

    def claim_due(
        self,
        sources: Sequence[SourceRef],
        *,
        owner: str,
        now: datetime,
        interval: timedelta,
        live_since: datetime,
        limit: int,
    ) -> list[str]:
        """Claim up to ``limit`` of ``sources`` for collection: those not attempted for
        ``interval`` and not claimed by another worker that beat since ``live_since``.
        Returns the names claimed; sources another worker is claiming are skipped."""
        ...

    def release(self, owner: str, names: Iterable[str]) -> None:
        """End ``owner``'s claim on these sources (a collection that did not finish)."""
        ...


class LLMRepository(Protocol):
    """Every LLM call, cached answers, and the response format each endpoint accepted."""

    def record(self, calls: Sequence[CallRow], cache: Sequence[CacheEntry]) -> None:
        """Append call rows and (re)place cache entries, in one transaction."""
        ...

    def cached(self, key: str) -> CacheEntry | None: ...

    def endpoint_format(self, endpoint: str, model: str) -> str | None:
        """The ``response_format`` mode ``endpoint`` accepted for ``model``, if known."""
        ...

    def set_endpoint_format(
        self, endpoint: str, model: str, mode: str, *, now: datetime
    ) -> None: ...

    def calls(self) -> list[CallRow]:
        """Every recorded call, oldest first."""
        ...

    def usage(self) -> list[UsageRow]:
        """Totals per UTC day and model, oldest day first."""
        ...


class SearchRepository(Protocol):
    """The archive's full-text index: one document per story (derived data only)."""

    def check(self) -> None:
        """Raise ``StoreError`` (saying why) when this store cannot search."""
        ...

    def index(
        self, documents: Sequence[SearchDocument], *, keys: Sequence[str], replace_all: bool
    ) -> int:
        """Replace the documents of briefs ``keys`` (with ``replace_all``: of every
        brief) by ``documents``, in one transaction; returns how many were indexed."""
        ...

    def keys(self) -> set[str]:
        """The keys of the briefs the index holds."""
        ...

    def drop(self, keys: Iterable[str]) -> int:
        """Remove briefs ``keys`` from the index; returns how many were removed."""
        ...

    def count(self) -> int:
        """How many briefs the index holds."""
        ...

    def search(
        self, query: str, *, limit: int = 20, profile: str | None = None
    ) -> list[SearchHit]:
        """Stories matching every word of ``query`` (a trailing ``*`` matches a
        prefix), best first, with a snippet; punctuation is never query syntax."""
        ...


class ArchiveLineRepository(Protocol):
    """The archive index's rendered lines, kept between updates (derived data only):
    per output folder (``archive``), in parts (text the archive makes and reads), each
    under the ``stamp`` of the template that made it."""

    def load(self, archive: str, stamp: str) -> dict[str, str]:
        """The parts kept for ``archive`` under ``stamp``, by name."""
        ...

    def save(
        self, archive: str, stamp: str, parts: Mapping[str, str | None], *,
        replace_all: bool = False,
    ) -> None:
        """Keep ``parts`` (by name; None removes one) under ``stamp``, and forget every
        part of another stamp (``replace_all``: every other part of ``archive``), in
        one transaction."""
        ...


class WorkerRepository(Protocol):
    """The scheduler processes sharing the store, each with its heartbeat (its lease)."""

    def register(self, owner: str, *, host: str, pid: int, now: datetime) -> None: ...

    def beat(self, owner: str, now: datetime) -> bool:
        """Renew ``owner``'s lease; False when its row is gone (re-register)."""
        ...

    def unregister(self, owner: str) -> None: ...

    def prune(self, before: datetime) -> int:
        """Forget workers that have not beaten since ``before``; returns how many."""
        ...

    def all(self) -> list[WorkerRecord]: ...


class Storage(Protocol):
    """One store: its repositories, and what a caller needs to know about it."""

    #: "sqlite" or "postgresql".
    backend: str
    #: The store for messages: a file path, or a URL without its password.
    location: str
    #: True when several schedulers (on several machines) may share this store.
    several_workers: bool

    @property
    def articles(self) -> ArticleRepository: ...

    @property
    def briefs(self) -> BriefRepository: ...

    @property
    def memory(self) -> StoryMemoryRepository: ...

    @property
    def outbox(self) -> OutboxRepository: ...

    @property
    def digests(self) -> DigestRepository: ...

    @property
    def sources(self) -> SourceHealthRepository: ...

    @property
    def llm(self) -> LLMRepository: ...

    @property
    def search(self) -> SearchRepository: ...

    @property
    def archive_lines(self) -> ArchiveLineRepository: ...

    @property
    def workers(self) -> WorkerRepository: ...

    @property
    def installation_id(self) -> uuid.UUID:
        """This installation's identity: a UUID made once with the store (the archive's
        Atom ids derive from it; ``briefing store copy`` keeps it)."""
        ...

    @property
    def schema_version(self) -> int: ...

    @property
    def latest_version(self) -> int:
        """The schema version this briefing writes."""
        ...

    def migrate(self) -> list[int]:
        """Apply the missing migrations; returns the versions this call applied."""
        ...

    def close(self) -> None: ...

    def __enter__(self) -> Storage: ...

    def __exit__(self, *exc: object) -> None: ...


__all__ = [
    "ArchiveLineRepository",
    "ArticleRepository",
    "BriefRepository",
    "DigestRepository",
    "LLMRepository",
    "OutboxRepository",
    "SearchRepository",
    "SourceHealthRepository",
    "Storage",
    "StoryMemoryRepository",
    "WorkerRepository",
]
