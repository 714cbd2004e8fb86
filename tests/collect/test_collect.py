"""collect() end to end against a real loopback server: new, duplicate, failed, unchanged."""

from __future__ import annotations

import random
import time
from datetime import UTC, datetime
from pathlib import Path

from recorded import record_brief

from briefing.collect import (
    collect,
    failure_note,
    format_health,
    source_from_url,
    source_health,
    unbriefed_articles,
)
from briefing.config import Config, SourceConfig
from briefing.storage import Storage
from briefing.types import Brief, SourceRef

from .conftest import feed, page, with_fetch
from .server import DATA, Endless, LoopbackServer, drip, redirect, slow, status

FORMATS = {
    "ledger": ("/feeds/rss20.xml", "rss20.xml", "application/rss+xml"),
    "courier": ("/feeds/atom.xml", "atom.xml", "application/atom+xml"),
    "post": ("/feeds/rss10.rdf", "rss10.rdf", "application/rdf+xml"),
    "gazette": ("/feeds/rss091.xml", "rss091.xml", "text/xml"),
    "journal": ("/feeds/feed.json", "feed.json", "application/feed+json"),
}


def serve_formats(server: LoopbackServer) -> list[SourceConfig]:
    return [
        feed(name, server.add_file(path, file, kind))
        for name, (path, file, kind) in FORMATS.items()
    ]


def titles(store: Storage, ids: tuple[int, ...]) -> set[str]:
    return {article.title for article in (store.articles.get(i) for i in ids) if article}


def test_every_feed_format_is_collected_once(
    server: LoopbackServer, web_config: Config, store: Storage
) -> None:
    sources = serve_formats(server)
    first = collect(web_config, store, sources)
    assert (first.new, first.duplicates, first.near_duplicates, first.failures) == (10, 0, 0, ())
    assert first.sources_total == 5 and first.unchanged_sources == 0
    assert "Museum returns carved masks to island community" in titles(store, first.article_ids)
    assert "Hospital waiting lists fall for third month" in titles(store, first.article_ids)
    # Conditional GET: every feed answers 304 the second time, and nothing is new.
    second = collect(web_config, store, sources)
    assert (second.new, second.unchanged_sources, second.failures) == (0, 5, ())
    for path, *_ in FORMATS.values():
        assert "if-none-match" in server.requests_to(path)[-1].headers


def test_a_changed_feed_yields_only_its_new_entries(
    server: LoopbackServer, web_config: Config, store: Storage
) -> None:
    rss = (DATA / "rss20.xml").read_text(encoding="utf-8")
    url = server.add("/feeds/ledger.xml", rss)
    collect(web_config, store, [feed("ledger", url)])
    # The feed gains an item, so its ETag changes.
    extra = (
        "<item><title>Lighthouse keeper retires after forty years</title>"
        "<link>{BASE}/ledger/lighthouse</link><description>After forty years on the rock, "
        "the last keeper of the north lighthouse handed over the keys on Friday.</description>"
        "</item>"
    )
    server.add("/feeds/ledger.xml", rss.replace("</channel>", extra + "</channel>"))
    report = collect(web_config, store, [feed("ledger", url)])
    assert (report.new, report.duplicates, report.unchanged_sources) == (1, 3, 0)
    assert titles(store, report.article_ids) == {"Lighthouse keeper retires after forty years"}


def test_identity_is_the_canonical_url_without_trackers(
    server: LoopbackServer, web_config: Config, store: Storage
) -> None:
    server.add_file("/feeds/rss20.xml", "rss20.xml")
    server.add_file("/feeds/feed.json", "feed.json", "application/feed+json")
    report = collect(web_config, store, [
        feed("ledger", server.url("/feeds/rss20.xml")),
        feed("journal", server.url("/feeds/feed.json")),
    ])
    urls = {store.articles.canonical_url(i) for i in report.article_ids}
    assert server.url("/ledger/ferry-terminal") in urls  # utm_source, utm_medium removed
    assert server.url("/journal/waiting-lists") in urls  # fbclid removed
    # The same article linked with other trackers, in another feed: a duplicate, not new.
    server.add("/feeds/share.xml", (DATA / "rss20.xml").read_text(encoding="utf-8")
               .replace("utm_source=rss&amp;utm_medium=feed", "utm_campaign=share&amp;gclid=9"))
    again = collect(web_config, store, [feed("share", server.url("/feeds/share.xml"))])
    assert (again.new, again.duplicates) == (0, 3)
    # Only the first fetch of each URL cost a request: known URLs are never fetched again.


def test_a_teaser_is_replaced_by_the_article_page(
    server: LoopbackServer, web_config: Config, store: Storage
) -> None:
    url = server.add_file("/feeds/teasers.xml", "teasers.xml")
    server.add_file("/articles/harbour.html", "articles/harbour.html", "text/html; charset=utf-8")
    report = collect(web_config, store, [feed("ledger", url)])
    assert (report.new, report.failures) == (2, ())
    by_title = {a.title: a for a in (store.articles.get(i) for i in report.article_ids) if a}
    strike = by_title["Port workers walk out as pay talks collapse"]
    assert "Mediators from the labour ministry" in strike.text  # from the page, not the feed
    assert "Most read" not in strike.text and "cookies" not in strike.text
    # rel=canonical (relative, with a tracker) is the identity and the link.
    assert strike.url == server.url("/news/port-strike")
    assert store.articles.canonical_url(strike.id) == server.url("/news/port-strike")
    # The page fetch went to the link without its trackers.
    assert server.requests_to("/articles/harbour.html")
    # The second teaser's page is missing (404): the feed's own text is used.
    winter = by_title["Ferry timetable changes for the winter"]
    assert winter.text.startswith("Winter timetables start")


def test_near_duplicates_are_linked_to_the_first_copy_and_never_briefed(
    server: LoopbackServer, web_config: Config, store: Storage
) -> None:
    a = feed("daily", server.add_file("/feeds/wire-a.xml", "wire-a.xml"))
    b = feed("morning", server.add_file("/feeds/wire-b.xml", "wire-b.xml"))
    first = collect(web_config, store, [a])
    assert (first.new, first.near_duplicates) == (2, 0)
    second = collect(web_config, store, [b])
    assert (second.new, second.near_duplicates) == (1, 1)
    stored = store.articles.get_many(range(1, store.articles.count() + 1)).values()
    copy = next(a for a in stored if a.title.startswith("Central bank lifts"))
    original = next(a for a in stored if a.title.startswith("Central bank raises"))
    assert store.articles.duplicate_of(copy.id) == original.id
    unbriefed = unbriefed_articles(store, "default", ["daily", "morning"])
    assert copy.id not in {article.id for article in unbriefed}
    assert original.id in {article.id for article in unbriefed}


def test_unbriefed_articles_leave_out_what_a_brief_of_the_profile_used(
    server: LoopbackServer, web_config: Config, store: Storage, tmp_path: Path
) -> None:
    report = collect(web_config, store, serve_formats(server))
    used = store.articles.get(report.article_ids[0])
    assert used is not None
    brief = Brief(
        title="t", profile="morning", generated_at=datetime(2026, 11, 20, tzinfo=UTC),
        language="en", author="a", engine="extractive", stories=(),
        sources=(SourceRef(1, used.id, used.title, used.outlet, used.url),),
    )
    record_brief(store, brief, tmp_path)
    names = list(FORMATS)
    morning = {a.id for a in unbriefed_articles(store, "morning", names)}
    evening = {a.id for a in unbriefed_articles(store, "evening", names)}
    assert used.id not in morning and used.id in evening
    assert len(evening) == 10 and len(morning) == 9
    assert unbriefed_articles(store, "evening", ["ledger"]) == [
        a for a in unbriefed_articles(store, "evening", names) if a.source == "ledger"
    ]


def test_hostile_sources_end_as_recorded_errors_and_never_hold_up_the_rest(
    server: LoopbackServer, web_config: Config, store: Storage
) -> None:
    config = with_fetch(web_config, deadline=1.0, max_body_bytes=1_000_000)
    good = serve_formats(server)
    huge = Endless(100_000_000)
    server.handle("/hostile/drip.xml", drip(interval=0.3))
    server.handle("/hostile/huge.xml", huge)
    server.handle("/hostile/500.xml", status(500))
    server.handle("/hostile/loop-a", redirect("/hostile/loop-b"))
    server.handle("/hostile/loop-b", redirect("/hostile/loop-a"))
    server.add("/hostile/binary.xml", bytes(range(256)) * 64, "application/octet-stream")
    server.add_file("/hostile/page.xml", "not-a-feed.html", "text/html")
    server.add("/hostile/garbage.xml", "<<<<<<<< >>>>>>\x01 not xml at all", "text/xml")
    hostile = [
        feed("drip", server.url("/hostile/drip.xml")),
        feed("huge", server.url("/hostile/huge.xml")),
        feed("error", server.url("/hostile/500.xml")),
        feed("loop", server.url("/hostile/loop-a")),
        feed("binary", server.url("/hostile/binary.xml")),
        feed("html", server.url("/hostile/page.xml")),
        feed("garbage", server.url("/hostile/garbage.xml")),
        feed("empty", server.add_file("/feeds/empty.xml", "empty.xml")),
        feed("malformed", server.add_file("/feeds/malformed.xml", "malformed.xml")),
    ]
    started = time.monotonic()
    report = collect(config, store, [*good, *hostile])
    elapsed = time.monotonic() - started
    assert elapsed < 6, "a hostile source held the run beyond its deadline"
    errors = {failure.source: failure.error for failure in report.failures}
    assert set(errors) == {"drip", "huge", "error", "loop", "binary", "html", "garbage"}
    assert "deadline" in errors["drip"]
    assert "over the 1 MB limit" in errors["huge"]
    assert huge.sent < 20_000_000, "the 100 MB body was read instead of cut at the cap"
    assert errors["error"] == "HTTP 500 Internal Server Error"
    assert "redirect" in errors["loop"]
    assert errors["binary"] == "binary data, not a feed"
    assert errors["html"] == "an HTML page, not a feed"
    # Good sources, the empty feed and the recoverable malformed one are all collected.
    assert report.new == 10 + 2 and report.sources_total == 14
    note = failure_note(report)
    assert note is not None
    assert note.startswith("7 of 14 sources could not be fetched: drip (no complete answer")
    assert "error (HTTP 500 Internal Server Error)" in note
    assert "\n" not in note


def test_source_health_counts_consecutive_failures(
    server: LoopbackServer, web_config: Config, store: Storage
) -> None:
    flaky = feed("flaky", server.url("/feeds/flaky.xml"))
    steady = feed("steady", server.add_file("/feeds/rss20.xml", "rss20.xml"))
    for _ in range(2):
        collect(web_config, store, [flaky, steady], now=datetime(2026, 11, 20, 7, tzinfo=UTC))
    health = {row.name: row for row in source_health(store)}
    assert health["flaky"].consecutive_failures == 2
    assert health["flaky"].last_error == "HTTP 404 Not Found"
    assert health["flaky"].last_success is None
    assert health["steady"].consecutive_failures == 0
    assert health["steady"].last_success == datetime(2026, 11, 20, 7, tzinfo=UTC)
    text = format_health(source_health(store))
    assert "failing (2 runs)" in text and "HTTP 404 Not Found" in text
    assert "2026-11-20 07:00 UTC" in text
    # It recovers: one good run resets the count and keeps the last error for the record.
    server.add_file("/feeds/flaky.xml", "atom.xml", "application/atom+xml")
    collect(web_config, store, [flaky])
    recovered = {row.name: row for row in source_health(store)}["flaky"]
    assert recovered.consecutive_failures == 0 and recovered.status == "ok"
    assert recovered.last_new == 2


def test_a_page_source_and_robots_txt(
    server: LoopbackServer, web_config: Config, store: Storage
) -> None:
    article = server.add_file("/articles/harbour.html", "articles/harbour.html", "text/html")
    report = collect(web_config, store, [page("strike", article)])
    assert (report.new, report.failures) == (1, ())
    # Collected again: the page answers 304.
    again = collect(web_config, store, [page("strike", article)])
    assert (again.new, again.unchanged_sources) == (0, 1)
    # A site whose robots.txt forbids us: refused, unless the config says otherwise.
    server.add("/robots.txt", "User-agent: briefing\nDisallow: /private/\n", "text/plain")
    blocked = server.add_file("/private/harbour.html", "articles/harbour.html", "text/html")
    refused = collect(web_config, store, [page("private", blocked)])
    assert [f.error for f in refused.failures] == ["robots.txt does not allow fetching this page"]
    assert not server.requests_to("/private/harbour.html")
    allowed = collect(with_fetch(web_config, respect_robots=False), store,
                      [page("private", blocked)])
    assert allowed.failures == () and allowed.duplicates == 1  # same article, same canonical URL


def test_robots_txt_that_cannot_be_fetched_forbids_pages(
    server: LoopbackServer, web_config: Config, store: Storage
) -> None:
    server.handle("/robots.txt", status(503))
    url = server.add_file("/articles/harbour.html", "articles/harbour.html", "text/html")
    report = collect(web_config, store, [page("strike", url)])
    assert "robots.txt could not be fetched (HTTP 503" in report.failures[0].error


def test_a_feed_entry_cap_and_a_huge_feed(
    server: LoopbackServer, web_config: Config, store: Storage
) -> None:
    items = "".join(
        f"<item><title>Entry number {i}</title><link>{{BASE}}/big/{i}</link>"
        f"<description>Body of entry number {i} in the huge feed.</description></item>"
        for i in range(50_000)
    )
    body = (
        '<?xml version="1.0"?><rss version="2.0"><channel><title>Big</title>'
        f"{items}</channel></rss>"
    )
    url = server.add("/feeds/big.xml", body)
    config = with_fetch(web_config, max_body_bytes=10_000_000, full_text=False,
                        max_entries_per_feed=20)
    started = time.monotonic()
    report = collect(config, store, [feed("big", url)])
    assert time.monotonic() - started < 5
    assert (report.new, report.failures) == (20, ())
    assert titles(store, report.article_ids) == {f"Entry number {i}" for i in range(20)}


def test_ssrf_refused_by_default_and_on_redirects(
    server: LoopbackServer, web_config: Config, store: Storage
) -> None:
    url = server.add_file("/feeds/rss20.xml", "rss20.xml")
    closed = with_fetch(web_config, allow_private=())
    report = collect(closed, store, [feed("inside", url)])
    assert report.failures[0].error.startswith("refused: 127.0.0.1 resolves to a loopback address")
    assert not server.requests_to("/feeds/rss20.xml")
    # Allowed by name, but a redirect leads to an address that is not: refused at that hop.
    by_name = with_fetch(web_config, allow_private=(f"localhost:{server.port}",))
    server.handle("/jump", redirect(server.url("/feeds/rss20.xml")))
    jump = f"http://localhost:{server.port}/jump"
    report = collect(by_name, store, [feed("jump", jump)])
    assert "refused: 127.0.0.1 resolves to a loopback address" in report.failures[0].error
    assert not server.requests_to("/feeds/rss20.xml")
    # A redirect to another scheme is refused too.
    server.handle("/to-file", redirect("file:///etc/passwd"))
    report = collect(web_config, store, [feed("file", server.url("/to-file"))])
    assert "not http or https" in report.failures[0].error


def test_source_from_url_tells_a_feed_from_a_page(
    server: LoopbackServer, web_config: Config
) -> None:
    rss = server.add_file("/feeds/rss20.xml", "rss20.xml")
    article = server.add_file("/articles/harbour.html", "articles/harbour.html", "text/html")
    assert source_from_url(rss, web_config).type == "feed"
    assert source_from_url(server.add_file("/f.json", "feed.json", "application/json"),
                           web_config).type == "feed"
    made = source_from_url(article, web_config)
    assert (made.type, made.url, made.name) == ("page", article, article)
    # Unreachable: the address decides, and collecting will report the failure.
    assert source_from_url(server.url("/gone/feed"), web_config).type == "feed"
    # Without the config's allow-list, loopback is refused: guessed from the address.
    assert source_from_url(rss).type == "feed"


def test_failure_note_wording() -> None:
    from briefing.collect import CollectReport, SourceFailure

    def report(failures: int, total: int) -> CollectReport:
        return CollectReport(
            new=0, duplicates=0, near_duplicates=0, unchanged_sources=0, sources_total=total,
            failures=tuple(SourceFailure(f"s{i}", f"https://s{i}.example/", "HTTP 500")
                           for i in range(failures)),
            article_ids=(),
        )

    assert failure_note(report(0, 3)) is None
    assert failure_note(report(1, 1)) == "1 of 1 source could not be fetched: s0 (HTTP 500)"
    assert failure_note(report(2, 14)) == (
        "2 of 14 sources could not be fetched: s0 (HTTP 500); s1 (HTTP 500)"
    )


def test_folder_sources_are_left_to_the_file_reader(web_config: Config, store: Storage) -> None:
    report = collect(web_config, store, [SourceConfig(name="files", path=DATA)])
    assert (report.sources_total, report.new, report.failures) == (0, 0, ())


def test_duplicates_by_content_and_within_one_run(
    server: LoopbackServer, web_config: Config, store: Storage
) -> None:
    ledger = feed("ledger", server.add_file("/feeds/rss20.xml", "rss20.xml"))
    share_body = (DATA / "rss20.xml").read_text(encoding="utf-8").replace(
        "utm_source=rss&amp;utm_medium=feed", "utm_source=share"
    )
    share = feed("share", server.add("/feeds/share.xml", share_body))
    # The same three articles under the same canonical URLs in two feeds of one run.
    first = collect(web_config, store, [ledger, share])
    assert (first.new, first.duplicates) == (3, 3)
    # Another outlet republishes the ferry story word for word at its own URL:
    # known by content hash, so a duplicate; its URL is remembered.
    wire = feed("daily", server.add_file("/feeds/wire-a.xml", "wire-a.xml"))
    second = collect(web_config, store, [wire])
    assert (second.new, second.duplicates, second.near_duplicates) == (1, 1, 0)
    ferry_copy = server.url("/daily-ledger/ferry")
    stored = store.articles.get_many(range(1, store.articles.count() + 1)).values()
    [original] = [a.id for a in stored if a.title.startswith("Harbour council")]
    assert store.articles.met_under(ferry_copy) == original
    assert store.articles.count() == 4


def test_full_text_fetching_has_a_budget_per_feed(
    server: LoopbackServer, web_config: Config, store: Storage
) -> None:
    # Twelve teasers whose pages take 0.25 s each, one at a time: 3 s of work for a
    # budget of 3 deadlines of 0.5 s. What is not reached is left for the next run.
    rng = random.Random(7)
    words = ["port", "ferry", "rail", "wheat", "bank", "rate", "strike", "council", "library",
             "museum", "storm", "bridge"]
    items = []
    for i in range(12):
        paragraphs = "".join(
            "<p>" + " ".join(rng.choice(words) for _ in range(60)) + ".</p>" for _ in range(4)
        )
        page_html = (f"<html><head><title>Story {i}</title></head><body><article>"
                     f"<h1>Story {i}</h1>{paragraphs}</article></body></html>").encode()
        server.handle(f"/story/{i}", slow(0.25, page_html))
        items.append(f"<item><title>Story {i}</title><link>{{BASE}}/story/{i}</link>"
                     f"<description>Teaser {i}.</description></item>")
    rss = f'<rss version="2.0"><channel><title>T</title>{"".join(items)}</channel></rss>'
    url = server.add("/feeds/teasers.xml", rss)
    config = with_fetch(web_config, deadline=0.5, per_host_concurrency=1)
    started = time.monotonic()
    first = collect(config, store, [feed("slow", url)])
    assert time.monotonic() - started < 1.5 + 1.0
    assert 0 < first.new < 12 and first.failures == ()
    texts = [a.text for a in (store.articles.get(i) for i in first.article_ids) if a]
    assert all(len(text) > 500 for text in texts)  # full text, never the teaser
    # The next run (without time pressure) gets the rest, each once, though the feed
    # has not changed: a feed with deferred entries is not fetched conditionally.
    rest = collect(with_fetch(config, deadline=3.0), store, [feed("slow", url)])
    assert first.new + rest.new == 12 and rest.duplicates == first.new
