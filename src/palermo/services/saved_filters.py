"""Saved caseload filters: a user names the caseload's filters and sort order (stage,
statute, typology, owner, open or closed, reference or title, sort column and direction,
page size) to use again. Each user sees and changes only their own; every change is
audited. Saving under a name already used replaces that filter."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from sqlalchemy import select

from palermo.security import audit
from palermo.security.permissions import Actor
from palermo.services.cases import CASE_SORTS
from palermo.services.context import Context
from palermo.services.errors import NotFound
from palermo.services.fields import FieldError, FieldErrors
from palermo.store.models import Stage
from palermo.store.models.find import SavedFilter

TEXT_KEYS = ("stage", "statute", "typology", "owner", "status", "q")
KEYS = (*TEXT_KEYS, "sort", "desc", "per_page")
MAX_PER_USER = 50


@dataclass(frozen=True, slots=True)
class SavedFilterView:
    id: int
    name: str
    params: dict[str, Any]

    @property
    def query(self) -> str:
        """The caseload's query string for this filter."""
        shown = {
            k: ("1" if v is True else v)
            for k, v in self.params.items()
            if v not in ("", None, False) and not (k == "sort" and v == "reference")
        }
        return urlencode(shown)


def check(name: str, params: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """The filter's name and parameters, cleaned; FieldErrors naming each bad field."""
    errors: list[FieldError] = []
    clean_name = " ".join((name or "").split())
    if not clean_name:
        errors.append(FieldError("name", "give the filter a name"))
    elif len(clean_name) > 80:
        errors.append(FieldError("name", "at most 80 characters"))
    unknown = sorted(set(params) - set(KEYS))
    if unknown:
        errors.append(FieldError(unknown[0], f"not a caseload filter (use {', '.join(KEYS)})"))
    clean: dict[str, Any] = {}
    for key in TEXT_KEYS:
        value = params.get(key)
        text = "" if value is None else str(value).strip()
        if len(text) > 200:
            errors.append(FieldError(key, "at most 200 characters"))
        clean[key] = text
    if clean["status"] not in ("", "open", "closed"):
        errors.append(FieldError("status", "choose open, closed or nothing"))
    stages = {s.value for s in Stage}
    if clean["stage"] and clean["stage"] not in stages:
        errors.append(FieldError("stage", f"'{clean['stage']}' is not a stage"))
    sort = str(params.get("sort") or "reference")
    if sort not in CASE_SORTS:
        errors.append(FieldError("sort", f"sort by one of {', '.join(CASE_SORTS)}"))
    clean["sort"] = sort
    desc = params.get("desc", False)
    clean["desc"] = desc is True or str(desc).lower() in ("1", "true", "yes", "on")
    per_page = params.get("per_page") or 50
    try:
        clean["per_page"] = int(per_page)
        if not 1 <= clean["per_page"] <= 200:
            raise ValueError
    except (TypeError, ValueError):
        errors.append(FieldError("per_page", "a number of cases per page from 1 to 200"))
    if errors:
        raise FieldErrors(errors)
    return clean_name, {k: v for k, v in clean.items() if v not in ("", None)}


def _user(actor: Actor) -> int:
    if actor.user_id is None:
        raise FieldErrors([FieldError("user", "saved filters belong to a signed-in user")])
    return actor.user_id


def list_filters(ctx: Context, actor: Actor) -> list[SavedFilterView]:
    if actor.user_id is None:
        return []
    with ctx.db.session() as session:
        return [
            SavedFilterView(f.id, f.name, dict(f.params or {}))
            for f in session.scalars(
                select(SavedFilter)
                .where(SavedFilter.user_id == actor.user_id)
                .order_by(SavedFilter.name)
            )
        ]


def save_filter(ctx: Context, actor: Actor, name: str, params: dict[str, Any]) -> SavedFilterView:
    """Save (or replace, under the same name) one of the caller's filters."""
    user_id = _user(actor)
    clean_name, clean = check(name, params)
    with ctx.db.session() as session:
        row = session.scalar(
            select(SavedFilter).where(
                SavedFilter.user_id == user_id, SavedFilter.name == clean_name
            )
        )
        if row is None:
            count = len(
                session.scalars(select(SavedFilter.id).where(SavedFilter.user_id == user_id)).all()
            )
            if count >= MAX_PER_USER:
                raise FieldErrors(
                    [FieldError("name", f"at most {MAX_PER_USER} saved filters: delete one")]
                )
            row = SavedFilter(user_id=user_id, name=clean_name, params=clean)
            session.add(row)
        else:
            row.params = clean
        session.flush()
        audit.record(
            session,
            actor=actor,
            action="filter.save",
            object_type="saved_filter",
            object_id=row.id,
            details={"keys": sorted(clean)},
        )
        return SavedFilterView(row.id, row.name, clean)


def get_filter(ctx: Context, actor: Actor, filter_id: int) -> SavedFilterView:
    user_id = _user(actor)
    with ctx.db.session() as session:
        row = session.get(SavedFilter, filter_id)
        if row is None or row.user_id != user_id:
            raise NotFound(f"saved filter {filter_id} not found")
        return SavedFilterView(row.id, row.name, dict(row.params or {}))


def delete_filter(ctx: Context, actor: Actor, filter_id: int) -> str:
    """Delete one of the caller's filters; returns its name."""
    user_id = _user(actor)
    with ctx.db.session() as session:
        row = session.get(SavedFilter, filter_id)
        if row is None or row.user_id != user_id:
            raise NotFound(f"saved filter {filter_id} not found")
        name = row.name
        session.delete(row)
        audit.record(
            session,
            actor=actor,
            action="filter.delete",
            object_type="saved_filter",
            object_id=filter_id,
        )
        return name
