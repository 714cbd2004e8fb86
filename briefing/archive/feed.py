"""out/feed.xml: an Atom (RFC 4287) feed of the briefs, newest first.

Written with ElementTree, which escapes text and attributes; characters XML
1.0 forbids (control characters a scraped title may carry) are removed first,
since ElementTree would write them and every feed reader would then reject
the whole feed.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from datetime import UTC, datetime
from urllib.parse import urljoin

from briefing.archive.model import ArchiveEntry
from briefing.render.environment import http_url, long_date

ATOM_NS = "http://www.w3.org/2005/Atom"
#: Entries in the feed: readers only look at the latest ones.
FEED_LIMIT = 50
_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def atom_feed(
    briefs: list[ArchiveEntry], *, title: str, base_url: str | None, now: datetime
) -> bytes:
    """The feed document for ``briefs`` (already newest first)."""
    ET.register_namespace("", ATOM_NS)
    feed = ET.Element(_tag("feed"))
    _text(feed, "title", title)
    _text(feed, "id", _link(base_url, "feed.xml") if base_url else "urn:briefing:archive")
    updated = max((_updated(b) for b in briefs), default=now.astimezone(UTC))
    _text(feed, "updated", updated.isoformat())
    ET.SubElement(feed, _tag("author")).append(_element("name", "briefing"))
    ET.SubElement(feed, _tag("link"), rel="self", href=_link(base_url, "feed.xml"))
    ET.SubElement(feed, _tag("link"), rel="alternate", type="text/html",
                  href=_link(base_url, "index.html"))
    for brief in briefs[:FEED_LIMIT]:
        feed.append(_entry(brief, base_url))
    return ET.tostring(feed, encoding="utf-8", xml_declaration=True)


def _entry(brief: ArchiveEntry, base_url: str | None) -> ET.Element:
    entry = ET.Element(_tag("entry"))
    _text(entry, "title", f"{brief.brief.title} — {long_date(brief.brief.generated_at)}")
    # A tag URI (RFC 4151) is stable when the site moves; the key is unique per brief.
    _text(entry, "id", f"tag:briefing.invalid,{brief.day.isoformat()}:{brief.key}")
    _text(entry, "updated", _updated(brief).isoformat())
    ET.SubElement(entry, _tag("link"), rel="alternate", type="text/html",
                  href=_link(base_url, f"{brief.url_path}/index.html"))
    if brief.has_file("brief.pdf"):
        ET.SubElement(entry, _tag("link"), rel="enclosure", type="application/pdf",
                      href=_link(base_url, f"{brief.url_path}/brief.pdf"))
    headlines = "; ".join(s.headline for s in brief.brief.stories if s.headline)
    summary = f"{brief.story_count} stories: {headlines}" if headlines else brief.brief.coverage
    _text(entry, "summary", summary)
    return entry


def _updated(brief: ArchiveEntry) -> datetime:
    return brief.brief.generated_at


def _link(base_url: str | None, path: str) -> str:
    # Without a public address the links stay relative to feed.xml, which
    # readers resolve against the feed's own URL.
    safe = http_url(base_url)
    return urljoin(safe.rstrip("/") + "/", path) if safe else path


def _tag(name: str) -> str:
    return f"{{{ATOM_NS}}}{name}"


def _element(name: str, text: str) -> ET.Element:
    element = ET.Element(_tag(name))
    element.text = _clean(text)
    return element


def _text(parent: ET.Element, name: str, text: str) -> None:
    parent.append(_element(name, text))


def _clean(text: str) -> str:
    return _XML_INVALID.sub("", text)
