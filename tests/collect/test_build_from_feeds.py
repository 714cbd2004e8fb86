"""`briefing build`, `collect` and `sources` against feeds on a loopback server."""

from __future__ import annotations

import json
import urllib.parse
from pathlib import Path

import pytest

from briefing.cli import main

from .server import LoopbackServer, status


def write_config(tmp_path: Path, feeds: dict[str, str], *, port: int | None = None) -> Path:
    """A config with these feed sources, allowed to reach 127.0.0.1 on their ports and ``port``."""
    ports = sorted({str(urllib.parse.urlsplit(url).port) for url in feeds.values()}
                   | ({str(port)} if port else set()))
    allowed = ", ".join(f'"127.0.0.1:{port}"' for port in ports)
    lines = [
        "[paths]", 'out = "out"', "[fetch]", f"allow_private = [{allowed}]",
        "connect_timeout = 2.0", "read_timeout = 2.0", "deadline = 3.0", "per_host_delay = 0.0",
    ]
    for name, url in feeds.items():
        lines += ["[[sources]]", f'name = "{name}"', 'type = "feed"', f'url = "{url}"']
    path = tmp_path / "briefing.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def brief_json(tmp_path: Path) -> dict[str, object]:
    (day,) = (tmp_path / "out" / "default").iterdir()
    return json.loads((day / "brief.json").read_text(encoding="utf-8"))


def test_build_collects_briefs_and_names_failed_sources(
    tmp_path: Path, server: LoopbackServer, capsys: pytest.CaptureFixture[str]
) -> None:
    good = server.add_file("/ledger.xml", "rss20.xml")
    broken = server.handle("/broken.xml", status(500))
    config = write_config(tmp_path, {"ledger": good, "broken": broken})

    assert main(["build", "--config", str(config), "--engine", "extractive"]) == 0
    data = brief_json(tmp_path)
    assert data["stories"], "the feed's entries should be briefed"
    urls = [source["url"] for source in data["sources"]]
    assert all(url.startswith(server.base) for url in urls)
    assert all("utm_" not in url for url in urls)  # tracking parameters stripped
    (note,) = [n for n in data["notes"] if "could not be fetched" in n]
    assert note.startswith("1 of 2 sources could not be fetched: broken")
    day = next((tmp_path / "out" / "default").iterdir())
    assert note in " ".join((day / "brief.txt").read_text(encoding="utf-8").split())

    # The health table remembers the failure; the good feed costs a 304 next time.
    capsys.readouterr()
    assert main(["sources", "--config", str(config)]) == 0
    health = capsys.readouterr().out
    assert "broken" in health and "ledger" in health and "500" in health
    assert main(["collect", "--config", str(config)]) == 0
    out = capsys.readouterr()
    assert "0 new article(s)" in out.out and "1 failed" in out.out
    assert "1 source(s) unchanged" in out.out
    assert "1 of 2 sources could not be fetched" in out.err
    assert "if-none-match" in server.requests_to("/ledger.xml")[-1].headers


def test_a_rebuild_does_not_brief_the_same_entries_twice(
    tmp_path: Path, server: LoopbackServer, capsys: pytest.CaptureFixture[str]
) -> None:
    config = write_config(tmp_path, {"ledger": server.add_file("/ledger.xml", "rss20.xml")})
    assert main(["build", "--config", str(config), "--engine", "extractive"]) == 0
    first = brief_json(tmp_path)
    # Nothing new is not a failure, and the brief already written stays as it was.
    assert main(["build", "--config", str(config), "--engine", "extractive"]) == 0
    assert "nothing new for profile 'default'" in capsys.readouterr().err
    assert brief_json(tmp_path) == first and first["stories"]


def test_source_url_on_the_command_line(tmp_path: Path, server: LoopbackServer) -> None:
    config = write_config(tmp_path, {}, port=server.port)
    url = server.add_file("/wire.xml", "rss20.xml")
    assert main(["build", "--config", str(config), "--source", url, "--engine", "extractive"]) == 0
    assert brief_json(tmp_path)["stories"]


def test_private_addresses_are_refused_without_the_allow_list(
    tmp_path: Path, server: LoopbackServer, capsys: pytest.CaptureFixture[str]
) -> None:
    url = server.add_file("/ledger.xml", "rss20.xml")
    config = tmp_path / "briefing.toml"
    config.write_text(f'[[sources]]\nname = "ledger"\ntype = "feed"\nurl = "{url}"\n')
    assert main(["build", "--config", str(config), "--engine", "extractive"]) != 0
    err = capsys.readouterr().err
    assert "no usable article found" in err and "ledger" in err
    assert server.requests_to("/ledger.xml") == []


def test_a_brief_from_double_escaped_and_legacy_encoded_feeds_reads_as_words(
    tmp_path: Path, server: LoopbackServer
) -> None:
    paragraphs = [
        "Bus drivers across the city backed the mayor&#39;s transport plan on Monday, "
        "after the council agreed to fund forty new electric buses &amp; a night route.",
        "The plan, which costs 12&nbsp;million euros, also extends the tram line to the "
        "harbour district, where residents have waited a decade for a direct link.",
        "Union leaders said the deal ended months of talks. &quot;We finally have a budget "
        "that keeps the city moving,&quot; one of them told reporters outside the hall.",
    ]
    # Escaped twice: the XML carries "&amp;lt;p&amp;gt;", "&amp;amp;#39;"...
    html = "".join(f"<p>{p}</p>" for p in paragraphs)
    twice = html.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    twice = twice.replace("&", "&amp;")
    english = (
        '<rss version="2.0"><channel><title>City Desk</title><item>'
        "<title>Mayor&amp;amp;#39;s plan &amp;amp;amp; the &amp;amp;lt;b&amp;amp;gt;budget"
        "&amp;amp;lt;/b&amp;amp;gt; win over bus drivers</title>"
        f"<link>{{BASE}}/city/plan</link><description>{twice}</description>"
        "</item></channel></rss>"
    )
    russian = (
        '<rss version="2.0"><channel><title>Новости</title><item>'
        "<title>Водители автобусов поддержали план мэра</title>"
        "<link>{BASE}/ru/plan</link><description>"
        + " ".join(["Городской совет утвердил бюджет на покупку сорока новых автобусов, "
                    "а профсоюз водителей поддержал план транспортной реформы."] * 6)
        + "</description></item></channel></rss>"
    ).encode("koi8-r")  # no declaration, no charset: detection decides
    config = write_config(tmp_path, {
        "city": server.add("/city.xml", english),
        "ru": server.add("/ru.xml", russian, "text/xml"),
    })
    assert main(["build", "--config", str(config), "--engine", "extractive"]) == 0
    day = next((tmp_path / "out" / "default").iterdir())
    text = (day / "brief.txt").read_text(encoding="utf-8")
    data = json.loads((day / "brief.json").read_text(encoding="utf-8"))
    assert "Mayor's plan & the budget win over bus drivers" in text
    assert "Водители автобусов поддержали план мэра" in text
    for junk in ("&amp;", "&nbsp;", "&#39;", "&quot;", "<b>", "<p>", "&lt;", "Ã", "ëÁË"):
        assert junk not in text and junk not in json.dumps(data, ensure_ascii=False), junk
