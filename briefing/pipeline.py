"""build_brief(): sources in, a rendered and recorded brief out.

This is the one place that wires the stages together; each stage lives in its
own module and knows nothing of the others::

    read files -> clean -> collect feeds/pages -> store -> group (stories)
      -> summarize -> assemble -> render -> record

The CLI and the scheduler call this; so can any Python program.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from briefing.assemble import assemble_brief
from briefing.clean import clean_documents
from briefing.collect import (
    WEB_SOURCE_TYPES,
    collect,
    failure_note,
    source_from_url,
    unbriefed_articles,
)
from briefing.config import Config, ProfileConfig, SourceConfig
from briefing.errors import NoArticlesError, NothingNewError
from briefing.ingest.files import ReadResult, SkippedFile, read_paths
from briefing.memory import record_stories
from briefing.render import RenderedBrief, render_brief
from briefing.render.json import brief_to_dict
from briefing.resources import examples_dir
from briefing.store import Store
from briefing.stories import plan_stories
from briefing.summarize.base import Summarizer
from briefing.types import Article, Brief, RawDocument

logger = logging.getLogger(__name__)

#: Called with the name of each stage as it starts ("read", "clean", ...).
ProgressCallback = Callable[[str], None]


@dataclass(frozen=True)
class BuildResult:
    brief: Brief
    brief_id: int
    out_dir: Path
    files: RenderedBrief
    new_articles: int
    seen_articles: int
    skipped: tuple[SkippedFile, ...]
    #: Wall time per stage, in seconds, in pipeline order.
    timings: dict[str, float] = field(default_factory=dict)


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
) -> BuildResult:
    """Build one brief and write it to ``<out_root>/<profile>/<YYYY-MM-DD>/``.

    ``sources`` (paths or feed/page URLs given on the command line) replace the
    profile's configured sources; with neither, the bundled example articles
    are used. Feed and page sources are collected first (unless
    ``collect_first`` is false) and their articles not yet briefed for this
    profile join the brief. ``engine``/``model`` override the config;
    ``summarizer`` replaces engine selection entirely (tests, embedding programs).
    """
    profile_config = config.profile(profile)
    # An aware ``now`` keeps its zone (a scheduled digest is dated by its profile's
    # clock); a naive or missing one is the host's local time.
    if now is None or now.tzinfo is None:
        now = (now or datetime.now()).astimezone()
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

    with Store(config.paths.store) as store:
        collect_note: str | None = None
        if web_sources and collect_first:
            with stage("collect"):
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
        out_dir = (out_root or config.paths.out) / _safe_segment(profile) / now.strftime("%Y-%m-%d")
        with stage("group"):
            # The profile's filter, memory of its earlier briefs, ranking and cap.
            plan = plan_stories(articles, profile_config, now=now, store=store, out_dir=out_dir)
            stories = list(plan.stories)
        if not stories and not plan.also_noted:
            # Better no brief than an empty one mailed to every recipient.
            raise NothingNewError(_nothing_new_message(profile, len(articles), plan.filtered_out))
        with stage("summarize"):
            if summarizer is None:
                from briefing.summarize.select import make_summarizer

                summarizer = make_summarizer(config, store, engine=engine, model=model)
            try:
                summaries = summarizer.summarize(stories)
                top_lines_of = getattr(summarizer, "top_lines", None)
                top_lines = top_lines_of(summaries, stories) if callable(top_lines_of) else ()
            finally:
                close = getattr(summarizer, "close", None)
                if callable(close):
                    close()  # also flushes the LLM call log to the store
        with stage("assemble"):
            brief = assemble_brief(
                stories,
                summaries,
                title=title or profile_config.title or config.brief.title,
                profile=profile,
                generated_at=now,
                language=config.brief.language,
                author=config.brief.author,
                engine=summarizer.engine,
                prompt_versions=dict(getattr(summarizer, "prompt_versions", {}) or {}),
                top_lines=top_lines,
                skipped=len(read.skipped),
                extra_notes=(collect_note,) if collect_note else (),
                also_noted=plan.also_noted,
            )
        with stage("render"):
            files = render_brief(brief, out_dir, template_dirs=_user_dirs(config.paths.templates))
        with stage("record"):
            brief_id = store.record_brief(brief, out_dir, brief_to_dict(brief))
            record_stories(store, brief_id, stories)
    logger.info("brief %d written to %s", brief_id, out_dir)
    return BuildResult(
        brief=brief,
        brief_id=brief_id,
        out_dir=out_dir,
        files=files,
        new_articles=new_count + sum(1 for a in articles if a.id not in known),
        seen_articles=len(known) - new_count,
        skipped=read.skipped,
        timings=timings,
    )


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
    store: Store, documents: Sequence[RawDocument], now: datetime
) -> tuple[list[Article], int]:
    """Store each cleaned article; identical content given twice is briefed once."""
    articles: dict[int, Article] = {}
    new_count = 0
    for document in documents:
        path = None if document.url == document.location else document.location
        article, is_new = store.add_document(document, fetched=now, path=path)
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


def _safe_segment(name: str) -> str:
    """A profile name as a single, harmless path segment."""
    cleaned = "".join(ch if ch.isalnum() or ch in "-_." else "-" for ch in name).strip(".")
    return cleaned or "default"
