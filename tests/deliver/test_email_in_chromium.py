"""brief.html as a person sees it: headless Chromium at 600 and 375 px, no sideways scroll.

Debian's ``chromium`` package (``apt-get install chromium``), driven by
Playwright through its executable path (a bare ``chromium --headless`` will not
make a window narrower than 500 px); nothing downloads a browser. Skipped when
either is missing. The screenshots are saved under
``$BRIEFING_TEST_OUTPUT/email-chromium/`` when that variable is set, else in
the test's temporary folder; each path is printed (``pytest -s`` shows it).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from render_samples import make_brief

from briefing.render.email_budget import budgeted_email_html
from briefing.render.environment import make_environment
from briefing.resources import templates_dir

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]
# Widest element box against the viewport: anything wider scrolls sideways.
MEASURE = """() => ({
    viewport: window.innerWidth,
    content: Math.max(document.documentElement.scrollWidth, document.body.scrollWidth),
})"""

pytestmark = pytest.mark.slow


def _container_is_fixed_width() -> bool:
    """The bundled email CSS still pins the column at 600 px (wider than a phone)."""
    css = (templates_dir() / "assets" / "email.css").read_text(encoding="utf-8")
    return ".container { width: 600px;" in css


# Found by this test: at 375 px the email scrolls 225 px sideways. The fix belongs
# to templates/assets/email.css (not this module's to change):
#   .container { width: 100%; max-width: 600px; ... }
#   .source { ...; overflow-wrap: anywhere; }   (long URLs and titles)
# Once it is in, the condition is false and the test must pass.
PHONE = pytest.param(
    375,
    marks=pytest.mark.xfail(
        _container_is_fixed_width(), strict=True,
        reason="templates/assets/email.css: .container is width: 600px (needs width: 100%; "
        "max-width: 600px)",
    ),
)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not CHROMIUM.is_file() or shutil.which(str(CHROMIUM)) is None:
        pytest.skip(f"{CHROMIUM} is absent: install Debian's chromium package to run this test")
    sync_api = pytest.importorskip(
        "playwright.sync_api", reason="playwright (test extra) drives the browser"
    )
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield browser
        finally:
            browser.close()


def _output_dir(tmp_path: Path) -> Path:
    base = os.environ.get("BRIEFING_TEST_OUTPUT")
    folder = (Path(base) if base else tmp_path) / "email-chromium"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.mark.parametrize("articles", [12, 200])
@pytest.mark.parametrize("width", [600, PHONE])
def test_the_email_html_has_no_horizontal_overflow(
    browser: Any, width: int, articles: int, tmp_path: Path
) -> None:
    # What the email carries: brief.html itself, or its size-budgeted version.
    html = budgeted_email_html(make_brief(n_articles=articles), make_environment(())).html
    out = _output_dir(tmp_path)
    page_file = out / f"brief-{articles}.html"
    page_file.write_text(html, encoding="utf-8")

    page = browser.new_page(viewport={"width": width, "height": 900})
    try:
        page.goto(page_file.as_uri())
        measured = page.evaluate(MEASURE)
        shot = out / f"brief-{articles}-{width}px.png"
        page.screenshot(path=str(shot), full_page=True)
    finally:
        page.close()
    print(f"\nscreenshot: {shot} (viewport {measured['viewport']} px, "
          f"content {measured['content']} px)")
    assert shot.stat().st_size > 1000
    assert measured["viewport"] == width
    overflow = measured["content"] - width
    assert overflow <= 0, f"{overflow} px of horizontal overflow at {width} px"
