"""The only way WeasyPrint may read anything: bundled template assets, nothing else.

WeasyPrint's default fetcher follows any URL in the document (``file:``,
``http:``, ``data:``...). A brief carries text written by strangers, so even
though every title is escaped, the PDF renderer is also fenced in: it may read
files inside the bundled ``templates/assets`` folder and refuses the rest.
"""

from __future__ import annotations

import logging
import mimetypes
from pathlib import Path
from urllib.parse import urlsplit
from urllib.request import url2pathname

from weasyprint.urls import URLFetcher, URLFetcherResponse

from briefing.resources import templates_dir

logger = logging.getLogger(__name__)


def assets_dir() -> Path:
    """The bundled ``templates/assets`` folder (CSS and anything a template links)."""
    return templates_dir() / "assets"


class AssetsOnlyFetcher(URLFetcher):
    """A WeasyPrint URL fetcher that serves files under ``root`` and refuses every other URL."""

    def __init__(self, root: Path | None = None) -> None:
        # No redirects, no protocols but file: — belt and braces should the base
        # class ever be asked to open something on our behalf.
        super().__init__(allowed_protocols=("file",), allow_redirects=False)
        self.root = (root or assets_dir()).resolve()

    def fetch(self, url: str, headers: dict[str, str] | None = None) -> URLFetcherResponse:
        path = self.allowed_path(url)
        if path is None:
            logger.debug("refused to fetch %s", url)
            raise ValueError(f"refused to fetch {url!r}: only bundled template assets may be read")
        content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        return URLFetcherResponse(
            path.as_uri(), body=path.read_bytes(), headers={"Content-Type": content_type}
        )

    def allowed_path(self, url: str) -> Path | None:
        """The file ``url`` names, when it is a ``file:`` URL to a file under ``root``."""
        try:
            parts = urlsplit(url)
        except ValueError:
            return None
        if parts.scheme.lower() != "file" or parts.netloc not in ("", "localhost"):
            return None
        # resolve() follows symlinks and "..", so neither can lead out of root.
        path = Path(url2pathname(parts.path)).resolve()
        if not path.is_relative_to(self.root) or not path.is_file():
            return None
        return path
