"""Scans made in the tests: text printed with a Debian font onto a page image, speckled
with noise, saved as a PNG or wrapped in an image-only PDF (no text layer)."""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

from PIL import Image, ImageDraw, ImageFilter, ImageFont

FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")

STATEMENT = [
    "WITNESS STATEMENT",
    "On arrival the driver took my passport and kept it.",
    "I was not allowed to leave the house without him.",
    "He said I had to pay a debt of 5000 USD.",
    "His phone number is +1 202 555 0143.",
]


def scan_image(
    lines: list[str], *, dpi: int = 200, noise: float = 0.002, seed: int = 7, width_in: float = 8.5
) -> Any:
    """A greyscale page with ``lines`` printed at 12 pt, a slight blur and salt-and-pepper
    noise on ``noise`` of the pixels (seeded: the same scan every run)."""
    width, height = int(width_in * dpi), int(11 * dpi)
    image = Image.new("L", (width, height), 255)
    draw = ImageDraw.Draw(image)
    font = ImageFont.truetype(str(FONT), int(12 / 72 * dpi))
    y = dpi
    for line in lines:
        draw.text((dpi, y), line, font=font, fill=20)
        y += int(0.3 * dpi)
    image = image.filter(ImageFilter.GaussianBlur(0.6))
    rng = random.Random(seed)
    pixels = image.load()
    assert pixels is not None
    for _ in range(int(width * height * noise)):
        pixels[rng.randrange(width), rng.randrange(height)] = rng.choice((0, 255))
    image.info["dpi"] = (dpi, dpi)
    return image


def write_scanned_pdf(path: Path, pages: list[list[str]], dpi: int = 200) -> Path:
    """An image-only PDF: one scanned page per list of lines."""
    images = [scan_image(lines, dpi=dpi, seed=i) for i, lines in enumerate(pages)]
    images[0].save(path, "PDF", resolution=dpi, save_all=True, append_images=images[1:])
    return path


def write_scan_png(path: Path, lines: list[str], dpi: int = 200) -> Path:
    scan_image(lines, dpi=dpi).save(path, "PNG", dpi=(dpi, dpi))
    return path
