"""A person's view: headless Chromium opens the archive from file://, searches, opens the PDF.

Debian's ``chromium`` package driven by Playwright (``tests/chromium.py``).
The screenshot lands in the test's own folder and its path is printed (``pytest -s`` shows it).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import pytest
from chromium import chromium

from briefing.archive import update_archive
from briefing.config import Config, ProfileConfig
from briefing.pipeline import build_brief

pytestmark = pytest.mark.slow


@pytest.fixture
def browser_page() -> Iterator[tuple[Any, list[str]]]:
    with chromium() as browser:
        page = browser.new_page(viewport={"width": 1000, "height": 800})
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        yield page, errors


def test_search_box_finds_the_brief_and_links_to_its_pdf(
    browser_page: tuple[Any, list[str]], config: Config, tmp_path: Path
) -> None:
    page, errors = browser_page
    # Two real briefs, as `briefing build` writes them, in two profiles.
    config = dataclasses.replace(config, profiles={"other": ProfileConfig(name="other")})
    first = build_brief(config, profile="default", engine="extractive")
    build_brief(config, profile="other", engine="extractive", title="Other Brief")
    update_archive(config)
    index = config.paths.out / "index.html"

    page.goto(index.resolve().as_uri())
    assert page.locator("li.brief").count() == 2
    page.locator("#search").press_sequentially("saltmere strike", delay=10)
    # Settled on the whole query: a mark for "strike", the last word typed (in every
    # headline the strike story can have, whichever article grouping makes central).
    page.wait_for_function(
        "[...document.querySelectorAll('#results mark')]"
        ".some(m => m.textContent.toLowerCase() === 'strike')"
    )

    results = page.locator("#results li.result")
    assert results.count() == 2  # the same story in both briefs
    assert page.inner_text("#search-status") == "2 briefs match."
    first_hit = results.first
    assert "Saltmere" in first_hit.locator(".snippet").inner_text()
    assert first_hit.locator("mark").count() >= 2  # the words found, highlighted
    shot = tmp_path / "archive-search.png"
    page.screenshot(path=str(shot), full_page=True)
    print(f"screenshot: {shot}")
    assert shot.stat().st_size > 0

    page.locator("#results li.result[data-key='default/" + first.folder.name + "'] a.pdf").click()
    page.wait_for_url("**/brief.pdf")
    opened = Path(unquote(urlsplit(page.url).path))
    assert opened == (first.folder / "brief.pdf").resolve()
    assert opened.read_bytes().startswith(b"%PDF")

    page.go_back()
    page.locator("#search").fill("zzzz-no-such-word")
    page.wait_for_function("document.getElementById('search-status').textContent.length > 0")
    assert page.locator("#results li").count() == 0
    assert page.inner_text("#search-status") == "No brief matches."
    assert errors == []


def test_brief_page_from_file_links_sources(
    browser_page: tuple[Any, list[str]], config: Config
) -> None:
    page, errors = browser_page
    built = build_brief(config, engine="extractive")
    update_archive(config)

    page.goto((built.folder / "index.html").resolve().as_uri())
    assert page.locator("article.story").count() == len(built.brief.stories)
    hrefs = page.eval_on_selector_all(".sources a", "els => els.map(e => e.href)")
    assert hrefs and all(h.startswith(("http://", "https://")) for h in hrefs)
    page.click("text=← All briefs")
    page.wait_for_url("**/out/index.html")
    assert errors == []


def test_served_archive_works_under_its_content_security_policy(
    browser_page: tuple[Any, list[str]], config: Config, tmp_path: Path
) -> None:
    """``briefing serve``'s answers carry a strict CSP: the search box and the brief pages
    must still work, with no policy violation in the console."""
    import threading

    from briefing.archive import make_server

    page, errors = browser_page
    violations: list[str] = []
    page.on("console", lambda message: violations.append(message.text)
            if "Content Security Policy" in message.text else None)
    build_brief(config, profile="default", engine="extractive")
    update_archive(config)
    server = make_server(config.paths.out, 0)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        base = f"http://localhost:{server.server_address[1]}/"
        page.goto(base + "index.html")
        page.locator("#search").press_sequentially("saltmere", delay=10)
        # Locators, not wait_for_function: evaluating a string is what the policy forbids.
        page.locator("#results li.result").first.wait_for()
        page.locator("#results li.result a").first.click()
        page.wait_for_load_state()
        assert page.locator("article.story").count() > 0
        shot = tmp_path / "served-brief.png"
        page.screenshot(path=str(shot), full_page=True)
        print(f"screenshot: {shot}")
        # The email-ready brief.html (styled inline) renders too.
        page.goto(base + page.url.removeprefix(base).replace("index.html", "brief.html"))
        assert page.locator("td").count() > 0
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)
    assert violations == [] and errors == []


def test_served_pages_load_without_a_single_failed_request(
    browser_page: tuple[Any, list[str]], config: Config
) -> None:
    """No 404 in the console: every page names the archive's icon and gets it."""
    import threading

    from briefing.archive import make_server

    page, errors = browser_page
    responses: list[tuple[int, str, str]] = []
    page.on("response", lambda r: responses.append(
        (r.status, r.url, r.headers.get("content-type", ""))))
    console: list[str] = []
    page.on("console", lambda message: console.append(message.text)
            if message.type in ("error", "warning") else None)
    built = build_brief(config, profile="default", engine="extractive")
    update_archive(config)
    server = make_server(config.paths.out, 0)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        base = f"http://localhost:{server.server_address[1]}/"
        for path in ("index.html", f"default/{built.folder.name}/index.html", "feed.xml"):
            page.goto(base + path)
            page.wait_for_load_state("networkidle")
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)
    assert [r for r in responses if r[0] >= 400] == []
    icons = [r for r in responses if r[1].endswith("/_archive/favicon.svg")]
    assert icons and all(r[2] == "image/svg+xml" for r in icons)
    assert any(r[1].endswith("/feed.xml") and r[2] == "application/atom+xml" for r in responses)
    assert console == [] and errors == []
