"""The Jinja environment: loader order, escaping, strictness, filters."""

from __future__ import annotations

from pathlib import Path

import jinja2
import pytest

from briefing.errors import TemplateError
from briefing.render.environment import (
    cite_marks,
    http_url,
    make_environment,
    render_template,
    url_host,
    wrap_text,
)
from briefing.resources import templates_dir

BUNDLED = (
    "email.html.j2",
    "brief.txt.j2",
    "brief.pdf.html.j2",
    "assets/email.css",
    "assets/brief.pdf.css",
)


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://example.com/a?b=1&c=2", "https://example.com/a?b=1&c=2"),
        ("http://example.com", "http://example.com"),
        ("HTTPS://EXAMPLE.COM/x", "HTTPS://EXAMPLE.COM/x"),
        ("javascript:alert(1)", None),
        ("JavaScript:alert(1)", None),
        (" javascript:alert(1)", None),
        ("java\tscript:alert(1)", None),
        ("https://example.com/\nx", None),
        ("data:text/html;base64,AAAA", None),
        ("file:///etc/passwd", None),
        ("ftp://example.com/file", None),
        ("//example.com/no-scheme", None),
        ("/relative/path", None),
        ("https:///no-host", None),
        ("http://[::1", None),  # urlsplit raises ValueError
        ("", None),
        (None, None),
    ],
)
def test_http_url_lets_only_absolute_http_urls_through(
    url: str | None, expected: str | None
) -> None:
    assert http_url(url) == expected


def test_url_host_and_cite_marks() -> None:
    assert url_host("https://www.example.com/a") == "example.com"
    assert url_host("javascript:alert(1)") == ""
    assert cite_marks((1, 3)) == "[1][3]"


def test_wrap_text_indents_and_never_splits_urls() -> None:
    url = "https://example.com/" + "x" * 100
    text = "word " * 30 + url
    wrapped = wrap_text(text, initial="  - ", subsequent="    ")
    lines = wrapped.splitlines()
    assert lines[0].startswith("  - word")
    assert all(line.startswith("    ") for line in lines[1:])
    assert url in lines[-1]
    assert all(len(line) <= 78 for line in lines if url not in line)


def test_bundled_templates_are_all_present() -> None:
    for name in BUNDLED:
        assert (templates_dir() / name).is_file(), name


def test_html_templates_autoescape_and_text_templates_do_not(tmp_path: Path) -> None:
    (tmp_path / "probe.html.j2").write_text("{{ value }}", encoding="utf-8")
    (tmp_path / "probe.txt.j2").write_text("{{ value }}", encoding="utf-8")
    (tmp_path / "probe.unknown").write_text("{{ value }}", encoding="utf-8")
    env = make_environment([tmp_path])
    value = {"value": "<b>&\"'"}
    assert render_template(env, "probe.html.j2", value) == "&lt;b&gt;&amp;&#34;&#39;"
    assert render_template(env, "probe.txt.j2", value) == "<b>&\"'"
    # Anything not declared plain text is escaped: forgetting is safe.
    assert render_template(env, "probe.unknown", value) == "&lt;b&gt;&amp;&#34;&#39;"


def test_user_templates_come_before_bundled_ones(tmp_path: Path) -> None:
    (tmp_path / "brief.txt.j2").write_text("custom {{ brief.title }}", encoding="utf-8")
    env = make_environment([tmp_path])
    assert render_template(env, "brief.txt.j2", {"brief": {"title": "T"}}) == "custom T"
    # Templates the user did not override still come from the bundle.
    assert env.loader is not None
    _, filename, _ = env.loader.get_source(env, "email.html.j2")
    assert filename is not None
    assert Path(filename).is_relative_to(templates_dir())


def test_environment_is_strict() -> None:
    env = make_environment()
    assert env.undefined is jinja2.StrictUndefined


def test_missing_variable_raises_template_error_naming_the_template(tmp_path: Path) -> None:
    (tmp_path / "broken.html.j2").write_text("{{ brief.nope }}", encoding="utf-8")
    env = make_environment([tmp_path])
    with pytest.raises(TemplateError, match=r"broken\.html\.j2.*'brief' is undefined"):
        render_template(env, "broken.html.j2", {})


def test_missing_template_raises_template_error() -> None:
    with pytest.raises(TemplateError, match=r"template nowhere\.html\.j2 not found"):
        render_template(make_environment(), "nowhere.html.j2", {})


def test_missing_include_names_both_templates(tmp_path: Path) -> None:
    (tmp_path / "outer.html.j2").write_text('{% include "inner.html.j2" %}', encoding="utf-8")
    with pytest.raises(TemplateError, match=r"inner\.html\.j2 not found \(included from outer"):
        render_template(make_environment([tmp_path]), "outer.html.j2", {})


def test_syntax_error_names_template_and_line(tmp_path: Path) -> None:
    (tmp_path / "bad.html.j2").write_text("ok\n{% if %}", encoding="utf-8")
    with pytest.raises(TemplateError, match=r"bad\.html\.j2, line 2"):
        render_template(make_environment([tmp_path]), "bad.html.j2", {})


def test_missing_templates_folder_is_reported(tmp_path: Path) -> None:
    with pytest.raises(TemplateError, match="templates folder not found"):
        make_environment([tmp_path / "absent"])
