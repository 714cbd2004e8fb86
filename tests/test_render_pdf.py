"""brief.pdf: real WeasyPrint renders read back with pypdf, and the fetcher fence."""

from __future__ import annotations

import http.server
import threading
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC
from io import BytesIO
from pathlib import Path
from typing import Any, ClassVar

import pytest
from pypdf import PdfReader
from pypdf.generic import DictionaryObject
from render_samples import HOSTILE_IMG_FILE, HOSTILE_IMG_HTTP, make_brief
from weasyprint.urls import iri_to_uri

from briefing.errors import RenderError
from briefing.render import pdf as pdf_module
from briefing.render.environment import make_environment
from briefing.render.fetcher import AssetsOnlyFetcher, assets_dir
from briefing.render.pdf import pdf_bytes, render_pdf_html, write_pdf
from briefing.types import Brief


def _flat(text: str) -> str:
    return " ".join(text.split())


@pytest.fixture(scope="module")
def brief() -> Brief:
    return make_brief(16)


@pytest.fixture(scope="module")
def reader(brief: Brief, tmp_path_factory: pytest.TempPathFactory) -> PdfReader:
    path = tmp_path_factory.mktemp("pdf") / "brief.pdf"
    write_pdf(render_pdf_html(brief, make_environment()), path)
    return PdfReader(path)


@pytest.fixture(scope="module")
def text(reader: PdfReader) -> str:
    return _flat("\n".join(page.extract_text() for page in reader.pages))


def _uris(reader: PdfReader) -> list[str]:
    uris = []
    for page in reader.pages:
        for annot in page.get("/Annots") or []:
            action = annot.get_object().get("/A")
            if action is not None and "/URI" in action:
                uris.append(str(action["/URI"]))
    return uris


def test_pdf_text_has_title_coverage_headlines_and_page_numbers(
    text: str, reader: PdfReader, brief: Brief
) -> None:
    assert brief.title in text
    assert brief.coverage in text
    assert "Tuesday, 4 March 2025" in text
    for story in brief.stories:
        assert _flat(story.headline) in text
        for bullet in story.bullets:
            assert _flat(bullet.text) in text
    assert "(offline summary)" in text
    assert "Page 1 of" in text
    assert f"Page {len(reader.pages)} of {len(reader.pages)}" in text


def test_running_header_repeats_the_title_after_the_first_page(
    reader: PdfReader, brief: Brief
) -> None:
    assert len(reader.pages) > 1
    second = reader.pages[1].extract_text()
    assert brief.title in second


def test_outline_has_exactly_one_entry_per_story(reader: PdfReader, brief: Brief) -> None:
    outline = reader.outline
    assert all(not isinstance(entry, list) for entry in outline), "no nested bookmarks"
    titles = [_flat(str(entry.title)) for entry in outline]  # type: ignore[union-attr]
    assert titles == [f"{n}. {_flat(s.headline)}" for n, s in enumerate(brief.stories, start=1)]


def test_pdf_metadata(reader: PdfReader, brief: Brief) -> None:
    meta = reader.metadata
    assert meta is not None
    assert meta.title == brief.title
    assert meta.author == brief.author
    assert meta.creation_date is not None
    assert meta.creation_date.astimezone(UTC) == brief.generated_at.astimezone(UTC)
    catalog = reader.trailer["/Root"].get_object()
    assert isinstance(catalog, DictionaryObject)
    assert str(catalog["/Lang"]) == "en"


def test_citations_and_sources_link_to_the_articles(reader: PdfReader, brief: Brief) -> None:
    uris = _uris(reader)
    # PDF link targets are URIs: non-ASCII letters in a path arrive percent-encoded.
    expected = {iri_to_uri(s.url) for s in brief.sources if s.url}
    assert any("%C3%BC" in url for url in expected)  # the sample has such a URL
    assert set(uris) == expected
    # Every cited URL is linked from its bullet as well as from the source list.
    assert len(uris) > len(expected)


def test_local_files_show_title_and_outlet_never_a_path(
    reader: PdfReader, text: str, brief: Brief
) -> None:
    local = [s for s in brief.sources if not s.url]
    assert local
    flat = " ".join(text.split())
    for source in local:
        assert " ".join(source.title.split()) in flat
    assert "/srv/" not in flat
    assert not any(uri.startswith("file:") for uri in _uris(reader))


class _Recorder(http.server.BaseHTTPRequestHandler):
    requests: ClassVar[list[str]]

    def do_GET(self) -> None:
        self.requests.append(self.path)
        self.send_response(404)
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        pass  # keep the test output clean


@pytest.fixture
def http_server() -> Iterator[tuple[str, list[str]]]:
    """A loopback HTTP server recording every request made to it."""
    requests: list[str] = []
    handler = type("Handler", (_Recorder,), {"requests": requests})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", requests
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


@pytest.fixture
def fetch_log(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, bool]]:
    """Every URL WeasyPrint asks the fetcher for, and whether it was served."""
    log: list[tuple[str, bool]] = []

    class Recording(AssetsOnlyFetcher):
        def fetch(self, url: str, headers: dict[str, str] | None = None) -> Any:
            try:
                response = super().fetch(url, headers)
            except ValueError:
                log.append((url, False))
                raise
            log.append((url, True))
            return response

    monkeypatch.setattr(pdf_module, "AssetsOnlyFetcher", Recording)
    return log


def test_injected_resources_are_never_fetched(
    http_server: tuple[str, list[str]], fetch_log: list[tuple[str, bool]], tmp_path: Path
) -> None:
    base, requests = http_server
    secret = tmp_path / "secret.png"
    secret.write_bytes(b"not an image")
    html = f"""<!DOCTYPE html><html lang="en"><head><title>t</title>
    <link rel="stylesheet" href="{base}/style.css">
    <style>body {{ background: url("{secret.as_uri()}") }}</style></head><body>
    <p>Hello</p>
    <img src="file:///etc/passwd"><img src="{base}/pixel.png"><img src="{secret.as_uri()}">
    <img src="data:image/png;base64,iVBORw0KGgo="><img src="../../../../etc/hostname">
    </body></html>"""
    data = pdf_bytes(html)
    assert data.startswith(b"%PDF")
    assert requests == []
    refused = {url for url, served in fetch_log if not served}
    assert "file:///etc/passwd" in refused
    assert f"{base}/pixel.png" in refused
    assert f"{base}/style.css" in refused
    assert secret.as_uri() in refused
    assert any(url.startswith("data:") for url in refused)
    assert not any(served for _, served in fetch_log)
    assert b"/Image" not in data


def test_brief_rendering_fetches_nothing_and_escapes_injected_images(
    http_server: tuple[str, list[str]], fetch_log: list[tuple[str, bool]]
) -> None:
    base, requests = http_server
    hostile = make_brief(6, hostile=True)
    planted = HOSTILE_IMG_HTTP.replace("http://127.0.0.1:9", base)
    brief = replace(hostile, title=f"Brief {planted} {HOSTILE_IMG_FILE}")
    html = render_pdf_html(brief, make_environment())
    assert "<img" not in html
    assert "&lt;img src=&#34;file:///etc/passwd&#34;&gt;" in html
    data = pdf_bytes(html)
    assert requests == []
    assert fetch_log == []
    reader = PdfReader(BytesIO(data))
    text = _flat(reader.pages[0].extract_text())
    assert '<img src="file:///etc/passwd">' in text
    assert all(uri.startswith(("http://", "https://")) for uri in _uris(reader))
    assert reader.metadata is not None and planted in str(reader.metadata.title)


def test_fetcher_serves_bundled_assets_only(tmp_path: Path) -> None:
    fetcher = AssetsOnlyFetcher()
    css = assets_dir() / "brief.pdf.css"
    response = fetcher.fetch(css.as_uri())
    assert response.read() == css.read_bytes()
    assert response.content_type == "text/css"
    response.close()
    outside = tmp_path / "outside.css"
    outside.write_text("p {}", encoding="utf-8")
    escape = assets_dir().as_uri() + "/../../../../../../etc/passwd"
    for url in (
        "file:///etc/passwd",
        escape,
        outside.as_uri(),
        "http://127.0.0.1:9/x.png",
        "https://example.com/x.css",
        "data:text/css,p{}",
        "ftp://example.com/x",
        "file://evil.example/" + str(css),
        (assets_dir() / "missing.css").as_uri(),
        assets_dir().as_uri(),  # a folder, not a file
    ):
        with pytest.raises(ValueError, match="refused"):
            fetcher.fetch(url)


def test_fetcher_refuses_symlinks_out_of_its_root(tmp_path: Path) -> None:
    root = tmp_path / "assets"
    root.mkdir()
    (root / "ok.css").write_text("p {}", encoding="utf-8")
    (root / "link.css").symlink_to("/etc/passwd")
    fetcher = AssetsOnlyFetcher(root)
    assert fetcher.fetch((root / "ok.css").as_uri()).read() == b"p {}"
    with pytest.raises(ValueError, match="refused"):
        fetcher.fetch((root / "link.css").as_uri())


def test_weasyprint_failures_become_render_errors(monkeypatch: pytest.MonkeyPatch) -> None:
    def explode(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("layout bug")

    monkeypatch.setattr(pdf_module.weasyprint, "HTML", explode)
    with pytest.raises(RenderError, match="could not lay out the PDF: AssertionError: layout bug"):
        pdf_bytes("<p>x</p>")
