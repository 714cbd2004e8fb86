"""Article pages: robots.txt, decoding, main-text extraction and canonical URL.

A page is fetched for a ``page`` source, and for a feed entry that carries
only a teaser. Its text comes from trafilatura (``briefing.ingest.html``,
which favours precision); its identity is its canonical URL: the page's
``<link rel="canonical">`` when it has an http(s) one, else the address it was
fetched from, with trackers removed either way.

robots.txt is honoured as RFC 9309 says: a missing one (4xx) allows
everything, one that cannot be fetched (5xx, network error) allows nothing.
"""

from __future__ import annotations

import asyncio
import urllib.parse
import urllib.robotparser
from dataclasses import dataclass
from datetime import UTC, datetime

from briefing.collect.charsets import decode_markup, decoding_warning
from briefing.collect.feeds import sniff
from briefing.collect.fetch import Fetcher, FetchError, FetchResult
from briefing.collect.markup import canonical_link
from briefing.collect.urls import canonical_url, resolve
from briefing.errors import SourceError
from briefing.ingest.html import extract_html
from briefing.normalize import normalize_text, normalize_title

#: The product token matched against robots.txt User-agent lines.
ROBOTS_AGENT = "briefing"


class PageError(SourceError):
    """A fetched page holds no usable article; the message says why, in one line."""


@dataclass(frozen=True, slots=True)
class Page:
    url: str  # where it was fetched from, after redirects
    canonical: str  # its identity: rel=canonical or url, trackers removed
    text: str
    title: str | None = None
    outlet: str | None = None  # as the page states it (og:site_name, JSON-LD publisher)
    published: datetime | None = None
    warning: str | None = None  # the text may be mis-decoded: why, in one line


def read_page(result: FetchResult) -> Page:
    """The article in a fetched page; raises ``PageError`` when there is none.

    CPU-bound (trafilatura): run it in a worker thread from async code.
    """
    kind = sniff(result.body, result.content_type)
    if kind == "empty":
        raise PageError("empty answer, not a web page")
    if kind == "binary":
        raise PageError("binary data, not a web page")
    if kind == "feed":
        raise PageError("a feed, not an article page (configure it with type = \"feed\")")
    if kind == "json":
        raise PageError("JSON, not a web page")
    decoded = decode_markup(result.body, result.content_type)
    extracted = extract_html(decoded.text, url=result.url)
    text = normalize_text(extracted.text) if extracted is not None else ""
    if extracted is None or not text:
        raise PageError("no article text found on the page")
    canonical = resolve(result.url, canonical_link(decoded.text)) or result.url
    title = normalize_title(extracted.meta.get("title")) or None
    return Page(
        url=result.url,
        canonical=canonical_url(canonical),
        text=text,
        title=title,
        outlet=normalize_title(extracted.meta.get("outlet")) or None,
        published=_date(extracted.meta.get("published")),
        warning=decoding_warning(decoded, [f"{title or ''}\n{text[:600]}"], "page"),
    )


def decode_html(body: bytes, content_type: str = "") -> str:
    """Page bytes as text, every clue to the encoding weighed (``charsets.decode_markup``)."""
    return decode_markup(body, content_type).text


def _date(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


class Robots:
    """robots.txt rules per origin, fetched once per run through the same guarded fetcher."""

    def __init__(self, fetcher: Fetcher) -> None:
        self._fetcher = fetcher
        self._rules: dict[str, asyncio.Task[urllib.robotparser.RobotFileParser | str]] = {}

    async def refusal(self, url: str) -> str | None:
        """Why robots.txt forbids fetching ``url``, or None when it may be fetched."""
        parts = urllib.parse.urlsplit(url)
        origin = f"{parts.scheme}://{parts.netloc}"
        task = self._rules.get(origin)
        if task is None:  # one fetch per origin, shared by everyone who asks meanwhile
            task = self._rules[origin] = asyncio.ensure_future(self._load(origin))
        rules = await asyncio.shield(task)
        if isinstance(rules, str):
            return rules
        if rules.can_fetch(ROBOTS_AGENT, url):
            return None
        return "robots.txt does not allow fetching this page"

    async def _load(self, origin: str) -> urllib.robotparser.RobotFileParser | str:
        rules = urllib.robotparser.RobotFileParser()
        try:
            answer = await self._fetcher.get(f"{origin}/robots.txt", accept="text/plain, */*;q=0.5")
        except FetchError as error:
            if error.status is not None and 400 <= error.status < 500:
                rules.parse([])  # no robots.txt: no rule, everything is allowed
                return rules
            return f"robots.txt could not be fetched ({error}), so no page there is fetched"
        rules.parse(decode_html(answer.body, answer.content_type).splitlines())
        return rules
