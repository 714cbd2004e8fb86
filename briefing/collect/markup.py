"""Small HTML helpers: feed snippets to plain text, and a page's canonical link.

Feed entries carry HTML fragments (often escaped twice, full of entities); the
rest of the pipeline wants plain paragraphs, which ``briefing.normalize`` makes.
The standard library's parser is enough here and never raises on broken markup.
"""

from __future__ import annotations

from html.parser import HTMLParser

from briefing.normalize import markup_to_text, normalize_text


def html_to_text(fragment: str) -> str:
    """Plain text of an HTML fragment: one paragraph per line, entities decoded, normalised."""
    return normalize_text(markup_to_text(fragment) if "<" in fragment else fragment)


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
