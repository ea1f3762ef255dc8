"""Administration: invite users, change roles and units, disable, reset passwords and
second factors, list and revoke API tokens; units, their members and their targets.
Administrators only (the local operator too); every change is audited."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

from pydantic import ValidationError
from sqlalchemy import delete, func, select

from palermo.caseload.targets import SETTINGS_KEY as TARGETS_SETTINGS_KEY
from palermo.caseload.targets import Targets, targets_for
from palermo.security import audit
from palermo.security.passwords import hash_password
from palermo.security.permissions import Actor, Permission
from palermo.services import sessions
from palermo.services.context import Context
from palermo.services.errors import InvalidInput, NotFound, PermissionDenied
from palermo.services.users import (
    UserInfo,
    _info,
    _load_user,
    create_user,
    one_time_password,
)
from palermo.store.models import ApiToken, Role, SigninAttempts, Stage, Unit, User


def _admin(actor: Actor) -> None:
    if not actor.can(Permission.MANAGE_USERS):
        raise PermissionDenied("only an administrator can manage users and units")


def get_any_user(ctx: Context, actor: Actor, user_id: int) -> UserInfo:
    """Any account, active or not (administrators)."""
    _admin(actor)
    with ctx.db.session() as session:
        return _info(_load_user(session, user_id))


def invite_user(
    ctx: Context,
    actor: Actor,
    *,
    username: str,
    role: Role | str,
    display_name: str | None,
    unit_id: int | None,
) -> tuple[UserInfo, str]:
    """Create an account with a one-time password (returned once, to hand over)."""
    password = one_time_password()
    info = create_user(
        ctx,
        actor,
        username=username,
        password=password,
        role=role,
        display_name=display_name,
        unit_id=unit_id,
    )
    with ctx.db.session() as session:
        _load_user(session, info.id).must_change_password = True
    return replace(info, must_change_password=True), password


def update_user(
    ctx: Context,
    actor: Actor,
    user_id: int,
    *,
    role: Role | str,
    display_name: str,
    unit_id: int | None,
) -> UserInfo:
    _admin(actor)
    try:
        role = Role(role)
    except ValueError as error:
        raise InvalidInput(f"role: unknown role '{role}'") from error
    display_name = display_name.strip()
    if not display_name:
        raise InvalidInput("display_name: give the name shown in the interface")
    with ctx.db.session() as session:
        user = _load_user(session, user_id)
        if unit_id is not None and session.get(Unit, unit_id) is None:
            raise InvalidInput("unit_id: no such unit")
        if user.id == actor.user_id and role is not Role.ADMIN:
            raise InvalidInput("role: you cannot take the administrator role from yourself")
        changes = {
            k: [old, new]
            for k, old, new in (
                ("role", user.role, role.value),
                ("display_name", user.display_name, display_name),
                ("unit_id", user.unit_id, unit_id),
            )
            if old != new
        }
        user.role, user.display_name, user.unit_id = role.value, display_name, unit_id
        if "role" in changes:
            # A new role takes effect in a new session.
            sessions.end_for_user(session, user.id, "role_changed")
        audit.record(
            session,
            actor=actor,
            action="user.update",
            object_type="user",
            object_id=user.id,
            details={"username": user.username, "changes": changes},
        )
        return _info(user)


def set_active(ctx: Context, actor: Actor, user_id: int, active: bool) -> UserInfo:
    """Disable (every session ends at once; tokens stop working) or enable an account."""
    _admin(actor)
    with ctx.db.session() as session:
        user = _load_user(session, user_id)
        if user.id == actor.user_id and not active:
            raise InvalidInput("you cannot disable your own account")
        user.is_active = active
        ended = 0 if active else sessions.end_for_user(session, user.id, "user_disabled")
        audit.record(
            session,
            actor=actor,
            action="user.enable" if active else "user.disable",
            object_type="user",
            object_id=user.id,
            details={"username": user.username, "sessions_ended": ended},
        )
        return _info(user)


def reset_password(ctx: Context, actor: Actor, user_id: int) -> str:
    """A new one-time password (shown once); sessions end and sign-in locks are lifted."""
    _admin(actor)
    password = one_time_password()
    with ctx.db.session() as session:
        user = _load_user(session, user_id)
        user.password_hash = hash_password(password)
        user.must_change_password = True
        user.failed_logins, user.locked_until = 0, None
        session.execute(
            delete(SigninAttempts).where(SigninAttempts.key == f"account:{user.username}")
        )
        ended = sessions.end_for_user(session, user.id, "password_reset")
        audit.record(
            session,
            actor=actor,
            action="user.password_reset",
            object_type="user",
            object_id=user.id,
            details={"username": user.username, "sessions_ended": ended},
        )
    return password


@dataclass(frozen=True, slots=True)
class UnitInfo:
    id: int
    code: str
    name: str
    country: str | None
    members: int


def list_units(ctx: Context, actor: Actor) -> list[UnitInfo]:
    _admin(actor)
    with ctx.db.session() as session:
        counts: dict[int | None, int] = {}
        for unit_id, members in session.execute(
            select(User.unit_id, func.count()).group_by(User.unit_id)
        ):
            counts[unit_id] = int(members)
        return [
            UnitInfo(u.id, u.code, u.name, u.country, int(counts.get(u.id, 0)))
            for u in session.scalars(select(Unit).order_by(Unit.code))
        ]


def _unit_fields(code: str, name: str, country: str | None) -> tuple[str, str, str | None]:
    code, name = code.strip().lower(), name.strip()
    country = (country or "").strip().upper() or None
    if not code or len(code) > 64 or not all(c.isalnum() or c in "-_" for c in code):
        raise InvalidInput("code: use 1-64 letters, digits, '-' or '_'")
    if not name or len(name) > 200:
        raise InvalidInput("name: give the unit's name (at most 200 characters)")
    if country is not None and (len(country) != 2 or not country.isalpha()):
        raise InvalidInput("country: a two-letter country code, e.g. US")
    return code, name, country


def save_unit(
    ctx: Context,
    actor: Actor,
    *,
    unit_id: int | None,
    code: str,
    name: str,
    country: str | None,
) -> UnitInfo:
    """Create a unit (``unit_id`` None) or edit one."""
    _admin(actor)
    code, name, country = _unit_fields(code, name, country)
    with ctx.db.session() as session:
        clash = session.scalar(select(Unit.id).where(Unit.code == code))
        if clash is not None and clash != unit_id:
            raise InvalidInput(f"code: a unit with code '{code}' already exists")
        if unit_id is None:
            unit = Unit(code=code, name=name, country=country, settings={})
            session.add(unit)
            action = "unit.create"
        else:
            found = session.get(Unit, unit_id)
            if found is None:
                raise NotFound("no such unit")
            unit = found
            unit.code, unit.name, unit.country = code, name, country
            action = "unit.update"
        session.flush()
        audit.record(
            session,
            actor=actor,
            action=action,
            object_type="unit",
            object_id=unit.id,
            details={"code": code, "name": name, "country": country},
        )
        members = session.scalar(select(func.count()).where(User.unit_id == unit.id)) or 0
        return UnitInfo(unit.id, unit.code, unit.name, unit.country, int(members))


@dataclass(frozen=True, slots=True)
class UserTokenInfo:
    id: int
    name: str
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


def list_user_tokens(ctx: Context, actor: Actor, user_id: int) -> list[UserTokenInfo]:
    _admin(actor)
    with ctx.db.session() as session:
        return [
            UserTokenInfo(t.id, t.name, t.created_at, t.last_used_at, t.revoked_at)
            for t in session.scalars(
                select(ApiToken).where(ApiToken.user_id == user_id).order_by(ApiToken.id)
            )
        ]


def revoke_user_token(ctx: Context, actor: Actor, user_id: int, token_id: int) -> None:
    _admin(actor)
    with ctx.db.session() as session:
        token = session.get(ApiToken, token_id)
        if token is None or token.user_id != user_id:
            raise NotFound("no such token")
        if token.revoked_at is None:
            token.revoked_at = datetime.now(UTC)
            audit.record(
                session,
                actor=actor,
                action="token.revoke",
                object_type="api_token",
                object_id=token.id,
                details={"name": token.name, "user_id": user_id},
            )


def totp_reset(ctx: Context, actor: Actor, user_id: int) -> None:
    """An administrator removes a user's second factor (a lost phone); they enrol again."""
    _admin(actor)
    with ctx.db.session() as session:
        user = _load_user(session, user_id)
        user.totp_secret = None
        sessions.end_for_user(session, user.id, "second_factor_reset")
        audit.record(
            session,
            actor=actor,
            action="user.totp_reset",
            object_type="user",
            object_id=user.id,
            details={"username": user.username},
        )


def set_unit(ctx: Context, actor: Actor, user_id: int, unit_id: int | None) -> UserInfo:
    """Move a user into a unit (or out of every unit): their unit membership."""
    _admin(actor)
    with ctx.db.session() as session:
        user = _load_user(session, user_id)
        if unit_id is not None and session.get(Unit, unit_id) is None:
            raise InvalidInput("unit_id: no such unit")
        before = user.unit_id
        user.unit_id = unit_id
        audit.record(
            session,
            actor=actor,
            action="unit.member_add" if unit_id is not None else "unit.member_remove",
            object_type="user",
            object_id=user.id,
            details={"username": user.username, "from_unit": before, "to_unit": unit_id},
        )
        return _info(user)


def user_id_by_name(ctx: Context, actor: Actor, username: str) -> int:
    _admin(actor)
    with ctx.db.session() as session:
        found = session.scalar(select(User.id).where(User.username == username.strip().lower()))
    if found is None:
        raise NotFound(f"no user '{username}'")
    return int(found)


# --------------------------------------------------------------------------- unit targets

TARGET_FIELDS = (
    "max_days_between_hearings",
    "decision_within_days_of_arraignment",
    "witness_no_contact_weeks",
    "upcoming_days",
    "deadline_warning_days",
)


def unit_targets(ctx: Context, actor: Actor, unit_id: int) -> Targets:
    _admin(actor)
    with ctx.db.session() as session:
        unit = session.get(Unit, unit_id)
        if unit is None:
            raise NotFound("no such unit")
        return targets_for(unit.settings)


def save_unit_targets(
    ctx: Context, actor: Actor, unit_id: int, values: dict[str, str]
) -> dict[str, list[str]]:
    """Validate and store a unit's targets; returns field errors (nothing saved if any).

    ``values`` holds the scalar targets by name and ``stage:<stage>`` for the maximum
    days in a stage (blank: no limit)."""
    _admin(actor)
    errors: dict[str, list[str]] = {}
    override: dict[str, Any] = {"max_days_in_stage": {}}
    for name in TARGET_FIELDS:
        raw = values.get(name, "").strip()
        if not raw.isdigit() or len(raw) > 5:
            errors[name] = ["a whole number of days (weeks for contact), 0-99999"]
            continue
        override[name] = int(raw)
    stages = [s.value for s in Stage]
    for stage in stages:
        raw = values.get(f"stage:{stage}", "").strip()
        if not raw:
            continue
        if not raw.isdigit() or len(raw) > 5 or int(raw) < 1:
            errors[f"stage:{stage}"] = ["a whole number of days, at least 1, or blank"]
            continue
        override["max_days_in_stage"][stage] = int(raw)
    if not errors:
        try:
            Targets.model_validate(override)
        except ValidationError as error:
            for problem in error.errors():
                field = str(problem["loc"][0]) if problem["loc"] else "form"
                errors.setdefault(field, []).append(problem["msg"])
    if errors:
        return errors
    with ctx.db.session() as session:
        unit = session.get(Unit, unit_id)
        if unit is None:
            raise NotFound("no such unit")
        unit.settings = {**(unit.settings or {}), TARGETS_SETTINGS_KEY: override}
        audit.record(
            session,
            actor=actor,
            action="unit.targets",
            object_type="unit",
            object_id=unit.id,
            details={"targets": override},
        )
    return {}
