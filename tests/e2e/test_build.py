"""End to end: `briefing build` from article folders to the four outputs, read back."""

from __future__ import annotations

import json
import re
from collections import Counter, defaultdict
from pathlib import Path

import jsonschema
import pytest
from recorded import newest_folder

from briefing.cli import main
from briefing.resources import SCHEMA_PATH, examples_dir
from e2e.outputs import Outputs, read_outputs

SEED_BOILERPLATE = (
    "Dear readers",
    "Remind me later",
    "Enjoying ad-free content",
    "Comments are closed",
    "You can share this story",
)


def build(tmp_path: Path, *args: str) -> Path:
    out = tmp_path / "out"
    code = main(["build", "--out", str(out), *args])
    assert code == 0
    return newest_folder(out / "default")


def check_structure(outputs: Outputs) -> None:
    data = outputs.data
    jsonschema.validate(data, json.loads(SCHEMA_PATH.read_text(encoding="utf-8")))
    source_ids = {source["id"] for source in data["sources"]}
    for story in data["stories"]:
        assert 1 <= len(story["bullets"]) <= 5
        for bullet in story["bullets"]:
            assert bullet["sources"] and set(bullet["sources"]) <= source_ids
            # Every bullet reaches every reader: PDF (whitespace may differ), HTML, text.
            first_words = " ".join(bullet["text"].split()[:4])
            assert first_words in " ".join(outputs.text.split())
        assert story["headline"].split()[0] in outputs.pdf_text
    assert "Page 1 of" in outputs.pdf_text
    assert data["title"] in outputs.pdf_text
    assert data["engine"] == "extractive"
    assert "offline" in data["coverage"]
    assert data["coverage"] in " ".join(outputs.text.split())


@pytest.fixture(scope="module")
def example_build(tmp_path_factory: pytest.TempPathFactory) -> Outputs:
    tmp_path = tmp_path_factory.mktemp("examples")
    import os

    cwd = os.getcwd()
    os.chdir(tmp_path)  # the store lands in the test's own folder
    try:
        return read_outputs(build(tmp_path))
    finally:
        os.chdir(cwd)


def test_no_arguments_builds_the_bundled_examples(example_build: Outputs) -> None:
    check_structure(example_build)
    example_count = len(
        [
            p
            for p in examples_dir().rglob("*")
            if p.suffix in {".txt", ".md", ".html"} and p.name != "README.md"
        ]
    )
    assert len(example_build.data["sources"]) == example_count
    outlets = {source["outlet"] for source in example_build.data["sources"]}
    assert len(outlets) >= 3
    assert f"{example_count} articles from {len(outlets)} outlets" in example_build.pdf_text


def test_outlet_footers_in_the_examples_reach_no_output(example_build: Outputs) -> None:
    """Lines an outlet repeats in 3+ of its articles are furniture: none may survive."""
    per_outlet: dict[str, Counter[str]] = defaultdict(Counter)
    for path in examples_dir().rglob("*"):
        if path.suffix in {".txt", ".md"} and path.name != "README.md":
            lines = {line.strip() for line in path.read_text(encoding="utf-8").splitlines()}
            per_outlet[path.parent.name].update(
                line for line in lines if len(line) > 12 and not line.startswith(
                    ("title:", "outlet:", "url:", "published:")
                )
            )
    furniture = {line for c in per_outlet.values() for line, n in c.items() if n >= 3}
    assert furniture, "the examples should include an outlet with a repeated footer"
    everything = example_build.everything()
    for line in furniture:
        assert line not in everything


def test_hostile_html_in_the_examples_reaches_no_output(example_build: Outputs) -> None:
    html = example_build.html
    for pattern in (r"<script", r"\son\w+\s*=", r"javascript:", r"file:", r"data:", r"<svg",
                    r"/etc/passwd", r"display:\s*(flex|grid)"):
        assert not re.search(pattern, html, re.IGNORECASE), pattern
        assert not re.search(pattern, example_build.text, re.IGNORECASE), pattern
    hrefs = re.findall(r'href="([^"]*)"', html)
    assert hrefs and all(h.startswith(("http://", "https://")) for h in hrefs)


def test_seed_articles_build_without_boilerplate(tmp_path: Path, seeds_dir: Path) -> None:
    outputs = read_outputs(build(tmp_path, "--source", str(seeds_dir), "--title", "Seeds"))
    check_structure(outputs)
    assert len(outputs.data["stories"]) == 5
    everything = outputs.everything().lower()
    for phrase in SEED_BOILERPLATE:
        assert phrase.lower() not in everything, phrase


def test_titles_are_escaped_everywhere(tmp_path: Path) -> None:
    articles = tmp_path / "in"
    articles.mkdir()
    (articles / "a.md").write_text(
        '---\ntitle: Smith & Sons <b>"record"</b> <Q3> quarter\noutlet: Ledger & Co\n---\n'
        "Smith & Sons reported revenue of 12 million pounds for the quarter, the company said "
        "on Tuesday. Analysts had expected 10 million pounds.\n\nShares rose 4% in early trading.",
        encoding="utf-8",
    )
    outputs = read_outputs(build(tmp_path, "--source", str(articles)))
    # HTML markup in a title is removed as the article comes in (briefing.normalize);
    # angle brackets that are words stay, and are escaped wherever they are rendered.
    assert "<Q3>" not in outputs.html and "&lt;Q3&gt;" in outputs.html
    assert 'Smith &amp; Sons' in outputs.html
    assert 'Smith & Sons "record" <Q3> quarter' in outputs.pdf_text.replace("\n", " ")
    assert outputs.data["stories"][0]["headline"] == 'Smith & Sons "record" <Q3> quarter'


def test_rebuild_recognises_articles_as_seen(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], seeds_dir: Path
) -> None:
    build(tmp_path, "--source", str(seeds_dir))
    capsys.readouterr()
    build(tmp_path, "--source", str(seeds_dir))
    assert "0 new, 5 already seen" in capsys.readouterr().out


def test_missing_source_is_a_one_line_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "no-such-folder"
    assert main(["build", "--source", str(missing), "--out", str(tmp_path / "o")]) != 0
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and str(missing) in err
    assert not (tmp_path / "o").exists()


def test_folder_without_usable_articles_is_an_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "junk"
    folder.mkdir()
    (folder / "empty.txt").write_text("")
    (folder / "binary.md").write_bytes(b"\x00\x01\x02" * 100)
    assert main(["build", "--source", str(folder), "--out", str(tmp_path / "o")]) != 0
    err = capsys.readouterr().err
    assert "no usable article" in err and str(folder) in err


def test_bad_files_are_skipped_when_others_are_usable(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "mixed"
    folder.mkdir()
    (folder / "empty.txt").write_text("")
    (folder / "good.txt").write_text(
        "Council approves new tram line\n\nThe city council approved a 2.4 billion euro tram "
        "line on Monday after a debate lasting nine hours.\n\nConstruction starts in 2027.",
        encoding="utf-8",
    )
    outputs = read_outputs(build(tmp_path, "--source", str(folder)))
    assert len(outputs.data["stories"]) == 1
    captured = capsys.readouterr()
    assert "empty.txt" in captured.err and "empty file" in captured.err
