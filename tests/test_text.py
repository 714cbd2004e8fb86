"""Sentence splitting, title inference and headline detection on news English."""

from __future__ import annotations

import pytest
from conftest import SEEDS_DIR

from briefing.text import (
    content_words,
    infer_title,
    looks_like_headline,
    normalize_whitespace,
    split_paragraphs,
    split_sentences,
    strip_dateline,
    word_count,
    words,
)

SEEDS = SEEDS_DIR  # $BRIEFING_CORPUS/seeds, else <repo>/../shared/corpus/seeds


def seed_texts() -> list[str]:
    if not SEEDS.is_dir():
        pytest.skip(f"seed corpus not available at {SEEDS}")
    return [path.read_text(encoding="utf-8") for path in sorted(SEEDS.glob("*.txt"))]


# --- split_sentences ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param(
            "The U.S. Congress voted on Monday. The bill passed.",
            ["The U.S. Congress voted on Monday.", "The bill passed."],
            id="U.S.-before-a-name",
        ),
        pytest.param(
            "Troops stayed in the U.S. The next day they left.",
            ["Troops stayed in the U.S.", "The next day they left."],
            id="U.S.-ends-a-sentence",
        ),
        pytest.param(
            "Talks with the U.K. and the E.U. resumed. Both sides met.",
            ["Talks with the U.K. and the E.U. resumed.", "Both sides met."],
            id="U.K.-E.U.",
        ),
        pytest.param(
            "Mr. Lee met Mrs. Park and Dr. Osei. Gen. Ruiz was absent.",
            ["Mr. Lee met Mrs. Park and Dr. Osei.", "Gen. Ruiz was absent."],
            id="titles",
        ),
        pytest.param(
            "The vote is on Jan. 15 at St. Mary's hall, No. 4. It opens early.",
            ["The vote is on Jan. 15 at St. Mary's hall, No. 4.", "It opens early."],
            id="months-saints-numbers",
        ),
        pytest.param(
            "Some rivals, e.g. Acme, and others, i.e. the rest, lost. Brown vs. Smith ended.",
            ["Some rivals, e.g. Acme, and others, i.e. the rest, lost.", "Brown vs. Smith ended."],
            id="e.g.-i.e.-vs.",
        ),
        pytest.param(
            "J. R. Smith scored. Harry S. Truman left.",
            ["J. R. Smith scored.", "Harry S. Truman left."],
            id="initials",
        ),
        pytest.param(
            "Inflation rose 3.5% in May. Output fell 0.2 points.",
            ["Inflation rose 3.5% in May.", "Output fell 0.2 points."],
            id="decimals",
        ),
        pytest.param(
            '"We will talk ... about everything," she said. Then she left.',
            ['"We will talk ... about everything," she said.', "Then she left."],
            id="ellipsis-inside-quote",
        ),
        pytest.param(
            "Prices went up… Then they fell.",
            ["Prices went up…", "Then they fell."],
            id="ellipsis-ends-sentence",
        ),
        pytest.param(
            '"It will be hard ..." he said. Nobody argued.',
            ['"It will be hard ..." he said.', "Nobody argued."],
            id="ellipsis-then-speech-tag",
        ),
        pytest.param(
            'He called the drills "aggressive." The navy disagreed.',
            ['He called the drills "aggressive."', "The navy disagreed."],
            id="straight-quote-after-period",
        ),
        pytest.param(
            "He called the drills “aggressive.” The navy disagreed.",
            ["He called the drills “aggressive.”", "The navy disagreed."],
            id="curly-quote-after-period",
        ),
        pytest.param(
            '"Why now?" she asked. "Who knows?" Peskov replied. Talks went on.',
            ['"Why now?" she asked.', '"Who knows?" Peskov replied.', "Talks went on."],
            id="question-inside-quote",
        ),
        pytest.param(
            "Is this the end? Not yet! The talks resume today.",
            ["Is this the end?", "Not yet!", "The talks resume today."],
            id="question-and-exclamation",
        ),
        pytest.param(
            "Ports reopen\nShips sailed again on Monday. Crews returned.",
            ["Ports reopen", "Ships sailed again on Monday.", "Crews returned."],
            id="paragraph-break-without-period",
        ),
        pytest.param(
            "First paragraph ends here.\n\nSecond paragraph starts here",
            ["First paragraph ends here.", "Second paragraph starts here"],
            id="blank-line",
        ),
        pytest.param(
            "The minister said the plan\nwould be delayed. Critics agreed.",
            ["The minister said the plan would be delayed.", "Critics agreed."],
            id="hard-wrapped-line",
        ),
    ],
)
def test_split_sentences(text: str, expected: list[str]) -> None:
    assert split_sentences(text) == expected


def test_split_sentences_of_nothing() -> None:
    assert split_sentences("") == []
    assert split_sentences(" \n\n \t\n") == []


def test_split_sentences_normalises_whitespace() -> None:
    assert split_sentences("  Two   spaces.\tA tab.  ") == ["Two spaces.", "A tab."]


def test_split_sentences_loses_no_text_on_real_articles() -> None:
    for text in seed_texts():
        sentences = split_sentences(text)
        assert " ".join(sentences) == normalize_whitespace(text)
        # Every line of a real article is at least one sentence of its own.
        assert len(sentences) >= len(split_paragraphs(text))


def test_split_paragraphs_keeps_lines_apart() -> None:
    assert split_paragraphs("One.\nTwo\n\n  Three  ") == ["One.", "Two", "Three"]


# --- infer_title ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("lead", "title"),
    [
        pytest.param(
            "The European Central Bank raised interest rates by a quarter point on Thursday, "
            "the bank said, its tenth increase in a row.",
            "The European Central Bank raised interest rates by a quarter point",
            id="drops-attribution-and-day",
        ),
        pytest.param(
            "Flooding in northern Italy has forced more than 10,000 people from their homes, "
            "officials said on Tuesday.",
            "Flooding in northern Italy has forced more than 10,000 people from their homes",
            id="keeps-number-comma",
        ),
        pytest.param(
            "Japan's largest carmaker will invest billions of dollars in a new battery plant in "
            "North Carolina to supply its growing range of electric vehicles.",
            "Japan's largest carmaker will invest billions of dollars in a new battery plant in "
            "North Carolina to supply its growing range of electric vehicles",
            id="long-without-comma-is-kept-whole-not-cut",
        ),
        pytest.param(
            "BRUSSELS (Reuters) - European Union leaders agreed on Friday to open talks with "
            "Ukraine, a move hailed in Kyiv as historic.",
            "European Union leaders agreed on Friday to open talks with Ukraine",
            id="dateline",
        ),
        pytest.param(
            "Shares in the lender fell sharply: investors fear a wave of bad loans.",
            "Shares in the lender fell sharply",
            id="colon",
        ),
        pytest.param(
            "Rescue teams reached the village late on Sunday – two days after the quake.",
            "Rescue teams reached the village late on Sunday",
            id="dash",
        ),
        pytest.param(
            "The Senate passed an aid package for Ukraine, Israel and Taiwan after months of "
            "delay.",
            "The Senate passed an aid package for Ukraine, Israel and Taiwan after months of delay",
            id="list-comma-is-not-a-clause",
        ),
    ],
)
def test_infer_title_on_realistic_leads(lead: str, title: str) -> None:
    assert infer_title(lead) == title


def test_infer_title_only_removes_whole_phrases() -> None:
    lead = (
        "Russian President Vladimir Putin will hold talks by video link with Chinese leader "
        "Xi Jinping on Friday, the Kremlin said, as Russia seeks to bolster ties with Beijing."
    )
    # Not "Russian President Vladimir Putin will hold talks by video link" (a cut sentence):
    # the roles before the names and the day go, the clause stays whole.
    assert infer_title(lead) == "Vladimir Putin will hold talks by video link with Xi Jinping"
    appositive = (
        "Fennick & Rowe, the Orvane-based online retailer and payments company, said on Friday "
        "that hackers had stolen the personal details of about 2.1 million customers."
    )
    assert infer_title(appositive, max_words=16) == (
        "Fennick & Rowe said that hackers had stolen the personal details of about 2.1 million "
        "customers"
    )


def test_infer_title_skips_a_leading_question() -> None:
    text = "Why does it matter?\nThe central bank cut its main rate to 2% on Thursday."
    assert infer_title(text) == "The central bank cut its main rate to 2% on Thursday"


def test_infer_title_of_a_quote_keeps_quotes_balanced() -> None:
    title = infer_title('"We will not back down on this reform," the prime minister told MPs.')
    assert title == '"We will not back down on this reform"'
    long_quote = (
        '"It will be very important to exchange views on the most acute regional problems '
        'of the day," the spokesman said.'
    )
    assert infer_title(long_quote) == (
        '"It will be very important to exchange views on the most acute regional problems '
        'of the day"'
    )


def test_infer_title_of_nothing_is_empty() -> None:
    assert infer_title("") == ""
    assert infer_title("\n \n") == ""


def test_infer_title_on_real_articles() -> None:
    for text in seed_texts():
        title = infer_title(text)
        assert 0 < word_count(title) <= 16
        assert not title.endswith((".", ",", ";", ":"))
        # Roles and attribution may be left out ("Russian President"), but every word is
        # the article's own, in the article's order: a shortened phrase, never a new one.
        words = [w.strip(".,;:") for w in normalize_whitespace(text).replace('"', "").split()]
        position = 0
        for word in title.split():
            position = words.index(word.strip(".,;:"), position) + 1


# --- looks_like_headline -----------------------------------------------------------------


@pytest.mark.parametrize(
    "line",
    [
        "Putin to visit China this week – Kremlin",
        "Central bank raises rates for the tenth time",
        "Is the euro heading for parity?",
        "Minister calls the plan “reckless”",
        'Strikes spread to ports: "We have no choice"',
        "Floods force 10,000 from their homes!",
    ],
)
def test_headlines(line: str) -> None:
    assert looks_like_headline(line)


@pytest.mark.parametrize(
    "line",
    [
        "The central bank raised rates on Thursday.",
        'He called the drills "aggressive."',
        "A message from our editors:",
        "Officials said,",
        "the floods and what comes next",
        "Read more",
        "",
        "   ",
        " ".join(["Word"] * 25),
        "Short line but " + "x" * 200,
    ],
)
def test_not_headlines(line: str) -> None:
    assert not looks_like_headline(line)


# --- small helpers ---------------------------------------------------------------------


def test_word_helpers() -> None:
    assert normalize_whitespace("  a \n b\t\tc ") == "a b c"
    assert word_count("  Russia's four-day trip, 3.5%  ") == 4
    assert words("Russia's four-day trip cost $10,000.") == [
        "Russia's",
        "four-day",
        "trip",
        "cost",
        "10,000",
    ]


def test_content_words_drop_stopwords_and_stem_lightly() -> None:
    assert content_words("The talks between Russia's leaders said nothing") == [
        "talk",
        "russia",
        "leader",
        "nothing",
    ]


def test_strip_dateline() -> None:
    assert strip_dateline("MOSCOW (AP) — Talks resumed.") == "Talks resumed."
    assert strip_dateline("WASHINGTON - The Senate voted.") == "The Senate voted."
    assert strip_dateline("BRENN, Nov 22 - The count ended.") == "The count ended."
    assert strip_dateline("BRENN, Nov. 22 (Reuters) - The count ended.") == "The count ended."
    assert strip_dateline("Putin - Xi talks resumed.") == "Putin - Xi talks resumed."
