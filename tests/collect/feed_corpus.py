"""feedparser's own test feeds (``<corpus>/feeds/tests``) against our feed reading.

The corpus is read where it lies, never copied: ``$BRIEFING_CORPUS`` or, by
default, ``<repo>/../shared/corpus``. Each file may declare the HTTP headers it
is meant to be served with, in its opening comment::

    <!--
    Header:       Content-type: text/xml; charset=windows-1252
    Description:  ...
    Expect:       not bozo and entries[0]['description'] == '...'
    -->

As in feedparser's suite, files with "http" in their path are served with those
headers (Content-Type text/xml when they name none); the others are served as
application/xml, which reads them as feedparser reads a local file.

The reference is feedparser's own parse of the same bytes and headers, as a
reader would see it: HTML parsed (lxml), character references decoded, tags that
decoding revealed removed, Unicode composed, spaces single. Where feedparser's
own reading is mojibake (it has no encoding detection), ours must read cleanly,
and where the file's ``Expect`` line names the true encoding, ours must equal the
parse of the bytes in that encoding.

    python -m tests.collect.feed_corpus      # prints the figures
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import unicodedata
import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import feedparser  # type: ignore[import-untyped]
import ftfy.badness
import lxml.html

from briefing.collect.feeds import Feed, FeedError, parse_feed

ROOT = Path(__file__).resolve().parents[2]
_HEADER = re.compile(r"^Header:\s+([^:]+):(.*)$", re.MULTILINE)
_EXPECTED_ENCODING = re.compile(r"""encoding\s*==\s*['"]([\w.-]+)['"]""")
_TAG = re.compile(r"</?[A-Za-z][^<>]*>")
_ENTITY = re.compile(r"&(?:#\d+|#x[0-9a-fA-F]+|[A-Za-z][A-Za-z0-9]{1,31});")
_BOMS = ((b"\x00\x00\xfe\xff", "utf-32-be"), (b"\xff\xfe\x00\x00", "utf-32-le"),
         (b"\xfe\xff", "utf-16-be"), (b"\xff\xfe", "utf-16-le"))


def corpus_dir() -> Path:
    """Where the shared corpus lies (it may be absent: callers skip, saying so)."""
    return Path(os.environ.get("BRIEFING_CORPUS") or ROOT.parent / "shared" / "corpus")


def feeds_dir() -> Path:
    return corpus_dir() / "feeds" / "tests"


@dataclass(frozen=True)
class CorpusFeed:
    name: str  # path under feeds/tests, e.g. "wellformed/rss/channel_title.xml"
    body: bytes
    headers: dict[str, str]  # what to serve besides Content-Type (lower-case names)
    content_type: str
    expect: str  # the file's Expect line ("" if none)

    @property
    def served_over_http(self) -> bool:
        return "http" in self.name


def load_corpus(folder: Path | None = None) -> list[CorpusFeed]:
    folder = folder or feeds_dir()
    feeds = []
    for path in sorted(folder.rglob("*")):
        if not path.is_file() or path.suffix not in (".xml", ".json", ".rdf", ".rss", ".atom"):
            continue
        body = path.read_bytes()
        text = _as_text(body)
        headers = {name.strip().lower(): value.strip() for name, value in _HEADER.findall(text)}
        name = path.relative_to(folder).as_posix()
        default = "text/xml" if "http" in name else "application/xml"
        expect = re.search(r"Expect:\s*(.*)", text)
        feeds.append(CorpusFeed(name, body, headers, headers.pop("content-type", default),
                                expect.group(1).strip() if expect else ""))
    return feeds


def _as_text(body: bytes) -> str:
    """The file as text, to read its comment (its byte-order mark decides, as in feedparser)."""
    for bom, codec in _BOMS:
        if body.startswith(bom):
            return body[len(bom):].decode(codec, errors="ignore")
    if body[:4] in (b"\x00\x00\x00<", b"<\x00\x00\x00"):
        return body.decode("utf-32-be" if body[0] == 0 else "utf-32-le", errors="ignore")
    if body[:2] in (b"\x00<", b"<\x00"):
        return body.decode("utf-16-be" if body[0] == 0 else "utf-16-le", errors="ignore")
    return body.decode("utf-8", errors="ignore")


def reference(feed: CorpusFeed, charset: str | None = None) -> Any:
    """feedparser's parse of the same bytes and headers (or with the true ``charset``)."""
    content_type = f"application/xml; charset={charset}" if charset else feed.content_type
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return feedparser.parse(io.BytesIO(feed.body),
                                response_headers={**feed.headers, "content-type": content_type})


def reader_view(value: Any, detail: Any) -> str:
    """A feedparser text field as a reader should see it (see the module's docstring)."""
    if not isinstance(value, str):
        return ""
    if isinstance(detail, dict) and detail.get("type") != "text/plain" and value.strip():
        with contextlib.suppress(ValueError, lxml.etree.ParserError):
            value = lxml.html.fromstring(f"<div>{value}</div>").text_content()
        value = _TAG.sub("", value)
    return same_text(value)


def same_text(text: str) -> str:
    """The form two texts are compared in: composed, no invisible characters, single spaces."""
    text = unicodedata.normalize("NFC", text).replace("\xad", "").replace("\u200b", "")
    return " ".join(text.split())


def garbled(text: str) -> bool:
    """ftfy's judgement (independent of ours): does ``text`` read like mojibake?"""
    return "\ufffd" in text or any("\x80" <= c <= "\x9f" for c in text) or bool(
        ftfy.badness.is_bad(text))


@dataclass
class Figures:
    files: int = 0
    readable: int = 0  # a feed parser reads them (feedparser; a JSON Feed reader for JSON)
    read: int = 0  # of those, read by us
    refused_valid: list[str] = field(default_factory=list)
    refused_other: int = 0  # refused, and feedparser finds no feed in them either
    crashes: list[str] = field(default_factory=list)
    entries: int = 0
    entries_lost: list[str] = field(default_factory=list)
    titles: int = 0
    titles_same: int = 0
    titles_repaired: list[str] = field(default_factory=list)  # feedparser's is mojibake, ours not
    titles_differ: list[str] = field(default_factory=list)
    leftovers: list[str] = field(default_factory=list)  # an entity or tag in what we output

    def summary(self) -> str:
        return (
            f"{self.files} files: {self.readable} readable, {self.read} read by us, "
            f"{len(self.refused_valid)} valid refused, {self.refused_other} refused (no feed "
            f"parser reads them), {len(self.crashes)} crashes; {self.entries} entries, "
            f"{len(self.entries_lost)} feeds lost entries; {self.titles} titles: "
            f"{self.titles_same} same as feedparser's, {len(self.titles_repaired)} read "
            f"correctly where feedparser's is mojibake, {len(self.titles_differ)} lost or "
            f"garbled; {len(self.leftovers)} texts with a literal entity or tag"
        )


def check(feed: CorpusFeed, figures: Figures) -> None:
    """Parse one file both ways and add what was found to ``figures``."""
    figures.files += 1
    theirs = reference(feed)
    readable = feedparser_reads(theirs)
    try:
        ours = parse_feed(feed.body, url=f"http://127.0.0.1/{feed.name}",
                          content_type=feed.content_type)
    except FeedError:
        if readable:
            figures.refused_valid.append(feed.name)
        else:
            figures.refused_other += 1
        return
    except Exception as error:  # the very thing this test is for
        figures.crashes.append(f"{feed.name}: {error!r}")
        return
    # feedparser 6.0 reads no JSON Feed; ours does (feedparser 6.1 would too).
    figures.readable += readable or ours.format.startswith("json")
    figures.read += 1
    if not readable:
        return
    _compare(feed, ours, true_reference(feed, theirs), figures)


def feedparser_reads(parsed: Any) -> bool:
    """feedparser found a feed: a version, entries, or a channel read without fault (CDF)."""
    return bool(parsed.get("version") or parsed.get("entries")
                or (parsed.get("feed") and not parsed.get("bozo")))


def true_reference(feed: CorpusFeed, parsed: Any = None) -> Any:
    """feedparser's parse, in the true encoding where the file's Expect line names one that
    feedparser finds only with a detector (its "bozo and encoding == 'KOI8-R'" files)."""
    match = _EXPECTED_ENCODING.search(feed.expect)
    if match and "bozo and" in feed.expect:
        return reference(feed, match.group(1))
    return parsed if parsed is not None else reference(feed)


def _compare(feed: CorpusFeed, ours: Feed, theirs: Any, figures: Figures) -> None:
    entries = list(theirs.get("entries") or [])
    figures.entries += len(entries)
    if len(ours.entries) != len(entries):
        figures.entries_lost.append(f"{feed.name}: {len(ours.entries)} of {len(entries)}")
    info = theirs.get("feed") or {}
    pairs = [(ours.title, info.get("title"), info.get("title_detail"))]
    pairs += [(mine.title, entry.get("title"), entry.get("title_detail"))
              for mine, entry in zip(ours.entries, entries, strict=False)]
    for mine, value, detail in pairs:
        expected, got = reader_view(value, detail), same_text(mine or "")
        figures.titles += 1
        if got == expected:
            figures.titles_same += 1
        elif garbled(expected) and not garbled(got) and len(got) >= len(expected) // 3:
            figures.titles_repaired.append(f"{feed.name}: {got!r} (feedparser: {expected!r})")
        else:
            figures.titles_differ.append(f"{feed.name}: {got!r} (feedparser: {expected!r})")
    for mine, entry in zip(ours.entries, entries, strict=False):
        plain = _declared_plain(entry)
        for text in (mine.title or "", mine.text):
            tags = _TAG.findall(text)
            if _ENTITY.search(text) or any(not any(tag in value for value in plain)
                                           for tag in tags):
                figures.leftovers.append(f"{feed.name}: {text[:80]!r}")


def _declared_plain(entry: Any) -> list[str]:
    """The entry's fields the feed declares plain text: their brackets are words, not markup
    ("History of the <blink> tag"), and may be shown as written."""
    fields = [entry.get("title_detail"), entry.get("summary_detail"), *(entry.get("content") or [])]
    return [str(detail.get("value") or "") for detail in fields
            if isinstance(detail, dict) and detail.get("type") == "text/plain"]


def run(feeds: list[CorpusFeed]) -> Figures:
    figures = Figures()
    for feed in feeds:
        check(feed, figures)
    return figures


def sample(feeds: list[CorpusFeed], every: int = 8) -> Iterator[CorpusFeed]:
    """A sample to serve over loopback: every file the suite serves over HTTP, every
    encoding case, and every ``every``-th of the rest."""
    for index, feed in enumerate(feeds):
        special = feed.name.startswith(("encoding/", "illformed/chardet/"))
        if feed.served_over_http or special or index % every == 0:
            yield feed


if __name__ == "__main__":  # pragma: no cover - prints the figures for a report
    import time

    started = time.perf_counter()
    result = run(load_corpus())
    print(result.summary())
    print(f"({time.perf_counter() - started:.1f} s)")
    for line in (result.refused_valid + result.crashes + result.entries_lost
                 + result.titles_differ + result.leftovers):
        print("  ", line)
    for line in result.titles_repaired:
        print("   repaired:", line)
