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

from briefing.ingest.outlet import page_identity, site_host

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class ExtractedPage:
    text: str
    #: title, outlet (as stated by the page), url, host, published; absent when unknown.
    meta: dict[str, str] = field(default_factory=dict)


def extract_html(html: str, url: str | None = None) -> ExtractedPage | None:
    """The article text and metadata of an HTML page, or None when there is no article."""
    import trafilatura  # half a second of imports: only when there is HTML to read

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
    identity = page_identity(html)
    address = identity.url or str(data.get("url") or "").strip() or url or ""
    meta = {
        "title": title,
        # Only what the page states (og:site_name, JSON-LD publisher): trafilatura's
        # sitename falls back to title-cased guesses ("Nj", "Wday_").
        "outlet": identity.outlet(address) or "",
        "url": address,
        # The host as written ("nj.com"): the outlet when the page names none.
        "host": site_host(address),
        "published": str(data.get("date") or "").strip(),
    }
    return ExtractedPage(text=text, meta={k: v for k, v in meta.items() if v})
