"""Read a tagged PDF the way a screen reader does: its structure tree, in order.

pypdf gives the pieces: each page's content stream (whose text runs sit in
marked-content sequences numbered by MCID, or in /Artifact sequences) and the
structure tree (elements whose kids are other elements, MCIDs of a page, or
object references to annotations). ``read_structure`` walks the tree depth
first, the order assistive technology reads it in, and joins each element's
text from the MCIDs below it.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from pypdf import PdfReader
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject


@dataclass
class Element:
    """One structure element: its type (``"H1"``, ``"LI"``...), text and children."""

    role: str
    text: str = ""
    children: list[Element] = field(default_factory=list)
    #: For /Link elements: the annotations they own (resolved dictionaries).
    annotations: list[DictionaryObject] = field(default_factory=list)
    #: For a marked-content reference: (page object number, MCID).
    mcid: tuple[int, int] | None = None

    def walk(self) -> list[Element]:
        """This element and every one below it, in reading order."""
        found = [self]
        for child in self.children:
            found.extend(child.walk())
        return found

    def find(self, role: str) -> list[Element]:
        return [element for element in self.walk() if element.role == role]


@dataclass
class PageText:
    #: Text of each marked-content sequence with an MCID, by MCID.
    marked: dict[int, str]
    #: Text inside /Artifact sequences (running headers, page numbers).
    artifacts: str
    #: Text in neither: a screen reader would meet it outside any structure.
    untagged: str


class _PageReader:
    """Sorts one page's text runs by the marked-content sequence they sit in."""

    def __init__(self) -> None:
        self.stack: list[tuple[str, int | None]] = []
        self.marked: dict[int, str] = defaultdict(str)
        self.artifacts = ""
        self.untagged = ""

    def operator(self, operator: bytes, operands: list[Any], cm: Any, tm: Any) -> None:
        if operator == b"BDC":
            properties = operands[1]
            mcid = properties.get("/MCID") if isinstance(properties, DictionaryObject) else None
            self.stack.append((str(operands[0]), None if mcid is None else int(mcid)))
        elif operator == b"BMC":
            self.stack.append((str(operands[0]), None))
        elif operator == b"EMC" and self.stack:
            self.stack.pop()

    def text(self, run: str, cm: Any, tm: Any, font: Any, size: Any) -> None:
        if any(tag == "/Artifact" for tag, _ in self.stack):
            self.artifacts += run
            return
        mcid = next((m for _, m in reversed(self.stack) if m is not None), None)
        if mcid is None:
            self.untagged += run
        else:
            self.marked[mcid] += run


def page_texts(reader: PdfReader) -> dict[int, PageText]:
    """Every page's text, split by how it is marked, by the page's object number."""
    pages: dict[int, PageText] = {}
    for page in reader.pages:
        sorter = _PageReader()
        page.extract_text(visitor_operand_before=sorter.operator, visitor_text=sorter.text)
        assert page.indirect_reference is not None
        pages[page.indirect_reference.idnum] = PageText(
            dict(sorter.marked), sorter.artifacts, sorter.untagged
        )
    return pages


def unreached_text(reader: PdfReader, structure: Element) -> str:
    """Marked text no structure element leads to (WeasyPrint's running headers)."""
    reached = {element.mcid for element in structure.walk() if element.mcid is not None}
    return "".join(
        text
        for page, texts in page_texts(reader).items()
        for mcid, text in sorted(texts.marked.items())
        if (page, mcid) not in reached
    )


def read_structure(reader: PdfReader) -> Element:
    """The document's structure tree, with the text of every element."""
    root = reader.trailer["/Root"].get_object()
    tree = root["/StructTreeRoot"].get_object()
    texts = page_texts(reader)
    document = Element("StructTreeRoot")
    for kid in _kids(tree):
        child = _element(kid, None, texts)
        if child is not None:
            document.children.append(child)
            document.text += child.text
    return document


def _kids(node: DictionaryObject) -> list[Any]:
    kids = node.get("/K")
    if kids is None:
        return []
    return list(kids) if isinstance(kids, ArrayObject) else [kids]


def _page_number(node: DictionaryObject, inherited: int | None) -> int | None:
    page = node.get("/Pg")
    return page.idnum if isinstance(page, IndirectObject) else inherited


def _element(node: Any, page: int | None, texts: dict[int, PageText]) -> Element | None:
    resolved = node.get_object() if isinstance(node, IndirectObject) else node
    if not isinstance(resolved, DictionaryObject):  # an MCID on the inherited page
        assert page is not None
        return _marked(page, int(resolved), texts)
    if resolved.get("/Type") == "/MCR":
        mcr_page = _page_number(resolved, page)
        assert mcr_page is not None
        return _marked(mcr_page, int(resolved["/MCID"]), texts)
    if resolved.get("/Type") == "/OBJR":
        return Element("OBJR", annotations=[resolved["/Obj"].get_object()])
    element = Element(str(resolved["/S"]).lstrip("/"))
    page = _page_number(resolved, page)
    for kid in _kids(resolved):
        child = _element(kid, page, texts)
        if child is None:
            continue
        if child.role == "OBJR":
            element.annotations.extend(child.annotations)
            continue
        element.children.append(child)
        element.text += child.text
    return element


def _marked(page: int, mcid: int, texts: dict[int, PageText]) -> Element:
    return Element("MCID", texts[page].marked.get(mcid, ""), mcid=(page, mcid))
