"""Small helpers shared by the document readers (decoding, sniffing, page building)."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

from charset_normalizer import from_bytes

from palermo.ingest.readers.base import ReadError

TEXT_SUFFIXES = frozenset({".txt", ".text", ".md", ".log", ".asc"})
# Control characters that never appear in real text (tab, newlines, form feed are fine).
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")
_BOMS: tuple[tuple[bytes, str], ...] = (
    (b"\xef\xbb\xbf", "utf-8-sig"),
    (b"\xff\xfe", "utf-16"),
    (b"\xfe\xff", "utf-16"),
)


def suffix(path: Path) -> str:
    return path.suffix.lower()


def decode_text(data: bytes, file: str) -> tuple[str, str]:
    """Decode bytes of a text file; returns (text, encoding) or raises ReadError "not text"."""
    if not data:
        return "", "utf-8"
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                return _checked(data.decode(encoding), file), encoding
            except UnicodeDecodeError:
                break
    try:
        return _checked(data.decode("utf-8"), file), "utf-8"
    except UnicodeDecodeError:
        pass
    if b"\x00" in data[:4096] and not _looks_utf16(data):
        raise ReadError(file, "not text: the file contains binary data")
    best = from_bytes(data).best()
    if best is None:
        raise ReadError(file, "not text: no text encoding fits the content")
    return _checked(str(best), file), str(best.encoding)


def _looks_utf16(data: bytes) -> bool:
    sample = data[:4096]
    # ASCII in UTF-16 leaves every other byte zero.
    zeros_odd = sample[1::2].count(0)
    zeros_even = sample[0::2].count(0)
    half = max(1, len(sample) // 2)
    return max(zeros_odd, zeros_even) / half > 0.6


def _checked(text: str, file: str) -> str:
    sample = text[:20000]
    if sample and len(_CONTROL.findall(sample)) / len(sample) > 0.01:
        raise ReadError(file, "not text: too many control characters (binary file?)")
    return text


def looks_like_text(head: bytes) -> bool:
    """Cheap check used by sniffers for files without a telling extension."""
    if not head:
        return False
    if b"\x00" in head and not _looks_utf16(head):
        return False
    try:
        sample = head.decode("utf-8")
    except UnicodeDecodeError as exc:
        # A multi-byte character cut at the end of the head is still text.
        if exc.start < len(head) - 4:
            return False
        sample = head[: exc.start].decode("utf-8", errors="ignore")
    return not sample or len(_CONTROL.findall(sample)) / len(sample) <= 0.01


def from_epoch_ms(value: str | int) -> datetime:
    return datetime.fromtimestamp(int(value) / 1000, tz=UTC)


def read_bytes(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise ReadError(str(path), f"cannot read file: {exc.strerror or exc}") from exc
