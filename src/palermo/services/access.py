"""Case-level access: a user touches only the cases they are a member of."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from palermo.security import audit
from palermo.security.permissions import Actor, Permission
from palermo.services.context import Context
from palermo.services.errors import NotFound, PermissionDenied
from palermo.services.request_memo import read_once
from palermo.store.models import Case, CaseMember


def is_member(session: Session, actor: Actor, case_id: int) -> bool:
    if actor.is_system:
        return True
    # Asked by each service a page calls: once per request that changes nothing.
    return read_once(
        session,
        ("case_member", case_id, actor.user_id),
        lambda: (
            session.scalar(
                select(CaseMember.case_id).where(
                    CaseMember.case_id == case_id, CaseMember.user_id == actor.user_id
                )
            )
            is not None
        ),
    )


def open_case(
    ctx: Context,
    session: Session,
    actor: Actor,
    reference: str,
    permission: Permission = Permission.READ_CASE,
) -> Case:
    """The case, if the actor may see it; otherwise NotFound (audited in its own transaction).

    Non-members get the same answer as for a case that does not exist, so the
    existence of a case never leaks.
    """
    case = session.scalar(select(Case).where(Case.reference == reference))
    if (
        case is None
        or not is_member(session, actor, case.id)
        or not actor.can(Permission.READ_CASE)
    ):
        _audit_denied(ctx, actor, reference)
        raise NotFound(f"case '{reference}' not found")
    if not actor.can(permission):
        raise PermissionDenied(f"your role ({actor.role.value}) cannot {permission.value}")
    return case


def _audit_denied(ctx: Context, actor: Actor, reference: str) -> None:
    # Separate transaction: the caller's will roll back when NotFound propagates.
    with ctx.db.session() as session:
        audit.record(
            session,
            actor=actor,
            action="case.access_denied",
            object_type="case",
            details={"reference": reference[:100]},
        )
