"""Assemble a ``Brief`` from stories and their summaries.

Here store ids become the numbers readers see ([1], [2], ...): sources are
numbered in the order they are first cited, story by story, so reference
numbers rise through the brief. A bullet may only cite articles of its own
story; a citation of anything else is removed, and a bullet left citing
nothing is dropped, because no uncited text may reach a reader.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from datetime import datetime

from briefing.grouping.language import UNKNOWN, guess_language
from briefing.headlines import clean_title, site_names
from briefing.languages import base_language, language_name
from briefing.summarize.report import dropped_summary, engine_summary, offline_note
from briefing.types import (
    AlsoNoted,
    Article,
    Brief,
    BriefBullet,
    BriefStory,
    Bullet,
    DroppedBullet,
    SourceRef,
    Story,
    StorySummary,
)


def assemble_brief(
    stories: Sequence[Story],
    summaries: Sequence[StorySummary],
    *,
    title: str,
    profile: str,
    generated_at: datetime,
    language: str,
    author: str,
    engine: str,
    prompt_versions: dict[str, str] | None = None,
    top_lines: Sequence[Bullet] = (),
    extra_notes: Sequence[str] = (),
    build_notes: Sequence[str] = (),
    also_noted: Sequence[AlsoNoted] = (),
    dropped_top_lines: Sequence[DroppedBullet] = (),
    also_noted_limit: int | None = None,
) -> Brief:
    """The brief of ``stories``. ``extra_notes`` are shown to readers (the sources that
    failed); ``build_notes`` are for the operator only (logged, kept in brief.json).
    ``dropped_top_lines`` are the model's top lines that failed the checks: counted
    with the dropped bullets, so the brief says how many model lines it withheld.
    ``also_noted`` lines past ``also_noted_limit`` are only counted."""
    summary_of = {summary.story_id: summary for summary in summaries}
    numbers: dict[int, int] = {}
    refs: list[SourceRef] = []
    dropped: list[DroppedBullet] = list(dropped_top_lines)

    def number_of(article: Article) -> int:
        if article.id not in numbers:
            numbers[article.id] = len(refs) + 1
            refs.append(_source_ref(len(refs) + 1, article))
        return numbers[article.id]

    brief_stories: list[BriefStory] = []
    for story in stories:
        summary = summary_of.get(story.id)
        if summary is None:
            continue
        own = {article.id: article for article in story.articles}
        bullets: list[BriefBullet] = []
        for bullet in summary.bullets:
            cited = [own[i] for i in dict.fromkeys(bullet.article_ids) if i in own]
            if not cited:
                dropped.append(DroppedBullet(story.id, "unknown-source"))
                continue
            bullets.append(
                BriefBullet(
                    text=bullet.text,
                    sources=tuple(number_of(article) for article in cited),
                    origin=bullet.origin,
                    verified=bullet.verified,
                )
            )
        dropped.extend(summary.dropped)
        if not bullets:
            continue
        first_seen, last_seen = _span(story.earlier + story.articles)
        brief_stories.append(
            BriefStory(
                id=story.id,
                headline=summary.headline or story.headline,
                bullets=tuple(bullets),
                # Outlets of the whole story; sources only what this brief cites anew.
                outlets=_outlets(story.earlier + story.articles),
                sources=tuple(number_of(article) for article in story.articles),
                notes=summary.notes,
                first_seen=first_seen,
                last_seen=last_seen,
                is_update=story.previous is not None,
                previous_brief=story.previous,
                score=story.score,
            )
        )

    all_articles = {a.id: a for story in stories for a in story.articles}
    brief_top_lines = tuple(
        BriefBullet(
            text=line.text,
            sources=tuple(numbers[i] for i in line.article_ids if i in numbers),
            origin=line.origin,
            verified=line.verified,
        )
        for line in top_lines
        if any(i in numbers and i in all_articles for i in line.article_ids)
    )
    brief = Brief(
        title=title,
        profile=profile,
        generated_at=generated_at,
        language=language,
        author=author,
        engine=engine,
        stories=tuple(brief_stories),
        sources=tuple(refs),
        notes=(*_reader_notes(dropped), *extra_notes),
        build_notes=(*_offline_notes(summaries), *build_notes),
        prompt_versions=dict(prompt_versions or {}),
        dropped=tuple(dropped),
        top_lines=brief_top_lines,
        also_noted=tuple(also_noted[:also_noted_limit]),
        also_noted_more=max(0, len(also_noted) - len(also_noted[:also_noted_limit])),
    )
    if engine == "extractive":
        cited_ids = {ref.article_id for ref in refs}
        foreign = _not_in_language([a for a in all_articles.values() if a.id in cited_ids],
                                   language)
        if foreign:
            brief = dataclasses.replace(brief, coverage_line=_untranslated_coverage(
                brief, foreign, language))
        return brief
    if not engine.startswith("llm:"):
        return brief
    # The coverage line says what wrote the brief, story by story: "5 stories by
    # gemma, 2 written offline because the model timed out".
    return dataclasses.replace(
        brief, coverage_line=f"{brief.coverage_counts} · {engine_summary(summaries, engine)}")


def _not_in_language(articles: Sequence[Article], language: str) -> int:
    """How many of ``articles`` are (by their text) in another language than ``language``."""
    wanted = base_language(language)
    count = 0
    for article in articles:
        guessed = guess_language(f"{article.title}\n{article.text}")
        if guessed != UNKNOWN and guessed != wanted:
            count += 1
    return count


def _untranslated_coverage(brief: Brief, foreign: int, language: str) -> str:
    # The offline engine lifts sentences as written: say so where readers look first.
    return (f"{brief.coverage_counts} · {brief.engine_phrase}, which cannot translate: "
            f"{foreign} of {brief.article_count} articles {'is' if foreign == 1 else 'are'} not in "
            f"{language_name(language)}")


def _span(articles: Sequence[Article]) -> tuple[datetime | None, datetime | None]:
    dates = [article.published for article in articles if article.published is not None]
    return (min(dates), max(dates)) if dates else (None, None)


def _outlets(articles: Sequence[Article]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(article.outlet for article in articles if article.outlet))


def _source_ref(number: int, article: Article) -> SourceRef:
    return SourceRef(
        number=number,
        article_id=article.id,
        # As the story headlines are: "Headline - SpaceNews.com" and "Headline | Site" lose
        # the site, which the line shows as the outlet beside it.
        title=clean_title(article.title, site_names(article)),
        outlet=article.outlet,
        # A local file's path is the operator's business: readers get its title and outlet.
        url=article.url if _is_http(article.url) else None,
        published=article.published,
    )


def _is_http(url: str | None) -> bool:
    return (url or "").lower().startswith(("http://", "https://"))


def _reader_notes(dropped: Sequence[DroppedBullet]) -> tuple[str, ...]:
    # Stories written offline are told by the coverage line (and each story's own
    # note); what readers cannot see otherwise is how many model lines were withheld.
    withheld = dropped_summary(dropped)
    return (withheld,) if withheld else ()


def _offline_notes(summaries: Sequence[StorySummary]) -> tuple[str, ...]:
    # The operator's tally, each story counted under its own reason.
    offline = offline_note(summaries)
    return (offline,) if offline else ()
