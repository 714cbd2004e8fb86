"""A recorded brief as email content: Subject, text, HTML and PDF, from its own folder.

A brief is immutable once recorded, so what goes out under brief N is always
brief N: its text, HTML and PDF from its own folder, its Subject from its own
data (``email_subject.txt.j2``, in its local time zone).

brief.html and brief.txt carry the reader's absolute links (earlier briefs,
"View in browser", unsubscribe) from when the brief was built. The HTML part is
rendered again from the recorded brief, with the same templates, only when it
must be: over ``smtp.html_budget`` (then budgeted), or when the files lack the
links the config now asks for (a brief built before they were configured, or
with relative links to earlier briefs, which are dead in an inbox).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from html.parser import HTMLParser
from pathlib import Path

import jinja2

from briefing.brief import Brief
from briefing.config import SmtpSettings
from briefing.deliver.mime import EmailContent
from briefing.deliver.smtp import DeliveryError
from briefing.errors import StoreError
from briefing.render.context import ReaderLinks
from briefing.render.email_budget import budgeted_email_html, html_size
from briefing.render.email_html import render_email_html, render_subject
from briefing.render.environment import make_environment
from briefing.render.text import render_text
from briefing.storage import BriefRecord, Storage

#: A relative link to an earlier brief, as briefs built before absolute links wrote it.
_RELATIVE_LINK = re.compile(r"\.\./[A-Za-z0-9._/-]*brief\.html")


def load_brief(
    store: Storage, brief_id: int | None, profile: str | None
) -> tuple[Brief, BriefRecord]:
    """Brief ``brief_id``, or the latest published brief of ``profile``, and its record.

    Raises ``DeliveryError`` when there is none or it is not published yet.
    """
    if brief_id is not None:
        record = store.briefs.record(brief_id)
        if record is None:
            raise DeliveryError(f"no brief with id {brief_id} in {store.location}")
        if record.state != "published":
            raise DeliveryError(f"brief {brief_id} is still being written; try again shortly")
    else:
        record = store.briefs.latest(profile or "default")
        if record is None:
            raise DeliveryError(
                f"no brief of profile {profile or 'default'!r} yet: run briefing build first"
            )
    try:
        brief = store.briefs.get(record.id)
    except StoreError as error:
        raise DeliveryError(str(error)) from error
    return brief, record


def email_content(
    brief: Brief,
    folder: Path,
    settings: SmtpSettings,
    *,
    template_dirs: Sequence[Path] = (),
    links: ReaderLinks | None = None,
) -> EmailContent:
    """Subject, text, HTML (within ``settings.html_budget``) and PDF of ``brief`` in ``folder``.

    ``links``: the absolute links the config asks for now (``reader_links``).
    """
    links = links or ReaderLinks()
    env: jinja2.Environment | None = None

    def environment() -> jinja2.Environment:
        nonlocal env
        env = env or make_environment(template_dirs)
        return env

    expected = _expected_links(brief, links)
    text = _read_text(folder / "brief.txt")
    if _RELATIVE_LINK.search(text) or not all(url in text for url in expected):
        text = render_text(brief, environment(), links)
    html = _read_text(folder / "brief.html")
    if _RELATIVE_LINK.search(html) or not expected <= _hrefs(html):
        html = render_email_html(brief, environment(), links)
    if html_size(html) > settings.html_budget:
        html = budgeted_email_html(
            brief, environment(), budget=settings.html_budget,
            pdf_attached=settings.attach_pdf, links=links,
        ).html
    pdf: bytes | None = None
    if settings.attach_pdf:
        try:
            pdf = (folder / "brief.pdf").read_bytes()
        except OSError as error:
            raise DeliveryError(f"{folder / 'brief.pdf'}: cannot read: {error.strerror}") from error
    return EmailContent(
        subject=render_subject(brief, environment()),
        text=text,
        html=html,
        pdf=pdf,
        pdf_filename=pdf_filename(brief),
        pdf_ascii_filename=pdf_ascii_filename(brief),
    )


def pdf_filename(brief: Brief) -> str:
    """"morning-brief-2026-12-01.pdf", "утренний-брифинг-2026-12-01.pdf": the title's
    letters and digits in any script, and the brief's own (local) folder name."""
    return f"{_slug(brief.title)}-{_day(brief)}.pdf"


def pdf_ascii_filename(brief: Brief) -> str:
    """``pdf_filename`` in ASCII, for mail clients that cannot read an RFC 2231 name:
    accents dropped ("Ünïcode" -> "unicode"), a title in another script -> "brief"."""
    title = unicodedata.normalize("NFKD", brief.title).encode("ascii", "ignore").decode()
    return f"{_slug(title)}-{_day(brief)}.pdf"


def _expected_links(brief: Brief, links: ReaderLinks) -> set[str]:
    """The links the email's body should carry under the current config."""
    wanted = {links.unsubscribe, links.brief_url(brief.profile, brief.slug)}
    return {url for url in wanted if url}


class _Hrefs(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            self.found.update(value for name, value in attrs if name == "href" and value)


def _hrefs(html: str) -> set[str]:
    parser = _Hrefs()
    parser.feed(html)
    parser.close()
    return parser.found


def _read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise DeliveryError(f"{path}: cannot read the brief: {error}") from error


#: File names stay short: a long title (300 characters of Cyrillic are 600 bytes) would
#: pass what file systems allow (255 bytes) and what a header line may hold.
_MAX_SLUG_CHARS = 60


def _slug(title: str) -> str:
    """Lower-case letters, marks and digits of ``title``, anything else one "-"."""
    kept = "".join(
        char if unicodedata.category(char)[0] in "LMN" else "-"
        for char in unicodedata.normalize("NFC", title).lower()
    )
    slug = re.sub(r"-+", "-", kept).strip("-")
    if len(slug) > _MAX_SLUG_CHARS:
        cut = slug[: _MAX_SLUG_CHARS + 1]
        slug = (cut.rsplit("-", 1)[0] if "-" in cut else cut[:_MAX_SLUG_CHARS]).strip("-")
    return slug or "brief"


def _day(brief: Brief) -> str:
    return brief.slug or brief.local_date.isoformat()
