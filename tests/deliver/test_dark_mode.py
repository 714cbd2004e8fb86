"""Dark mode, as a person sees it: headless Chromium with a dark colour scheme.

* The email's HTML part, in light and dark (``prefers-color-scheme``, which Apple
  Mail, Outlook for Mac, iOS and the web honour): every piece of visible text keeps
  WCAG AA contrast against what is behind it (4.5:1, 3:1 for large text), and in
  dark the page really is dark.
* The same email as Gmail's forced dark recolours it (Gmail ignores our dark
  styles): every text's colours inverted as its iOS app does, or only light
  backgrounds and dark text as its Android app does, keep their contrast; and under
  Chromium's own forced dark (``forceDarkModeEnabled``), measured on the
  screenshot's pixels, the page is dark and its text stands out.
* The archive's pages (the index and a brief's page) in dark.

Screenshots go to ``$BRIEFING_TEST_OUTPUT/dark-mode/`` when that variable is set, else
to the test's temporary folder; each path is printed (``pytest -s`` shows it).
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from chromium import CHROMIUM, CHROMIUM_ARGS, chromium
from render_samples import make_brief

from briefing.brief import AlsoNoted
from briefing.config import ArchiveSettings, load_config
from briefing.publishing import publish
from briefing.render.context import ReaderLinks
from briefing.render.email_html import render_email_html
from briefing.render.environment import make_environment

pytestmark = pytest.mark.slow

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "articles"

# Every element with text of its own: its colour, the first opaque background behind it,
# and whether it counts as large text (WCAG: 24 px, or 18.66 px bold).
TEXT_CONTRAST = """() => {
  const parse = c => { const m = c.match(/rgba?\\(([^)]+)\\)/); if (!m) return null;
    const p = m[1].split(/[ ,\\/]+/).filter(Boolean).map(Number);
    return {r: p[0], g: p[1], b: p[2], a: p.length > 3 ? p[3] : 1}; };
  const lum = c => { const f = v => { v /= 255;
    return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
    return 0.2126 * f(c.r) + 0.7152 * f(c.g) + 0.0722 * f(c.b); };
  const behind = el => { for (; el; el = el.parentElement) {
      const c = parse(getComputedStyle(el).backgroundColor); if (c && c.a > 0) return c; }
    return parse(getComputedStyle(document.documentElement).backgroundColor)
      || {r: 255, g: 255, b: 255, a: 1}; };
  const out = [];
  for (const el of document.querySelectorAll('body *')) {
    const own = Array.from(el.childNodes).filter(n => n.nodeType === 3)
      .map(n => n.textContent).join('').trim();
    if (!own) continue;
    const st = getComputedStyle(el), box = el.getBoundingClientRect();
    if (!el.checkVisibility() || box.width === 0 || box.height === 0) continue;
    const fg = parse(st.color), bg = behind(el);
    const hi = Math.max(lum(fg), lum(bg)), lo = Math.min(lum(fg), lum(bg));
    const size = parseFloat(st.fontSize), bold = parseInt(st.fontWeight) >= 700;
    out.push({tag: el.tagName, text: own.slice(0, 50), ratio: (hi + 0.05) / (lo + 0.05),
              large: size >= 24 || (bold && size >= 18.66), color: st.color,
              bg: `rgb(${bg.r}, ${bg.g}, ${bg.b})`,
              fg_rgb: [fg.r, fg.g, fg.b], bg_rgb: [bg.r, bg.g, bg.b],
              box: [box.left, box.top + window.scrollY, box.width, box.height]});
  }
  const page = behind(document.body);
  return {items: out, page: lum(page)};
}"""


def _output_dir(tmp_path: Path) -> Path:
    base = os.environ.get("BRIEFING_TEST_OUTPUT")
    folder = (Path(base) if base else tmp_path) / "dark-mode"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with chromium() as launched:
        yield launched


@pytest.fixture(scope="module")
def email_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The email of a 20-article brief with every section: links, notes, Also noted."""
    brief = replace(
        make_brief(n_articles=20), id=3, slug="2025-03-04",
        also_noted=(AlsoNoted("n1", "Harbour reopens after storm", ("Ledger",), 3,
                              "https://ledger.example/harbour"),),
    )
    links = ReaderLinks(base_url="https://briefs.example.org/", unsubscribe="https://news.example/u")
    path = tmp_path_factory.mktemp("email") / "email.html"
    path.write_text(render_email_html(brief, make_environment(), links), encoding="utf-8")
    return path


def _look(browser: Any, url: str, scheme: str, shot: Path, width: int = 600) -> dict[str, Any]:
    page = browser.new_page(viewport={"width": width, "height": 900}, color_scheme=scheme)
    try:
        page.goto(url)
        measured: dict[str, Any] = page.evaluate(TEXT_CONTRAST)
        page.screenshot(path=str(shot), full_page=True)
    finally:
        page.close()
    print(f"\nscreenshot: {shot}")
    return measured


def _too_faint(items: list[dict[str, Any]]) -> list[str]:
    return [f"{i['tag']} {i['text']!r}: {i['ratio']:.2f} ({i['color']} on {i['bg']})"
            for i in items if i["ratio"] < (3.0 if i["large"] else 4.5)]


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_the_email_is_readable_in_light_and_dark(
    browser: Any, email_file: Path, scheme: str, tmp_path: Path
) -> None:
    measured = _look(browser, email_file.as_uri(), scheme,
                     _output_dir(tmp_path) / f"email-{scheme}.png")
    assert len(measured["items"]) > 50
    assert _too_faint(measured["items"]) == []
    if scheme == "dark":
        assert measured["page"] < 0.02  # a dark page, not a light one with dark patches
        assert all(item["ratio"] >= 4.5 for item in measured["items"] if item["tag"] == "A")
    else:
        assert measured["page"] > 0.8


@pytest.mark.parametrize("inversion", ["full", "partial"])
def test_the_email_survives_gmails_forced_dark(
    browser: Any, email_file: Path, tmp_path: Path, inversion: str
) -> None:
    """Gmail ignores prefers-color-scheme and recolours the email itself: its iOS app
    inverts every colour ("full"), its Android app darkens light backgrounds and
    lightens dark text only ("partial"). Both applied to every text's own colours and
    background: each keeps its contrast. (A mid-tone background would fail the partial
    one: its dark text turns light and its background stays.)"""
    measured = _look(browser, email_file.as_uri(), "light",
                     _output_dir(tmp_path) / "email-light-for-gmail.png")
    faint = []
    for item in measured["items"]:
        fg, bg = tuple(item["fg_rgb"]), tuple(item["bg_rgb"])
        if inversion == "full":
            fg, bg = _inverted(fg), _inverted(bg)
        else:
            fg = _inverted(fg) if _luminance(fg) < 0.5 else fg
            bg = _inverted(bg) if _luminance(bg) > 0.5 else bg
        if _contrast(fg, bg) < (3.0 if item["large"] else 4.5):
            faint.append(f"{item['tag']} {item['text']!r}: {_contrast(fg, bg):.2f}")
    assert len(measured["items"]) > 50 and faint == []


def test_chromiums_forced_dark_leaves_a_dark_readable_page(
    browser: Any, email_file: Path, tmp_path: Path
) -> None:
    """Chromium's own forced dark (forceDarkModeEnabled), a Gmail-like inversion of a
    page that ignores our styles: the screenshot is dark, and its text stands out."""
    image_module = pytest.importorskip("PIL.Image", reason="Pillow reads the screenshot")
    shot = _output_dir(tmp_path) / "email-forced-dark.png"
    forced = browser.browser_type.launch(
        executable_path=str(CHROMIUM), headless=True,
        args=[*CHROMIUM_ARGS, "--blink-settings=forceDarkModeEnabled=true"],
    )
    try:
        measured = _look(forced, email_file.as_uri(), "light", shot)
    finally:
        forced.close()
    image = image_module.open(shot).convert("RGB")
    assert _luminance(_colours(image)[0]) < 0.05  # the page's main colour is dark now
    faint = []
    for item in measured["items"]:
        left, top, width, height = (round(v) for v in item["box"])
        background, *others = _colours(image.crop((left, top, left + width, top + height)))
        # The text's colour: the most frequent one that is not a faint edge of the
        # background (anti-aliasing blends glyph edges into many rarer shades).
        text = next((c for c in others if _contrast(background, c) > 1.5), background)
        if _contrast(background, text) < 4.5:
            faint.append(f"{item['tag']} {item['text']!r}: {_contrast(background, text):.2f}")
    assert faint == []


def test_the_archive_pages_are_dark_in_dark_mode(browser: Any, tmp_path: Path) -> None:
    config = load_config(cwd=tmp_path)
    config = dataclasses.replace(config, archive=ArchiveSettings(site=True))
    result = publish(config, sources=[EXAMPLES / "meridian-wire"])
    out = config.paths.out
    for name, path in (("archive-index", out / "index.html"),
                       ("archive-brief", result.build.folder / "index.html")):
        measured = _look(browser, path.as_uri(), "dark",
                         _output_dir(tmp_path) / f"{name}-dark.png", width=800)
        assert measured["page"] < 0.02, name
        assert len(measured["items"]) > 5
        assert _too_faint(measured["items"]) == [], name


# -- pixels -------------------------------------------------------------------------------

RGB = tuple[int, int, int]


def _colours(image: Any) -> list[RGB]:
    """The colours of ``image``, most frequent first (the first is the background)."""
    counted = image.getcolors(image.width * image.height) or []
    return [colour for _, colour in sorted(counted, key=lambda pair: -pair[0])]


def _inverted(rgb: tuple[int, ...]) -> RGB:
    r, g, b = rgb
    return 255 - r, 255 - g, 255 - b


def _luminance(rgb: tuple[int, ...]) -> float:
    def channel(value: int) -> float:
        v = value / 255
        return v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4

    r, g, b = rgb[:3]
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)


def _contrast(a: tuple[int, ...], b: tuple[int, ...]) -> float:
    hi, lo = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)
