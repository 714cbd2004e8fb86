"""The render stage: one Brief in, its four output files out.

::

    Brief --check--> context --Jinja--> email HTML --css_inline--> brief.html
                                    \\-> plain text ----------------> brief.txt
                                    \\-> print HTML --WeasyPrint---> brief.pdf
          --brief_to_dict--> schema check ------------------------> brief.json

Each step has its own module (``json``, ``email_html``, ``text``, ``pdf``) so it
can be timed or reused alone; ``render_brief`` is the one call the pipeline makes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from briefing.errors import RenderError
from briefing.fsutil import write_atomic
from briefing.render.email_html import render_email_html
from briefing.render.environment import make_environment
from briefing.render.json import brief_to_dict, to_json_text, validate_brief_dict
from briefing.render.pdf import pdf_bytes, render_pdf_html
from briefing.render.text import render_text
from briefing.render.validate import check_brief
from briefing.types import Brief

__all__ = ["RenderedBrief", "render_brief"]


@dataclass(frozen=True)
class RenderedBrief:
    """Where ``render_brief`` wrote each output."""

    json: Path
    html: Path
    text: Path
    pdf: Path


def render_brief(
    brief: Brief, out_dir: Path, *, template_dirs: Sequence[Path] = ()
) -> RenderedBrief:
    """Write brief.json, brief.html, brief.txt and brief.pdf for ``brief`` into ``out_dir``.

    ``template_dirs`` are searched before the bundled templates. Everything is
    rendered in memory first and written only when all four succeeded, so a
    template error never leaves a new brief.html beside last run's brief.pdf.
    Raises ``RenderError`` or ``TemplateError``.
    """
    check_brief(brief)
    env = make_environment(template_dirs)
    data = brief_to_dict(brief)
    validate_brief_dict(data)
    outputs = RenderedBrief(
        json=out_dir / "brief.json",
        html=out_dir / "brief.html",
        text=out_dir / "brief.txt",
        pdf=out_dir / "brief.pdf",
    )
    payloads: list[tuple[Path, str | bytes]] = [
        (outputs.json, to_json_text(data)),
        (outputs.html, render_email_html(brief, env)),
        (outputs.text, render_text(brief, env)),
        (outputs.pdf, pdf_bytes(render_pdf_html(brief, env))),
    ]
    for path, payload in payloads:
        try:
            write_atomic(path, payload)
        except OSError as error:
            raise RenderError(f"{path}: cannot write: {error.strerror or error}") from error
    return outputs
