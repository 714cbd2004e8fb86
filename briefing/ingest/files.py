"""Read articles from files and folders: .txt, .md and .html.

Each readable file becomes a ``RawDocument``. A file that cannot be used
(unreadable, binary, empty, unsupported) becomes a ``SkippedFile`` value, not an
exception, so one bad file never sinks the run; only a path that does not exist
at all is an error, because that is almost always a typo.

Text and Markdown files may open with a front-matter block::

    ---
    title: Port workers walk out as pay talks collapse
    outlet: The Harbour Ledger
    url: https://www.harbourledger.example/2026/11/18/port-strike
    published: 2026-11-18T07:30:00+00:00
    ---

Files are read only up to ``limits.max_file_bytes`` and their text is cut to
``limits.max_article_chars``, so a 20 MB file never reaches memory, a prompt
or the PDF whole.
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from briefing.caps import cap_document
from briefing.config import Limits
from briefing.errors import SourceError
from briefing.ingest.html import extract_html
from briefing.ingest.markdown import markdown_to_text
from briefing.ingest.outlet import site_host
from briefing.normalize import normalize_document
from briefing.text import cut_text
from briefing.types import RawDocument

logger = logging.getLogger(__name__)

TEXT_SUFFIXES = {".txt", ".text"}
MARKDOWN_SUFFIXES = {".md", ".markdown"}
HTML_SUFFIXES = {".html", ".htm"}
SUPPORTED_SUFFIXES = TEXT_SUFFIXES | MARKDOWN_SUFFIXES | HTML_SUFFIXES
#: Files in an article folder that are documentation, not articles.
IGNORED_NAMES = {"readme.md", "readme.txt", "readme", "license", "license.txt", "license.md"}

_FRONT_MATTER = re.compile(r"\A---[ \t]*\r?\n(.*?)\r?\n---[ \t]*(?:\r?\n|\Z)", re.DOTALL)
_FRONT_MATTER_KEYS = {"title", "outlet", "url", "published", "date", "source", "author"}


@dataclass(frozen=True, slots=True)
class SkippedFile:
    """A file that was not used, and why (shown to the user as a warning)."""

    path: Path
    reason: str

    def __str__(self) -> str:
        return f"{self.path}: skipped: {self.reason}"


@dataclass(frozen=True, slots=True)
class ReadResult:
    documents: tuple[RawDocument, ...]
    skipped: tuple[SkippedFile, ...]


def read_paths(
    paths: Sequence[Path],
    *,
    source: str | None = None,
    outlet: str | None = None,
    limits: Limits | None = None,
) -> ReadResult:
    """Read every supported file under ``paths`` (files or folders, recursively).

    ``source`` names the configured source (defaults to each path's name);
    ``outlet`` is the publication for files that do not state their own and
    lie directly in the source folder. A file's outlet is, first found: the one
    it states (front matter, og:site_name, JSON-LD publisher), its sub-folder's
    name, ``outlet``, the host of its URL ("nj.com"); else unknown ("").
    Raises ``SourceError`` only for a path that does not exist.
    """
    limits = limits or Limits()
    documents: list[RawDocument] = []
    skipped: list[SkippedFile] = []
    for root in paths:
        if not root.exists():
            raise SourceError(f"{root}: no such file or folder")
        source_name = source or root.name
        # A folder given as a source is not an outlet ("seeds", "html"); its
        # sub-folders may be (documented: articles/harbour-ledger/x.txt).
        for file, folder_outlet in _walk(root):
            result = read_file(
                file, source=source_name, outlet=folder_outlet or outlet, limits=limits
            )
            if isinstance(result, SkippedFile):
                logger.warning("%s", result)
                skipped.append(result)
            else:
                documents.append(cap_document(result, limits))
    return ReadResult(tuple(documents), tuple(skipped))


def _walk(root: Path) -> Iterator[tuple[Path, str | None]]:
    """Yield (file, outlet guess) in a stable order; a file's sub-folder names its outlet."""
    if root.is_file():
        yield root, None
        return
    inside = root.resolve()
    for parts in _entries(root):
        file = root.joinpath(*parts)
        if file.is_symlink() and not _leads_inside(file, inside):
            # The folder given is the boundary: a link out of it (to ~/.ssh, /etc...)
            # is never read, whoever put it there.
            logger.warning("%s: a symbolic link to outside %s, not followed", file, root)
            continue
        if not file.is_file() or file.name.lower() in IGNORED_NAMES:
            continue
        if file.suffix.lower() not in SUPPORTED_SUFFIXES:
            logger.debug("%s: not an article format, ignored", file)
            continue
        guess = _outlet_from_folder(parts[0]) if len(parts) > 1 else None
        yield file, guess


def _entries(root: Path) -> list[tuple[str, ...]]:
    """Every file and linked folder under ``root`` (as path parts, sorted as paths sort),
    hidden ones (.git, .DS_Store) left out: they are never articles. Linked folders are
    listed, not entered (``_walk`` decides about links)."""
    found: list[tuple[str, ...]] = []
    for folder, folders, files in os.walk(root):
        here = Path(folder).relative_to(root).parts
        folders[:] = [name for name in folders if not name.startswith(".")]
        links = [name for name in folders if os.path.islink(os.path.join(folder, name))]
        found += [(*here, name) for name in [*files, *links] if not name.startswith(".")]
    return sorted(found)


def _leads_inside(link: Path, folder: Path) -> bool:
    """Whether the symbolic link ``link`` ends, after every hop, inside ``folder``."""
    try:
        target = link.resolve()
    except (OSError, RuntimeError):  # a loop of links
        return False
    return target == folder or folder in target.parents


def _outlet_from_folder(name: str) -> str:
    """'harbour-ledger' -> 'Harbour Ledger': a readable outlet name from a folder name."""
    words = re.split(r"[-_\s]+", name.strip())
    return " ".join(word[:1].upper() + word[1:] for word in words if word) or name


def read_file(
    path: Path, *, source: str, outlet: str | None = None, limits: Limits | None = None
) -> RawDocument | SkippedFile:
    """Read one article file, or say why it cannot be used."""
    limits = limits or Limits()
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        return SkippedFile(path, f"unsupported file type {suffix or '(none)'!r}")
    try:
        with path.open("rb") as handle:
            data = handle.read(limits.max_file_bytes + 1)
    except OSError as error:
        return SkippedFile(path, f"cannot read: {error.strerror or error}")
    cut_at_read = len(data) > limits.max_file_bytes
    data = data[: limits.max_file_bytes]
    text = _decode(data)
    if text is None:
        return SkippedFile(path, "binary data, not text")
    if not text.strip():
        return SkippedFile(path, "empty file")

    meta: dict[str, str] = {}
    host = ""
    if suffix in HTML_SUFFIXES:
        extracted = extract_html(text)
        if extracted is None:
            return SkippedFile(path, "no article text found in the HTML")
        body, meta = extracted.text, extracted.meta
        host = meta.get("host", "")
    else:
        meta, body = _split_front_matter(text)
        host = site_host(_http_url(meta.get("url")))
        if suffix in MARKDOWN_SUFFIXES:
            heading, body = markdown_to_text(body)
            if heading and "title" not in meta:
                meta["title"] = heading
    if not body.strip():
        return SkippedFile(path, "no article text")

    truncated = cut_at_read or len(body) > limits.max_article_chars
    body = cut_text(body, limits.max_article_chars)
    if truncated:
        logger.warning("%s: longer than the limit, cut to %d characters", path, len(body))
    document = RawDocument(
        source=source,
        location=str(path),
        text=body,
        title=meta.get("title") or None,
        url=_http_url(meta.get("url")),
        outlet=meta.get("outlet") or outlet or host or None,
        published=_parse_date(meta.get("published") or meta.get("date"), path)
        or _date_in_name(path),
        truncated=truncated,
    )
    normalized = normalize_document(document)  # entities, stray markup, mojibake, spaces
    if not normalized.text:
        return SkippedFile(path, "no article text")
    return normalized


def _decode(data: bytes) -> str | None:
    """Decode text files of unknown encoding; None for binary data."""
    if b"\x00" in data[:8192]:
        return None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        # A multi-byte character cut by the size limit is not a wrong encoding.
        if error.start >= len(data) - 3:
            return data[: error.start].decode("utf-8-sig")
    text = data.decode("cp1252", errors="replace")
    controls = sum(1 for ch in text[:8192] if ord(ch) < 32 and ch not in "\t\n\r\f")
    return None if controls > len(text[:8192]) * 0.05 else text


def _split_front_matter(text: str) -> tuple[dict[str, str], str]:
    match = _FRONT_MATTER.match(text)
    if not match:
        return {}, text
    meta: dict[str, str] = {}
    for line in match.group(1).splitlines():
        key, sep, value = line.partition(":")
        key = key.strip().lower()
        if sep and key in _FRONT_MATTER_KEYS:
            meta[key] = value.strip().strip("\"'")
    return meta, text[match.end() :]


def _http_url(url: str | None) -> str | None:
    """Only http(s) addresses are kept: anything else must never become a link."""
    if url and re.match(r"(?i)^https?://[^\s/]+", url.strip()):
        return url.strip()
    return None


_NAME_DATE = re.compile(r"(?<!\d)(20\d\d)-([01]\d)-([0-3]\d)(?!\d)")


def _date_in_name(path: Path) -> datetime | None:
    """A date the file is named after ("2026-11-20-strike.txt"), at midday UTC, or None.

    Without it an undated file could not take its place in a developing story.
    """
    match = _NAME_DATE.search(path.name)
    if match is None:
        return None
    year, month, day = (int(part) for part in match.groups())
    try:
        return datetime(year, month, day, 12, tzinfo=UTC)
    except ValueError:
        return None


def _parse_date(value: str | None, path: Path) -> datetime | None:
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        logger.warning("%s: published date %r is not ISO 8601, ignored", path, value)
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)

