"""OCR of scans through the product path: ingest, the OCR run, extraction, provenance."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import select
from tests.ocr_scans import STATEMENT, write_scan_png, write_scanned_pdf

from palermo.ingest.readers import ocr as core
from palermo.security.permissions import Actor
from palermo.services import ingest, ocr, review
from palermo.services.context import Context
from palermo.services.errors import InvalidInput, PermissionDenied
from palermo.store.models import Assertion, AuditEntry
from palermo.store.models.documents import Document, DocumentPage
from palermo.store.models.ocr import OcrJob, OcrPage

pytestmark = pytest.mark.skipif(
    not {"eng", "spa"} <= set(core.installed_languages()),
    reason="Tesseract with eng and spa is a system dependency (make system-deps)",
)


def _ingest_and_ocr(ctx: Context, actor: Actor, case_ref: str, path: Path) -> ocr.JobView:
    report = ingest.ingest_path(ctx, actor, case_ref, path)
    assert report.ok, report.summary()
    file_id = report.files[0].evidence_file_id
    assert file_id is not None
    jobs = ocr.queue_for_files(ctx, actor, case_ref, [file_id])
    assert len(jobs) == 1
    seen: list[tuple[int, int]] = []
    view = ocr.run_job(ctx, actor, jobs[0], progress=lambda _n, d, t: seen.append((d, t)))
    if view.status != ocr.FAILED:
        assert seen[0] == (0, view.pages_total)
        assert seen[-1] == (view.pages_total, view.pages_total)
    return view


def test_scanned_statement_becomes_text_with_indicators_highlighted(
    ctx: Context, prosecutor: Actor, case_ref: str, tmp_path: Path
) -> None:
    pdf = write_scanned_pdf(tmp_path / "statement.pdf", [STATEMENT[:3], STATEMENT[3:]])
    view = _ingest_and_ocr(ctx, prosecutor, case_ref, pdf)
    assert view.status == ocr.DONE, view.message
    assert (view.pages_done, view.pages_total) == (2, 2)

    with ctx.db.session() as session:
        doc = session.scalars(select(Document)).one()
        pages = dict(
            session.execute(
                select(DocumentPage.number, DocumentPage.text).where(
                    DocumentPage.document_id == doc.id
                )
            ).all()
        )
        boxes = {p.number: p for p in session.scalars(select(OcrPage))}
        assert doc.doc_metadata["ocr"]["languages"] == "eng"  # a US case
        evidence_id = doc.evidence_file_id
    assert "took my passport" in pages[1]
    assert "not allowed to leave" in pages[1]
    assert "+1 202 555 0143" in pages[2]
    # Provenance: every word has its span in the page text and a box on the page image.
    first = boxes[1]
    assert first.dpi == ctx.settings.ocr_dpi and first.width == int(8.5 * first.dpi)
    assert first.mean_confidence is not None and first.mean_confidence > 80
    for start, end, left, top, width, height, conf in first.words:
        assert pages[1][start:end].strip() == pages[1][start:end]
        assert 0 <= left < first.width and 0 <= top < first.height and width > 0 and height > 0
        assert 0 <= conf <= 100
    passport = next(w for w in first.words if pages[1][w[0] : w[1]] == "passport")
    leave = next(w for w in first.words if pages[1][w[0] : w[1]].startswith("leave"))
    assert passport[3] < leave[3]  # line 2 above line 3 on the page

    shown = review.document_view(ctx, prosecutor, case_ref, evidence_id, 1)
    indicators = {s.kind for s in shown.suggestions if s.predicate == "indicator"}
    assert {"document_retention", "restriction_of_movement"} <= indicators
    page_one = shown.pages[0]
    marked = "".join(seg.text for seg in page_one.segments if seg.marks)
    assert "took my passport" in marked
    with ctx.db.session() as session:
        phones = {
            (a.value, a.locator)
            for a in session.scalars(select(Assertion).where(Assertion.predicate == "identifier"))
        }
    assert ("+12025550143", "page 2") in phones

    scan = ocr.document_ocr(ctx, prosecutor, case_ref, evidence_id, shown.suggestions)
    assert set(scan.pages) == {1, 2}
    assert scan.pages[1].marks, "the indicator's words are boxed on the scan"
    for _sid, _status, rects in scan.pages[1].marks:
        for left, top, width, height in rects:
            assert 0 <= left < first.width and 0 <= top < first.height
            assert width > 0 and height > 0

    png = ocr.page_png(ctx, prosecutor, case_ref, evidence_id, 2)
    assert png.startswith(b"\x89PNG")


def test_ocr_is_audited_and_not_repeated(
    ctx: Context, prosecutor: Actor, case_ref: str, tmp_path: Path
) -> None:
    pdf = write_scanned_pdf(tmp_path / "one.pdf", [STATEMENT])
    view = _ingest_and_ocr(ctx, prosecutor, case_ref, pdf)
    again = ocr.run_job(ctx, prosecutor, view.id)
    assert again.status == ocr.DONE
    report = ingest.ingest_path(ctx, prosecutor, case_ref, pdf)
    assert report.duplicates == 1
    assert ocr.queue_for_files(ctx, prosecutor, case_ref, [view.evidence_file_id]) == []
    with ctx.db.session() as session:
        actions = list(session.scalars(select(AuditEntry.action)))
        assert actions.count("evidence.ocr") == 1
        suggestions = review.document_view(ctx, prosecutor, case_ref, view.evidence_file_id)
        assert len({s.kind for s in suggestions.suggestions}) >= 3


def test_phone_screenshot_png_is_read(
    ctx: Context, prosecutor: Actor, case_ref: str, tmp_path: Path
) -> None:
    png = write_scan_png(tmp_path / "screenshot.png", STATEMENT)
    view = _ingest_and_ocr(ctx, prosecutor, case_ref, png)
    assert view.status == ocr.DONE
    with ctx.db.session() as session:
        doc = session.scalars(select(Document)).one()
        assert doc.page_count == 1
        text = session.scalars(select(DocumentPage.text)).one()
    assert "not allowed to leave" in text


def test_image_without_text_says_no_text_found(
    ctx: Context, prosecutor: Actor, case_ref: str, tmp_path: Path
) -> None:
    path = tmp_path / "blank.png"
    Image.new("RGB", (800, 600), (200, 220, 240)).save(path)
    view = _ingest_and_ocr(ctx, prosecutor, case_ref, path)
    assert view.status == ocr.NO_TEXT
    assert "no text found" in (view.message or "")
    with ctx.db.session() as session:
        doc = session.scalars(select(Document)).one()
        assert doc.note == ocr.NO_TEXT_NOTE


def test_page_limit_refuses_with_a_clear_message(
    ctx: Context, prosecutor: Actor, case_ref: str, tmp_path: Path
) -> None:
    ctx.settings.ocr_max_pages = 2
    pdf = write_scanned_pdf(tmp_path / "long.pdf", [["page"]] * 3, dpi=50)
    view = _ingest_and_ocr(ctx, prosecutor, case_ref, pdf)
    assert view.status == ocr.FAILED
    assert view.message is not None
    assert "long.pdf: 3 pages" in view.message and "limit of 2" in view.message
    assert "PALERMO_OCR_MAX_PAGES" in view.message
    with ctx.db.session() as session:
        assert session.scalars(select(OcrPage)).all() == []
        assert session.scalars(select(OcrJob.pages_done)).one() == 0


def test_corrupt_image_fails_the_run_not_the_process(
    ctx: Context, prosecutor: Actor, case_ref: str, tmp_path: Path
) -> None:
    good = write_scan_png(tmp_path / "x.png", ["hello"])
    data = good.read_bytes()
    bad = tmp_path / "broken.png"
    bad.write_bytes(data[: len(data) // 3])  # a truncated PNG: signature but no image
    report = ingest.ingest_path(ctx, prosecutor, case_ref, bad)
    file = report.files[0]
    if file.status == ingest.Outcome.FAILED:  # the image reader already refused it
        assert "corrupt image" in file.message
        return
    assert file.evidence_file_id is not None
    jobs = ocr.queue_for_files(ctx, prosecutor, case_ref, [file.evidence_file_id])
    view = ocr.run_job(ctx, prosecutor, jobs[0])
    assert view.status == ocr.FAILED
    assert "broken.png" in (view.message or "") and "corrupt image" in (view.message or "")


def test_a_pdf_with_text_needs_no_ocr(
    ctx: Context, prosecutor: Actor, case_ref: str, tmp_path: Path
) -> None:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("helvetica", size=12)
    pdf.cell(text="They took my passport.")
    path = tmp_path / "typed.pdf"
    pdf.output(str(path))
    report = ingest.ingest_path(ctx, prosecutor, case_ref, path)
    file_id = report.files[0].evidence_file_id
    assert file_id is not None
    assert ocr.queue_for_files(ctx, prosecutor, case_ref, [file_id]) == []


def test_languages_default_from_jurisdiction_and_are_checked(
    ctx: Context, prosecutor: Actor, case_ref: str
) -> None:
    assert core.default_languages("ES") == "spa"
    assert core.default_languages("MX") == "spa"
    assert core.default_languages("GB-ENG") == "eng"
    assert core.default_languages("US-FED") == "eng"
    assert ocr.get_languages(ctx, prosecutor, case_ref) == "eng"
    assert ocr.set_languages(ctx, prosecutor, case_ref, "spa, eng") == "spa+eng"
    assert ocr.get_languages(ctx, prosecutor, case_ref) == "spa+eng"
    with pytest.raises(InvalidInput, match="'xxx' is not installed"):
        ocr.set_languages(ctx, prosecutor, case_ref, "spa+xxx")
    with pytest.raises(InvalidInput, match="not a Tesseract language code"):
        ocr.set_languages(ctx, prosecutor, case_ref, "../etc")


def test_spanish_statement_read_with_spanish(
    ctx: Context, prosecutor: Actor, case_ref: str, tmp_path: Path
) -> None:
    ocr.set_languages(ctx, prosecutor, case_ref, "spa")
    lines = ["DECLARACIÓN", "Me quitaron el pasaporte al llegar.", "No podía salir de la casa."]
    view = _ingest_and_ocr(ctx, prosecutor, case_ref, write_scan_png(tmp_path / "es.png", lines))
    assert view.languages == "spa"
    with ctx.db.session() as session:
        text = session.scalars(select(DocumentPage.text)).one()
    assert "DECLARACIÓN" in text and "No podía salir" in text


def test_scan_images_are_not_shown_to_roles_that_cannot_see_victims(
    ctx: Context, prosecutor: Actor, case_ref: str, tmp_path: Path, make_user: object
) -> None:
    from palermo.services import cases
    from palermo.store.models import Role

    view = _ingest_and_ocr(
        ctx, prosecutor, case_ref, write_scanned_pdf(tmp_path / "s.pdf", [STATEMENT])
    )
    analyst = make_user(Role.ANALYST)  # type: ignore[operator]
    cases.add_member(ctx, prosecutor, case_ref, analyst.username)
    with pytest.raises(PermissionDenied, match="scan images"):
        ocr.page_png(ctx, analyst, case_ref, view.evidence_file_id, 1)
    assert not ocr.document_ocr(ctx, analyst, case_ref, view.evidence_file_id, []).can_see_scan


def test_an_unexpected_error_fails_the_run_with_its_reason(
    ctx: Context,
    prosecutor: Actor,
    case_ref: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    png = write_scan_png(tmp_path / "s.png", ["hello"])
    report = ingest.ingest_path(ctx, prosecutor, case_ref, png)
    file_id = report.files[0].evidence_file_id
    assert file_id is not None
    jobs = ocr.queue_for_files(ctx, prosecutor, case_ref, [file_id])

    def broken(*_args: object, **_kwargs: object) -> object:
        raise MemoryError("out of memory")

    monkeypatch.setattr(core, "read_page", broken)
    view = ocr.run_job(ctx, prosecutor, jobs[0])
    assert view.status == ocr.FAILED
    assert "MemoryError: out of memory" in (view.message or "")
    # Not left running: the document page offers to read it again.
    again = ocr.request_ocr(ctx, prosecutor, case_ref, file_id, None)
    assert again != jobs[0]
