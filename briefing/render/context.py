"""The values every report template receives, computed once per brief.

Templates stay declarative: anything that needs Python (lookups by source
number, date formatting, where a link points) is prepared here.

Links that leave the brief's own folder depend on where it is read:

* the archive's page of a brief sits in the browsable archive, so its link to an
  earlier brief is relative (``../2026-12-01/brief.html``);
* the email, the plain text and the PDF are read anywhere (an inbox, a download),
  where a relative link points nowhere: their links to earlier briefs, "View in
  browser" and the body's unsubscribe link come from ``ReaderLinks``, built from
  the config (``[archive] base_url``, ``[smtp] list_unsubscribe_*``) when the brief
  is built, and are absolute or absent.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urljoin

from briefing.brief import SLUG_PATTERN, Brief, BriefStory, SourceRef
from briefing.folders import safe_segment
from briefing.render.environment import generated_line, http_url, long_date, short_date

if TYPE_CHECKING:
    from briefing.config import Config

#: A link to an earlier brief is relative and plain: no scheme (so never file:), no "..:".
_RELATIVE_HREF = re.compile(r"^(?![A-Za-z][A-Za-z0-9+.-]*:)[A-Za-z0-9._/-]+$")


@dataclass(frozen=True)
class ReaderLinks:
    """Where links for a reader outside the archive point (all absolute, or none)."""

    #: The published address of the out folder (``[archive] base_url``), or None.
    base_url: str | None = None
    #: The file of a brief's folder such a link opens: its archive page when the
    #: archive site is written, else brief.html.
    page_file: str = "index.html"
    #: The body's unsubscribe link: an https URL, else a mailto: URI; None when unset.
    unsubscribe: str | None = None

    def brief_url(self, profile: str, slug: str | None) -> str | None:
        """The published address of a brief's page, or None without a base URL."""
        base = http_url(self.base_url)
        if base is None or not slug or not SLUG_PATTERN.fullmatch(slug):
            return None
        path = f"{safe_segment(profile)}/{slug}/{self.page_file}"
        return urljoin(base.rstrip("/") + "/", quote(path))


def reader_links(config: Config, *, published: bool = True) -> ReaderLinks:
    """The links of ``config`` for briefs built under ``paths.out`` (``published``); a
    brief built elsewhere (``build --out``) is not at the archive's address."""
    smtp = config.smtp
    unsubscribe = smtp.list_unsubscribe_url or (
        f"mailto:{smtp.list_unsubscribe_mailto.removeprefix('mailto:')}?subject=unsubscribe"
        if smtp.list_unsubscribe_mailto else None
    )
    return ReaderLinks(
        base_url=config.archive.base_url if published else None,
        page_file="index.html" if config.archive.site else "brief.html",
        unsubscribe=unsubscribe,
    )


def template_context(brief: Brief, links: ReaderLinks | None = None) -> dict[str, Any]:
    """The context shared by the email, text, PDF and archive-page templates.

    ``links`` None: the archive's page (relative links to earlier briefs). Given:
    a rendering read outside the archive (absolute links, or none).
    """
    return {
        "brief": brief,
        "sources": sources_by_number(brief),
        "date_long": long_date(brief.generated_at),
        # Machine-readable, for document metadata only: readers see ``generated_line``.
        "generated_iso": brief.generated_at.isoformat(timespec="seconds"),
        "generated_line": generated_line(brief.generated_at),
        "dropped_count": len(brief.dropped),
        "spans": {story.id: story_span(story) for story in brief.stories},
        "earlier_links": {story.id: earlier_link(story, brief, links) for story in brief.stories},
        "view_url": links.brief_url(brief.profile, brief.slug) if links else None,
        "unsubscribe_url": _unsubscribe(links.unsubscribe) if links else None,
        "more_stories": max(len(brief.stories) - 1, 0),
    }


def story_span(story: BriefStory) -> str:
    """"17 Nov 2026" or "17 Nov 2026 – 19 Nov 2026"; empty when undated."""
    if story.first_seen is None or story.last_seen is None:
        return ""
    first, last = short_date(story.first_seen), short_date(story.last_seen)
    return first if first == last else f"{first} – {last}"


def earlier_link(
    story: BriefStory, brief: Brief | None = None, links: ReaderLinks | None = None
) -> str | None:
    """Where an update's link to the earlier brief points: relative inside the archive
    (``links`` None), else the earlier brief's published address, or None."""
    previous = story.previous_brief
    if previous is None:
        return None
    if links is not None:
        profile = brief.profile if brief is not None else ""
        return links.brief_url(profile, previous.slug) if profile else None
    href = previous.href
    return href if href and _RELATIVE_HREF.match(href) else None


def sources_by_number(brief: Brief) -> dict[int, SourceRef]:
    # By number, not by position: Brief.source() assumes numbers run 1..N.
    return {source.number: source for source in brief.sources}


def _unsubscribe(target: str | None) -> str | None:
    if target is None:
        return None
    return target if target.startswith("mailto:") else http_url(target)
