from __future__ import annotations

import gzip
import random
import re
import sys
from pathlib import Path

import pytest

from briefing import clean
from briefing.clean import clean_documents
from briefing.ingest.files import read_paths
from briefing.normalize import markup_to_text
from briefing.text import split_sentences
from briefing.types import RawDocument
from tests.conftest import CORPUS_DIR

SEED_BOILERPLATE = (
    "Dear readers",
    "Remind me later",
    "Enjoying ad-free content",
    "Comments are closed",
    "You can share this story",
    "support us monthly",
    "small favor to ask",
    "A Message from The Moscow Times",
    "paiment methods",
)


def doc(text: str, outlet: str | None = "Ledger", title: str | None = None, name: str = "a") -> (
    RawDocument
):
    return RawDocument(source="test", location=f"{name}.txt", text=text, title=title, outlet=outlet)


def test_seed_articles_lose_all_boilerplate_and_keep_reporting(seeds_dir: Path) -> None:
    cleaned = clean_documents(read_paths([seeds_dir]).documents)
    assert len(cleaned) == 5
    for document in cleaned:
        for phrase in SEED_BOILERPLATE:
            assert phrase.lower() not in document.text.lower(), (document.location, phrase)
            assert phrase.lower() not in (document.title or "").lower()
    by_name = {Path(d.location).name[:3]: d for d in cleaned}
    assert "Peskov" in by_name["000"].text
    assert "Gazprom estimated at $400 billion" in by_name["001"].text
    assert by_name["004"].text.rstrip().endswith('an "enabler" of the war in Ukraine.')


def test_seed_titles_are_detected_or_inferred(seeds_dir: Path) -> None:
    documents = clean_documents(read_paths([seeds_dir]).documents)
    cleaned = {Path(d.location).name[:3]: d for d in documents}
    assert cleaned["001"].title == "Putin to Meet Chinese President's Top Aide in Moscow"
    assert cleaned["003"].title == "Putin to visit China this week – Kremlin"
    # No headline line: a complete phrase from the lead, without attribution or titles,
    # never the lead cut off mid-way ("... will hold talks by video link").
    assert cleaned["000"].title == "Vladimir Putin will hold talks by video link with Xi Jinping"
    assert not cleaned["001"].text.startswith("Putin to Meet")


def test_footer_repeated_across_an_outlets_articles_is_removed() -> None:
    footer = "Independent reporting costs money.\nBecome a member from $3 a month."
    first = doc(f"Storm hits coast\n\nWinds of 120 km/h hit the coast.\n{footer}", name="a")
    second = doc(f"Rates held\n\nThe bank held rates at 4%.\n{footer}", name="b")
    other_outlet = doc(f"Rates held\n\nThe bank held rates.\n{footer}", outlet="Other", name="c")
    a, b, c = clean_documents([first, second, other_outlet])
    assert "costs money" not in a.text and "costs money" not in b.text
    assert "120 km/h" in a.text and "4%" in b.text
    # A lone article of another outlet has no second copy to compare with: kept.
    assert "costs money" in c.text


def test_copies_of_one_article_do_not_erase_each_other() -> None:
    body = "Ships waited offshore.\nThe harbour reopened on Friday.\nCranes were damaged."
    a, b = clean_documents([doc(body, name="a"), doc(body, name="b")])
    assert a.text == b.text and "harbour reopened" in a.text


def test_generic_patterns_for_a_lone_article() -> None:
    text = (
        "Harbour reopens after storm\n\nThe harbour reopened on Friday.\nShare this article:\n"
        "Sign up for our morning newsletter\nRead more\nCrews cleared the channels."
    )
    (cleaned,) = clean_documents([doc(text)])
    assert cleaned.title == "Harbour reopens after storm"
    assert cleaned.text.splitlines() == [
        "The harbour reopened on Friday.",
        "Crews cleared the channels.",
    ]


def test_reporting_that_mentions_readers_or_newsletters_is_kept() -> None:
    text = (
        "Newsletter firm fined\n\n"
        "Dear readers of the company's newsletter were told in a letter on Monday that "
        "their data had leaked, regulators said, and the firm was fined 2 million euros.\n"
        "The firm said it would appeal."
    )
    (cleaned,) = clean_documents([doc(text)])
    assert "fined 2 million euros" in cleaned.text


def test_an_article_of_nothing_but_boilerplate_is_dropped() -> None:
    assert clean_documents([doc("Share this article:\nRemind me later.\nRead more")]) == []


def _pairwise_fold(paragraph_sets: list[set[str]]) -> list[set[str]]:
    """The plain quadratic scan the prefix filter must agree with."""
    groups: list[tuple[set[str], set[str]]] = []
    for paragraphs in paragraph_sets:
        for first, union in groups:
            if len(first & paragraphs) / max(1, len(first | paragraphs)) > 0.5:
                union |= paragraphs
                break
        else:
            groups.append((paragraphs, set(paragraphs)))
    return [union for _, union in groups]


def test_copy_folding_matches_the_pairwise_scan() -> None:
    import random

    from briefing.clean import _fold_copies

    rng = random.Random(3)
    for _ in range(200):
        vocabulary = [f"p{i}" for i in range(rng.randint(3, 14))]
        sets = [set(rng.sample(vocabulary, rng.randint(0, len(vocabulary))))
                for _ in range(rng.randint(1, 12))]
        assert _fold_copies([set(s) for s in sets]) == _pairwise_fold([set(s) for s in sets])


def test_copy_folding_keeps_shared_furniture_apart_from_copies() -> None:
    from briefing.clean import _fold_copies

    appeal = "please support us"
    sets = [{appeal, f"story {i} lead", f"story {i} body"} for i in range(300)]
    sets.append({appeal, "story 7 lead", "story 7 body"})  # a copy of story 7
    folded = _fold_copies(sets)
    assert len(folded) == 300
    assert all(appeal in group for group in folded)


#: Every furniture rule at once, as clean.py searched a sentence before it kept them apart.
_ONE_PATTERN = re.compile("(?i)" + "|".join(rule for _, rule in clean._FURNITURE_RULES))


def _furniture_by_the_one_pattern(sentence: str) -> bool:
    """``is_furniture_sentence`` with no shortcut: every rule searched in every sentence."""
    if len(sentence) > clean._MAX_FURNITURE_SENTENCE_CHARS:
        return False
    return bool(_ONE_PATTERN.search(sentence.strip()))


def test_furniture_rules_searched_by_their_words_answer_as_the_one_pattern() -> None:
    pages = sorted((CORPUS_DIR / "pages").glob("*.html.gz"))
    if not pages:
        pytest.skip(f"the page corpus is not present at {CORPUS_DIR / 'pages'}")
    # Whole pages, furniture and all, as text: thousands of real sentences.
    lines = [
        line
        for path in pages
        for line in markup_to_text(gzip.decompress(path.read_bytes()).decode("utf-8", "replace"))
        .splitlines()
    ]
    sentences = [sentence for line in lines for sentence in split_sentences(line)]
    # Every rule's kind of furniture, and letters a case-insensitive pattern reads as ASCII
    # ones (dotted and dotless I, long s, the Kelvin sign) where a rule's words would be.
    made = [
        "Read more: the council's reply", "READ MORE", "Get the latest updates in your inbox.",
        "Sign up for our daily newsletter.", "The Morning newsletter.",
        "Follow us on Twitter", "Follow Jane Doe on Instagram", "Find her on X @jdoe",
        "Email the reporter at jd@example.com", "Email Jane Doe at jd@example.com",
        "Jane Doe contributed to this report.", "© 2026 The Ledger", "Photo by Jane Doe",
        "Photos: the harbour", "AP Photo/Jane Doe", "Watch: https://example.com/v",
        "This copy is for your personal, non-commercial use only.",
        "Download the free app", "Budget talks: read the minister's statement",
        "Follow us on Twıtter", "FOLLOW US ON TWİTTER", "ſubscribe to our newsletter",
        "Budget: ſign up for our newsletter ſtay informed", "Kontact the author at x@y.z",
        "Budget photoſ by Jane", "Budget: ıs thıs a newsletter?", "Contrıbuted thıs report",
        "Email the reporter on Signal",
    ]
    judged = [(s, clean.is_furniture_sentence(s), _furniture_by_the_one_pattern(s))
              for s in sentences + made]
    assert [s for s, ours, theirs in judged if ours != theirs] == []
    assert sum(theirs for _, _, theirs in judged) > 50
    # A paragraph with no furniture word is not split into sentences at all: the same
    # paragraphs come out as when every sentence is judged.
    for paragraph in [*lines, *made, " ".join(made), "\n".join(made)]:
        every = split_sentences(paragraph)
        kept = [s for s in every if not _furniture_by_the_one_pattern(s)]
        expected = paragraph if len(kept) == len(every) else " ".join(kept)
        assert clean._without_furniture_sentences(paragraph) == expected, paragraph


def test_case_fold_covers_every_letter_a_pattern_reads_as_ascii() -> None:
    letter = re.compile("[a-z]", re.IGNORECASE)
    missed = [
        hex(code) for code in range(0x80, sys.maxunicode + 1)
        if letter.fullmatch(chr(code))
        and not chr(code).translate(clean._CASE_FOLD).lower().isascii()
    ]
    assert missed == []


def test_paragraphs_are_compared_as_the_pattern_normalizes_them() -> None:
    """ASCII text goes through a translation table; it must blank what the pattern blanks."""
    rng = random.Random(15)
    every_ascii = "".join(map(chr, range(128)))
    texts = [every_ascii, every_ascii.upper(), "Straße, naïve — “quoted” café’s 5°C",
             *("".join(rng.choice(every_ascii + "ßéİ’") for _ in range(60)) for _ in range(2000))]
    for text in texts:
        expected = " ".join(clean._PUNCTUATION.sub(" ", text.casefold()).split())
        assert clean._normalize(text) == expected, repr(text)
