"""brief.pdf: the print template laid out by WeasyPrint.

Rendering the HTML (Jinja) and laying it out (WeasyPrint) are separate calls so
a benchmark can time each, and so the layout step can be fed any HTML.
"""

from __future__ import annotations

from pathlib import Path

import jinja2
import weasyprint

from briefing.brief import Brief
from briefing.errors import RenderError
from briefing.fsutil import write_atomic
from briefing.render.context import ReaderLinks, template_context
from briefing.render.environment import render_template
from briefing.render.fetcher import AssetsOnlyFetcher, assets_dir

PDF_TEMPLATE = "brief.pdf.html.j2"


def render_pdf_html(
    brief: Brief, env: jinja2.Environment, links: ReaderLinks | None = None
) -> str:
    """The print HTML for ``brief`` (input to ``pdf_bytes`` / ``write_pdf``); its links to
    earlier briefs are ``links``' absolute ones, or none (a PDF is read anywhere)."""
    return render_template(env, PDF_TEMPLATE, template_context(brief, links or ReaderLinks()))


def pdf_bytes(html: str) -> bytes:
    """Lay out ``html`` as a PDF; only bundled template assets can be loaded."""
    try:
        document = weasyprint.HTML(
            string=html,
            # Relative references resolve into the assets folder, the one place the
            # fetcher allows.
            base_url=assets_dir().as_uri() + "/",
            url_fetcher=AssetsOnlyFetcher(),
        )
        data = document.write_pdf()
    # WeasyPrint raises whatever its parsers and font stack raise; none of it may
    # escape as a foreign exception.
    except Exception as error:
        raise RenderError(f"could not lay out the PDF: {type(error).__name__}: {error}") from error
    if not isinstance(data, bytes):  # write_pdf() without a target returns the bytes
        raise RenderError("could not lay out the PDF: WeasyPrint returned no data")
    return data


def write_pdf(html: str, path: Path) -> None:
    """Lay out ``html`` and write the PDF to ``path`` atomically."""
    write_atomic(path, pdf_bytes(html))
