"""Every feed entry is accounted for: an article, already seen, or counted and said why not."""

from __future__ import annotations

from pathlib import Path

import pytest

from briefing.cli import main
from briefing.collect import collect, collect_summary, format_health, source_health
from briefing.collect.report import CollectReport, UnusableEntries
from briefing.config import Config
from briefing.storage import Storage

from .conftest import feed, with_fetch
from .server import LoopbackServer
from .test_build_from_feeds import write_config


def rss(items: list[tuple[str, str, str]], title: str = "Wire") -> str:
    body = "".join(
        f"<item><title>{headline}</title><link>{link}</link>"
        + (f"<description>{text}</description>" if text else "")
        + "</item>"
        for headline, link, text in items
    )
    return f'<rss version="2.0"><channel><title>{title}</title>{body}</channel></rss>'


LONG = " ".join(["The harbour board met on Monday and agreed the budget."] * 15)


def test_hash_bang_links_are_three_articles_not_one(
    server: LoopbackServer, web_config: Config, store: Storage
) -> None:
    topics = ["ferry timetables change for winter", "library opens a new wing downtown",
              "wheat prices climb after a dry summer"]
    items = [(topic.capitalize(), f"{{BASE}}/#!/story/{n}",
              " ".join([f"Reporting on how the {topic}, part {k}." for k in range(20)]))
             for n, topic in enumerate(topics, start=1)]
    url = server.add("/spa.xml", rss(items))
    report = collect(web_config, store, [feed("spa", url)])
    assert (report.new, report.duplicates) == (3, 0)
    links = sorted(a.url or "" for a in (store.articles.get(i) for i in report.article_ids) if a)
    assert links == [server.url(f"/#!/story/{n}") for n in (1, 2, 3)]


def test_title_only_entries_are_counted_and_said_by_collect_and_sources(
    tmp_path: Path, server: LoopbackServer, capsys: pytest.CaptureFixture[str]
) -> None:
    items = [(f"Headline {n} with no text", f"{{BASE}}/gone/{n}", "") for n in range(12)]
    items.append(("A real story", "{BASE}/real", LONG))
    config = write_config(tmp_path, {"titles": server.add("/titles.xml", rss(items))})

    assert main(["collect", "--config", str(config)]) == 0  # pages answer 404
    out = capsys.readouterr().out
    assert "1 new article(s)" in out and "12 entries unusable" in out
    assert "titles: 12 entries had no text and their page could not be fetched" in out
    assert main(["sources", "--config", str(config)]) == 0
    health = capsys.readouterr().out
    assert "last run: 12 entries had no text and their page could not be fetched" in health

    # Unchanged (304): nothing was read, so the last read's counts still stand.
    assert main(["collect", "--config", str(config)]) == 0
    assert "1 source(s) unchanged" in capsys.readouterr().out
    assert main(["sources", "--config", str(config)]) == 0
    assert "last run: 12 entries had no text" in capsys.readouterr().out


def test_entries_without_text_and_all_boilerplate_are_counted_per_source(
    server: LoopbackServer, web_config: Config, store: Storage
) -> None:
    no_text = [(f"Bare {n}", f"{{BASE}}/bare/{n}", "") for n in range(3)]
    boilerplate = [("Share me", "{BASE}/share", "Share this article"),
                   ("Good", "{BASE}/good", LONG)]
    sources = [feed("bare", server.add("/bare.xml", rss(no_text, "Bare"))),
               feed("shares", server.add("/shares.xml", rss(boilerplate, "Shares")))]
    report = collect(with_fetch(web_config, full_text=False), store, sources)
    assert report.new == 1
    assert report.unusable == (UnusableEntries("bare", no_text=3),
                               UnusableEntries("shares", emptied=1))
    assert report.unusable_entries == 4
    assert collect_summary(report).splitlines()[1:] == [
        "  bare: 3 entries had no text", "  shares: 1 entry had nothing but boilerplate"]
    rows = {row.name: row for row in source_health(store)}
    assert rows["bare"].unusable == UnusableEntries("bare", no_text=3)
    assert "    last run: 1 entry had nothing but boilerplate" in format_health(
        list(rows.values()))
    # A later read with every entry usable clears the counts.
    server.add("/bare.xml", rss([("Now with text", "{BASE}/bare/x", LONG)], "Bare"))
    collect(with_fetch(web_config, full_text=False), store, sources[:1])
    assert next(r for r in source_health(store) if r.name == "bare").unusable == (
        UnusableEntries("bare"))


def test_a_mis_decoded_feed_is_recorded_with_a_warning(
    server: LoopbackServer, web_config: Config, store: Storage
) -> None:
    items = [("CafÃ© owners in Zürich protest", "{BASE}/cafe", LONG)]
    url = server.add("/mojibake.xml", rss(items))
    report = collect(web_config, store, [feed("moji", url)])
    assert report.new == 1
    (row,) = source_health(store)
    assert row.last_warning == ("the entry looks mis-decoded (mojibake), "
                                "read as utf-8 (HTTP charset)")
    assert f"    warning: {row.last_warning}" in format_health([row])


def test_collect_summary_wording() -> None:
    report = CollectReport(new=2, duplicates=1, near_duplicates=0, unchanged_sources=0,
                           failures=(), sources_total=2, article_ids=(1, 2))
    assert collect_summary(report) == (
        "2 web source(s): 2 new article(s), 1 already seen, 0 near-duplicate(s), "
        "0 source(s) unchanged, 0 failed")
    lost = UnusableEntries("wire", no_text=1, page_failed=2, emptied=3)
    assert lost.describe() == ("1 entry had no text; 2 entries had no text and their page "
                               "could not be fetched; 3 entries had nothing but boilerplate")


def test_known_urls_are_looked_up_once_per_batch_and_entries_still_accounted(
    server: LoopbackServer, web_config: Config, store: Storage
) -> None:
    # Without full text, entries with text are looked up when the batch is stored, in one
    # query; entries with no text are looked up at once (seen, or counted as no text).
    config = with_fetch(web_config, full_text=False)
    first_items = [("Harbour story", "{BASE}/harbour", LONG), ("Bare one", "{BASE}/bare", "")]
    first = collect(config, store, [feed("wire", server.add("/wire.xml", rss(first_items)))])
    assert (first.new, first.duplicates) == (1, 0)
    assert first.unusable == (UnusableEntries("wire", no_text=1),)
    # Another feed: the harbour story under the same link (with a tracker), a new story
    # and the bare entry (its link unknown: no text).
    other_text = " ".join(["The ferry council voted on Tuesday to keep the night route."] * 15)
    items = [("Harbour story again", "{BASE}/harbour?utm_source=x", other_text),
             ("Library story", "{BASE}/library", LONG.replace("harbour", "library")),
             ("Bare one", "{BASE}/bare", "")]
    second = collect(config, store, [feed("relay", server.add("/relay.xml", rss(items)))])
    assert (second.new, second.duplicates) == (1, 1)
    assert second.unusable == (UnusableEntries("relay", no_text=1),)
    assert {a.title for a in (store.articles.get(i) for i in second.article_ids) if a} == {
        "Library story"}
    # An entry with no text whose link is known: seen, not "no text".
    third = collect(config, store, [feed("photos", server.add(
        "/photos.xml", rss([("Library photos", "{BASE}/library", "")])))])
    assert (third.new, third.duplicates, third.unusable) == (0, 1, ())
    assert store.articles.count() == 2


def test_a_teaser_whose_page_is_stored_under_its_canonical_url_is_seen(
    server: LoopbackServer, web_config: Config, store: Storage
) -> None:
    page = "articles/harbour.html"  # rel=canonical: /news/port-strike
    server.add_file("/articles/harbour.html", page, "text/html; charset=utf-8")
    server.add_file("/mirror/harbour.html", page, "text/html; charset=utf-8")
    teaser = "Dock workers walked out on Monday… Read more"
    first = collect(web_config, store, [feed("ledger", server.add(
        "/ledger.xml", rss([("Port strike", "{BASE}/articles/harbour.html", teaser)])))])
    assert first.new == 1
    # Another feed's teaser links elsewhere; its page names the stored article's URL.
    again = collect(web_config, store, [feed("mirror", server.add(
        "/mirror.xml", rss([("Port strike", "{BASE}/mirror/harbour.html", teaser)])))])
    assert (again.new, again.duplicates) == (0, 1)
    assert server.requests_to("/mirror/harbour.html")  # the page was needed to know
    assert store.articles.count() == 1
    assert store.articles.met_under(server.url("/mirror/harbour.html")) is None
