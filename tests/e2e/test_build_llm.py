"""`briefing build` with an LLM endpoint: the real openai client against a loopback server."""

from __future__ import annotations

import html
import logging
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from openai_server import (
    FakeOpenAI,
    Reply,
    Request,
    answer,
    article_bodies,
    error,
    first_sentence,
)
from recorded import newest_folder

from briefing.cli import main
from e2e.outputs import read_outputs

SECRET = "sk-test-SECRET-never-print-0123456789"


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[FakeOpenAI]:
    with FakeOpenAI() as server:
        monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
        monkeypatch.setenv("OPENAI_API_KEY", SECRET)
        # No retries: failure tests must not wait for backoff.
        (tmp_path / "briefing.toml").write_text("[llm]\nmodel = 'test-model'\nmax_retries = 0\n")
        yield server


def build(tmp_path: Path, seeds: Path) -> Path:
    assert main(["build", "--source", str(seeds), "--out", str(tmp_path / "out")]) == 0
    return newest_folder(tmp_path / "out" / "default")


def test_llm_writes_the_brief_and_a_rebuild_makes_no_calls(
    tmp_path: Path, seeds_dir: Path, fake: FakeOpenAI, caplog: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
) -> None:
    caplog.set_level(logging.DEBUG)
    outputs = read_outputs(build(tmp_path, seeds_dir))
    data = outputs.data
    assert data["engine"] == "llm:test-model"
    assert "summarized by test-model" in data["coverage"]
    assert set(data["prompt_versions"]) >= {"story_bullets"}
    bullets = [b for story in data["stories"] for b in story["bullets"]]
    assert bullets and all(b["origin"] == "llm" and b["verified"] for b in bullets)
    calls = len(fake.chat_requests)
    assert calls >= len(data["stories"])

    build(tmp_path, seeds_dir)
    assert len(fake.chat_requests) == calls, "a rebuild with no new articles must not call"

    capsys.readouterr()
    assert main(["usage"]) == 0
    assert "test-model" in capsys.readouterr().out
    assert SECRET not in outputs.everything() + caplog.text
    for stored in (tmp_path / ".briefing").iterdir():  # the database and its WAL
        assert SECRET.encode() not in stored.read_bytes()


def hallucinating(request: Request) -> Reply:
    """Cites a real article but adds a number, a name and a link none of them contain."""
    labels = list(article_bodies(request.user))
    schema = request.schema or {}
    key = (schema.get("required") or ["bullets"])[0]
    return answer(
        key,
        ("Officials agreed a 987654 million deal brokered by Zorblax Quentaro.", labels[:1]),
        ("Details are at https://evil.example/phish for readers.", labels[:1]),
    )


def test_invented_facts_never_reach_a_reader(
    tmp_path: Path, seeds_dir: Path, fake: FakeOpenAI
) -> None:
    fake.handler = hallucinating
    outputs = read_outputs(build(tmp_path, seeds_dir))
    everything = outputs.everything()
    for invented in ("987654", "Zorblax", "evil.example"):
        assert invented not in everything
    data = outputs.data
    assert data["dropped"]["count"] >= 2 * len(data["stories"])
    # Every story fell back to its extractive bullets, and the brief says so.
    origins = {b["origin"] for story in data["stories"] for b in story["bullets"]}
    assert origins == {"extractive-fallback"}
    stories = len(data["stories"])
    assert data["coverage"].endswith(f"{stories} stories written offline because no model "
                                     "bullet passed the checks")
    assert any("summarized offline" in note for note in data["build_notes"])
    # Readers are told how many model bullets were withheld, and why.
    [withheld] = [n for n in data["notes"] if "model bullets were dropped" in n]
    assert withheld.startswith(f"{data['dropped']['count']} model bullets were dropped: ")
    assert "with a number its sources do not state" in withheld
    assert withheld in " ".join(outputs.text.split())
    # Every bullet is marked as an offline fallback, and the legend says what that means.
    assert "Marks: (offline summary) quoted from the articles" in " ".join(outputs.text.split())
    assert "\u25c6" not in outputs.text  # no model-written bullet


def test_an_unavailable_llm_falls_back_with_a_visible_note(
    tmp_path: Path, seeds_dir: Path, fake: FakeOpenAI
) -> None:
    fake.handler = lambda request: error(500, "upstream exploded")
    outputs = read_outputs(build(tmp_path, seeds_dir))
    stories = len(outputs.data["stories"])
    [note] = [n for n in outputs.data["build_notes"] if "summarized offline" in n]
    # Each story is counted under its own reason: the first ones failed, the rest were
    # not sent once the server had failed three stories in a row.
    assert note.startswith(f"{stories} of {stories} stories summarized offline: ")
    assert "the LLM server failed with an error" in note
    # Readers learn it from the coverage line, not from a second note saying it again.
    coverage = outputs.data["coverage"]
    assert f"{stories} stories written offline " in coverage
    assert "because the LLM server failed with an error" in coverage
    assert "summarized by" not in coverage
    assert coverage in " ".join(outputs.text.split())
    assert not any("summarized offline" in n for n in outputs.data["notes"])
    story_notes = [story["notes"] for story in outputs.data["stories"]]
    assert ["summarized offline: the LLM server failed with an error"] in story_notes
    assert SECRET not in outputs.everything()


def test_engine_llm_without_an_endpoint_is_a_one_line_error(
    tmp_path: Path, seeds_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["build", "--source", str(seeds_dir), "--engine", "llm", "--out", str(tmp_path)])
    assert code != 0
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "error:" in err


# -- a small local model's junk never reaches a reader ----------------------------------

#: What gemma-3-270m answered to the project's prompts (issue #18): ids as bullets, and a
#: sentence of the top-lines prompt, three times, as top lines.
ECHO = ("You write the top lines of a news brief: the 3 or fewer sentences a busy reader "
        "should see first, across all of the brief's stories.")
BULLET_ECHO = "Use only facts stated in the articles."


def junk_model(request: Request) -> Reply:
    bodies = article_bodies(request.user)
    labels = list(bodies)
    if request.task == "top_lines":
        every = sorted(set(re.findall(r"\bA\d+\b", request.user)))
        return answer("lines", (ECHO, every), (ECHO, every), (ECHO, every))
    real = [(first_sentence(bodies[label], 300), [label]) for label in labels[:2]]
    key = "facts" if request.task == "article_facts" else "bullets"
    return answer(key, ("A1", labels[:1]), (BULLET_ECHO, labels), *real)


def test_ids_and_prompt_echoes_never_reach_any_output(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with FakeOpenAI() as server:
        server.handler = junk_model
        monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
        (tmp_path / "briefing.toml").write_text("[llm]\nmodel = 'gemma'\nmax_retries = 0\n")
        # The bundled example articles: no corpus needed.
        assert main(["build", "--out", str(tmp_path / "out")]) == 0
    (day,) = (tmp_path / "out" / "default").iterdir()
    outputs = read_outputs(day)
    flat = " ".join(outputs.everything().split())
    for junk in (ECHO, BULLET_ECHO, "You write the top lines"):
        assert junk not in flat
    data = outputs.data
    bullets = [b for story in data["stories"] for b in story["bullets"]]
    assert not any(re.fullmatch(r"\W*A\d+\W*", b["text"]) for b in bullets)
    assert data["top_lines"] == []
    # The faithful bullets of the same run are kept, verified, in every output.
    kept = [b for b in bullets if b["origin"] == "llm"]
    assert kept and all(b["verified"] for b in kept)
    assert len(kept) == len(bullets)  # no story needed to fall back
    assert data["dropped"]["reasons"]["prompt-echo"] >= len(data["stories"])
    assert data["dropped"]["reasons"]["too-short"] >= len(data["stories"])
    pdf = " ".join(outputs.pdf_text.split())
    text = " ".join(outputs.text.split())
    page = " ".join(html.unescape(outputs.html).split())
    for bullet in kept:
        words = " ".join(bullet["text"].split()[:6])
        assert words in text and words in page
        assert words.replace(" ", "") in pdf.replace(" ", "")
    # Each model-written bullet carries the mark, explained under the coverage line.
    assert text.count("\u25c6") == len(kept) + 1  # the bullets' marks and the legend's
    assert page.count("\u25c6") == len(kept) + 1
    assert pdf.count("\u25c6") == len(kept) + 1
    legend = "Marks: \u25c6 written by gemma and checked against the articles it cites."
    assert legend in text and legend in page and legend in pdf
    assert data["coverage"].endswith(f"{len(data['stories'])} stories summarized by gemma")
    # The withheld lines (the echoed top lines too) are counted for readers.
    [withheld] = [n for n in data["notes"] if "model bullets were dropped" in n]
    assert withheld.startswith(f"{data['dropped']['count']} model bullets were dropped: ")
    assert "repeating the prompt" in withheld and withheld in text and withheld in page
    # The 3 echoed top lines are counted beside the bullets.
    assert data["dropped"]["reasons"]["prompt-echo"] >= len(data["stories"]) + 3
