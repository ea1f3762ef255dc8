"""Roles and what each may do. Case access additionally requires membership."""

from __future__ import annotations

import enum
from dataclasses import dataclass, replace

from palermo.store.models import Role


class Permission(enum.StrEnum):
    READ_CASE = "read_case"
    EDIT_CASE = "edit_case"
    INGEST = "ingest"
    DECIDE = "decide"  # confirm or reject machine suggestions
    SEE_VICTIM_IDENTITY = "see_victim_identity"
    SEE_WITNESS_DETAILS = "see_witness_details"
    MANAGE_USERS = "manage_users"
    READ_AUDIT = "read_audit"
    READ_STATISTICS = "read_statistics"


_ALL_CASE_WORK = {
    Permission.READ_CASE,
    Permission.EDIT_CASE,
    Permission.INGEST,
    Permission.DECIDE,
    Permission.READ_STATISTICS,
}

# Need to know: an administrator manages accounts but reads no case data; an
# analyst works on records and statistics but never sees who the victims are.
ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.ADMIN: frozenset({Permission.MANAGE_USERS, Permission.READ_AUDIT}),
    Role.PROSECUTOR: frozenset(
        _ALL_CASE_WORK | {Permission.SEE_VICTIM_IDENTITY, Permission.SEE_WITNESS_DETAILS}
    ),
    Role.INVESTIGATOR: frozenset(_ALL_CASE_WORK | {Permission.SEE_VICTIM_IDENTITY}),
    Role.ANALYST: frozenset({Permission.READ_CASE, Permission.DECIDE, Permission.READ_STATISTICS}),
    Role.ADVOCATE: frozenset(
        {Permission.READ_CASE, Permission.SEE_VICTIM_IDENTITY, Permission.SEE_WITNESS_DETAILS}
    ),
    Role.AUDITOR: frozenset({Permission.READ_AUDIT}),
}


@dataclass(frozen=True, slots=True)
class Actor:
    """Who is acting: a signed-in user, an API token's user, or a local operator.

    A local operator (the CLI, the demo builder) holds the data directory and its
    keys already, so role checks would protect nothing; their work is still audited.
    """

    user_id: int | None
    username: str
    role: Role
    operator: bool = False
    # Set for views that must show pseudonyms even to roles allowed to see identities.
    identity_hidden: bool = False

    def can(self, permission: Permission) -> bool:
        if permission is Permission.SEE_VICTIM_IDENTITY and self.identity_hidden:
            return False
        return self.operator or permission in ROLE_PERMISSIONS[self.role]

    def hiding_identities(self) -> Actor:
        """The same actor, seeing victims by pseudonym only."""
        return replace(self, identity_hidden=True)

    @property
    def is_system(self) -> bool:
        return self.operator


SYSTEM = Actor(user_id=None, username="system", role=Role.ADMIN, operator=True)
