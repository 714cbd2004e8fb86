"""The values that flow through the pipeline.

Every stage takes and returns these frozen dataclasses, so a stage can never
change what an earlier stage handed over::

    RawDocument --clean--> Article --group--> Story --summarize--> StorySummary
                                                                      |
                                         Brief (stories, sources, coverage, engine)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum


@dataclass(frozen=True, slots=True)
class RawDocument:
    """One article as read from its source, before cleaning.

    ``title`` is set when the format states it (an HTML ``<title>``, a Markdown
    ``# heading``); otherwise cleaning infers one from the text.
    """

    source: str  # name of the configured source (or the path given on the command line)
    location: str  # file path or URL, as the user would recognise it
    text: str  # plain text, paragraphs separated by newlines
    title: str | None = None
    url: str | None = None  # the article's web address, when known
    outlet: str | None = None  # publication name, when known
    published: datetime | None = None
    truncated: bool = False  # cut at the configured size limit


@dataclass(frozen=True, slots=True)
class Article:
    """A cleaned article, as stored. ``id`` is the store's row id."""

    id: int
    source: str
    outlet: str
    title: str
    text: str  # cleaned body text, paragraphs separated by "\n"
    content_hash: str
    fetched: datetime
    url: str | None = None
    path: str | None = None
    published: datetime | None = None

    @property
    def location(self) -> str:
        """Where the article came from: its URL when it has one, else its path."""
        return self.url or self.path or ""


@dataclass(frozen=True, slots=True)
class Story:
    """Coverage of one event: one or more articles. ``id`` is stable within a brief."""

    id: str
    headline: str
    articles: tuple[Article, ...]
    #: Identity across briefs (briefing.memory): the same event keeps its key from day to day.
    key: str = ""
    #: Articles of this story that an earlier brief already covered. They are not
    #: summarized again (bullets are about what is new) but count for its span and outlets.
    earlier: tuple[Article, ...] = ()
    #: The latest earlier brief that covered this story; set only for updates.
    previous: PreviousBrief | None = None
    #: The ranking score (briefing.ranking), highest first.
    score: float = 0.0

    @property
    def outlets(self) -> tuple[str, ...]:
        seen: dict[str, None] = {}
        for article in self.articles:
            seen.setdefault(article.outlet, None)
        return tuple(seen)


@dataclass(frozen=True, slots=True)
class PreviousBrief:
    """An earlier brief that covered a story. ``href`` is relative (never file:) or None."""

    brief_id: int
    date: str  # YYYY-MM-DD, the folder the earlier brief was written to
    href: str | None = None  # e.g. "../2026-11-22/brief.html"


@dataclass(frozen=True, slots=True)
class AlsoNoted:
    """A story over the brief's cap, listed as one line: headline, outlets, article count."""

    story_id: str
    headline: str
    outlets: tuple[str, ...]
    article_count: int
    url: str | None = None  # http(s) link to its first article, when it has one

    @property
    def line(self) -> str:
        articles = f"{self.article_count} article{'s' if self.article_count != 1 else ''}"
        return f"{self.headline} ({', '.join(self.outlets)}; {articles})"


class BulletOrigin(StrEnum):
    """Which engine wrote a bullet; ``EXTRACTIVE_FALLBACK`` marks a story the LLM failed."""

    EXTRACTIVE = "extractive"
    LLM = "llm"
    EXTRACTIVE_FALLBACK = "extractive-fallback"


@dataclass(frozen=True, slots=True)
class Bullet:
    """One bullet point. ``article_ids`` are store ids of the articles it rests on (>= 1)."""

    text: str
    article_ids: tuple[int, ...]
    origin: BulletOrigin = BulletOrigin.EXTRACTIVE
    verified: bool = True  # grounding check passed (extractive text is verbatim, so True)


@dataclass(frozen=True, slots=True)
class DroppedBullet:
    """A model bullet that failed validation or grounding, kept for the record only."""

    story_id: str
    reason: str


@dataclass(frozen=True, slots=True)
class StorySummary:
    """What a summarizer returns for one story."""

    story_id: str
    headline: str
    bullets: tuple[Bullet, ...]
    notes: tuple[str, ...] = ()  # e.g. "summarized offline: the LLM was unavailable"
    #: Model bullets rejected by validation or grounding (never shown, only counted).
    dropped: tuple[DroppedBullet, ...] = ()
    #: True when the LLM engine could not summarize this story and fell back to extractive.
    fell_back: bool = False
    #: Why it fell back, as a reason code (briefing.summarize.report explains each).
    fallback_reason: str | None = None


@dataclass(frozen=True, slots=True)
class SourceRef:
    """An article as cited in a brief. ``number`` is what readers see: [1], [2], ..."""

    number: int
    article_id: int
    title: str
    outlet: str
    url: str | None  # only http(s) URLs ever reach here
    path: str | None
    published: datetime | None = None


@dataclass(frozen=True, slots=True)
class BriefBullet:
    text: str
    sources: tuple[int, ...]  # SourceRef.number values
    origin: BulletOrigin = BulletOrigin.EXTRACTIVE
    verified: bool = True


@dataclass(frozen=True, slots=True)
class BriefStory:
    id: str
    headline: str
    bullets: tuple[BriefBullet, ...]
    outlets: tuple[str, ...]
    sources: tuple[int, ...]  # every SourceRef.number covering this story
    notes: tuple[str, ...] = ()
    #: Time span of the whole story (earlier coverage included): first and last article.
    first_seen: datetime | None = None
    last_seen: datetime | None = None
    #: An update of a story an earlier brief covered: bullets are about what is new.
    is_update: bool = False
    previous_brief: PreviousBrief | None = None
    score: float = 0.0


@dataclass(frozen=True, slots=True)
class Brief:
    """A finished brief, ready to render. Everything a renderer needs is here."""

    title: str
    profile: str
    generated_at: datetime
    language: str
    author: str
    engine: str  # "extractive" or "llm:<model>"
    stories: tuple[BriefStory, ...]
    sources: tuple[SourceRef, ...]
    notes: tuple[str, ...] = ()  # run-level notes shown under the coverage line
    #: Two or three lines summing up the whole brief, each citing its sources (may be empty).
    top_lines: tuple[BriefBullet, ...] = ()
    prompt_versions: dict[str, str] = field(default_factory=dict)
    dropped: tuple[DroppedBullet, ...] = ()
    #: Stories over the cap, one line each.
    also_noted: tuple[AlsoNoted, ...] = ()

    @property
    def developing(self) -> tuple[BriefStory, ...]:
        """The stories that update an earlier brief ("Developing stories")."""
        return tuple(story for story in self.stories if story.is_update)

    @property
    def article_count(self) -> int:
        return len(self.sources)

    @property
    def outlet_count(self) -> int:
        return len({source.outlet for source in self.sources})

    @property
    def coverage(self) -> str:
        """The coverage line: "12 articles from 4 outlets · summarized offline (extractive)"."""
        articles = f"{self.article_count} article{'s' if self.article_count != 1 else ''}"
        outlets = f"{self.outlet_count} outlet{'s' if self.outlet_count != 1 else ''}"
        if self.engine == "extractive":
            how = "summarized offline by the built-in extractive engine"
        else:
            how = f"summarized by {self.engine.removeprefix('llm:')}"
        return f"{articles} from {outlets} · {how}"

    def source(self, number: int) -> SourceRef:
        return self.sources[number - 1]
