"""Conformance: feedparser's own ~1,900 test feeds, read by us and by feedparser.

No valid feed refused, no entry lost, no title lost or garbled, no crash, no
literal entity or tag in what we output. All files are parsed in process (the
HTTP part adds nothing there); a sample is also served over loopback, with the
headers each file asks for, and collected by the real collector. See
``feed_corpus`` for how the reference is made.
"""

from __future__ import annotations

import dataclasses
import json
import re

import pytest

from briefing.collect import collect
from briefing.collect.feeds import FeedError, parse_feed
from briefing.config import Config
from briefing.storage import Storage

from .conftest import feed, with_fetch
from .feed_corpus import (
    CorpusFeed,
    Figures,
    feedparser_reads,
    feeds_dir,
    load_corpus,
    reader_view,
    reference,
    run,
    same_text,
    sample,
    true_reference,
)
from .server import LoopbackServer

pytestmark = pytest.mark.skipif(
    not feeds_dir().is_dir(),
    reason=f"feedparser's test feeds are not at {feeds_dir()} (set BRIEFING_CORPUS)",
)


@pytest.fixture(scope="module")
def corpus() -> list[CorpusFeed]:
    return load_corpus()


def test_every_feed_of_the_suite_parsed_in_process(corpus: list[CorpusFeed]) -> None:
    figures = run(corpus)
    print(figures.summary())
    assert figures.files > 1800 and figures.titles > 3000
    assert figures.crashes == []
    assert figures.refused_valid == []
    assert figures.entries_lost == []
    assert figures.titles_differ == []
    assert figures.leftovers == []
    # Where feedparser (without detection) reads mojibake, we read the words.
    assert figures.titles_same + len(figures.titles_repaired) == figures.titles


_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>")
#: What a CMS or a proxy writes before the root element: comments holding markup.
COMMENT = ("<!-- <div class='notice'><p>Moved from <a href='/old'>the old site</a></p>"
           "<title>Old feed</title><script>track()</script></div> -->\n<!-- <html> -->\n")


def variants(feed: CorpusFeed) -> dict[str, bytes]:
    """The feed behind markup-filled comments, and in UTF-16/32 without a byte-order mark."""
    text = feed.body.decode("ascii")
    declaration = _DECLARATION.match(text)
    head, rest = (declaration.group(0), text[declaration.end():]) if declaration else ("", text)
    out = {"comment": (head + COMMENT + rest).encode("ascii")}
    for codec in ("utf-16-le", "utf-16-be", "utf-32-le", "utf-32-be"):
        label = codec[:6]
        declared = re.sub(r"encoding=(['\"])[^'\"]*\1", f'encoding="{label}"', head) or (
            f'<?xml version="1.0" encoding="{label}"?>')
        out[codec] = (declared + rest).encode(codec)
        out[f"{codec}, undeclared"] = (rest.lstrip()).encode(codec)
    return out


def test_suite_feeds_behind_comments_and_in_utf16_or_utf32_without_a_bom(
    corpus: list[CorpusFeed],
) -> None:
    chosen = [f for f in corpus if f.name.startswith("wellformed/") and f.body.isascii()
              and f.content_type == "application/xml" and b"<!DOCTYPE" not in f.body][::6]
    assert len(chosen) > 150
    figures = Figures()
    for original in chosen:
        theirs = reference(original)
        if not theirs.get("version"):
            continue
        expected = [reader_view(e.get("title"), e.get("title_detail")) for e in theirs.entries]
        for name, body in variants(original).items():
            figures.files += 1
            try:
                ours = parse_feed(body, url="http://127.0.0.1/feed", content_type="text/xml")
            except FeedError as error:
                figures.refused_valid.append(f"{original.name} ({name}): {error}")
                continue
            got = [same_text(entry.title or "") for entry in ours.entries]
            if got != expected:
                figures.titles_differ.append(f"{original.name} ({name}): {got} != {expected}")
    print(f"{figures.files} variants of {len(chosen)} suite feeds")
    assert figures.refused_valid == [] and figures.titles_differ == []


def test_a_sample_served_over_loopback_and_collected(
    corpus: list[CorpusFeed], server: LoopbackServer, web_config: Config, store: Storage
) -> None:
    served = list(sample(corpus))
    assert len(served) > 250
    sources, expected, readable, entries = [], {}, set(), 0
    for index, item in enumerate(served):
        path = f"/{index}/{item.name}"
        extra = {name.title(): value for name, value in item.headers.items()}
        url = server.add(path, item.body, item.content_type, headers=extra,
                         validators=not {"etag", "last-modified"} & item.headers.keys())
        name = f"{index}:{item.name}"
        sources.append(dataclasses.replace(feed(name, url), outlet="Suite"))
        theirs = true_reference(item)
        if item.name.startswith("json/"):  # feedparser 6.0 reads no JSON Feed
            readable.add(name)
            entries += len(json.loads(item.body)["items"])
        elif feedparser_reads(theirs):
            readable.add(name)
            entries += len(theirs.get("entries") or [])
        expected[name] = {reader_view(e.get("title"), e.get("title_detail"))
                          for e in theirs.get("entries") or []}
    # Entry links point at example.org and the like: never fetch their pages.
    report = collect(with_fetch(web_config, full_text=False), store, sources)

    failed = {failure.source: failure.error for failure in report.failures}
    assert not [name for name in failed if name in readable], failed
    assert not [error for error in failed.values() if "unexpected" in error]
    assert report.sources_total == len(served)
    # Every entry is accounted for: new, met before, a near-copy, or counted as unusable.
    accounted = (report.new + report.duplicates + report.near_duplicates
                 + report.unusable_entries)
    assert accounted == entries
    wrong = []
    for article_id in report.article_ids:
        article = store.articles.get(article_id)
        assert article is not None
        titles = expected[article.source]
        if same_text(article.title) not in titles and "" not in titles:
            wrong.append((article.source, article.title, sorted(titles)))
    print(f"{len(served)} suite feeds served over loopback: {report.new} new articles, "
          f"{len(report.failures)} refused (none valid), {report.unusable_entries} entries "
          f"without text")
    assert wrong == []
