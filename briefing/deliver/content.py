"""A recorded brief, read back from the store and its folder, as email content."""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from briefing.config import SmtpSettings
from briefing.deliver.links import fix_html_links, fix_text_links
from briefing.deliver.mime import EmailContent
from briefing.deliver.smtp import DeliveryError
from briefing.render.email_budget import budgeted_email_html
from briefing.render.environment import long_date, make_environment
from briefing.store import Store
from briefing.types import (
    AlsoNoted,
    Brief,
    BriefBullet,
    BriefStory,
    BulletOrigin,
    PreviousBrief,
    SourceRef,
)


@dataclass(frozen=True)
class RecordedBrief:
    id: int
    profile: str
    title: str
    generated_at: datetime
    out_dir: Path
    data: dict[str, Any]


def load_recorded_brief(store: Store, brief_id: int | None, profile: str | None) -> RecordedBrief:
    """Brief ``brief_id``, or the latest brief of ``profile``; raises ``DeliveryError``."""
    if brief_id is not None:
        rows = store.query("SELECT * FROM briefs WHERE id = ?", (brief_id,))
        if not rows:
            raise DeliveryError(f"no brief with id {brief_id} in {store.path}")
    else:
        rows = store.query(
            "SELECT * FROM briefs WHERE profile = ? ORDER BY generated_at DESC, id DESC LIMIT 1",
            (profile or "default",),
        )
        if not rows:
            raise DeliveryError(
                f"no brief of profile {profile or 'default'!r} yet: run briefing build first"
            )
    row = rows[0]
    return RecordedBrief(
        id=int(row["id"]),
        profile=row["profile"],
        title=row["title"],
        generated_at=datetime.fromisoformat(row["generated_at"]),
        out_dir=Path(row["out_dir"]),
        data=json.loads(row["data"]),
    )


def email_content(
    recorded: RecordedBrief,
    settings: SmtpSettings,
    *,
    template_dirs: Sequence[Path] = (),
    page_url: str | None = None,
) -> EmailContent:
    """Subject, text, HTML (within ``settings.html_budget``) and PDF of a recorded brief.

    ``page_url`` is the published address of the brief's folder: relative links
    (an update's link to the earlier brief) become absolute under it, or are
    removed without it, since a mail client cannot follow them.
    """
    out = recorded.out_dir
    text = _read_text(out / "brief.txt")
    html = _read_text(out / "brief.html")
    if len(html.encode("utf-8")) > settings.html_budget:
        brief = brief_from_dict(recorded.data)
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
            pdf = (out / "brief.pdf").read_bytes()
        except OSError as error:
            raise DeliveryError(f"{out / 'brief.pdf'}: cannot read: {error.strerror}") from error
    generated = recorded.generated_at
    date = generated.strftime("%Y-%m-%d")
    return EmailContent(
        subject=f"{recorded.title} · {long_date(generated)}",
        text=text,
        html=html,
        pdf=pdf,
        pdf_filename=f"{_slug(recorded.title)}-{date}.pdf",
    )


def _read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise DeliveryError(f"{path}: cannot read the brief: {error}") from error


def _slug(title: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-") or "brief"


def brief_from_dict(data: dict[str, Any]) -> Brief:
    """The ``Brief`` behind a brief.json document (what the email renderer needs)."""

    def bullet(item: dict[str, Any]) -> BriefBullet:
        return BriefBullet(
            text=item["text"],
            sources=tuple(item["sources"]),
            origin=BulletOrigin(item.get("origin", "extractive")),
            verified=bool(item.get("verified", True)),
        )

    def published(value: str | None) -> datetime | None:
        return datetime.fromisoformat(value) if value else None

    def previous(item: dict[str, Any] | None) -> PreviousBrief | None:
        if not item:
            return None
        return PreviousBrief(
            brief_id=int(item["brief_id"]), date=item["date"], href=item.get("href")
        )

    return Brief(
        title=data["title"],
        profile=data["profile"],
        generated_at=datetime.fromisoformat(data["generated_at"]),
        language=data.get("language", "en"),
        author=data.get("author", "briefing"),
        engine=data["engine"],
        stories=tuple(
            BriefStory(
                id=story["id"],
                headline=story["headline"],
                bullets=tuple(bullet(b) for b in story["bullets"]),
                outlets=tuple(story.get("outlets", ())),
                sources=tuple(story.get("sources", ())),
                notes=tuple(story.get("notes", ())),
                first_seen=published(story.get("first_seen")),
                last_seen=published(story.get("last_seen")),
                is_update=bool(story.get("is_update", False)),
                previous_brief=previous(story.get("previous_brief")),
                score=float(story.get("score", 0.0)),
            )
            for story in data["stories"]
        ),
        sources=tuple(
            SourceRef(
                number=source["id"],
                article_id=source["article_id"],
                title=source["title"],
                outlet=source["outlet"],
                url=source.get("url"),
                path=source.get("path"),
                published=published(source.get("published")),
            )
            for source in data["sources"]
        ),
        notes=tuple(data.get("notes", ())),
        top_lines=tuple(bullet(line) for line in data.get("top_lines", ())),
        prompt_versions=dict(data.get("prompt_versions", {})),
        also_noted=tuple(
            AlsoNoted(
                story_id=item["story_id"],
                headline=item["headline"],
                outlets=tuple(item.get("outlets", ())),
                article_count=int(item.get("article_count", 1)),
                url=item.get("url"),
            )
            for item in data.get("also_noted", ())
        ),
    )
