"""Markdown articles to plain text: enough for news copy, not a full Markdown parser.

News articles in Markdown use headings, emphasis, links and the odd image or
quote; we keep the words and drop the markup (and images and link targets,
which must not reach an output unchecked).
"""

from __future__ import annotations

import re

_IMAGE = re.compile(r"!\[[^\]]*\]\([^)]*\)")
_LINK = re.compile(r"\[([^\]]+)\]\([^)]*\)")
_HEADING = re.compile(r"^\s{0,3}#{1,6}\s+(.*?)\s*#*\s*$")
_EMPHASIS = re.compile(r"(\*\*|__|\*|_)(?=\S)(.+?)(?<=\S)\1")
_CODE = re.compile(r"`([^`]*)`")
_LIST_MARK = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s+")
_QUOTE_MARK = re.compile(r"^\s*>\s?")
_RULE = re.compile(r"^\s*(?:[-*_]\s*){3,}$")
_HTML_TAG = re.compile(r"<[^>]+>")


def markdown_to_text(markdown: str) -> tuple[str | None, str]:
    """Return (the first level-1 heading if the text opens with one, the plain text)."""
    title: str | None = None
    lines: list[str] = []
    for raw in markdown.splitlines():
        if _RULE.match(raw):
            lines.append("")
            continue
        heading = _HEADING.match(raw)
        line = heading.group(1) if heading else raw
        opens_text = not any(previous.strip() for previous in lines)
        if heading and title is None and opens_text and raw.lstrip().startswith("# "):
            title = _inline(line)
            continue
        line = _QUOTE_MARK.sub("", line)
        line = _LIST_MARK.sub("", line)
        lines.append(_inline(line))
    return title, "\n".join(lines)


def _inline(text: str) -> str:
    # Most lines of news copy carry no markup: each pattern runs only where its marker is.
    if "[" in text:
        text = _LINK.sub(r"\1", _IMAGE.sub("", text))
    if "`" in text:
        text = _CODE.sub(r"\1", text)
    if "*" in text or "_" in text:
        text = _EMPHASIS.sub(r"\2", text)
    if "<" in text:
        text = _HTML_TAG.sub("", text)
    return text.strip()
