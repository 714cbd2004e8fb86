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
from briefing.store import BriefRecord, Store


def load_brief(
    store: Store, brief_id: int | None, profile: str | None
) -> tuple[Brief, BriefRecord]:
    """Brief ``brief_id``, or the latest published brief of ``profile``, and its record.

    Raises ``DeliveryError`` when there is none or it is not published yet.
    """
    if brief_id is not None:
        record = store.brief_record(brief_id)
        if record is None:
            raise DeliveryError(f"no brief with id {brief_id} in {store.path}")
        if record.state != "published":
            raise DeliveryError(f"brief {brief_id} is still being written; try again shortly")
    else:
        record = store.latest_brief_record(profile or "default")
        if record is None:
            raise DeliveryError(
                f"no brief of profile {profile or 'default'!r} yet: run briefing build first"
            )
    try:
        brief = store.brief(record.id)
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
