"""Openings that lean on a sentence before them, and what they refer to.

A bullet stands alone, so "The company said attackers ..." or "It is the
second cut this year" leaves a reader asking "who?". Two kinds of opening:

* a pronoun ("It", "He", "They", "This", ...): the reference could be anything
  said before, so such a sentence is not used;
* "the <role>" ("The company", "The Orvane-based online retailer", "The
  institute"): resolved when the article named the subject earlier in a form
  that carries the role -- an appositive ("Fennick & Rowe, the Orvane-based
  online retailer and payments company,") or a name that ends in it ("the
  Kestrian Meteorological Institute", "the Bank of Kestria"). The opening is
  then replaced by the name; otherwise the sentence is not used.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from briefing.text import word_set

__all__ = ["ROLE_NOUNS", "Antecedents", "opens_with_pronoun", "resolve_opening"]

#: Nouns that name a subject by its role; "The <role>" opening a bullet needs its name.
ROLE_NOUNS = word_set(
    """
    company firm institute institution bank group agency ministry department council union
    retailer lender carrier airline insurer court club team organisation organization board
    spokesman spokeswoman spokesperson official officials minister president leader chief
    executive man woman suspect victim player coach move decision deal report study
    statement announcement incident measure bill proposal plan programme program service
    business startup operator utility regulator authority authorities agreement scheme
    port committee commission party government fund maker manufacturer producer developer
    store chain brand network channel school university hospital
    """
)
_PRONOUN = re.compile(
    r"^[\"“‘']?(?:It|Its|It's|It’s|He|She|His|Her|They|Their|Them|This|That|These|Those|"
    r"We|Our|I|Such|Both|Another|Some|Others)\b"
)
_DETERMINER = r"(?:The|This|That|These|Those)"
_FUNCTION_WORD = (
    r"(?:the|a|an|of|to|in|on|at|by|for|and|or|is|was|were|are|be|has|have|had|will|would|"
    r"said|says|that|which|who|it|its)"
)
_ROLE_OPENING = re.compile(
    rf"^(?P<quote>[\"“‘']?)(?P<phrase>{_DETERMINER}\s+(?:(?!{_FUNCTION_WORD}\b)[\w’'-]+\s+){{0,3}}?"
    rf"(?P<role>{'|'.join(sorted(ROLE_NOUNS, key=len, reverse=True))}))"
    r"(?P<possessive>'s|’s)?\b"
    # "The president of France" names its subject.
    r"(?!\s+(?:of|for|in|at|on)\s+(?:the\s+)?[A-Z])"
)
# A name ending in (or headed by) a role: "Kestrian Meteorological Institute",
# "Bank of Kestria", "Saltmere Port Employers' Association".
_NAME = re.compile(
    r"\b(?:[A-Z][\w’'&.-]*\s+)*[A-Z][\w’'&.-]*(?:\s+of(?:\s+the)?\s+[A-Z][\w’'.-]*)*"
)
_APPOSITIVE = re.compile(
    r"(?P<name>(?:[A-Z][\w’'.-]*|&)(?:\s+(?:[A-Z][\w’'.-]*|&))*),\s+"
    r"(?P<description>(?:the|a|an|[A-Z][\w’'-]*['’]s)\s+[^,;.]{2,90}?),"
)


def opens_with_pronoun(sentence: str) -> bool:
    return bool(_PRONOUN.match(sentence))


@dataclass(frozen=True)
class Antecedents:
    """Named subjects an article has introduced, by the roles they carry, in order."""

    by_role: dict[str, list[tuple[int, str]]]  # role -> [(sentence index, name)]

    @classmethod
    def lazy(cls, sentences: Sequence[str]) -> Antecedents:
        """Antecedents found only when a sentence first asks for one (most never do)."""
        return _LazyAntecedents(sentences)

    @classmethod
    def of(cls, sentences: Sequence[str]) -> Antecedents:
        by_role: dict[str, list[tuple[int, str]]] = {}
        for index, sentence in enumerate(sentences):
            for name, roles in _named_roles(sentence):
                for role in roles:
                    by_role.setdefault(role, []).append((index, name))
        return cls(by_role)

    def name_for(self, role: str, before: int) -> str | None:
        """The most recent name carrying ``role`` introduced before sentence ``before``."""
        found = [name for index, name in self.by_role.get(role, []) if index < before]
        return found[-1] if found else None


class _LazyAntecedents(Antecedents):
    def __init__(self, sentences: Sequence[str]) -> None:
        self._sentences = sentences
        self._found: Antecedents | None = None

    def name_for(self, role: str, before: int) -> str | None:
        if self._found is None:
            self._found = Antecedents.of(self._sentences)
        return self._found.name_for(role, before)


def _named_roles(sentence: str) -> list[tuple[str, set[str]]]:
    result: list[tuple[str, set[str]]] = []
    for match in _APPOSITIVE.finditer(sentence):
        roles = {w for w in re.findall(r"[a-z]+", match.group("description")) if w in ROLE_NOUNS}
        name = match.group("name").strip()
        if roles and len(name) > 1 and name.split()[0] not in {"The", "A", "An"}:
            result.append((name, roles))
    for match in _NAME.finditer(sentence):
        name = match.group()
        words = name.split()
        roles = {w.lower() for w in words if w.lower() in ROLE_NOUNS}
        if roles and len(words) > 1:
            start = match.start()
            article = sentence[max(0, start - 4) : start].lower()
            result.append((("the " if article.endswith("the ") else "") + name, roles))
    return result


def resolve_opening(sentence: str, position: int, antecedents: Antecedents) -> str | None:
    """``sentence`` with a "the <role>" opening replaced by its name; None if it cannot be.

    A sentence with no such opening is returned as it is.
    """
    match = _ROLE_OPENING.match(sentence)
    if match is None:
        return sentence
    name = antecedents.name_for(match.group("role").lower(), position)
    if name is None:
        return None
    name = name[:1].upper() + name[1:]
    if match.group("possessive"):
        name += "’s" if "’" in sentence else "'s"
    return match.group("quote") + name + sentence[match.end() :]
