"""Administration in the browser: users (invite, role, unit, disable, reset password,
sessions, second factor, API tokens) and units with their members. Administrators only."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Path, Request
from fastapi.responses import RedirectResponse, Response

from palermo.security.permissions import Permission
from palermo.services import administration, sessions, users
from palermo.services.errors import InvalidInput, PermissionDenied
from palermo.services.users import UserInfo
from palermo.store.models import Role, Stage
from palermo.web.auth import CtxDep, page_user
from palermo.web.form_errors import field_errors
from palermo.web.templating import render

router = APIRouter()

USER_FIELDS = ("username", "display_name", "role", "unit_id")
UNIT_FIELDS = ("code", "name", "country")


def admin_user(user: Annotated[UserInfo, Depends(page_user)]) -> UserInfo:
    if not user.actor.can(Permission.MANAGE_USERS):
        raise PermissionDenied("only an administrator can open the administration pages")
    return user


AdminUser = Annotated[UserInfo, Depends(admin_user)]
# Ids in paths stay within the database's integer range (no 500 on a huge number).
Id = Annotated[int, Path(ge=1, le=2_147_483_647)]


def _unit_id(raw: str) -> int | None:
    raw = raw.strip()
    if not raw:
        return None
    if not raw.isdigit() or len(raw) > 9:
        raise InvalidInput("unit_id: choose a unit from the list")
    return int(raw)


def _role_options() -> list[tuple[str, str]]:
    return [(r.value, r.value.capitalize()) for r in Role]


def _render(
    request: Request, user: UserInfo, template: str, context: dict[str, Any], status_code: int
) -> Response:
    return render(request, template, context, user=user, active="admin", status_code=status_code)


def _refused(
    page: Callable[..., Response],
    *args: Any,
    error: InvalidInput,
    fields: Iterable[str],
    values: dict[str, Any] | None = None,
) -> Response:
    """``page`` again (HTTP 422) with the values entered and the message next to its field."""
    return page(*args, errors=field_errors(error, fields), values=values, status_code=422)


@router.get("/admin")
def admin_home(user: AdminUser) -> Response:
    return RedirectResponse("/admin/users", status_code=303)


def _users_page(
    request: Request,
    ctx: CtxDep,
    user: UserInfo,
    *,
    errors: dict[str, list[str]] | None = None,
    values: dict[str, Any] | None = None,
    created: tuple[UserInfo, str] | None = None,
    status_code: int = 200,
) -> Response:
    units = administration.list_units(ctx, user.actor)
    return _render(
        request,
        user,
        "admin/users.html",
        {
            "users": users.list_users(ctx, user.actor),
            "units": units,
            "unit_names": {u.id: u.name for u in units},
            "unit_options": [(str(u.id), u.name) for u in units],
            "role_options": _role_options(),
            "errors": errors or {},
            "values": values or {"role": Role.INVESTIGATOR.value},
            "created": created,
        },
        status_code,
    )


@router.get("/admin/users")
def users_list(request: Request, ctx: CtxDep, user: AdminUser) -> Response:
    return _users_page(request, ctx, user)


@router.post("/admin/users")
def users_invite(
    request: Request,
    ctx: CtxDep,
    user: AdminUser,
    username: Annotated[str, Form(max_length=200)] = "",
    display_name: Annotated[str, Form(max_length=200)] = "",
    role: Annotated[str, Form(max_length=32)] = "",
    unit_id: Annotated[str, Form(max_length=12)] = "",
) -> Response:
    values = {"username": username, "display_name": display_name, "role": role, "unit_id": unit_id}
    try:
        created = administration.invite_user(
            ctx,
            user.actor,
            username=username,
            role=role,
            display_name=display_name.strip() or None,
            unit_id=_unit_id(unit_id),
        )
    except InvalidInput as error:
        return _refused(
            _users_page, request, ctx, user, error=error, fields=USER_FIELDS, values=values
        )
    # Rendered, not redirected: the one-time password is shown once and never stored.
    return _users_page(request, ctx, user, created=created)


def _user_page(
    request: Request,
    ctx: CtxDep,
    user: UserInfo,
    user_id: Id,
    *,
    errors: dict[str, list[str]] | None = None,
    values: dict[str, Any] | None = None,
    one_time: str | None = None,
    notice: str | None = None,
    status_code: int = 200,
) -> Response:
    target = administration.get_any_user(ctx, user.actor, user_id)
    units = administration.list_units(ctx, user.actor)
    return _render(
        request,
        user,
        "admin/user.html",
        {
            "target": target,
            "values": values
            or {
                "display_name": target.display_name,
                "role": target.role.value,
                "unit_id": target.unit_id or "",
            },
            "errors": errors or {},
            "unit_options": [(str(u.id), u.name) for u in units],
            "role_options": _role_options(),
            "sessions": sessions.list_for_user(ctx, user.actor, user_id),
            "tokens": administration.list_user_tokens(ctx, user.actor, user_id),
            "one_time": one_time,
            "notice": notice,
        },
        status_code,
    )


@router.get("/admin/users/{user_id}")
def user_detail(request: Request, ctx: CtxDep, user: AdminUser, user_id: Id) -> Response:
    return _user_page(request, ctx, user, user_id)


@router.post("/admin/users/{user_id}")
def user_update(
    request: Request,
    ctx: CtxDep,
    user: AdminUser,
    user_id: Id,
    display_name: Annotated[str, Form(max_length=200)] = "",
    role: Annotated[str, Form(max_length=32)] = "",
    unit_id: Annotated[str, Form(max_length=12)] = "",
) -> Response:
    values = {"display_name": display_name, "role": role, "unit_id": unit_id}
    try:
        administration.update_user(
            ctx,
            user.actor,
            user_id,
            role=role,
            display_name=display_name,
            unit_id=_unit_id(unit_id),
        )
    except InvalidInput as error:
        return _refused(
            _user_page, request, ctx, user, user_id, error=error, fields=USER_FIELDS, values=values
        )
    return RedirectResponse(f"/admin/users/{user_id}?saved=1", status_code=303)


def _action(request: Request, ctx: CtxDep, user: UserInfo, user_id: int, fn: Any) -> Response:
    try:
        fn()
    except InvalidInput as error:
        return _user_page(
            request, ctx, user, user_id, errors={"form": [str(error)]}, status_code=422
        )
    return RedirectResponse(f"/admin/users/{user_id}", status_code=303)


@router.post("/admin/users/{user_id}/disable")
def user_disable(request: Request, ctx: CtxDep, user: AdminUser, user_id: Id) -> Response:
    return _action(
        request,
        ctx,
        user,
        user_id,
        lambda: administration.set_active(ctx, user.actor, user_id, False),
    )


@router.post("/admin/users/{user_id}/enable")
def user_enable(request: Request, ctx: CtxDep, user: AdminUser, user_id: Id) -> Response:
    return _action(
        request,
        ctx,
        user,
        user_id,
        lambda: administration.set_active(ctx, user.actor, user_id, True),
    )


@router.post("/admin/users/{user_id}/end-sessions")
def user_end_sessions(request: Request, ctx: CtxDep, user: AdminUser, user_id: Id) -> Response:
    return _action(request, ctx, user, user_id, lambda: sessions.end_all(ctx, user.actor, user_id))


@router.post("/admin/users/{user_id}/reset-totp")
def user_reset_totp(request: Request, ctx: CtxDep, user: AdminUser, user_id: Id) -> Response:
    return _action(
        request, ctx, user, user_id, lambda: administration.totp_reset(ctx, user.actor, user_id)
    )


@router.post("/admin/users/{user_id}/reset-password")
def user_reset_password(request: Request, ctx: CtxDep, user: AdminUser, user_id: Id) -> Response:
    one_time = administration.reset_password(ctx, user.actor, user_id)
    return _user_page(request, ctx, user, user_id, one_time=one_time)


@router.post("/admin/users/{user_id}/tokens/{token_id}/revoke")
def user_token_revoke(
    request: Request, ctx: CtxDep, user: AdminUser, user_id: Id, token_id: Id
) -> Response:
    return _action(
        request,
        ctx,
        user,
        user_id,
        lambda: administration.revoke_user_token(ctx, user.actor, user_id, token_id),
    )


# --------------------------------------------------------------------------- units


def _units_page(
    request: Request,
    ctx: CtxDep,
    user: UserInfo,
    *,
    errors: dict[str, list[str]] | None = None,
    values: dict[str, Any] | None = None,
    status_code: int = 200,
) -> Response:
    return _render(
        request,
        user,
        "admin/units.html",
        {
            "units": administration.list_units(ctx, user.actor),
            "errors": errors or {},
            "values": values or {},
        },
        status_code,
    )


@router.get("/admin/units")
def units_list(request: Request, ctx: CtxDep, user: AdminUser) -> Response:
    return _units_page(request, ctx, user)


@router.post("/admin/units")
def units_create(
    request: Request,
    ctx: CtxDep,
    user: AdminUser,
    code: Annotated[str, Form(max_length=100)] = "",
    name: Annotated[str, Form(max_length=300)] = "",
    country: Annotated[str, Form(max_length=10)] = "",
) -> Response:
    values = {"code": code, "name": name, "country": country}
    try:
        unit = administration.save_unit(
            ctx, user.actor, unit_id=None, code=code, name=name, country=country
        )
    except InvalidInput as error:
        return _refused(
            _units_page, request, ctx, user, error=error, fields=UNIT_FIELDS, values=values
        )
    return RedirectResponse(f"/admin/units/{unit.id}", status_code=303)


def _unit_page(
    request: Request,
    ctx: CtxDep,
    user: UserInfo,
    unit_id: Id,
    *,
    errors: dict[str, list[str]] | None = None,
    values: dict[str, Any] | None = None,
    status_code: int = 200,
    target_errors: dict[str, list[str]] | None = None,
    target_values_override: dict[str, Any] | None = None,
) -> Response:
    units = {u.id: u for u in administration.list_units(ctx, user.actor)}
    unit = units.get(unit_id)
    if unit is None:
        from palermo.services.errors import NotFound

        raise NotFound("no such unit")
    everyone = users.list_users(ctx, user.actor)
    targets = administration.unit_targets(ctx, user.actor, unit_id)
    target_values: dict[str, Any] = {k: getattr(targets, k) for k in administration.TARGET_FIELDS}
    target_values.update({f"stage:{k}": v for k, v in targets.max_days_in_stage.items()})
    return _render(
        request,
        user,
        "admin/unit.html",
        {
            "target_fields": administration.TARGET_FIELDS,
            "stages": [s.value for s in Stage],
            "target_values": target_values_override or target_values,
            "target_errors": target_errors or {},
            "unit": unit,
            "members": [u for u in everyone if u.unit_id == unit_id],
            "others": [
                (str(u.id), f"{u.username} ({u.display_name})")
                for u in everyone
                if u.unit_id != unit_id
            ],
            "errors": errors or {},
            "values": values
            or {"code": unit.code, "name": unit.name, "country": unit.country or ""},
        },
        status_code,
    )


@router.get("/admin/units/{unit_id}")
def unit_detail(request: Request, ctx: CtxDep, user: AdminUser, unit_id: Id) -> Response:
    return _unit_page(request, ctx, user, unit_id)


@router.post("/admin/units/{unit_id}")
def unit_update(
    request: Request,
    ctx: CtxDep,
    user: AdminUser,
    unit_id: Id,
    code: Annotated[str, Form(max_length=100)] = "",
    name: Annotated[str, Form(max_length=300)] = "",
    country: Annotated[str, Form(max_length=10)] = "",
) -> Response:
    values = {"code": code, "name": name, "country": country}
    try:
        administration.save_unit(
            ctx, user.actor, unit_id=unit_id, code=code, name=name, country=country
        )
    except InvalidInput as error:
        return _refused(
            _unit_page, request, ctx, user, unit_id, error=error, fields=UNIT_FIELDS, values=values
        )
    return RedirectResponse(f"/admin/units/{unit_id}", status_code=303)


@router.post("/admin/units/{unit_id}/members")
def unit_member_add(
    request: Request,
    ctx: CtxDep,
    user: AdminUser,
    unit_id: Id,
    user_id: Annotated[str, Form(max_length=12)] = "",
) -> Response:
    if not user_id.strip().isdigit() or len(user_id) > 9:
        return _unit_page(
            request,
            ctx,
            user,
            unit_id,
            errors={"user_id": ["choose a user from the list"]},
            status_code=422,
        )
    try:
        administration.set_unit(ctx, user.actor, int(user_id), unit_id)
    except InvalidInput as error:
        return _refused(_unit_page, request, ctx, user, unit_id, error=error, fields=["user_id"])
    return RedirectResponse(f"/admin/units/{unit_id}", status_code=303)


@router.post("/admin/units/{unit_id}/members/{user_id}/remove")
def unit_member_remove(
    request: Request, ctx: CtxDep, user: AdminUser, unit_id: Id, user_id: Id
) -> Response:
    target = administration.get_any_user(ctx, user.actor, user_id)
    if target.unit_id == unit_id:
        administration.set_unit(ctx, user.actor, user_id, None)
    return RedirectResponse(f"/admin/units/{unit_id}", status_code=303)


@router.post("/admin/units/{unit_id}/targets")
async def unit_targets(request: Request, ctx: CtxDep, user: AdminUser, unit_id: Id) -> Response:
    form = await request.form()
    wanted = [*administration.TARGET_FIELDS, *(f"stage:{s.value}" for s in Stage)]
    values = {k: str(form.get(k, ""))[:10] for k in wanted}
    errors = administration.save_unit_targets(ctx, user.actor, unit_id, values)
    if errors:
        return _unit_page(
            request,
            ctx,
            user,
            unit_id,
            target_errors=errors,
            target_values_override=values,
            status_code=422,
        )
    return RedirectResponse(f"/admin/units/{unit_id}?targets=saved", status_code=303)
