"""Collecting articles from the web: RSS/Atom/JSON feeds and single article pages.

The public surface::

    collect(config, store, sources, now=None) -> CollectReport
        fetch every ``feed`` and ``page`` source (other types are ignored)
        concurrently, store what is new; one source's failure is a value in
        the report, never an exception
    unbriefed_articles(store, profile, source_names) -> list[Article]
    source_health(store) -> list[SourceHealth];  format_health(rows) -> str
    failure_note(report) -> "2 of 14 sources could not be fetched: ..." | None
    collect_summary(report) -> the counts and "Name: 12 entries had no text" lines
    source_from_url(url, config=None) -> SourceConfig   (``--source URL``)

Inside, one module per step: ``fetch`` (httpx, limits, SSRF guard), ``feeds``
(feedparser, JSON Feed), ``pages`` (trafilatura, robots.txt), ``urls``
(canonical URLs), ``dedup`` (MinHash), ``articles`` and ``health`` (their
store tables), ``collector`` (the run itself).

"New" means not seen before by canonical URL, nor by content hash; a new
article that near-duplicates an earlier one is stored but linked to it
(``duplicate_of``) and never briefed.
"""

from __future__ import annotations

import re
import urllib.parse
from typing import TYPE_CHECKING, Any

from briefing.collect.articles import unbriefed_articles
from briefing.collect.health import SourceHealth, format_health, source_health
from briefing.collect.report import (
    CollectReport,
    SourceFailure,
    UnusableEntries,
    collect_summary,
    failure_note,
)
from briefing.collect.urls import display_url, is_http_url
from briefing.config import Config, FetchSettings, SourceConfig
from briefing.errors import SourceError

if TYPE_CHECKING:
    from briefing.collect.collector import collect

#: Source types collected over the network (the others are read from files).
WEB_SOURCE_TYPES = ("feed", "page")

__all__ = [
    "WEB_SOURCE_TYPES",
    "CollectReport",
    "SourceFailure",
    "SourceHealth",
    "UnusableEntries",
    "collect",
    "collect_summary",
    "failure_note",
    "format_health",
    "source_from_url",
    "source_health",
    "unbriefed_articles",
]

def __getattr__(name: str) -> Any:
    # The collector (httpx, feedparser, trafilatura, numpy) loads when something is
    # collected: a build from files, `briefing sources` and `--help` never pay for it.
    if name == "collect":
        from briefing.collect.collector import collect

        return collect
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


_FEEDISH_PATH = re.compile(r"(?i)(\.(xml|rss|atom|rdf|json)$|/(feed|feeds|rss|atom)(/|$))")


def source_from_url(url: str, config: Config | None = None) -> SourceConfig:
    """An ad-hoc source for a URL given on the command line.

    The URL is fetched once (within ``config.fetch``'s limits and address
    checks) to tell a feed from a page; when that fails, the address itself
    decides (``/feed``, ``.xml``... make a feed), and collecting will report
    the failure. Raises ``SourceError`` for anything but an http(s) URL.
    """
    url = url.strip()
    if not is_http_url(url):
        raise SourceError(f"{url}: only http:// and https:// URLs can be collected")
    from briefing.collect.collector import run_sync

    settings = config.fetch if config else FetchSettings()
    return SourceConfig(name=display_url(url), type=run_sync(_probe(url, settings)), url=url)


async def _probe(url: str, settings: FetchSettings) -> str:
    from briefing.collect.feeds import sniff
    from briefing.collect.fetch import FEED_ACCEPT, Fetcher, FetchError

    try:
        async with Fetcher(settings) as fetcher:
            answer = await fetcher.get(url, accept=FEED_ACCEPT)
    except FetchError:
        return "feed" if _FEEDISH_PATH.search(urllib.parse.urlsplit(url).path) else "page"
    kind = sniff(answer.body, answer.content_type)
    if kind == "feed" or (kind == "json" and b"jsonfeed.org/version" in answer.body[:4096]):
        return "feed"
    return "page"
