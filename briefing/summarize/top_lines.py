"""The brief's top lines: what the model is shown, and which stories a line may cite.

A top line sums up one story (or a few) of the brief. The model sees each
story's headline and bullets with article ids, and answers lines citing ids.
A small model will cite every id it was given; grounding alone would accept
that, because it only asks whether the line's names and numbers occur in
*some* cited article. So a line keeps only the citations of the stories it
is about (it shares content words with their headline or bullets) and is
dropped as ``off-story`` when it is about none of the stories it cites.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from briefing.summarize.sanity import words
from briefing.types import Story, StorySummary

#: Words too common to show what a line is about.
_STOPWORDS = frozenset((
    "the", "a", "an", "and", "or", "but", "of", "in", "on", "at", "to", "for", "from", "by",
    "with", "as", "is", "are", "was", "were", "be", "been", "has", "have", "had", "it", "its",
    "this", "that", "these", "those", "their", "they", "he", "she", "his", "her", "will",
    "would", "said", "says", "say", "after", "before", "over", "into", "about", "than", "more",
    "not", "no", "new", "also", "which", "who", "what", "when", "where", "while", "all",
))


def content_words(text: str) -> set[str]:
    return {word for word in words(text) if len(word) > 2 and word not in _STOPWORDS}


@dataclass(frozen=True, slots=True)
class StoryScope:
    """Which labels belong to which story, and each story's vocabulary."""

    story_of: dict[str, int]  # label -> index of the story in the prompt
    vocabulary: tuple[frozenset[str], ...]

    @classmethod
    def of(
        cls, summaries: Sequence[StorySummary], stories: Sequence[Story], labels: dict[int, str]
    ) -> StoryScope:
        by_id = {story.id: story for story in stories}
        story_of: dict[str, int] = {}
        vocabulary: list[frozenset[str]] = []
        for index, summary in enumerate(s for s in summaries if s.bullets):
            story = by_id.get(summary.story_id)
            for article in story.articles if story else ():
                story_of.setdefault(labels[article.id], index)
            text = " ".join([summary.headline, *(bullet.text for bullet in summary.bullets)])
            vocabulary.append(frozenset(content_words(text)))
        return cls(story_of, tuple(vocabulary))

    def restrict(self, text: str, cited: Sequence[str]) -> list[str]:
        """The cited labels of the stories ``text`` is about; [] when it is about none."""
        line = content_words(text)
        needed = min(2, len(line)) or 1
        about = {
            index for index in {self.story_of[label] for label in cited if label in self.story_of}
            if len(line & self.vocabulary[index]) >= needed
        }
        return [label for label in dict.fromkeys(cited) if self.story_of.get(label) in about]


def prompt_entries(
    summaries: Sequence[StorySummary], labels: dict[int, str], untrusted: Any
) -> list[dict[str, Any]]:
    """The stories as the top-lines prompt shows them (stories without bullets left out)."""
    return [
        {
            "headline": untrusted(summary.headline),
            "bullets": [
                {"text": untrusted(b.text),
                 "sources": [labels[i] for i in b.article_ids if i in labels]}
                for b in summary.bullets
            ],
        }
        for summary in summaries
        if summary.bullets
    ]
