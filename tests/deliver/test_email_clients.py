"""The email checklist: the HTML part linted against email-client support data.

The data is caniemail.com's, published on npm as ``caniemail`` (``.ci/run`` installs
it into ``.ci/node``; ``$CANIEMAIL_DATA`` may name another copy of its JSON). Every
HTML element and attribute, CSS property, value, unit, selector and at-rule the email
uses is looked up; the latest tested version of each Gmail, Outlook and Apple Mail
client must support it ("n" is an error, as the caniemail checker counts it), except
for the deliberate exceptions below, each with its reason. An exception that no
longer matches anything fails the test too, so the list stays true.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import replace
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
import tinycss2
from render_samples import make_brief

from briefing.brief import AlsoNoted, PreviousBrief
from briefing.render.context import ReaderLinks
from briefing.render.email_budget import budgeted_email_html
from briefing.render.email_html import render_email_html
from briefing.render.environment import make_environment

ROOT = Path(__file__).resolve().parents[2]
DATA_FILES = (
    ROOT / ".ci" / "node" / "node_modules" / "caniemail" / "dist" / "data" / "caniemail.json",
    ROOT / ".ci" / "node" / "node_modules" / "caniemail" / "data" / "caniemail.json",
)
FAMILIES = ("gmail", "outlook", "apple-mail")

#: feature slug -> (clients it may fail, "family.platform" or "family.*"; why that is fine).
EXCEPTIONS: dict[str, tuple[frozenset[str], str]] = {
    "css-at-media-prefers-color-scheme": (
        frozenset({"gmail.*", "outlook.windows", "outlook.windows-mail"}),
        "dark mode is an enhancement: these clients drop the rule and show the light "
        "colours (Gmail inverts them itself, and they stay readable: test_dark_mode.py)",
    ),
    "css-at-media": (
        frozenset({"gmail.mobile-webmail", "outlook.windows", "outlook.windows-mail"}),
        "the only @media rule is the dark-mode one (above); the layout needs no media query",
    ),
    "html-body": (
        frozenset({"outlook.macos"}),
        "the body's margin and background are dropped there; the outer table repeats the "
        "background and the layout never relied on the body",
    ),
    "css-color-scheme": (
        frozenset({"gmail.*", "outlook.*"}),
        "declares to Apple Mail that the email has dark colours; ignored elsewhere",
    ),
    "html-meta-color-scheme": (
        frozenset({"gmail.*", "outlook.*", "apple-mail.ios"}),
        "the same declaration for the clients that read it (Apple Mail on macOS)",
    ),
    "html-style": (
        frozenset({"gmail.mobile-webmail"}),
        "the <style> block holds only the dark-mode rules; every other style is inline",
    ),
    "css-selector-class": (
        frozenset({"gmail.mobile-webmail"}),
        "used only inside the dark-mode <style> block, which this client drops",
    ),
    "css-selector-type": (
        frozenset({"gmail.mobile-webmail"}),
        "used only inside the dark-mode <style> block, which this client drops",
    ),
    "css-selector-grouping": (
        frozenset({"gmail.mobile-webmail"}),
        "used only inside the dark-mode <style> block, which this client drops",
    ),
    "css-display-none": (
        frozenset({"gmail.mobile-webmail"}),
        "the hidden preheader: max-height:0 and overflow:hidden hide it there",
    ),
    "css-opacity": (
        frozenset({"gmail.mobile-webmail", "outlook.windows", "outlook.windows-mail"}),
        "the hidden preheader's belt and braces: display:none and mso-hide:all hide it",
    ),
    "css-max-height": (
        frozenset({"outlook.windows", "outlook.windows-mail"}),
        "the hidden preheader's belt and braces: mso-hide:all hides it in Outlook",
    ),
    "css-overflow": (
        frozenset({"outlook.windows", "outlook.windows-mail"}),
        "the hidden preheader's belt and braces: mso-hide:all hides it in Outlook",
    ),
    "html-doctype": (
        frozenset({"outlook.windows"}),
        "Word renders without a doctype anyway; every other client wants it",
    ),
    "html-role": (
        frozenset({"outlook.windows-mail"}),
        "role=\"presentation\" tells screen readers the tables are layout; harmless where "
        "it is dropped",
    ),
}


def data_file() -> Path | None:
    named = os.environ.get("CANIEMAIL_DATA")
    for candidate in ((Path(named),) if named else DATA_FILES):
        if candidate.is_file():
            return candidate
    return None


@pytest.fixture(scope="module")
def caniemail() -> dict[str, Any]:
    path = data_file()
    if path is None:
        pytest.skip("caniemail data absent: `npm install --prefix .ci/node caniemail@2.0.2` "
                    "(.ci/run does it when npm exists), or set CANIEMAIL_DATA to its JSON")
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return {feature["slug"]: feature for feature in data["data"]}


def full_email() -> str:
    """An email with every section the template has: links, notes, updates, Also noted."""
    brief = make_brief(n_articles=30)
    first = brief.stories[0]
    update = replace(first, is_update=True,
                     previous_brief=PreviousBrief(brief_id=2, date="2025-03-03",
                                                  slug="2025-03-03"))
    brief = replace(
        brief, id=3, slug="2025-03-04", stories=(update, *brief.stories[1:]),
        also_noted=(AlsoNoted("n1", "Harbour reopens", ("Ledger",), 2,
                              "https://ledger.example/h"),),
    )
    links = ReaderLinks(base_url="https://briefs.example.org/",
                        unsubscribe="mailto:unsubscribe@news.example?subject=unsubscribe")
    return render_email_html(brief, make_environment(), links)


def budgeted_email() -> str:
    return budgeted_email_html(make_brief(n_articles=200), make_environment(), budget=30_000).html


# -- what the HTML uses -------------------------------------------------------------------

class _Usage(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.styles: list[str] = []
        self.blocks: list[str] = []
        self.doctype = False
        self._in_style = False

    def handle_decl(self, decl: str) -> None:
        self.doctype = self.doctype or decl.lower().startswith("doctype")

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        self.tags.append((tag, attributes))
        if attributes.get("style"):
            self.styles.append(attributes["style"] or "")
        self._in_style = tag == "style"

    def handle_endtag(self, tag: str) -> None:
        self._in_style = self._in_style and tag != "style"

    def handle_data(self, data: str) -> None:
        if self._in_style:
            self.blocks.append(data)


def html_features(usage: _Usage, known: dict[str, Any]) -> set[str]:
    found = {"html-doctype"} if usage.doctype else set()
    semantic = set(known["html-semantics"]["keywords"].replace(" ", "").split(","))
    for tag, attributes in usage.tags:
        if re.fullmatch(r"h[1-6]", tag):
            found.add("html-h1-h6")
        elif tag in ("ul", "ol", "dl"):
            found.add("html-lists")
        elif tag in semantic:
            found.add("html-semantics")
        elif f"html-{tag}" in known:
            found.add(f"html-{tag}")
        for name in attributes:
            if name in ("style", "class", "href", "name", "content", "charset"):
                pass
            elif f"html-{name}" in known:
                found.add(f"html-{name}")
        if tag == "meta" and attributes.get("name") == "color-scheme":
            found.add("html-meta-color-scheme")
        href = attributes.get("href") or ""
        if tag == "a" and href.startswith("mailto:"):
            found.add("html-mailto-links")
        if tag == "a" and href.startswith("#"):
            found.add("html-anchor-links")
    return found


def css_features(usage: _Usage, known: dict[str, Any]) -> set[str]:
    found: set[str] = set()
    declarations = [tinycss2.parse_blocks_contents(style) for style in usage.styles]
    for block in usage.blocks:
        for rule in tinycss2.parse_stylesheet(block, skip_whitespace=True):
            found |= _rule_features(rule, declarations)
    lookup = _CssTitles(known)
    for items in declarations:
        for item in items:
            if item.type == "declaration":
                found |= lookup.declaration(item)
    return found & set(known)


class _CssTitles:
    """What a CSS declaration uses, by the data's feature titles ("margin", "rgb()",
    "px unit", "display:none", "!important keyword"), as the caniemail checker reads them."""

    def __init__(self, known: dict[str, Any]) -> None:
        self.properties: dict[str, str] = {}
        self.functions: dict[str, str] = {}
        self.units: dict[str, str] = {}
        self.pairs: dict[tuple[str, str], str] = {}
        for slug, feature in known.items():
            if feature["category"] != "css":
                continue
            title = feature["title"].strip()
            name = re.sub(r" (shorthand|property|CSS property)$", "", title)
            if pair := re.fullmatch(r"([a-z-]+):\s*([a-z-]+)", title):
                self.pairs[(pair.group(1), pair.group(2))] = slug
            elif function := re.search(r"([a-z-]+)\(\)", title):
                self.functions[function.group(1)] = slug
            elif title.endswith(" unit"):
                self.units[title.removesuffix(" unit").strip()] = slug
            else:
                for part in re.split(r"\s*[,&]\s*", name):
                    if re.fullmatch(r"[a-z-]+", part):
                        self.properties[part] = slug

    def declaration(self, item: Any) -> set[str]:
        name = item.lower_name
        found = {slug for prop, slug in self.properties.items()
                 if name == prop or name.startswith(f"{prop}-")}
        if item.important:
            found.add("css-important")
        for token in item.value:
            if token.type == "dimension" and token.lower_unit in self.units:
                found.add(self.units[token.lower_unit])
            elif token.type == "percentage":
                found.add(self.units["%"])
            elif token.type == "function" and token.lower_name in self.functions:
                found.add(self.functions[token.lower_name])
            elif token.type == "ident" and (name, token.lower_value) in self.pairs:
                found.add(self.pairs[(name, token.lower_value)])
        return found


def _rule_features(rule: Any, declarations: list[Any]) -> set[str]:
    found: set[str] = set()
    if rule.type == "at-rule":
        found.add(f"css-at-{rule.lower_at_keyword}")
        prelude = tinycss2.serialize(rule.prelude)
        if "prefers-color-scheme" in prelude:
            found.add("css-at-media-prefers-color-scheme")
        for inner in tinycss2.parse_rule_list(rule.content or [], skip_whitespace=True):
            found |= _rule_features(inner, declarations)
    elif rule.type == "qualified-rule":
        selector = tinycss2.serialize(rule.prelude).strip()
        found |= _selector_features(selector)
        declarations.append(tinycss2.parse_blocks_contents(rule.content))
    elif rule.type == "comment":
        found.add("css-comments")
    return found


def _selector_features(selector: str) -> set[str]:
    found = {"css-selector-grouping"} if "," in selector else set()
    for single in selector.split(","):
        single = single.strip()
        if re.search(r"\.[A-Za-z_-]", single):
            found.add("css-selector-class")
        if re.search(r"(^|[\s>+~])[a-z][a-z0-9]*", single):
            found.add("css-selector-type")
        if "#" in single:
            found.add("css-selector-id")
        if "[" in single:
            found.add("css-selector-attribute")
        if re.search(r"\S\s+\S", single) and not re.search(r"[>+~]", single):
            found.add("css-selector-descendant")
        found |= {f"css-pseudo-class-{name}" for name in re.findall(r"(?<!:):([a-z-]+)", single)}
    return found


# -- support ------------------------------------------------------------------------------

def errors(features: set[str], known: dict[str, Any]) -> dict[str, set[str]]:
    """feature -> the clients (family.platform) whose latest tested version lacks it."""
    found: dict[str, set[str]] = {}
    for slug in sorted(features):
        for family in FAMILIES:
            for platform, versions in known[slug]["stats"].get(family, {}).items():
                latest = versions[sorted(versions)[-1]]  # as the caniemail checker reads it
                if latest.startswith("n"):
                    found.setdefault(slug, set()).add(f"{family}.{platform}")
    return found


def _excused(slug: str, client: str) -> bool:
    allowed = EXCEPTIONS.get(slug, (frozenset(), ""))[0]
    return client in allowed or f"{client.split('.')[0]}.*" in allowed


@pytest.mark.parametrize("which", ["full", "budgeted"])
def test_the_email_uses_nothing_gmail_outlook_or_apple_mail_lacks(
    caniemail: dict[str, Any], which: str
) -> None:
    html = full_email() if which == "full" else budgeted_email()
    usage = _Usage()
    usage.feed(html)
    usage.close()
    features = html_features(usage, caniemail) | css_features(usage, caniemail)
    assert {"html-table", "css-padding", "css-at-media-prefers-color-scheme"} <= features
    found = errors(features, caniemail)
    unexcused = {slug: sorted(c for c in clients if not _excused(slug, c))
                 for slug, clients in found.items()}
    unexcused = {slug: clients for slug, clients in unexcused.items() if clients}
    print(f"\n{len(features)} features used; errors excused: "
          + "; ".join(f"{slug} ({', '.join(sorted(c))})" for slug, c in found.items()))
    assert unexcused == {}
    if which == "full":  # every exception still describes something the email does
        assert set(EXCEPTIONS) <= set(found), set(EXCEPTIONS) - set(found)
