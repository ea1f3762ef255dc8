"""Accounts, sign-in with throttling, and API tokens."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from palermo.security import audit
from palermo.security.passwords import hash_password, verify_password
from palermo.security.permissions import Actor, Permission
from palermo.services.context import Context
from palermo.services.errors import AuthenticationFailed, InvalidInput, NotFound, PermissionDenied
from palermo.store.models import ApiToken, Role, Unit, User

# After this many consecutive failures, each further attempt waits longer (capped).
FREE_ATTEMPTS = 3
MAX_LOCK_SECONDS = 300


@dataclass(frozen=True, slots=True)
class UserInfo:
    id: int
    username: str
    display_name: str
    role: Role
    unit_id: int | None
    is_active: bool

    @property
    def actor(self) -> Actor:
        return Actor(user_id=self.id, username=self.username, role=self.role)


def _info(user: User) -> UserInfo:
    return UserInfo(
        id=user.id,
        username=user.username,
        display_name=user.display_name,
        role=Role(user.role),
        unit_id=user.unit_id,
        is_active=user.is_active,
    )


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def ensure_unit(ctx: Context, code: str, name: str, country: str | None = None) -> int:
    with ctx.db.session() as session:
        unit = session.scalar(select(Unit).where(Unit.code == code))
        if unit is None:
            unit = Unit(code=code, name=name, country=country, settings={})
            session.add(unit)
            session.flush()
        return unit.id


def create_user(
    ctx: Context,
    actor: Actor,
    *,
    username: str,
    password: str,
    role: Role | str,
    display_name: str | None = None,
    unit_id: int | None = None,
) -> UserInfo:
    if not actor.can(Permission.MANAGE_USERS):
        raise PermissionDenied("only an administrator can add users")
    try:
        role = Role(role)
    except ValueError as error:
        choices = ", ".join(r.value for r in Role)
        raise InvalidInput(f"unknown role '{role}'; choose one of: {choices}") from error
    username = username.strip().lower()
    if not username:
        raise InvalidInput("username must not be empty")
    try:
        password_hash = hash_password(password)
    except ValueError as error:
        raise InvalidInput(str(error)) from error
    with ctx.db.session() as session:
        if session.scalar(select(User.id).where(User.username == username)):
            raise InvalidInput(f"user '{username}' already exists")
        user = User(
            username=username,
            display_name=display_name or username,
            role=role.value,
            password_hash=password_hash,
            unit_id=unit_id,
        )
        session.add(user)
        session.flush()
        audit.record(
            session,
            actor=actor,
            action="user.create",
            object_type="user",
            object_id=user.id,
            details={"username": username, "role": role.value},
        )
        return _info(user)


def list_users(ctx: Context, actor: Actor) -> list[UserInfo]:
    if not actor.can(Permission.MANAGE_USERS):
        raise PermissionDenied("only an administrator can list users")
    with ctx.db.session() as session:
        return [_info(u) for u in session.scalars(select(User).order_by(User.username))]


def get_user(ctx: Context, user_id: int) -> UserInfo:
    with ctx.db.session() as session:
        user = session.get(User, user_id)
        if user is None or not user.is_active:
            raise NotFound("no such user")
        return _info(user)


def authenticate(ctx: Context, username: str, password: str) -> UserInfo:
    """Check a password. Failures are generic, audited, and slowed down when repeated."""
    username = username.strip().lower()
    now = datetime.now(UTC)
    with ctx.db.session() as session:
        user = session.scalar(select(User).where(User.username == username))
        if user is not None and user.locked_until and _aware(user.locked_until) > now:
            # Still verify, so a locked account answers in the same time as any other.
            verify_password(user.password_hash, password)
            raise AuthenticationFailed("wrong username or password, or too many attempts")
        ok = verify_password(user.password_hash if user else None, password)
        if user is None or not ok or not user.is_active:
            if user is not None:
                user.failed_logins += 1
                if user.failed_logins > FREE_ATTEMPTS:
                    wait = min(2 ** (user.failed_logins - FREE_ATTEMPTS), MAX_LOCK_SECONDS)
                    user.locked_until = now + timedelta(seconds=wait)
            audit.record(
                session,
                actor=Actor(user_id=None, username=username[:120], role=Role.AUDITOR),
                action="auth.failed",
                details={"username": username[:120]},
            )
            raise AuthenticationFailed("wrong username or password, or too many attempts")
        user.failed_logins = 0
        user.locked_until = None
        info = _info(user)
        audit.record(
            session, actor=info.actor, action="auth.login", object_type="user", object_id=user.id
        )
        return info


def _token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_api_token(ctx: Context, actor: Actor, name: str) -> str:
    """Create a token for the actor; the secret is returned once and only its hash is kept."""
    if actor.user_id is None:
        raise InvalidInput("the system account cannot hold API tokens")
    token = "plm_" + secrets.token_urlsafe(32)
    with ctx.db.session() as session:
        row = ApiToken(user_id=actor.user_id, name=name, token_hash=_token_digest(token))
        session.add(row)
        session.flush()
        audit.record(
            session,
            actor=actor,
            action="token.create",
            object_type="api_token",
            object_id=row.id,
            details={"name": name},
        )
    return token


def user_for_token(ctx: Context, token: str) -> UserInfo:
    with ctx.db.session() as session:
        row = session.scalar(select(ApiToken).where(ApiToken.token_hash == _token_digest(token)))
        if row is None or row.revoked_at is not None:
            raise AuthenticationFailed("invalid API token")
        user = session.get(User, row.user_id)
        if user is None or not user.is_active:
            raise AuthenticationFailed("invalid API token")
        row.last_used_at = datetime.now(UTC)
        return _info(user)
