"""Text normalisation at ingest: entities once, revealed markup stripped, mojibake and spaces."""

from __future__ import annotations

from pathlib import Path

import pytest

from briefing.ingest.files import read_file
from briefing.normalize import (
    markup_to_text,
    normalize_document,
    normalize_text,
    normalize_title,
    strip_controls,
)
from briefing.types import RawDocument


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        # One level of escaping left over: decoded.
        ("Mayor&#39;s plan &amp; the budget", "Mayor's plan & the budget"),
        # Decoding reveals markup: it is stripped, not shown.
        ("Mayor&#39;s plan &amp; the &lt;b&gt;budget&lt;/b&gt;", "Mayor's plan & the budget"),
        ("&lt;p&gt;Bus drivers strike&lt;/p&gt;", "Bus drivers strike"),
        # Two levels left over (the feed escaped three times).
        ("Tom &amp;amp;amp; Jerry &amp;lt;i&amp;gt;again&amp;lt;/i&amp;gt;", "Tom & Jerry again"),
        # A literal &nbsp; in a plain-text summary (a real Russian feed did this).
        ("Разработчик:&nbsp;Студия&nbsp;Язык:&nbsp;русский", "Разработчик: Студия Язык: русский"),
        # Named references only when the whole name is one; a bare "&" stays.
        ("AT&T and R&D, &notice; fish&nothing", "AT&T and R&D, &notice; fish&nothing"),
        ("&copy 2026 &nbsp now", "&copy 2026 now"),
        # Angle brackets that are not HTML stay as written.
        ("a < b and c > d, <Company Name> said", "a < b and c > d, <Company Name> said"),
        # Comments and CDATA never show; a comment never closed ends at ">" or the end.
        ("safe<!-- hidden --> text <![CDATA[kept]]>", "safe text kept"),
        ("sa&lt;!-- -- junk &gt;fe", "safe"),
        # Mojibake whose bytes are all there is repaired; C1 punctuation too.
        ("CafÃ© owners in ZÃ¼rich â€” donâ€™t", "Café owners in Zürich — don’t"),
        ("don\x92t panic", "don’t panic"),
        # ...but real text that merely looks like it is left alone.
        ("testing Â entity and Ã too", "testing Â entity and Ã too"),
        # Invisible characters go, spaces are plain and single.
        ("soft\xadhyphen zero\u200bwidth\u00a0and\u2009thin", "softhyphen zerowidth and thin"),
        # Sentences run together are parted; abbreviations, domains and URLs are not.
        ("budget.The council met.Then U.S. officials at example.com.Next and www.a.Bc",
         "budget. The council met. Then U.S. officials at example.com.Next and www.a.Bc"),
    ],
)
def test_normalize_title(raw: str, expected: str) -> None:
    assert normalize_title(raw) == expected
    assert normalize_title(expected) == expected  # idempotent: never decoded twice


def test_paragraphs_and_cells_never_run_together() -> None:
    html = ("<table><tr><td>Разрешение</td><td>50%</td><td>360 x 640</td></tr></table>"
            "<p>First<br>line</p><ul><li>one</li><li>two</li></ul><img src=x>after"
            "<script>evil()</script><style>p{}</style> <span>in</span>line")
    assert normalize_text(markup_to_text(html)) == (
        "Разрешение 50% 360 x 640\nFirst\nline\none\ntwo\nafter inline"
    )
    assert normalize_text("one\r\n\r\n\n  two  \u2028three") == "one\ntwo\nthree"


def test_declared_plain_text_keeps_its_brackets_but_not_revealed_markup() -> None:
    assert normalize_text("History of the <blink> tag", plain=True) == "History of the <blink> tag"
    assert normalize_text("History of the <blink> tag") == "History of the tag"
    assert normalize_text("Bus &lt;b&gt;drivers&lt;/b&gt;", plain=True) == "Bus drivers"


def test_no_entity_tag_or_control_character_survives_hostile_input() -> None:
    raw = ("&amp;lt;script&amp;gt;alert(1)&amp;lt;/script&amp;gt;Hello\x00\x07 &amp;#8217;"
           "&lt;iframe src=x&gt;&lt;/iframe&gt;&#x1F600;")
    assert normalize_text(raw) == "Hello ’😀"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        # C0 controls and DEL go; tab and line feed are text.
        ("bell\x07 nul\x00 esc\x1b del\x7f back\x08space", "bell nul esc del backspace"),
        ("tab\tkept\nline", "tab kept\nline"),
        # Controls that end a line become line breaks; separators become spaces.
        ("page\x0cbreak vertical\x0btab", "page\nbreak vertical\ntab"),
        ("unit\x1fsep record\x1esep", "unit sep record sep"),
        # C1: Windows-1252 punctuation is what a C1 character in text almost always
        # was (ftfy restores it); the ones Windows-1252 leaves undefined go.
        ("caf\xe9 \x93quoted\x94 undefined\x81\x8d\x8f\x90\x9d here",
         "café “quoted” undefined here"),
        # Noncharacters, in the BMP and in other planes, go.
        ("non\ufdd0char\ufdef \ufffe\uffffx \U0001fffey\U0010ffff", "nonchar x y"),
    ],
)
def test_control_characters_and_noncharacters_are_removed(raw: str, expected: str) -> None:
    assert normalize_text(raw) == expected
    assert normalize_text(expected) == expected


def test_a_noncharacter_never_comes_back_as_an_ampersand() -> None:
    # markup_to_text hides "&" behind U+FDD0 while it parses.
    assert markup_to_text("<p>fish\ufdd0chips &amp; peas</p>") == "\nfishchips &amp; peas\n"
    assert normalize_text("<p>fish\ufdd0chips</p>") == "fishchips"


def test_strip_controls_alone_for_text_that_is_not_ingested() -> None:
    assert strip_controls("model\x85line\x07 one\r\ntwo\x9b\ufdd0") == "model line one\ntwo"


def test_normalize_document_and_files_pass_through_it(tmp_path: Path) -> None:
    document = RawDocument(source="s", location="x", text="A &amp;amp; B\n\n&lt;p&gt;C",
                           title=" Mayor&#39;s  plan ", outlet="Smith &amp; Sons")
    normalized = normalize_document(document)
    # A document keeps its paragraph break (cleaning reads it); feed fields do not.
    assert (normalized.text, normalized.title, normalized.outlet) == (
        "A & B\n\nC", "Mayor's plan", "Smith & Sons")
    article = tmp_path / "a.txt"
    article.write_text("---\ntitle: Council&#39;s &lt;b&gt;vote&lt;/b&gt;\n---\n"
                       "The council&nbsp;voted &amp;amp; the mayor&#8217;s plan passed.\n",
                       encoding="utf-8")
    read = read_file(article, source="files")
    assert isinstance(read, RawDocument)
    assert read.title == "Council's vote"
    assert read.text == "The council voted & the mayor’s plan passed."
    empty = tmp_path / "b.txt"
    empty.write_text("&nbsp; &#8203;\n", encoding="utf-8")
    assert "no article text" in str(read_file(empty, source="files"))
