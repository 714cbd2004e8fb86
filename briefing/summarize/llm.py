"""The LLM engine: stories in, grounded bullets out, through any OpenAI-compatible endpoint.

One story, one request, in the common case::

    story ──render prompts/story_bullets──> chat request ──validate (schema)──>
          ──ground each bullet (ids, numbers, names, URLs)──> StorySummary

When a story's articles do not fit the model's context, it goes map-reduce:
``article_facts`` per article (or per part of a long one), each fact grounded,
then ``story_bullets`` over the facts, which keep their article ids.

Failures never escape: a story whose request fails (endpoint down, budget spent,
answer invalid twice, no bullet grounded) gets its extractive bullets, marked
``EXTRACTIVE_FALLBACK``, and a note. Stories run on a thread pool of
``max_concurrency`` workers; each request is looked up in the cache first.
"""

from __future__ import annotations

import concurrent.futures
import dataclasses
import json
import logging
import re
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from briefing.config import Limits, LLMConfig
from briefing.errors import TemplateError
from briefing.summarize.asker import Ask, Asker, chat_messages
from briefing.summarize.endpoint import (
    AnswerFailed,
    CallContext,
    ChatEndpoint,
    LLMUnavailable,
    RetryPolicy,
)
from briefing.summarize.extractive import extractive_bullets
from briefing.summarize.grounding import (
    Grounded,
    SourceDoc,
    answer_schema,
    ground_item,
    strip_injections,
)
from briefing.summarize.llm_log import LLMLog, scrub
from briefing.summarize.prompts import PromptLibrary, RenderedPrompt
from briefing.summarize.tokens import (
    BudgetSpent,
    TokenBudget,
    estimate_messages,
    estimate_tokens,
    input_budget,
    split_to_tokens,
    truncate_to_tokens,
)
from briefing.types import Article, Bullet, BulletOrigin, DroppedBullet, Story, StorySummary

__all__ = ["ChatEndpoint", "LLMSummarizer", "RetryPolicy"]

log = logging.getLogger(__name__)

MAX_FACTS = 8
MAX_TOP_LINES = 3

NOTE_UNAVAILABLE = "the LLM was unavailable"
NOTE_BUDGET = "the run's LLM token budget was spent"
NOTE_INVALID = "the model's answer was invalid"
NOTE_UNGROUNDED = "no model bullet passed the grounding check"
NOTE_REJECTED = "the LLM endpoint rejected the request"
NOTE_FAILED = "the LLM engine failed"


def _untrusted(text: str) -> str:
    """Article text with our delimiters defused, so it cannot close its own fence."""
    return re.sub(r"(?i)<(/?)(untrusted_)", r"‹\1\2", text)


@dataclass(frozen=True, slots=True)
class _Source:
    """One article as the prompts show it, with the doc grounding checks it against."""

    fields: dict[str, str]
    doc: SourceDoc
    content_hash: str


def _source(label: str, article: Article) -> _Source:
    body, removed = strip_injections(article.text)
    title, removed_title = strip_injections(article.title)
    if removed or removed_title:
        log.info("article %s: %d instruction-like sentence(s) withheld from the model",
                 article.id, len(removed) + len(removed_title))
    fields = {
        "id": label,
        "outlet": _untrusted(strip_injections(article.outlet)[0]),
        "title": _untrusted(title),
        "published": article.published.date().isoformat() if article.published else "",
        "text": _untrusted(body),
    }
    shown = "\n".join([fields["outlet"], fields["title"], fields["published"], fields["text"]])
    doc = SourceDoc(label, article.id, shown, article.url, (*removed_title, *removed))
    return _Source(fields, doc, article.content_hash)


def _without_injections(story: Story) -> Story:
    """``story`` with the sentences that address a model taken out of its articles: the
    fallback quotes sentences, and a story falls back precisely when a hostile article
    made the model's bullets fail."""
    articles = []
    for article in story.articles:
        text, removed = strip_injections(article.text)
        articles.append(dataclasses.replace(article, text=text) if removed and text else article)
    return dataclasses.replace(story, articles=tuple(articles))


class LLMSummarizer:
    """The LLM engine. ``engine`` is "llm:<model>"; ``prompt_versions`` goes into brief.json."""

    def __init__(
        self,
        endpoint: ChatEndpoint,
        *,
        llm: LLMConfig,
        limits: Limits,
        prompts: PromptLibrary,
        log_: LLMLog,
        fallback: Callable[[Story, Limits], tuple[Bullet, ...]] | None = None,
    ) -> None:
        self.endpoint = endpoint
        self.llm = llm
        self.limits = limits
        self.prompts = prompts
        self.log = log_
        self.engine = f"llm:{endpoint.model}"
        self.prompt_versions: dict[str, str] = prompts.versions()
        self._check_prompts()
        self._fallback = fallback or extractive_bullets
        self._settings = {
            "temperature": llm.temperature,
            "max_output_tokens": llm.max_output_tokens,
            "min_bullets": limits.min_bullets,
            "max_bullets": limits.max_bullets,
            "max_bullet_words": limits.max_bullet_words,
        }
        self.asker = Asker(endpoint, log_, llm, self._settings)
        self._lock = threading.Lock()
        self._unavailable_streak = 0
        self._breaker_open = False

    def _check_prompts(self) -> None:
        """Render every task once with sample values, so a broken (user) template stops
        the run up front, naming the template, instead of failing story by story."""
        sample = {"id": "A1", "outlet": "Outlet", "title": "Title", "published": "", "text": "x"}
        words = self.limits.max_bullet_words
        self.prompts.render(
            "story_bullets", headline="Headline", sources=[sample], from_facts=False,
            min_bullets=self.limits.min_bullets, max_bullets=self.limits.max_bullets,
            max_words=words,
        )
        self.prompts.render(
            "article_facts", article=sample, part=1, parts=1, max_facts=MAX_FACTS, max_words=words
        )
        self.prompts.render(
            "top_lines", stories=[{"headline": "Headline", "bullets": [
                {"text": "Bullet", "sources": ["A1"]}]}],
            max_lines=MAX_TOP_LINES, max_words=words,
        )

    # -- public -----------------------------------------------------------------

    def close(self) -> None:
        """Write pending records and close the HTTP connections (connections are also
        closed when the summarizer is garbage-collected)."""
        self.log.flush()
        self.endpoint.close()

    def __enter__(self) -> LLMSummarizer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def summarize(self, stories: Sequence[Story]) -> list[StorySummary]:
        """One summary per story, in order; a fresh token budget (and a closed circuit
        breaker: the endpoint may be back) for this run."""
        self.asker.budget = TokenBudget(self.llm.budget_tokens)
        with self._lock:
            self._breaker_open = False
            self._unavailable_streak = 0
        if not stories:
            return []
        workers = max(1, min(self.llm.max_concurrency, len(stories)))
        try:
            with concurrent.futures.ThreadPoolExecutor(workers, "briefing-llm") as pool:
                return list(pool.map(self._summarize_safely, stories))
        finally:
            self.log.flush()

    def top_lines(
        self, summaries: Sequence[StorySummary], stories: Sequence[Story]
    ) -> tuple[Bullet, ...]:
        """Up to three lines across the brief, grounded like bullets; () on any failure."""
        try:
            return self._top_lines(summaries, stories)
        except (LLMUnavailable, AnswerFailed, BudgetSpent) as error:
            log.info("top lines skipped: %s", error)
        except Exception as error:  # the run must never fail because of the LLM
            log.warning("top lines failed: %s",
                        scrub(f"{type(error).__name__}: {error}", self.endpoint.secrets))
        finally:
            self.log.flush()
        return ()

    # -- one story --------------------------------------------------------------

    def _summarize_safely(self, story: Story) -> StorySummary:
        if self._breaker_is_open():
            return self._fall_back(story, NOTE_UNAVAILABLE)
        try:
            summary = self._summarize(story)
        except LLMUnavailable as error:
            self._note_unavailable(error.kind)
            log.warning("story %s: LLM unavailable (%s); summarized offline", story.id, error.kind)
            return self._fall_back(story, NOTE_REJECTED if error.kind == "rejected"
                                   else NOTE_UNAVAILABLE)
        except BudgetSpent:
            log.info("story %s: token budget spent; summarized offline", story.id)
            return self._fall_back(story, NOTE_BUDGET)
        except AnswerFailed as error:
            log.warning("story %s: unusable answer (%s); summarized offline", story.id, error.code)
            return self._fall_back(story, NOTE_INVALID, (DroppedBullet(story.id, error.code),))
        except TemplateError:
            raise  # the user's prompt templates are broken: a configuration error, not the LLM's
        except Exception as error:  # the run must never fail because of the LLM
            log.error("story %s: LLM engine failed: %s", story.id,
                      scrub(f"{type(error).__name__}: {error}", self.endpoint.secrets))
            return self._fall_back(story, NOTE_FAILED)
        self._note_available()
        return summary

    def _summarize(self, story: Story) -> StorySummary:
        sources = [_source(f"A{n}", article) for n, article in enumerate(story.articles, 1)]
        docs = {source.doc.label: source.doc for source in sources}
        answer = self._story_answer(story, sources)
        bullets: list[Bullet] = []
        dropped: list[DroppedBullet] = []
        seen: set[str] = set()
        for item in answer["bullets"]:
            result = ground_item(item, docs)
            if not isinstance(result, Grounded):
                log.info("story %s: dropped a bullet (%s)", story.id, result.reason)
                dropped.append(DroppedBullet(story.id, result.reason))
            elif result.text.casefold() not in seen:
                seen.add(result.text.casefold())
                bullets.append(Bullet(result.text, result.article_ids, BulletOrigin.LLM, True))
        if not bullets:
            return self._fall_back(story, NOTE_UNGROUNDED, tuple(dropped))
        return StorySummary(story.id, story.headline, tuple(bullets), dropped=tuple(dropped))

    def _story_context(self, story: Story, sources: list[dict[str, str]], facts: bool) -> Any:
        headline, _ = strip_injections(story.headline)
        return {
            "headline": _untrusted(headline),
            "sources": sources,
            "from_facts": facts,
            "min_bullets": self.limits.min_bullets,
            "max_bullets": self.limits.max_bullets,
            "max_words": self.limits.max_bullet_words,
        }

    def _bullets_ask(
        self, story: Story, sources: list[_Source], fields: list[dict[str, str]], facts: bool
    ) -> Ask:
        labels = [source.doc.label for source in sources]
        schema = answer_schema(
            "bullets", labels, self.limits.max_bullets, self.limits.max_bullet_words
        )
        prompt = self.prompts.render("story_bullets", **self._story_context(story, fields, facts))

        def shrink() -> RenderedPrompt:
            # Half of every source's text: the retry after a cut-off answer.
            halved = [{**f, "text": truncate_to_tokens(f["text"], estimate_tokens(f["text"]) // 2)}
                      for f in fields]
            return self.prompts.render("story_bullets", **self._story_context(story, halved, facts))

        return Ask(prompt, schema, CallContext("story_bullets", story.id, prompt.version),
                   tuple(source.content_hash for source in sources), shrink)

    def _story_answer(self, story: Story, sources: list[_Source]) -> dict[str, Any]:
        direct = self._bullets_ask(story, sources, [s.fields for s in sources], facts=False)
        if self.asker.fits(direct.prompt, direct.schema):
            return self.asker.ask(direct)
        # Map-reduce: the articles do not fit one request.
        notes = {source.doc.label: self._facts(story, source) for source in sources}
        if not any(notes.values()):
            raise AnswerFailed("no-facts")
        while True:
            fields = [{**s.fields, "text": "\n".join(f"- {fact}" for fact in notes[s.doc.label])}
                      for s in sources if notes[s.doc.label]]
            used = [s for s in sources if notes[s.doc.label]]
            reduce = self._bullets_ask(story, used, fields, facts=True)
            if self.asker.fits(reduce.prompt, reduce.schema):
                return self.asker.ask(reduce)
            longest = max(notes, key=lambda label: len(notes[label]))
            if len(notes[longest]) <= 1:
                raise AnswerFailed("too-long")
            notes[longest] = notes[longest][:-1]

    def _facts(self, story: Story, source: _Source) -> list[str]:
        """Grounded facts of one article, asked part by part so each part fits."""
        context = {"max_facts": MAX_FACTS, "max_words": self.limits.max_bullet_words}
        label = source.doc.label
        schema = answer_schema("facts", [label], MAX_FACTS, self.limits.max_bullet_words)
        empty = self.prompts.render(
            "article_facts", article={**source.fields, "text": ""}, part=1, parts=2, **context
        )
        fixed = estimate_messages(chat_messages(empty)) + estimate_tokens(json.dumps(schema))
        room = input_budget(self.llm.context_tokens, self.llm.max_output_tokens) - fixed - 64
        if room <= 0:
            raise AnswerFailed("too-long")  # context_tokens cannot hold even the instructions
        parts = split_to_tokens(source.fields["text"], room)
        facts: list[str] = []
        for number, part in enumerate(parts, 1):
            prompt = self.prompts.render(
                "article_facts", article={**source.fields, "text": part},
                part=number, parts=len(parts), **context,
            )
            ask = Ask(prompt, schema, CallContext("article_facts", story.id, prompt.version),
                      (source.content_hash,))
            try:
                answer = self.asker.ask(ask)
            except AnswerFailed as error:
                log.info("story %s: no facts from %s part %d (%s)", story.id, label, number,
                         error.code)
                continue
            for item in answer["facts"]:
                result = ground_item(item, {label: source.doc})
                if isinstance(result, Grounded):
                    facts.append(result.text)
        return facts

    # -- top lines --------------------------------------------------------------

    def _top_lines(
        self, summaries: Sequence[StorySummary], stories: Sequence[Story]
    ) -> tuple[Bullet, ...]:
        if self._breaker_is_open() or not summaries:
            return ()
        labels: dict[int, str] = {}
        docs: dict[str, SourceDoc] = {}
        for story in stories:
            for article in story.articles:
                if article.id not in labels:
                    labels[article.id] = f"A{len(labels) + 1}"
                    docs[labels[article.id]] = _source(labels[article.id], article).doc
        entries = [
            {
                "headline": _untrusted(strip_injections(summary.headline)[0]),
                "bullets": [
                    {"text": _untrusted(b.text), "sources": [labels[i] for i in b.article_ids
                                                             if i in labels]}
                    for b in summary.bullets
                ],
            }
            for summary in summaries
            if summary.bullets
        ]
        schema = answer_schema("lines", list(docs), MAX_TOP_LINES, self.limits.max_bullet_words)
        while entries:
            prompt = self.prompts.render(
                "top_lines", stories=entries, max_lines=MAX_TOP_LINES,
                max_words=self.limits.max_bullet_words,
            )
            if self.asker.fits(prompt, schema):
                break
            entries = entries[:-1]  # the least important stories go first
        else:
            return ()
        content = tuple(a.content_hash for story in stories for a in story.articles)
        answer = self.asker.ask(
            Ask(prompt, schema, CallContext("top_lines", None, prompt.version), content)
        )
        lines: list[Bullet] = []
        for item in answer["lines"]:
            result = ground_item(item, docs)
            if isinstance(result, Grounded):
                lines.append(Bullet(result.text, result.article_ids, BulletOrigin.LLM, True))
            else:
                log.info("top lines: dropped a line (%s)", result.reason)
        return tuple(lines)

    # -- fallback and the circuit breaker -----------------------------------------

    def _fall_back(
        self, story: Story, reason: str, dropped: tuple[DroppedBullet, ...] = ()
    ) -> StorySummary:
        bullets = tuple(
            dataclasses.replace(bullet, origin=BulletOrigin.EXTRACTIVE_FALLBACK)
            for bullet in self._fallback(_without_injections(story), self.limits)
        )
        return StorySummary(
            story.id, story.headline, bullets,
            notes=(f"summarized offline: {reason}",), dropped=dropped, fell_back=True,
        )

    def _breaker_is_open(self) -> bool:
        with self._lock:
            return self._breaker_open

    def _note_unavailable(self, kind: str) -> None:
        with self._lock:
            self._unavailable_streak += 1
            # A bad key or missing model will not fix itself within the run.
            if kind == "auth" or self._unavailable_streak >= self.endpoint.retry.breaker_threshold:
                if not self._breaker_open:
                    log.warning("the LLM endpoint looks down; remaining stories go offline")
                self._breaker_open = True

    def _note_available(self) -> None:
        with self._lock:
            self._unavailable_streak = 0
