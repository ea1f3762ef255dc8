"""Service functions the web workbench needs that have no other home yet: API token listing
and revocation for the signed-in user."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select

from palermo.security import audit
from palermo.security.permissions import Actor
from palermo.services.context import Context
from palermo.services.errors import NotFound
from palermo.store.models import ApiToken


@dataclass(frozen=True, slots=True)
class TokenInfo:
    id: int
    name: str
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None

    @property
    def active(self) -> bool:
        return self.revoked_at is None


def list_api_tokens(ctx: Context, actor: Actor) -> list[TokenInfo]:
    """The actor's own API tokens (never the secrets: only their hashes are stored)."""
    if actor.user_id is None:
        return []
    with ctx.db.session() as session:
        rows = session.scalars(
            select(ApiToken).where(ApiToken.user_id == actor.user_id).order_by(ApiToken.id)
        )
        return [
            TokenInfo(
                id=row.id,
                name=row.name,
                created_at=row.created_at,
                last_used_at=row.last_used_at,
                revoked_at=row.revoked_at,
            )
            for row in rows
        ]


def revoke_api_token(ctx: Context, actor: Actor, token_id: int) -> None:
    """Revoke one of the actor's own tokens; another user's token is NotFound."""
    with ctx.db.session() as session:
        row = session.get(ApiToken, token_id)
        if row is None or actor.user_id is None or row.user_id != actor.user_id:
            raise NotFound("no such token")
        if row.revoked_at is None:
            row.revoked_at = datetime.now(UTC)
            audit.record(
                session,
                actor=actor,
                action="token.revoke",
                object_type="api_token",
                object_id=row.id,
                details={"name": row.name},
            )
