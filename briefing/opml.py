"""OPML subscription lists in and out: what every feed reader imports and exports.

``read_opml`` takes the bytes of an OPML file as feed readers write them (1.0
or 2.0; feeds nested in folders at any depth; ``xmlUrl`` in any letter case;
``feed://`` addresses; any encoding the file declares or a byte-order mark
says, or, failing both, what detection finds) and returns its feeds, each once,
with the folders it sat in. ``write_opml`` writes OPML 2.0 that common readers
import: one ``<outline type="rss" text=... title=... xmlUrl=...>`` per feed,
inside one folder outline per group.

The XML parser reads no DTD, expands no entity it does not know and fetches
nothing: an OPML file is input from strangers.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from email.utils import format_datetime

from lxml import etree

from briefing.collect.charsets import decode_markup, mess
from briefing.errors import BriefingError


class OpmlError(BriefingError):
    """A file is not OPML that can be read."""


@dataclass(frozen=True)
class OpmlFeed:
    """One feed of a subscription list."""

    url: str
    title: str
    #: The site's address (``htmlUrl``), when the list gives one.
    site_url: str | None = None
    #: The folders it sat in, outermost first: ("News", "Europe").
    folders: tuple[str, ...] = ()


@dataclass
class OpmlList:
    title: str | None
    feeds: list[OpmlFeed] = field(default_factory=list)
    #: Outlines that were not feeds we can read, one line each ("ftp://...: not http(s)").
    skipped: list[str] = field(default_factory=list)


def _parser() -> etree.XMLParser:
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False,
                           dtd_validation=False, huge_tree=False, remove_comments=True,
                           remove_pis=True, recover=False)


def read_opml(data: bytes, where: str = "OPML") -> OpmlList:
    """The feeds of an OPML document; raises ``OpmlError`` naming ``where``."""
    root = _parse(data, where)
    if _local(root.tag) != "opml":
        raise OpmlError(f"{where}: not an OPML file (its root element is <{_local(root.tag)}>)")
    head = _child(root, "head")
    title = _text(_child(head, "title")) if head is not None else None
    body = _child(root, "body")
    result = OpmlList(title=title or None)
    if body is None:
        raise OpmlError(f"{where}: an OPML file without a <body>")
    seen: set[str] = set()
    _walk(body, (), result, seen)
    return result


def _parse(data: bytes, where: str) -> etree._Element:
    # Decoded here, as feeds are (briefing.collect.charsets): the byte-order mark, the
    # declaration and detection are weighed, so a list saved as Windows-1252 that says
    # "UTF-8" (or says nothing) still reads as words.
    text = _drop_declaration(_decode(data))
    try:
        return etree.fromstring(text.encode("utf-8"), _parser())
    except etree.XMLSyntaxError as error:
        raise OpmlError(f"{where}: not well-formed XML: {error}") from None


def _decode(data: bytes) -> str:
    decoded = decode_markup(data)
    if decoded.evidence == "detected" and decoded.encoding != "cp1252":
        # Detection cannot tell the Windows code pages apart on a few accented names
        # (it ties cp1250 and cp1252 on "Libération – À chaud"); a list exported by a
        # Windows tool is far more often Windows-1252, so it wins a tie.
        try:
            western = data.decode("cp1252")
        except UnicodeDecodeError:
            return decoded.text
        if mess(western) <= mess(decoded.text):
            return western
    return decoded.text


def _drop_declaration(text: str) -> str:
    text = text.lstrip("\ufeff")
    if text.startswith("<?xml"):
        end = text.find("?>")
        if end != -1:
            return text[end + 2:]
    return text


def _walk(node: etree._Element, folders: tuple[str, ...], result: OpmlList,
          seen: set[str]) -> None:
    for outline in node:
        if not isinstance(outline.tag, str) or _local(outline.tag) != "outline":
            continue
        attributes = {key.lower(): value.strip() for key, value in outline.attrib.items()}
        label = " ".join((attributes.get("title") or attributes.get("text") or "").split())
        raw_url = attributes.get("xmlurl") or (
            attributes.get("url") if attributes.get("type", "").lower() in ("rss", "atom")
            else None)
        if raw_url:
            url = _feed_url(raw_url)
            if url is None:
                result.skipped.append(f"{raw_url}: not an http(s) address")
            elif url not in seen:
                seen.add(url)
                site = _feed_url(attributes.get("htmlurl", "")) or None
                result.feeds.append(OpmlFeed(url=url, title=label or url, site_url=site,
                                             folders=folders))
        # Folders nest; some readers also nest outlines under a feed: read them all.
        _walk(outline, (*folders, label) if not raw_url and label else folders, result, seen)


def _feed_url(raw: str) -> str | None:
    url = raw.strip()
    lowered = url.lower()
    if lowered.startswith("feed://"):  # an old convention for "subscribe to this"
        url = "http://" + url[len("feed://"):]
    elif lowered.startswith("feed:"):  # feed:https://...
        url = url[len("feed:"):]
    scheme, sep, rest = url.partition("://")
    if not sep or scheme.lower() not in ("http", "https") or not rest or any(
            ch.isspace() for ch in url):
        return None
    return f"{scheme.lower()}://{rest}"


def _local(tag: object) -> str:
    return str(tag).rsplit("}", 1)[-1].lower() if isinstance(tag, str) else ""


def _child(node: etree._Element | None, name: str) -> etree._Element | None:
    if node is None:
        return None
    for child in node:
        if _local(child.tag) == name:
            return child
    return None


def _text(node: etree._Element | None) -> str:
    return " ".join((node.text or "").split()) if node is not None else ""


def write_opml(
    feeds: Sequence[OpmlFeed], *, title: str, now: datetime
) -> bytes:
    """OPML 2.0 for ``feeds``: feeds with folders go in folder outlines, in order."""
    root = etree.Element("opml", version="2.0")
    head = etree.SubElement(root, "head")
    etree.SubElement(head, "title").text = title
    etree.SubElement(head, "dateCreated").text = format_datetime(now)
    etree.SubElement(head, "docs").text = "https://opml.org/spec2.opml"
    body = etree.SubElement(root, "body")
    folders: dict[tuple[str, ...], etree._Element] = {(): body}
    for feed in feeds:
        parent = body
        for depth in range(1, len(feed.folders) + 1):
            path = feed.folders[:depth]
            if path not in folders:
                folders[path] = etree.SubElement(folders[path[:-1]], "outline",
                                                 text=path[-1], title=path[-1])
            parent = folders[path]
        outline = etree.SubElement(parent, "outline", type="rss", text=feed.title,
                                   title=feed.title, xmlUrl=feed.url)
        if feed.site_url:
            outline.set("htmlUrl", feed.site_url)
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8",
                                pretty_print=True))
