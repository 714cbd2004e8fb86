"""index.html in a brief's folder: the whole brief as a web page, for the archive.

It is rendered with the brief's other files and published with them, from the
same template parts as the email and the PDF (``templates/parts/brief.html.j2``),
so the archive shows every section a reader of the email sees.
"""

from __future__ import annotations

from collections.abc import Sequence

import jinja2

from briefing.brief import Brief
from briefing.render.context import template_context
from briefing.render.environment import render_template

PAGE_TEMPLATE = "archive/brief_page.html.j2"
PAGE_FILE = "index.html"
#: (label, file name) of the brief's files, as the page links them.
FILE_LINKS = (("PDF", "brief.pdf"), ("Email HTML", "brief.html"), ("Text", "brief.txt"),
              ("Markdown", "brief.md"), ("JSON", "brief.json"))


def render_page_html(brief: Brief, env: jinja2.Environment,
                     files: Sequence[tuple[str, str]] = FILE_LINKS) -> str:
    """The archive page of ``brief``; it lives at ``<out>/<profile>/<slug>/index.html``.

    ``files``: the (label, file name) links it shows (a brief made before brief.md
    existed has no Markdown file to link).
    """
    context = {**template_context(brief), "root": "../../", "files": tuple(files)}
    return render_template(env, PAGE_TEMPLATE, context)
