"""``markup_to_text`` reads ordinary markup without the HTML parser (issue 15).

The shortcut (``normalize._ordinary_markup_text``) must give exactly what the
parser gives, for every fragment it accepts, and leave the rest to the parser.
It is held to the parser's reading on every text field of feedparser's corpus
and on generated markup full of the parser's corner cases.
"""

from __future__ import annotations

import random
import warnings

import pytest

from briefing import normalize
from tests.collect.feed_corpus import feeds_dir


def _by_the_parser(fragment: str, *, all_tags: bool = True) -> str:
    """``markup_to_text`` as it was before the shortcut: always the parser."""
    fragment = fragment.replace(normalize._AMPERSAND, "")
    fragment = normalize._CDATA.sub(lambda match: match.group(1), fragment)
    fragment = normalize._UNCLOSED_COMMENT.sub("", normalize._COMMENT.sub("", fragment))
    return normalize._parsed_text(fragment, all_tags=all_tags)


_PIECES = (
    "Harbour", " cranes ", "return", "\n", "  ", "a < b", "x > y", "&amp;", "AT&T", "&#60;p&#62;",
    "\ufdd0", "<p>", "</p>", "<P CLASS=\"lead\">", "</P >", "<br/>", "<br />", "<BR>", "<hr>",
    '<a href="https://example.com/?a=1&b=2">', "</a>", "<a href='q\"uote'>", '<a title="a>b">',
    "<a title='a<b'>", "<img src=x/>", "<img alt=\"\" src='y.png'>", "<span data-x=1>",
    "</span>", "<td>", "<th>", "<em>", "</em>", "<h1 id=t>", "</h1>", "<li>", "<ul>", "</ul>",
    "<script>var a = \"<p>\";</script>", "<style>p{}</style>", "<title>t<b>x</b></title>",
    "<textarea><p></textarea>", "<custom-tag>", "<x:y>", "<!-- c -->", "<!-- unclosed",
    "<![CDATA[<p>in</p>]]>", "</p class=x>", "< p>", "<p", "<a href=>", '<a b="c>',
    "<!DOCTYPE html>",
    "<?xml version='1.0'?>", "</>", "<a\nhref=\"x\"\n>", '<a href = "x" >', '<a href="x"title="y">',
    "<noscript>n</noscript>", "<svg><text>s</text></svg>", "<table><tr><td>c</td></tr></table>",
    "<b>", "</b>", "<a href=\"x\" / >", "<br/ >", "<p/>", "<1p>", "</ p>", "<a =x>", "<a `x`>",
)


def test_generated_markup_reads_the_same_with_or_without_the_parser() -> None:
    rng = random.Random(15)
    fast = 0
    for _ in range(20_000):
        fragment = "".join(rng.choice(_PIECES) for _ in range(rng.randint(1, 12)))
        for all_tags in (True, False):
            assert normalize.markup_to_text(fragment, all_tags=all_tags) == _by_the_parser(
                fragment, all_tags=all_tags), repr(fragment)
        fast += normalize._ordinary_markup_text(fragment) is not None
    # The shortcut is taken often enough here for the comparison to mean something.
    assert fast > 1_000


def test_every_text_of_the_feed_corpus_reads_the_same_with_or_without_the_parser() -> None:
    folder = feeds_dir()
    if not folder.is_dir():
        pytest.skip(f"feedparser's feed corpus is not present at {folder}")
    import feedparser  # type: ignore[import-untyped]

    texts: list[str] = []
    for path in sorted(folder.rglob("*.xml")):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            parsed = feedparser.parse(path.read_bytes(), sanitize_html=False,
                                      resolve_relative_uris=False)
        for entry in [parsed.feed, *parsed.entries]:
            for key in ("title", "summary", "subtitle", "rights"):
                if isinstance(entry.get(key), str):
                    texts.append(entry[key])
            texts.extend(part.get("value", "") for part in entry.get("content", []))
    with_markup = [text for text in texts if "<" in text]
    assert len(with_markup) > 200, len(with_markup)
    fast = 0
    for text in with_markup:
        assert normalize.markup_to_text(text) == _by_the_parser(text), repr(text)
        fast += normalize._ordinary_markup_text(text) is not None
    assert fast > len(with_markup) // 4, (fast, len(with_markup))


def test_the_ascii_check_for_odd_spaces_agrees_with_the_expression() -> None:
    assert set(normalize._ASCII_ODD_SPACES) == {
        chr(code) for code in range(128) if normalize._ODD_SPACES.fullmatch(chr(code))}
    rng = random.Random(7)
    alphabet = "ab .\n" + normalize._ASCII_ODD_SPACES + "\u00a0\u2003"
    for _ in range(5_000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 12)))
        assert normalize._has_odd_spaces(text) == bool(normalize._ODD_SPACES.search(text)), text
