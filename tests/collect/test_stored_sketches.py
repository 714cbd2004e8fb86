"""What a collect stores for near-copies is what datasketch itself would make of the stored
articles: each sketch its MinHash, each copy linked where its MinHashLSH would link it."""

from __future__ import annotations

import random

from briefing.collect import collect, dedup
from briefing.config import Config
from briefing.storage import Storage

from .conftest import feed
from .server import LoopbackServer
from .test_dedup import _DatasketchIndex, datasketch_minhash

WORDS = (  # noqa: SIM905 -- a paragraph of words reads better than a list of strings
    "harbour council ferry terminal drought wheat library rail strike pay deal night bus "
    "route wildfire hills battery research quota museum hospital bank rate inflation budget "
    "minister school teachers bridge repairs port workers election mayor court ruling river"
).split()


def _story(rng: random.Random) -> str:
    return "".join(
        "<p>" + " ".join(rng.choice(WORDS) for _ in range(40)).capitalize() + ".</p>"
        for _ in range(3)
    )


def _rss(base: str, path: str, items: list[tuple[str, str]]) -> str:
    entries = "".join(
        f"<item><title>{title}</title><link>{base}{path}/{number}</link>"
        f"<description><![CDATA[{text}]]></description></item>"
        for number, (title, text) in enumerate(items)
    )
    return f'<?xml version="1.0"?><rss version="2.0"><channel><title>{path}</title>{entries}' \
        "</channel></rss>"


def test_stored_sketches_and_copy_links_are_datasketchs(
    server: LoopbackServer, web_config: Config, store: Storage
) -> None:
    rng = random.Random(3)
    stories = [(f"Story {n}", _story(rng)) for n in range(20)]
    # The same stories lightly edited (a copy), rewritten from a few words on (not a copy,
    # or only by chance), and others altogether; each outlet under its own addresses.
    edited = [(title, text.replace(" rate ", " rates ", 2)) for title, text in stories]
    rewritten = [(title, text[:150] + _story(rng)) for title, text in stories]
    others = [(f"Other {n}", _story(rng)) for n in range(20)]
    sources = [
        feed(name, server.add(f"/{name}.xml", _rss(server.base, f"/{name}", items)))
        for name, items in (("first", stories), ("edited", edited), ("rewritten", rewritten),
                            ("others", others))
    ]
    report = collect(web_config, store, sources)
    assert not report.failures

    ids = sorted(store.articles.get_many(range(1, store.articles.count() + 1)))
    assert len(ids) == 80
    signatures = store.articles.sketches_of(ids, dedup.SCHEME)
    reference = _DatasketchIndex()
    for article_id in ids:  # in the order they were stored, as the collector compares them
        article = store.articles.get(article_id)
        assert article is not None
        minhash = datasketch_minhash(article.title, article.text)
        assert minhash is not None
        assert signatures[article_id] == dedup.to_blob(minhash), article.title
        original = reference.find(minhash)
        reference.add(article_id, minhash, original)
        assert store.articles.duplicate_of(article_id) == original, article.title
    assert report.near_duplicates >= 20  # the edited copies at least
    assert report.new == 80 - report.near_duplicates
