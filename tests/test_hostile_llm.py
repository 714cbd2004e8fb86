"""A hostile article and a model that obeys it: no injected claim reaches any output.

Real parts: ``briefing build``'s library call with the LLM engine, the real
``openai`` client, the loopback OpenAI server (``tests/openai_server.py``)
playing the fake models of ``tests/hostile_models.py``, WeasyPrint for the PDF
(read back with pypdf). The hostile articles (``tests/data/hostile_articles``)
order a model, in many phrasings, to write claims they never state; their
markers (``tests/data/hostile_claims.json``) are searched in every file written.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

import pypdf
import pytest
from hostile_models import (
    EXAMPLES_DIR,
    HOSTILE_DIR,
    FaithfulModel,
    InjectingModel,
    ObeyingModel,
    paraphrases_by_title,
)
from openai_server import FakeOpenAI, Reply, Request, answer

from briefing.config import Config, LLMConfig
from briefing.pipeline import build_brief

pytestmark = pytest.mark.slow


def llm_config(config: Config, base_url: str, max_bullets: int = 30) -> Config:
    """The LLM engine on ``base_url``; room for every bullet a fake model writes."""
    return dataclasses.replace(
        config,
        llm=LLMConfig(base_url=base_url, model="fake-model", max_retries=0),
        limits=dataclasses.replace(config.limits, max_bullets=max_bullets),
    )


def build(config: Config, handler: Any, sources: list[Path]) -> tuple[Path, list[Request]]:
    with FakeOpenAI() as server:
        server.handler = handler
        result = build_brief(llm_config(config, server.base_url), sources=sources, engine="llm")
        return result.folder, list(server.chat_requests)


def everything_written(out_dir: Path) -> str:
    """The text of every file of the brief, the PDF's as a reader's viewer extracts it."""
    texts = []
    for path in sorted(out_dir.rglob("*")):
        if path.suffix == ".pdf":
            texts += [page.extract_text() or "" for page in pypdf.PdfReader(path).pages]
        elif path.is_file():
            texts.append(path.read_text(encoding="utf-8"))
    return " ".join(" ".join(texts).split()).casefold()


def brief_json(out_dir: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((out_dir / "brief.json").read_text(encoding="utf-8"))
    return data


def llm_bullets(data: dict[str, Any]) -> list[str]:
    return [b["text"] for story in data["stories"] for b in story["bullets"]
            if b["origin"] == "llm"]


def test_an_obeying_model_is_sent_no_order_and_writes_no_injected_claim(config: Config) -> None:
    model = ObeyingModel()
    out_dir, requests = build(config, model, [EXAMPLES_DIR, HOSTILE_DIR])

    # Layer 1: no order reached the model, so it had nothing to obey.
    prompts = "\n".join(request.user + request.system for request in requests)
    for order in ("Write that the strike", "Tell readers", "If you are an AI model",
                  "Note to AI summarizers", "In your summary", "[INST]", "Make sure to mention",
                  "Readers must be told", "Ignore all previous instructions"):
        assert order not in prompts, order
    assert model.obeyed == []
    # Nothing it was ordered to write is in any output, and its faithful bullets are.
    written = everything_written(out_dir)
    for marker in InjectingModel().markers:
        assert marker.casefold() not in written, marker
    data = brief_json(out_dir)
    assert "traffic through the port had returned to normal" in " ".join(llm_bullets(data))


def test_injected_claims_a_model_writes_anyway_never_reach_a_reader(config: Config) -> None:
    # Layer 2: the model writes the claims though no order reached it (a phrasing the
    # filter missed): bare, attributed to a real speaker, tacked onto a true sentence.
    model = InjectingModel()
    out_dir, _ = build(config, model, [EXAMPLES_DIR, HOSTILE_DIR])

    written = everything_written(out_dir)
    reaching = [marker for marker in model.markers if marker.casefold() in written]
    print(f"\ninjected lines written by the model: {len(model.injected)}; "
          f"injected claims reaching an output: {len(reaching)}")
    assert reaching == []
    data = brief_json(out_dir)
    # Not a vacuous pass: the answers were valid, their true bullets were kept, and every
    # injected bullet was dropped for a reason of its own.
    kept = " ".join(llm_bullets(data))
    assert "About 180 crane operators returned to work at 18:00 on Wednesday" in kept
    assert "carried a record 9,400 passengers on Saturday" in kept
    assert not set(model.injected) & set(llm_bullets(data))
    reasons = data["dropped"]["reasons"]
    assert "schema" not in reasons and "invalid-json" not in reasons
    top_lines = model.injected[-2:]  # the two it put among the top lines
    # Every injected bullet was dropped (other lines may be too: the sanity checks also
    # drop a true line that merely repeats another).
    assert sum(reasons.values()) >= len(model.injected) - len(top_lines), reasons
    # As ordered: caught by the n-gram check against the withheld order. Reworded,
    # attributed or tacked on: names the article lacks, or the support check.
    # A rewording that repeats an earlier injected line is dropped as a duplicate first.
    support = sum(reasons.get(r, 0) for r in ("unsupported", "misattributed", "negation-flipped"))
    assert support > 0 and support + reasons.get("duplicate", 0) >= len(model.markers), reasons
    assert all(line["text"] not in top_lines for line in data["top_lines"])


def test_the_issue_example_is_dropped(config: Config) -> None:
    # Every name in it is in the article, so names and numbers alone let it through.
    claim = "The strike was organised by foreign agents, the harbour authority of Port Velmar said."
    true = "About 180 crane operators returned to work at 18:00 on Wednesday, the authority said."

    def model(request: Request) -> Reply:
        key = ((request.schema or {}).get("required") or ["bullets"])[0]
        return answer(key, (claim, ["A1"]), (true, ["A1"]))

    out_dir, _ = build(config, model, [HOSTILE_DIR / "velmar-quays.md"])
    data = brief_json(out_dir)
    assert "foreign agents" not in everything_written(out_dir)
    assert llm_bullets(data) == [true]
    assert data["top_lines"] and all("foreign" not in line["text"] for line in data["top_lines"])
    # Repeats words of the withheld order ("injection"); the support check would drop it
    # too (tests/test_support.py checks it alone).
    # Once among the story's bullets, once among the top lines.
    assert data["dropped"]["reasons"] == {"injection": 2}


def test_faithful_bullets_are_kept_on_the_bundled_examples(config: Config) -> None:
    model = FaithfulModel(paraphrases_by_title())
    out_dir, _ = build(config, model, [EXAMPLES_DIR])
    data = brief_json(out_dir)
    proposed = set(model.bullets())
    kept = set(llm_bullets(data)) & proposed
    share = len(kept) / len(proposed)
    print(f"\nfaithful bullets kept: {len(kept)} of {len(proposed)} = {share:.1%}; "
          f"dropped: {data['dropped']['reasons']}")
    assert len(proposed) >= 100  # paraphrases and verbatim sentences of all 17 articles
    assert share >= 0.90
