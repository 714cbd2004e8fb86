"""build_brief(): sources in, a rendered and recorded brief out.

This is the one place that wires the stages together; each stage lives in its
own module and knows nothing of the others::

    read (ingest) -> clean -> store -> group (stories) -> summarize -> assemble -> render -> record

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
from briefing.config import Config, SourceConfig
from briefing.errors import NoArticlesError
from briefing.ingest.files import ReadResult, SkippedFile, read_paths
from briefing.render import RenderedBrief, render_brief
from briefing.render.json import brief_to_dict
from briefing.resources import examples_dir
from briefing.store import Store
from briefing.stories import group_into_stories
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
    sources: Sequence[Path] = (),
    out_root: Path | None = None,
    title: str | None = None,
    engine: str | None = None,
    model: str | None = None,
    summarizer: Summarizer | None = None,
    now: datetime | None = None,
    progress: ProgressCallback | None = None,
) -> BuildResult:
    """Build one brief and write it to ``<out_root>/<profile>/<YYYY-MM-DD>/``.

    ``sources`` (paths given on the command line) replace the profile's
    configured sources; with neither, the bundled example articles are used.
    ``engine``/``model`` override the config; ``summarizer`` replaces engine
    selection entirely (tests, embedding programs).
    """
    profile_config = config.profile(profile)
    now = (now or datetime.now()).astimezone()
    timings: dict[str, float] = {}

    @contextmanager
    def stage(name: str) -> Iterator[None]:
        if progress:
            progress(name)
        started = time.perf_counter()
        yield
        timings[name] = time.perf_counter() - started

    with stage("read"):
        read = _read_sources(config, sources, config.sources_for(profile_config))
    with stage("clean"):
        documents = clean_documents(read.documents)
    if not documents:
        raise NoArticlesError(_no_articles_message(sources, config, read))

    with Store(config.paths.store) as store:
        with stage("store"):
            articles, new_count = _store_articles(store, documents, now)
        with stage("group"):
            stories = group_into_stories(articles)
        with stage("summarize"):
            if summarizer is None:
                from briefing.summarize.select import make_summarizer

                summarizer = make_summarizer(config, store, engine=engine, model=model)
            summaries = summarizer.summarize(stories)
            top_lines_of = getattr(summarizer, "top_lines", None)
            top_lines = top_lines_of(summaries, stories) if callable(top_lines_of) else ()
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
            )
        out_dir = (out_root or config.paths.out) / _safe_segment(profile) / now.strftime("%Y-%m-%d")
        with stage("render"):
            files = render_brief(brief, out_dir, template_dirs=_user_dirs(config.paths.templates))
        with stage("record"):
            brief_id = store.record_brief(brief, out_dir, brief_to_dict(brief))
    logger.info("brief %d written to %s", brief_id, out_dir)
    return BuildResult(
        brief=brief,
        brief_id=brief_id,
        out_dir=out_dir,
        files=files,
        new_articles=new_count,
        seen_articles=len(articles) - new_count,
        skipped=read.skipped,
        timings=timings,
    )


def _read_sources(
    config: Config, paths: Sequence[Path], configured: Sequence[SourceConfig]
) -> ReadResult:
    if paths:
        return read_paths(list(paths), limits=config.limits)
    if not configured:
        logger.info("no sources configured: using the bundled example articles")
        return read_paths([examples_dir()], source="examples", limits=config.limits)
    documents: list[RawDocument] = []
    skipped: list[SkippedFile] = []
    for source in configured:
        assert source.path is not None  # config validation guarantees it
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
        article, is_new = store.add_article(
            source=document.source,
            outlet=document.outlet or document.source,
            title=document.title or "Untitled",
            text=document.text,
            url=document.url,
            path=None if document.url == document.location else document.location,
            published=document.published,
            fetched=now,
        )
        if article.id not in articles:
            articles[article.id] = article
            new_count += is_new
    return list(articles.values()), new_count


def _no_articles_message(paths: Sequence[Path], config: Config, read: ReadResult) -> str:
    where = ", ".join(str(p) for p in paths) or ", ".join(
        str(s.path) for s in config.sources
    ) or str(examples_dir())
    detail = f" ({len(read.skipped)} file(s) skipped)" if read.skipped else ""
    return f"{where}: no usable article found{detail}"


def _user_dirs(path: Path | None) -> tuple[Path, ...]:
    return (path,) if path else ()


def _safe_segment(name: str) -> str:
    """A profile name as a single, harmless path segment."""
    cleaned = "".join(ch if ch.isalnum() or ch in "-_." else "-" for ch in name).strip(".")
    return cleaned or "default"
