"""briefing.toml: feed and page sources, and the [fetch] table."""

from __future__ import annotations

from pathlib import Path

import pytest

from briefing.config import FetchSettings, load_config
from briefing.errors import ConfigError


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "briefing.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_feed_and_page_sources_and_fetch_settings(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, """
[fetch]
deadline = 5
max_body_bytes = 1_000_000
allow_private = ["127.0.0.1:8080", "10.0.0.0/8:443", "intranet.example:80", "[fd00::/8]:443"]
respect_robots = false

[[sources]]
name = "ledger"
type = "feed"
url = "https://ledger.example/rss.xml"
outlet = "The Harbour Ledger"

[[sources]]
name = "one"
type = "page"
url = "http://news.example/a"

[[sources]]
name = "files"
path = "articles"
"""))
    assert config.fetch.deadline == 5.0 and config.fetch.max_body_bytes == 1_000_000
    assert config.fetch.allow_private == (
        "127.0.0.1:8080", "10.0.0.0/8:443", "intranet.example:80", "[fd00::/8]:443"
    )
    assert config.fetch.respect_robots is False and config.fetch.full_text is True
    kinds = {s.name: (s.type, s.url, s.path) for s in config.sources}
    assert kinds["ledger"] == ("feed", "https://ledger.example/rss.xml", None)
    assert kinds["one"][0] == "page" and kinds["files"][2] == tmp_path / "articles"


def test_defaults() -> None:
    fetch = FetchSettings()
    assert fetch.max_body_bytes == 10_000_000 and fetch.respect_robots and not fetch.allow_private
    assert "briefing" in fetch.user_agent


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[[sources]]\nname = 'a'\ntype = 'feed'\n",
         "sources[0].url is required for a feed source"),
        ("[[sources]]\nname = 'a'\ntype = 'page'\nurl = 'ftp://x/a'\n",
         "sources[0].url must be an http:// or https:// address"),
        ("[[sources]]\nname = 'a'\ntype = 'feed'\nurl = 'file:///etc/passwd'\n",
         "sources[0].url must be an http"),
        ("[[sources]]\nname = 'a'\ntype = 'folder'\nurl = 'https://x/'\n",
         "sources[0].path is required"),
        ("[fetch]\ndeadline = 0\n", "fetch.deadline must be greater than 0"),
        ("[fetch]\nmax_redirects = -1\n", "fetch.max_redirects must be 0 or more"),
        ("[fetch]\nper_host_delay = -1\n", "fetch.per_host_delay must be 0 or more"),
        ("[fetch]\nallow_private = ['not a host!:80']\n",
         "fetch.allow_private entry 'not a host!:80': neither a host name"),
        # An entry names its port: a bare host would open every port of it.
        ("[fetch]\nallow_private = ['intranet.example']\n",
         "fetch.allow_private entry 'intranet.example': name a port"),
        ("[fetch]\nallow_private = ['10.0.0.0/8']\n", "entry '10.0.0.0/8': name a port"),
        ("[fetch]\nallow_private = ['10.0.0.0/8:99999']\n", "the port must be a number"),
        ("[fetch]\nallow_private = ['fd00::/8:443']\n", "name a port"),
        ("[fetch]\nallow_private = ['[fd00::/8]']\n", "an IPv6 address or range must be written"),
        ("[fetch]\nallow_private = '127.0.0.1'\n", "fetch.allow_private must be a list of strings"),
        ("[fetch]\nuser_agent = ''\n", "fetch.user_agent must be one non-empty line"),
        ("[fetch]\nbogus = 1\n", "unknown key fetch.bogus"),
    ],
)
def test_errors_name_the_key(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message.replace("[", r"\[").replace("]", r"\]")):
        load_config(write(tmp_path, text))
