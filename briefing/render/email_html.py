"""brief.html: the HTML part of the email, with its CSS inlined; and the email's Subject.

Gmail and Outlook drop or mangle ``<style>`` blocks, so the template's CSS is
copied into ``style=""`` attributes by css_inline. Only the at-rules stay in a
``<style>`` block (css_inline's ``keep_at_rules``): the dark-mode colours
(``@media (prefers-color-scheme: dark)``), which clients that honour them
(Apple Mail, Outlook for Mac, iOS and the web) apply over the inline styles with
``!important``. Class names are removed afterwards, except those the kept rules
select: every other one styles nothing once inlined and only costs bytes.

The Subject line comes from its own template (``email_subject.txt.j2``), the
inbox preview (the hidden preheader) from ``parts/preheader.html.j2``.
"""

from __future__ import annotations

import re

import css_inline
import jinja2

from briefing.brief import Brief
from briefing.errors import RenderError
from briefing.render.context import ReaderLinks, template_context
from briefing.render.environment import long_date, render_template

EMAIL_TEMPLATE = "email.html.j2"
SUBJECT_TEMPLATE = "email_subject.txt.j2"

# Remote stylesheets are never loaded: inlining must not touch the network, and a
# <link> left in a user's template is dropped rather than fetched.
_INLINER = css_inline.CSSInliner(
    keep_style_tags=False,
    keep_link_tags=False,
    keep_at_rules=True,
    load_remote_stylesheets=False,
    # Compact style attributes: the email must stay well under 100 KB (Gmail clips
    # longer messages behind a "View entire message" link).
    minify_css=True,
)

# A class attribute inside a tag (text never holds a raw "<", so this cannot reach it).
_CLASS_ATTRIBUTE = re.compile(r'(<[a-zA-Z][^<>]*?)\s+class="([^"]*)"')
_STYLE_BLOCK = re.compile(r"<style\b[^>]*>(.*?)</style>", re.DOTALL | re.IGNORECASE)
_CLASS_SELECTOR = re.compile(r"\.(-?[_a-zA-Z][_a-zA-Z0-9-]*)")
#: Always kept: the preheader's class names the one element a reader never sees.
_KEEP_ALWAYS = frozenset({"preheader"})


def render_email_html(
    brief: Brief, env: jinja2.Environment, links: ReaderLinks | None = None
) -> str:
    """The email-ready HTML for ``brief``: CSS inlined, unused class names dropped.

    ``links`` (default: none) are the absolute links a reader in an inbox can follow.
    """
    context = template_context(brief, links or ReaderLinks())
    html = _style_last_in_head(inline_css(render_template(env, EMAIL_TEMPLATE, context)))
    selected = {name for block in _STYLE_BLOCK.findall(html)
                for name in _CLASS_SELECTOR.findall(block)} | _KEEP_ALWAYS
    return _CLASS_ATTRIBUTE.sub(lambda match: _keep_classes(match, selected), html)


def render_subject(brief: Brief, env: jinja2.Environment) -> str:
    """The Subject line: ``email_subject.txt.j2`` on one line, never empty."""
    text = render_template(env, SUBJECT_TEMPLATE, template_context(brief, ReaderLinks()))
    # One line, whatever the template or a headline holds: a header cannot carry a
    # line break (it would start a new header).
    subject = " ".join(text.split())
    return subject or f"{brief.title} · {long_date(brief.generated_at)}"


def inline_css(html: str) -> str:
    try:
        return _INLINER.inline(html)
    except (css_inline.InlineError, ValueError) as error:
        raise RenderError(f"{EMAIL_TEMPLATE}: could not inline its CSS: {error}") from error


def _style_last_in_head(html: str) -> str:
    """css_inline puts the kept block first in <head>; after the metadata instead, so
    ``<meta charset>`` stays within the first 1024 bytes, where browsers look for it."""
    blocks = [match.group(0) for match in _STYLE_BLOCK.finditer(html)]
    if not blocks or "</head>" not in html:
        return html
    html = _STYLE_BLOCK.sub("", html)
    return html.replace("</head>", "".join(blocks) + "\n</head>", 1)


def _keep_classes(match: re.Match[str], selected: set[str]) -> str:
    kept = [name for name in match.group(2).split() if name in selected]
    return f'{match.group(1)} class="{" ".join(kept)}"' if kept else match.group(1)
