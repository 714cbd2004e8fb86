"""brief.md: the brief as CommonMark, for wikis, Obsidian vaults and chat.

The template (``brief.md.j2``) renders through its own Jinja environment whose
``finalize`` escapes every value for Markdown, the way HTML templates autoescape:
a template cannot forget to escape an article title, so a title such as
``*[click](javascript:x)*`` shows as those characters, never as markup or a link.
What the helpers build on purpose (a link, a citation) is ``MarkdownText`` and
passes through as written.

Citations are links to the article they cite (``[[3]](https://...)`` reads as
``[3]``); a source without a web address (a local file) stays plain ``\\[3\\]``.
Only http(s) links to public addresses appear (the ``http_url`` filter).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from pathlib import Path

import jinja2

from briefing.brief import Brief, BriefBullet, BulletOrigin, SourceRef
from briefing.render.context import ReaderLinks, template_context
from briefing.render.environment import make_environment, public_http_url, render_template

MARKDOWN_TEMPLATE = "brief.md.j2"

#: Characters that can start inline markup anywhere in a line (CommonMark, plus the
#: GitHub and Obsidian extensions: ~ strikethrough, | tables, $ math), and an "&"
#: that would start an entity ("&amp;" must stay those five characters).
_INLINE_SPECIAL = re.compile(r"([\\`*_\[\]<>#~|$]|&(?=#?[A-Za-z0-9]+;))")
#: What makes a block of a line's start: a list item, a heading, a quote, a rule, a fence.
_BLOCK_START = re.compile(r"^(\s*)([-+>:]|\d+(?=[.)]))")
#: Link destinations take these percent-encoded: they would end or break the link.
_URL_UNSAFE = {"(": "%28", ")": "%29", "<": "%3C", ">": "%3E", "\\": "%5C", " ": "%20"}


class MarkdownText(str):
    """Markdown made on purpose by a helper: written as is, never escaped again."""

    __slots__ = ()


def escape_markdown(value: object) -> str:
    """``value`` as literal text in CommonMark: one line, every markup character escaped."""
    if isinstance(value, MarkdownText):
        return value
    if value is None:
        return ""
    text = " ".join(str(value).split())  # a newline in a title must not open a block
    text = _INLINE_SPECIAL.sub(r"\\\1", text)
    return _BLOCK_START.sub(lambda m: f"{m.group(1)}\\{m.group(2)}" if not m.group(2)[0]
                            .isdigit() else f"{m.group(1)}{m.group(2)}\\", text)


def markdown_url(url: str | None) -> str | None:
    """A link destination for ``url`` when it may be linked (http(s), public), else None."""
    safe = public_http_url(url)
    if safe is None:
        return None
    return "".join(_URL_UNSAFE.get(ch, ch) for ch in safe)


def markdown_link(text: object, url: str | None) -> MarkdownText:
    """``[text](url)``, or the escaped text alone when ``url`` may not be linked."""
    destination = markdown_url(url)
    label = escape_markdown(text)
    return MarkdownText(f"[{label}]({destination})" if destination else label)


def make_markdown_environment(template_dirs: Sequence[Path] = ()) -> jinja2.Environment:
    """The report environment (same loader and filters), escaping for Markdown."""
    env = make_environment(template_dirs)
    env.autoescape = False
    env.finalize = escape_markdown
    env.filters.update(md_link=markdown_link)
    return env


def render_markdown(brief: Brief, template_dirs: Sequence[Path] = (),
                    links: ReaderLinks | None = None) -> str:
    """brief.md for ``brief``: CommonMark with linked citations and a sources list."""
    env = make_markdown_environment(template_dirs)
    context = template_context(brief, links or ReaderLinks())
    sources = context["sources"]

    def cites(numbers: Iterable[int]) -> MarkdownText:
        return MarkdownText(" ".join(_cite(number, sources.get(number)) for number in numbers))

    text = render_template(env, MARKDOWN_TEMPLATE, {**context, "cites": cites, "marks": marks})
    return _tidy(text)


def marks(bullet: BriefBullet) -> MarkdownText:
    """What a reader is told about a bullet: written offline, or not checked."""
    notes = []
    if bullet.origin == BulletOrigin.EXTRACTIVE_FALLBACK:
        notes.append(" *(offline summary)*")
    if not bullet.verified:
        notes.append(" *(unverified)*")
    return MarkdownText("".join(notes))


def _cite(number: int, source: SourceRef | None) -> str:
    destination = markdown_url(source.url) if source is not None else None
    return f"[\\[{number}\\]]({destination})" if destination else f"\\[{number}\\]"


def _tidy(text: str) -> str:
    # Loops and conditionals leave runs of blank lines; Markdown needs at most one.
    out: list[str] = []
    for line in text.splitlines():
        line = line.rstrip()
        if line or (out and out[-1]):
            out.append(line)
    while out and not out[-1]:
        out.pop()
    return "\n".join(out) + "\n"


