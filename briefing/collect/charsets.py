"""Markup bytes to text: every clue to the encoding weighed, so mojibake does not reach a reader.

The evidence, strongest first:

1. A byte-order mark decides (UTF-8, UTF-16, UTF-32).
2. Without one, NUL bytes in the pattern UTF-16 or UTF-32 give the first
   character ("<" or "{"), as in the XML specification's appendix F, decide too.
3. Otherwise the document's own declaration (``<?xml encoding=...?>``,
   ``<meta charset>``), the HTTP charset and detection (charset-normalizer)
   compete:

   - bytes that are valid UTF-8 throughout are UTF-8: a single-byte legacy
     encoding almost never forms valid UTF-8 by chance, while servers that
     announce ISO-8859-1 for UTF-8 documents are common (a declared multi-byte
     encoding, Shift_JIS or GBK, competes with UTF-8 instead); UTF-8 with a few
     stray bytes (a pasted Latin-1 "España") reads those bytes as Windows-1252;
   - otherwise every declared encoding that decodes the bytes without error is
     scored for "mess" (charset-normalizer's detector of implausible text:
     accents inside all-capital words, symbols in the middle of words...), and
     detection competes too, winning only when clearly less messy. On a tie the
     document's declaration beats the server's: it travels with the bytes;
   - when nothing decodes cleanly, the detected encoding, else Windows-1252 with
     replacement characters (and ``Decoded.clean`` False).

Labels are read as browsers read them (the WHATWG Encoding Standard): "iso-8859-1"
and "us-ascii" mean Windows-1252, "gb2312" means GBK/GB18030, "shift_jis"
Windows-31J, "euc-kr" Windows-949, "tis-620" Windows-874.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Sequence
from dataclasses import dataclass

from charset_normalizer import from_bytes
from charset_normalizer.md import mess_ratio

#: How much less messy detection must be to overrule a declaration (mess ratios run 0..1+).
DETECTION_MARGIN = 0.15
#: Text this messy is taken for mojibake even when ftfy sees no known pattern.
MOJIBAKE_MESS = 0.5
#: Detection needs this many non-ASCII bytes to overrule a declaration: on a few
#: characters, any reading can look plausible.
MIN_DETECTION_BYTES = 24
_HIGH_BYTES = bytes(range(128, 256))
#: Bytes given to detection and scoring: enough text to judge, bounded time on a huge body.
SAMPLE_BYTES = 256 * 1024
_SAMPLE_CHARS = 16_000

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf_32_le"),  # before UTF-16 LE: its BOM starts the same way
    (codecs.BOM_UTF32_BE, "utf_32_be"),
    (codecs.BOM_UTF8, "utf_8"),
    (codecs.BOM_UTF16_LE, "utf_16_le"),
    (codecs.BOM_UTF16_BE, "utf_16_be"),
)
_EBCDIC_XML = b"\x4c\x6f\xa7\x94"  # "<?xm" in EBCDIC (feedparser reads these too)
_HTTP_CHARSET = re.compile(r"""charset\s*=\s*["']?([^"'\s;,]+)""", re.IGNORECASE)
_XML_DECLARATION = re.compile(
    rb"""^\s*<\?xml[^>]*?\bencoding\s*=\s*["']([A-Za-z0-9._:-]+)["']""", re.IGNORECASE
)
_META_CHARSET = re.compile(
    rb"""<meta[^>]+charset\s*=\s*["']?([A-Za-z0-9._:-]+)""", re.IGNORECASE
)
_TAG = re.compile(r"<[^<>]*>")
_UNPRINTABLE = re.compile("[\x80-\x9f\ufffd]")
#: Labels browsers read as a superset encoding (WHATWG); Python knows each superset.
_SUPERSETS = {
    "ascii": "cp1252",
    "iso8859_1": "cp1252",
    "iso8859_9": "cp1254",
    "iso8859_11": "cp874",
    "tis_620": "cp874",
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "shift_jis": "cp932",
    "euc_kr": "cp949",
    "big5": "big5hkscs",
}
_UNICODE_FAMILY = {"utf_16", "utf_16_le", "utf_16_be", "utf_32", "utf_32_le", "utf_32_be"}
#: Legacy encodings of two or more bytes a character: bytes in one of them can also
#: be valid UTF-8 by chance, so UTF-8 must compete with them rather than win outright.
_MULTI_BYTE = {"cp932", "shift_jis", "shift_jis_2004", "shift_jisx0213", "euc_jp",
               "euc_jis_2004", "euc_jisx0213", "cp949", "euc_kr", "johab", "gb18030", "gbk",
               "gb2312", "big5", "big5hkscs", "cp950"}
_SEVEN_BIT = {"iso2022_jp", "iso2022_jp_1", "iso2022_jp_2", "iso2022_jp_3", "iso2022_kr",
              "utf_7", "hz"}


@dataclass(frozen=True, slots=True)
class Decoded:
    text: str  # without a byte-order mark
    encoding: str  # Python's codec name
    evidence: str  # what decided: "byte-order mark", "declared", "HTTP charset", ...
    clean: bool  # decoded without replacing a single byte


def decode_markup(body: bytes, content_type: str = "") -> Decoded:
    """``body`` (XML or HTML) as text; ``content_type`` is the HTTP header, charset and all."""
    for bom, codec in _BOMS:
        if body.startswith(bom):
            return _lenient(body[len(bom):], codec, "byte-order mark")
    family = unicode_family(body)
    if family:
        return _lenient(body, family, "UTF-16/32 without a byte-order mark")
    if body.startswith(_EBCDIC_XML):  # the declaration names which EBCDIC code page
        declared = _declared(body[:1024].decode("cp037").encode("ascii", errors="replace"))
        return _lenient(body, declared or "cp037", "declared (EBCDIC)")
    declared = _declared(body)
    announced = _codec(_http_charset(content_type))
    candidates = [(codec, how) for codec, how in ((declared, "declared"),
                                                  (announced, "HTTP charset")) if codec]
    if body.isascii():
        for codec, how in candidates:
            text = _strict(body, codec) if codec in _SEVEN_BIT and b"\x1b" in body else None
            if text is not None:  # ISO-2022-JP and friends are ASCII bytes with escapes
                return Decoded(text, codec, how, True)
        return Decoded(body.decode("ascii"), "ascii", "ASCII only", True)
    as_utf8 = _strict(body, "utf_8")
    if as_utf8 is not None and not any(codec in _MULTI_BYTE for codec, _ in candidates):
        how = next((how for codec, how in candidates if codec == "utf_8"), "valid UTF-8")
        return Decoded(as_utf8, "utf_8", how, True)
    return _weigh(body, candidates, as_utf8)


def unicode_family(body: bytes) -> str | None:
    """"utf_16_le" and so on when ``body`` is UTF-16/32 text without a byte-order mark."""
    head = body[:4]
    if len(head) < 4:
        return None
    if head[:3] == b"\0\0\0" and head[3]:
        codec = "utf_32_be"
    elif head[1:] == b"\0\0\0" and head[0]:
        codec = "utf_32_le"
    elif head[0] == 0 and head[1] and head[2] == 0:
        codec = "utf_16_be"
    elif head[1] == 0 and head[0] and head[3] == 0:
        codec = "utf_16_le"
    else:
        return None
    unit = 4 if "32" in codec else 2
    sample = body[: (min(len(body), 512) // unit) * unit].decode(codec, errors="replace")
    # The first character is markup or JSON, not any text that happens to hold NULs.
    return codec if sample.lstrip("\ufeff \t\r\n")[:1] in ("<", "{", "[") else None


def _http_charset(content_type: str) -> str | None:
    match = _HTTP_CHARSET.search(content_type)
    return match.group(1) if match else None


def _declared(body: bytes) -> str | None:
    head = body[:4096]
    match = _XML_DECLARATION.search(head) or _META_CHARSET.search(head)
    return _codec(match.group(1).decode("ascii")) if match else None


def _codec(label: str | None) -> str | None:
    """Python's codec for an encoding label, read as a browser would; None if unknown."""
    if not label:
        return None
    try:
        name = codecs.lookup(label.strip().lower()).name
    except LookupError:
        return None
    name = name.replace("-", "_")
    if name in _UNICODE_FAMILY:
        return None  # no BOM and no NULs: the label is wrong, whatever it says
    return _SUPERSETS.get(name, name)


def _strict(body: bytes, codec: str) -> str | None:
    try:
        return body.decode(codec)
    except (UnicodeDecodeError, LookupError):
        return None


def _lenient(body: bytes, codec: str, evidence: str) -> Decoded:
    text = _strict(body, codec)
    if text is not None:
        return Decoded(text, codec, evidence, True)
    errors = _STRAY_BYTES if codec == "utf_8" else "replace"
    return Decoded(body.decode(codec, errors=errors), codec, evidence, False)


def _stray_bytes_as_cp1252(error: UnicodeError) -> tuple[str, int]:
    """Read the bytes UTF-8 rejects as Windows-1252: a UTF-8 feed with a pasted "España"
    in Latin-1 is common; the rest of the document is still UTF-8."""
    if not isinstance(error, UnicodeDecodeError):
        raise error
    stray = error.object[error.start : error.end]
    return bytes(stray).decode("cp1252", errors="replace"), error.end


_STRAY_BYTES = "briefing-stray-bytes-as-cp1252"
codecs.register_error(_STRAY_BYTES, _stray_bytes_as_cp1252)


def _weigh(body: bytes, candidates: list[tuple[str, str]], as_utf8: str | None) -> Decoded:
    """The least messy reading among the declared encodings, UTF-8 and detection."""
    readings: list[tuple[float, int, Decoded]] = []
    for rank, (codec, how) in enumerate(candidates):
        text = as_utf8 if codec == "utf_8" else _strict(body, codec)
        if text is not None:
            readings.append((mess(text), rank, Decoded(text, codec, how, True)))
    if as_utf8 is not None and not any(r[2].encoding == "utf_8" for r in readings):
        readings.append((mess(as_utf8), len(candidates), Decoded(as_utf8, "utf_8",
                                                                 "valid UTF-8", True)))
    elif as_utf8 is None and _mostly_utf8(body):
        mixed = body.decode("utf_8", errors=_STRAY_BYTES)
        readings.append((mess(mixed), len(candidates),
                         Decoded(mixed, "utf_8", "UTF-8 with stray Windows-1252 bytes", False)))
    # Detection must beat a declaration by the margin: a declared reading that is
    # already this plausible cannot lose, so do not pay for detection.
    few = len(body) - len(body.translate(None, _HIGH_BYTES)) < MIN_DETECTION_BYTES
    if readings and (few or any(reading[0] <= DETECTION_MARGIN for reading in readings)):
        detected = None
    else:
        detected = _detect(body)
    if detected is not None and all(r[2].encoding != detected for r in readings):
        text = _strict(body, detected)
        if text is not None:
            score = mess(text) + DETECTION_MARGIN * bool(readings)
            readings.append((score, len(candidates) + 1,
                             Decoded(text, detected, "detected", True)))
    if readings:
        return min(readings, key=lambda reading: (round(reading[0], 2), reading[1]))[2]
    fallback = next((codec for codec, _ in candidates), None) or detected or "cp1252"
    return _lenient(body, fallback, "best effort")


def _mostly_utf8(body: bytes) -> bool:
    """True when nearly every non-ASCII byte belongs to a valid UTF-8 sequence."""
    high = len(body) - len(body.translate(None, _HIGH_BYTES))
    invalid = body.decode("utf_8", errors="replace").count("\ufffd")
    return invalid * 20 < high


def _detect(body: bytes) -> str | None:
    sample = body[:SAMPLE_BYTES]
    if len(body) > SAMPLE_BYTES:
        # Cut after a ">": never inside a multi-byte character in any ASCII-compatible encoding.
        sample = sample[: sample.rfind(b">") + 1] or sample
    best = from_bytes(sample).best()
    return _codec(best.encoding) if best is not None else None


def mess(text: str) -> float:
    """How implausible ``text`` is as written language (0: plausible)."""
    words = [word for word in _TAG.sub(" ", text).split() if not word.isascii()]
    sample = " ".join(words)[:_SAMPLE_CHARS]
    if not sample:
        return 0.0
    unprintable = len(_UNPRINTABLE.findall(sample))
    return float(mess_ratio(sample, 1.0)) + unprintable / len(sample)


def looks_mis_decoded(text: str) -> bool:
    """True when ``text`` still reads like mojibake: replacement characters, "Ã©" pairs,
    or letters no language strings together ("ëÁË ÐÅÒÅÖÉÔØ")."""
    if text.isascii():
        return False
    import ftfy.badness  # a tenth of a second, only once some text is not ASCII

    if "\ufffd" in text or ftfy.badness.is_bad(text):
        return True
    non_ascii = len(text) - len(text.encode("ascii", errors="ignore"))
    return non_ascii >= MIN_DETECTION_BYTES // 2 and mess(text) >= MOJIBAKE_MESS


def decoding_warning(decoded: Decoded, texts: Sequence[str], noun: str) -> str | None:
    """Why the text read from ``decoded`` may be garbled, in one line; None when it reads well.

    ``texts`` are the parts a reader will see (each entry's title and text), as
    normalised; ``noun`` names one of them ("entry", "page").
    """
    # One look at all of them first: most feeds read well, and each look costs.
    suspect = len(texts) > 1 and looks_mis_decoded("\n".join(texts))
    garbled = sum(1 for text in texts if looks_mis_decoded(text)) if suspect else 0
    if len(texts) == 1:
        garbled = int(looks_mis_decoded(texts[0]))
    if not garbled and decoded.clean:
        return None
    how = f"read as {codecs.lookup(decoded.encoding).name} ({decoded.evidence})"
    if not garbled:
        return f"{how}, but some of its bytes are not valid in that encoding"
    if len(texts) == 1:
        return f"the {noun} looks mis-decoded (mojibake), {how}"
    plural = {"entry": "entries"}.get(noun, noun + "s")
    verb = "looks" if garbled == 1 else "look"
    return f"{garbled} of {len(texts)} {plural} {verb} mis-decoded (mojibake), {how}"
