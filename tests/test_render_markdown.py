"""brief.md: parsed back with a CommonMark parser (markdown-it-py, "commonmark" preset),
every story, bullet and source is there as text, citations link their articles, and
nothing planted in a title or bullet becomes markup or a link."""

from __future__ import annotations

from dataclasses import replace
from html.parser import HTMLParser
from urllib.parse import unquote

import pytest
from markdown_it import MarkdownIt

from briefing.brief import Brief
from briefing.render.context import ReaderLinks
from briefing.render.markdown import escape_markdown, render_markdown
from tests.render_samples import HOSTILE_TITLE, JAVASCRIPT_URL, make_brief


class _Page(HTMLParser):
    """The links (href, text) and the visible text of CommonMark's HTML."""

    def __init__(self) -> None:
        super().__init__()
        self.links: list[tuple[str, str]] = []
        self.tags: list[str] = []
        self.text: list[str] = []
        self._href: str | None = None
        self._label: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        if tag == "a":
            self._href = dict(attrs).get("href") or ""
            self._label = []

    def handle_endtag(self, tag: str) -> None:
        if tag == "a" and self._href is not None:
            self.links.append((self._href, "".join(self._label)))
            self._href = None

    def handle_data(self, data: str) -> None:
        self.text.append(data)
        if self._href is not None:
            self._label.append(data)


def _parse(markdown: str) -> _Page:
    page = _Page()
    page.feed(MarkdownIt("commonmark").render(markdown))
    return page


def _flat(text: str) -> str:
    return " ".join(text.split())


@pytest.fixture(scope="module")
def brief() -> Brief:
    return make_brief(30)


@pytest.fixture(scope="module")
def page(brief: Brief) -> _Page:
    return _parse(render_markdown(brief))


def test_every_story_bullet_and_source_reads_as_written(brief: Brief, page: _Page) -> None:
    text = _flat("".join(page.text))
    assert brief.title in text
    assert brief.coverage in text
    for story in brief.stories:
        assert story.headline in text
        for bullet in story.bullets:
            assert _flat(bullet.text) in text
    for source in brief.sources:
        assert source.title in text


def test_citations_link_their_articles_and_local_files_stay_plain(
    brief: Brief, page: _Page
) -> None:
    cited = [(href, label) for href, label in page.links if label.startswith("[")]
    by_number = {source.number: source for source in brief.sources}
    assert cited, "no linked citation at all"
    for href, label in cited:
        assert by_number[int(label.strip("[]"))].url == unquote(href)
    unlinked = [s for s in brief.sources if s.url is None]
    assert unlinked, "the sample has sources without a URL"
    hrefs = {unquote(href) for href, _ in page.links}
    for story in brief.stories:
        for bullet in story.bullets:
            for number in bullet.sources:
                url = by_number[number].url
                assert url is None or url in hrefs


def test_sources_list_is_an_ordered_list_of_linked_titles(brief: Brief) -> None:
    html = MarkdownIt("commonmark").render(render_markdown(brief))
    assert "<ol>" in html
    page = _parse(html.split("<h2>Sources</h2>", 1)[1])
    linked = {label: unquote(href) for href, label in page.links}
    for source in brief.sources:
        if source.url:
            assert linked[source.title] == source.url


def test_planted_markup_stays_text_and_bad_links_never_link() -> None:
    hostile = make_brief(12, hostile=True)
    planted = hostile.stories[0]
    emphasis = replace(planted.bullets[0], text="*not bold* _nor this_ [x](javascript:y) `c` "
                       "# no heading &amp; ~~no strike~~ | no table |")
    hostile = replace(hostile, stories=(replace(planted, bullets=(emphasis,
                                                                   *planted.bullets[1:])),
                                        *hostile.stories[1:]),
                      notes=(*hostile.notes, "1. not a list item", "- nor this"))
    markdown = render_markdown(hostile)
    page = _parse(markdown)
    text = _flat("".join(page.text))
    assert HOSTILE_TITLE in text
    assert emphasis.text in text
    assert "1. not a list item" in text and "- nor this" in text
    for tag in ("script", "img", "b", "strong", "code", "style", "i", "del", "table"):
        assert tag not in page.tags, tag
    for href, _ in page.links:
        assert href.startswith(("http://", "https://")), href
        assert "127.0.0.1" not in href
    assert JAVASCRIPT_URL not in markdown.replace("\\", "")


def test_view_in_browser_link_with_a_base_url(brief: Brief) -> None:
    published = replace(brief, slug="2025-03-04")
    links = ReaderLinks(base_url="https://briefs.example.org/")
    page = _parse(render_markdown(published, links=links))
    assert ("https://briefs.example.org/morning/2025-03-04/index.html",
            "View in browser") in page.links
    assert not any(label == "View in browser" for _, label in _parse(
        render_markdown(published)).links)


def test_url_with_parentheses_stays_one_link() -> None:
    brief = make_brief(5)
    source = replace(brief.sources[0], url="https://en.example.org/wiki/Foo_(bar) x")
    assert _parse(render_markdown(replace(brief, sources=(source, *brief.sources[1:])))
                  ).links  # whitespace makes it no link at all; below, a real one
    source = replace(brief.sources[0], url="https://en.example.org/wiki/Foo_(bar)")
    page = _parse(render_markdown(replace(brief, sources=(source, *brief.sources[1:]))))
    assert ("https://en.example.org/wiki/Foo_%28bar%29", source.title) in page.links


@pytest.mark.parametrize("value", ["12. Not a list", "+ plus", "> quote", "#tag", "a\nb",
                                   "x <http://a.example>", "$5 and $10", "&copy; & co"])
def test_escape_keeps_text_literal(value: str) -> None:
    html = MarkdownIt("commonmark").render(escape_markdown(value))
    assert html.strip() == f"<p>{_html(_flat(value))}</p>"


def _html(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
