from __future__ import annotations

from pathlib import Path

import pytest

from briefing.config import Limits
from briefing.errors import SourceError
from briefing.ingest.files import SkippedFile, read_file, read_paths
from briefing.types import RawDocument

HOSTILE_PAGE = """<!doctype html><html><head><title>Harbour &amp; "Docks" reopen</title>
<meta property="og:site_name" content="The Test Ledger">
<link rel="canonical" href="https://ledger.example/2026/11/20/docks">
<meta property="article:published_time" content="2026-11-20T06:00:00Z">
<script>document.cookie='stolen'</script></head><body>
<nav><a href="/">Home</a> <a href="javascript:alert(1)">Menu</a></nav>
<div class="cookie-banner" onclick="accept()">We use cookies. Accept all</div>
<article><h1>Harbour &amp; "Docks" reopen</h1>
<p>The northern harbour reopened on Friday after a three-day closure caused by the storm,
port officials said, and 42 ships were waiting to unload cargo at the outer anchorage.</p>
<img src="file:///etc/passwd" onerror="alert(2)">
<p>Harbour master Lena Ortiz said crews had cleared debris from both channels overnight and
that traffic would return to normal levels by Monday at the latest.</p>
<p>Insurers estimate the damage to quay cranes at 3.5 million euros, a figure the port
authority described as manageable within this year's maintenance budget.</p>
</article><footer>© 2026 The Test Ledger. All rights reserved.</footer>
<script>alert('x')</script></body></html>"""


def read(path: Path, **kwargs: object) -> RawDocument:
    result = read_file(path, source="test", **kwargs)  # type: ignore[arg-type]
    assert isinstance(result, RawDocument), result
    return result


def test_text_with_front_matter(tmp_path: Path) -> None:
    path = tmp_path / "a.txt"
    path.write_text(
        "---\ntitle: Rates held at 4%\noutlet: Daily Ledger\n"
        "url: https://ledger.example/rates\npublished: 2026-11-19T07:00:00Z\n---\n"
        "The central bank held rates.\n\nMarkets rose.\n",
        encoding="utf-8",
    )
    document = read(path)
    assert document.title == "Rates held at 4%"
    assert document.outlet == "Daily Ledger"
    assert document.url == "https://ledger.example/rates"
    assert document.published is not None and document.published.isoformat().startswith(
        "2026-11-19T07:00:00"
    )
    assert document.text.strip().startswith("The central bank held rates.")


def test_non_http_url_in_front_matter_is_dropped(tmp_path: Path) -> None:
    path = tmp_path / "a.md"
    path.write_text("---\nurl: javascript:alert(1)\n---\nBody text here.\n", encoding="utf-8")
    assert read(path).url is None


def test_markdown_heading_becomes_title_and_markup_goes(tmp_path: Path) -> None:
    path = tmp_path / "a.md"
    path.write_text(
        "# Storm closes **northern** harbour\n\nThe [port](https://x.example) closed. "
        "![map](file:///etc/passwd)\n\n- Ships *waited* offshore.\n",
        encoding="utf-8",
    )
    document = read(path)
    assert document.title == "Storm closes northern harbour"
    assert "The port closed." in document.text
    assert "Ships waited offshore." in document.text
    assert "](" not in document.text and "file:" not in document.text and "**" not in document.text


def test_html_main_text_and_metadata_without_hostile_bits(tmp_path: Path) -> None:
    path = tmp_path / "page.html"
    path.write_text(HOSTILE_PAGE, encoding="utf-8")
    document = read(path)
    assert document.title == 'Harbour & "Docks" reopen'
    assert document.outlet == "The Test Ledger"
    assert document.url == "https://ledger.example/2026/11/20/docks"
    assert "42 ships" in document.text and "3.5 million euros" in document.text
    for bad in ("alert", "cookie", "javascript", "/etc/passwd", "onclick", "<", "Home"):
        assert bad not in document.text


def test_binary_empty_and_unsupported_files_are_skipped(tmp_path: Path) -> None:
    (tmp_path / "good.txt").write_text("Headline\n\nA body sentence here.\n", encoding="utf-8")
    (tmp_path / "image.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" * 50)
    (tmp_path / "empty.md").write_text("   \n", encoding="utf-8")
    (tmp_path / "notes.pdf").write_bytes(b"%PDF-1.4")
    (tmp_path / "README.md").write_text("# About this folder\n", encoding="utf-8")
    result = read_paths([tmp_path])
    assert [Path(d.location).name for d in result.documents] == ["good.txt"]
    reasons = {s.path.name: s.reason for s in result.skipped}
    assert reasons == {"image.txt": "binary data, not text", "empty.md": "empty file"}


def test_an_unreadable_file_is_skipped_not_fatal(tmp_path: Path) -> None:
    folder_named_like_a_file = tmp_path / "article.txt"
    folder_named_like_a_file.mkdir()
    result = read_file(folder_named_like_a_file, source="test")
    assert isinstance(result, SkippedFile) and "cannot read" in result.reason
    assert str(folder_named_like_a_file) in str(result)


def test_missing_path_is_an_error_naming_it(tmp_path: Path) -> None:
    with pytest.raises(SourceError, match=r"nope/articles: no such file or folder"):
        read_paths([tmp_path / "nope" / "articles"])


def test_huge_file_is_cut_to_the_limit(tmp_path: Path) -> None:
    path = tmp_path / "huge.txt"
    paragraph = "The committee met again today to discuss the budget in detail. " * 20 + "\n"
    with path.open("w", encoding="utf-8") as handle:
        while handle.tell() < 20_000_000:
            handle.write(paragraph)
    document = read(path, limits=Limits(max_article_chars=50_000, max_file_bytes=1_000_000))
    assert document.truncated
    assert len(document.text) <= 50_000
    assert document.text.endswith("detail.")


def test_legacy_encoding_is_decoded(tmp_path: Path) -> None:
    path = tmp_path / "old.txt"
    path.write_bytes("Caf\xe9 owners protest new rules\n\nThey met on Monday.\n".encode("cp1252"))
    assert "Café owners" in read(path).text


def test_outlet_comes_from_sub_folder_name(tmp_path: Path) -> None:
    (tmp_path / "harbour-ledger").mkdir()
    (tmp_path / "harbour-ledger" / "a.txt").write_text("Title\n\nBody text.\n", encoding="utf-8")
    (tmp_path / "loose.txt").write_text("Title two\n\nOther body.\n", encoding="utf-8")
    documents = read_paths([tmp_path], outlet=None).documents
    outlets = {Path(d.location).name: d.outlet for d in documents}
    assert outlets == {"a.txt": "Harbour Ledger", "loose.txt": None}
