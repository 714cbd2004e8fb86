"""Words as the support check compares them (``briefing.summarize.support``).

A line and an article sentence meet on *content words*: not function words or
verbs of saying, folded to a light stem (case, possessive, plural, -ed, -ing
with its doubled consonant, a final e, -ise/-ize; then the first five letters),
with irregular past forms to their base ("took" = "take"), number words two to
twelve as digits, numbers in one spelling ("4,300" = "4300", "45.70" = "45.7")
and a short list of newsroom synonyms folded to one stem ("walkout" = "strike").
Negation words become one token, read before stemming ("noted" is not "not").
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence


def _word_set(text: str) -> frozenset[str]:
    return frozenset(text.split())


#: Numbers as grounding reads them (a space groups only before exactly three digits:
#: "1 200"), then words.
WORD = re.compile(
    r"\d+(?:(?:[,.'’]|[ \u00a0\u202f\u2009](?=\d{3}(?!\d)))\d+)*%?"
    r"|[^\W\d_]+(?:['’][^\W\d_]+)*"
)

_FUNCTION_WORDS = _word_set("""
a an the this that these those it its it's he him his she her hers they them their theirs we us
our ours i me my you your yours who whom whose which what when where why how there here
in on at to of for from by with as into onto upon over under about after before during while
since until till than then also too very so such just only even still yet again more most
less least much many some any all each every both either other another same own few several
and or but if because though although whether nor not no never
however meanwhile moreover furthermore nevertheless nonetheless therefore thus hence indeed
instead otherwise likewise besides overall
is are was were be been being am has have had having do does did doing will would shall should
can could may might must ought
one ones up down out off per via among between across against around through within without
amid toward towards upon onto
mr mrs ms dr st
says said say saying told tell tells telling according added adds add stated states state
announced announces announce reported reports report warned warns confirmed confirms
explained explains noted notes wrote writes claimed claims insisted insists
""")

#: Verbs and phrases that make the words near them a speaker.
_SPEECH = _word_set("""
said says say saying told tells tell telling according added adds stated states announced
announces warned warns confirmed confirms explained explains noted notes
wrote writes claimed claims insisted insists argued argues estimated estimates predicted
predicts acknowledged acknowledges admitted admits declared declares denied denies statement
spokesman spokeswoman spokesperson
""")

#: Words naming a role rather than who: not required of a speaker in the source.
_ROLE_WORDS = _word_set("""
spokesman spokeswoman spokesperson spokespeople official officials source sources statement
representative representatives chief head leader leaders member members staff government
""")

_NEGATIONS = _word_set("""
not no never none nobody nothing neither nor without cannot cant dont doesnt didnt isnt arent
wasnt werent wont wouldnt shouldnt couldnt hasnt havent hadnt
deny denies denied denying refuse refuses refused refusing
""")



#: Clause punctuation ends a negation's scope; kept as a token of its own.
BREAK = "|"
_TOKEN = re.compile(rf"{WORD.pattern}|[,;:()\[\]\"“”—–]")
#: Content words after a negation that it is taken to apply to.
NEGATION_SCOPE = 3


#: Stands for every negation word, recognised before stemming ("noted" is not "not").
_NOT = "¬"


def tokenize(text: str) -> list[str]:
    tokens = []
    for match in _TOKEN.finditer(text):
        word = match.group(0)
        if not WORD.fullmatch(word):
            tokens.append(BREAK)
        elif _is_negation(word):
            tokens.append(_NOT)
        else:
            tokens.append(stem_word(word))
    return tokens


def _is_negation(word: str) -> bool:
    folded = word.casefold().replace("’", "'")
    return folded.endswith("n't") or folded.replace("'", "") in _NEGATIONS


def is_content(stem: str) -> bool:
    if stem[:1].isdigit():
        return True
    return stem != _NOT and stem not in _FUNCTION_STEMS and len(stem) > 1


def negated(tokens: Sequence[str]) -> tuple[frozenset[str], frozenset[str]]:
    """(the scope, the heads) of the negations in ``tokens``: the first ``NEGATION_SCOPE``
    content words after each, up to clause punctuation, and the first of them alone."""
    scope: set[str] = set()
    heads: set[str] = set()
    for index, token in enumerate(tokens):
        if token != _NOT:
            continue
        found = 0
        for following in tokens[index + 1 : index + 10]:
            if following in (BREAK, _NOT):
                break
            if is_content(following) or following in SPEECH_STEMS:
                if not found:
                    heads.add(following)
                scope.add(following)
                found += 1
                if found == NEGATION_SCOPE:
                    break
    return frozenset(scope), frozenset(heads)


def stem_word(word: str) -> str:
    """A light, deterministic stem: folded, possessive and common suffixes off, 5 letters."""
    word = word.casefold().replace("’", "'")
    if word[:1].isdigit():
        return _number(word.rstrip("%"))
    word = word.removesuffix("'s").replace("'", "")
    if word in _NUMBER_WORDS:
        return _NUMBER_WORDS[word]
    word = _IRREGULAR.get(word, word)
    for suffix, replacement in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            word = word[: len(word) - len(suffix)] + replacement
            if suffix in ("ing", "ed") and word[-1] == word[-2] and word[-1] in _UNDOUBLE:
                word = word[:-1]  # "cutting", "stopped" -> "cut", "stop"
            break
    if len(word) > 3 and word.endswith("e"):
        word = word[:-1]  # "save", "saving", "saved" meet at "sav"
    word = word.replace("iz", "is")[:5]  # organize == organise
    return _SYNONYM.get(word, word)


_SEPARATOR = re.compile(r"[,.'’ \u00a0\u202f\u2009]")


def _number(raw: str) -> str:
    """One spelling per number: "4,300" == "4300", "3,50" == "3.5", "45.70" == "45.7"."""
    groups = _SEPARATOR.split(raw)
    marks = _SEPARATOR.findall(raw)
    fraction = ""
    # The last "." or "," is a decimal point unless exactly three digits follow it.
    if marks and marks[-1] in ".," and len(groups[-1]) != 3:
        fraction = groups.pop().rstrip("0")
    integer = "".join(groups).lstrip("0") or "0"
    return f"{integer}.{fraction}" if fraction else integer


_UNDOUBLE = frozenset("bdgmnprt")
_SUFFIXES = (
    ("ies", "y"), ("ied", "y"), ("sses", "ss"), ("ing", ""), ("ed", ""), ("es", ""),
    ("ly", ""), ("s", ""),
)


_IRREGULAR_VERBS = """
        take took taken; go went gone; make made; give gave given; rise rose risen;
        fall fell fallen; hold held; meet met; win won; lose lost; pay paid; sell sold;
        leave left; begin began begun; come came; become became; grow grew grown;
        break broke broken; strike struck; lead led; keep kept; bring brought; buy bought;
        catch caught; think thought; fight fought; seek sought; spend spent; send sent;
        build built; run ran; see saw seen; choose chose chosen; draw drew drawn;
        fly flew flown; freeze froze frozen; speak spoke spoken; stand stood; sink sank sunk;
        drive drove driven; flee fled; hide hid hidden; steal stole stolen; throw threw thrown;
        shake shook shaken; find found; feel felt; get got gotten; know knew known;
        lend lent; bear bore borne; forbid forbade forbidden; forecast forecast;
        swear swore sworn; wake woke woken; withdraw withdrew withdrawn; sit sat; lay laid
"""
#: Past forms of common irregular verbs, to their base ("took" and "taken" are "take").
_IRREGULAR = {
    form: base
    for base, *forms in (group.split() for group in _IRREGULAR_VERBS.split(";"))
    for form in forms
}

_NUMBER_WORDS = {
    word: str(number)
    for number, word in enumerate(
        ("two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven",
         "twelve"),
        start=2,
    )
}

#: Words news writing uses for one another, folded to one stem each. General
#: vocabulary only ("walkout" for "strike"), never names.
_SYNONYM_GROUPS = (
    "strike walkout stoppage", "talks negotiations", "pay wage wages salary salaries",
    "rise raise increase hike", "cut reduce reduction lower lowered", "fall drop decline",
    "hacker attacker intruder", "stolen steal stole theft", "closed close shut",
    "company firm", "ship vessel", "docker dockworker dockers dockworkers",
    "deal agreement accord pact", "begin start", "resume restart", "end finish",
    "investigation probe inquiry", "customer client", "worker employee staff",
    "died die dead killed kill death", "collapsed collapse failed fail",
    "want wish", "hold keep", "demand demanding", "warn caution", "buy purchase",
    "say tell", "credentials login", "election vote", "minister ministry",
)
_SYNONYM: dict[str, str] = {}


def _stems(words: Iterable[str]) -> frozenset[str]:
    return frozenset(stem_word(word) for word in words)


for _group in _SYNONYM_GROUPS:
    _first, *_others = (stem_word(word) for word in _group.split())
    _SYNONYM.update((other, _first) for other in _others if other != _first)
PRONOUNS = frozenset({"he", "she", "it", "they", "we"})
_FUNCTION_STEMS = _stems(_FUNCTION_WORDS - _NEGATIONS)
SPEECH_STEMS = _stems(_SPEECH)
ROLE_STEMS = _stems(_ROLE_WORDS)
