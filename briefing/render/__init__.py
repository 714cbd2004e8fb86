"""The render stage: one Brief in, its output files out.

::

    Brief --check--> context --Jinja--> email HTML --css_inline--> brief.html
                                    \\-> plain text ----------------> brief.txt
                                    \\-> CommonMark ----------------> brief.md
                                    \\-> print HTML --WeasyPrint---> brief.pdf
                                    \\-> web page ------------------> index.html (archive)
          --briefing.brief codec--> schema check -----------------> brief.json

Each step has its own module (``email_html``, ``text``, ``markdown``, ``pdf``, ``page``) so it
can be timed or reused alone; ``render_brief`` is the one call the pipeline makes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from briefing.brief import BRIEF_FILES, Brief, brief_to_dict, check_written_brief, to_json_text
from briefing.errors import RenderError
from briefing.fsutil import write_atomic
from briefing.render.context import ReaderLinks, reader_links
from briefing.render.email_html import render_email_html
from briefing.render.environment import make_environment
from briefing.render.markdown import render_markdown
from briefing.render.page import PAGE_FILE, render_page_html
from briefing.render.text import render_text
from briefing.render.validate import check_brief

__all__ = ["BRIEF_FILES", "ReaderLinks", "RenderedBrief", "reader_links", "render_brief"]

#: The files every brief's folder holds (the archive's page, index.html, comes beside them).


@dataclass(frozen=True)
class RenderedBrief:
    """Where ``render_brief`` wrote each output (``page`` is None without the archive site)."""

    json: Path
    html: Path
    text: Path
    pdf: Path
    page: Path | None = None
    markdown: Path | None = None

    def moved_to(self, folder: Path) -> RenderedBrief:
        """The same files, once their folder was renamed to ``folder``."""
        return RenderedBrief(
            json=folder / self.json.name, html=folder / self.html.name,
            text=folder / self.text.name, pdf=folder / self.pdf.name,
            page=folder / self.page.name if self.page is not None else None,
            markdown=folder / self.markdown.name if self.markdown is not None else None,
        )


def render_brief(
    brief: Brief,
    folder: Path,
    *,
    template_dirs: Sequence[Path] = (),
    page: bool = True,
    links: ReaderLinks | None = None,
    pdf_variant: str = "pdf/ua-1",
) -> RenderedBrief:
    """Write brief.json, brief.html, brief.txt, brief.md, brief.pdf (and, with ``page``, the
    archive's index.html) for ``brief`` into ``folder``.

    ``template_dirs`` are searched before the bundled templates. ``links`` are the
    absolute links the email, text, Markdown and PDF carry (earlier briefs, "View in browser",
    unsubscribe: ``briefing.render.context.reader_links``); without them they have
    none. ``pdf_variant`` is ``"pdf/ua-1"`` (tagged, accessible) or ``"pdf/a-3u"``
    (the same, and archival). Everything is rendered in memory first and written only
    when all of it succeeded. Raises ``RenderError`` or ``TemplateError``.
    """
    from briefing.render.weasy import import_weasyprint

    import_weasyprint()  # WeasyPrint: only here, without its library search (render.weasy)
    from briefing.render.pdf import brief_pdf_bytes

    check_brief(brief)
    env = make_environment(template_dirs)
    data = brief_to_dict(brief)
    check_written_brief(data)
    outputs = RenderedBrief(
        json=folder / "brief.json",
        html=folder / "brief.html",
        text=folder / "brief.txt",
        pdf=folder / "brief.pdf",
        page=folder / PAGE_FILE if page else None,
        markdown=folder / "brief.md",
    )
    payloads: list[tuple[Path, str | bytes]] = [
        (outputs.json, to_json_text(data)),
        (outputs.html, render_email_html(brief, env, links)),
        (outputs.text, render_text(brief, env, links)),
        (folder / "brief.md", render_markdown(brief, template_dirs, links)),
        (outputs.pdf, brief_pdf_bytes(brief, env, links, variant=pdf_variant)),
    ]
    if outputs.page is not None:
        payloads.append((outputs.page, render_page_html(brief, env)))
    for path, payload in payloads:
        try:
            write_atomic(path, payload)
        except OSError as error:
            raise RenderError(f"{path.name}: cannot write: {error.strerror or error}") from error
    return outputs
