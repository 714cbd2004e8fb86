"""brief.html as a person sees it: headless Chromium at 600 and 375 px, no sideways scroll.

Debian's ``chromium`` package driven by Playwright (``tests/chromium.py``).
The screenshots are saved under
``$BRIEFING_TEST_OUTPUT/email-chromium/`` when that variable is set, else in
the test's temporary folder; each path is printed (``pytest -s`` shows it).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from chromium import chromium
from render_samples import make_brief

from briefing.render.email_budget import budgeted_email_html
from briefing.render.environment import make_environment

# Widest element box against the viewport: anything wider scrolls sideways.
MEASURE = """() => ({
    viewport: window.innerWidth,
    content: Math.max(document.documentElement.scrollWidth, document.body.scrollWidth),
})"""

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with chromium() as launched:
        yield launched


def _output_dir(tmp_path: Path) -> Path:
    base = os.environ.get("BRIEFING_TEST_OUTPUT")
    folder = (Path(base) if base else tmp_path) / "email-chromium"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.mark.parametrize("articles", [12, 200])
@pytest.mark.parametrize("width", [600, 375])
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
