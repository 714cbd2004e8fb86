"""A recorded brief as email content: Subject, text, HTML and PDF, from its own folder.

A brief is immutable once recorded, so what goes out under brief N is always
brief N: its Subject and file name from its own data (in its local time zone),
its text, HTML and PDF from its own folder.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from pathlib import Path

from briefing.brief import Brief
from briefing.config import SmtpSettings
from briefing.deliver.links import fix_html_links, fix_text_links
from briefing.deliver.mime import EmailContent
from briefing.deliver.smtp import DeliveryError
from briefing.errors import StoreError
from briefing.render.email_budget import budgeted_email_html
from briefing.render.environment import long_date, make_environment
from briefing.storage import BriefRecord, Storage


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
    page_url: str | None = None,
) -> EmailContent:
    """Subject, text, HTML (within ``settings.html_budget``) and PDF of ``brief`` in ``folder``.

    ``page_url`` is the published address of the brief's folder: relative links
    (an update's link to the earlier brief) become absolute under it, or are
    removed without it, since a mail client cannot follow them.
    """
    text = _read_text(folder / "brief.txt")
    html = _read_text(folder / "brief.html")
    if len(html.encode("utf-8")) > settings.html_budget:
        html = budgeted_email_html(
            brief,
            make_environment(template_dirs),
            budget=settings.html_budget,
            pdf_attached=settings.attach_pdf,
        ).html
    html, text = fix_html_links(html, page_url), fix_text_links(text, page_url)
    pdf: bytes | None = None
    if settings.attach_pdf:
        try:
            pdf = (folder / "brief.pdf").read_bytes()
        except OSError as error:
            raise DeliveryError(f"{folder / 'brief.pdf'}: cannot read: {error.strerror}") from error
    return EmailContent(
        subject=f"{brief.title} · {long_date(brief.generated_at)}",
        text=text,
        html=html,
        pdf=pdf,
        pdf_filename=pdf_filename(brief),
    )


def pdf_filename(brief: Brief) -> str:
    """"morning-brief-2026-12-01.pdf": the title and the brief's own (local) folder name."""
    return f"{_slug(brief.title)}-{brief.slug or brief.local_date.isoformat()}.pdf"


def _read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise DeliveryError(f"{path}: cannot read the brief: {error}") from error


def _slug(title: str) -> str:
    ascii_title = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_title.lower()).strip("-") or "brief"
