"""Encodings: declaration, HTTP charset and detection weighed, so no headline is mojibake."""

from __future__ import annotations

import codecs

import pytest

from briefing.collect.charsets import decode_markup, looks_mis_decoded
from briefing.collect.feeds import parse_feed, sniff

BASE = "http://news.example"

JAPANESE = ["日本銀行が金利を据え置き", "東京で大雪、交通機関に乱れ", "新しい首相が就任しました"]
#: Three headlines per encoding, real words of the language the encoding is for.
HEADLINES = {
    "koi8-r": ["Правительство объявило новые меры поддержки", "В Москве прошёл сильный снегопад",
               "Как пережить новогоднюю ночь без потерь"],
    "windows-1251": ["Центробанк сохранил ключевую ставку", "Учёные нашли новый вид рыб",
                     "Новости дня в России и мире"],
    "koi8-u": ["Уряд ухвалив бюджет на наступний рік", "Київ засипало снігом",
               "Їжак і ґудзик: новини дня в Україні"],
    "shift_jis": JAPANESE,
    "euc-jp": JAPANESE,
    "euc-kr": ["한국은행 기준금리 동결", "서울에 폭설 교통 혼잡", "새 대통령 취임식 열려"],
    "tis-620": ["รัฐบาลประกาศมาตรการใหม่", "ฝนตกหนักในกรุงเทพ", "ข่าวภาษาไทยวันนี้"],
    "windows-1255": ["הממשלה הודיעה על צעדים חדשים", "שלג כבד בירושלים", "חדשות היום בישראל"],
    "gb2312": ["中国人民银行维持利率不变", "北京迎来大雪交通受阻", "新总理宣誓就职"],
    "big5": ["中央銀行維持利率不變", "台北迎來寒流交通受阻", "新總統宣誓就職"],
    "windows-1253": ["Η κυβέρνηση ανακοίνωσε νέα μέτρα", "Χιόνια στην Αθήνα",
                     "Ειδήσεις της ημέρας στην Ελλάδα"],
    "windows-1256": ["الحكومة تعلن عن إجراءات جديدة", "ثلوج كثيفة في عمان", "أخبار اليوم في مصر"],
    "windows-1250": ["Rząd ogłosił nowe środki pomocy", "Śnieżyca sparaliżowała Kraków",
                     "Zażółć gęślą jaźń w Łodzi"],
    "windows-1252": ["Café owners in Zürich protest “rent rules”", "L’été à Paris: les cafés",
                     "Größere Änderungen für Bürger"],
}
#: Latin-script legacy encodings differ in a handful of letters; with nothing declared
#: (or a wrong declaration) detection cannot always tell them apart, so these cases
#: are only tested where the truth is declared.
LATIN = {"windows-1250", "windows-1252"}


def rss(headlines: list[str], declaration: str | None) -> str:
    head = f'<?xml version="1.0" encoding="{declaration}"?>\n' if declaration else ""
    items = "".join(
        f"<item><title>{title}</title><link>{BASE}/{i}</link>"
        f"<description>{title}. {title[::-1]}</description></item>"
        for i, title in enumerate(headlines)
    )
    return f'{head}<rss version="2.0"><channel><title>Feed</title>{items}</channel></rss>'


CASES = [
    # (name, declaration in the document, HTTP Content-Type); {enc} is the true encoding.
    ("nothing declared", None, "application/rss+xml"),
    ("nothing declared, text/xml", None, "text/xml"),
    ("declared", "{enc}", "application/rss+xml"),
    ("HTTP charset only", None, "text/xml; charset={enc}"),
    ("declared, server says ISO-8859-1", "{enc}", "application/rss+xml; charset=iso-8859-1"),
    ("declared, server says UTF-8", "{enc}", "application/rss+xml; charset=utf-8"),
    ("declared, server names another", "{enc}", "application/rss+xml; charset={other}"),
    ("declared ISO-8859-1 wrongly", "iso-8859-1", "application/rss+xml"),
    ("declared wrongly, server right", "iso-8859-1", "text/xml; charset={enc}"),
]


def cases() -> list[tuple[str, str, str | None, str]]:
    out = []
    for encoding in HEADLINES:
        for name, declaration, content_type in CASES:
            guessing = declaration in (None, "iso-8859-1") and "{enc}" not in content_type
            if encoding in LATIN and guessing:
                continue
            other = "windows-1251" if encoding == "koi8-r" else "koi8-r"
            out.append((encoding, name, declaration and declaration.format(enc=encoding),
                        content_type.format(enc=encoding, other=other)))
    return out


@pytest.mark.parametrize(("encoding", "case", "declaration", "content_type"), cases())
def test_legacy_encodings_never_reach_a_headline_as_mojibake(
    encoding: str, case: str, declaration: str | None, content_type: str
) -> None:
    headlines = HEADLINES[encoding]
    body = rss(headlines, declaration).encode(encoding)
    feed = parse_feed(body, url=f"{BASE}/feed", content_type=content_type)
    assert [entry.title for entry in feed.entries] == headlines, case
    assert feed.warning is None


@pytest.mark.parametrize("encoding", sorted(HEADLINES))
def test_utf8_wins_whatever_the_server_or_the_declaration_says(encoding: str) -> None:
    headlines = HEADLINES[encoding]
    for declaration, content_type in [("utf-8", "text/xml; charset=iso-8859-1"),
                                      ("iso-8859-1", "application/rss+xml"),
                                      ("utf-8", f"text/xml; charset={encoding}"),
                                      (None, "text/xml")]:
        feed = parse_feed(rss(headlines, declaration).encode("utf-8"), url=f"{BASE}/feed",
                          content_type=content_type)
        assert [entry.title for entry in feed.entries] == headlines, (declaration, content_type)


#: The single-byte encodings feedparser's own suite declares (those Python knows),
#: including EBCDIC code pages whose declaration is itself in EBCDIC.
DECLARED = [
    "cp037", "cp437", "cp500", "cp737", "cp775", "cp850", "cp852", "cp855", "cp857", "cp860",
    "cp861", "cp862", "cp863", "cp864", "cp865", "cp866", "cp874", "cp875", "cp1125", "cp1140",
    "cp1250", "cp1251", "cp1252", "cp1253", "cp1254", "cp1255", "cp1256", "cp1257", "cp1258",
    "ibm039", "koi8-r", "koi8-t", "koi8-u", "mac-cyrillic", "maccentraleurope", "macgreek",
    "maciceland", "macintosh", "maclatin2", "macroman", "macturkish", "windows-1252",
]


@pytest.mark.parametrize("encoding", DECLARED)
def test_a_declared_encoding_is_honoured(encoding: str) -> None:
    expected = b"\x80".decode(encoding)
    body = (f'<?xml version="1.0" encoding="{encoding}"?>\n'
            f'<feed version="0.3" xmlns="http://purl.org/atom/ns#"><title>{expected}</title>'
            "</feed>").encode(encoding)
    assert parse_feed(body, url=f"{BASE}/feed").title == expected


FEED = ('<?xml version="1.0" encoding="{enc}"?><rss version="2.0"><channel><title>Iñtërnâtiôn'
        "</title><item><title>Ærøskøbing ferry</title><link>http://x.example/a</link>"
        "<description>Žluťoučký kůň</description></item></channel></rss>")


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be", "utf-32-le", "utf-32-be"])
@pytest.mark.parametrize("bom", [True, False])
@pytest.mark.parametrize("declared", [True, False])
def test_utf16_and_utf32_with_or_without_a_byte_order_mark(
    encoding: str, bom: bool, declared: bool
) -> None:
    text = FEED.format(enc=encoding[:6]) if declared else FEED.split("?>", 1)[1]
    body = text.encode(encoding)
    if bom:
        body = {"utf-16-le": codecs.BOM_UTF16_LE, "utf-16-be": codecs.BOM_UTF16_BE,
                "utf-32-le": codecs.BOM_UTF32_LE, "utf-32-be": codecs.BOM_UTF32_BE}[encoding] + body
    assert sniff(body, "text/xml") == "feed"
    for content_type in ("text/xml", "application/rss+xml", "application/xml; charset=utf-8"):
        feed = parse_feed(body, url=f"{BASE}/feed", content_type=content_type)
        assert feed.title == "Iñtërnâtiôn" and feed.entries[0].title == "Ærøskøbing ferry"
        assert feed.entries[0].text == "Žluťoučký kůň"


def test_nul_bytes_that_are_not_utf16_are_still_binary() -> None:
    assert sniff(b"\x00\x01\x02\x03<rss>" * 50) == "binary"
    assert sniff(b"GIF89a\x01\x00\x01\x00\x00\xff") == "binary"
    assert decode_markup(b"<rss>\x00").encoding == "ascii"


def test_stray_windows_1252_bytes_in_utf8_are_read_and_the_feed_says_so() -> None:
    body = ("\ufeff<rss version='2.0'><channel><title>Valid UTF8: Ѩ Invalid: Espa".encode()
            + b"\xf1a</title></channel></rss>")
    feed = parse_feed(body, url=f"{BASE}/feed")
    assert feed.title == "Valid UTF8: Ѩ Invalid: España"
    assert feed.warning and "some of its bytes are not valid" in feed.warning


def test_text_that_still_looks_mis_decoded_is_flagged_with_a_warning() -> None:
    # Double-encoded UTF-8 in only part of a title cannot be repaired safely: flag it.
    titles = ["Café owners in ZÃ¼rich protest", "Plain headline"]
    feed = parse_feed(rss(titles, "utf-8").encode(), url=f"{BASE}/feed")
    assert feed.entries[0].title == "Café owners in ZÃ¼rich protest"
    assert feed.warning == ("1 of 2 entries looks mis-decoded (mojibake), "
                            "read as utf-8 (declared)")
    assert looks_mis_decoded("ëÁË ÐÅÒÅÖÉÔØ ÎÏ×ÏÇÏÄÎÀÀ ÎÏÞØ")
    assert looks_mis_decoded("çãùåú äéåí áéùøàì îùäå çãù")
    for fine in HEADLINES.values():
        assert not any(looks_mis_decoded(title) for title in fine)


def test_decoding_evidence_is_reported() -> None:
    assert decode_markup(codecs.BOM_UTF8 + b"<a/>").evidence == "byte-order mark"
    koi8 = rss(HEADLINES["koi8-r"], None).encode("koi8-r")
    assert (decode_markup(koi8).encoding, decode_markup(koi8).evidence) == ("koi8_r", "detected")
    utf8 = rss(HEADLINES["koi8-r"], "utf-8").encode()
    assert decode_markup(utf8, "text/xml; charset=koi8-r").evidence == "declared"
    assert decode_markup(b"<rss/>", "text/xml; charset=bogus-charset").text == "<rss/>"
