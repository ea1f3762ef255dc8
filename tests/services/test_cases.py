from __future__ import annotations

from collections.abc import Callable

import pytest
import sqlalchemy as sa

from palermo.security.permissions import Actor
from palermo.services import cases
from palermo.services.context import Context
from palermo.services.errors import NotFound
from palermo.store.models import AuditEntry, Person, Role

MakeUser = Callable[..., Actor]


def test_member_sees_case_and_non_member_gets_not_found(
    ctx: Context, case_ref: str, make_user: MakeUser
) -> None:
    outsider = make_user(Role.PROSECUTOR)
    assert [c.reference for c in cases.list_cases(ctx, outsider)] == []
    with pytest.raises(NotFound) as unknown:
        cases.get_case(ctx, outsider, "NO-SUCH-CASE")
    with pytest.raises(NotFound) as hidden:
        cases.get_case(ctx, outsider, case_ref)
    # The same message shape for both: existence does not leak.
    assert str(hidden.value).replace(case_ref, "X") == str(unknown.value).replace(
        "NO-SUCH-CASE", "X"
    )
    with ctx.db.session() as session:
        denied = session.scalar(
            sa.select(sa.func.count())
            .select_from(AuditEntry)
            .where(
                AuditEntry.action == "case.access_denied", AuditEntry.user_id == outsider.user_id
            )
        )
    assert denied == 2


def test_victim_identity_is_sealed_at_rest_and_by_role(
    ctx: Context, prosecutor: Actor, case_ref: str, make_user: MakeUser
) -> None:
    analyst = make_user(Role.ANALYST)
    cases.add_member(ctx, prosecutor, case_ref, analyst.username)
    cases.add_person(
        ctx,
        prosecutor,
        case_ref,
        kind="victim",
        name="Maria Ionescu",
        aliases=["Mari"],
        sealed_fields={"date_of_birth": "2006-04-01"},
    )
    cases.add_person(ctx, prosecutor, case_ref, kind="suspect", name="Ion Popescu")

    with ctx.db.session() as session:
        victim = session.scalar(sa.select(Person).where(Person.kind == "victim"))
        assert victim is not None
        assert victim.name is None
        assert victim.sealed_identity is not None
        assert b"Maria" not in victim.sealed_identity
        assert "Maria" not in str(victim.aliases)

    by_analyst = {p.kind: p for p in cases.list_people(ctx, analyst, case_ref, reveal=True)}
    assert by_analyst["victim"].display_name == "V-01"
    assert not by_analyst["victim"].identity_visible
    assert by_analyst["suspect"].display_name == "Ion Popescu"

    default_view = {p.kind: p for p in cases.list_people(ctx, prosecutor, case_ref)}
    assert default_view["victim"].display_name == "V-01"

    revealed = {p.kind: p for p in cases.list_people(ctx, prosecutor, case_ref, reveal=True)}
    assert revealed["victim"].display_name == "Maria Ionescu"
    assert revealed["victim"].aliases == ["Mari"]


def test_sealed_identity_cannot_be_opened_with_another_key(
    ctx: Context, prosecutor: Actor, case_ref: str
) -> None:
    from palermo.security.sealing import Sealer, SealError, person_context

    cases.add_person(ctx, prosecutor, case_ref, kind="victim", name="Maria Ionescu")
    with ctx.db.session() as session:
        victim = session.scalar(sa.select(Person).where(Person.kind == "victim"))
        assert victim is not None and victim.sealed_identity is not None
        blob, context = victim.sealed_identity, person_context(victim.case_id, victim.pseudonym)
    assert ctx.sealer.unseal(blob, context)["name"] == "Maria Ionescu"
    with pytest.raises(SealError):
        Sealer(b"x" * 32).unseal(blob, context)
    with pytest.raises(SealError):
        ctx.sealer.unseal(blob, "person:999:V-01")
