"""Boilerplate removal: keep the journalism, drop the site furniture.

News sites wrap every article in the same furniture: donation appeals ("Dear
readers, ... Remind me later"), share prompts, newsletter sign-ups, "Comments
are closed". Three detectors, cheapest evidence first:

1. Cross-document: a paragraph that appears in two or more articles of the same
   outlet is furniture. An outlet's own appeal is caught whatever its wording,
   as soon as we have two of its articles.
2. Appeal blocks: a paragraph that opens an appeal ("A Message from ...:",
   "Dear readers,", "... we have a small favor to ask") in the back half of an
   article cuts everything after it; in the first block of a multi-block
   article it removes that block. Appeals sit at the edges of articles, never in
   the middle of reporting.
3. Generic lines: a short list of patterns for a lone article's furniture.
4. Furniture sentences: sign-up, follow, read-more, copyright and credit lines
   in their common forms ("Get the latest updates right in your inbox.",
   "Follow him on Twitter @handle.", "READ MORE: ...", "© Reuters"), removed
   as sentences wherever they sit, since sites glue them to reporting.
5. Hover cards: some sites (The Hill) put a profile card inside a name, and the
   page's text reads "Gov. Kristi NoemKristi Lynn NoemSouth Dakota governor
   doubles down ... MORE (R) said". The card is cut out, the name kept.

Only short paragraphs are ever matched by the generic patterns, and furniture
sentences need a furniture phrase, not just a word, so reporting that merely
mentions "newsletters" or "readers" is never cut.
"""

from __future__ import annotations

import dataclasses
import logging
import re
from collections import Counter, defaultdict
from collections.abc import Sequence

from briefing.text import infer_title, looks_like_headline, split_sentences
from briefing.types import RawDocument

logger = logging.getLogger(__name__)

#: Paragraphs longer than this are reporting, whatever words they contain.
_MAX_FURNITURE_CHARS = 300

_GENERIC_PATTERNS = [
    r"remind me later",
    r"maybe later",
    r"not ready to (support|donate|subscribe)( us)? today\??",
    r"support us( today| now)?",
    r"(donate|subscribe)( now| today)?",
    r"read more",
    r"(you can )?share this (story|article|post)( on social media| with (a friend|friends))?:?",
    r"share (on|via) (facebook|twitter|x|linkedin|whatsapp|telegram|email).*",
    r"comments are closed",
    r"(sign up|subscribe) (for|to) (our|the) .{0,60}newsletter.*",
    r"enjoying ad-free content\??",
    r"advertisement",
    r"dear readers?,?",
    r"a message from .{1,60}:",
    r"(payment|paiment) methods",
    r"click here to .*",
    r"follow us on .*",
    r"related (articles|stories|coverage):?",
    r"(all rights reserved|copyright ©|© \d{4}).*",
    r"we use cookies.*",
    r"skip to (main )?content",
    # German, French and Russian sites' furniture, in their common forms.
    r"(jetzt |newsletter )?abonnieren",
    r"(lesen sie|mehr zum thema|das könnte sie auch interessieren)( auch)?:? ?.{0,150}",
    r"(artikel )?teilen( sie diesen artikel)?:?",
    r"anzeige|werbung|zur startseite",
    r"alle rechte vorbehalten.*",
    r"abonnez-vous.*",
    r"(lire aussi|à lire aussi|voir aussi)\s?:? ?.{0,150}",
    r"partager( cet article)?\s?:?",
    r"publicité",
    r"(la suite|cet article) est réservée? aux abonnés.*",
    r"(inscrivez-vous|abonnez-vous) à (notre|la) newsletter.*",
    r"tous droits réservés.*",
    r"(подпишитесь|подписывайтесь) на .{0,120}",
    r"(читайте|смотрите) также:? ?.{0,150}",
    r"поделиться",
    r"реклама",
    r"все права защищены.*",
]
_GENERIC = re.compile(r"^(?:" + "|".join(_GENERIC_PATTERNS) + r")[.!]?$", re.IGNORECASE)

_APPEAL_START = re.compile(
    r"^(?:a message from .{1,60}:|dear readers?,?|a note to our readers:?"
    r"|(?:…|\.\.\.)?\s*we have a small favou?r to ask.*|enjoying ad-free content\??"
    r"|support (?:independent|our) journalism.*)$",
    re.IGNORECASE,
)


# Sentences that are site furniture wherever they stand (matched case-insensitively
# with search, so "Get the latest updates right in your inbox. Subscribe to
# NJ.com's newsletters." loses both sentences inside a longer paragraph). Each rule
# is a few alternatives and words one of which any match of them holds (in lower
# case): a sentence is searched only with the rules whose words it holds, since one
# search with every rule tried at every position was most of the time of cleaning.
_FURNITURE_RULES: tuple[tuple[tuple[str, ...], str], ...] = (
    (("read", "see also", "related", "more", "watch", "listen", "recommended"),
     r"^(?:read more|read also|see also|related|more|watch|listen|also read|recommended)\b\s*:"
     r"|^read more\b"),
    (("newsletter", "inbox", "alert", "update"),
     r"^(?:get|sign up|subscribe|join|want|never miss|don't miss|stay (?:up to date|informed)"
     r"|enter your email|click)\b.{0,120}\b(?:newsletters?|inbox|alerts?|updates)\b"),
    (("newsletter", "subscribing to our"),
     r"\b(?:our|this) (?:\w+ )?newsletters?\b|\bsubscribing to our\b"),
    (("your inbox",), r"\b(?:in|to) your inbox\b"),
    (("newsletter",), r"^[\w’'&. -]{0,40}\bnewsletter[.!]?$"),
    (("follow",),
     r"^(?:please )?follow (?:us|him|her|them|me|@)"
     r"|^follow [A-Z][\w.&’' -]{0,40} on (?:twitter|facebook|instagram|linkedin|x\b)"
     r"|\bfollow (?:us|him|her|them|me) on (?:twitter|facebook|instagram|linkedin|x\b)"),
    (("@",), r"\bon (?:twitter|x) @\w+"),
    (("email", "reach", "contact"),
     r"\b(?:email|reach|contact) (?:the )?(?:reporters?|author|writer|him|her|us)\b.{0,40}"
     r"(?:@|\bat\b|\bon\b)"),
    (("@",), r"\b(?:email|e-mail) [A-Z][\w’' -]{0,40} at \S+@\S+"),
    (("contributed",), r"\bcontributed (?:to )?this report\b"),
    (("©", "copyright", "all rights reserved"),
     r"©|^copyright\b|\bcopyright (?:©|\(c\)|\d{4})|\ball rights reserved\b"),
    (("photo", "image", "picture", "graphic", "video courtesy"),
     r"\b(?:photo|image|picture|graphic)s? (?:by|credit|courtesy)\b|\bvideo courtesy\b"),
    (("photo", "image", "picture", "credit", "source"),
     r"^(?:photo|image|picture|credit|source)s?:\s"),
    (("getty images", "ap photo", "reuters/", "afp via getty", "shutterstock"),
     r"\b(?:getty images|ap photo|reuters/|afp via getty|shutterstock)\b"),
    (("twitter.com/", "http"), r"\bpic\.twitter\.com/|https?://\S+|\btwitter\.com/"),
    (("this copy is for your personal", "non-commercial use only"),
     r"\bthis copy is for your personal\b|\bnon-commercial use only\b"),
    (("download",), r"\bdownload (?:the|our) (?:free )?app\b"),
)
_FURNITURE_SEARCHES = tuple(
    (words, re.compile("(?i)" + rule)) for words, rule in _FURNITURE_RULES
)
#: The only characters a case-insensitive pattern reads as an ASCII letter that lower()
#: does not turn into it (dotted and dotless I, long s): mapped before a rule's words
#: are looked for, so no rule is skipped that would have matched.
_CASE_FOLD = str.maketrans({"\u0130": "i", "\u0131": "i", "\u017f": "s"})
_ALL_RULE_WORDS = {word for words, _ in _FURNITURE_RULES for word in words}
#: Every match of a rule holds one of its words, so text holding none of these holds no
#: furniture sentence: the cheap test before the costly one. A word that holds another
#: ("your inbox", "inbox") is left out, since the other is found wherever it is.
_RULE_WORDS = tuple(sorted(
    word for word in _ALL_RULE_WORDS
    if not any(other != word and other in word for other in _ALL_RULE_WORDS)
))
# A sentence longer than this is reporting, whatever phrase it contains.
_MAX_FURNITURE_SENTENCE_CHARS = 320

# A word glued to the next in a hover card: "NoemKristi" (surname + card text).
_GLUED = re.compile(r"\b([A-Z][\w’'-]*?[a-z]{2})([A-Z][a-z][\w’'-]*)")
_CARD_END = re.compile(r"\bMORE\b\s*")
_MAX_CARD_CHARS = 400


def clean_documents(documents: Sequence[RawDocument]) -> list[RawDocument]:
    """Clean a batch of articles together (the batch is what the cross-document detector sees).

    Each returned document has boilerplate removed, a title (stated, detected
    from a headline-like first line, or inferred from the lead), and paragraphs
    joined by single newlines. Documents left with no text are dropped, with a
    warning.
    """
    # Each text's blocks, read once for both the cross-document count and the cleaning.
    blocks = [_blocks(document.text) for document in documents]
    repeated = _repeated_paragraphs(documents, blocks)
    cleaned: list[RawDocument] = []
    for document, its_blocks in zip(documents, blocks, strict=True):
        result = _clean(document, its_blocks, repeated.get(_outlet_key(document), set()))
        if result is None:
            logger.warning("%s: nothing left after cleaning, skipped", document.location)
            continue
        cleaned.append(result)
    return cleaned


def clean_document(
    document: RawDocument, furniture: set[str] | frozenset[str] = frozenset()
) -> RawDocument | None:
    """Clean one article; ``furniture``: normalized paragraphs that repeat at its outlet."""
    return _clean(document, _blocks(document.text), furniture)


def _clean(
    document: RawDocument, blocks: list[list[str]], furniture: set[str] | frozenset[str]
) -> RawDocument | None:
    blocks = _drop_leading_appeal(blocks)
    paragraphs = [p for block in blocks for p in block]
    paragraphs = _cut_trailing_appeal(paragraphs)
    paragraphs = [
        p for p in paragraphs
        if not (furniture and _normalize(p) in furniture) and not _is_generic_furniture(p)
    ]
    paragraphs = [
        p for p in (_without_furniture_sentences(_without_hover_cards(p)) for p in paragraphs) if p
    ]
    if not paragraphs:
        return None
    title = (document.title or "").strip()
    if not title:
        if looks_like_headline(paragraphs[0]) and len(paragraphs) > 1:
            title = paragraphs.pop(0)
        else:
            title = infer_title(paragraphs[0])
    elif _normalize(paragraphs[0]) == _normalize(title) and len(paragraphs) > 1:
        paragraphs.pop(0)  # the headline repeated as the first line of the body
    return dataclasses.replace(document, title=title, text="\n".join(paragraphs))


def _outlet_key(document: RawDocument) -> str:
    # Without a stated outlet, the source (usually one site's folder) is the best grouping.
    return (document.outlet or document.source).casefold()


def _repeated_paragraphs(
    documents: Sequence[RawDocument], blocks: Sequence[list[list[str]]]
) -> dict[str, set[str]]:
    """Per outlet, the normalized paragraphs that appear in two or more of its articles.

    Copies of one article (the same file twice, a syndicated story) would make
    every paragraph look like furniture, so near-identical articles are folded
    into one before counting.
    """
    by_outlet: dict[str, list[set[str]]] = defaultdict(list)
    for document, its_blocks in zip(documents, blocks, strict=True):
        paragraphs = {_normalize(p) for block in its_blocks for p in block}
        paragraphs.discard("")
        by_outlet[_outlet_key(document)].append(paragraphs)
    repeated: dict[str, set[str]] = {}
    for outlet, paragraph_sets in by_outlet.items():
        counter: Counter[str] = Counter()
        for group in _fold_copies(paragraph_sets):
            counter.update(group)
        repeated[outlet] = {paragraph for paragraph, count in counter.items() if count >= 2}
    return repeated


def _fold_copies(paragraph_sets: list[set[str]]) -> list[set[str]]:
    """Merge sets sharing more than half their paragraphs (Jaccard > 0.5): copies of one text.

    A set joins the first group (in input order) whose first member it overlaps
    that much. Comparing each set with every group was quadratic in an outlet's
    articles (an outlet's furniture is in all of them), so candidates come from a
    prefix filter instead: order paragraphs rarest first; two sets with Jaccard
    > 0.5 share at least ``floor(|A| / 2) + 1`` paragraphs, hence one of the
    first ``|A| - floor(|A| / 2)`` of each (the prefix lemma of set-similarity
    joins). Shared furniture, the most frequent paragraph, sits outside most
    prefixes. The result is exactly the one of the plain pairwise scan.
    """
    frequency = Counter(p for paragraphs in paragraph_sets for p in paragraphs)
    groups: list[tuple[set[str], set[str]]] = []  # (first member, union of members)
    by_prefix: dict[str, list[int]] = defaultdict(list)  # prefix paragraph -> group indices
    for paragraphs in paragraph_sets:
        prefix = _rarest(paragraphs, frequency)
        candidates = sorted({index for p in prefix for index in by_prefix.get(p, ())})
        for index in candidates:
            first, union = groups[index]
            overlap = len(first & paragraphs) / max(1, len(first | paragraphs))
            if overlap > 0.5:
                union |= paragraphs
                break
        else:
            for p in prefix:
                by_prefix[p].append(len(groups))
            groups.append((paragraphs, set(paragraphs)))
    return [union for _, union in groups]


def _rarest(paragraphs: set[str], frequency: Counter[str]) -> list[str]:
    """The prefix of ``paragraphs`` (rarest first) any set more than half like it shares."""
    ordered = sorted(paragraphs, key=lambda p: (frequency[p], p))
    return ordered[: len(ordered) - len(ordered) // 2]


def _blocks(text: str) -> list[list[str]]:
    """Blank-line separated blocks of non-empty, whitespace-normalized lines."""
    blocks: list[list[str]] = [[]]
    for line in text.splitlines():
        line = " ".join(line.split())
        if line:
            blocks[-1].append(line)
        elif blocks[-1]:
            blocks.append([])
    return [block for block in blocks if block]


def _drop_leading_appeal(blocks: list[list[str]]) -> list[list[str]]:
    """An appeal block above the article ("Enjoying ad-free content? ... Support us")."""
    if len(blocks) > 1 and _APPEAL_START.match(blocks[0][0]):
        return blocks[1:]
    return blocks


def _cut_trailing_appeal(paragraphs: list[str]) -> list[str]:
    """Cut from the first appeal opener in the back half of the article to its end."""
    total = sum(len(p) for p in paragraphs)
    position = 0
    for index, paragraph in enumerate(paragraphs):
        if position >= total / 2 and index > 0 and _APPEAL_START.match(paragraph):
            return paragraphs[:index]
        position += len(paragraph)
    return paragraphs


def _is_generic_furniture(paragraph: str) -> bool:
    return len(paragraph) <= _MAX_FURNITURE_CHARS and bool(_GENERIC.match(paragraph.strip()))


_PUNCTUATION = re.compile(r"[^\w\s]")
#: The pattern's answer for each ASCII character, as a table: str.translate blanks ASCII
#: text's punctuation in a third of the time the pattern takes.
_ASCII_PUNCTUATION = {code: " " for code in range(128) if _PUNCTUATION.match(chr(code))}


def _normalize(paragraph: str) -> str:
    folded = paragraph.casefold()
    if folded.isascii():
        folded = folded.translate(_ASCII_PUNCTUATION)
    else:
        folded = _PUNCTUATION.sub(" ", folded)
    return " ".join(folded.split())


def _without_furniture_sentences(paragraph: str) -> str:
    """The paragraph without its sign-up, follow, read-more, copyright and credit sentences."""
    # Every sentence is a piece of the paragraph with its spaces made single: a rule whose
    # words the paragraph does not hold matches none of its sentences, and a paragraph
    # holding no rule's words need not be split at all.
    folded = _folded(" ".join(paragraph.split()))
    if not _holds_a_rule_word(folded):
        return paragraph
    searches = _searches_for(folded)
    sentences = split_sentences(paragraph)
    kept = [sentence for sentence in sentences if not _found_by(searches, sentence)]
    if len(kept) == len(sentences):
        return paragraph
    return " ".join(kept)


def is_furniture_sentence(sentence: str) -> bool:
    """Is ``sentence`` a sign-up, follow, read-more, copyright or credit line?"""
    if len(sentence) > _MAX_FURNITURE_SENTENCE_CHARS:
        return False
    folded = _folded(sentence)
    return _holds_a_rule_word(folded) and _found_by(_searches_for(folded), sentence)


def _found_by(searches: list[re.Pattern[str]], sentence: str) -> bool:
    """Whether one of ``searches`` finds furniture in ``sentence`` (a sentence longer than
    ``_MAX_FURNITURE_SENTENCE_CHARS`` is reporting, whatever it holds)."""
    if len(sentence) > _MAX_FURNITURE_SENTENCE_CHARS:
        return False
    stripped = sentence.strip()
    return any(search.search(stripped) for search in searches)


def _folded(text: str) -> str:
    """``text`` in lower case, with the letters a case-insensitive pattern reads as ASCII."""
    return text.lower() if text.isascii() else text.translate(_CASE_FOLD).lower()


def _holds_a_rule_word(folded: str) -> bool:
    # A plain loop: any() over a generator costs twice as much for these few dozen words.
    for word in _RULE_WORDS:  # noqa: SIM110
        if word in folded:
            return True
    return False


def _searches_for(folded: str) -> list[re.Pattern[str]]:
    """The rules whose words ``folded`` holds: the only ones that can match in it."""
    return [search for words, search in _FURNITURE_SEARCHES
            if any(word in folded for word in words)]


def _without_hover_cards(paragraph: str) -> str:
    """Cut hover-card text out of a paragraph, keeping the name it was attached to.

    A card shows as two glued words with the same first part: the name, glued
    to the card's full name ("NoemKristi Lynn"), which ends glued to the card's
    headlines ("NoemSouth Dakota ..."). The card runs to its "MORE" link when
    there is one; without it, the sentences holding the card are dropped.
    """
    for _ in range(10):  # a paragraph rarely has more than a few cards
        card = _find_card(paragraph)
        if card is None:
            return paragraph
        start, second_end = card
        more = _CARD_END.search(paragraph, second_end, second_end + _MAX_CARD_CHARS)
        if more is not None:
            paragraph = paragraph[:start] + " " + paragraph[more.end() :]
            paragraph = re.sub(r"\s+([,.;:)])", r"\1", " ".join(paragraph.split()))
            continue
        sentences = split_sentences(paragraph)
        return " ".join(s for s in sentences if _find_card(s) is None)
    return paragraph


def _find_card(text: str) -> tuple[int, int] | None:
    """(where the card starts, where its second glued word ends), or None."""
    # Each glued word follows a capitalised word: "Kristi NoemKristi", "Lynn NoemSouth"
    # (brand names such as "Apple's AirPower" and "for AirPods" do not).
    glued = [
        match
        for match in _GLUED.finditer(text)
        if re.search(r"\b[A-Z][\w.’'-]*\s+$", text[max(0, match.start() - 40) : match.start()])
    ]
    for index, first in enumerate(glued):
        for second in glued[index + 1 :]:
            if second.start() - first.end() > _MAX_CARD_CHARS:
                break
            if first.group(1) == second.group(1) and first.group(2) != second.group(2):
                return first.start(2), second.end(1)
    return None
