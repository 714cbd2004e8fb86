"""What a reader sees in the sent email (aiosmtpd on loopback): every citation links its
article, a Subject and a preview that tell the news, a visible unsubscribe link, styled
"Also noted" links, and the source list kept."""

from __future__ import annotations

import re
from dataclasses import replace
from html.parser import HTMLParser
from pathlib import Path

import pytest
from render_samples import make_brief

from briefing.brief import AlsoNoted, Brief
from briefing.config import load_config
from briefing.deliver import send_brief
from briefing.render.email_html import render_email_html, render_subject
from briefing.render.environment import make_environment
from briefing.storage import open_storage

from .conftest import MailServer, Received, SetupFactory, record, write_config

UNSUBSCRIBE = ("https://news.example/unsubscribe?list=morning&u=0123456789abcdef"
               "0123456789abcdef0123456789abcdef")


class _Bullets(HTMLParser):
    """Each <li>: its text before the citations, and the citation markers with their links."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.items: list[tuple[str, list[tuple[str, str | None]]]] = []
        self._text: list[str] | None = None
        self._cites: list[tuple[str, str | None]] = []
        self._in_cites = 0
        self._href: str | None = None
        self._styles: list[str] = []
        self.link_styles: dict[str, str] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if tag == "li":
            self._text, self._cites = [], []
        elif tag == "span" and "cites" in (attributes.get("class") or ""):
            self._in_cites = 1
        elif tag == "span" and self._in_cites:
            self._in_cites += 1
        elif tag == "a":
            self._href = attributes.get("href")
            if self._href:
                self.link_styles[self._href] = attributes.get("style") or ""

    def handle_endtag(self, tag: str) -> None:
        if tag == "li" and self._text is not None:
            self.items.append(("".join(self._text).strip(), self._cites))
            self._text = None
        elif tag == "span" and self._in_cites:
            self._in_cites -= 1
        elif tag == "a":
            self._href = None

    def handle_data(self, data: str) -> None:
        if self._in_cites:
            for marker in re.findall(r"\[(\d+)\]", data):
                self._cites.append((marker, self._href))
        elif self._text is not None:
            self._text.append(data)


def bullets(html: str) -> _Bullets:
    parser = _Bullets()
    parser.feed(html)
    parser.close()
    return parser


def sent_parts(server: MailServer) -> tuple[str, str, Received]:
    item = server.received[0]
    message = item.message
    html, text = message.get_body(("html",)), message.get_body(("plain",))
    assert html is not None and text is not None
    return str(html.get_content()), str(text.get_content()), item


def test_every_citation_links_its_article_and_the_source_list_stays(
    mail_server: MailServer, setup: SetupFactory
) -> None:
    s = setup(mail_server, recipients=("ada@example.org",))
    send_brief(s.config, s.store, s.brief_id)
    html, text, _ = sent_parts(mail_server)
    by_number = {source.number: source for source in s.brief.sources}
    shown = bullets(html)
    expected = [*s.brief.top_lines, *(b for story in s.brief.stories for b in story.bullets)]
    cited = [item for item in shown.items if item[1]]
    assert len(cited) == len(expected)
    for (_, markers), bullet in zip(cited, expected, strict=True):
        assert [int(number) for number, _ in markers] == list(bullet.sources)
        for number, href in markers:
            # A marker links to its article; one without a web address stays plain text.
            assert href == by_number[int(number)].url
    assert any(href is None for _, markers in cited for _, href in markers)  # a local file
    # The numbered source list is still there, each linked original included...
    assert "Sources" in html
    for source in s.brief.sources:
        assert source.title.replace("'", "&#39;") in html or source.title in html
    # ...and in the text part, each number with its URL.
    plain = text.replace("\r\n", "\n")
    for source in s.brief.sources:
        assert f"[{source.number}] " in plain
        if source.url:
            assert re.search(rf"\[{source.number}\] [^\n]*\n(?:    [^\n]*\n)*?    "
                             rf"{re.escape(source.url)}\n", plain)


def test_the_subject_and_the_preview_tell_the_news(
    mail_server: MailServer, setup: SetupFactory
) -> None:
    s = setup(mail_server, recipients=("ada@example.org",))
    send_brief(s.config, s.store, s.brief_id)
    html, _, item = sent_parts(mail_server)
    top, more = s.brief.stories[0].headline, len(s.brief.stories) - 1
    assert item.message["Subject"] == f"Morning Brief: {top}, and {more} more"
    preview = re.search(r'<div class="preheader"[^>]*>([^<]*)</div>', html)
    assert preview is not None
    first_line = s.brief.top_lines[0].text.replace("'", "&#39;")
    assert preview.group(1).startswith(first_line[:60])
    assert "articles from" not in preview.group(1)  # not the coverage line


def test_subject_for_one_story_none_and_a_users_own_template(tmp_path: Path) -> None:
    env = make_environment()
    brief = make_brief(12)
    one = replace(brief, stories=brief.stories[:1])
    assert render_subject(one, env) == f"Morning Brief: {one.stories[0].headline}"
    noted = AlsoNoted("x", "Harbour reopens", ("Ledger",), 2)
    empty = replace(brief, stories=(), also_noted=(noted,))
    assert render_subject(empty, env) == "Morning Brief: Harbour reopens"
    # A headline cannot smuggle a header in: the Subject is always one line.
    sneaky = replace(brief, stories=(replace(brief.stories[0], headline="A\r\nBcc: x@evil"),))
    assert "\n" not in render_subject(sneaky, env) and "\r" not in render_subject(sneaky, env)
    templates = tmp_path / "templates"
    templates.mkdir()
    (templates / "email_subject.txt.j2").write_text("{{ brief.title }} for {{ date_long }}\n")
    assert render_subject(brief, make_environment([templates])) == (
        "Morning Brief for Tuesday, 4 March 2025")
    (templates / "email_subject.txt.j2").write_text("{# nothing #}")
    assert render_subject(brief, make_environment([templates])) == (
        "Morning Brief · Tuesday, 4 March 2025")  # never empty


@pytest.mark.parametrize(
    ("smtp", "link"),
    [
        ({}, UNSUBSCRIBE),
        ({"list_unsubscribe_url": None}, "mailto:unsubscribe@news.example?subject=unsubscribe"),
        ({"list_unsubscribe_url": None, "list_unsubscribe_mailto": None}, None),
    ],
)
def test_a_visible_unsubscribe_link_when_list_unsubscribe_is_set(
    mail_server: MailServer, rendered_brief: tuple[Brief, Path], tmp_path: Path,
    smtp: dict[str, object], link: str | None,
) -> None:
    from briefing.render import reader_links

    settings = {key: value for key, value in smtp.items() if value is not None}
    path = write_config(tmp_path, mail_server, recipients=("ada@example.org",), **settings)
    if smtp:  # drop the keys set to None from the written config
        text = path.read_text()
        for key, value in smtp.items():
            if value is None:
                text = "\n".join(line for line in text.splitlines()
                                 if not line.startswith(f"{key} ="))
        path.write_text(text + "\n")
    config = load_config(path)
    with open_storage(config.paths.store) as store:
        brief_id, _ = record(store, *rendered_brief, config.paths.out, reader_links(config))
        send_brief(config, store, brief_id)
    html, plain, item = sent_parts(mail_server)
    hrefs = bullets(html).link_styles
    if link is None:
        assert "Unsubscribe" not in html and "List-Unsubscribe" not in str(item.message)
        return
    assert link in hrefs and ">Unsubscribe</a>" in html
    assert f"Unsubscribe: {link}" in plain.replace("\r\n", "\n")
    assert item.message["List-Unsubscribe"]  # the header too


def test_also_noted_links_are_styled(tmp_path: Path) -> None:
    brief = make_brief(12)
    noted = (AlsoNoted("n1", "Harbour reopens after storm", ("Ledger",), 3,
                       "https://ledger.example/harbour"),)
    html = render_email_html(replace(brief, also_noted=noted), make_environment())
    style = bullets(html).link_styles["https://ledger.example/harbour"]
    assert "color:#" in style.replace(" ", "") and "font-weight:bold" in style.replace(" ", "")
