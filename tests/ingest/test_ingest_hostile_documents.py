"""Hostile or unreadable documents in a folder: each refused with a reason recorded against
the file; the rest of the folder loads; nothing half-written."""

from __future__ import annotations

import io
import json
from pathlib import Path

import sqlalchemy as sa
from fpdf import FPDF
from pypdf import PdfReader, PdfWriter

from palermo.security.permissions import Actor
from palermo.services.context import Context
from palermo.services.ingest import ingest_path
from palermo.simulate import simulate
from palermo.store.models import EvidenceFile, Record
from palermo.store.models.documents import Document, DocumentPage


def _pdf(text: str) -> bytes:
    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("helvetica", size=12)
    pdf.cell(text=text)
    return bytes(pdf.output())


def _encrypted(pdf_bytes: bytes) -> bytes:
    writer = PdfWriter()
    for page in PdfReader(io.BytesIO(pdf_bytes)).pages:
        writer.add_page(page)
    writer.encrypt("secret")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def test_each_unreadable_document_is_refused_with_a_reason(
    ctx: Context, prosecutor: Actor, case_ref: str, tmp_path: Path
) -> None:
    folder = tmp_path / "evidence"
    folder.mkdir()
    good = _pdf("He took my passport when we arrived.")
    (folder / "statement.pdf").write_bytes(good)
    (folder / "locked.pdf").write_bytes(_encrypted(good))
    (folder / "corrupt.pdf").write_bytes(good[: len(good) // 3])
    (folder / "junk.txt").write_bytes(bytes(range(256)) * 40)
    (folder / "mystery.xyz").write_bytes(b"\x00\x01\x02 unknown format")
    (folder / "note.txt").write_text("Call me on +1 202 555 0147.")

    report = ingest_path(ctx, prosecutor, case_ref, folder)
    outcome = {f.name: f for f in report.files}
    assert outcome["statement.pdf"].status == "loaded"
    assert outcome["note.txt"].status == "loaded"
    for name, words in {
        "locked.pdf": "encrypt",
        "corrupt.pdf": "pdf",
        "junk.txt": "text",
        "mystery.xyz": "format",
    }.items():
        assert outcome[name].status in {"failed", "skipped"}, name
        assert name in outcome[name].message or words in outcome[name].message.lower(), name
        assert words in outcome[name].message.lower(), (name, outcome[name].message)

    with ctx.db.session() as session:
        files = {f.original_name: f for f in session.scalars(sa.select(EvidenceFile))}
        documents = session.scalar(sa.select(sa.func.count()).select_from(Document))
    assert files["locked.pdf"].status == "failed" and files["locked.pdf"].problem
    assert documents == 2  # only the two readable documents, nothing half-written


def test_simulated_case_documents_and_records_ingest_with_the_right_counts(
    ctx: Context, prosecutor: Actor, case_ref: str, tmp_path: Path
) -> None:
    out = tmp_path / "sim"
    summary = simulate("domestic_servitude", 400, 9, out)
    answer_key = (out / "ground_truth.json").replace(tmp_path / "truth.json")
    report = ingest_path(ctx, prosecutor, case_ref, out)
    assert report.failed == 0, [(f.name, f.message) for f in report.files if f.message]
    truth = json.loads(answer_key.read_text())
    assert truth["typology"] == "domestic_servitude"
    with ctx.db.session() as session:
        by_kind = dict(
            session.execute(sa.select(Record.kind, sa.func.count()).group_by(Record.kind)).all()
        )
        pages = session.scalar(sa.select(sa.func.count()).select_from(DocumentPage))
    for kind, key in (("call", "calls"), ("payment", "payments"), ("trip", "trips")):
        assert by_kind[kind] == summary.counts[key], kind
    # Chat exports add their messages to the CSV ones.
    assert by_kind["message"] >= summary.counts["messages"]
    assert pages and pages > 0
