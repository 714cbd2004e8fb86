"""Headless Chromium for tests that look at a page as a person would.

Debian's ``chromium`` package, driven by Playwright through its executable path
(a bare ``chromium --headless`` will not make a window narrower than 500 px);
nothing downloads a browser. Tests using it skip, saying why, when either is
missing.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]


@contextmanager
def chromium() -> Iterator[Any]:
    """A launched headless browser (Playwright's ``Browser``); skips the test without one."""
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
