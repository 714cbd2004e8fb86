"""One brief, one identity: its own id and folder, one model and codec, local dates,
the whole brief on its archive page, nothing of the operator's in a reader's brief."""

from __future__ import annotations

import dataclasses
import email
import email.policy
import html
import re
import shutil
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
from pypdf import PdfReader
from recorded import newest_folder
from render_samples import make_brief

import briefing
from briefing.archive import list_briefs
from briefing.brief import (
    AlsoNoted,
    PreviousBrief,
    brief_from_dict,
    brief_to_dict,
    read_brief_json,
)
from briefing.cli import main
from briefing.clock import host_zone
from briefing.config import load_config
from briefing.deliver import dry_run_folder
from briefing.publishing import publish, send
from briefing.render import render_brief
from briefing.storage import open_storage
from briefing.summarize.base import Summarizer
from briefing.summarize.extractive import ExtractiveSummarizer

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples" / "articles"
NOON_UTC = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


def write_config(tmp_path: Path, extra: str = "") -> Path:
    path = tmp_path / "briefing.toml"
    path.write_text(
        '[brief]\nengine = "extractive"\n\n'
        '[smtp]\nfrom_address = "Desk <desk@example.org>"\n\n'
        '[profiles.default]\nrecipients = ["ann@example.net"]\n' + extra,
        encoding="utf-8",
    )
    return path


def articles(tmp_path: Path, *outlets: str) -> Path:
    folder = tmp_path / "articles"
    for outlet in outlets or ("harbour-ledger", "meridian-wire"):
        shutil.copytree(EXAMPLES / outlet, folder / outlet)
    return folder


def test_the_codec_reads_back_every_field_it_writes() -> None:
    brief = dataclasses.replace(
        make_brief(20), id=7, slug="2025-03-04-2", build_notes=("2 input files could not "
                                                                "be used",),
        also_noted=(AlsoNoted("s99", "Quiet story", ("Wire",), 2, "https://w.example/q"),),
    )
    first = brief.stories[0]
    stories = (dataclasses.replace(first, is_update=True, previous_brief=PreviousBrief(
        3, "2025-03-03", "2025-03-03")), *brief.stories[1:])
    brief = dataclasses.replace(brief, stories=stories)

    again = brief_from_dict(brief_to_dict(brief))

    assert brief_to_dict(again) == brief_to_dict(brief)
    assert again.generated_at == brief.generated_at
    assert again.generated_at.utcoffset() == brief.generated_at.utcoffset()
    assert again.stories[0].previous_brief == PreviousBrief(3, "2025-03-03", "2025-03-03")
    assert again.stories[0].previous_brief.href == "../2025-03-03/brief.html"


def test_two_briefs_of_a_profile_on_one_day_keep_their_own_folders_and_content(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = load_config(write_config(tmp_path))
    source = articles(tmp_path)
    first = publish(config, sources=[source], title="Morning Brief", now=NOON_UTC)
    second = publish(config, sources=[source], title="Evening Brief",
                     now=NOON_UTC.replace(hour=18))

    assert (first.build.folder.name, second.build.folder.name) == ("2026-12-01", "2026-12-01-2")
    assert (first.brief_id, second.brief_id) == (1, 2)
    assert read_brief_json(first.build.folder / "brief.json").title == "Morning Brief"
    listed = list_briefs(config)
    assert [e.key for e in listed] == ["default/2026-12-01-2", "default/2026-12-01"]
    capsys.readouterr()
    assert main(["archive", "list", "--config", str(config.file)]) == 0
    assert len(capsys.readouterr().out.splitlines()) == 2

    # Brief 1, sent after brief 2 was built, is brief 1: its Subject, text and PDF.
    delivery = send(config, 1, dry_run=True)
    assert delivery.report is not None
    (eml,) = delivery.report.files
    message = email.message_from_bytes(eml.read_bytes(), policy=email.policy.default)
    assert message["Subject"].startswith("Morning Brief: ")  # brief 1's title, top story
    text = message.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert text.replace("\r\n", "\n") == (first.build.folder / "brief.txt").read_text("utf-8")
    (attachment,) = message.iter_attachments()
    assert attachment.get_content() == (first.build.folder / "brief.pdf").read_bytes()
    assert attachment.get_filename() == "morning-brief-2026-12-01.pdf"
    assert eml.parent == dry_run_folder(config) / "default" / "2026-12-01"


def test_every_date_a_reader_sees_is_the_profiles_local_date(tmp_path: Path) -> None:
    # 16:59 UTC on 1 December is 06:59 on 2 December in Kiritimati (UTC+14).
    config = load_config(write_config(tmp_path, '\n[profiles.default.schedule]\n'
                                                'deliver_at = "07:00"\n'
                                                'timezone = "Pacific/Kiritimati"\n'))
    result = publish(config, sources=[articles(tmp_path, "meridian-wire")],
                     now=datetime(2026, 12, 1, 16, 59, tzinfo=UTC))
    folder = result.build.folder
    assert folder.name == "2026-12-02"
    brief = read_brief_json(folder / "brief.json")
    assert brief.generated_at.isoformat() == "2026-12-02T06:59:00+14:00"
    assert brief.zone_name == "Pacific/Kiritimati"
    text = (folder / "brief.txt").read_text("utf-8")
    assert "Wednesday, 2 December 2026" in text
    assert "Generated 2 December 2026, 06:59 +14" in text
    assert "1 December" not in text

    delivery = send(config, result.brief_id, dry_run=True)
    assert delivery.report is not None
    raw = delivery.report.files[0].read_bytes()
    message = email.message_from_bytes(raw, policy=email.policy.default)
    assert "1 December" not in message["Subject"]  # the Subject names the top story
    (attachment,) = message.iter_attachments()
    assert attachment.get_filename().endswith("-2026-12-02.pdf")


def test_the_host_zone_follows_tz(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TZ", "Pacific/Kiritimati")
    assert str(host_zone()) == "Pacific/Kiritimati"


def test_the_archive_page_shows_the_whole_brief(tmp_path: Path) -> None:
    brief = make_brief(30)
    update = dataclasses.replace(
        brief.stories[1], is_update=True,
        previous_brief=PreviousBrief(4, "2025-03-03", "2025-03-03"),
    )
    brief = dataclasses.replace(
        brief, stories=(brief.stories[0], update, *brief.stories[2:]),
        also_noted=(AlsoNoted("s77", "Ferry timetable changes", ("Wire",), 2, None),),
    )
    files = render_brief(brief, tmp_path)
    assert files.page is not None
    page = files.page.read_text("utf-8")
    flat = " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())

    for label in ("Top lines", "Developing stories", "Also noted", "Sources",
                  "Ferry timetable changes", "Update:", "New since the brief of 2025-03-03"):
        assert label in flat, label
    for line in brief.top_lines:
        assert line.text.replace("&", "&amp;") in page or line.text in flat
    for story in brief.stories:
        assert " ".join(story.headline.split()) in flat
        for bullet in story.bullets:
            assert " ".join(bullet.text.split()) in flat
        for note in story.notes:
            assert note in flat
        outlets = " · ".join(o for o in story.outlets if o)
        assert outlets in flat
    for note in brief.notes:
        assert note in flat
    assert brief.coverage in flat
    dated = [s for s in brief.sources if s.published is not None]
    assert dated and all(f"{s.published.day} {s.published:%b %Y}" in flat for s in dated)
    assert 'href="../2025-03-03/brief.html"' in page


def test_readers_never_see_paths_profiles_operator_notes_or_raw_timestamps(
    tmp_path: Path,
) -> None:
    source = articles(tmp_path)
    (source / "meridian-wire" / "broken.txt").write_bytes(b"\x00\x01binary" * 50)
    config = load_config(write_config(tmp_path).parent / "briefing.toml")
    config = dataclasses.replace(config, profiles={
        "ops-desk-7": dataclasses.replace(config.profile("default"), name="ops-desk-7")
    })
    result = publish(config, "ops-desk-7", sources=[source], now=NOON_UTC)
    folder = result.build.folder
    brief = result.build.brief
    assert brief.build_notes and "could not be used" in brief.build_notes[0]

    delivery = send(config, result.brief_id, dry_run=True)
    assert delivery.report is not None
    eml = delivery.report.files[0].read_bytes().decode("utf-8", "replace")
    pdf = " ".join(page.extract_text() for page in PdfReader(folder / "brief.pdf").pages)
    readers = {
        "brief.txt": (folder / "brief.txt").read_text("utf-8"),
        "brief.html": (folder / "brief.html").read_text("utf-8"),
        "index.html": (folder / "index.html").read_text("utf-8"),
        "brief.pdf": pdf,
        "email": email.message_from_string(eml, policy=email.policy.default)
        .get_body(("plain",)).get_content(),  # type: ignore[union-attr]
    }
    for name, text in readers.items():
        assert str(tmp_path) not in text, name
        assert "ops-desk-7" not in text, name
        assert "could not be used" not in text, name
        assert not re.search(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}", text), name
        assert "Generated 1 December 2026, 12:00" in " ".join(text.split()), name
    # The operator's notes are in brief.json, and local paths nowhere in it.
    data = (folder / "brief.json").read_text("utf-8")
    assert "could not be used: meridian-wire/broken.txt" in data
    assert str(tmp_path) not in data
    assert all(s.url is None or s.url.startswith("http") for s in brief.sources)


def test_leftover_temporary_folders_go_at_the_next_build(tmp_path: Path) -> None:
    config = load_config(write_config(tmp_path))
    stale = config.paths.out / "default" / ".tmp-99-deadbeef"
    stale.mkdir(parents=True)
    (stale / "brief.json").write_text("{}", encoding="utf-8")
    publish(config, sources=[articles(tmp_path, "meridian-wire")], now=NOON_UTC)
    assert not stale.exists()
    assert [p.name for p in (config.paths.out / "default").iterdir()] == ["2026-12-01"]


def test_the_public_api(tmp_path: Path) -> None:
    from briefing import (  # noqa: F401  (the names the issue promises)
        Brief,
        BriefingError,
        BuildResult,
        build,
        load_config,
        publish,
    )

    assert set(briefing.__all__) >= {"load_config", "build", "publish", "send", "Brief",
                                     "BuildResult", "PublishResult", "BriefingError",
                                     "Summarizer"}
    assert set(briefing.__all__) == {"__version__", *briefing._EXPORTS}
    for name in briefing.__all__:
        assert getattr(briefing, name) is not None
    with pytest.raises(AttributeError):
        briefing.no_such_name  # noqa: B018
    assert (ROOT / "briefing" / "py.typed").is_file()
    assert isinstance(ExtractiveSummarizer(), Summarizer)  # the protocol is complete


def test_public_names_are_never_shadowed_by_submodules() -> None:
    """Importing every submodule first must leave each public name callable.

    A submodule called like a public function (``briefing.publish``) would replace
    the function on the package the moment anything imported it.
    """
    code = (
        "import importlib, pkgutil, briefing\n"
        "for info in pkgutil.walk_packages(briefing.__path__, 'briefing.'):\n"
        "    if not info.name.endswith('__main__'):\n"
        "        importlib.import_module(info.name)\n"
        "import types\n"
        "for name in briefing.__all__:\n"
        "    value = getattr(briefing, name)\n"
        "    assert not isinstance(value, types.ModuleType), name\n"
        "from briefing import publish, send, build\n"
        "assert callable(publish) and callable(send) and callable(build)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            timeout=300)
    assert result.returncode == 0, result.stderr


def test_the_readme_python_example_runs(tmp_path: Path) -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Use from Python", 1)[1].split("\n## ", 1)[0]
    code = re.search(r"```python\n(.*?)```", section, re.DOTALL)
    assert code is not None, "the README's 'Use from Python' section has no example"
    result = subprocess.run([sys.executable, "-c", code.group(1)], cwd=tmp_path,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert newest_folder(tmp_path / "out" / "default").is_dir()
    with open_storage(tmp_path / ".briefing" / "briefing.db") as store:
        assert len(store.briefs.records()) == 1
