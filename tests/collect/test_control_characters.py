"""Control characters and noncharacters, from every kind of source, reach no output.

Articles carrying C0 and C1 controls, DEL and Unicode noncharacters come in as
a .txt, a .md and an .html file, an RSS feed, a JSON Feed and a web page on
loopback. After one real build (with the archive) and a dry-run send, every
output a reader gets is read back: brief.txt, brief.html, brief.json, the PDF's
text, the brief's archive page, the archive's index, feed.xml and search index,
and both parts of the email.
"""

from __future__ import annotations

import email
import email.policy
import json
import re
import unicodedata
from pathlib import Path

import pytest
from pypdf import PdfReader

from briefing.config import load_config
from briefing.deliver import send_brief
from briefing.publishing import publish
from briefing.storage import open_storage

from .server import LoopbackServer

pytestmark = pytest.mark.slow

#: One of each kind: C0 (NUL, BEL, BS, VT, FF, ESC, US), DEL, C1 (some that
#: Windows-1252 maps to punctuation, some it leaves undefined), noncharacters of
#: the BMP and of other planes.
CONTROLS = ("\x00", "\x01", "\x07", "\x08", "\x0b", "\x0c", "\x1b", "\x1f", "\x7f",
            "\x81", "\x85", "\x8d", "\x9b", "\x9d", "\ufdd0", "\ufdef", "\ufffe", "\uffff",
            "\U0001fffe", "\U0010ffff")
#: What XML 1.0 lets a feed carry literally (it forbids the other C0 controls).
XML_CONTROLS = ("\x7f", "\x81", "\x85", "\x8d", "\x9b", "\x9d")

STORIES = {
    "file-txt": ("Saltmere dockworkers vote to end the strike",
                 "Saltmere dockworkers voted on Tuesday to end their three-week strike. "
                 "The union said 71 percent of its members backed the new pay offer. "
                 "Ships waiting off the port of Saltmere began to berth on Wednesday."),
    "file-md": ("Kestria central bank holds rates at 3.5 percent",
                "The central bank of Kestria held its main rate at 3.5 percent on Thursday. "
                "Governor Ilse Marr said inflation was close to the two percent target. "
                "Markets had expected the decision after a cut in November."),
    "file-html": ("Orvane opens its new tram line to the airport",
                  "The city of Orvane opened its new tram line to the airport on Monday. "
                  "The line cost 410 million crowns and took four years to build. "
                  "Trams will run every eight minutes from six in the morning."),
    "feed-rss": ("Lenmouth flood barrier finished ahead of winter",
                 "Engineers in Lenmouth finished the new flood barrier on the River Aske. "
                 "The barrier can hold back a surge of up to six metres, the council said. "
                 "Residents evacuated during Storm Odile have returned to their homes."),
    "feed-json": ("Talvia and Kestria agree on a rail freight corridor",
                  "Talvia and Kestria agreed on Friday to build a rail freight corridor. "
                  "The corridor will link the port of Haldvik with the Ekby logistics hub. "
                  "Freight trains could run on the route from the spring of 2029."),
    "page": ("Northgate library reopens after two years of repairs",
             "The central library of Northgate reopened on Saturday after two years of repairs. "
             "The roof was replaced and the reading rooms were made accessible to wheelchairs. "
             "More than 3,000 visitors came through its doors on the first day."),
}


def _dirty(text: str, controls: tuple[str, ...] = CONTROLS) -> str:
    """``text`` with a control character after every few words, cycling through them."""
    words = text.split(" ")
    return " ".join(
        f"{word}{controls[i % len(controls)]}" if i % 3 == 1 else word
        for i, word in enumerate(words)
    )


def _write_files(folder: Path) -> None:
    folder.mkdir()
    title, body = STORIES["file-txt"]
    (folder / "strike.txt").write_text(f"{_dirty(title)}\n\n{_dirty(body)}\n", encoding="utf-8")
    title, body = STORIES["file-md"]
    (folder / "rates.md").write_text(
        f"---\ntitle: {_dirty(title)}\noutlet: Cap\x07ital Wire\x9d\n---\n\n{_dirty(body)}\n",
        encoding="utf-8",
    )
    title, body = STORIES["file-html"]
    (folder / "tram.html").write_text(
        f"<!DOCTYPE html><html><head><title>{_dirty(title)}</title>"
        f'<meta property="og:site_name" content="Orvane&#7; Post&#x9d;"></head>'
        f"<body><article><p>{_dirty(body)}</p></article></body></html>",
        encoding="utf-8",
    )


def _rss(base: str) -> str:
    title, body = STORIES["feed-rss"]
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
        f"<title>Courier{XML_CONTROLS[0]} of Lenmouth</title><link>{base}/</link>"
        "<description>News</description><item>"
        f"<title>{_dirty(title, XML_CONTROLS)}</title><link>{base}/rss/1</link>"
        f"<description>{_dirty(body, XML_CONTROLS)}</description>"
        "<pubDate>Tue, 01 Dec 2026 06:00:00 GMT</pubDate></item></channel></rss>"
    )


def _json_feed(base: str) -> str:
    title, body = STORIES["feed-json"]
    return json.dumps({
        "version": "https://jsonfeed.org/version/1.1", "title": "Meridian\u0007 Wire",
        "home_page_url": f"{base}/", "items": [{
            "id": f"{base}/json/1", "url": f"{base}/json/1", "title": _dirty(title),
            "content_text": _dirty(body), "date_published": "2026-12-01T06:00:00Z",
        }],
    })


def _page() -> str:
    title, body = STORIES["page"]
    paragraph = _dirty(body)
    return (
        f"<!DOCTYPE html><html lang=en><head><title>{_dirty(title)}</title>"
        '<meta property="og:site_name" content="Northgate&#1; Courier">'
        '<meta property="article:published_time" content="2026-12-01T06:00:00+00:00">'
        f"</head><body><article><h1>{_dirty(title)}</h1>"
        f"<p>{paragraph}</p><p>{paragraph}</p><p>{paragraph}</p></article></body></html>"
    )


def _config(tmp_path: Path, server: LoopbackServer) -> Path:
    path = tmp_path / "briefing.toml"
    path.write_text(f"""
[brief]
timezone = "UTC"
[fetch]
allow_private = ["127.0.0.1:{server.port}"]
per_host_delay = 0.0
full_text = false
[smtp]
from_address = "Brief <brief@example.org>"
[profiles.default]
recipients = ["reader@example.org"]
[[sources]]
name = "files"
type = "folder"
path = "articles"
[[sources]]
name = "courier"
type = "feed"
url = "{server.url('/rss.xml')}"
[[sources]]
name = "meridian"
type = "feed"
url = "{server.url('/feed.json')}"
[[sources]]
name = "library"
type = "page"
url = "{server.url('/library.html')}"
""", encoding="utf-8")
    return path


def _words(text: str) -> str:
    return " ".join(re.findall(r"\w+", text))


def _unclean(text: str) -> list[str]:
    """The control characters (but tab, line ends) and noncharacters in ``text``."""
    found = []
    for char in text:
        code = ord(char)
        control = unicodedata.category(char) == "Cc" and char not in "\t\n\r"
        nonchar = 0xFDD0 <= code <= 0xFDEF or (code & 0xFFFE) == 0xFFFE
        if control or nonchar:
            found.append(f"U+{code:04X}")
    return found


def test_no_control_character_from_any_source_reaches_any_output(
    tmp_path: Path, server: LoopbackServer
) -> None:
    _write_files(tmp_path / "articles")
    server.add("/rss.xml", _rss(server.base), "application/rss+xml")
    server.add("/feed.json", _json_feed(server.base), "application/feed+json")
    server.add("/library.html", _page(), "text/html; charset=utf-8")
    config = load_config(_config(tmp_path, server))

    result = publish(config, "default", send=False)
    assert result.archive is not None, result.warnings
    brief, folder = result.build.brief, result.build.folder
    assert brief.id is not None
    with open_storage(config.paths.store) as store:
        report = send_brief(config, store, brief.id, dry_run=True)
    (eml,) = report.files
    message = email.message_from_bytes(eml.read_bytes(), policy=email.policy.default)
    text_part = message.get_body(preferencelist=("plain",))
    html_part = message.get_body(preferencelist=("html",))
    assert text_part is not None and html_part is not None
    out = config.paths.out
    outputs = {
        "brief.txt": (folder / "brief.txt").read_text(encoding="utf-8"),
        "brief.html": (folder / "brief.html").read_text(encoding="utf-8"),
        "brief.json": json.dumps(json.loads((folder / "brief.json").read_text("utf-8")),
                                 ensure_ascii=False),
        "brief.pdf text": "\n".join(
            page.extract_text() for page in PdfReader(folder / "brief.pdf").pages
        ),
        "archive page": (folder / "index.html").read_text(encoding="utf-8"),
        "archive index": (out / "index.html").read_text(encoding="utf-8"),
        "feed.xml": (out / "feed.xml").read_text(encoding="utf-8"),
        "search index": (out / "search-index.js").read_text(encoding="utf-8"),
        "email subject": str(message["Subject"]),
        "email text part": text_part.get_content(),
        "email html part": html_part.get_content(),
    }
    for name, text in outputs.items():
        assert _unclean(text) == [], f"{name} carries control characters"

    # Every source made it through, its words intact: the controls went (C1 ones that
    # Windows-1252 defines became its punctuation, as ftfy reads them), words stayed.
    headlines = _words(" ".join(
        [s.headline for s in brief.stories] + [a.headline for a in brief.also_noted]
    ))
    for kind, (title, _) in STORIES.items():
        assert _words(" ".join(title.split()[:4])) in headlines, kind  # headlines may be cut
    for name in ("brief.txt", "brief.pdf text", "archive page", "email text part"):
        assert _words(STORIES["file-txt"][0]) in _words(outputs[name]), name
    outlets = {source.outlet for source in brief.sources}
    assert {"Capital Wire", "Orvane Post", "Northgate Courier"} <= outlets, outlets
