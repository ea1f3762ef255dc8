"""Server-side browser sessions: the cookie carries a random id, the database the rest.

Only the SHA-256 of the id is stored, so a copy of the database does not let anyone
take over a session. A session ends at sign-out, at a password change, when its
user is disabled, when an administrator ends it, after ``session_idle_minutes``
without a request and ``session_absolute_hours`` after it started.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from palermo.security import audit
from palermo.security.permissions import Actor, Permission
from palermo.services.context import Context
from palermo.services.errors import NotFound, PermissionDenied
from palermo.store.models import User, WebSession

# last_seen_at is written at most this often (not on every request).
TOUCH_EVERY = timedelta(seconds=60)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


@dataclass(slots=True)
class SessionState:
    """A live session as one request sees it."""

    id: int
    user_id: int | None
    data: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class SessionInfo:
    id: int
    user_id: int | None
    created_at: datetime
    last_seen_at: datetime
    client_address: str | None
    user_agent: str | None
    ended_at: datetime | None
    end_reason: str | None

    @property
    def active(self) -> bool:
        return self.ended_at is None


def _limits(ctx: Context) -> tuple[timedelta, timedelta]:
    s = ctx.settings
    return timedelta(minutes=s.session_idle_minutes), timedelta(hours=s.session_absolute_hours)


def start(
    ctx: Context,
    *,
    user_id: int | None,
    data: dict[str, Any],
    client_address: str | None,
    user_agent: str | None,
    replaces: int | None = None,
) -> tuple[str, SessionState]:
    """A new session (new id: no fixation); the one it replaces, if any, ends now."""
    token = secrets.token_urlsafe(32)
    now = datetime.now(UTC)
    with ctx.db.session() as session:
        if replaces is not None:
            _end_where(session, WebSession.id == replaces, "replaced", now)
        row = WebSession(
            token_hash=_digest(token),
            user_id=user_id,
            data=data,
            created_at=now,
            last_seen_at=now,
            client_address=(client_address or "")[:64] or None,
            user_agent=(user_agent or "")[:300] or None,
        )
        session.add(row)
        session.flush()
        state = SessionState(row.id, user_id, dict(data))
        if secrets.randbelow(200) == 0:
            _purge(session, now, *_limits(ctx))
    return token, state


def load(ctx: Context, token: str) -> SessionState | None:
    """The live session for a cookie value, or None (unknown, ended, idle or too old)."""
    if not token or len(token) > 200:
        return None
    idle, absolute = _limits(ctx)
    now = datetime.now(UTC)
    with ctx.db.session() as session:
        row = session.scalar(select(WebSession).where(WebSession.token_hash == _digest(token)))
        if row is None or row.ended_at is not None:
            return None
        reason = None
        if now - _aware(row.created_at) > absolute:
            reason = "expired"
        elif now - _aware(row.last_seen_at) > idle:
            reason = "idle"
        if reason is not None:
            row.ended_at, row.end_reason = now, reason
            return None
        if now - _aware(row.last_seen_at) > TOUCH_EVERY:
            row.last_seen_at = now
        return SessionState(row.id, row.user_id, dict(row.data or {}))


def save(ctx: Context, state: SessionState) -> None:
    with ctx.db.session() as session:
        session.execute(
            update(WebSession)
            .where(WebSession.id == state.id, WebSession.ended_at.is_(None))
            .values(data=state.data)
        )


def end(ctx: Context, session_id: int, reason: str) -> None:
    with ctx.db.session() as session:
        _end_where(session, WebSession.id == session_id, reason, datetime.now(UTC))


def end_for_user(session: Session, user_id: int, reason: str, *, keep: int | None = None) -> int:
    """End every live session of a user, in the caller's transaction; returns how many."""
    condition = WebSession.user_id == user_id
    if keep is not None:
        condition = condition & (WebSession.id != keep)
    return _end_where(session, condition, reason, datetime.now(UTC))


def _end_where(session: Session, condition: Any, reason: str, now: datetime) -> int:
    result = session.execute(
        update(WebSession)
        .where(condition, WebSession.ended_at.is_(None))
        .values(ended_at=now, end_reason=reason, data={})
    )
    return int(getattr(result, "rowcount", 0) or 0)


def _purge(session: Session, now: datetime, idle: timedelta, absolute: timedelta) -> None:
    """Forget sessions that ended (or went stale) more than a day ago."""
    cutoff = now - max(absolute, idle) - timedelta(days=1)
    session.execute(delete(WebSession).where(WebSession.last_seen_at < cutoff))


def list_for_user(ctx: Context, actor: Actor, user_id: int) -> list[SessionInfo]:
    if not actor.can(Permission.MANAGE_USERS) and actor.user_id != user_id:
        raise PermissionDenied("only an administrator can see another user's sessions")
    idle, absolute = _limits(ctx)
    now = datetime.now(UTC)
    with ctx.db.session() as session:
        rows = session.scalars(
            select(WebSession)
            .where(WebSession.user_id == user_id)
            .order_by(WebSession.id.desc())
            .limit(50)
        ).all()
        out = []
        for r in rows:
            stale = now - _aware(r.last_seen_at) > idle or now - _aware(r.created_at) > absolute
            out.append(
                SessionInfo(
                    r.id,
                    r.user_id,
                    r.created_at,
                    r.last_seen_at,
                    r.client_address,
                    r.user_agent,
                    r.ended_at or (r.last_seen_at if stale else None),
                    r.end_reason or ("expired" if stale else None),
                )
            )
        return out


def end_all(ctx: Context, actor: Actor, user_id: int) -> int:
    """An administrator ends every session of a user at once."""
    if not actor.can(Permission.MANAGE_USERS):
        raise PermissionDenied("only an administrator can end another user's sessions")
    with ctx.db.session() as session:
        user = session.get(User, user_id)
        if user is None:
            raise NotFound("no such user")
        count = end_for_user(session, user_id, "ended_by_admin")
        audit.record(
            session,
            actor=actor,
            action="session.end_all",
            object_type="user",
            object_id=user_id,
            details={"username": user.username, "sessions": count},
        )
        return count
