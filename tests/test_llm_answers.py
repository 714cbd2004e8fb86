"""Reading real servers' answers: lenient JSON first, the schema as strictly as ever."""

from __future__ import annotations

import json

import pytest

from briefing.summarize.grounding import AnswerError, answer_schema, parse_answer
from briefing.summarize.lenient_json import NotJSON, loads_object

SCHEMA = answer_schema("bullets", ["A1", "A2"], 5, 40)
GOOD = {"bullets": [{"text": "Acme Corp cut 1,200 jobs on Tuesday.", "sources": ["A1"]}]}


def test_a_raw_newline_ending_a_string_is_read() -> None:
    # What llama.cpp's grammar-constrained sampling really produces.
    raw = ('{"bullets": [{"text": "Talks resume on Friday, the Kremlin said.\n",'
           ' "sources": ["A1"]}]}')
    with pytest.raises(json.JSONDecodeError):
        json.loads(raw)
    data = parse_answer(raw, SCHEMA)
    assert data["bullets"][0]["text"] == "Talks resume on Friday, the Kremlin said.\n"


def test_tabs_and_newlines_inside_strings_are_read() -> None:
    raw = '{"bullets": [{"text": "Line one\tand\r\nline two of it.", "sources": ["A2"]}]}'
    assert parse_answer(raw, SCHEMA)["bullets"][0]["sources"] == ["A2"]


@pytest.mark.parametrize("wrapped", [
    "```json\n{doc}\n```",
    "```\n{doc}\n```",
    "Sure! Here is the JSON you asked for:\n```json\n{doc}\n```\nLet me know if it helps.",
    "{doc}\n\nI hope these bullets help.",
    "{doc} {{\"note\": \"a second object is ignored\"}}",
    "Answer: {doc}",
    "```json\n{doc}",  # a fence never closed
    "\ufeff{doc}",
])
def test_fences_and_text_around_the_object_are_ignored(wrapped: str) -> None:
    assert parse_answer(wrapped.format(doc=json.dumps(GOOD)), SCHEMA) == GOOD


def test_prose_with_stray_braces_before_the_object() -> None:
    text = "I think {this} is right: " + json.dumps(GOOD)
    assert loads_object(text) == GOOD


@pytest.mark.parametrize("broken", [
    '{"bullets": [{"text": "Acme',  # cut off inside a string
    '{"bullets": [{"text": "Acme cut jobs.", "sources": ["A1"]}, {"text": "Uni',
    '{"bullets": [{"text": "Acme cut jobs.", "sources": ["A1"]}, ',
    "[1, 2, 3]",
    "no json at all",
    "",
    "   ",
])
def test_what_is_not_a_whole_object_stays_an_error(broken: str) -> None:
    with pytest.raises(AnswerError) as raised:
        parse_answer(broken, SCHEMA)
    assert raised.value.code == "invalid-json"
    with pytest.raises(NotJSON):
        loads_object(broken)


def test_the_schema_is_still_checked_after_lenient_reading() -> None:
    wrong = '```json\n{"summary": "Acme cut jobs."}\n```'
    with pytest.raises(AnswerError) as raised:
        parse_answer(wrong, SCHEMA)
    assert raised.value.code == "schema"
    too_many = {"bullets": [GOOD["bullets"][0]] * 6}
    with pytest.raises(AnswerError, match="schema"):
        parse_answer(json.dumps(too_many), SCHEMA)
