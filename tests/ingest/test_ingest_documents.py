"""Documents: text stored once with pages, extractions stored as suggested assertions,
attachments ingested as their own evidence files."""

from __future__ import annotations

from email.message import EmailMessage
from pathlib import Path

from sqlalchemy import delete, select

from palermo.security.permissions import Actor
from palermo.services import cases
from palermo.services.context import Context
from palermo.services.ingest import Outcome, ingest_path
from palermo.store.models import Assertion, EvidenceFile, PersonKind, Record
from palermo.store.models.documents import Document, DocumentPage

from .conftest import CALLS, WriteFile

STATEMENT = (
    "Statement of the witness.\n"
    "Marco Rossi told me to call +1 202 555 0147 and to send the money to him.\f"
    "Maria Popescu kept our passports and we could not leave the house."
)


def test_extractions_become_suggested_assertions_with_spans(
    ctx: Context, prosecutor: Actor, case_ref: str, write: WriteFile, evidence: Path
) -> None:
    suspect = cases.add_person(
        ctx, prosecutor, case_ref, kind=PersonKind.SUSPECT, name="Marco Rossi"
    )
    victim = cases.add_person(
        ctx, prosecutor, case_ref, kind=PersonKind.VICTIM, name="Maria Popescu"
    )
    write("statement.txt", STATEMENT)
    (outcome,) = ingest_path(ctx, prosecutor, case_ref, evidence).files
    assert outcome.status == Outcome.LOADED
    with ctx.db.session() as session:
        document = session.scalars(select(Document)).one()
        pages = {p.number: p.text for p in session.scalars(select(DocumentPage))}
        found = session.scalars(
            select(Assertion).where(Assertion.evidence_file_id == outcome.evidence_file_id)
        ).all()
    assert document.page_count == 2 and set(pages) == {1, 2}
    assert all(a.status == "suggested" and a.origin == "machine" for a in found)
    phone = next(a for a in found if a.predicate == "identifier" and a.value == "+12025550147")
    assert phone.details == {"kind": "phone", **(phone.details or {})}
    assert phone.locator == "page 1" and phone.subject_id == document.id
    assert phone.span_start is not None and phone.span_end is not None
    assert pages[1][phone.span_start : phone.span_end] == phone.quote
    mentions = {(a.subject_type, a.subject_id) for a in found if a.predicate == "mention"}
    # The victim's sealed name is matched too; the assertion holds only her id.
    assert ("person", suspect.id) in mentions and ("person", victim.id) in mentions
    assert any(a.predicate == "indicator" and a.locator == "page 2" for a in found)


def _email_with_csv(path: Path) -> None:
    message = EmailMessage()
    message["From"] = "boss@example.com"
    message["To"] = "driver@example.com"
    message["Subject"] = "numbers"
    message["Date"] = "Fri, 01 Mar 2024 10:00:00 +0000"
    message.set_content("Here are the calls.")
    message.add_attachment(CALLS.encode(), maintype="text", subtype="csv", filename="calls.csv")
    path.write_bytes(message.as_bytes())


def test_attachments_are_ingested_as_their_own_evidence(
    ctx: Context, prosecutor: Actor, case_ref: str, evidence: Path
) -> None:
    _email_with_csv(evidence / "mail.eml")
    report = ingest_path(ctx, prosecutor, case_ref, evidence)
    outcomes = {f.name: f for f in report.files}
    assert outcomes["mail.eml"].status == Outcome.LOADED
    attached = outcomes["mail.eml/calls.csv"]
    assert attached.status == Outcome.LOADED and attached.records == 3
    with ctx.db.session() as session:
        parent_doc = session.scalars(select(Document)).one()
        assert parent_doc.doc_metadata["attachment_files"][0]["sha256"] == attached.sha256
        rows = session.scalars(
            select(Record).where(Record.evidence_file_id == attached.evidence_file_id)
        ).all()
        assert len(rows) == 3
        files = session.scalars(select(EvidenceFile)).all()
        assert len(files) == 2
    # Again: both are duplicates, nothing is added.
    again = ingest_path(ctx, prosecutor, case_ref, evidence)
    assert [f.status for f in again.files] == [Outcome.DUPLICATE]


def test_rerun_finishes_attachments_interrupted_after_the_parent(
    ctx: Context, prosecutor: Actor, case_ref: str, evidence: Path
) -> None:
    _email_with_csv(evidence / "mail.eml")
    first = {f.name: f for f in ingest_path(ctx, prosecutor, case_ref, evidence).files}
    attached_id = first["mail.eml/calls.csv"].evidence_file_id
    # As if the process died after the e-mail committed and before its attachment did.
    with ctx.db.session() as session:
        session.execute(delete(Record).where(Record.evidence_file_id == attached_id))
        session.execute(delete(EvidenceFile).where(EvidenceFile.id == attached_id))
    again = {f.name: f for f in ingest_path(ctx, prosecutor, case_ref, evidence).files}
    assert again["mail.eml"].status == Outcome.DUPLICATE
    assert again["mail.eml/calls.csv"].status == Outcome.LOADED
    assert again["mail.eml/calls.csv"].records == 3
