"""A story's headline: the best title its articles offer, as an editor would print it.

* Site names go: pages put their name in the title ("... – TechCrunch",
  "| ZDNet", "- Digg", "AutoIndustriya.com | ..."); a part of the title that
  names the article's outlet or site, or is a web address, is removed with its
  separator. Other dashes stay ("Putin to visit China this week – Kremlin").
* A stated title beats one inferred from the lead (``briefing.text.infer_title``
  makes a complete phrase, but an editor's words are better).
* Among stated titles, the one closest to the coverage's centre (TF-IDF
  centroid) names the event rather than one outlet's angle on it.
* A developing story (coverage over more than one day, or an update of an earlier
  brief) leads with its latest news: the newest article's title.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import TYPE_CHECKING

from briefing.ingest.outlet import site_host
from briefing.text import (
    infer_title,
    leading_sentences,
    normalize_whitespace,
    split_sentences,
    word_set,
    words,
)
from briefing.types import Article

if TYPE_CHECKING:
    from briefing.grouping.features import FeatureSet

__all__ = [
    "central_titles",
    "clean_title",
    "is_inferred_title",
    "latest_headline",
    "site_names",
    "story_headline",
]

_PIPE = re.compile(r"\s*(?:\||::|»)\s*")
_DASH = re.compile(r"\s+[-–—]\s+")
_DASH_HEAD = re.compile(r"^(?P<part>[^-–—]+?)\s+[-–—]\s+")
_DOMAIN = re.compile(
    r"(?i)\b[\w-]+\.(?:com|net|org|co\.uk|com\.au|co|io|news|info|de|fr|it|ca|in|br|ru)\b"
)
#: Words that make a short title part the name of a site or its section.
_SITE_WORDS = word_set(
    "news blog magazine mag online daily times post tribune herald journal gazette media tv "
    "radio network weekly wire"
)
_JUNK_PART = re.compile(r"(?i)^(?:copyright|©|all rights reserved)")


def site_names(article: Article) -> set[str]:
    """Forms of the article's outlet and site name, normalised for comparison."""
    names = {_key(article.outlet)} if article.outlet else set()
    host = site_host(article.url) or (article.outlet if "." in article.outlet else "")
    if host:
        names.add(_key(host))
        labels = host.split(".")
        names.add(_key(labels[-2] if len(labels) >= 2 else labels[0]))
    return {name for name in names if name}


def _key(name: str) -> str:
    lowered = name.casefold().removeprefix("the ")
    return re.sub(r"[\W_]+", "", lowered)


def _is_site_part(part: str, names: set[str]) -> bool:
    key = _key(part)
    if not key:
        return True
    if key in names or _DOMAIN.search(part) or _JUNK_PART.match(part.strip()):
        return True
    tokens = part.split()
    return (
        len(tokens) <= 3
        and any(t.casefold() in _SITE_WORDS for t in tokens)
        and all(t[:1].isupper() or t[:1].isdigit() for t in tokens)
    )


def clean_title(title: str, names: Iterable[str] = ()) -> str:
    """``title`` without the site's name and its separator; never empty if ``title`` is not."""
    known = set(names)
    text = normalize_whitespace(title)
    parts = [p for p in _PIPE.split(text) if p.strip()]
    if len(parts) > 1:
        kept = [p for p in parts if not _is_site_part(p, known)] or parts
        # Of what is left, the longest part is the headline ("Section | Headline").
        text = max(kept, key=lambda p: (len(p.split()), -kept.index(p)))
    separators = list(_DASH.finditer(text))
    # "Headline - Site - Site's tagline": everything from the first site part on goes.
    for index, separator in enumerate(separators):
        following = separators[index + 1].start() if index + 1 < len(separators) else len(text)
        head = text[: separator.start()]
        if _is_site_part(text[separator.end() : following], known) and len(head.split()) >= 3:
            text = head
            break
    else:
        match = _DASH_HEAD.search(text)
        if match and _is_site_part(match.group("part"), known):
            rest = text[match.end() :].strip()
            if len(rest.split()) >= 3:
                text = rest
    return text or normalize_whitespace(title)


def is_inferred_title(article: Article) -> bool:
    """Was the title made from the lead (no stated title)? Its words then follow the lead's."""
    title = [w.casefold() for w in words(article.title)]
    if not title:
        return True
    lead = [w.casefold() for s in leading_sentences(article.text, 2) for w in words(s)]
    position = 0
    for word in title:
        try:
            position = lead.index(word, position) + 1
        except ValueError:
            return False
    return True


def _headline(article: Article) -> str:
    title = clean_title(article.title, site_names(article))
    if title.endswith(("...", "…")) and _starts_a_sentence(title.rstrip(".… "), article):
        # A title the site cut itself ("Só quem se Ama...") is no headline.
        return infer_title(article.text) or title
    return title


def _starts_a_sentence(start: str, article: Article) -> bool:
    head = [w.casefold() for w in words(start)]
    return any(
        [w.casefold() for w in words(s)][: len(head)] == head for s in split_sentences(article.text)
    )


def _when(article: Article) -> datetime:
    return article.published or article.fetched


_EXPLAINER = re.compile(r"(?i)^(?:what|how|why|analysis|explainer|opinion|comment)\b|\?$")


def latest_headline(articles: Sequence[Article]) -> str:
    """The newest article's title: a developing story's headline.

    Stated titles first, and news before explainers ("What the deal means for
    the north" reports nothing new).
    """
    stated = [a for a in articles if not is_inferred_title(a)] or list(articles)
    stated = [a for a in stated if not _EXPLAINER.search(_headline(a))] or stated
    return _headline(max(stated, key=lambda a: (_when(a), a.id)))


def _is_developing(articles: Sequence[Article]) -> bool:
    days = {a.published.date() for a in articles if a.published is not None}
    return len(days) > 1


def story_headline(articles: Sequence[Article]) -> str:
    """The headline of a story told by ``articles``."""
    return central_titles(list(articles), [list(range(len(articles)))])[0]


def central_titles(
    articles: Sequence[Article], clusters: list[list[int]], features: FeatureSet | None = None
) -> list[str]:
    """Each cluster's headline (clusters index into ``articles``). ``features`` are the
    grouping's own, row for row, so no second matrix is computed; computed here when
    the caller has none (and only when a cluster has several titles to choose from)."""
    matrix = None
    titles = []
    for group in clusters:
        members = [articles[i] for i in group]
        if _is_developing(members):
            titles.append(latest_headline(members))
            continue
        stated = [i for i in group if not is_inferred_title(articles[i])] or group
        if len(stated) == 1:
            titles.append(_headline(articles[stated[0]]))
            continue
        if matrix is None:
            # numpy, scipy and the word prior load only when there is a choice to make:
            # a one-article brief never needs them.
            import numpy as np
            from scipy import sparse

            from briefing.grouping.features import build_features

            features = features if features is not None else build_features(articles)
            # Leads (title and opening) where there is text, titles where there is none.
            matrix = features.leads + sparse.diags((~features.has_text).astype(float)) \
                @ features.titles
        rows = matrix[stated]
        centroid = np.asarray(rows.sum(axis=0)).ravel()
        scores = rows @ centroid
        titles.append(_headline(articles[stated[int(np.argmax(scores))]]))
    return titles
