"""Resource limits on one evidence file, checked by streaming before any reader loads it.

A reader library (python-docx, pypdf, BeautifulSoup) loads a whole document into memory,
so a small hostile file can take gigabytes and minutes: a DOCX of millions of empty
paragraphs, an XML part that declares entities (billion laughs), a PDF that claims
100,000 pages. :func:`inspect` looks first, in constant memory:

- zip-based documents (DOCX, XLSX, PPTX, ODF): the entry count, each part's declared and
  actual expanded size, the total expanded size and the compression ratio, counted while
  decompressing; every XML part is parsed with expat as it streams, refusing any DTD
  (entity expansion) and counting depth, elements and paragraphs;
- PDF: the page count the file declares;
- documents a reader holds whole in memory (plain text, HTML, e-mail, chat exports): size.

It returns the reason a file is refused, naming the file, the limit and its value, or
``None``. Nothing here reads the database or the evidence store.
"""

from __future__ import annotations

import re
import warnings
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from xml.parsers import expat

from palermo.settings import Settings

CHUNK = 256 * 1024
ZIP_MAGIC = b"PK\x03\x04"
IMAGE_MAGIC = (b"\x89PNG", b"\xff\xd8\xff", b"GIF8", b"II*\x00", b"MM\x00*", b"BM", b"RIFF")
XML_SUFFIXES = (".xml", ".rels", ".vml")
# Readers that read the whole file into memory before parsing it.
IN_MEMORY_READERS = frozenset({"text", "html", "eml", "mbox", "whatsapp", "telegram", "sms_backup"})


@dataclass(frozen=True, slots=True)
class DocumentLimits:
    """Per-file limits (defaults as in :class:`palermo.settings.Settings`)."""

    max_expanded_bytes: int = 256 * 1024**2
    max_entries: int = 10_000
    max_ratio: float = 200.0
    ratio_floor_bytes: int = 1024 * 1024
    max_xml_depth: int = 256
    max_xml_elements: int = 5_000_000
    max_paragraphs: int = 200_000
    max_pdf_pages: int = 5_000
    max_in_memory_bytes: int = 64 * 1024**2
    max_image_pixels: int = 100_000_000

    @classmethod
    def from_settings(cls, settings: Settings) -> DocumentLimits:
        return cls(
            max_expanded_bytes=settings.max_document_expanded_bytes,
            max_entries=settings.max_archive_entries,
            max_ratio=settings.max_archive_ratio,
            max_xml_depth=settings.max_xml_depth,
            max_xml_elements=settings.max_xml_elements,
            max_paragraphs=settings.max_paragraphs,
            max_pdf_pages=settings.max_pdf_pages,
            max_in_memory_bytes=settings.max_document_bytes,
            max_image_pixels=settings.max_image_pixels,
        )


class LimitExceeded(Exception):
    """A file over one of the limits; ``str()`` names the limit."""


def inspect(path: Path, limits: DocumentLimits, reader_name: str | None = None) -> str | None:
    """Why ``path`` must not be read (a limit it exceeds), or ``None``.

    ``reader_name`` is the reader that would read it, when known (for the in-memory
    size limit). Files that are merely corrupt are left to their reader, which says why.
    """
    try:
        with path.open("rb") as handle:
            head = handle.read(1024)
        size = path.stat().st_size
    except OSError:
        return None
    try:
        if head.startswith(ZIP_MAGIC):
            check_package(path, limits)
        elif head.lstrip()[:5] == b"%PDF-":
            check_pdf(path, limits)
        elif head.startswith(IMAGE_MAGIC):
            check_image(path, limits)
        elif reader_name in IN_MEMORY_READERS:
            if size > limits.max_in_memory_bytes:
                raise LimitExceeded(
                    f"document too large to read ({size:,} bytes; the limit for "
                    f"{reader_name} files is {limits.max_in_memory_bytes:,})"
                )
            if reader_name == "mbox":
                check_mailbox(path, limits)
            elif reader_name == "html":
                check_html(path, limits)
    except LimitExceeded as exc:
        return str(exc)
    return None


# --- zip packages (OOXML, ODF) -----------------------------------------------------------


class _XmlBudget:
    def __init__(self, limits: DocumentLimits) -> None:
        self.limits = limits
        self.elements = 0
        self.paragraphs = 0


def check_package(path: Path, limits: DocumentLimits) -> None:
    """Raise LimitExceeded if the zip package at ``path`` is over a limit."""
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, EOFError, ValueError):
        return  # the reader reports a corrupt file
    compressed = max(path.stat().st_size, 1)
    budget = _XmlBudget(limits)
    total = 0
    with archive:
        entries = archive.infolist()
        if len(entries) > limits.max_entries:
            raise LimitExceeded(
                f"too many parts in the package ({len(entries):,}; "
                f"the limit is {limits.max_entries:,})"
            )
        declared = sum(i.file_size for i in entries)
        if declared > limits.max_expanded_bytes:
            raise LimitExceeded(_expanded(declared, limits, "declares"))
        for info in entries:
            if info.is_dir() or info.flag_bits & 0x1:
                continue
            is_xml = info.filename.lower().endswith(XML_SUFFIXES)
            parser = _xml_parser(info.filename, budget) if is_xml else None
            try:
                with archive.open(info) as source:
                    while chunk := source.read(CHUNK):
                        total += len(chunk)
                        if total > limits.max_expanded_bytes:
                            raise LimitExceeded(_expanded(total, limits, "expands to over"))
                        if (
                            total > limits.ratio_floor_bytes
                            and total / compressed > limits.max_ratio
                        ):
                            raise LimitExceeded(
                                f"compression ratio above {limits.max_ratio:g}:1 "
                                "(a decompression bomb is suspected)"
                            )
                        if parser is not None:
                            parser.Parse(chunk, False)
                    if parser is not None:
                        parser.Parse(b"", True)
            except expat.ExpatError:
                continue  # malformed XML: the reader reports it (sizes stay bounded)
            except (zipfile.BadZipFile, zlib.error, EOFError, OSError, NotImplementedError):
                continue  # corrupt part: the reader reports it


def _expanded(size: int, limits: DocumentLimits, verb: str) -> str:
    return (
        f"the package {verb} {size:,} bytes unpacked (the limit is {limits.max_expanded_bytes:,})"
    )


def _xml_parser(part: str, budget: _XmlBudget) -> expat.XMLParserType:
    """An expat parser that refuses a DTD and counts depth, elements and paragraphs."""
    parser = expat.ParserCreate()
    limits = budget.limits
    depth = 0

    def refuse(reason: str) -> None:
        raise LimitExceeded(f"{part}: {reason}")

    def start(name: str, _attrs: dict[str, str]) -> None:
        nonlocal depth
        depth += 1
        budget.elements += 1
        if depth > limits.max_xml_depth:
            refuse(f"XML nested deeper than {limits.max_xml_depth:,} levels")
        if budget.elements > limits.max_xml_elements:
            refuse(f"more than {limits.max_xml_elements:,} XML elements")
        if name == "p" or name.endswith(":p"):
            budget.paragraphs += 1
            if budget.paragraphs > limits.max_paragraphs:
                refuse(f"more than {limits.max_paragraphs:,} paragraphs")

    def end(_name: str) -> None:
        nonlocal depth
        depth -= 1

    def doctype(*_args: object) -> None:
        refuse("XML with a document type declaration (entity expansion is refused)")

    def entity(*_args: object) -> None:
        refuse("XML declares entities (entity expansion is refused)")

    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.StartDoctypeDeclHandler = doctype
    parser.EntityDeclHandler = entity
    return parser


# --- PDF ---------------------------------------------------------------------------------


def check_pdf(path: Path, limits: DocumentLimits) -> None:
    """Raise LimitExceeded if the PDF has, or declares, more pages than the limit."""
    from pypdf import PdfReader

    try:
        pdf = PdfReader(path)
        root: Any = pdf.trailer["/Root"]
        declared = root["/Pages"].get("/Count", 0)
        # The declared count first: walking a huge page tree is itself the cost to avoid.
        count = int(declared) if isinstance(declared, int) else 0
        if count <= limits.max_pdf_pages:
            count = max(count, len(pdf.pages))
    except Exception:  # corrupt or encrypted: the reader says why
        return
    if count > limits.max_pdf_pages:
        raise LimitExceeded(f"the PDF has {count:,} pages (the limit is {limits.max_pdf_pages:,})")


# --- images ------------------------------------------------------------------------------


def check_image(path: Path, limits: DocumentLimits) -> None:
    """Raise LimitExceeded if the image declares more pixels than the limit (header only)."""
    from PIL import Image

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(path) as image:
                width, height = image.size
    except Image.DecompressionBombError as exc:
        raise LimitExceeded(f"the image is too large to decode ({exc})") from exc
    except Exception:  # not an image, or corrupt: the reader says why
        return
    if width * height > limits.max_image_pixels:
        raise LimitExceeded(
            f"the image is {width:,} x {height:,} pixels "
            f"(the limit is {limits.max_image_pixels:,} pixels)"
        )


# --- mailboxes and HTML --------------------------------------------------------------------

_TAG = re.compile(rb"<(/?)([A-Za-z][A-Za-z0-9:-]*)[^>]*?(/?)>")
# Elements that never hold others, or whose end tag is commonly left out: not nesting.
_HTML_FLAT = frozenset(
    b"area base br col embed hr img input link meta source track wbr p li dt dd option "
    b"tr td th thead tbody tfoot colgroup rp rt".split()
)


def check_mailbox(path: Path, limits: DocumentLimits) -> None:
    """Raise LimitExceeded if the mailbox holds more messages than an archive may hold files."""
    count = 0
    with path.open("rb") as handle:
        for line in handle:
            if line.startswith(b"From "):
                count += 1
                if count > limits.max_entries:
                    raise LimitExceeded(
                        f"too many messages in the mailbox (over {limits.max_entries:,}); "
                        "split it into smaller mailboxes"
                    )


def check_html(path: Path, limits: DocumentLimits) -> None:
    """Raise LimitExceeded if the page nests elements deeper than four times the XML depth
    limit (sloppy pages leave tags open) or holds more elements than the element limit,
    counted on the raw tags without parsing."""
    data = path.read_bytes()
    max_depth = 4 * limits.max_xml_depth
    depth = 0
    elements = 0
    for match in _TAG.finditer(data):
        closing, name, self_closing = match.groups()
        if name.lower() in _HTML_FLAT or self_closing:
            continue
        if closing:
            depth = max(depth - 1, 0)
            continue
        depth += 1
        elements += 1
        if depth > max_depth:
            raise LimitExceeded(f"HTML nested deeper than {max_depth:,} levels")
        if elements > limits.max_xml_elements:
            raise LimitExceeded(f"more than {limits.max_xml_elements:,} HTML elements")
