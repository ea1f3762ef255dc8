"""``/api/tokens``: a signed-in person creates an API token (needs the CSRF header)."""

from __future__ import annotations

from fastapi import APIRouter

from palermo.services import users
from palermo.web.api.models import TokenIn, TokenOut
from palermo.web.auth import ApiSessionUser, CtxDep

router = APIRouter(tags=["tokens"])


@router.post("/tokens", response_model=TokenOut, status_code=201)
def create_token(ctx: CtxDep, user: ApiSessionUser, body: TokenIn) -> TokenOut:
    """Create an API token for the signed-in user. Session cookie and ``X-CSRF-Token``
    header required; an API token cannot mint more tokens."""
    name = body.name.strip()
    return TokenOut(name=name, token=users.create_api_token(ctx, user.actor, name))
