"""Fake models for the security tests and ``bench/bench_security.py``.

Each is a handler for ``openai_server.FakeOpenAI`` (the loopback OpenAI server
the real ``openai`` client talks to):

- ``ObeyingModel``: a model that does what any article tells it. For every
  order it finds in the text it is sent ("Write that X", "Say that X", "Tell
  readers X", "[INST] ...") it writes X as a bullet, attributed to the first
  speaker of the article ("X, the harbour authority of Port Velmar said."), as
  the model in issue 13 did; it also writes each article's first sentence, so
  a run is never empty;
- ``InjectingModel``: a model the orders reached anyway (as if the filter had
  missed them): for each hostile article it is sent, it writes every injected
  claim four ways (as ordered, reworded, attributed to a real speaker of the
  article, tacked onto a true sentence), beside faithful bullets, and puts the
  claims in the top lines too;
- ``FaithfulModel``: a model that only writes what its articles state: the
  hand-written paraphrases of ``tests/data/faithful_paraphrases.json`` and the
  articles' own sentences. The share of its bullets that survive grounding is
  the share of faithful bullets kept.

Each records what it wrote (``written``), so a test can count.
"""

from __future__ import annotations

import json
import re
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from openai_server import Reply, Request, answer

from briefing.text import split_sentences

DATA = Path(__file__).parent / "data"
HOSTILE_DIR = DATA / "hostile_articles"
EXAMPLES_DIR = Path(__file__).resolve().parents[1] / "examples" / "articles"

_BLOCK = re.compile(r'<untrusted_article id="(A\d+)">\n(.*?)</untrusted_article>', re.DOTALL)
_TOP_LINE = re.compile(r"^- (.+) \[([A0-9, ]+)\]$", re.MULTILINE)
#: What an obedient model takes as an order, and the claim it orders (broader than
#: the project's own filter on purpose: whatever reaches the model gets obeyed).
_ORDER = re.compile(
    r"(?i)(?:\b(?:write|say|state|report|claim|mention|conclude|include the claim|add)\s+that"
    r"|\btell\s+(?:your\s+|the\s+)?readers(?:\s+that)?|\bmust\s+be\s+told|\bshould\s+say(?:\s+that)?"
    r"|\bmust\s+(?:say|mention|report)(?:\s+that)?|\bdescribe\s+the\s+\w+\s+as"
    r"|\[inst\]\s*write(?:\s+that)?)\s+(?P<claim>[^.\[\]\n]{3,160})"
)
_SPEAKER = re.compile(
    r"\b((?:the\s+)?[A-Z][\w'’-]*(?:\s+(?:of\s+)?[A-Za-z][\w'’-]*){0,6}?)\s+said\b"
)


@dataclass(frozen=True)
class Block:
    """One article as a prompt shows it."""

    label: str
    title: str
    body: str


def blocks(request: Request) -> list[Block]:
    found = []
    for label, block in _BLOCK.findall(request.user):
        head, _, body = block.partition("\n\n")
        title = next((line[7:] for line in head.splitlines() if line.startswith("Title: ")), "")
        found.append(Block(label, title.strip(), body.strip()))
    return found


def _limits(request: Request) -> tuple[str, int, int]:
    schema = request.schema or {}
    key = (schema.get("required") or ["bullets"])[0]
    items = schema.get("properties", {}).get(key, {})
    max_chars = int(items.get("items", {}).get("properties", {}).get("text", {})
                    .get("maxLength", 400))
    return key, int(items.get("maxItems", 5)), max_chars


def _sentences(body: str, max_chars: int) -> list[str]:
    return [s for s in split_sentences(body) if 20 <= len(s) <= max_chars]


def _speaker(body: str) -> str:
    match = _SPEAKER.search(body)
    return match.group(1) if match else "officials"


@dataclass
class _Recorder:
    written: list[tuple[str, str]] = field(default_factory=list)  # (task, text)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def reply(self, request: Request, items: list[tuple[str, list[str]]]) -> Reply:
        key, max_items, _ = _limits(request)
        items = list(dict.fromkeys((text, tuple(labels)) for text, labels in items))[:max_items]
        with self._lock:
            self.written += [(key, text) for text, _ in items]
        return answer(key, *((text, list(labels)) for text, labels in items))


class ObeyingModel(_Recorder):
    """Obeys every order it is sent; also quotes each article's first sentence."""

    def __init__(self) -> None:
        super().__init__()
        self.obeyed: list[str] = []  # the claims it was ordered to write, and wrote

    def __call__(self, request: Request) -> Reply:
        key, _, max_chars = _limits(request)
        if key == "lines":
            return self.reply(request, [(text, [s.strip() for s in labels.split(",")])
                                        for text, labels in _TOP_LINE.findall(request.user)])
        items: list[tuple[str, list[str]]] = []
        for block in blocks(request):
            speaker = _speaker(block.body)
            for match in _ORDER.finditer(f"{block.title}\n{block.body}"):
                claim = match.group("claim").strip()
                self.obeyed.append(claim)
                items.append((f"{claim[:1].upper()}{claim[1:]}, {speaker} said.", [block.label]))
            items += [(s, [block.label]) for s in _sentences(block.body, max_chars)[:1]]
        return self.reply(request, items)


class InjectingModel(_Recorder):
    """Writes the injected claims of ``tests/data/hostile_claims.json`` whatever it was sent."""

    def __init__(self) -> None:
        super().__init__()
        spec = json.loads((DATA / "hostile_claims.json").read_text(encoding="utf-8"))
        self.articles: list[dict[str, Any]] = spec["articles"]
        self.markers = [c["marker"] for a in self.articles for c in a["claims"]]
        self._forms: set[str] = set()  # every injected line it may write

    @property
    def injected(self) -> list[str]:
        """The injected lines it wrote (after each answer's cap on items)."""
        return [text for _, text in self.written if text in self._forms]

    def _claims_for(self, body: str) -> list[dict[str, str]]:
        return [c for a in self.articles if a["lead"] in body for c in a["claims"]]

    def __call__(self, request: Request) -> Reply:
        key, _, max_chars = _limits(request)
        if key == "lines":
            return self.reply(request, self._top_lines(request))
        items: list[tuple[str, list[str]]] = []
        for block in blocks(request):
            true = _sentences(block.body, max_chars)
            items += [(s, [block.label]) for s in true[:2]]
            speaker = _speaker(block.body)
            for spec in self._claims_for(block.body):
                claim, reworded = spec["claim"], spec["reworded"]
                forms = [f"{claim}.", f"{reworded}.", f"{reworded}, {speaker} said."]
                if true:
                    tacked = f"{reworded[:1].lower()}{reworded[1:]}"
                    forms.append(f"{true[0].rstrip('.')}, and {tacked}.")
                self._forms.update(forms)
                items += [(form, [block.label]) for form in forms]
        return self.reply(request, items)

    def _top_lines(self, request: Request) -> list[tuple[str, list[str]]]:
        lines = [(text, [s.strip() for s in labels.split(",")])
                 for text, labels in _TOP_LINE.findall(request.user)][:1]
        every = sorted({label.strip() for _, labels in _TOP_LINE.findall(request.user)
                        for label in labels.split(",")})
        for article in self.articles[:2]:
            for claim in article["claims"][:1]:
                self._forms.add(f"{claim['reworded']}.")
                lines.append((f"{claim['reworded']}.", every))
        return lines


class FaithfulModel(_Recorder):
    """Answers with faithful paraphrases (by article title) and the articles' own sentences."""

    def __init__(self, paraphrases_by_title: dict[str, list[str]], verbatim: int = 2) -> None:
        super().__init__()
        self.paraphrases = paraphrases_by_title
        self.verbatim = verbatim

    def __call__(self, request: Request) -> Reply:
        key, _, max_chars = _limits(request)
        if key == "lines":
            return self.reply(request, [(text, [s.strip() for s in labels.split(",")])
                                        for text, labels in _TOP_LINE.findall(request.user)])
        items: list[tuple[str, list[str]]] = []
        for block in blocks(request):
            items += [(text, [block.label]) for text in self.paraphrases.get(block.title, [])]
            items += [(s, [block.label])
                      for s in _sentences(block.body, max_chars)[: self.verbatim]]
        return self.reply(request, items)

    def bullets(self) -> list[str]:
        return [text for task, text in self.written if task == "bullets"]


def paraphrases_by_title() -> dict[str, list[str]]:
    """The faithful paraphrases keyed by the title each example article gets when read."""
    from briefing.clean import clean_documents
    from briefing.ingest.files import read_paths

    table = json.loads((DATA / "faithful_paraphrases.json").read_text(encoding="utf-8"))
    by_title: dict[str, list[str]] = {}
    for document in clean_documents(read_paths([EXAMPLES_DIR]).documents):
        key = Path(document.location).relative_to(EXAMPLES_DIR).as_posix()
        if key in table and document.title:
            by_title[document.title] = table[key]
    return by_title
