"""Read a built brief back the way its readers would: PDF text, HTML, text, JSON."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pypdf import PdfReader


@dataclass(frozen=True)
class Outputs:
    pdf_text: str
    html: str
    text: str
    data: dict[str, Any]

    def everything(self) -> str:
        return "\n".join([self.pdf_text, self.html, self.text, json.dumps(self.data)])


def read_outputs(out_dir: Path) -> Outputs:
    reader = PdfReader(out_dir / "brief.pdf")
    return Outputs(
        pdf_text="\n".join(page.extract_text() or "" for page in reader.pages),
        html=(out_dir / "brief.html").read_text(encoding="utf-8"),
        text=(out_dir / "brief.txt").read_text(encoding="utf-8"),
        data=json.loads((out_dir / "brief.json").read_text(encoding="utf-8")),
    )
