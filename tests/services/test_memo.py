from __future__ import annotations

import io
from collections.abc import Callable

import sqlalchemy as sa
from pypdf import PdfReader

from palermo.security.permissions import Actor
from palermo.services import cases
from palermo.services.context import Context
from palermo.services.memo import export_memo
from palermo.store.models import AuditEntry, Case, Role

MakeUser = Callable[..., Actor]


def _case_with_victim(ctx: Context, prosecutor: Actor, case_ref: str) -> None:
    cases.add_person(
        ctx,
        prosecutor,
        case_ref,
        kind="victim",
        name="Maria Ionescu",
        aliases=["Mimi"],
        identifiers=[("phone", "+40721000001")],
    )
    suspect = cases.add_person(ctx, prosecutor, case_ref, kind="suspect", name="Ion Popescu")
    cases.add_charge(ctx, prosecutor, case_ref, person_id=suspect.id, statute_id="us-18-1591")
    with ctx.db.session() as session:
        case = session.scalar(sa.select(Case).where(Case.reference == case_ref))
        assert case is not None
        # Free text written by an investigator that names the victim.
        case.summary = "Maria Ionescu (known as Mimi) was recruited by Ion Popescu in 2023."


def test_memo_never_shows_a_sealed_name_to_a_user_without_the_right(
    ctx: Context, prosecutor: Actor, case_ref: str, make_user: MakeUser
) -> None:
    _case_with_victim(ctx, prosecutor, case_ref)
    analyst = make_user(Role.ANALYST)
    cases.add_member(ctx, prosecutor, case_ref, analyst.username)

    html = export_memo(ctx, analyst, case_ref, fmt="html", reveal=True).decode()
    pdf = export_memo(ctx, analyst, case_ref, fmt="pdf", reveal=True)
    pdf_text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)

    for text in (html, pdf_text):
        for secret in ("Maria", "Ionescu", "Mimi"):
            assert secret not in text
        assert "V-01" in text
        assert "Ion Popescu" in text  # suspects are not sealed
        assert "us-18-1591" in text


def test_prosecutor_who_asks_sees_names_and_exports_are_audited(
    ctx: Context, prosecutor: Actor, case_ref: str
) -> None:
    _case_with_victim(ctx, prosecutor, case_ref)
    default = export_memo(ctx, prosecutor, case_ref).decode()
    assert "Maria" not in default
    revealed = export_memo(ctx, prosecutor, case_ref, reveal=True).decode()
    assert "Maria Ionescu" in revealed
    for section in ("Summary", "Parties and charges", "Timeline", "Evidence index"):
        assert section in revealed
    with ctx.db.session() as session:
        exports = session.scalars(
            sa.select(AuditEntry.details).where(AuditEntry.action == "memo.export")
        ).all()
    assert [d["identities_included"] for d in exports] == [False, True]
