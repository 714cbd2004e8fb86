"""One definition of "private": links only to public http(s) addresses; allow-list entries."""

from __future__ import annotations

from pathlib import Path

import pypdf
import pytest

from briefing.config import Config
from briefing.netaddr import AllowEntry, is_public_http_url, parse_allow_entry
from briefing.pipeline import build_brief
from briefing.render.environment import make_environment


@pytest.mark.parametrize(
    "url",
    [
        "https://www.harbourledger.example/2026/11/18/port-strike",
        "http://news.example.com/a?b=c",
        "https://93.184.216.34/article",
        "https://[2606:4700::6810:85e5]/a",
        "https://xn--bcher-kva.example/",
    ],
)
def test_public_addresses_are_links(url: str) -> None:
    assert is_public_http_url(url)


@pytest.mark.parametrize(
    "url",
    [
        "http://169.254.169.254/latest/meta-data/",  # cloud metadata
        "http://2852039166/latest/meta-data/",  # the same, as one integer
        "http://0xa9.0xfe.0xa9.0xfe/",  # ... in hex
        "http://0251.0376.0251.0376/",  # ... in octal
        "http://127.0.0.1:8000/",
        "http://127.1/",
        "http://0x7f.1/",
        "http://0/",
        "http://[::1]/",
        "http://[::ffff:127.0.0.1]/",
        "http://[fe80::1%25eth0]/",
        "http://10.0.0.5/intranet",
        "http://192.168.1.1/admin",
        "http://100.64.0.1/",
        "http://localhost:8080/",
        "http://LOCALHOST./",
        "http://app.localhost/",
        "http://printer.local/",
        "http://metadata.google.internal/",
        "http://router.home.arpa/",
        "http://intranet/",
        "http://１２７。０。０。１/",  # full-width digits and ideographic full stops
        "http://%31%32%37.0.0.1/",
        "http://user:pw@10.0.0.1/",
        "javascript:alert(1)",
        "file:///etc/passwd",
        "ftp://example.com/x",
        "http:///nohost",
        "http://exa mple.com/",
        "http://example.com:99999/",
        "",
        None,
    ],
)
def test_other_addresses_are_not(url: str | None) -> None:
    assert not is_public_http_url(url)


def test_allow_entries() -> None:
    assert parse_allow_entry("Intranet.Example.:8080") == AllowEntry(8080, host="intranet.example")
    entry = parse_allow_entry("10.0.0.0/8:443")
    assert str(entry) == "10.0.0.0/8:443" and entry.network is not None
    assert str(parse_allow_entry("[fd00::/8]:443")) == "[fd00::/8]:443"
    assert str(parse_allow_entry("127.0.0.1:80")) == "127.0.0.1/32:80"
    for bad in ("intranet", "10.0.0.0/8", "host:0", "host:http", "[::1]", "bad host:80", ":80"):
        with pytest.raises(ValueError):
            parse_allow_entry(bad)


def test_the_http_url_filter_links_public_addresses_only() -> None:
    env = make_environment()
    render = env.from_string("{{ url | http_url }}")
    assert render.render(url="https://news.example/a") == "https://news.example/a"
    assert render.render(url="http://169.254.169.254/x") == "None"
    assert render.render(url="http://localhost/x") == "None"


def test_a_private_source_address_is_text_not_a_link_in_every_output(
    config: Config, tmp_path: Path
) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    for name, url in (("meta", "http://169.254.169.254/latest/meta-data/"),
                      ("public", "https://www.harbourledger.example/2026/11/18/port-strike")):
        (folder / f"{name}.md").write_text(
            f"---\ntitle: Saltmere dockers walk out ({name})\nurl: {url}\n---\n"
            f"Dock workers at Saltmere walked out on Wednesday after talks collapsed, the union "
            f"said. About 4,300 members are taking part ({name}).\n",
            encoding="utf-8",
        )
    result = build_brief(config, sources=[folder], engine="extractive")
    html = result.files.html.read_text(encoding="utf-8")
    text = result.files.text.read_text(encoding="utf-8")
    assert 'href="https://www.harbourledger.example/2026/11/18/port-strike"' in html
    assert "169.254.169.254" not in html and "169.254.169.254" not in text
    assert "Saltmere dockers walk out (meta)" in html  # the source is still listed, as text
    links = [
        annotation.get_object()["/A"]["/URI"]
        for page in pypdf.PdfReader(result.files.pdf).pages
        for annotation in page.get("/Annots") or []
        if "/A" in annotation.get_object() and "/URI" in annotation.get_object()["/A"]
    ]
    assert "https://www.harbourledger.example/2026/11/18/port-strike" in links
    assert not any("169.254" in link for link in links)
