"""Images (JPEG, PNG, GIF, TIFF, WebP, BMP, HEIC): metadata only, no OCR in this version."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from palermo.ingest.readers._common import suffix
from palermo.ingest.readers.base import DocumentText, ReadContext, ReadError, ReadOutput

NOTE = "image: no OCR in this version"
_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"\xff\xd8\xff", "JPEG"),
    (b"\x89PNG\r\n\x1a\n", "PNG"),
    (b"GIF87a", "GIF"),
    (b"GIF89a", "GIF"),
    (b"II*\x00", "TIFF"),
    (b"MM\x00*", "TIFF"),
    (b"BM", "BMP"),
)
_SUFFIXES = frozenset(
    {".jpg", ".jpeg", ".png", ".gif", ".tif", ".tiff", ".webp", ".bmp", ".heic", ".heif"}
)
# EXIF tags worth showing an investigator (camera, time, place).
_EXIF_TAGS = {
    271: "make",
    272: "model",
    305: "software",
    306: "datetime",
    36867: "datetime_original",
    315: "artist",
}
_GPS_IFD = 0x8825


def image_format(head: bytes) -> str | None:
    for magic, fmt in _MAGIC:
        if head.startswith(magic):
            return fmt
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "WEBP"
    if head[4:8] == b"ftyp" and head[8:12] in {b"heic", b"heix", b"mif1", b"msf1", b"heif"}:
        return "HEIC"
    return None


class ImageReader:
    name = "image"

    def sniff(self, path: Path, head: bytes) -> bool:
        return image_format(head) is not None

    def read(self, path: Path, context: ReadContext) -> ReadOutput:
        file = str(path)
        with path.open("rb") as fh:
            head = fh.read(32)
        fmt = image_format(head)
        if fmt is None:
            kind = "an image extension" if suffix(path) in _SUFFIXES else "no image signature"
            raise ReadError(file, f"not a known image format ({kind})")
        metadata: dict[str, Any] = {"format": fmt, "size_bytes": path.stat().st_size}
        metadata.update(_pillow_metadata(path, file, fmt))
        doc = DocumentText(
            media_type=f"image/{fmt.lower()}",
            title=path.name,
            pages=[],
            metadata=metadata,
            note=NOTE,
        )
        return ReadOutput(source_kind="image", document=doc)


def _pillow_metadata(path: Path, file: str, fmt: str) -> dict[str, Any]:
    try:
        # Pillow ships with fpdf2; without it, only the signature is reported.
        from PIL import Image, UnidentifiedImageError
    except ImportError:  # pragma: no cover - Pillow is a dependency of fpdf2
        return {}
    out: dict[str, Any] = {}
    try:
        with Image.open(path) as img:
            img.verify()  # must come straight after open; the image is reopened below
        with Image.open(path) as img:
            out["width"], out["height"] = img.size
            out["mode"] = img.mode
            exif = img.getexif()
            tags = {name: _plain(exif[tag]) for tag, name in _EXIF_TAGS.items() if tag in exif}
            try:
                exif_ifd = exif.get_ifd(0x8769)
            except (KeyError, ValueError, TypeError):
                exif_ifd = {}
            for tag, name in _EXIF_TAGS.items():
                if tag in exif_ifd:
                    tags[name] = _plain(exif_ifd[tag])
            gps = exif.get_ifd(_GPS_IFD) if _GPS_IFD in exif else {}
            if gps:
                tags["gps"] = {str(k): _plain(v) for k, v in gps.items()}
            if tags:
                out["exif"] = tags
    except UnidentifiedImageError:
        if fmt == "HEIC":  # Pillow needs a plugin for HEIC; the signature is enough here.
            return out
        raise ReadError(file, f"corrupt image: {fmt} signature but unreadable") from None
    except (OSError, SyntaxError, ValueError) as exc:
        raise ReadError(file, f"corrupt image: {exc}") from exc
    return out


def _plain(value: Any) -> Any:
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="replace").strip("\x00")
    if isinstance(value, tuple):
        return [_plain(v) for v in value]
    if isinstance(value, int | str | float):
        return value
    try:
        return float(value)
    except (TypeError, ValueError):
        return str(value)


reader = ImageReader()
