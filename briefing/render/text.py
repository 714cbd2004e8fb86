"""brief.txt: the plain-text brief, also the text/plain part of the email."""

from __future__ import annotations

import jinja2

from briefing.brief import Brief
from briefing.render.context import ReaderLinks, template_context
from briefing.render.environment import render_template

TEXT_TEMPLATE = "brief.txt.j2"


def render_text(brief: Brief, env: jinja2.Environment, links: ReaderLinks | None = None) -> str:
    """The plain-text brief, wrapped at about 78 columns (URLs are never split).

    ``links``: the absolute links a reader can follow (default: none).
    """
    text = render_template(env, TEXT_TEMPLATE, template_context(brief, links or ReaderLinks()))
    # Templates are easier to read with blank lines between blocks; collapse the
    # runs that loops and conditionals leave behind.
    lines = text.splitlines()
    out: list[str] = []
    for line in lines:
        line = line.rstrip()
        if line or (out and out[-1]):
            out.append(line)
    while out and not out[-1]:
        out.pop()
    return "\n".join(out) + "\n"
