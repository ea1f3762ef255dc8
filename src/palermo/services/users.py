"""Accounts, sign-in with throttling, and API tokens."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from palermo.security import audit, throttle, totp
from palermo.security.passwords import hash_password, verify_password
from palermo.security.permissions import Actor, Permission
from palermo.services.context import Context
from palermo.services.errors import AuthenticationFailed, InvalidInput, NotFound, PermissionDenied
from palermo.store.models import ApiToken, Role, SigninAttempts, Unit, User


@dataclass(frozen=True, slots=True)
class UserInfo:
    id: int
    username: str
    display_name: str
    role: Role
    unit_id: int | None
    is_active: bool
    must_change_password: bool = False
    totp_enabled: bool = False

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
        must_change_password=bool(user.must_change_password),
        totp_enabled=user.totp_secret is not None,
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
        raise InvalidInput(f"role: unknown role '{role}'; choose one of: {choices}") from error
    username = username.strip().lower()
    if not username:
        raise InvalidInput("username: must not be empty")
    if len(username) > 120 or not all(c.isalnum() or c in "._-@" for c in username):
        raise InvalidInput("username: use at most 120 letters, digits, '.', '_', '-' or '@'")
    try:
        password_hash = hash_password(password)
    except ValueError as error:
        raise InvalidInput(f"password: {error}") from error
    with ctx.db.session() as session:
        if session.scalar(select(User.id).where(User.username == username)):
            raise InvalidInput(f"username: user '{username}' already exists")
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


class SignInRefused(AuthenticationFailed):
    """Too many failures for this account or address: try again after ``retry_after`` s."""

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


GENERIC_FAILURE = "wrong username or password, or too many attempts"


def _attempt_keys(username: str, address: str | None) -> list[tuple[str, throttle.Policy]]:
    keys = [(f"account:{username[:200]}", throttle.ACCOUNT)]
    if address:
        keys.append((f"address:{address[:200]}", throttle.ADDRESS))
    return keys


def _write_lock(session: Session) -> None:
    """SQLite: take the write lock before reading counters, so concurrent attempts queue
    (on PostgreSQL the rows are read FOR UPDATE instead)."""
    if session.get_bind().dialect.name == "sqlite":
        session.execute(text("UPDATE signin_attempts SET failures = failures WHERE 0"))


def _bump(session: Session, key: str, policy: throttle.Policy, now: datetime) -> int:
    """Count one more failure for ``key`` atomically; returns the wait it now imposes."""
    for _ in range(3):
        row = session.get(SigninAttempts, key, with_for_update=True)
        if row is None:
            try:
                with session.begin_nested():
                    session.add(SigninAttempts(key=key, failures=0))
            except IntegrityError:
                pass  # another attempt created it first: read it again
            continue
        if row.last_failed_at and now - _aware(row.last_failed_at) > policy.forget_after:
            row.failures = 0
        row.failures += 1
        row.last_failed_at = now
        wait = policy.wait_after(row.failures)
        row.locked_until = now + timedelta(seconds=wait) if wait else None
        return wait
    raise RuntimeError(f"could not count a sign-in attempt for {key}")


def _refusal(session: Session, keys: list[tuple[str, throttle.Policy]], now: datetime) -> int:
    """Seconds left on the longest lock among ``keys`` (0: free to try)."""
    names = [k for k, _ in keys]
    rows = session.scalars(select(SigninAttempts).where(SigninAttempts.key.in_(names))).all()
    waits = [
        (_aware(r.locked_until) - now).total_seconds()
        for r in rows
        if r.locked_until is not None and _aware(r.locked_until) > now
    ]
    return int(max(waits) + 0.999) if waits else 0


def _failure_actor(username: str) -> Actor:
    return Actor(user_id=None, username=username[:120], role=Role.AUDITOR)


def _reserve_attempt(
    ctx: Context, username: str, keys: list[tuple[str, throttle.Policy]], address: str | None
) -> None:
    """Refuse at once while a key is locked; otherwise count the attempt as a failure
    now (committed), so parallel guesses cannot all slip past the counters."""
    now = datetime.now(UTC)
    with ctx.db.session() as session:
        wait = _refusal(session, keys, now)
        if wait:
            audit.record(
                session,
                actor=_failure_actor(username),
                action="auth.throttled",
                details={"username": username[:120], "address": address, "retry_after": wait},
            )
    if wait:
        # Raised after the commit above: the refusal stays in the audit log.
        raise SignInRefused(GENERIC_FAILURE, wait)
    with ctx.db.session() as session:
        _write_lock(session)
        for key, policy in keys:
            _bump(session, key, policy, now)
        if secrets.randbelow(500) == 0:
            # Counters nobody has touched for a day are forgotten (many names get tried).
            session.execute(
                delete(SigninAttempts).where(
                    SigninAttempts.last_failed_at < now - timedelta(days=1)
                )
            )


def _record_failure(
    ctx: Context, username: str, keys: list[tuple[str, throttle.Policy]], address: str | None
) -> int:
    now = datetime.now(UTC)
    with ctx.db.session() as session:
        _write_lock(session)
        rows = {
            r.key: r
            for r in session.scalars(
                select(SigninAttempts).where(SigninAttempts.key.in_([k for k, _ in keys]))
            )
        }
        # The waits this failure imposes start now, when it is known to be a failure
        # (not when the attempt was counted, before the slow password check).
        wait = 0
        for key, policy in keys:
            row = rows.get(key)
            imposed = policy.wait_after(row.failures) if row is not None else 0
            if row is not None and imposed:
                row.locked_until = now + timedelta(seconds=imposed)
            wait = max(wait, imposed)
        account = rows.get(keys[0][0])
        audit.record(
            session,
            actor=_failure_actor(username),
            action="auth.failed",
            details={
                "username": username[:120],
                "address": address,
                "failures": account.failures if account else None,
                "retry_after": wait,
            },
        )
        # Nothing is written to the user row: an existing and an unknown name cost the same.
    return wait


def _release_attempt(session: Session, keys: list[tuple[str, throttle.Policy]]) -> None:
    """A success: the account starts afresh; the address gets back the attempt it was charged
    (its earlier failures stay counted, so one good account does not unlock guessing others)."""
    now = datetime.now(UTC)
    _write_lock(session)
    account_key = keys[0][0]
    session.execute(delete(SigninAttempts).where(SigninAttempts.key == account_key))
    for key, policy in keys[1:]:
        row = session.get(SigninAttempts, key, with_for_update=True)
        if row is not None:
            row.failures = max(row.failures - 1, 0)
            wait = policy.wait_after(row.failures)
            row.locked_until = now + timedelta(seconds=wait) if wait else None


def authenticate(
    ctx: Context, username: str, password: str, address: str | None = None
) -> UserInfo:
    """Check a password. Failures are generic, counted and audited in their own committed
    transaction, and slowed down per account and per client address (see ``throttle``).

    Raises ``SignInRefused`` (with ``retry_after``) while a key is locked or when this
    failure imposes a wait, ``AuthenticationFailed`` otherwise. Unknown, disabled and
    existing accounts answer alike and take the same time (a dummy hash is verified).
    """
    username = username.strip().lower()
    keys = _attempt_keys(username, address)
    _reserve_attempt(ctx, username, keys, address)
    with ctx.db.session() as session:
        user = session.scalar(select(User).where(User.username == username))
        password_hash = user.password_hash if user is not None else None
        active = user is not None and user.is_active
    ok = verify_password(password_hash, password) and active
    if not ok:
        wait = _record_failure(ctx, username, keys, address)
        if wait:
            raise SignInRefused(GENERIC_FAILURE, wait)
        raise AuthenticationFailed(GENERIC_FAILURE)
    with ctx.db.session() as session:
        user = session.scalar(select(User).where(User.username == username))
        if user is None or not user.is_active:  # disabled while the password was checked
            raise AuthenticationFailed(GENERIC_FAILURE)
        _release_attempt(session, keys)
        user.failed_logins = 0
        user.locked_until = None
        info = _info(user)
        audit.record(
            session,
            actor=info.actor,
            # With a second factor, signing in completes in ``verify_second_factor``.
            action="auth.password_ok" if info.totp_enabled else "auth.login",
            object_type="user",
            object_id=user.id,
            details={"address": address},
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


# --------------------------------------------------------------------------- passwords


def one_time_password() -> str:
    """A password for an administrator to hand over; it must be changed at first sign-in."""
    return "-".join(secrets.token_urlsafe(6) for _ in range(3))


def change_password(
    ctx: Context,
    actor: Actor,
    *,
    current: str,
    new: str,
    keep_session: int | None = None,
    address: str | None = None,
) -> None:
    """The user changes their own password; every other session of theirs ends."""
    if actor.user_id is None:
        raise InvalidInput("the system account has no password")
    if new == current:
        raise InvalidInput("new_password: choose a password different from the current one")
    try:
        new_hash = hash_password(new)
    except ValueError as error:
        raise InvalidInput(f"new_password: {error}") from error
    keys = _attempt_keys(actor.username, address)[:1]
    _reserve_attempt(ctx, actor.username, keys, address)
    with ctx.db.session() as session:
        user = session.get(User, actor.user_id)
        stored = user.password_hash if user is not None else None
    if not verify_password(stored, current):
        _record_failure(ctx, actor.username, keys, address)
        raise InvalidInput("current_password: this is not your current password")
    from palermo.services import sessions

    with ctx.db.session() as session:
        user = session.get(User, actor.user_id)
        if user is None or not user.is_active:
            raise NotFound("no such user")
        user.password_hash = new_hash
        user.must_change_password = False
        _release_attempt(session, keys)
        ended = sessions.end_for_user(session, user.id, "password_changed", keep=keep_session)
        audit.record(
            session,
            actor=actor,
            action="user.password_change",
            object_type="user",
            object_id=user.id,
            details={"other_sessions_ended": ended},
        )


# --------------------------------------------------------------------------- lookups


def _load_user(session: Session, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise NotFound("no such user")
    return user


# --------------------------------------------------------------------------- second factor


def totp_required(ctx: Context, role: Role) -> bool:
    """Whether the settings require a second factor for this role."""
    wanted = {r.strip().lower() for r in ctx.settings.totp_required_roles.split(",")}
    return role.value in wanted


def verify_second_factor(
    ctx: Context, user_id: int, code: str, address: str | None = None
) -> UserInfo:
    """The second step of signing in: a TOTP code, throttled and audited like a password."""
    with ctx.db.session() as session:
        user = _load_user(session, user_id)
        username, stored, active = user.username, user.totp_secret, user.is_active
    keys = _attempt_keys(username, address)
    _reserve_attempt(ctx, username, keys, address)
    ok = False
    if stored is not None and active:
        secret = totp.unseal(ctx.settings.resolved_secret_key(), stored, user_id)
        ok = totp.verify(secret, code)
    if not ok:
        wait = _record_failure(ctx, username, keys, address)
        if wait:
            raise SignInRefused("wrong or expired code, or too many attempts", wait)
        raise AuthenticationFailed("wrong or expired code")
    with ctx.db.session() as session:
        user = _load_user(session, user_id)
        _release_attempt(session, keys)
        info = _info(user)
        audit.record(
            session,
            actor=info.actor,
            action="auth.login",
            object_type="user",
            object_id=user.id,
            details={"address": address, "second_factor": "totp"},
        )
        return info


def totp_enrol(ctx: Context, actor: Actor, sealed_secret: str, code: str) -> None:
    """Turn the second factor on once the user proves their app shows the right code."""
    if actor.user_id is None:
        raise InvalidInput("the system account cannot use a second factor")
    master = ctx.settings.resolved_secret_key()
    try:
        secret = totp.unseal(master, sealed_secret, actor.user_id)
    except (totp.TotpKeyError, ValueError) as error:
        raise InvalidInput("code: the enrolment expired; start again") from error
    if not totp.verify(secret, code):
        raise InvalidInput("code: wrong or expired code; check the time on your phone")
    with ctx.db.session() as session:
        user = _load_user(session, actor.user_id)
        user.totp_secret = totp.seal(master, secret, user.id)
        audit.record(
            session, actor=actor, action="user.totp_enable", object_type="user", object_id=user.id
        )


def totp_disable(ctx: Context, actor: Actor, code: str) -> None:
    """The user turns the second factor off (with a current code), unless their role needs it."""
    if actor.user_id is None:
        raise InvalidInput("the system account has no second factor")
    if totp_required(ctx, actor.role):
        raise InvalidInput("code: your role requires a second factor; it cannot be turned off")
    with ctx.db.session() as session:
        user = _load_user(session, actor.user_id)
        stored = user.totp_secret
    if stored is None:
        return
    secret = totp.unseal(ctx.settings.resolved_secret_key(), stored, actor.user_id)
    if not totp.verify(secret, code):
        raise InvalidInput("code: wrong or expired code")
    with ctx.db.session() as session:
        user = _load_user(session, actor.user_id)
        user.totp_secret = None
        audit.record(
            session, actor=actor, action="user.totp_disable", object_type="user", object_id=user.id
        )
