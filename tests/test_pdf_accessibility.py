"""brief.pdf is tagged PDF/UA-1: read back with pypdf (structure tree, reading order,
catalog, XMP, link descriptions) and checked by qpdf; PDF/A-3u on request."""

from __future__ import annotations

import shutil
import subprocess
import xml.etree.ElementTree as ET
from dataclasses import replace
from io import BytesIO
from pathlib import Path

import pytest
from pdf_structure import Element, page_texts, read_structure, unreached_text
from pypdf import PdfReader
from pypdf.generic import DictionaryObject
from render_samples import make_brief

from briefing.brief import AlsoNoted, Brief, PreviousBrief
from briefing.config import load_config
from briefing.errors import ConfigError, RenderError
from briefing.pipeline import build_brief
from briefing.render.environment import generated_line, long_date, make_environment
from briefing.render.pdf import brief_pdf_bytes, pdf_bytes

pytestmark = pytest.mark.slow

RDF = "{http://www.w3.org/1999/02/22-rdf-syntax-ns#}"
PDFUAID = "{http://www.aiim.org/pdfua/ns/id/}"
PDFAID = "{http://www.aiim.org/pdfa/ns/id/}"
DC = "{http://purl.org/dc/elements/1.1/}"


def _flat(text: str) -> str:
    return " ".join(text.split())


@pytest.fixture(scope="module")
def brief() -> Brief:
    """A brief with every section: notes, top lines, an update, also noted, sources."""
    sample = make_brief(16)
    stories = list(sample.stories)
    stories[1] = replace(
        stories[1], is_update=True,
        previous_brief=PreviousBrief(brief_id=3, date="2025-03-03", slug="2025-03-03"),
    )
    also = (
        AlsoNoted(story_id="x1", headline="Ferry timetable changes for the spring",
                  outlets=("Metro Daily",), article_count=1,
                  url="https://metrodaily.example/story/ferry"),
        AlsoNoted(story_id="x2", headline="Library extends opening hours",
                  outlets=("Valley Gazette",), article_count=2),
    )
    return replace(sample, stories=tuple(stories), also_noted=also)


@pytest.fixture(scope="module")
def data(brief: Brief) -> bytes:
    return brief_pdf_bytes(brief, make_environment())


@pytest.fixture(scope="module")
def reader(data: bytes) -> PdfReader:
    return PdfReader(BytesIO(data))


@pytest.fixture(scope="module")
def structure(reader: PdfReader) -> Element:
    return read_structure(reader)


def _catalog(reader: PdfReader) -> DictionaryObject:
    catalog = reader.trailer["/Root"].get_object()
    assert isinstance(catalog, DictionaryObject)
    return catalog


def _xmp(reader: PdfReader) -> ET.Element:
    stream = _catalog(reader)["/Metadata"].get_object()
    return ET.fromstring(stream.get_data().decode("utf-8").split("?>", 1)[1].rsplit("<?", 1)[0])


def _xmp_value(xmp: ET.Element, name: str) -> str | None:
    """An XMP property written either as an attribute or as an element."""
    for description in xmp.iter(f"{RDF}Description"):
        if name in description.attrib:
            return description.attrib[name]
        found = description.find(name)
        if found is not None:
            return (found.text or "").strip()
    return None


def _link_annotations(reader: PdfReader) -> list[DictionaryObject]:
    annotations = []
    for page in reader.pages:
        for reference in page.get("/Annots") or []:
            annotation = reference.get_object()
            if annotation.get("/Subtype") == "/Link":
                annotations.append(annotation)
    return annotations


def test_catalog_declares_tagged_content_language_and_title(
    reader: PdfReader, data: bytes, brief: Brief
) -> None:
    catalog = _catalog(reader)
    assert "/StructTreeRoot" in catalog
    assert bool(catalog["/MarkInfo"]["/Marked"])
    assert str(catalog["/Lang"]) == brief.language
    assert bool(catalog["/ViewerPreferences"]["/DisplayDocTitle"])
    assert data.startswith(b"%PDF-1.7")
    for page in reader.pages:
        assert page["/Tabs"] == "/S"  # tab order follows the structure
    assert reader.metadata is not None and reader.metadata.title == brief.title


def test_xmp_identifies_pdf_ua_1_with_title_and_author(reader: PdfReader, brief: Brief) -> None:
    xmp = _xmp(reader)
    assert _xmp_value(xmp, f"{PDFUAID}part") == "1"
    titles = [li.text for li in xmp.iter(f"{RDF}li") if li.text == brief.title]
    assert titles, "dc:title holds the brief's title"
    creator = xmp.find(f".//{DC}creator")
    assert creator is not None and brief.author in ET.tostring(creator, encoding="unicode")


def test_headings_lists_and_links_are_tagged(structure: Element, brief: Brief) -> None:
    headings = [_flat(h.text) for h in structure.find("H1")]
    assert headings == [brief.title]
    sections = [_flat(h.text) for h in structure.find("H2")]
    stories = [f"{n}. {'Update: ' if s.is_update else ''}{_flat(s.headline)}"
               for n, s in enumerate(brief.stories, start=1)]
    assert sections == ["Top lines", "Developing stories", *stories, "Also noted", "Sources"]
    items = structure.find("LI")
    bullets = sum(len(s.bullets) for s in brief.stories)
    expected_items = len(brief.top_lines) + len(brief.developing) + bullets \
        + len(brief.also_noted) + len(brief.sources)
    assert len(items) == expected_items
    for item in items:
        roles = [child.role for child in item.children]
        assert "LBody" in roles, roles
    assert len(structure.find("L")) >= len(brief.stories) + 4


def test_bullet_markers_are_read_with_their_items(structure: Element, brief: Brief) -> None:
    """The marker of a list item comes right before its text, not at the end of the page."""
    bulleted = [item for item in structure.find("LI") if item.children[0].role == "Lbl"]
    assert len(bulleted) >= sum(len(s.bullets) for s in brief.stories)
    for item in bulleted:
        assert item.children[0].text.strip() == "•"
        assert item.children[1].role == "LBody" and item.children[1].text.strip()


def test_every_link_is_a_tagged_link_with_a_description(
    reader: PdfReader, structure: Element, brief: Brief
) -> None:
    annotations = _link_annotations(reader)
    assert len(annotations) > len(brief.sources)
    tagged = [a for link in structure.find("Link") for a in link.annotations]
    assert len(tagged) == len(annotations)
    assert all("/StructParent" in a for a in annotations)
    by_number = {source.number: source for source in brief.sources}
    for annotation in annotations:
        description = str(annotation["/Contents"])
        uri = str(annotation["/A"]["/URI"])
        assert uri.startswith(("http://", "https://"))
        if description.startswith("Source "):
            number = int(description.split(":")[0].removeprefix("Source "))
            source = by_number[number]
            assert description.startswith(f"Source {number}: {_flat(source.title)}")
            assert source.outlet in description
        else:
            assert description == "Also noted: Ferry timetable changes for the spring"
    described = {str(a["/Contents"]) for a in annotations}
    assert not any(d.startswith("http") for d in described), "a URL is no description"


def test_reading_order_is_title_block_top_lines_stories_sources(
    structure: Element, brief: Brief
) -> None:
    text = _flat(structure.text)
    expected = [
        brief.title, long_date(brief.generated_at), brief.coverage, *brief.notes,
        "Top lines", *(b.text for b in brief.top_lines),
        "Developing stories",
    ]
    for story in brief.stories:
        expected += [story.headline, *(b.text for b in story.bullets)]
    expected += [item.headline for item in brief.also_noted]
    expected += ["Sources", *(s.title for s in brief.sources)]
    expected.append(generated_line(brief.generated_at))
    position = 0
    for piece in expected:
        found = text.find(_flat(piece), position)
        assert found >= 0, f"{piece!r} missing or out of order"
        position = found + len(_flat(piece))


def test_running_header_and_page_numbers_stay_out_of_the_reading(
    reader: PdfReader, structure: Element, brief: Brief
) -> None:
    assert len(reader.pages) > 1
    text = _flat(structure.text)
    assert "Page 1 of" not in text
    assert text.count(brief.title) == 1  # the title block, not the header of every page
    outside = _flat(unreached_text(reader, structure))
    assert f"Page {len(reader.pages)} of {len(reader.pages)}" in outside
    leftover = outside
    for number in range(1, len(reader.pages) + 1):
        leftover = leftover.replace(f"Page {number} of {len(reader.pages)}", "")
    leftover = leftover.replace(brief.title, "").replace(long_date(brief.generated_at), "")
    assert leftover.strip() == "", "only the running header and page numbers are left out"
    for page in page_texts(reader).values():
        assert page.untagged.strip() == ""


def test_qpdf_finds_the_tagged_pdf_clean(data: bytes, tmp_path: Path) -> None:
    _qpdf_check(data, tmp_path)


def _qpdf_check(data: bytes, tmp_path: Path) -> None:
    qpdf = shutil.which("qpdf")
    if qpdf is None:
        pytest.skip("qpdf is not installed (Debian package qpdf; .ci/run installs it)")
    path = tmp_path / "brief.pdf"
    path.write_bytes(data)
    done = subprocess.run([qpdf, "--check", str(path)], capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "No syntax or stream encoding errors" in done.stdout


def test_pdf_a_3u_is_the_same_tagged_pdf_ua_file_and_archival(
    brief: Brief, tmp_path: Path
) -> None:
    data = brief_pdf_bytes(brief, make_environment(), variant="pdf/a-3u")
    reader = PdfReader(BytesIO(data))
    xmp = _xmp(reader)
    assert _xmp_value(xmp, f"{PDFAID}part") == "3"
    assert _xmp_value(xmp, f"{PDFAID}conformance") == "U"
    assert _xmp_value(xmp, f"{PDFUAID}part") == "1"
    # PDF/A allows pdfuaid only with an extension schema that declares it.
    schema = ET.tostring(xmp, encoding="unicode")
    assert "<pdfaSchema:prefix>pdfuaid</pdfaSchema:prefix>" in schema \
        or ">pdfuaid</" in schema
    catalog = _catalog(reader)
    intents = catalog["/OutputIntents"]
    assert intents[0].get_object()["/S"] == "/GTS_PDFA1"
    assert "/ID" in reader.trailer
    assert bool(catalog["/ViewerPreferences"]["/DisplayDocTitle"])
    structure = read_structure(reader)
    assert [_flat(h.text) for h in structure.find("H1")] == [brief.title]
    for annotation in _link_annotations(reader):
        assert annotation["/F"] == 4  # printable, as PDF/A requires
        assert str(annotation["/Contents"]).startswith(("Source ", "Also noted: "))
    _qpdf_check(data, tmp_path)
    # Nothing random in it (a reproducible build): the same brief, the same bytes.
    assert brief_pdf_bytes(brief, make_environment(), variant="pdf/a-3u") == data


def test_links_to_earlier_briefs_are_never_file_links(reader: PdfReader, data: bytes) -> None:
    """Relative archive links would resolve against the assets folder: a machine path."""
    uris = [str(a["/A"]["/URI"]) for a in _link_annotations(reader) if "/A" in a]
    assert not any(uri.startswith("file:") for uri in uris)
    assert b"file:" not in data
    text = _flat("".join(page.extract_text() for page in reader.pages))
    assert "New since the brief of 2025-03-03" in text


def test_an_unknown_variant_is_refused() -> None:
    with pytest.raises(RenderError, match="unknown PDF variant 'pdf/x-4'"):
        pdf_bytes("<p>x</p>", variant="pdf/x-4")


def test_config_offers_the_two_variants(tmp_path: Path) -> None:
    (tmp_path / "briefing.toml").write_text('[brief]\npdf_variant = "pdf/x-1a"\n')
    with pytest.raises(ConfigError, match=r"brief.pdf_variant must be one of pdf/ua-1, pdf/a-3u"):
        load_config(tmp_path / "briefing.toml")
    (tmp_path / "briefing.toml").write_text('[brief]\npdf_variant = "pdf/a-3u"\n')
    assert load_config(tmp_path / "briefing.toml").brief.pdf_variant == "pdf/a-3u"
    assert load_config(cwd=tmp_path / "none").brief.pdf_variant == "pdf/ua-1"


def test_a_build_with_pdf_a_3u_writes_an_archival_brief_pdf(tmp_path: Path) -> None:
    (tmp_path / "briefing.toml").write_text('[brief]\npdf_variant = "pdf/a-3u"\n')
    config = load_config(tmp_path / "briefing.toml")
    result = build_brief(config, engine="extractive")
    xmp = _xmp(PdfReader(result.files.pdf))
    assert _xmp_value(xmp, f"{PDFAID}part") == "3"
    assert _xmp_value(xmp, f"{PDFUAID}part") == "1"
