"""Feed parsing: RSS 0.9x, 1.0, 2.0 and Atom with feedparser; JSON Feed here.

``parse_feed`` takes the bytes a server answered and returns a ``Feed`` or
raises ``FeedError`` with a one-line reason ("an HTML page, not a feed",
"binary data, not a feed", "malformed feed: ..."). It never raises anything
else, whatever the bytes: feedparser's own exceptions are wrapped.

A body is refused only when no feed parser would read it: ``sniff`` looks past
the XML declaration, comments (whatever markup they hold), processing
instructions and a doctype to the root element, and reads UTF-16 and UTF-32
with or without a byte-order mark.

The bytes are decoded here (``briefing.collect.charsets`` weighs the byte-order
mark, the document's declaration, the HTTP charset and detection) and handed to
feedparser as UTF-8, so a koi8-r feed with no declaration is read as koi8-r, not
as Windows-1252. Every text field comes out normalised (``briefing.normalize``);
a feed whose text still looks mis-decoded says so in ``Feed.warning``.

feedparser copes with HTML entities and broken XML (its loose parser); what it
cannot do fast is read a huge feed, so the entries past ``max_entries`` are cut
from the document before it is parsed: a 50,000-entry feed costs what a
200-entry one does.
"""

from __future__ import annotations

import functools
import importlib.util
import io
import json
import re
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import feedparser
import feedparser.api
import feedparser.mixin
import feedparser.urls

from briefing.collect.charsets import decode_markup, decoding_warning, unicode_family
from briefing.collect.markup import html_to_text
from briefing.collect.urls import resolve
from briefing.errors import SourceError
from briefing.normalize import normalize_text

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
#: Bytes read to find the root element: comments before it can be long.
_SNIFF_BYTES = 64 * 1024
#: Control characters that text never holds (tab, line feed, form feed... excepted).
_CONTROL_BYTES = bytes([*range(9), *range(14, 32)])
_FEED_ROOTS = {"rss", "feed", "rdf", "channel"}
_HTML_ROOTS = {"html", "head", "body", "div", "p", "title", "meta", "script"}
_JSON_FEED_VERSION = "https://jsonfeed.org/version/"
_AS_UTF8 = "application/xml; charset=utf-8"
_PLAIN = {"type": "text/plain"}  # JSON Feed's title, summary and content_text are plain text


# feedparser asks xml.sax for libxml2's SAX driver before expat on every parse. Where
# that driver is not installed (almost everywhere), the failed import is not cached,
# so each parse searched sys.path for it again: a fifth of a small feed's parse time.
# Without it feedparser settles on expat, as it would anyway.
if importlib.util.find_spec("drv_libxml2") is None:
    feedparser.api.PREFERRED_XML_PARSERS = [
        name for name in feedparser.api.PREFERRED_XML_PARSERS if name != "drv_libxml2"
    ]

# feedparser re-joins the document's base URI with itself at every start tag (to keep
# xml:base absolute), two urllib parses a tag: a third of an ordinary feed's parse once
# the feed's own URL is its base. Both functions are pure (strings in, a string out),
# so a small cache gives feedparser exactly the answers it computed before.
if not hasattr(feedparser.mixin.make_safe_absolute_uri, "cache_info"):
    feedparser.mixin.make_safe_absolute_uri = functools.lru_cache(maxsize=256)(
        feedparser.urls.make_safe_absolute_uri
    )
    feedparser.mixin._urljoin = functools.lru_cache(maxsize=256)(feedparser.urls._urljoin)

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
    encoding: str = "utf_8"  # how the bytes were read
    warning: str | None = None  # the text may be garbled: why, in one line


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
    return _parse_xml_feed(body, url, content_type, max_entries, is_feed=kind == "feed")


def sniff(body: bytes, content_type: str = "") -> str:
    """What ``body`` looks like: "empty", "binary", "json", "feed", "html" or "unknown".

    Reads past what may come before the root element (an XML declaration,
    processing instructions, comments with any markup inside, a doctype), so
    the root element's name decides; UTF-16 and UTF-32 are read with or
    without a byte-order mark.
    """
    head = _head_text(body)
    if head is None:
        return "binary"
    stripped = head.lstrip("\ufeff \t\r\n")
    if not stripped:
        return "empty"
    if stripped[0] in "{[":
        return "json"
    name, doctype = _root_element(stripped)
    if name in _FEED_ROOTS:
        return "feed"
    if name in _HTML_ROOTS or doctype.lower().split()[:1] == ["html"]:
        return "html"
    if "html" in content_type.lower() and not name:
        return "html"
    return "unknown"


def _root_element(text: str) -> tuple[str, str]:
    """The root element's local name (lower-cased, "" if not found) and the doctype's text."""
    position, doctype = 0, ""
    while True:
        while position < len(text) and text[position] in " \t\r\n\ufeff":
            position += 1
        for opener, closer in (("<?", "?>"), ("<!--", "-->")):
            if text.startswith(opener, position):
                end = text.find(closer, position + len(opener))
                if end < 0:
                    return "", doctype  # the prolog runs past what was read
                position = end + len(closer)
                break
        else:
            if text[position : position + 9].upper() != "<!DOCTYPE":
                break
            end = _doctype_end(text, position)
            if end < 0:
                return "", doctype
            doctype = text[position + 9 : end].strip()
            position = end + 1
    root = _ROOT.search(text, position)
    return (root.group(1).split(":")[-1].lower() if root else ""), doctype


def _doctype_end(text: str, start: int) -> int:
    """Where the doctype opened at ``start`` ends (its ">"), past any internal subset."""
    close = text.find(">", start)
    subset = text.find("[", start, close if close >= 0 else len(text))
    if subset >= 0:
        subset_end = text.find("]", subset)
        return text.find(">", subset_end) if subset_end >= 0 else -1
    return close


def _head_text(body: bytes) -> str | None:
    """The start of ``body`` as text for sniffing, or None when it is binary data."""
    head = body[:_SNIFF_BYTES]
    for bom, codec in ((b"\xff\xfe\x00\x00", "utf-32-le"), (b"\x00\x00\xfe\xff", "utf-32-be"),
                       (b"\xff\xfe", "utf-16-le"), (b"\xfe\xff", "utf-16-be"),
                       (b"\xef\xbb\xbf", "latin-1")):
        if head.startswith(bom):
            return head[len(bom):].decode(codec, errors="ignore")
    family = unicode_family(head)
    if family is not None:
        return head.decode(family, errors="ignore")
    controls = len(head) - len(head.translate(None, _CONTROL_BYTES))
    if b"\x00" in head or controls > len(head) // 20:
        return None
    return head.decode("latin-1")  # every byte decodes; only ASCII markup matters here


def _parse_xml_feed(
    body: bytes, url: str, content_type: str, max_entries: int, *, is_feed: bool
) -> Feed:
    """``is_feed``: the root element is a feed's (rss, feed, RDF, CDF's CHANNEL)."""
    decoded = decode_markup(body, content_type)
    # feedparser gets UTF-8 and is told so: its own choice (RFC 3023, then a
    # fixed list of fallbacks) would read a koi8-r feed as Windows-1252.
    document, total = keep_first_entries(decoded.text.lstrip("\ufeff").encode("utf-8"),
                                         max_entries)
    try:
        # A stream, never bytes: feedparser treats a bytes value that names a
        # file on disk as that file's path and would read it.
        parsed = feedparser.parse(
            io.BytesIO(document),
            response_headers={"content-location": url, "content-type": _AS_UTF8},
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
    feed_info = dict.get(parsed, "feed") or {}
    # feedparser names no version for a CDF channel, or a feed root it reads without
    # fault but knows no version of: still a feed, with no entries yet.
    readable = is_feed and feed_info and not parsed.get("bozo")
    if not version and not entries and not readable:
        if parsed.get("bozo"):
            reason = _one_line(parsed.get("bozo_exception") or "unreadable XML")
            raise FeedError(f"malformed feed: {reason}")
        raise FeedError("not a feed (no RSS, Atom or JSON Feed document found)")
    items = tuple(_xml_entry(entry, url) for entry in entries[:max_entries])
    return Feed(
        title=_title(dict.get(feed_info, "title"), dict.get(feed_info, "title_detail")),
        entries=items,
        total_entries=max(total, len(entries)),
        format=version or "unknown",
        encoding=decoded.encoding,
        warning=decoding_warning(
            decoded, [f"{entry.title or ''}\n{entry.text[:300]}" for entry in items], "entry"
        ),
    )


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
        title=_title(dict.get(entry, "title"), dict.get(entry, "title_detail")),
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
        return normalize_text(value, plain=True)
    return html_to_text(value)  # HTML, XHTML, or content feedparser decoded from base64


def _title(value: Any, detail: Any = None) -> str | None:
    """A headline as plain text on one line; None when there is none."""
    return " ".join(_plain(value, detail).split()) or None


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
        title=_title(title, _PLAIN),
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
        _plain(text_of("content_text"), _PLAIN),
        _plain(text_of("summary"), _PLAIN),
    ]
    text = max(candidates, key=len)
    link = resolve(base, text_of("url")) or resolve(base, text_of("external_url"))
    title = _title(text_of("title"), _PLAIN)
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
