"""brief.html: email-safe markup, inlined CSS, escaping, size."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from render_samples import HOSTILE_TITLE, make_brief

from briefing.render.email_html import render_email_html
from briefing.render.environment import http_url, make_environment
from briefing.types import Brief

# Markup that must never open anywhere in the output (text is escaped, so "<" never
# survives in a title).
FORBIDDEN_OPENERS = {
    "script tag": r"<script",
    "svg": r"<svg",
    "img": r"<img",
    "iframe": r"<iframe",
}
# Constructs forbidden inside any tag. In text they are harmless once escaped (a title
# may well read 'JavaScript: the good parts'), so they are searched in the tags only,
# except for trusted sample text, where they must not appear at all.
FORBIDDEN_IN_TAGS = {
    "event handler": r"\son[a-z]+\s*=",
    "javascript: URL": r"javascript:",
    "data: URI": r"data:",
    "file: link": r"file:",
    "flex or grid": r"display\s*:\s*(inline-)?(flex|grid)",
}
FORBIDDEN_TAGS = {
    *("script", "svg", "img", "iframe", "object", "embed", "form"),
    *("link", "base", "video", "audio", "picture"),
}
#: The one <style> block left: the dark-mode colours, in <head>.
DARK_BLOCK = re.compile(
    r"<style>(@media \(prefers-color-scheme: dark\) \{[^<]*\})\s*</style>\s*</head>"
)
URL_ATTRIBUTES = {"href", "src", "action", "background", "poster", "formaction", "srcset"}


class _Collector(HTMLParser):
    """Every start tag with its attributes, plus the text of <title> and the lang."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.raw_tags: list[str] = []
        self.text: list[str] = []
        self.title = ""
        self._in_title = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        self.raw_tags.append(self.get_starttag_text() or "")
        self._in_title = tag == "title"

    def handle_endtag(self, tag: str) -> None:
        if tag == "title":
            self._in_title = False

    def handle_data(self, data: str) -> None:
        self.text.append(data)
        if self._in_title:
            self.title += data


def parse(html: str) -> _Collector:
    collector = _Collector()
    collector.feed(html)
    collector.close()
    return collector


def _first(pattern: str, text: str) -> str | None:
    match = re.search(pattern, text, flags=re.IGNORECASE)
    return None if match is None else text[max(0, match.start() - 80) : match.end() + 80]


def assert_email_safe(html: str, *, trusted_text: bool = False) -> None:
    """Fail on anything forbidden, checked by patterns and by parsing the tags.

    With ``trusted_text`` (samples without planted markup) every pattern is also
    searched in the whole output, text included.
    """
    for what, pattern in FORBIDDEN_OPENERS.items():
        assert _first(pattern, html) is None, f"{what}: {_first(pattern, html)!r}"
    # One style block only, the dark-mode @media rule: no url(), no @import, nothing else.
    assert len(re.findall(r"<style", html, flags=re.IGNORECASE)) == 1
    dark = DARK_BLOCK.search(html)
    assert dark is not None, "the dark-mode block"
    assert not re.search(r"url\(|@import|expression|behavior|javascript:", dark.group(1), re.I)
    doc = parse(html)
    for raw in doc.raw_tags:
        for what, pattern in FORBIDDEN_IN_TAGS.items():
            assert _first(pattern, raw) is None, f"{what} in tag {raw!r}"
    if trusted_text:
        for what, pattern in FORBIDDEN_IN_TAGS.items():
            assert _first(pattern, html) is None, f"{what}: {_first(pattern, html)!r}"
    for tag, attrs in doc.tags:
        assert tag not in FORBIDDEN_TAGS, tag
        for name, value in attrs.items():
            assert not name.startswith("on"), (tag, name)
            if name in URL_ATTRIBUTES:
                assert value is not None and http_url(value) == value, (tag, name, value)
            if name == "style" and value:
                assert not re.search(r"display\s*:\s*(flex|grid)", value), value


def render(brief: Brief) -> str:
    return render_email_html(brief, make_environment())


@pytest.fixture(scope="module")
def brief50() -> Brief:
    return make_brief(50)


@pytest.fixture(scope="module")
def html50(brief50: Brief) -> str:
    return render(brief50)


def test_email_is_under_100_kb_at_50_articles(html50: str) -> None:
    assert len(html50.encode("utf-8")) < 100_000


def test_email_css_is_inlined_but_the_dark_mode_rules(html50: str) -> None:
    assert "<link" not in html50.lower()
    dark = DARK_BLOCK.search(html50)
    assert dark is not None and html50.lower().count("<style") == 1
    # Within the first 1024 bytes, where a browser looks for it, whatever the block holds.
    assert html50.encode("utf-8").index(b'<meta charset="utf-8">') < 1024
    # The classes the dark rules select are kept; no other class name is left.
    selected = set(re.findall(r"\.([a-z][a-z-]*)", dark.group(1)))
    used = {name for attrs in (a for _, a in parse(html50).tags) if attrs.get("class")
            for name in (attrs["class"] or "").split()}
    assert used and used <= selected | {"preheader"}
    tags = parse(html50).tags
    styled = [tag for tag, attrs in tags if attrs.get("style")]
    assert len(styled) > 100
    # Bullet lists carry the font; their items only their spacing (inherited, fewer bytes).
    ul_styles = [attrs["style"] for tag, attrs in tags if tag == "ul"]
    assert ul_styles and all(style and "font-size" in style for style in ul_styles)
    li_styles = [attrs["style"] for tag, attrs in tags if tag == "li"]
    assert li_styles and all(style and "margin" in style for style in li_styles)


def test_email_layout_is_a_centred_600px_presentation_table(html50: str) -> None:
    tables = [attrs for tag, attrs in parse(html50).tags if tag == "table"]
    assert tables and all(attrs.get("role") == "presentation" for attrs in tables)
    container = [attrs for attrs in tables if attrs.get("width") == "600"]
    assert len(container) == 1
    assert "width:600px" in (container[0]["style"] or "").replace(" ", "")
    assert container[0].get("align") == "center"


def test_email_head_has_lang_charset_viewport_and_title(html50: str, brief50: Brief) -> None:
    doc = parse(html50)
    html_tag = next(attrs for tag, attrs in doc.tags if tag == "html")
    assert html_tag["lang"] == "en"
    metas = [attrs for tag, attrs in doc.tags if tag == "meta"]
    assert any((attrs.get("charset") or "").lower() == "utf-8" for attrs in metas)
    assert any(attrs.get("name") == "viewport" for attrs in metas)
    assert doc.title.startswith(brief50.title)
    assert "4 March 2025" in doc.title


def test_email_has_a_hidden_preheader_with_the_first_top_line(html50: str, brief50: Brief) -> None:
    match = re.search(r'<div class="preheader" style="([^"]*)">([^<]*)</div>', html50)
    assert match is not None
    style = match.group(1).replace(" ", "")
    for rule in ("display:none", "max-height:0", "overflow:hidden", "mso-hide:all"):
        assert rule in style
    assert match.group(2).startswith(brief50.top_lines[0].text[:40])


def test_preheader_without_top_lines_names_the_first_stories() -> None:
    brief = make_brief(5, with_top_lines=False)
    html = render(brief)
    headline = brief.stories[0].headline.replace("'", "&#39;")
    assert re.search(r'class="preheader"[^>]*>' + re.escape(headline), html)
    assert brief.coverage not in re.search(r'class="preheader"[^>]*>([^<]*)', html).group(1)  # type: ignore[union-attr]
    assert "Top lines" not in html


def test_email_shows_title_block_stories_citations_and_sources(html50: str, brief50: Brief) -> None:
    assert brief50.title in html50
    assert brief50.coverage in html50
    assert "Tuesday, 4 March 2025" in html50
    for note in brief50.notes:
        assert note in html50
    assert "Top lines" in html50
    for story in brief50.stories:
        assert story.headline.replace("'", "&#39;") in html50
        for note in story.notes:
            assert note in html50
    linked = [s for s in brief50.sources if s.url]
    for source in linked:
        href = source.url.replace("&", "&amp;")  # type: ignore[union-attr]
        assert f'href="{href}"' in html50
    for source in brief50.sources:
        if not source.url:  # a local file: its title, plain, and never a path
            assert f"{source.title}</span>" in html50.replace("&#39;", "'")
    assert "/srv/" not in html50
    # A citation without a URL stays as plain text.
    assert re.search(r"<span[^>]*>\[9\]</span>", html50)


def test_fallback_and_unverified_bullets_are_marked(html50: str, brief50: Brief) -> None:
    fallback = sum(
        1 for s in brief50.stories for b in s.bullets if b.origin == "extractive-fallback"
    )
    assert fallback > 0
    assert html50.count("(offline summary)") >= fallback
    assert "(unverified)" in html50


def test_email_has_nothing_forbidden(html50: str) -> None:
    assert_email_safe(html50, trusted_text=True)


def test_hostile_text_is_escaped_and_dangerous_urls_never_link() -> None:
    brief = make_brief(12, hostile=True)
    html = render(brief)
    assert_email_safe(html)
    doc = parse(html)
    text = "".join(doc.text)
    # The markup survives as visible text, exactly as written...
    assert HOSTILE_TITLE in text
    assert brief.title in doc.title
    assert '<i onclick="evil()">x</i>' in text
    # ...and never as markup.
    assert "&lt;script&gt;alert('x')&lt;/script&gt;" in html
    assert not any(tag in {"b", "i", "script"} for tag, _ in doc.tags)
    hrefs = {attrs["href"] for tag, attrs in doc.tags if tag == "a"}
    assert hrefs and all(href and href.startswith(("http://", "https://")) for href in hrefs)
