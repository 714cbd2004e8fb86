"""Small HTML helpers: feed snippets to plain text, and a page's canonical link.

Feed entries carry HTML fragments (often escaped twice, full of entities); the
rest of the pipeline wants plain paragraphs. The standard library's parser is
enough here and never raises on broken markup.
"""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser

_BLOCK_TAGS = frozenset(
    {
        "p", "div", "br", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote",
        "pre", "table", "tr", "section", "article", "header", "footer", "figure", "figcaption",
        "hr", "dd", "dt",
    }
)
#: Elements whose content is never text a reader sees.
_SKIPPED_TAGS = frozenset({"script", "style", "template", "noscript", "iframe", "object", "svg"})
_LOOKS_LIKE_MARKUP = re.compile(r"<[a-zA-Z/!][^>]*>|&[#a-zA-Z0-9]+;")


class _TextParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIPPED_TAGS:
            self._skipping += 1
        elif tag in _BLOCK_TAGS:
            self.parts.append("\n")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _BLOCK_TAGS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIPPED_TAGS:
            self._skipping = max(0, self._skipping - 1)
        elif tag in _BLOCK_TAGS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self._skipping:
            self.parts.append(data)


def html_to_text(fragment: str) -> str:
    """Plain text of an HTML fragment: one paragraph per line, entities decoded."""
    if not _LOOKS_LIKE_MARKUP.search(fragment):
        return _tidy(fragment)
    parser = _TextParser()
    parser.feed(fragment)
    parser.close()
    text = "".join(parser.parts)
    # Feeds that escape their HTML twice leave "&amp;eacute;" behind after one pass.
    if re.search(r"&(#\d+|#x[0-9a-fA-F]+|[a-zA-Z]{2,8});", text):
        text = html.unescape(text)
    return _tidy(text)


def _tidy(text: str) -> str:
    lines = (" ".join(line.split()) for line in text.replace("\xa0", " ").splitlines())
    return "\n".join(line for line in lines if line)


class _CanonicalParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.canonical: str | None = None
        self.done = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self.done:
            return
        if tag == "body":
            self.done = True
        elif tag == "link" and self.canonical is None:
            values = dict(attrs)
            rels = (values.get("rel") or "").lower().split()
            if "canonical" in rels and values.get("href"):
                self.canonical = (values.get("href") or "").strip()
                self.done = True


def canonical_link(page: str) -> str | None:
    """The href of the page's ``<link rel="canonical">`` as written (maybe relative)."""
    parser = _CanonicalParser()
    # The link lives in <head>; feed the page in pieces and stop at <body>.
    for start in range(0, min(len(page), 256_000), 16_384):
        parser.feed(page[start : start + 16_384])
        if parser.done:
            break
    return parser.canonical
