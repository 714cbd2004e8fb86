"""One collect run: fetch every web source concurrently, then clean, dedup and store.

Two phases, so that concurrency never touches identity::

    fetch (async, bounded)   every source at once, within the fetcher's limits; each
                             ends as candidates, "unchanged" (304) or an error value
    store (in order)         clean the whole batch, then store candidate by candidate in
                             source order: URL seen? content hash known? near-duplicate?

Storing in a fixed order makes "the first copy" well defined, and storing only
after every fetch has ended means a source's conditional-GET validators are
saved only once its articles are safely in the store.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import functools
import importlib
import logging
from collections.abc import Awaitable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, TypeVar

from briefing.caps import cap_document
from briefing.clean import clean_documents
from briefing.collect import WEB_SOURCE_TYPES
from briefing.collect.auth import SourceCredentials, credentials_for
from briefing.collect.feeds import FeedEntry, parse_feed
from briefing.collect.fetch import FEED_ACCEPT, PAGE_ACCEPT, Fetcher, FetchResult
from briefing.collect.health import Validators, source_ref
from briefing.collect.pages import Page, PageError, Robots, read_page
from briefing.collect.report import CollectReport, SourceFailure, UnusableEntries
from briefing.collect.urls import canonical_url, display_url
from briefing.config import Config, SourceConfig
from briefing.errors import SourceError
from briefing.ingest.outlet import site_host
from briefing.storage import EntryCounts, Identity, NewArticle, SourceRun, Storage
from briefing.text import cut_text
from briefing.types import Article, RawDocument

if TYPE_CHECKING:
    import numpy as np

    from briefing.collect import dedup

logger = logging.getLogger(__name__)

# The same for httpx's network backend (anyio's asyncio backend, a tenth of a second),
# which its first request would otherwise load with the batch's fetches waiting. Named
# by private paths, hence only tried: without it, the first request loads it.
for _backend in ("anyio._backends._asyncio", "httpcore._backends.anyio"):
    with contextlib.suppress(ImportError):
        importlib.import_module(_backend)

#: Time one feed may spend fetching the pages behind its teasers, in request
#: deadlines. Entries whose page is not reached in time are left for the next
#: run (their URL is not recorded), so a feed of 200 teasers on a slow site
#: cannot hold the whole run for 200 deadlines.
FULL_TEXT_BUDGET = 3
#: Feeds up to this size are parsed on the event loop itself (at most about 40 ms
#: here, a pause the fetches in flight never notice); larger ones in a thread, so
#: that a long parse never holds them up. Under the GIL a thread buys no speed, and
#: each hand-off costs CPU and wakes the loop twice: 6% of a first collect of
#: 73 KB feeds when the limit was 64 KB.
INLINE_PARSE_BYTES = 128 * 1024
T = TypeVar("T")


class _OutOfTime(Exception):
    """The feed's full-text budget ran out before this entry's page was fetched."""


@dataclass(frozen=True, slots=True)
class Candidate:
    """A fetched article not known by URL: its document and every URL it was met under."""

    document: RawDocument
    urls: tuple[str, ...]  # canonical forms; the article's identity first


@dataclass(slots=True)
class Outcome:
    """What fetching one source gave."""

    source: SourceConfig
    candidates: list[Candidate] = field(default_factory=list)
    seen: int = 0  # items skipped because their URL was already known
    deferred: int = 0  # teasers left for the next run: no time left to fetch their page
    unchanged: bool = False  # answered 304
    error: str | None = None
    validators: Validators | None = None  # for the next conditional GET (None: keep)
    no_text: int = 0  # entries with no text, and no article page to take it from
    page_failed: int = 0  # entries with no text whose article page could not be had
    warning: str | None = None  # the text may be garbled (see Feed.warning)


def collect(
    config: Config,
    store: Storage,
    sources: Sequence[SourceConfig],
    *,
    now: datetime | None = None,
    index: dedup.NearDuplicateIndex | None = None,
) -> CollectReport:
    """Fetch every feed and page source and store what is new; see ``briefing.collect``.

    ``index``: the near-duplicate index to use, for a job that collects in several
    batches (loaded from the store once, it learns each batch's articles).
    """
    now = now or datetime.now(UTC)
    web = [source for source in sources if source.type in WEB_SOURCE_TYPES]
    outcomes = run_sync(_fetch_all(config, store, web))
    counts = _store_all(store, outcomes, now, index)
    failures: list[SourceFailure] = []
    unusable: list[UnusableEntries] = []
    runs: list[SourceRun] = []
    for outcome in outcomes:
        source = outcome.source
        if outcome.error is not None:
            logger.warning("%s: %s", source.name, outcome.error)
            runs.append(SourceRun(source_ref(source), error=outcome.error))
            where = display_url(source.url or "")
            failures.append(SourceFailure(source.name, where, outcome.error))
            continue
        lost = UnusableEntries(source.name, outcome.no_text, outcome.page_failed,
                               counts.emptied_by_source.get(source.name, 0))
        if lost.total:  # in the report (which `collect` prints) and in `sources`
            logger.info("%s: %s", source.name, lost.describe())
            unusable.append(lost)
        if outcome.warning:
            logger.warning("%s: %s", source.name, outcome.warning)
        read = not outcome.unchanged  # a 304 read nothing: keep what the last read found
        runs.append(SourceRun(
            source_ref(source), new=counts.new_by_source.get(source.name, 0),
            validators=outcome.validators,
            unusable=EntryCounts(lost.no_text, lost.page_failed, lost.emptied) if read else None,
            warning=outcome.warning,
        ))
    # Each source's health, after its articles are safely stored: one transaction.
    store.sources.record_runs(runs, now)
    return CollectReport(
        new=len(counts.article_ids),
        duplicates=counts.duplicates + sum(outcome.seen for outcome in outcomes),
        near_duplicates=counts.near_duplicates,
        unchanged_sources=sum(1 for outcome in outcomes if outcome.unchanged),
        failures=tuple(failures),
        sources_total=len(web),
        article_ids=tuple(counts.article_ids),
        unusable=tuple(unusable),
    )


def run_sync(coroutine: Awaitable[T]) -> T:
    """Run ``coroutine`` to completion from synchronous code, even inside a running loop."""

    async def main() -> T:
        return await coroutine

    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(main())
    # Called from async code (a notebook, an embedding app): use a loop of our own.
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, main()).result()


async def _fetch_all(
    config: Config, store: Storage, sources: Sequence[SourceConfig]
) -> list[Outcome]:
    known = store.sources.validators_many([source_ref(source) for source in sources])
    async with Fetcher(config.fetch) as fetcher:
        gatherer = _Gatherer(config, store, fetcher, known)
        return list(await asyncio.gather(*(gatherer.source(source) for source in sources)))


class _Gatherer:
    def __init__(
        self, config: Config, store: Storage, fetcher: Fetcher, known: dict[str, Validators]
    ) -> None:
        self.config = config
        self.known = known  # each source's validators, read in one query
        self.settings = config.fetch
        self.store = store
        self.fetcher = fetcher
        self.robots = Robots(fetcher)

    async def source(self, source: SourceConfig) -> Outcome:
        outcome = Outcome(source)
        try:
            credentials = credentials_for(source)
            if source.type == "feed":
                await self._feed(source, outcome, credentials)
            else:
                await self._page(source, outcome, credentials)
        except SourceError as error:
            outcome.error, outcome.candidates = str(error), []
        # A bug or a library surprise on one source must not sink the others.
        except Exception as error:
            logger.exception("%s: unexpected error while collecting", source.name)
            outcome.error = f"unexpected error: {type(error).__name__}"
            outcome.candidates = []
        return outcome

    async def _feed(
        self, source: SourceConfig, outcome: Outcome, credentials: SourceCredentials | None
    ) -> None:
        assert source.url is not None
        known = self.known.get(source.name, Validators())
        answer = await self.fetcher.get(
            source.url, accept=FEED_ACCEPT, etag=known.etag, last_modified=known.last_modified,
            credentials=credentials,
        )
        if answer.not_modified:
            outcome.unchanged = True
            return
        parse = functools.partial(parse_feed, answer.body, url=answer.url,
                                  content_type=answer.content_type,
                                  max_entries=self.settings.max_entries_per_feed)
        feed = parse() if len(answer.body) <= INLINE_PARSE_BYTES else await asyncio.to_thread(parse)
        if feed.total_entries > len(feed.entries):
            logger.info("%s: %d entries, reading the first %d", source.name,
                        feed.total_entries, len(feed.entries))
        outcome.validators = Validators(answer.etag, answer.last_modified)
        outcome.warning = feed.warning
        # What the feed calls itself first; a configured outlet fills in; else the host.
        outlet = feed.title or source.outlet or site_host(answer.url)
        links = [canonical_url(entry.link) if entry.link else None for entry in feed.entries]
        # Every candidate's URLs are looked up once for the whole batch when it is stored
        # (``_drop_known``); only an entry that would fetch its page first, or that has no
        # text to tell "already seen" from "no text", is looked up now.
        seen = self.store.articles.known_urls(
            link for entry, link in zip(feed.entries, links, strict=True)
            if link and (not entry.text.strip() or (entry.is_teaser and self.settings.full_text))
        )
        budget_end = asyncio.get_running_loop().time() + FULL_TEXT_BUDGET * self.settings.deadline
        jobs = []
        for index, (entry, link) in enumerate(zip(feed.entries, links, strict=True)):
            if link in seen:
                outcome.seen += 1
                continue
            fallback = f"{answer.url}#entry-{index + 1}"
            jobs.append(self._entry(source, entry, link, outlet, fallback, outcome, budget_end,
                                    credentials))
        for candidate in await asyncio.gather(*jobs):
            if candidate is not None:
                outcome.candidates.append(candidate)
        if outcome.deferred:
            logger.info("%s: no time left for the full text of %d entries; next run",
                        source.name, outcome.deferred)
            # Forget the validators, or an unchanged feed would answer 304 next time
            # and the deferred entries would never be read.
            outcome.validators = Validators()

    async def _entry(
        self,
        source: SourceConfig,
        entry: FeedEntry,
        link: str | None,
        outlet: str,
        fallback_location: str,
        outcome: Outcome,
        budget_end: float,
        credentials: SourceCredentials | None = None,
    ) -> Candidate | None:
        text, title, urls = entry.text, entry.title, [link] if link else []
        page_failed = False
        if link and entry.is_teaser and self.settings.full_text:
            try:
                page = await self._full_text(source, link, budget_end, credentials)
            except _OutOfTime:
                outcome.deferred += 1
                return None
            page_failed = page is None
            if page is not None:  # stored already under the page's own URL: _drop_known
                more = [canonical_url(page.url), page.canonical]
                urls = [page.canonical, *urls, *more]
                outlet = page.outlet or outlet  # the article page names its site best
                if len(page.text) > len(text):
                    text, title = page.text, title or page.title
        if not text.strip():  # counted, and said by `collect` and `sources`
            if page_failed:
                outcome.page_failed += 1
            else:
                outcome.no_text += 1
            return None
        identity = urls[0] if urls else None
        return Candidate(self._document(source, identity or fallback_location, text, title,
                                        identity, outlet, entry.published),
                         tuple(dict.fromkeys(urls)))

    async def _full_text(
        self, source: SourceConfig, url: str, budget_end: float,
        credentials: SourceCredentials | None = None,
    ) -> Page | None:
        """The article page behind a teaser; None (use the feed's text) if it cannot be had.

        Raises ``_OutOfTime`` when the feed's budget ends first (waiting for a
        turn at the host counts).
        """
        remaining = budget_end - asyncio.get_running_loop().time()
        if remaining <= 0:
            raise _OutOfTime
        try:
            async with asyncio.timeout(remaining):
                _, page = await self._fetch_page(url, credentials=credentials)
        except TimeoutError:
            raise _OutOfTime from None
        except SourceError as error:
            logger.info("%s: full text of %s unavailable (%s); using the feed's text",
                        source.name, display_url(url), error)
            return None
        return page

    async def _page(
        self, source: SourceConfig, outcome: Outcome, credentials: SourceCredentials | None
    ) -> None:
        assert source.url is not None
        answer, page = await self._fetch_page(source.url, self.known.get(source.name),
                                              credentials=credentials)
        if page is None:
            outcome.unchanged = True
            return
        outcome.validators = Validators(answer.etag, answer.last_modified)
        outcome.warning = page.warning
        urls = list(dict.fromkeys([page.canonical, canonical_url(page.url),
                                   canonical_url(source.url)]))
        outlet = page.outlet or source.outlet or site_host(page.canonical)
        document = self._document(source, page.canonical, page.text, page.title,
                                  page.canonical, outlet, page.published)
        outcome.candidates.append(Candidate(document, tuple(urls)))

    async def _fetch_page(
        self, url: str, known: Validators | None = None, *,
        credentials: SourceCredentials | None = None,
    ) -> tuple[FetchResult, Page | None]:
        """Fetch and read an article page; the page is None when it answered 304."""
        if self.settings.respect_robots:
            refusal = await self.robots.refusal(url)
            if refusal:
                raise PageError(refusal)
        known = known or Validators()
        answer = await self.fetcher.get(
            url, accept=PAGE_ACCEPT, etag=known.etag, last_modified=known.last_modified,
            credentials=credentials,
        )
        if answer.not_modified:
            return answer, None
        return answer, await asyncio.to_thread(read_page, answer)

    def _document(
        self,
        source: SourceConfig,
        location: str,
        text: str,
        title: str | None,
        url: str | None,
        outlet: str,
        published: datetime | None,
    ) -> RawDocument:
        limit = self.config.limits.max_article_chars
        document = RawDocument(
            source=source.name,
            location=location,
            text=cut_text(text, limit),
            title=title,
            url=url,
            outlet=outlet,
            published=published,
            truncated=len(text) > limit,
        )
        return cap_document(document, self.config.limits)


@dataclass(slots=True)
class _Counts:
    article_ids: list[int] = field(default_factory=list)
    duplicates: int = 0
    near_duplicates: int = 0
    new_by_source: dict[str, int] = field(default_factory=dict)
    emptied_by_source: dict[str, int] = field(default_factory=dict)  # nothing left once cleaned


def _store_all(
    store: Storage, outcomes: Sequence[Outcome], now: datetime,
    index: dedup.NearDuplicateIndex | None = None,
) -> _Counts:
    """Clean the batch, store it in one transaction, then link copies (another one).

    A crash between the two loses URLs and sketches, never an article: the next
    run meets those articles again and finds them by content hash.
    """
    counts = _Counts()
    _drop_known(store, outcomes)
    unique: dict[str, Candidate] = {}
    for outcome in outcomes:
        for candidate in outcome.candidates:
            if candidate.document.location in unique:  # the same article in two feeds
                counts.duplicates += 1
            else:
                unique[candidate.document.location] = candidate
    if not unique:
        return counts
    # numpy comes with the sketches, after the event loop: a collect that finds nothing
    # new (every feed answering 304) never loads it.
    from briefing.collect import dedup

    cleaned = clean_documents([candidate.document for candidate in unique.values()])
    kept = {document.location for document in cleaned}
    for location, candidate in unique.items():
        if location not in kept:  # all boilerplate: clean_documents dropped it
            source = candidate.document.source
            counts.emptied_by_source[source] = counts.emptied_by_source.get(source, 0) + 1
    stored = store.articles.add_many([
        _new_article(document, unique[document.location], now) for document in cleaned])
    index = index or dedup.NearDuplicateIndex(store, now=now)
    # The new articles' sketches, all at once (one numpy pass, not one MinHash each).
    sketches = iter(dedup.sketch_values_of([(article.title, article.text)
                                            for article, is_new in stored if is_new]))
    identities = [
        _identify(index, document, unique[document.location], article,
                  next(sketches) if is_new else None, is_new, counts)
        for document, (article, is_new) in zip(cleaned, stored, strict=True)
    ]
    store.articles.record_identities(identities)
    return counts


def _drop_known(store: Storage, outcomes: Sequence[Outcome]) -> None:
    """Drop the candidates met before under any of their URLs (counted as ``seen``).

    One lookup for the batch, not one per feed: a round trip each to a database
    server, made while every other fetch of the batch waited.
    """
    known = store.articles.known_urls(
        url for outcome in outcomes for candidate in outcome.candidates for url in candidate.urls
    )
    if not known:
        return
    for outcome in outcomes:
        fresh = [c for c in outcome.candidates if known.isdisjoint(c.urls)]
        outcome.seen += len(outcome.candidates) - len(fresh)
        outcome.candidates = fresh


def _new_article(document: RawDocument, candidate: Candidate, now: datetime) -> NewArticle:
    return NewArticle(
        source=document.source, outlet=document.outlet or "",
        title=document.title or "Untitled", text=document.text, url=document.url,
        published=document.published, fetched=now,
        canonical_url=candidate.urls[0] if candidate.urls else None,
    )


def _identify(
    index: dedup.NearDuplicateIndex,
    document: RawDocument,
    candidate: Candidate,
    article: Article,
    sketch: np.ndarray | None,
    is_new: bool,
    counts: _Counts,
) -> Identity:
    """Count one stored article and say what to record about it (a copy: link it).

    ``sketch``: a new article's (None: too short to judge, or not new)."""
    from briefing.collect import dedup  # loaded by _store_all already

    if not is_new:  # same content under another URL: remember the URL, skip it next time
        counts.duplicates += 1
        return Identity(article.id, candidate.urls)
    original = index.find(sketch) if sketch is not None else None
    if sketch is not None:
        index.add(article.id, sketch, original)
    if original is not None:
        logger.info("%s: a copy of article %d, linked to it", display_url(document.location),
                    original)
        counts.near_duplicates += 1
    else:
        counts.article_ids.append(article.id)
        counts.new_by_source[document.source] = counts.new_by_source.get(document.source, 0) + 1
    return Identity(
        article.id,
        candidate.urls,  # its canonical URL was stored with it (_new_article)
        duplicate_of=original,
        scheme=dedup.SCHEME if sketch is not None else None,
        signature=dedup.to_blob(sketch) if sketch is not None else None,
    )
