"""An update's link to the earlier brief: relative on disk, absolute or gone in an email."""

from __future__ import annotations

import dataclasses
import shutil
from datetime import datetime, timedelta, timezone
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default
from pathlib import Path

import pytest

from briefing.config import ArchiveSettings, Config, ProfileConfig, SmtpSettings, load_config
from briefing.deliver import send_brief
from briefing.deliver.links import brief_page_url, fix_html_links, fix_text_links
from briefing.pipeline import build_brief
from briefing.storage import Storage, open_storage

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "articles"
CET = timezone(timedelta(hours=1))
DAY_ONE = [  # other events beside the strike, as on a real day
    "harbour-ledger/2026-11-18-saltmere-port-strike.md",
    "northgate-courier/2026-11-19-saltmere-strike-ships-queue.md",
    "meridian-wire/2026-11-19-bank-of-kestria-cuts-rates.txt",
    "northgate-courier/2026-11-16-storm-odile-floods-lenmouth.md",
]
DAY_TWO = [
    "meridian-wire/2026-11-20-kestria-appoints-mediator-saltmere-strike.txt",
    "harbour-ledger/2026-11-21-saltmere-strike-talks-resume.md",
]


def test_html_links_become_absolute_under_the_published_folder() -> None:
    html = '<p>New since <a class="x" href="../2026-11-19/brief.html">2026-11-19</a>.</p>'
    page = "https://briefs.example.org/out/default/2026-11-22/"
    fixed = fix_html_links(html, page)
    assert 'href="https://briefs.example.org/out/default/2026-11-19/brief.html"' in fixed
    assert fix_html_links(html, None) == "<p>New since 2026-11-19.</p>"
    source = '<a href="https://news.example/a">A</a>'
    assert fix_html_links(source, None) == source  # absolute source links are kept


def test_text_links_even_when_wrapped() -> None:
    text = (
        "  * Talks resume (update; earlier brief: 2026-11-19,\n    ../2026-11-19/brief.html)\n"
        "   New since the brief of 2026-11-19 (../2026-11-19/brief.html).\n"
    )
    assert fix_text_links(text, None) == (
        "  * Talks resume (update; earlier brief: 2026-11-19)\n"
        "   New since the brief of 2026-11-19.\n"
    )
    absolute = fix_text_links(text, "https://b.example/default/2026-11-22/")
    assert absolute.count("https://b.example/default/2026-11-19/brief.html") == 2
    assert "../" not in absolute


def test_page_url_only_for_folders_under_the_archive(tmp_path: Path) -> None:
    out = tmp_path / "out"
    day = out / "default" / "2026-11-22"
    assert brief_page_url("https://b.example/x", out, day) == "https://b.example/x/default/2026-11-22/"
    assert brief_page_url("https://b.example/x", out, tmp_path / "elsewhere") is None
    assert brief_page_url(None, out, day) is None


def _copy(names: list[str], folder: Path) -> None:
    for name in names:
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(EXAMPLES / name, folder / name)


def _emailed_parts(config: Config, store: Storage, brief_id: int) -> tuple[str, str]:
    report = send_brief(config, store, brief_id, dry_run=True)
    message = message_from_bytes(report.files[0].read_bytes(), policy=default)
    assert isinstance(message, EmailMessage)
    html = message.get_body(("html",))
    text = message.get_body(("plain",))
    assert html is not None and text is not None
    return str(html.get_content()), str(text.get_content())


@pytest.mark.parametrize("base_url", [None, "https://briefs.example.org/archive/"])
def test_sent_update_has_no_relative_link(tmp_path: Path, base_url: str | None) -> None:
    config = load_config(cwd=tmp_path)
    config = dataclasses.replace(
        config,
        smtp=SmtpSettings(host="127.0.0.1", security="none", from_address="b@news.example"),
        archive=ArchiveSettings(site=False, base_url=base_url),
        profiles={"default": ProfileConfig(name="default", recipients=("ada@example.org",))},
    )
    folder = tmp_path / "articles"
    _copy(DAY_ONE, folder)
    build_brief(config, sources=[folder], now=datetime(2026, 11, 19, 20, 0, tzinfo=CET))
    _copy(DAY_TWO, folder)
    second = build_brief(config, sources=[folder], now=datetime(2026, 11, 22, 9, 0, tzinfo=CET))
    on_disk = (second.folder / "brief.html").read_text(encoding="utf-8")
    assert 'href="../2026-11-19/brief.html"' in on_disk  # browsing out/ follows it

    with open_storage(config.paths.store) as store:
        html, text = _emailed_parts(config, store, second.brief_id)
    assert "../2026-11-19" not in html and "../2026-11-19" not in text
    assert "2026-11-19" in html and "2026-11-19" in text  # the date stays
    if base_url:
        earlier = "https://briefs.example.org/archive/default/2026-11-19/brief.html"
        assert f'href="{earlier}"' in html and earlier in text
