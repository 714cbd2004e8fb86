"""Symbolic links in a source folder are not followed outside the folder given."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from briefing.ingest.files import read_paths

ARTICLE = (
    "Port workers walk out\n\nDock workers at the port walked out on Wednesday, the union said.\n"
)


def test_links_out_of_the_folder_are_named_and_not_read(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    outside = tmp_path / "outside"
    (outside / "deep").mkdir(parents=True)
    (outside / "secret.txt").write_text("Private notes\n\nThe password is hunter2.\n", "utf-8")
    (outside / "deep" / "more.txt").write_text("More\n\nAnother private file here.\n", "utf-8")
    folder = tmp_path / "articles"
    (folder / "ledger").mkdir(parents=True)
    (folder / "ledger" / "strike.txt").write_text(ARTICLE, "utf-8")
    (folder / "stolen.txt").symlink_to(outside / "secret.txt")  # a file outside
    (folder / "elsewhere").symlink_to(outside, target_is_directory=True)  # a folder outside
    (folder / "ledger" / "up.txt").symlink_to(Path("..") / ".." / "outside" / "secret.txt")
    (folder / "same.txt").symlink_to(folder / "ledger" / "strike.txt")  # inside: fine
    (folder / "ledger" / "loop").symlink_to(folder, target_is_directory=True)

    with caplog.at_level(logging.WARNING, logger="briefing"):
        result = read_paths([folder])

    read = sorted(Path(document.location).relative_to(folder).as_posix()
                  for document in result.documents)
    assert read == ["ledger/strike.txt", "same.txt"]
    assert all("hunter2" not in document.text for document in result.documents)
    warned = "\n".join(record.getMessage() for record in caplog.records)
    for name in ("stolen.txt", "elsewhere", "ledger/up.txt"):
        assert f"{folder / name}: a symbolic link to outside {folder}, not followed" in warned
    assert "same.txt" not in warned and "loop" not in warned


def test_a_folder_given_through_a_link_is_still_its_own_boundary(tmp_path: Path) -> None:
    real = tmp_path / "real"
    real.mkdir()
    (real / "strike.txt").write_text(ARTICLE, "utf-8")
    (tmp_path / "via").symlink_to(real, target_is_directory=True)
    (real / "also.txt").symlink_to(real / "strike.txt")
    result = read_paths([tmp_path / "via"])
    assert len(result.documents) == 2  # the link inside the (linked) folder leads inside it
