"""brief.pdf: the print template laid out by WeasyPrint, as a tagged, accessible PDF.

Every brief.pdf is tagged PDF/UA-1 (ISO 14289-1), through WeasyPrint's
``pdf_variant``: a structure tree built from the print HTML (H1 title, H2
sections, L/LI/Lbl/LBody lists, Link elements), in reading order (title block,
top lines, stories, sources, colophon); the running header and page numbers
stay out of it. The catalog carries /Lang, /MarkInfo and DisplayDocTitle, the
XMP metadata the title, author, dates and the PDF/UA identifier, and every
link annotation a description a screen reader can speak ("Source 3: ...")
rather than a bare URL.

``[brief] pdf_variant = "pdf/a-3u"`` makes the same tagged PDF/UA-1 file an
archival PDF/A-3u one too (the PDF Association's dual conformance): WeasyPrint's
PDF/A-3u variant (sRGB output intent, file identifier, printable annotations,
PDF/A identification) with tags on, and the PDF/UA identifier added to its XMP
with the extension schema PDF/A requires for it.

Rendering the HTML (Jinja) and laying it out (WeasyPrint) are separate calls so
a benchmark can time each, and so the layout step can be fed any HTML.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from functools import partial
from pathlib import Path
from typing import Any

import jinja2
import pydyf
import weasyprint
from weasyprint.urls import iri_to_uri

from briefing.brief import Brief
from briefing.errors import RenderError
from briefing.fsutil import write_atomic
from briefing.render.context import ReaderLinks, template_context
from briefing.render.environment import http_url, render_template
from briefing.render.fetcher import AssetsOnlyFetcher, assets_dir

PDF_TEMPLATE = "brief.pdf.html.j2"
#: What ``[brief] pdf_variant`` accepts: tagged PDF/UA-1, or the same file as PDF/A-3u too.
PDF_VARIANTS = ("pdf/ua-1", "pdf/a-3u")
DEFAULT_PDF_VARIANT = "pdf/ua-1"

#: WeasyPrint's options per variant. ``None`` (an untagged PDF) is kept for the
#: benchmark's before/after comparison only; the config never offers it.
_WEASYPRINT_OPTIONS: dict[str | None, dict[str, Any]] = {
    None: {},
    "pdf/ua-1": {"pdf_variant": "pdf/ua-1"},
    "pdf/a-3u": {"pdf_variant": "pdf/a-3u", "pdf_tags": True},
}

#: Declares the PDF/UA identification schema to PDF/A validators (ISO 19005-2/3
#: 6.6.2.3: an XMP property outside the predefined schemas needs an extension
#: schema), then identifies the file as PDF/UA-1.
_PDF_UA_XMP = b"""<rdf:Description rdf:about=""
 xmlns:pdfaExtension="http://www.aiim.org/pdfa/ns/extension/"
 xmlns:pdfaSchema="http://www.aiim.org/pdfa/ns/schema#"
 xmlns:pdfaProperty="http://www.aiim.org/pdfa/ns/property#">
<pdfaExtension:schemas><rdf:Bag><rdf:li rdf:parseType="Resource">
<pdfaSchema:schema>PDF/UA Universal Accessibility Schema</pdfaSchema:schema>
<pdfaSchema:namespaceURI>http://www.aiim.org/pdfua/ns/id/</pdfaSchema:namespaceURI>
<pdfaSchema:prefix>pdfuaid</pdfaSchema:prefix>
<pdfaSchema:property><rdf:Seq><rdf:li rdf:parseType="Resource">
<pdfaProperty:name>part</pdfaProperty:name>
<pdfaProperty:valueType>Integer</pdfaProperty:valueType>
<pdfaProperty:category>internal</pdfaProperty:category>
<pdfaProperty:description>Part of ISO 14289 followed</pdfaProperty:description>
</rdf:li></rdf:Seq></pdfaSchema:property>
</rdf:li></rdf:Bag></pdfaExtension:schemas>
</rdf:Description>
<rdf:Description rdf:about="" xmlns:pdfuaid="http://www.aiim.org/pdfua/ns/id/">
<pdfuaid:part>1</pdfuaid:part>
</rdf:Description>
"""
_RDF_END = b"</rdf:RDF>"


def render_pdf_html(
    brief: Brief, env: jinja2.Environment, links: ReaderLinks | None = None
) -> str:
    """The print HTML for ``brief`` (input to ``pdf_bytes`` / ``write_pdf``); its links to
    earlier briefs are ``links``' absolute ones, or none (a PDF is read anywhere)."""
    return render_template(env, PDF_TEMPLATE, template_context(brief, links or ReaderLinks()))


def link_descriptions(brief: Brief) -> dict[str, str]:
    """What a screen reader says for each link of ``brief``'s PDF, by link target.

    Citations and the source list link to articles ("Source 3: title, outlet");
    "Also noted" lines to a story's first article. Keys are the targets as
    written and as WeasyPrint writes them in the PDF (an IRI as a URI).
    """
    descriptions: dict[str, str] = {}
    for item in brief.also_noted:
        url = http_url(item.url)
        if url:
            _describe(descriptions, url, f"Also noted: {item.headline}")
    for source in brief.sources:
        url = http_url(source.url)
        if url:
            outlet = f", {source.outlet}" if source.outlet else ""
            _describe(descriptions, url, f"Source {source.number}: {source.title}{outlet}")
    return descriptions


def _describe(descriptions: dict[str, str], url: str, description: str) -> None:
    descriptions[url] = descriptions[iri_to_uri(url)] = " ".join(description.split())


def brief_pdf_bytes(
    brief: Brief,
    env: jinja2.Environment,
    links: ReaderLinks | None = None,
    *,
    variant: str | None = DEFAULT_PDF_VARIANT,
) -> bytes:
    """``brief`` as a PDF: its print HTML laid out, its links described."""
    return pdf_bytes(
        render_pdf_html(brief, env, links), variant=variant,
        link_descriptions=link_descriptions(brief),
    )


def pdf_bytes(
    html: str,
    *,
    variant: str | None = DEFAULT_PDF_VARIANT,
    link_descriptions: Mapping[str, str] | None = None,
) -> bytes:
    """Lay out ``html`` as a PDF; only bundled template assets can be loaded.

    ``variant`` is one of ``PDF_VARIANTS`` (None: an untagged PDF, for comparison).
    ``link_descriptions`` maps a link's target to the description its annotation
    carries; other links are described by their target, as WeasyPrint does.
    """
    if variant not in _WEASYPRINT_OPTIONS:
        raise RenderError(f"unknown PDF variant {variant!r}; use one of {', '.join(PDF_VARIANTS)}")
    finisher = partial(_finish, variant=variant, descriptions=link_descriptions or {})
    try:
        document = weasyprint.HTML(
            string=html,
            # Relative references resolve into the assets folder, the one place the
            # fetcher allows.
            base_url=assets_dir().as_uri() + "/",
            url_fetcher=AssetsOnlyFetcher(),
        )
        with warnings.catch_warnings():
            # WeasyPrint's PDF/A output intent opens its bundled sRGB profile and leaves
            # the read-only file to the garbage collector; nothing of ours leaks.
            warnings.simplefilter("ignore", ResourceWarning)
            data = document.write_pdf(finisher=finisher, **_WEASYPRINT_OPTIONS[variant])
    except RenderError:
        raise
    # WeasyPrint raises whatever its parsers and font stack raise; none of it may
    # escape as a foreign exception.
    except Exception as error:
        raise RenderError(f"could not lay out the PDF: {type(error).__name__}: {error}") from error
    if not isinstance(data, bytes):  # write_pdf() without a target returns the bytes
        raise RenderError("could not lay out the PDF: WeasyPrint returned no data")
    return data


def write_pdf(html: str, path: Path, *, variant: str | None = DEFAULT_PDF_VARIANT) -> None:
    """Lay out ``html`` and write the PDF to ``path`` atomically."""
    write_atomic(path, pdf_bytes(html, variant=variant))


def _finish(
    document: Any, pdf: pydyf.PDF, *, variant: str | None, descriptions: Mapping[str, str]
) -> None:
    """WeasyPrint's finisher: the last touches to the PDF objects before they are written."""
    if variant is not None:
        _describe_links(pdf, descriptions)
    if variant == "pdf/a-3u":
        _identify_pdf_ua(pdf)


def _describe_links(pdf: pydyf.PDF, descriptions: Mapping[str, str]) -> None:
    for candidate in pdf.objects:
        if not isinstance(candidate, pydyf.Dictionary) or candidate.get("Subtype") != "/Link":
            continue
        action = candidate.get("A")
        target = action.get("URI") if isinstance(action, dict) else None
        if isinstance(target, pydyf.String):
            description = descriptions.get(str(target.string))
            if description:
                candidate["Contents"] = pydyf.String(description)


def _identify_pdf_ua(pdf: pydyf.PDF) -> None:
    """Add the PDF/UA-1 identification to the XMP metadata WeasyPrint wrote for PDF/A."""
    reference = pdf.catalog.get("Metadata")
    metadata = pdf.objects[int(reference.split()[0])] if isinstance(reference, bytes) else None
    if not isinstance(metadata, pydyf.Stream):
        raise RenderError("could not lay out the PDF: no XMP metadata to identify as PDF/UA")
    content = b"".join(
        part if isinstance(part, bytes) else str(part).encode() for part in metadata.stream
    )
    if content.count(_RDF_END) != 1:
        raise RenderError("could not lay out the PDF: unexpected XMP metadata")
    metadata.stream = [content.replace(_RDF_END, _PDF_UA_XMP + _RDF_END)]
