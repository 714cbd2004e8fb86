"""Relative links in a brief, made fit for an email.

On disk, brief.html and brief.txt link an update to the earlier brief with a
relative address ("../2026-11-19/brief.html"), which is right for someone
browsing out/. In a mail client a relative link points nowhere, so before a
brief is sent each one becomes absolute under ``archive.base_url`` when the
archive is published, and is otherwise removed (the anchor's text, the date,
stays). Only the plain relative form the renderer writes is touched: absolute
http(s) source links and anything else are left as they are.
"""

from __future__ import annotations

import html as html_module
import re
from pathlib import Path
from urllib.parse import urljoin

# What briefing.memory.relative_href produces: path characters only, ending in a brief file.
_RELATIVE = r"(?:\.\./)+[A-Za-z0-9._/-]*?brief\.html"
_ANCHOR = re.compile(rf'<a\b[^>]*?\bhref="({_RELATIVE})"[^>]*>(.*?)</a>', re.DOTALL)
_TEXT_PAREN = re.compile(rf"\s+\(({_RELATIVE})\)")
_TEXT_LISTED = re.compile(rf",\s+({_RELATIVE})\)")


def brief_page_url(base_url: str | None, out_root: Path, out_dir: Path) -> str | None:
    """The published address of the folder ``out_dir`` (under ``out_root``), or None."""
    if not base_url:
        return None
    try:
        relative = out_dir.resolve().relative_to(out_root.resolve()).as_posix()
    except ValueError:  # built with --out elsewhere: not under the published archive
        return None
    return urljoin(base_url.rstrip("/") + "/", relative.strip("/") + "/")


def fix_html_links(html: str, page_url: str | None) -> str:
    def replace(match: re.Match[str]) -> str:
        if page_url is None:
            return match.group(2)
        absolute = html_module.escape(urljoin(page_url, match.group(1)), quote=True)
        return match.group(0).replace(f'href="{match.group(1)}"', f'href="{absolute}"', 1)

    return _ANCHOR.sub(replace, html)


def fix_text_links(text: str, page_url: str | None) -> str:
    def parenthesised(match: re.Match[str]) -> str:
        return f" ({urljoin(page_url, match.group(1))})" if page_url else ""

    def listed(match: re.Match[str]) -> str:
        return f", {urljoin(page_url, match.group(1))})" if page_url else ")"

    return _TEXT_LISTED.sub(listed, _TEXT_PAREN.sub(parenthesised, text))
