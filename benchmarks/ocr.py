"""OCR benchmark: pages/s and character accuracy on a scanned 20-page bank statement.

    .venv/bin/python benchmarks/ocr.py                 # 20 pages at 300 dpi
    .venv/bin/python benchmarks/ocr.py --pages 5 --dpi 200 --noise 0.003

1. Prints a 20-page statement (fixed seed: the same text every run) to a PDF with fpdf2
   and the DejaVu Sans font (Debian fonts-dejavu-core), one line per cell, so the
   printed lines are the ground truth.
2. "Scans" it: rasterises every page with poppler's ``pdftoppm`` at ``--dpi``, blurs it
   slightly, rotates it by a fraction of a degree, adds salt-and-pepper noise, and wraps
   the page images in an image-only PDF (no text layer).
3. Ingests the scan into a fresh SQLite case through the product path (``ingest_path``,
   then the OCR run the web upload starts in the background) and times the OCR run.
4. Character accuracy per page = 1 - Levenshtein distance / length of the printed text,
   both with whitespace runs collapsed to one space (rapidfuzz); prints the mean, the
   worst page and pages/s.

The noise, blur and skew here were chosen before measuring and never tuned to the result;
the OCR settings were set on the tests' own small statement, not on this one.
"""

from __future__ import annotations

import argparse
import random
import re
import shutil
import subprocess
import tempfile
import time
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

from fpdf import FPDF
from PIL import Image, ImageFilter
from rapidfuzz.distance import Levenshtein
from sqlalchemy import select

from palermo.security.permissions import SYSTEM, Actor
from palermo.services import cases, ocr, users
from palermo.services.context import Context
from palermo.services.ingest import ingest_path
from palermo.settings import Settings
from palermo.store.models import Role
from palermo.store.models.documents import DocumentPage

FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
SECRET = "ef" * 32
LINES_PER_PAGE = 38
PAYEES = [
    "Transfer to M. Constantin",
    "Cash withdrawal ATM 4471",
    "Western Union 8812-4471",
    "Rent Flat 3, 12 Hope Street",
    "Hotel Cosmin room 12",
    "Card payment FASTBUS TICKETS",
    "Transfer from A. Popescu",
    "Mobile top-up +44 7700 900123",
    "Payment to Escort Agency Ltd",
    "Salary Cleaning Services SRL",
]


def statement_pages(pages: int, seed: int = 20) -> list[list[str]]:
    rng = random.Random(seed)
    balance = Decimal("4310.55")
    day = date(2024, 1, 2)
    out: list[list[str]] = []
    for number in range(1, pages + 1):
        lines = [
            f"NORTHBANK PLC  Statement of account  Page {number} of {pages}",
            "Account holder: Mr Ionut Marin  IBAN GB82 WEST 1234 5698 7654 32",
            "Date        Description                              Amount     Balance",
        ]
        while len(lines) < LINES_PER_PAGE:
            amount = Decimal(rng.randrange(500, 250000)) / 100
            if rng.random() < 0.7:
                amount = -amount
            balance += amount
            day += timedelta(days=rng.randrange(0, 3))
            payee = rng.choice(PAYEES)
            lines.append(f"{day.isoformat()}  {payee:<38} {amount:>10,.2f} {balance:>11,.2f}")
        out.append(lines)
    return out


def print_pdf(pages: list[list[str]], path: Path) -> None:
    pdf = FPDF(format="A4")
    pdf.add_font("DejaVu", fname=str(FONT))
    pdf.set_font("DejaVu", size=10)
    pdf.set_auto_page_break(False)
    for lines in pages:
        pdf.add_page()
        pdf.set_xy(15, 18)
        for line in lines:
            pdf.cell(w=0, h=6.5, text=line, new_x="LMARGIN", new_y="NEXT")
            pdf.set_x(15)
    pdf.output(str(path))


def scan_pdf(clean: Path, scanned: Path, dpi: int, noise: float, seed: int = 3) -> None:
    rng = random.Random(seed)
    with tempfile.TemporaryDirectory() as work:
        subprocess.run(
            ["pdftoppm", "-r", str(dpi), "-gray", "-png", str(clean), f"{work}/p"], check=True
        )
        images = []
        for png in sorted(Path(work).glob("p-*.png")):
            with Image.open(png) as page:
                img = page.convert("L")
            img = img.rotate(rng.uniform(-0.6, 0.6), fillcolor=255, expand=False)
            img = img.filter(ImageFilter.GaussianBlur(0.5))
            pixels = img.load()
            assert pixels is not None
            w, h = img.size
            for _ in range(int(w * h * noise)):
                pixels[rng.randrange(w), rng.randrange(h)] = rng.choice((0, 255))
            images.append(img)
    images[0].save(scanned, "PDF", resolution=dpi, save_all=True, append_images=images[1:])


def fresh_case(data_dir: Path) -> tuple[Context, Actor]:
    settings = Settings(data_dir=data_dir, secret_key=SECRET, ocr_dpi=300)
    ctx = Context.create(settings)
    unit_id = users.ensure_unit(ctx, "bench", "Benchmark unit", "GB")
    actor = users.create_user(
        ctx,
        SYSTEM,
        username="bench",
        password="benchmark password",
        role=Role.PROSECUTOR,
        unit_id=unit_id,
    ).actor
    cases.create_case(
        ctx,
        actor,
        reference="BENCH-OCR",
        title="OCR benchmark",
        jurisdiction="GB",
        unit_id=unit_id,
    )
    return ctx, actor


def _flat(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=20)
    parser.add_argument("--dpi", type=int, default=300, help="scan resolution (200-300)")
    parser.add_argument("--noise", type=float, default=0.002, help="share of noisy pixels")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="palermo-ocr-bench-"))
    try:
        truth = statement_pages(args.pages)
        clean, scanned = work / "statement.pdf", work / "scanned-statement.pdf"
        print_pdf(truth, clean)
        scan_pdf(clean, scanned, args.dpi, args.noise)
        ctx, actor = fresh_case(work / "data")
        report = ingest_path(ctx, actor, "BENCH-OCR", scanned)
        file_id = report.files[0].evidence_file_id
        assert file_id is not None, report.summary()
        jobs = ocr.queue_for_files(ctx, actor, "BENCH-OCR", [file_id])
        started = time.perf_counter()
        view = ocr.run_job(ctx, actor, jobs[0])
        seconds = time.perf_counter() - started
        assert view.status == ocr.DONE, view.message
        with ctx.db.session() as session:
            texts = dict(session.execute(select(DocumentPage.number, DocumentPage.text)).all())
        accuracies = []
        for number, lines in enumerate(truth, start=1):
            expected = _flat("\n".join(lines))
            got = _flat(texts.get(number, ""))
            errors = Levenshtein.distance(expected, got)
            accuracies.append(max(0.0, 1 - errors / len(expected)))
        mean = sum(accuracies) / len(accuracies)
        worst = min(range(len(accuracies)), key=accuracies.__getitem__)
        chars = sum(len(_flat("\n".join(lines))) for lines in truth)
        print(
            f"OCR: {args.pages} scanned pages ({args.dpi} dpi, noise {args.noise:.2%}, "
            f"{chars:,} printed characters) in {seconds:.1f} s"
        )
        print(f"  pages/s            {args.pages / seconds:.2f}")
        print(f"  seconds/page       {seconds / args.pages:.2f}")
        print(
            f"  character accuracy {mean:.2%} (mean of pages; worst page {worst + 1}: "
            f"{accuracies[worst]:.2%})"
        )
        ctx.db.dispose()
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
