"""Feed parsing: RSS 0.9x, 1.0, 2.0 and Atom with feedparser; JSON Feed here.

``parse_feed`` takes the bytes a server answered and returns a ``Feed`` or
raises ``FeedError`` with a one-line reason ("an HTML page, not a feed",
"binary data, not a feed", "malformed feed: ..."). It never raises anything
else, whatever the bytes: feedparser's own exceptions are wrapped.

feedparser copes with wrong or missing encodings, HTML entities and broken XML
(its loose parser); what it cannot do fast is read a huge feed, so the entries
past ``max_entries`` are cut from the raw document before it is parsed: a
50,000-entry feed costs what a 200-entry one does.
"""

from __future__ import annotations

import io
import json
import re
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import feedparser

from briefing.collect.markup import html_to_text
from briefing.collect.urls import resolve
from briefing.errors import SourceError

#: Feed text shorter than this is taken for a teaser (the page has the article).
TEASER_CHARS = 600
_TEASER_END = re.compile(
    r"(?:…|\.\.\.|\[…\]|\[\.\.\.\]|read more|continue reading|read the full (?:story|article)"
    r"|full (?:story|article))\W*$",
    re.IGNORECASE,
)
_ENTRY_START = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?(?:item|entry)(?=[\s/>])")
_ENTRY_END = re.compile(rb"</(?:[A-Za-z_][\w.-]*:)?(?:item|entry)\s*>")
_ROOT = re.compile(r"<(?![?!])([A-Za-z_][\w:.-]*)")
_FEED_ROOTS = {"rss", "feed", "rdf", "channel"}
_HTML_ROOTS = {"html", "head", "body", "div", "p", "title", "meta", "script"}
_JSON_FEED_VERSION = "https://jsonfeed.org/version/"


class FeedError(SourceError):
    """The answer is not a feed that can be read; the message says why, in one line."""


@dataclass(frozen=True, slots=True)
class FeedEntry:
    title: str | None
    link: str | None  # absolute http(s) address of the article, as the feed gives it
    text: str  # plain text, one paragraph per line ("" when the entry has none)
    is_teaser: bool  # only a summary: the article page should have the full text
    published: datetime | None = None
    entry_id: str | None = None


@dataclass(frozen=True, slots=True)
class Feed:
    title: str | None
    entries: tuple[FeedEntry, ...]
    total_entries: int  # in the document, before max_entries was applied
    format: str  # feedparser's version ("rss20", "atom10", ...) or "json1"


def parse_feed(body: bytes, *, url: str, content_type: str = "", max_entries: int = 200) -> Feed:
    """Parse a fetched feed; ``url`` (the final URL) resolves relative links."""
    kind = sniff(body, content_type)
    if kind == "empty":
        raise FeedError("empty answer, not a feed")
    if kind == "binary":
        raise FeedError("binary data, not a feed")
    if kind == "html":
        raise FeedError("an HTML page, not a feed")
    if kind == "json":
        return _parse_json_feed(body, url, max_entries)
    return _parse_xml_feed(body, url, content_type, max_entries)


def sniff(body: bytes, content_type: str = "") -> str:
    """What ``body`` looks like: "empty", "binary", "json", "feed", "html" or "unknown"."""
    head = _head_text(body)
    if head is None:
        return "binary"
    stripped = head.lstrip("\ufeff \t\r\n")
    if not stripped:
        return "empty"
    if stripped[0] in "{[":
        return "json"
    root = _ROOT.search(stripped)
    name = root.group(1).split(":")[-1].lower() if root else ""
    if name in _FEED_ROOTS:
        return "feed"
    if name in _HTML_ROOTS or stripped[:15].lower().startswith("<!doctype html"):
        return "html"
    if "html" in content_type.lower() and not name:
        return "html"
    return "unknown"


def _head_text(body: bytes) -> str | None:
    """The first 4 KB as text for sniffing, or None when it is binary data."""
    head = body[:4096]
    for bom, codec in ((b"\xff\xfe\x00\x00", "utf-32-le"), (b"\x00\x00\xfe\xff", "utf-32-be"),
                       (b"\xff\xfe", "utf-16-le"), (b"\xfe\xff", "utf-16-be")):
        if head.startswith(bom):
            return head[len(bom):].decode(codec, errors="ignore")
    controls = sum(1 for byte in head if byte < 9 or 13 < byte < 32)
    if b"\x00" in head or controls > len(head) // 20:
        return None
    return head.decode("latin-1")  # every byte decodes; only ASCII markup matters here


def _parse_xml_feed(body: bytes, url: str, content_type: str, max_entries: int) -> Feed:
    body, total = keep_first_entries(body, max_entries)
    try:
        # A stream, never bytes: feedparser treats a bytes value that names a
        # file on disk as that file's path and would read it.
        parsed = feedparser.parse(
            io.BytesIO(body),
            response_headers={"content-location": url, "content-type": _media_type(content_type)},
            # Both off: entries become plain text (html_to_text drops every tag and the
            # content of script and style), so sanitizing the HTML first, which doubles
            # the parse time, buys nothing; entry links are resolved by us.
            sanitize_html=False,
            resolve_relative_uris=False,
        )
    # feedparser is not supposed to raise; if it does, one bad feed must not sink a run.
    except Exception as error:
        raise FeedError(f"malformed feed: {_one_line(error)}") from error
    version = str(parsed.get("version") or "")
    entries = list(parsed.get("entries") or [])
    if not version and not entries:
        if parsed.get("bozo"):
            reason = _one_line(parsed.get("bozo_exception") or "unreadable XML")
            raise FeedError(f"malformed feed: {reason}")
        raise FeedError("not a feed (no RSS, Atom or JSON Feed document found)")
    feed_info = dict.get(parsed, "feed") or {}
    return Feed(
        title=_plain(dict.get(feed_info, "title"), dict.get(feed_info, "title_detail")),
        entries=tuple(_xml_entry(entry, url) for entry in entries[:max_entries]),
        total_entries=max(total, len(entries)),
        format=version or "unknown",
    )


def _media_type(content_type: str) -> str:
    """The Content-Type to give feedparser.

    Without a charset parameter, feedparser follows RFC 3023 and reads text/xml
    as US-ASCII, overriding even a byte-order mark (a UTF-16 feed then fails).
    Servers rarely mean that; as "application/xml" the BOM or the XML
    declaration decides, as browsers do.
    """
    if "charset=" in content_type.lower():
        return content_type
    return "application/xml"


def keep_first_entries(body: bytes, limit: int) -> tuple[bytes, int]:
    """Cut every entry after the first ``limit`` out of a raw XML feed.

    Returns the (possibly shorter) document and how many entries it had. The
    cut runs from the start of entry ``limit + 1`` to the end of the last
    entry, so the closing tags of the channel or feed stay and the document is
    still well formed.
    """
    starts = [match.start() for match in _ENTRY_START.finditer(body)]
    if len(starts) <= limit:
        return body, len(starts)
    ends = [match.end() for match in _ENTRY_END.finditer(body, starts[limit])]
    tail = body[ends[-1]:] if ends else b""
    return body[: starts[limit]] + tail, len(starts)


def _xml_entry(entry: dict[str, Any], base: str) -> FeedEntry:
    texts: list[str] = []
    for content in dict.get(entry, "content") or []:
        texts.append(_plain(content.get("value"), content))
    summary = _plain(dict.get(entry, "summary"), dict.get(entry, "summary_detail"))
    texts.append(summary)
    text = max(texts, key=len)
    link = resolve(base, dict.get(entry, "link"))
    entry_id = dict.get(entry, "id")
    if link is None and isinstance(entry_id, str):
        link = resolve(base, entry_id)  # an Atom id or RSS guid that is the permalink
    moment = dict.get(entry, "published_parsed") or dict.get(entry, "updated_parsed")
    return FeedEntry(
        title=_plain(dict.get(entry, "title"), dict.get(entry, "title_detail")) or None,
        link=link,
        text=text,
        is_teaser=is_teaser(text),
        published=_from_struct(moment),
        entry_id=str(entry_id) if entry_id else None,
    )


def is_teaser(text: str) -> bool:
    """True when feed text is only a summary: short, or ending "… Read more"."""
    return len(text) < TEASER_CHARS or bool(_TEASER_END.search(text[-80:]))


def _plain(value: Any, detail: Any = None) -> str:
    """A feedparser text field as plain text, whether it was given as HTML or text."""
    if not isinstance(value, str) or not value.strip():
        return ""
    if isinstance(detail, dict) and detail.get("type") == "text/plain":
        return "\n".join(" ".join(line.split()) for line in value.splitlines() if line.strip())
    return html_to_text(value)


def _from_struct(moment: Any) -> datetime | None:
    if not isinstance(moment, time.struct_time):
        return None
    try:
        return datetime(*moment[:6], tzinfo=UTC)
    except (TypeError, ValueError):
        return None


def _parse_json_feed(body: bytes, url: str, max_entries: int) -> Feed:
    try:
        data = json.loads(body.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError) as error:
        raise FeedError(f"malformed JSON Feed: {_one_line(error)}") from error
    version = data.get("version") if isinstance(data, dict) else None
    items = data.get("items") if isinstance(data, dict) else None
    if not isinstance(version, str) or not version.startswith(_JSON_FEED_VERSION):
        raise FeedError("JSON, but not a JSON Feed")
    if not isinstance(items, list):
        raise FeedError("malformed JSON Feed: items is not a list")
    entries = [
        _json_entry(item, url) for item in items[:max_entries] if isinstance(item, dict)
    ]
    title = data.get("title")
    return Feed(
        title=html_to_text(title) if isinstance(title, str) else None,
        entries=tuple(entries),
        total_entries=len(items),
        format="json" + version.removeprefix(_JSON_FEED_VERSION).strip("/"),
    )


def _json_entry(item: dict[str, Any], base: str) -> FeedEntry:
    def text_of(key: str) -> str:
        value = item.get(key)
        return value if isinstance(value, str) else ""

    candidates = [
        html_to_text(text_of("content_html")),
        _plain(text_of("content_text"), {"type": "text/plain"}),
        html_to_text(text_of("summary")),
    ]
    text = max(candidates, key=len)
    link = resolve(base, text_of("url")) or resolve(base, text_of("external_url"))
    title = html_to_text(text_of("title")) or None
    return FeedEntry(
        title=title,
        link=link,
        text=text,
        is_teaser=is_teaser(text),
        published=_iso_date(text_of("date_published") or text_of("date_modified")),
        entry_id=str(item.get("id")) if item.get("id") is not None else None,
    )


def _iso_date(value: str) -> datetime | None:
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _one_line(value: object) -> str:
    text = " ".join(str(value).split()) or type(value).__name__
    return text if len(text) <= 200 else text[:199] + "…"
