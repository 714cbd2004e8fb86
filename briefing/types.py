"""The values that flow through the pipeline.

Every stage takes and returns these frozen dataclasses, so a stage can never
change what an earlier stage handed over::

    RawDocument --clean--> Article --group--> Story --summarize--> StorySummary
                                                                      |
                                   briefing.brief.Brief (stories, sources, coverage)
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

# The brief's own model lives in briefing.brief; these names are re-exported here
# because every stage before it hands them along.
from briefing.brief import (
    AlsoNoted,
    Brief,
    BriefBullet,
    BriefStory,
    BulletOrigin,
    DroppedBullet,
    PreviousBrief,
    SourceRef,
)

__all__ = [
    "AlsoNoted",
    "Article",
    "Brief",
    "BriefBullet",
    "BriefStory",
    "Bullet",
    "BulletOrigin",
    "DroppedBullet",
    "PreviousBrief",
    "RawDocument",
    "SourceRef",
    "Story",
    "StorySummary",
]


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
        """The known outlets of its articles, in order (an unknown outlet is "")."""
        return tuple(dict.fromkeys(a.outlet for a in self.articles if a.outlet))


@dataclass(frozen=True, slots=True)
class Bullet:
    """One bullet point. ``article_ids`` are store ids of the articles it rests on (>= 1)."""

    text: str
    article_ids: tuple[int, ...]
    origin: BulletOrigin = BulletOrigin.EXTRACTIVE
    verified: bool = True  # grounding check passed (extractive text is verbatim, so True)


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
