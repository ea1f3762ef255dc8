"""OCR of scanned pages with Tesseract: page images in, text with word boxes out.

No database and no HTTP here. ``pages_to_read`` says which pages of a stored document
need OCR (a PDF page with no text layer, every frame of an image); ``page_image``
rasterises one PDF page with poppler's ``pdftoppm`` or opens one image frame with
Pillow; ``recognise`` runs Tesseract and returns the page text with, for every word,
its character span in that text, its box in image pixels and its confidence.

Bad input raises ``OcrError`` with a message naming the file and page: a corrupt image,
a page poppler cannot render, a language pack that is not installed.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

# Tesseract's OpenMP threads fight each other on small machines; one per process is
# faster there (set before pytesseract starts its first subprocess; a user's value wins).
os.environ.setdefault("OMP_THREAD_LIMIT", "1")

DEFAULT_DPI = 300
# Tesseract codes the form offers; any installed pack is accepted.
LANGUAGE_NAMES = {
    "eng": "English",
    "spa": "Spanish",
    "fra": "French",
    "deu": "German",
    "por": "Portuguese",
    "ita": "Italian",
    "ron": "Romanian",
    "nld": "Dutch",
    "rus": "Russian",
    "ukr": "Ukrainian",
    "ara": "Arabic",
    "tha": "Thai",
    "vie": "Vietnamese",
    "chi_sim": "Chinese (simplified)",
}
# Default OCR language by the country part of a case's jurisdiction (US-FED -> US).
_COUNTRY_LANGUAGES = {
    "ES": "spa",
    "MX": "spa",
    "AR": "spa",
    "CO": "spa",
    "CL": "spa",
    "PE": "spa",
    "VE": "spa",
    "EC": "spa",
    "GT": "spa",
    "CU": "spa",
    "BO": "spa",
    "DO": "spa",
    "HN": "spa",
    "PY": "spa",
    "SV": "spa",
    "NI": "spa",
    "CR": "spa",
    "PA": "spa",
    "UY": "spa",
    "FR": "fra",
    "DE": "deu",
    "AT": "deu",
    "PT": "por",
    "BR": "por",
    "IT": "ita",
    "RO": "ron",
    "NL": "nld",
}
_LANG_CODE = re.compile(r"^[a-z]{3}(_[a-z]{3,4})?$")
# Below this Tesseract confidence (0-100) a "word" is noise, not text.
MIN_WORD_CONFIDENCE = 20.0


class OcrError(Exception):
    """Bad input for OCR; the message names the file and the page."""


@dataclass(frozen=True, slots=True)
class Word:
    start: int  # character offsets of the word in the page text
    end: int
    left: int  # box in image pixels
    top: int
    width: int
    height: int
    confidence: float  # Tesseract's, 0-100

    def as_list(self) -> list[Any]:
        return [
            self.start,
            self.end,
            self.left,
            self.top,
            self.width,
            self.height,
            round(self.confidence, 1),
        ]


@dataclass(slots=True)
class OcrResult:
    """One page read by OCR."""

    number: int
    text: str
    width: int
    height: int
    dpi: int | None
    words: list[Word] = field(default_factory=list)

    @property
    def mean_confidence(self) -> float | None:
        if not self.words:
            return None
        return round(sum(w.confidence for w in self.words) / len(self.words), 1)


def default_languages(jurisdiction: str | None) -> str:
    """The OCR languages a case starts with, from its jurisdiction (eng otherwise)."""
    country = (jurisdiction or "").strip().upper()[:2]
    return _COUNTRY_LANGUAGES.get(country, "eng")


def installed_languages() -> list[str]:
    """Tesseract language packs installed on this machine (empty without Tesseract)."""
    if shutil.which("tesseract") is None:
        return []
    import pytesseract

    try:
        found = pytesseract.get_languages(config="")
    except (pytesseract.TesseractError, OSError):
        return []
    return sorted(code for code in found if code != "osd")


def parse_languages(value: str, installed: Iterable[str]) -> str:
    """'spa+eng' (or 'spa, eng') checked against the installed packs; ValueError says
    which code is unknown or missing."""
    codes = [c for c in re.split(r"[+,\s]+", value.strip().lower()) if c]
    if not codes:
        raise ValueError("choose at least one OCR language")
    if len(codes) > 4:
        raise ValueError("at most 4 OCR languages at once (each one slows OCR down)")
    have = set(installed)
    for code in codes:
        if not _LANG_CODE.match(code):
            raise ValueError(f"'{code}' is not a Tesseract language code (e.g. eng, spa)")
        if code not in have:
            shown = ", ".join(sorted(have)) or "none"
            raise ValueError(f"OCR language '{code}' is not installed (installed: {shown})")
    return "+".join(dict.fromkeys(codes))


def tesseract_available() -> bool:
    return shutil.which("tesseract") is not None


# --- page images ---------------------------------------------------------------------------


def is_pdf(path: Path) -> bool:
    try:
        with path.open("rb") as fh:
            return fh.read(1024).lstrip().startswith(b"%PDF-")
    except OSError:
        return False


def image_frames(path: Path, name: str) -> int:
    """How many pages (frames) an image holds: 1, or more for a multi-page TIFF."""
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(path) as img:
            return max(1, int(getattr(img, "n_frames", 1)))
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError, EOFError) as exc:
        raise OcrError(f"{name}: corrupt image, cannot be read ({exc})") from exc
    except Image.DecompressionBombError as exc:
        raise OcrError(f"{name}: image too large to read ({exc})") from exc


def page_image(path: Path, name: str, number: int, dpi: int = DEFAULT_DPI) -> Any:
    """Page ``number`` (1-based) of a PDF (rasterised at ``dpi``) or an image, as an
    RGB or greyscale Pillow image loaded in memory."""
    from PIL import Image, ImageOps, UnidentifiedImageError

    if is_pdf(path):
        return _rasterise_pdf_page(path, name, number, dpi)
    try:
        with Image.open(path) as img:
            if number > 1:
                img.seek(number - 1)
            img.load()
            frame = ImageOps.exif_transpose(img) or img
            if frame.mode not in ("RGB", "L"):
                frame = frame.convert("RGB")
            return frame.copy()
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError, EOFError) as exc:
        raise OcrError(f"{name}, page {number}: corrupt image, cannot be read ({exc})") from exc
    except Image.DecompressionBombError as exc:
        raise OcrError(f"{name}, page {number}: image too large to read ({exc})") from exc


def _rasterise_pdf_page(path: Path, name: str, number: int, dpi: int) -> Any:
    from PIL import Image

    pdftoppm = shutil.which("pdftoppm")
    if pdftoppm is None:
        raise OcrError(f"{name}: cannot render PDF pages (pdftoppm from poppler-utils missing)")
    with tempfile.TemporaryDirectory(prefix="ocr-") as workdir:
        out = Path(workdir) / "page"
        try:
            subprocess.run(
                [
                    *(pdftoppm, "-r", str(dpi), "-f", str(number), "-l", str(number)),
                    *("-gray", "-png", "-singlefile", str(path), str(out)),
                ],
                check=True,
                capture_output=True,
                timeout=120,
            )
        except subprocess.TimeoutExpired as exc:
            raise OcrError(f"{name}, page {number}: rendering took too long") from exc
        except subprocess.CalledProcessError as exc:
            detail = exc.stderr.decode("utf-8", "replace").strip().splitlines()
            why = detail[-1] if detail else f"exit code {exc.returncode}"
            raise OcrError(f"{name}, page {number}: PDF page cannot be rendered ({why})") from exc
        png = out.with_suffix(".png")
        if not png.exists():
            raise OcrError(f"{name}, page {number}: PDF page cannot be rendered (no image)")
        with Image.open(png) as img:
            img.load()
            return img.copy()


# --- recognition ---------------------------------------------------------------------------


def recognise(image: Any, languages: str, number: int, name: str, dpi: int | None) -> OcrResult:
    """Tesseract over one page image: its text (lines kept, paragraphs separated by a
    blank line) and every word's span, box and confidence."""
    import pytesseract

    # Page segmentation 4 (one column of lines of varying size), not 3 (automatic): with 3
    # Tesseract reads a statement's table column by column (all dates, then all
    # amounts), so a date and an amount of one row no longer sit together in the text.
    # Rows kept together matter more in evidence than multi-column layouts (newspapers).
    # No --dpi hint: on upscaled or noisy scans it made Tesseract drop whole lines in
    # trials; it measures the text size itself.
    config = "--psm 4"
    try:
        data = pytesseract.image_to_data(
            image, lang=languages, config=config, output_type=pytesseract.Output.DICT
        )
    except pytesseract.TesseractNotFoundError as exc:
        raise OcrError(f"{name}: Tesseract is not installed (Debian: tesseract-ocr)") from exc
    except pytesseract.TesseractError as exc:
        raise OcrError(f"{name}, page {number}: Tesseract failed ({exc.message})") from exc
    width, height = image.size
    return _assemble(data, number, int(width), int(height), dpi)


def _assemble(
    data: dict[str, list[Any]], number: int, width: int, height: int, dpi: int | None
) -> OcrResult:
    parts: list[str] = []
    words: list[Word] = []
    length = 0
    last_line: tuple[int, int, int] | None = None
    last_par: tuple[int, int] | None = None
    for i, raw in enumerate(data.get("text", [])):
        text = str(raw or "").strip()
        try:
            conf = float(data["conf"][i])
        except (TypeError, ValueError):
            conf = -1.0
        if not text or conf < MIN_WORD_CONFIDENCE:
            continue
        par = (int(data["block_num"][i]), int(data["par_num"][i]))
        line = (*par, int(data["line_num"][i]))
        if last_line is not None:
            sep = " " if line == last_line else ("\n" if par == last_par else "\n\n")
            parts.append(sep)
            length += len(sep)
        last_line, last_par = line, par
        start = length
        parts.append(text)
        length += len(text)
        words.append(
            Word(
                start,
                length,
                int(data["left"][i]),
                int(data["top"][i]),
                int(data["width"][i]),
                int(data["height"][i]),
                conf,
            )
        )
    return OcrResult(number, "".join(parts), width, height, dpi, words)


def read_page(
    path: Path, name: str, number: int, languages: str, dpi: int = DEFAULT_DPI
) -> OcrResult:
    """Render (or open) page ``number`` of ``path`` and read it."""
    image = page_image(path, name, number, dpi)
    used_dpi = dpi if is_pdf(path) else _image_dpi(image)
    return recognise(image, languages, number, name, used_dpi)


def _image_dpi(image: Any) -> int | None:
    info = getattr(image, "info", {}) or {}
    value = info.get("dpi")
    try:
        dpi = round(float(value[0])) if value else None
    except (TypeError, ValueError, IndexError):
        return None
    # Screenshots often claim 72 dpi; Tesseract then guesses better on its own.
    return dpi if dpi and dpi >= 100 else None


def boxes_for_span(words: list[list[Any]], start: int, end: int) -> list[tuple[int, int, int, int]]:
    """The boxes (left, top, width, height) of the stored words a character span covers."""
    return [
        (int(w[2]), int(w[3]), int(w[4]), int(w[5]))
        for w in words
        if int(w[0]) < end and int(w[1]) > start
    ]
