"""out/feed.xml: an Atom (RFC 4287) feed of the briefs, newest first.

Written with ElementTree, which escapes text and attributes; characters XML
1.0 forbids are removed first (text is cleaned at ingest already: this is the
last fence), since ElementTree would write them and every feed reader would
then reject the whole feed.

Ids are ``urn:uuid:`` URIs (RFC 4122, a registered URN namespace) drawn from the
store's installation id (``Store.installation_id``, made once): the feed's is the
installation id itself, an entry's a name-based UUID of it and the brief's store
id. Two installations never share one; rebuilding the archive, setting or
changing ``archive.base_url`` or moving out/ changes none.
"""

from __future__ import annotations

import itertools
import re
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from urllib.parse import urljoin

from briefing.archive.model import ArchiveEntry
from briefing.brief import Brief
from briefing.render.environment import http_url, long_date

ATOM_NS = "http://www.w3.org/2005/Atom"
#: Entries in the feed: readers only look at the latest ones.
FEED_LIMIT = 50
_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def atom_feed(
    briefs: list[ArchiveEntry],
    summaries: Mapping[str, str],
    *,
    title: str,
    base_url: str | None,
    now: datetime,
    installation: uuid.UUID,
) -> bytes:
    """The feed document for ``briefs`` (already newest first) of ``installation``;
    ``summaries``: ``feed_summary`` of (at least) the newest ``FEED_LIMIT``, by key."""
    ET.register_namespace("", ATOM_NS)
    feed = ET.Element(_tag("feed"))
    _text(feed, "title", title)
    _text(feed, "id", installation.urn)
    _text(feed, "updated", (_latest(briefs) or now.astimezone(UTC)).isoformat())
    ET.SubElement(feed, _tag("author")).append(_element("name", "briefing"))
    ET.SubElement(feed, _tag("link"), rel="self", href=_link(base_url, "feed.xml"))
    ET.SubElement(feed, _tag("link"), rel="alternate", type="text/html",
                  href=_link(base_url, "index.html"))
    for brief in briefs[:FEED_LIMIT]:
        feed.append(_entry(brief, summaries[brief.key], base_url, installation))
    return ET.tostring(feed, encoding="utf-8", xml_declaration=True)


def entry_id(brief: ArchiveEntry, installation: uuid.UUID) -> str:
    """The Atom id of ``brief`` in ``installation``'s feed: stable for as long as the store.

    A published brief has its store id; a brief.json without one (written before
    briefs had ids) is named by its place in the archive instead.
    """
    name = f"brief/{brief.brief_id}" if brief.brief_id is not None else f"key/{brief.key}"
    return uuid.uuid5(installation, name).urn


def feed_summary(brief: Brief) -> str:
    """What an entry says of ``brief``: its story count and headlines, or its coverage."""
    headlines = "; ".join(s.headline for s in brief.stories if s.headline)
    return f"{len(brief.stories)} stories: {headlines}" if headlines else brief.coverage


def _entry(
    brief: ArchiveEntry, summary: str, base_url: str | None, installation: uuid.UUID
) -> ET.Element:
    entry = ET.Element(_tag("entry"))
    _text(entry, "title", f"{brief.title} — {long_date(brief.generated_at)}")
    _text(entry, "id", entry_id(brief, installation))
    _text(entry, "updated", _updated(brief).isoformat())
    ET.SubElement(entry, _tag("link"), rel="alternate", type="text/html",
                  href=_link(base_url, f"{brief.url_path}/index.html"))
    if brief.has_file("brief.pdf"):
        ET.SubElement(entry, _tag("link"), rel="enclosure", type="application/pdf",
                      href=_link(base_url, f"{brief.url_path}/brief.pdf"))
    _text(entry, "summary", summary)
    return entry


def _latest(briefs: list[ArchiveEntry]) -> datetime | None:
    """The latest moment a brief was made. Briefs come by local date, newest first,
    and a moment's local date is within a day of its date anywhere else: the latest
    is among the briefs of the two newest days, however long the archive."""
    if not briefs:
        return None
    since = briefs[0].day - timedelta(days=2)
    return max(_updated(b) for b in itertools.takewhile(lambda b: b.day >= since, briefs))


def _updated(brief: ArchiveEntry) -> datetime:
    return brief.generated_at


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
