"""The LLM engine: stories in, grounded bullets out, through any OpenAI-compatible endpoint.

One story, one request, in the common case::

    story ──render prompts/story_bullets──> chat request ──validate (schema)──>
          ──ground each bullet (ids, numbers, names, URLs)──> StorySummary

When a story's articles do not fit the model's context, it goes map-reduce:
``article_facts`` per article (or per part of a long one), each fact grounded,
then ``story_bullets`` over the facts, which keep their article ids.

The map step runs only when its result can be used: if even one short fact per
article would not fit the final prompt, the story falls back before any request.

Every line of an answer must first be a sentence about the story (``sanity``:
no ids, no echo of our own prompt, no repeats), then be grounded in the
articles it cites (``grounding``). Top lines also keep only the citations of the
stories they are about (``top_lines``).

Failures never escape: a story whose request fails (endpoint down, budget spent,
answer invalid twice, no bullet passed the checks) gets its extractive bullets,
marked ``EXTRACTIVE_FALLBACK``, a reason code (``StorySummary.fallback_reason``)
and a note in words (``report``). Stories run on a thread pool of
``max_concurrency`` workers, while the endpoint's ``Pacing`` decides how many
requests are really in flight; each request is looked up in the cache first.
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

from briefing.config import MIN_PROMPT_TOKENS, Limits, LLMConfig
from briefing.errors import SummarizerError, TemplateError
from briefing.summarize.asker import (
    REPAIR_INSTRUCTION,
    SHORTER_INSTRUCTION,
    Ask,
    Asker,
    chat_messages,
)
from briefing.summarize.endpoint import (
    SCHEMA_INSTRUCTION,
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
from briefing.summarize.report import fallback_reason
from briefing.summarize.sanity import PromptText, line_problem
from briefing.summarize.tokens import (
    BudgetSpent,
    TokenBudget,
    estimate_messages,
    estimate_tokens,
    input_budget,
    split_to_tokens,
    truncate_to_tokens,
)
from briefing.summarize.top_lines import StoryScope, prompt_entries
from briefing.types import Article, Bullet, BulletOrigin, DroppedBullet, Story, StorySummary

__all__ = ["ChatEndpoint", "LLMSummarizer", "RetryPolicy"]

log = logging.getLogger(__name__)

MAX_FACTS = 8
MAX_TOP_LINES = 3
#: The map step reads at most this many parts of one long article (news puts the
#: facts first); more would cost a request each on a small context.
MAX_FACT_PARTS = 4
#: AnswerFailed codes that mean the model's answer as a whole was unusable: counted
#: as a dropped answer. Others ("too-long", "no-facts") are about the story.
ANSWER_CODES = frozenset(("invalid-json", "schema", "length"))
#: Fallback reasons that mean the server did not answer: no top lines are asked then.
UNREACHABLE = frozenset((
    "timeout", "connection", "server-error", "rate-limited", "auth", "not-sent", "too-large",
    "error"))


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


class _Fallback(Exception):
    """This story goes offline, for ``code`` (a ``report.FALLBACK_REASONS`` key)."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


class _ContextOverflow(Exception):
    """The server said the prompt was over its context window (``size``, if it said)."""

    def __init__(self, size: int | None) -> None:
        super().__init__(size)
        self.size = size


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
        language: str = "en",
    ) -> None:
        self.endpoint = endpoint
        #: The language bullets and top lines are written in, whatever the articles'.
        self.language = language
        self.llm = llm
        self.limits = limits
        self.prompts = prompts
        self.log = log_
        self.engine = f"llm:{endpoint.model}"
        self.prompt_versions: dict[str, str] = prompts.versions()
        self._check_prompts()
        self._prompt_text = self._own_prompt_text()
        self._fallback = fallback or extractive_bullets
        self._settings = {
            "temperature": llm.temperature,
            "max_output_tokens": llm.max_output_tokens,
            "min_bullets": limits.min_bullets,
            "max_bullets": limits.max_bullets,
            "max_bullet_words": limits.max_bullet_words,
        }
        self.asker = Asker(endpoint, log_, llm, self._settings)
        self._check_room()
        endpoint.client  # noqa: B018  made now (no request is sent), not by the first story
        self._lock = threading.Lock()
        self._unavailable_streak = 0
        self._breaker_kind: str | None = None
        #: Top lines the last ``top_lines`` call dropped, with reasons (story_id "top-lines").
        self.dropped_top_lines: tuple[DroppedBullet, ...] = ()
        #: What to change in briefing.toml, learnt during the last run (also logged).
        self.advice: list[str] = []

    def _sample_prompts(self, text: str = "", headline: str = "") -> list[RenderedPrompt]:
        """Every task rendered once, its untrusted fields set to ``text``/``headline``."""
        sample = {"id": "A1", "outlet": text, "title": text, "published": "", "text": text}
        words = self.limits.max_bullet_words
        common = {"min_bullets": self.limits.min_bullets, "max_bullets": self.limits.max_bullets,
                  "max_words": words}
        return [
            *(self.prompts.render("story_bullets", headline=headline, sources=[sample],
                                  from_facts=facts, **common) for facts in (False, True)),
            self.prompts.render("article_facts", article=sample, part=1, parts=2,
                                max_facts=MAX_FACTS, max_words=words),
            self.prompts.render(
                "top_lines", stories=[{"headline": headline, "bullets": [
                    {"text": text, "sources": ["A1"]}]}],
                max_lines=MAX_TOP_LINES, max_words=words,
            ),
        ]

    def _check_prompts(self) -> None:
        """Render every task once with sample values, so a broken (user) template stops
        the run up front, naming the template, instead of failing story by story."""
        self._sample_prompts("x", "Headline")

    def _own_prompt_text(self) -> PromptText:
        """The text of our own that requests carry (articles left out), to catch echoes."""
        texts = [text for prompt in self._sample_prompts() for text in (prompt.system, prompt.user)]
        return PromptText.of([*texts, SCHEMA_INSTRUCTION, REPAIR_INSTRUCTION, SHORTER_INSTRUCTION])

    def _check_room(self) -> None:
        """Refuse settings under which no story could ever be sent: the instructions,
        one short article and the schema must fit next to the longest answer."""
        source = {"id": "A1", "outlet": "Outlet", "title": "Title", "published": "",
                  "text": " ".join(["word"] * self.limits.max_bullet_words)}
        prompt = self.prompts.render("story_bullets", **self._story_context(
            "Headline", [source], facts=True))
        schema = answer_schema("bullets", ["A1"], self.limits.max_bullets,
                               self.limits.max_bullet_words)
        if self.asker.fits(prompt, schema):
            return
        needed = (estimate_messages(chat_messages(prompt)) + estimate_tokens(json.dumps(schema))
                  + 64)
        context, output = self.llm.context_tokens, self.llm.max_output_tokens
        raise SummarizerError(
            f"llm.context_tokens = {context} leaves no room for a prompt next to "
            f"llm.max_output_tokens = {output}: the instructions and one short article need "
            f"about {needed} tokens; raise context_tokens to at least "
            f"{output + needed + 64} or lower max_output_tokens to at most "
            f"{max(0, context - needed - 64)}"
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
            self._breaker_kind = None
            self._unavailable_streak = 0
        self.advice = []
        if not stories:
            return []
        workers = max(1, min(self.llm.max_concurrency, len(stories)))
        try:
            with concurrent.futures.ThreadPoolExecutor(workers, "briefing-llm") as pool:
                summaries = list(pool.map(self._summarize_safely, stories))
        finally:
            self.log.flush()
        self._advise(summaries, stories)
        return summaries

    def top_lines(
        self, summaries: Sequence[StorySummary], stories: Sequence[Story]
    ) -> tuple[Bullet, ...]:
        """Up to three lines across the brief, checked like bullets; () on any failure."""
        self.dropped_top_lines = ()
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
        breaker = self._breaker()
        if breaker is not None:
            return self._fall_back(story, "not-sent", detail=fallback_reason(breaker))
        try:
            return self._summarize_once(story)
        except _ContextOverflow as overflow:
            # The server's window is smaller than configured: learn it and plan again.
            if self._learn_context(overflow.size):
                try:
                    return self._summarize_once(story)
                except _ContextOverflow:
                    pass
            return self._fall_back(story, "context-overflow")

    def _summarize_once(self, story: Story) -> StorySummary:
        try:
            summary = self._summarize(story)
        except LLMUnavailable as error:
            if error.kind == "context-overflow":
                raise _ContextOverflow(error.context_tokens) from None
            self._note_unavailable(error.kind)
            log.warning("story %s: LLM unavailable (%s); summarized offline", story.id, error.kind)
            return self._fall_back(story, error.kind)
        except BudgetSpent:
            log.info("story %s: token budget spent; summarized offline", story.id)
            return self._fall_back(story, "budget")
        except AnswerFailed as error:
            log.warning("story %s: unusable answer (%s); summarized offline", story.id, error.code)
            dropped = (DroppedBullet(story.id, error.code),) if error.code in ANSWER_CODES else ()
            return self._fall_back(story, error.code, dropped)
        except _Fallback as error:
            log.warning("story %s: %s; summarized offline", story.id, fallback_reason(error.code))
            return self._fall_back(story, error.code)
        except TemplateError:
            raise  # the user's prompt templates are broken: a configuration error, not the LLM's
        except Exception as error:  # the run must never fail because of the LLM
            log.error("story %s: LLM engine failed: %s", story.id,
                      scrub(f"{type(error).__name__}: {error}", self.endpoint.secrets))
            return self._fall_back(story, "failed")
        self._note_available()
        return summary

    def _learn_context(self, size: int | None) -> bool:
        """Use the server's (smaller) context window from now on; False if unusable."""
        with self._lock:
            current = self.llm.context_tokens
            if not size or size >= current:
                return False
            smaller = dataclasses.replace(self.llm, context_tokens=size)
            if input_budget(size, smaller.max_output_tokens) < MIN_PROMPT_TOKENS:
                return False
            self.llm = self.asker.llm = smaller
            self.advice.append(
                f"The LLM server's context window is {size} tokens, smaller than "
                f"llm.context_tokens = {current}: set [llm] context_tokens = {size} in "
                "briefing.toml (the run went on with it).")
        log.warning("%s", self.advice[-1])
        return True

    def _summarize(self, story: Story) -> StorySummary:
        sources = [_source(f"A{n}", article) for n, article in enumerate(story.articles, 1)]
        docs = {source.doc.label: source.doc for source in sources}
        answer = self._story_answer(story, sources)
        bullets: list[Bullet] = []
        dropped: list[DroppedBullet] = []
        for item in answer["bullets"]:
            kept_texts = [bullet.text for bullet in bullets]
            result = self._check_line(item, docs, kept_texts)
            if isinstance(result, Grounded):
                bullets.append(Bullet(result.text, result.article_ids, BulletOrigin.LLM, True))
            else:
                log.info("story %s: dropped a bullet (%s)", story.id, result)
                dropped.append(DroppedBullet(story.id, result))
        if not bullets:
            return self._fall_back(story, "ungrounded", tuple(dropped))
        return StorySummary(story.id, story.headline, tuple(bullets), dropped=tuple(dropped))

    def _check_line(
        self, item: Any, docs: dict[str, SourceDoc], kept: Sequence[str]
    ) -> Grounded | str:
        """The grounded line, or the reason code it was dropped for."""
        text = " ".join(str(item.get("text", "")).split()) if isinstance(item, dict) else ""
        problem = line_problem(text, self._prompt_text, kept) if text else None
        if problem is not None:
            return problem
        result = ground_item(item, docs, language=self.language)
        return result if isinstance(result, Grounded) else result.reason

    def _story_context(self, headline: str, sources: list[dict[str, str]], facts: bool) -> Any:
        clean, _ = strip_injections(headline)
        return {
            "headline": _untrusted(clean),
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
        prompt = self.prompts.render(
            "story_bullets", **self._story_context(story.headline, fields, facts))

        def shrink() -> RenderedPrompt:
            # Half of every source's text: the retry after a cut-off answer.
            halved = [{**f, "text": truncate_to_tokens(f["text"], estimate_tokens(f["text"]) // 2)}
                      for f in fields]
            return self.prompts.render(
                "story_bullets", **self._story_context(story.headline, halved, facts))

        return Ask(prompt, schema, CallContext("story_bullets", story.id, prompt.version),
                   tuple(source.content_hash for source in sources), shrink)

    def _story_answer(self, story: Story, sources: list[_Source]) -> dict[str, Any]:
        direct = self._bullets_ask(story, sources, [s.fields for s in sources], facts=False)
        if self.asker.fits(direct.prompt, direct.schema):
            return self.asker.ask(direct)
        # Map-reduce: the articles do not fit one request. Only the articles whose
        # notes can fit the final prompt are read: no request is made in vain.
        usable = self._sources_for_facts(story, sources)
        notes = {source.doc.label: self._facts(story, source) for source in usable}
        if not any(notes.values()):
            raise _Fallback("no-facts")
        while True:
            used = [s for s in usable if notes[s.doc.label]]
            fields = [{**s.fields, "text": "\n".join(f"- {fact}" for fact in notes[s.doc.label])}
                      for s in used]
            reduce = self._bullets_ask(story, used, fields, facts=True)
            if self.asker.fits(reduce.prompt, reduce.schema):
                return self.asker.ask(reduce)
            longest = max(notes, key=lambda label: len(notes[label]))
            if len(notes[longest]) <= 1:
                raise _Fallback("too-long")
            notes[longest] = notes[longest][:-1]

    def _sources_for_facts(self, story: Story, sources: list[_Source]) -> list[_Source]:
        """The first articles whose notes (one fact of the longest allowed length each)
        fit the final prompt; raises ``_Fallback("too-long")`` when not even one does."""
        fact = "- " + " ".join(["word"] * self.limits.max_bullet_words)
        for count in range(len(sources), 0, -1):
            chosen = sources[:count]
            ask = self._bullets_ask(story, chosen, [{**s.fields, "text": fact} for s in chosen],
                                    facts=True)
            if self.asker.fits(ask.prompt, ask.schema):
                if count < len(sources):
                    log.info("story %s: only %d of %d articles fit the model's context",
                             story.id, count, len(sources))
                return chosen
        raise _Fallback("too-long")

    def _facts(self, story: Story, source: _Source) -> list[str]:
        """Checked facts of one article, asked part by part so each part fits."""
        context = {"max_facts": MAX_FACTS, "max_words": self.limits.max_bullet_words}
        label = source.doc.label
        schema = answer_schema("facts", [label], MAX_FACTS, self.limits.max_bullet_words)
        empty = self.prompts.render(
            "article_facts", article={**source.fields, "text": ""}, part=1, parts=2, **context
        )
        fixed = estimate_messages(chat_messages(empty)) + estimate_tokens(json.dumps(schema))
        room = input_budget(self.llm.context_tokens, self.llm.max_output_tokens) - fixed - 64
        if room <= 0:
            raise _Fallback("too-long")  # context_tokens cannot hold even the instructions
        parts = split_to_tokens(source.fields["text"], room)[:MAX_FACT_PARTS]
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
                result = self._check_line(item, {label: source.doc}, facts)
                if isinstance(result, Grounded):
                    facts.append(result.text)
        return facts

    # -- top lines --------------------------------------------------------------

    def _top_lines(
        self, summaries: Sequence[StorySummary], stories: Sequence[Story]
    ) -> tuple[Bullet, ...]:
        if self._breaker() is not None or not summaries:
            return ()
        if all(s.fallback_reason in UNREACHABLE for s in summaries):
            log.info("top lines skipped: the LLM server answered for no story")
            return ()
        labels: dict[int, str] = {}
        docs: dict[str, SourceDoc] = {}
        for story in stories:
            for article in story.articles:
                if article.id not in labels:
                    labels[article.id] = f"A{len(labels) + 1}"
                    docs[labels[article.id]] = _source(labels[article.id], article).doc
        entries = prompt_entries(
            summaries, labels, lambda text: _untrusted(strip_injections(text)[0]))
        scope = StoryScope.of(summaries, stories, labels)
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
        dropped: list[DroppedBullet] = []
        for item in answer["lines"]:
            cited = item.get("sources") if isinstance(item, dict) else None
            if isinstance(cited, list):
                # Only the citations of the stories the line is about.
                text = str(item.get("text", ""))
                item = {**item, "sources": scope.restrict(text, cited) or ["-"]}
            result = self._check_line(item, docs, [line.text for line in lines])
            if isinstance(result, Grounded):
                lines.append(Bullet(result.text, result.article_ids, BulletOrigin.LLM, True))
            else:
                reason = "off-story" if result == "unknown-source" and cited else result
                log.info("top lines: dropped a line (%s)", reason)
                dropped.append(DroppedBullet("top-lines", reason))
        self.dropped_top_lines = tuple(dropped)
        return tuple(lines)

    # -- fallback, the circuit breaker and advice ---------------------------------

    def _fall_back(
        self,
        story: Story,
        code: str,
        dropped: tuple[DroppedBullet, ...] = (),
        *,
        detail: str | None = None,
    ) -> StorySummary:
        bullets = tuple(
            dataclasses.replace(bullet, origin=BulletOrigin.EXTRACTIVE_FALLBACK)
            for bullet in self._fallback(_without_injections(story), self.limits)
        )
        reason = fallback_reason(code) + (f" ({detail})" if detail else "")
        return StorySummary(
            story.id, story.headline, bullets,
            notes=(f"summarized offline: {reason}",), dropped=dropped, fell_back=True,
            fallback_reason=code,
        )

    def _breaker(self) -> str | None:
        """The failure kind that made the run give up on the endpoint, or None."""
        with self._lock:
            return self._breaker_kind

    def _note_unavailable(self, kind: str) -> None:
        with self._lock:
            self._unavailable_streak += 1
            # A bad key or missing model will not fix itself within the run.
            give_up = kind == "auth" or (
                self._unavailable_streak >= self.endpoint.retry.breaker_threshold)
            if give_up and self._breaker_kind is None:
                log.warning("the LLM endpoint looks down (%s); remaining stories go offline",
                            fallback_reason(kind))
                self._breaker_kind = kind

    def _note_available(self) -> None:
        with self._lock:
            self._unavailable_streak = 0

    def _advise(self, summaries: Sequence[StorySummary], stories: Sequence[Story]) -> None:
        """After timeouts, say which settings to change (the CLI shows warnings)."""
        timed_out = sum(1 for s in summaries if s.fallback_reason == "timeout")
        if self._breaker() == "timeout":
            timed_out += sum(1 for s in summaries if s.fallback_reason == "not-sent")
        if not timed_out:
            return
        prompts = [estimate_tokens(" ".join(a.text for a in story.articles)) for story in stories]
        prompt_tokens = min(max(prompts, default=0), input_budget(
            self.llm.context_tokens, self.llm.max_output_tokens))
        self.advice.append(self.endpoint.pacing.advice(
            timed_out=timed_out, prompt_tokens=prompt_tokens,
            max_output_tokens=self.llm.max_output_tokens, concurrency=self.llm.max_concurrency,
        ))
        log.warning("%s", self.advice[-1])
