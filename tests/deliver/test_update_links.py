"""Links that leave a brief's folder: an update's link to the earlier brief, and "View in
browser". Absolute in the email, text and PDF when ``[archive] base_url`` is set, absent
otherwise; relative on the archive's own page. Written when the brief is built."""

from __future__ import annotations

import dataclasses
import shutil
from datetime import datetime, timedelta, timezone
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default
from pathlib import Path

import pypdf
import pytest

from briefing.config import ArchiveSettings, Config, ProfileConfig, SmtpSettings, load_config
from briefing.deliver import send_brief
from briefing.pipeline import BuildResult, build_brief
from briefing.render.context import ReaderLinks
from briefing.storage import Storage, open_storage

from .test_send import hrefs

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
BASE = "https://briefs.example.org/archive/"


def _copy(names: list[str], folder: Path) -> None:
    for name in names:
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(EXAMPLES / name, folder / name)


def _config(tmp_path: Path, base_url: str | None, *, site: bool = True) -> Config:
    config = load_config(cwd=tmp_path)
    return dataclasses.replace(
        config,
        smtp=SmtpSettings(host="127.0.0.1", security="none", from_address="b@news.example",
                          list_unsubscribe_url="https://news.example/unsubscribe?list=d"),
        archive=ArchiveSettings(site=site, base_url=base_url),
        profiles={"default": ProfileConfig(name="default", recipients=("ada@example.org",))},
    )


def _two_days(config: Config, tmp_path: Path, out: Path | None = None) -> BuildResult:
    folder = tmp_path / "articles"
    _copy(DAY_ONE, folder)
    build_brief(config, sources=[folder], out_root=out,
                now=datetime(2026, 11, 19, 20, 0, tzinfo=CET))
    _copy(DAY_TWO, folder)
    return build_brief(config, sources=[folder], out_root=out,
                       now=datetime(2026, 11, 22, 9, 0, tzinfo=CET))


def _emailed_parts(config: Config, store: Storage, brief_id: int) -> tuple[str, str]:
    report = send_brief(config, store, brief_id, dry_run=True)
    message = message_from_bytes(report.files[0].read_bytes(), policy=default)
    assert isinstance(message, EmailMessage)
    html = message.get_body(("html",))
    text = message.get_body(("plain",))
    assert html is not None and text is not None
    return str(html.get_content()), str(text.get_content())


def _pdf_links(path: Path) -> set[str]:
    links = set()
    for page in pypdf.PdfReader(path).pages:
        for annotation in page.get("/Annots") or []:
            action = annotation.get_object().get("/A")
            if action is not None and "/URI" in action:
                links.add(str(action["/URI"]))
    return links


@pytest.mark.parametrize("site", [True, False])
def test_with_a_base_url_every_link_out_of_the_folder_is_absolute(
    tmp_path: Path, site: bool
) -> None:
    config = _config(tmp_path, BASE, site=site)
    second = _two_days(config, tmp_path)
    page = "index.html" if site else "brief.html"
    earlier = f"{BASE}default/2026-11-19/{page}"
    view = f"{BASE}default/{second.folder.name}/{page}"

    on_disk = (second.folder / "brief.html").read_text(encoding="utf-8")
    text = (second.folder / "brief.txt").read_text(encoding="utf-8")
    assert {earlier, view} <= hrefs(on_disk)
    assert "View in browser" in on_disk and earlier in text and view in text
    assert "../" not in on_disk and "../" not in text
    assert {earlier} <= _pdf_links(second.folder / "brief.pdf")
    assert not any(link.startswith("file:") for link in _pdf_links(second.folder / "brief.pdf"))
    if site:  # the archive's own page links within the archive
        archive_page = (second.folder / "index.html").read_text(encoding="utf-8")
        assert 'href="../2026-11-19/brief.html"' in archive_page
        assert "View in browser" not in archive_page and "Unsubscribe" not in archive_page

    with open_storage(config.paths.store) as store:
        html, plain = _emailed_parts(config, store, second.brief_id)
    assert {earlier, view} <= hrefs(html) and earlier in plain and view in plain
    assert html.replace("\r\n", "\n").rstrip() == on_disk.rstrip()  # sent as built


def test_without_a_base_url_there_is_no_dead_link(tmp_path: Path) -> None:
    config = _config(tmp_path, None)
    second = _two_days(config, tmp_path)
    on_disk = (second.folder / "brief.html").read_text(encoding="utf-8")
    text = (second.folder / "brief.txt").read_text(encoding="utf-8")
    assert "2026-11-19" in on_disk and "2026-11-19" in text  # the date stays
    assert "../" not in on_disk and "../" not in text and "View in browser" not in on_disk
    assert not any(link.startswith("file:") for link in _pdf_links(second.folder / "brief.pdf"))
    with open_storage(config.paths.store) as store:
        html, plain = _emailed_parts(config, store, second.brief_id)
    assert "../2026-11-19" not in html and "../2026-11-19" not in plain
    assert all(href.startswith(("https://", "http://", "mailto:")) for href in hrefs(html))


def test_a_brief_built_outside_the_archive_gets_no_archive_links(tmp_path: Path) -> None:
    config = _config(tmp_path, BASE)
    second = _two_days(config, tmp_path, out=tmp_path / "elsewhere")
    on_disk = (second.folder / "brief.html").read_text(encoding="utf-8")
    assert BASE not in on_disk and "../" not in on_disk


def test_an_older_brief_with_relative_links_is_rendered_again_when_sent(tmp_path: Path) -> None:
    """Briefs built before links were absolute hold "../<date>/brief.html": the email
    is rendered again from the recorded brief, never sent with a dead link."""
    config = _config(tmp_path, BASE)
    second = _two_days(config, tmp_path)
    for name in ("brief.html", "brief.txt"):  # as an older version wrote them
        path = second.folder / name
        old = path.read_text(encoding="utf-8").replace(
            f"{BASE}default/2026-11-19/index.html", "../2026-11-19/brief.html")
        path.write_text(old, encoding="utf-8")
    with open_storage(config.paths.store) as store:
        html, plain = _emailed_parts(config, store, second.brief_id)
    assert "../2026-11-19" not in html and "../2026-11-19" not in plain
    assert f"{BASE}default/2026-11-19/index.html" in hrefs(html)


def test_reader_links_only_for_a_safe_slug() -> None:
    links = ReaderLinks(base_url="https://b.example/x")
    assert links.brief_url("morning news", "2026-11-22-2") == (
        "https://b.example/x/morning-news/2026-11-22-2/index.html")
    assert links.brief_url("default", "../../etc") is None
    assert links.brief_url("default", None) is None
    assert ReaderLinks().brief_url("default", "2026-11-22") is None
    assert ReaderLinks(base_url="javascript:alert(1)").brief_url("d", "2026-11-22") is None
