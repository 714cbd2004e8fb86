"""The one Jinja2 environment every report template renders through.

The loader tries the user's template folders first, then the bundled
``templates/`` folder, so a user can override any single template (or the CSS
it includes) without copying the rest. Templates are escaped by default: only
a template explicitly named as plain text (``*.txt.j2``) renders raw, so a new
HTML template can never forget to escape an article title.
"""

from __future__ import annotations

import textwrap
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import jinja2

from briefing.errors import TemplateError
from briefing.netaddr import is_public_http_url
from briefing.render.template_cache import template_bytecode_cache
from briefing.resources import templates_dir

#: Suffixes of templates rendered without HTML escaping (the text/plain email part).
PLAIN_TEXT_SUFFIXES = (".txt", ".txt.j2")
#: The only URL schemes any output may link to.
LINK_SCHEMES = frozenset({"http", "https"})
TEXT_WIDTH = 78


def make_environment(template_dirs: Sequence[Path] = ()) -> jinja2.Environment:
    """An environment searching ``template_dirs`` in order, then the bundled templates."""
    for folder in template_dirs:
        if not Path(folder).is_dir():
            raise TemplateError(f"{folder}: templates folder not found")
    search = [*(Path(folder) for folder in template_dirs), templates_dir()]
    loader = jinja2.ChoiceLoader([jinja2.FileSystemLoader(str(folder)) for folder in search])
    env = jinja2.Environment(
        loader=loader,
        autoescape=_autoescape,
        # A typo in a template must fail the build, not print an empty string.
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        auto_reload=False,
        bytecode_cache=template_bytecode_cache(),
    )
    env.filters.update(
        http_url=public_http_url,
        wrap=wrap_text,
        cite_marks=cite_marks,
        host=url_host,
        long_date=long_date,
        short_date=short_date,
        generated_line=generated_line,
    )
    return env


def render_template(
    env: jinja2.Environment, name: str, context: Mapping[str, Any], *, kind: str = "template"
) -> str:
    """Render template ``name``; Jinja's errors become ``TemplateError`` naming it.

    ``kind`` names what it is in messages ("prompt template" for the LLM's prompts).
    """
    try:
        return env.get_template(name).render(context)
    except jinja2.TemplateNotFound as error:
        missing = error.name if isinstance(error.name, str) else name
        where = "" if missing == name else f" (included from {name})"
        raise TemplateError(f"{kind} {missing} not found{where}") from error
    except jinja2.TemplateSyntaxError as error:
        raise TemplateError(
            f"{kind} {error.name or name}, line {error.lineno}: {error.message}"
        ) from error
    except jinja2.UndefinedError as error:
        raise TemplateError(f"{kind} {name}: missing variable ({error.message})") from error
    except jinja2.TemplateError as error:
        raise TemplateError(f"{kind} {name}: {error}") from error


def _autoescape(name: str | None) -> bool:
    return not (name or "").endswith(PLAIN_TEXT_SUFFIXES)


def http_url(url: str | None) -> str | None:
    """``url`` when it is an absolute http(s) URL, else None: nothing else may become a link."""
    if not url:
        return None
    # Whitespace or control characters inside a URL are how "java\tscript:" tricks
    # slip past naive checks; a real article URL never contains them.
    if any(ch.isspace() or ord(ch) < 0x20 or ord(ch) == 0x7F for ch in url):
        return None
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme.lower() not in LINK_SCHEMES or not parts.hostname:
        return None
    return url


def public_http_url(url: str | None) -> str | None:
    """The ``http_url`` filter: ``url`` when it may be a link (http(s), public address as
    written, ``briefing.netaddr``), else None: a feed's link to 169.254.169.254 is text."""
    safe = http_url(url)
    return safe if is_public_http_url(safe) else None


def url_host(url: str | None) -> str:
    """The host name of an http(s) URL without a leading ``www.``, or ``""``."""
    safe = http_url(url)
    if safe is None:
        return ""
    host = urlsplit(safe).hostname or ""
    return host.removeprefix("www.")


def cite_marks(numbers: Iterable[int]) -> str:
    """Citation marks for plain text: ``(1, 3)`` -> ``"[1][3]"``."""
    return "".join(f"[{number}]" for number in numbers)


def wrap_text(
    text: str, width: int = TEXT_WIDTH, initial: str = "", subsequent: str | None = None
) -> str:
    """Fill ``text`` to ``width`` columns with the given indents, never splitting a word or URL."""
    wrapper = textwrap.TextWrapper(
        width=width,
        initial_indent=initial,
        subsequent_indent=initial if subsequent is None else subsequent,
        break_long_words=False,  # a URL cut in two stops being clickable
        break_on_hyphens=False,
    )
    return wrapper.fill(" ".join(text.split())) or initial.rstrip()


def long_date(moment: datetime) -> str:
    """``"Monday, 3 March 2025"``, in the moment's own time zone (locale-independent)."""
    return f"{moment:%A}, {moment.day} {moment:%B %Y}"


def generated_line(moment: datetime) -> str:
    """``"Generated 1 December 2026, 07:00 CET"``: when a brief was made, for people."""
    zone = moment.tzname() or ""  # "CET", "BST"; a zone without a name gives "UTC+01:00"
    return f"Generated {moment.day} {moment:%B %Y}, {moment:%H:%M}" + (f" {zone}" if zone else "")


def short_date(moment: datetime) -> str:
    """``"3 Mar 2025"``."""
    return f"{moment.day} {moment:%b %Y}"


def template_source(env: jinja2.Environment, name: str) -> str:
    """The text of template ``name`` as the environment's loader finds it (a user's
    templates folder may replace a bundled template, its CSS or its script)."""
    assert env.loader is not None
    try:
        source, _, _ = env.loader.get_source(env, name)
    except jinja2.TemplateNotFound as error:
        raise TemplateError(f"template {name} not found") from error
    return source
