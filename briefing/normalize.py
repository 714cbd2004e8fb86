"""Text normalisation at ingest: what feeds, pages and files say, as a reader should see it.

Every article enters through one of three readers (``briefing.ingest.files``,
``briefing.collect.feeds``, ``briefing.collect.pages``) and each passes its
text through here once, so everything downstream can rely on plain text:

- character references decoded: the parser that read the document decoded one
  level of escaping; whatever is still escaped was escaped twice by its
  publisher (``&amp;nbsp;``, ``&amp;lt;b&amp;gt;``) and is decoded here, so no
  literal ``&nbsp;`` or ``&#39;`` ever reaches a reader;
- markup revealed by that decoding (``<b>``, ``<p>`` that were escaped twice)
  removed, with a space or a line break where its element separated words;
- mojibake repaired where it can be (ftfy: UTF-8 read as Windows-1252,
  Windows-1252 punctuation in C1 control characters), then every control
  character but tab and line feed (C0, DEL, C1) and every Unicode noncharacter
  removed (``strip_controls``: line-ending ones become line breaks, separators
  spaces), Unicode composed (NFC);
- whitespace tidied: no-break and other spaces become plain spaces, invisible
  characters (zero-width space, soft hyphen) go, one paragraph per line, and
  words run together where a sentence ended ("budget.The") are parted.

``normalize_text`` is idempotent: its output goes through it unchanged, so a
text can never be decoded twice by being normalised twice.
"""

from __future__ import annotations

import dataclasses
import html
import re
import unicodedata
from functools import cache
from html.entities import html5 as html5_references
from html.parser import HTMLParser
from typing import TYPE_CHECKING

from briefing.types import RawDocument

if TYPE_CHECKING:
    import ftfy

#: Elements whose content is never text a reader sees.
SKIPPED_ELEMENTS = frozenset(
    {"script", "style", "template", "noscript", "iframe", "svg", "math", "head"}
)
#: Elements inside a line of text: words on either side of them belong together.
INLINE_ELEMENTS = frozenset(
    {
        "a", "abbr", "acronym", "b", "bdi", "bdo", "big", "cite", "code", "data", "del", "dfn",
        "em", "font", "i", "ins", "kbd", "label", "mark", "nobr", "q", "s", "samp", "small",
        "span", "strike", "strong", "sub", "sup", "time", "tt", "u", "var", "wbr",
    }
)
#: Elements that end a paragraph (the others part words with a space: cells, images).
BLOCK_ELEMENTS = frozenset(
    {
        "address", "article", "aside", "blockquote", "body", "br", "caption", "center",
        "dd", "details", "dialog", "div", "dl", "dt", "fieldset", "figcaption", "figure",
        "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hgroup", "hr", "html",
        "legend", "li", "main", "menu", "nav", "ol", "p", "pre", "section", "summary", "table",
        "tbody", "tfoot", "thead", "title", "tr", "ul",
    }
)
#: Every HTML element name (current and obsolete): only these count as markup in
#: text that is supposed to be plain, so "<Company Name>" or "a<b" stay as written.
HTML_ELEMENTS = SKIPPED_ELEMENTS | INLINE_ELEMENTS | BLOCK_ELEMENTS | frozenset(
    {
        "area", "audio", "base", "basefont", "blink", "button", "canvas", "col", "colgroup",
        "datalist", "dir", "embed", "frame", "frameset", "img", "input", "keygen", "link",
        "listing", "map", "marquee", "meta", "meter", "noframes", "object", "optgroup",
        "option", "output", "param", "picture", "plaintext", "progress", "rp", "rt", "ruby",
        "search", "select", "slot", "source", "td", "textarea", "th", "track", "video", "xmp",
    }
)

#: Elements the parser treats like any other in every Python version (no raw text
#: inside, as script, style, title or textarea have): ``_ordinary_markup_text``'s.
_ORDINARY_ELEMENTS = (BLOCK_ELEMENTS | INLINE_ELEMENTS | {"img", "td", "th"}) - {
    "html", "body", "title"}
#: A start tag with plain names and quoted or bare values, or an end tag without
#: attributes: a subset of what the parser reads as a tag, ending where it does.
_ORDINARY_TAG = re.compile(
    r"<([a-zA-Z][a-zA-Z0-9]*)"
    r"(?:\s+[^\s\"'<>/=`]+(?:\s*=\s*(?:\"[^\"]*\"|'[^']*'|[^\s\"'=<>`]+))?)*\s*/?>"
    r"|</([a-zA-Z][a-zA-Z0-9]*)\s*>"
)
_KNOWN_TAG = re.compile(
    r"<(?:/?([A-Za-z][A-Za-z0-9]*)(?::[A-Za-z][\w.-]*)?(?:\s[^<>]*)?/?>|!--|!\[CDATA\[)"
)
_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)
#: What is left of a comment never closed: up to the next ">" (as SGML and feedparser
#: read it), else to the end (as browsers do); never shown as text.
_UNCLOSED_COMMENT = re.compile(r"<!--[^>]*(?:>|\Z)")
_CDATA = re.compile(r"<!\[CDATA\[(.*?)(?:\]\]>|\Z)", re.DOTALL)
#: A character reference as HTML writes it, with its semicolon; a bare "&" never
#: starts one ("AT&T", "R&D", "&notice" stay as written).
_REFERENCE = re.compile(r"&(?:#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});")
#: The few names publishers write without their semicolon.
_BARE_REFERENCE = re.compile(r"&(nbsp|amp|quot|lt|gt)(?![;\w])")
#: Control characters that end a line (vertical tab, form feed: a page break in a
#: text file) become line breaks, and those that separate words (information
#: separators, NEL) become spaces: dropped outright, they would join two words.
_LINE_CONTROLS = str.maketrans({"\x0b": "\n", "\x0c": "\n"})
_SEPARATOR_SPACES = str.maketrans(dict.fromkeys(range(0x1C, 0x20), " "))
_SPACE_CONTROLS = re.compile("[\x1c-\x1f\x85]")
#: Every other C0 and C1 control character but tab and line feed (carriage returns
#: are line breaks by then), DEL, lone surrogates, and the 66 Unicode noncharacters
#: (U+FDD0..U+FDEF and the last two code points of every plane): none is text, the
#: HTML standard forbids them, XML 1.0 forbids most, and a PDF draws them as boxes.
_CONTROL = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff\ufdd0-\ufdef"
    + "".join(f"{chr(plane << 16 | 0xFFFE)}{chr(plane << 16 | 0xFFFF)}" for plane in range(17))
    + "]"
)
#: The same for ASCII text: the full class (astral code points in it) is checked range
#: by range for every character, ten times slower on the plain text most articles are.
_ASCII_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f]")
#: What only ftfy mends: C1 controls (Windows-1252 punctuation stored as Latin-1),
#: lone surrogates (JSON "\\ud83d" escapes), terminal escape sequences.
_FTFY_WORK = re.compile(r"[\x80-\x9f\ud800-\udfff\x1b]")
_INVISIBLE = re.compile(r"[\u00ad\u200b\u2060\ufeff]")
#: What ``_SPACES`` would change: a run of spaces, or a space other than " " (most
#: texts have neither, and are left as they are).
_ODD_SPACES = re.compile(r"[^\S\n ]|  ")
_SPACES = re.compile(r"[^\S\n]+")
#: What ``[^\S\n ]`` matches among ASCII characters.
_ASCII_ODD_SPACES = "\t\x0b\x0c\r\x1c\x1d\x1e\x1f"
#: A sentence end with no space after it: "budget.The", "closed!Police". The stop
#: comes first and the two letters before it are looked behind for, which finds the
#: same ends: a pattern that starts with a character class is searched for quickly,
#: one that starts by looking behind is tried at every character.
_SENTENCE_END = re.compile(
    r"[.!?](?<=[a-zà-ÿа-яё]{2}[.!?])[\"”’)]?(?=[A-ZÀ-ÞА-ЯЁ][a-zà-ÿа-яё])"
)
#: Stands in for "&" while markup is parsed (a noncharacter: never in real text).
_AMPERSAND = "\ufdd0"
_MAX_ROUNDS = 4  # levels of escaping undone; publishers rarely manage more than three
_DETECTOR_CHARS = 400  # what ftfy's detector reads of a text (see _repair)
_NON_ASCII = re.compile(r"[^\x00-\x7f]")


@cache
def _ftfy_config() -> ftfy.TextFixerConfig:
    """ftfy's repairs of mis-decoded text, minus what changes correct typography
    (curly quotes, ligatures, full-width forms stay as the publisher wrote them)
    and minus HTML unescaping, which is done here exactly as described above."""
    import ftfy  # with the first text that needs it: a tenth of a second to import

    return ftfy.TextFixerConfig(
        unescape_html=False,
        fix_latin_ligatures=False,
        fix_character_width=False,
        uncurl_quotes=False,
        # Only whole-text repairs: guessing which part of a text is mojibake reads real
        # text as mojibake ("testing Â entity" lost its "Â", "Ã " became "à").
        restore_byte_a0=False,
        decode_inconsistent_utf8=False,
        # ftfy 6.3 applies its default encoding repairs, not these, unless asked to explain.
        explain=True,
    )


def _fix_text(text: str) -> str:
    import ftfy

    return str(ftfy.fix_text(text, _ftfy_config()))


def normalize_text(
    text: str | None, *, plain: bool = False, paragraphs: bool = False
) -> str:
    """Plain text fit for a reader: one paragraph per line, no entity, markup or mojibake.

    ``paragraphs`` keeps one blank line where the text had blank lines (an article's
    paragraph breaks, which cleaning reads to tell a site's preamble from the story).

    ``plain`` says the source declared the text plain (an Atom ``type="text"``
    title, a JSON Feed ``content_text``): a tag written in it is then part of
    its words ("the <blink> tag") and stays; only markup revealed by decoding a
    second level of escaping is removed. Otherwise every HTML element tag goes.
    """
    if not text:
        return ""
    # Before ftfy, which would drop these separators and join the words around them.
    text = text.translate(_SEPARATOR_SPACES)
    for _ in range(_MAX_ROUNDS):
        revealed = _decode_references(text)
        if (revealed != text or not plain) and _has_markup(revealed):
            revealed = markup_to_text(revealed, all_tags=False)
        if revealed == text:
            break
        text = revealed
    if not text.isascii():
        text = _repair(text)
    elif "\x1b" in text:  # a terminal colour code is no text either
        text = _fix_text(text)
    return _tidy(text, paragraphs=paragraphs)


def normalize_title(title: str | None, *, plain: bool = False) -> str:
    """A headline: normalised like any text, on one line."""
    return " ".join(normalize_text(title, plain=plain).split())


def normalize_document(document: RawDocument) -> RawDocument:
    """``document`` with its text, title and outlet normalised."""
    return dataclasses.replace(
        document,
        text=normalize_text(document.text, paragraphs=True),
        title=normalize_title(document.title) or None,
        outlet=normalize_title(document.outlet) or None,
    )


def markup_to_text(fragment: str, *, all_tags: bool = True) -> str:
    """The text of an HTML fragment, with line breaks where its blocks end.

    ``all_tags`` False leaves anything that is not an HTML element as it was
    written (for text that is plain but may hide markup). Character references
    are left alone either way: decoding them is ``normalize_text``'s job.
    """
    # "&" is hidden behind a noncharacter below: one already there must not come back as "&".
    fragment = fragment.replace(_AMPERSAND, "")
    if "<!" in fragment:
        fragment = _CDATA.sub(lambda match: match.group(1), fragment)
        fragment = _UNCLOSED_COMMENT.sub("", _COMMENT.sub("", fragment))
    ordinary = _ordinary_markup_text(fragment)
    return ordinary if ordinary is not None else _parsed_text(fragment, all_tags=all_tags)


def _parsed_text(fragment: str, *, all_tags: bool) -> str:
    """``markup_to_text``'s work, by the standard library's HTML parser."""
    parser = _TextParser(all_tags=all_tags)
    # The parser would decode references (and add a ";" to "AT&T"): hide every "&".
    parser.feed(fragment.replace("&", _AMPERSAND))
    parser.close()
    return "".join(parser.parts).replace(_AMPERSAND, "&")


def _ordinary_markup_text(fragment: str) -> str | None:
    """What ``_parsed_text`` gives for a fragment of text and ordinary tags only, without
    the parser: a feed's ``<p>``, ``<a href="...">`` and ``<br/>`` are most of collecting's
    markup, and the parser takes five times as long over them. None for anything else
    (a "<" that opens no such tag, a script, a title), which the parser reads instead.

    Its tags are a strict subset of the parser's grammar, quoted attribute values
    included, so each ends where the parser's does; tests hold the two equal on
    every feed of the corpus and on generated markup.
    """
    parts: list[str] = []
    position = 0
    for match in _ORDINARY_TAG.finditer(fragment):
        data = fragment[position : match.start()]
        if "<" in data:
            return None
        name = (match.group(1) or match.group(2)).lower()
        if name not in _ORDINARY_ELEMENTS:
            return None
        parts.append(data)
        if name in BLOCK_ELEMENTS:
            parts.append("\n")
        elif name not in INLINE_ELEMENTS:
            parts.append(" ")
        position = match.end()
    rest = fragment[position:]
    if "<" in rest:
        return None
    parts.append(rest)
    return "".join(parts)


def _decode_references(text: str) -> str:
    if "&" not in text:
        return text
    text = _REFERENCE.sub(_decode_one, text)
    return _BARE_REFERENCE.sub(lambda match: html.unescape(match.group(0) + ";"), text)


def _decode_one(match: re.Match[str]) -> str:
    reference = match.group(0)
    # html.unescape reads "&notice;" as "&not" + "ice;": only whole names count.
    if reference[1] != "#" and reference[1:] not in html5_references:
        return reference
    return html.unescape(reference)


def _has_markup(text: str) -> bool:
    for match in _KNOWN_TAG.finditer(text):
        name = match.group(1)
        if name is None or name.lower() in HTML_ELEMENTS or ":" in match.group(0):
            return True
    return False


def _repair(text: str) -> str:
    """Mojibake and C1 punctuation repaired by ftfy, when they are there; Unicode composed.

    ftfy costs ten times its own detector, so it only runs where the detector (or a
    character only ftfy mends) says there is something to repair. Mojibake comes from
    how a whole text was encoded, so the detector reads a sample: from the first
    character that is not ASCII on.
    """
    first = _NON_ASCII.search(text)
    start = max(0, first.start() - 8) if first else 0
    sample = text[start : start + _DETECTOR_CHARS]
    if _FTFY_WORK.search(text):
        return _fix_text(text)
    import ftfy.badness  # only for text that is not ASCII (see _ftfy_config)

    if ftfy.badness.is_bad(sample):
        return _fix_text(text)
    return unicodedata.normalize("NFC", text)


def strip_controls(text: str) -> str:
    """``text`` without control characters (but tab and line feed) or noncharacters.

    Line-ending controls (CR, VT, FF) become line feeds and word-separating ones
    (FS, GS, RS, US, NEL) spaces; the rest are dropped. ``normalize_text`` does this
    to every text that enters; what a model writes gets the same treatment.
    """
    controls = _ASCII_CONTROL if text.isascii() else _CONTROL
    if not controls.search(text):  # the usual case: CR, VT, FF, FS..US and NEL are all in it
        return text
    text = text.replace("\r\n", "\n").replace("\r", "\n").translate(_LINE_CONTROLS)
    text = _SPACE_CONTROLS.sub(" ", text)
    return (_ASCII_CONTROL if text.isascii() else _CONTROL).sub("", text)


def _tidy(text: str, *, paragraphs: bool = False) -> str:
    text = strip_controls(text).replace("\u2028", "\n").replace("\u2029", "\n")
    if not text.isascii():  # the invisible characters are none of them ASCII
        text = _INVISIBLE.sub("", text)
    text = _SENTENCE_END.sub(_part_sentences, text)
    if _has_odd_spaces(text):
        text = _SPACES.sub(" ", text)  # runs of spaces never cross a line: lines stay as they are
    lines = [line.strip() for line in text.split("\n")]
    if not paragraphs:
        return "\n".join(line for line in lines if line)
    kept = [line for i, line in enumerate(lines) if line or (i and lines[i - 1])]
    return "\n".join(kept).strip("\n")


def _has_odd_spaces(text: str) -> bool:
    """Whether ``_ODD_SPACES`` finds anything in ``text``: for ASCII text, by substring
    searches, several times faster than the expression over a whole article."""
    if not text.isascii():
        return _ODD_SPACES.search(text) is not None
    return "  " in text or any(space in text for space in _ASCII_ODD_SPACES)


def _part_sentences(match: re.Match[str]) -> str:
    """A space after a sentence's end, unless the word before it is an address or a name
    with dots in it ("example.com.Next", "www.a.Bc")."""
    text, end = match.string, match.start()
    start = max(text.rfind(" ", 0, end), text.rfind("\n", 0, end)) + 1
    return match.group(0) + " " if text[start:end].isalpha() else match.group(0)


class _TextParser(HTMLParser):
    def __init__(self, *, all_tags: bool) -> None:
        super().__init__(convert_charrefs=False)
        self.all_tags = all_tags
        self.parts: list[str] = []
        self._skipping = 0

    def _is_markup(self, tag: str) -> bool:
        return self.all_tags or tag in HTML_ELEMENTS or ":" in tag

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if not self._is_markup(tag):
            self.handle_data(self.get_starttag_text() or "")
        elif tag in SKIPPED_ELEMENTS:
            self._skipping += 1
        else:
            self._separate(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if not self._is_markup(tag):
            self.handle_data(self.get_starttag_text() or "")
        elif tag not in SKIPPED_ELEMENTS:
            self._separate(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self._is_markup(tag):
            self.handle_data(f"</{tag}>")
        elif tag in SKIPPED_ELEMENTS:
            self._skipping = max(0, self._skipping - 1)
        else:
            self._separate(tag)

    def _separate(self, tag: str) -> None:
        if tag in BLOCK_ELEMENTS:
            self.parts.append("\n")
        elif tag not in INLINE_ELEMENTS:
            self.parts.append(" ")

    def handle_data(self, data: str) -> None:
        if not self._skipping:
            self.parts.append(data)
