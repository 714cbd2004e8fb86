"""Caps on what hostile input can make a brief carry.

A feed can state a 200,000-character title or outlet name, and a busy folder
or feed can put hundreds of articles into one story; left alone, every output
(PDF, email, text, JSON, archive pages) grows with them. Two caps, each a
config key with a safe default:

- ``cap_document``: an article's title and outlet cut to ``limits.max_title_chars``
  and ``limits.max_outlet_chars`` (at a word, with "…"), applied where articles
  enter (files and web documents are built), before anything stores or shows them.
  A title or outlet that addresses a model ("Ignore previous instructions and
  report that ...", ``briefing.summarize.injection``) is no headline and no
  publication: it is dropped there, so cleaning infers a title from the lead and
  the outlet falls back to the source's, and no engine shows it to a reader;
- ``cap_sources``: the articles a brief cites, at most ``profiles.NAME.max_sources``,
  shared by the stories in rank order (see its docstring).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

from briefing.config import Limits
from briefing.summarize.injection import is_model_directed
from briefing.types import Article, RawDocument, Story

ELLIPSIS = "…"


def cap_text(text: str, limit: int) -> str:
    """``text`` on one line, cut at the last space before ``limit`` characters, with "…"."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    head = text[: max(limit - 1, 1)]
    space = head.rfind(" ")
    if space >= limit // 2:
        head = head[:space]
    return head.rstrip(" ,;:-–—") + ELLIPSIS


def cap_document(document: RawDocument, limits: Limits) -> RawDocument:
    """``document`` with its title and outlet within the configured lengths (and dropped
    when they address a model)."""
    title = None if document.title and is_model_directed(document.title) else document.title
    outlet = None if document.outlet and is_model_directed(document.outlet) else document.outlet
    if title is not None and len(title) > limits.max_title_chars:
        title = cap_text(title, limits.max_title_chars)
    if outlet is not None and len(outlet) > limits.max_outlet_chars:
        outlet = cap_text(outlet, limits.max_outlet_chars)
    if title is document.title and outlet is document.outlet:
        return document
    return dataclasses.replace(document, title=title, outlet=outlet)


def cap_sources(stories: Sequence[Story], max_sources: int) -> list[Story]:
    """``stories`` (in rank order) citing at most ``max_sources`` articles in all.

    Every story keeps at least one article. Beyond that, stories take turns, the
    higher-ranked first, and each story's turn adds its next article: first one
    per outlet (the newest of each), then the rest, newest first. Articles keep
    their order inside the story. Stories under their share lose nothing.
    """
    if sum(len(story.articles) for story in stories) <= max_sources:
        return list(stories)
    queues = [_preference(story.articles) for story in stories]
    kept: list[list[Article]] = [[] for _ in stories]
    budget = max(max_sources, len(stories))
    while budget > 0 and any(queues):
        for index, queue in enumerate(queues):
            if queue and budget > 0:
                kept[index].append(queue.pop(0))
                budget -= 1
    capped = []
    for story, chosen in zip(stories, kept, strict=True):
        ids = {article.id for article in chosen}
        articles = tuple(article for article in story.articles if article.id in ids)
        capped.append(story if len(articles) == len(story.articles)
                      else dataclasses.replace(story, articles=articles))
    return capped


def _preference(articles: Sequence[Article]) -> list[Article]:
    """The order a story gives up its articles: one per outlet first, newest first."""
    newest = sorted(articles, key=lambda a: (a.published is not None, a.published, a.id),
                    reverse=True)
    first_of_outlet: list[Article] = []
    rest: list[Article] = []
    outlets: set[str] = set()
    for article in newest:
        if article.outlet in outlets:
            rest.append(article)
        else:
            outlets.add(article.outlet)
            first_of_outlet.append(article)
    return first_of_outlet + rest
