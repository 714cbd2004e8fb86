"""``briefing archive ...`` and ``briefing serve`` from the command line."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from rich.console import Console

from archive.briefs import FLOOD_STORY, PORT_STORY, RATES_STORY, WriteBrief
from briefing import cli
from briefing.cli_archive import add_commands
from briefing.config import load_config
from briefing.errors import BriefingError, ConfigError
from briefing.publishing import Publisher
from briefing.storage import open_storage


def _wired() -> bool:
    """Whether briefing.cli already offers ``archive`` (the lead wires add_commands in)."""
    try:
        cli._parser().parse_args(["archive", "list"])
    except SystemExit:
        return False
    return True


def _standalone(argv: Sequence[str]) -> int:
    # Until cli.py registers the commands: the same parser shape and error mapping.
    common = argparse.ArgumentParser(add_help=False, argument_default=argparse.SUPPRESS)
    common.add_argument("--config", type=Path)
    common.add_argument("-q", "--quiet", action="store_true")
    parser = argparse.ArgumentParser(prog="briefing", parents=[common])
    add_commands(parser.add_subparsers(dest="command"), common)
    args = parser.parse_args(argv)
    args.config = getattr(args, "config", None)
    args.quiet = getattr(args, "quiet", False)
    try:
        return int(args.handler(args, load_config(args.config), Console(stderr=True)))
    except ConfigError:
        return 2
    except BriefingError as error:
        print(f"error: {error}", file=__import__("sys").stderr)
        return 1


def run(argv: Sequence[str]) -> int:
    return cli.main(list(argv)) if _wired() else _standalone(argv)


@pytest.fixture
def archive(tmp_path: Path, out_root: Path, write_brief: WriteBrief) -> Path:
    (tmp_path / "briefing.toml").write_text(
        '[paths]\nout = "out"\nstore = "state/briefing.db"\n', encoding="utf-8"
    )
    write_brief("2026-11-19", [FLOOD_STORY], title="Flood brief")
    write_brief("2026-11-20", [RATES_STORY], title="Rates brief")
    write_brief("2026-11-21", [PORT_STORY, RATES_STORY], title="Strike brief")
    write_brief("2026-11-21", [PORT_STORY], profile="europe", title="Europe brief")
    assert run(["archive", "rebuild", "-q"]) == 0
    return out_root


def test_list_newest_first_with_filters(
    archive: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    capsys.readouterr()
    assert run(["archive", "list"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line.split()[0] for line in lines] == [
        "2026-11-21", "2026-11-21", "2026-11-20", "2026-11-19"
    ]
    assert "2 stories  Strike brief" in next(line for line in lines if "Strike" in line)

    assert run(["archive", "list", "--profile", "default", "--since", "2026-11-20"]) == 0
    out = capsys.readouterr().out
    assert "Strike brief" in out and "Rates brief" in out
    assert "Flood brief" not in out and "Europe brief" not in out


def test_search_prints_ranked_hits_with_snippets(
    archive: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    capsys.readouterr()
    assert run(["archive", "search", "port", "--profile", "default"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith(" 1. default/2026-11-21  Strike brief")
    assert lines[1].strip() == "Dockworkers strike at Saltmere port"
    assert "[port]" in lines[2].lower()
    assert any(line.startswith(" 2. ") for line in lines)

    assert run(["archive", "search", "nothing-like-this"]) == 0
    assert "No story matches" in capsys.readouterr().out


def test_search_after_losing_the_store_says_to_rebuild(
    archive: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for path in (tmp_path / "state").iterdir():
        path.unlink()
    capsys.readouterr()
    assert run(["archive", "search", "saltmere"]) == 0
    assert "briefing archive rebuild" in capsys.readouterr().out
    assert run(["archive", "rebuild"]) == 0
    assert "Rebuilt the archive of 4 brief(s)" in capsys.readouterr().out
    assert run(["archive", "search", "saltmere"]) == 0
    assert "Strike brief" in capsys.readouterr().out


def test_open_prints_the_pdf_path(
    archive: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    capsys.readouterr()
    assert run(["archive", "open", "2026-11-20"]) == 0
    assert capsys.readouterr().out.strip() == str(archive / "default/2026-11-20/brief.pdf")

    assert run(["archive", "open", "2026-11-21"]) == 1  # two profiles that day
    assert "add --profile" in capsys.readouterr().err
    assert run(["archive", "open", "europe/2026-11-21"]) == 0
    assert capsys.readouterr().out.strip().endswith("europe/2026-11-21/brief.pdf")
    assert run(["archive", "open", "2020-01-01"]) == 1
    assert run(["archive", "open", "../../etc"]) == 1

    # A brief id from the store's briefs table (what `briefing build` records).
    with open_storage(tmp_path / "state" / "briefing.db") as store:
        record = store.briefs.reserve(
            profile="default", local_date=date(2026, 11, 19), profile_dir=archive / "default",
            owner="test", now=datetime(2026, 11, 19, 7, tzinfo=UTC),
            folder_taken=lambda folder: False,
        )
        store.briefs.publish(record.id)
        brief_id = record.id
    assert run(["archive", "open", str(brief_id)]) == 0
    assert capsys.readouterr().out.strip().endswith("default/2026-11-19/brief.pdf")
    assert run(["archive", "open", "999"]) == 1

    opened: list[str] = []
    monkeypatch.setattr("webbrowser.open", lambda url: opened.append(url) or True)
    assert run(["archive", "open", "2026-11-21", "--profile", "europe", "--open"]) == 0
    assert opened == [(archive / "europe/2026-11-21/brief.pdf").resolve().as_uri()]


def test_serve_needs_a_built_archive(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["serve", "--out", str(tmp_path / "nothing"), "--port", "0"]) == 1
    assert "archive rebuild" in capsys.readouterr().err


def test_the_publish_paths_archive_step_updates_and_never_fails_the_build(
    tmp_path: Path, write_brief: WriteBrief, out_root: Path
) -> None:
    folder = write_brief("2026-11-21", [PORT_STORY])
    config = load_config(cwd=tmp_path)
    import dataclasses

    config = dataclasses.replace(config, paths=dataclasses.replace(config.paths, out=out_root))
    assert Publisher(config).archive(out_root) is not None
    assert (out_root / "index.html").is_file() and (folder / "index.html").is_file()

    blocked = tmp_path / "blocked"
    blocked.write_text("a file where the store's folder should be", encoding="utf-8")
    broken = dataclasses.replace(
        config, paths=dataclasses.replace(config.paths, store=blocked / "db.sqlite")
    )
    warnings: list[str] = []
    assert Publisher(broken).archive(out_root, warnings) is None  # no exception
    assert len(warnings) == 1 and warnings[0].startswith("archive not updated")


def test_archive_without_an_action_shows_help(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["archive"]) == 2
    assert "rebuild" in capsys.readouterr().out
