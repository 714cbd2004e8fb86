"""build(): sources in, a published brief out.

This is the one place that wires the stages together; each stage lives in its
own module and knows nothing of the others::

    read files -> clean -> collect feeds/pages -> store -> group (stories)
      -> summarize -> assemble -> render + record (one published folder)

``briefing.publishing`` calls it (and then updates the archive and sends); so can
any Python program that only wants the brief.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from briefing.assemble import assemble_brief
from briefing.brief import Brief
from briefing.clean import clean_documents
from briefing.clock import local_now
from briefing.collect import (
    WEB_SOURCE_TYPES,
    failure_note,
    source_from_url,
    unbriefed_articles,
)
from briefing.config import Config, ProfileConfig, SourceConfig
from briefing.errors import NoArticlesError, NothingNewError
from briefing.folders import publish_brief
from briefing.ingest.files import ReadResult, SkippedFile, read_paths
from briefing.memory import story_keys
from briefing.render import RenderedBrief, reader_links, render_brief
from briefing.resources import examples_dir
from briefing.storage import NewArticle, Storage, open_storage
from briefing.stories import plan_stories
from briefing.summarize.base import Summarizer
from briefing.types import Article, RawDocument

logger = logging.getLogger(__name__)

#: Called with the name of each stage as it starts ("read", "clean", ...).
ProgressCallback = Callable[[str], None]


@dataclass(frozen=True)
class BuildResult:
    """A published brief: the ``Brief`` (with its id and slug) and where its files are."""

    brief: Brief
    #: The brief's folder, ``<out>/<profile>/<slug>/``, holding every file below.
    folder: Path
    files: RenderedBrief
    new_articles: int
    seen_articles: int
    skipped: tuple[SkippedFile, ...]
    #: Wall time per stage, in seconds, in pipeline order.
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def brief_id(self) -> int:
        assert self.brief.id is not None  # a published brief always has its id
        return self.brief.id


def build_brief(
    config: Config,
    *,
    profile: str = "default",
    sources: Sequence[Path | str] = (),
    out_root: Path | None = None,
    title: str | None = None,
    engine: str | None = None,
    model: str | None = None,
    summarizer: Summarizer | None = None,
    collect_first: bool = True,
    now: datetime | None = None,
    progress: ProgressCallback | None = None,
    owner: str | None = None,
) -> BuildResult:
    """Build one brief and publish it in a folder of its own, ``<out_root>/<profile>/<slug>/``.

    ``sources`` (paths or feed/page URLs given on the command line) replace the
    profile's configured sources; with neither, the bundled example articles
    are used. Feed and page sources are collected first (unless
    ``collect_first`` is false) and their articles not yet briefed for this
    profile join the brief. ``engine``/``model`` override the config;
    ``summarizer`` replaces engine selection entirely (tests, embedding programs).
    ``now`` (default: this moment) is taken in the profile's time zone. ``owner``
    names the brief's claim while it is written (a scheduler worker passes its own).

    Raises ``NothingNewError`` when there is nothing new to brief (no brief is
    written), and other ``BriefingError`` subclasses when the brief cannot be made.
    """
    profile_config = config.profile(profile)
    language = config.language_for(profile_config)
    now = local_now(config, profile_config, now)
    timings: dict[str, float] = {}

    @contextmanager
    def stage(name: str) -> Iterator[None]:
        if progress:
            progress(name)
        started = time.perf_counter()
        yield
        timings[name] = time.perf_counter() - started

    file_sources, web_sources = _split_sources(config, sources, profile_config)
    with stage("read"):
        # Files first: a mistyped path fails before anything is fetched or stored.
        read = _read_sources(config, file_sources, use_examples=not sources and not web_sources)
    with stage("clean"):
        documents = clean_documents(read.documents)

    with open_storage(config.paths.store) as store:
        collect_note: str | None = None
        if web_sources and collect_first:
            with stage("collect"):
                from briefing.collect.collector import collect  # the network stack: only here

                report = collect(config, store, web_sources, now=now)
                collect_note = failure_note(report)
        with stage("store"):
            articles, new_count = _store_articles(store, documents, now)
            known = {article.id for article in articles}
            collected = unbriefed_articles(store, profile, [s.name for s in web_sources])
            articles += [article for article in collected if article.id not in known]
        if not articles and web_sources and not read.documents and collect_note is None:
            # Feeds answered, but everything they hold was briefed already.
            raise NothingNewError(
                f"nothing new for profile {profile!r}: no article collected from its feeds "
                "and pages since its last brief; no brief written"
            )
        if not articles:
            raise NoArticlesError(_no_articles_message(sources, file_sources, read, collect_note))
        with stage("group"):
            # The profile's filter, memory of its earlier briefs, ranking and cap.
            plan = plan_stories(articles, profile_config, now=now, store=store)
            stories = list(plan.stories)
        if not stories and not plan.also_noted:
            # Better no brief than an empty one mailed to every recipient.
            raise NothingNewError(_nothing_new_message(profile, len(articles), plan.filtered_out))
        with stage("summarize"):
            if summarizer is None:
                from briefing.summarize.select import make_summarizer

                summarizer = make_summarizer(config, store, engine=engine, model=model,
                                             language=language)
            try:
                summaries = summarizer.summarize(stories)
                top_lines = summarizer.top_lines(summaries, stories)
            finally:
                summarizer.close()  # also flushes the LLM call log to the store
        build_notes = _build_notes(read.skipped, [s.path for s in file_sources if s.path])
        with stage("assemble"):
            brief = assemble_brief(
                stories,
                summaries,
                title=title or profile_config.title or config.brief.title,
                profile=profile,
                generated_at=now,
                language=language,
                author=config.brief.author,
                engine=summarizer.engine,
                prompt_versions=dict(summarizer.prompt_versions),
                top_lines=top_lines,
                extra_notes=(collect_note,) if collect_note else (),
                build_notes=build_notes,
                also_noted=plan.also_noted,
                # Optional on the Summarizer protocol: the LLM engine's withheld top lines.
                dropped_top_lines=getattr(summarizer, "dropped_top_lines", ()),
                also_noted_limit=config.brief.also_noted_limit,
            )
        with stage("render"):
            templates = _user_dirs(config.paths.templates)
            cited = {source.article_id for source in brief.sources}

            # Absolute links (earlier briefs, "View in browser") only for a brief
            # published where [archive] base_url serves it: under paths.out.
            links = reader_links(config, published=out_root is None
                                 or out_root.resolve() == config.paths.out.resolve())

            def render(brief: Brief, folder: Path) -> RenderedBrief:
                return render_brief(brief, folder, template_dirs=templates,
                                    page=config.archive.site, links=links,
                                    pdf_variant=config.brief.pdf_variant)

            published, files = publish_brief(
                store,
                brief,
                out_root=out_root or config.paths.out,
                render=render,
                article_ids=sorted(cited),
                story_keys=story_keys(stories, cited),
                now=now.astimezone(UTC),
                owner=owner,
                worker_lease=timedelta(seconds=config.workers.lease_seconds),
            )
    logger.info("brief %s written to %s", published.brief.id, published.folder)
    return BuildResult(
        brief=published.brief,
        folder=published.folder,
        files=files.moved_to(published.folder),
        new_articles=new_count + sum(1 for a in articles if a.id not in known),
        seen_articles=len(known) - new_count,
        skipped=read.skipped,
        timings=timings,
    )


def _build_notes(skipped: Sequence[SkippedFile], roots: Sequence[Path]) -> tuple[str, ...]:
    """What the operator should know about this build (never shown to readers).

    brief.json keeps these and is published with the brief, so a file is named
    relative to the source folder it was found in, never by its machine path.
    """
    if not skipped:
        return ()
    for item in skipped:
        logger.warning("skipped %s: %s", item.path, item.reason)
    files = "; ".join(f"{_relative(item.path, roots)}: {item.reason}" for item in skipped[:5])
    more = f"; and {len(skipped) - 5} more" if len(skipped) > 5 else ""
    count = len(skipped)
    return (f"{count} input file{'s' if count != 1 else ''} could not be used: {files}{more}",)


def _relative(path: Path, roots: Sequence[Path]) -> str:
    for root in roots:
        try:
            return Path(path).relative_to(root).as_posix()
        except ValueError:
            continue
    return Path(path).name


def _split_sources(
    config: Config, given: Sequence[Path | str], profile: ProfileConfig
) -> tuple[list[SourceConfig], list[SourceConfig]]:
    """(file sources, feed/page sources): from the command line if given, else the profile."""
    if not given:
        configured = config.sources_for(profile)
        return (
            [s for s in configured if s.type not in WEB_SOURCE_TYPES],
            [s for s in configured if s.type in WEB_SOURCE_TYPES],
        )
    files: list[SourceConfig] = []
    web: list[SourceConfig] = []
    for item in given:
        text = str(item)
        if "://" in text:
            web.append(source_from_url(text, config))
        else:
            path = Path(item)
            files.append(SourceConfig(name=path.name or str(path), type="folder", path=path))
    return files, web


def _read_sources(
    config: Config, sources: Sequence[SourceConfig], *, use_examples: bool
) -> ReadResult:
    if not sources and use_examples:
        logger.info("no sources configured: using the bundled example articles")
        return read_paths([examples_dir()], source="examples", limits=config.limits)
    documents: list[RawDocument] = []
    skipped: list[SkippedFile] = []
    for source in sources:
        assert source.path is not None  # config validation guarantees it for file sources
        result = read_paths(
            [source.path], source=source.name, outlet=source.outlet, limits=config.limits
        )
        documents += result.documents
        skipped += result.skipped
    return ReadResult(tuple(documents), tuple(skipped))


def _store_articles(
    store: Storage, documents: Sequence[RawDocument], now: datetime
) -> tuple[list[Article], int]:
    """Store the cleaned articles in one transaction; identical content given twice is
    briefed once."""
    stored = store.articles.add_many([
        NewArticle(
            source=document.source, outlet=document.outlet or "",
            title=document.title or "Untitled", text=document.text, url=document.url,
            path=None if document.url == document.location else document.location,
            published=document.published, fetched=now,
        )
        for document in documents
    ])
    articles: dict[int, Article] = {}
    new_count = 0
    for article, is_new in stored:
        if article.id not in articles:
            articles[article.id] = article
            new_count += is_new
    return list(articles.values()), new_count


def _no_articles_message(
    given: Sequence[Path | str],
    files: Sequence[SourceConfig],
    read: ReadResult,
    collect_note: str | None,
) -> str:
    where = ", ".join(str(item) for item in given) or ", ".join(
        str(source.path) for source in files
    ) or "the configured sources"
    detail = f" ({len(read.skipped)} file(s) skipped)" if read.skipped else ""
    if collect_note:
        detail += f"; {collect_note}"
    return f"{where}: no usable article found{detail}"


def _nothing_new_message(profile: str, read: int, filtered_out: int) -> str:
    if filtered_out >= read:
        return (
            f"nothing to brief for profile {profile!r}: "
            f"none of {read} article(s) matches its filters"
        )
    briefed = read - filtered_out
    detail = f", {filtered_out} left out by its filters" if filtered_out else ""
    return (
        f"nothing new for profile {profile!r}: {briefed} article(s) were in its earlier briefs"
        f"{detail}; no brief written"
    )


def _user_dirs(path: Path | None) -> tuple[Path, ...]:
    return (path,) if path else ()
