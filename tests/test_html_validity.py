"""The W3C Nu HTML checker on what readers open: the archive without a single error,
the email with none but the email-client tricks listed here, each with its reason."""

from __future__ import annotations

import dataclasses
import re
from dataclasses import replace
from pathlib import Path

import pytest
from nu_checker import Message, check_html, errors
from render_samples import make_brief

from briefing.archive import update_archive
from briefing.brief import AlsoNoted, Brief, PreviousBrief
from briefing.config import Config, ProfileConfig
from briefing.deliver.content import email_content
from briefing.pipeline import build_brief
from briefing.render.email_budget import budgeted_email_html
from briefing.render.email_html import render_email_html
from briefing.render.environment import make_environment
from briefing.render.page import render_page_html

pytestmark = pytest.mark.slow

#: The Nu checker's errors the email HTML makes on purpose, and why. Email clients
#: are not browsers: Outlook on Windows lays mail out with Word's HTML engine, and
#: several webmail clients drop or rewrite CSS, so the layout leans on what they all
#: still honour.
EMAIL_CLIENT_TRICKS: dict[str, str] = {
    r"The “(width|height|cellpadding|cellspacing|border)” attribute on the “(table|td|th)” "
    r"element is obsolete\. Use CSS instead\.":
        "Outlook (Word's engine) ignores CSS widths, padding and spacing on tables: "
        "these attributes are the only sizes it keeps, so the 600 px column holds.",
    r"The “(align|valign)” attribute on the “(table|td|th)” element is obsolete\. "
    r"Use CSS instead\.":
        "centres the column where margin:auto is ignored (Outlook, older Gmail apps).",
    r"The “bgcolor” attribute on the “(table|td|th)” element is obsolete\. Use CSS instead\.":
        "backgrounds that survive clients which strip CSS backgrounds.",
    r"CSS: “mso-[a-z-]+”: Property “mso-[a-z-]+” doesn't exist\.":
        "Outlook's own properties (mso-hide hides the preheader, which Outlook would "
        "otherwise show at the top of the message).",
}


def _deliberate(message: Message) -> bool:
    return any(re.fullmatch(pattern, message.message) for pattern in EMAIL_CLIENT_TRICKS)


def _full_brief() -> Brief:
    """Every section a brief can have: notes, top lines, an update, also noted."""
    sample = make_brief(24)
    stories = list(sample.stories)
    stories[1] = replace(stories[1], is_update=True, previous_brief=PreviousBrief(
        brief_id=3, date="2025-03-03", slug="2025-03-03"))
    also = (
        AlsoNoted(story_id="x1", headline="Ferry timetable changes for the spring",
                  outlets=("Metro Daily",), article_count=1,
                  url="https://metrodaily.example/story/ferry"),
        AlsoNoted(story_id="x2", headline="Library extends opening hours",
                  outlets=("Valley Gazette", ""), article_count=2),
    )
    return replace(sample, stories=tuple(stories), also_noted=also, id=7, slug="2025-03-04")


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[Message]]:
    """Nu's messages about every document, by document name (one JVM for them all)."""
    work = tmp_path_factory.mktemp("nu")
    config = dataclasses.replace(
        _config(work), profiles={"other": ProfileConfig(name="other")},
    )
    built = build_brief(config, profile="default", engine="extractive")
    build_brief(config, profile="other", engine="extractive", title="Other Brief")
    update_archive(config)
    env = make_environment()
    full, hostile = _full_brief(), make_brief(12, hostile=True)
    mailed = email_content(built.brief, built.folder, config.smtp).html
    documents = {
        "email-built.html": mailed,
        "email-full.html": render_email_html(full, env),
        "email-budgeted.html": budgeted_email_html(full, env, budget=12_000).html,
        "email-hostile.html": render_email_html(hostile, env),
        "archive-index.html": (config.paths.out / "index.html").read_text("utf-8"),
        "archive-brief.html": (built.folder / "index.html").read_text("utf-8"),
        "archive-full.html": render_page_html(full, env),
        "archive-hostile.html": render_page_html(hostile, env),
    }
    paths = []
    for name, html in documents.items():
        path = work / name
        path.write_text(html, encoding="utf-8")
        paths.append(path)
    messages = check_html(paths)
    return {name: [m for m in messages if m.file == name] for name in documents}


def _config(work: Path) -> Config:
    from briefing.config import load_config

    return load_config(cwd=work)


@pytest.mark.parametrize("name", ["archive-index.html", "archive-brief.html",
                                  "archive-full.html", "archive-hostile.html"])
def test_archive_pages_have_no_error_at_all(
    report: dict[str, list[Message]], name: str
) -> None:
    assert [str(m) for m in errors(report[name])] == []


@pytest.mark.parametrize("name", ["email-built.html", "email-full.html",
                                  "email-budgeted.html", "email-hostile.html"])
def test_email_html_has_no_error_but_deliberate_email_client_tricks(
    report: dict[str, list[Message]], name: str
) -> None:
    unexplained = [str(m) for m in errors(report[name]) if not _deliberate(m)]
    assert unexplained == []


def test_the_list_of_tricks_is_not_a_blanket(report: dict[str, list[Message]]) -> None:
    """The email does use the tricks (the list explains real errors), and nothing in the
    list would excuse an error the archive pages could make."""
    email_errors = [m for name, ms in report.items() if name.startswith("email")
                    for m in errors(ms)]
    assert email_errors and all(_deliberate(m) for m in email_errors)
    assert not any("meta" in m.message for m in email_errors)  # content="" is required
    for made_up in ("Element “meta” is missing one or more of the following attributes: "
                    "“content”, “property”.",
                    "Character reference expands to a control character (U+0007).",
                    "Stray end tag “td”."):
        assert not _deliberate(Message("x", "error", made_up, 1, ""))
