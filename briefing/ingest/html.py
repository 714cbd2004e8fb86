"""Main-text extraction from HTML article pages, with trafilatura.

trafilatura keeps the article body and drops navigation, scripts, cookie
banners and share widgets; it returns plain text, so no markup, script,
event handler or link from the page can reach an output. Precision is
favoured over recall: a missing paragraph is better than a brief built on a
site's menu.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

import trafilatura

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class ExtractedPage:
    text: str
    meta: dict[str, str] = field(default_factory=dict)  # title, outlet, url, published


def extract_html(html: str, url: str | None = None) -> ExtractedPage | None:
    """The article text and metadata of an HTML page, or None when there is no article."""
    try:
        document = trafilatura.bare_extraction(
            html,
            url=url,
            favor_precision=True,
            include_comments=False,
            include_tables=False,
            include_images=False,
            include_links=False,
            with_metadata=True,
        )
    # A parser crash on one page must not sink a run.
    except Exception as error:
        logger.warning("HTML extraction failed: %s", error)
        return None
    if document is None:
        return None
    data = document.as_dict() if hasattr(document, "as_dict") else dict(document)
    text = str(data.get("text") or "")
    title = str(data.get("title") or "").strip()
    # trafilatura repeats the <h1> as the first line of the text.
    lines = text.splitlines()
    if lines and title and lines[0].strip() == title:
        text = "\n".join(lines[1:])
    if not text.strip():
        return None
    meta = {
        "title": title,
        "outlet": str(data.get("sitename") or "").strip(),
        "url": str(data.get("url") or "").strip(),
        "published": str(data.get("date") or "").strip(),
    }
    return ExtractedPage(text=text, meta={k: v for k, v in meta.items() if v})
