"""brief.html: the HTML part of the email, with every CSS rule inlined.

Gmail and Outlook drop or mangle ``<style>`` blocks, so the template's CSS is
copied into ``style=""`` attributes by css_inline and the block removed.
"""

from __future__ import annotations

import re

import css_inline
import jinja2

from briefing.brief import Brief
from briefing.errors import RenderError
from briefing.render.context import template_context
from briefing.render.environment import render_template

EMAIL_TEMPLATE = "email.html.j2"

# Remote stylesheets are never loaded: inlining must not touch the network, and a
# <link> left in a user's template is dropped rather than fetched.
_INLINER = css_inline.CSSInliner(
    keep_style_tags=False,
    keep_link_tags=False,
    load_remote_stylesheets=False,
    # Compact style attributes: the email must stay well under 100 KB (Gmail clips
    # longer messages behind a "View entire message" link).
    minify_css=True,
)


# A class attribute inside a tag (text never holds a raw "<", so this cannot reach it).
# The preheader keeps its class: it names the one element a reader never sees.
_CLASS_ATTRIBUTE = re.compile(r'(<[a-zA-Z][^<>]*?)\s+class="(?!preheader")[^"]*"')


def render_email_html(brief: Brief, env: jinja2.Environment) -> str:
    """The email-ready HTML for ``brief``, CSS inlined and class names dropped."""
    html = render_template(env, EMAIL_TEMPLATE, template_context(brief))
    # Once inlined, class names style nothing; they only cost bytes under the clip limit.
    return _CLASS_ATTRIBUTE.sub(r"\1", inline_css(html))


def inline_css(html: str) -> str:
    try:
        return _INLINER.inline(html)
    except (css_inline.InlineError, ValueError) as error:
        raise RenderError(f"{EMAIL_TEMPLATE}: could not inline its CSS: {error}") from error
