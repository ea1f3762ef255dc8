"""The case timeline tab: every dated record and event, filtered and paged."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from palermo.services import cases
from palermo.services.timeline import KINDS, TimelineFilter, case_timeline
from palermo.web.auth import CtxDep, PageUser
from palermo.web.pages.cases import _case_page, _page_numbers, case_path

router = APIRouter()


def _day(value: str, end: bool = False) -> datetime | None:
    if not value:
        return None
    try:
        day = date.fromisoformat(value)
    except ValueError:
        return None
    return datetime.combine(day, time.max if end else time.min, tzinfo=UTC)


@router.get("/cases/{reference}/timeline")
def timeline(
    request: Request,
    ctx: CtxDep,
    user: PageUser,
    reference: str,
    kind: Annotated[list[str] | None, Query()] = None,
    person: int | None = None,
    start: Annotated[str, Query(max_length=10)] = "",
    end: Annotated[str, Query(max_length=10)] = "",
    page: Annotated[int, Query(ge=1)] = 1,
    per_page: Annotated[int, Query(ge=10, le=500)] = 100,
) -> Response:
    case = cases.get_case(ctx, user.actor, reference)
    kinds = tuple(k for k in (kind or []) if k in KINDS)
    chosen = TimelineFilter(
        kinds=kinds, person_id=person, start=_day(start), end=_day(end, end=True)
    )
    result = case_timeline(ctx, user.actor, reference, chosen, page=page, per_page=per_page)
    people = cases.list_people(ctx, user.actor, reference)
    current: dict[str, Any] = {
        "kind": list(kinds),
        "person": person,
        "start": start,
        "end": end,
        "per_page": per_page,
    }

    def url(**changes: Any) -> str:
        params = {**current, **changes}
        query = [
            (key, item)
            for key, value in params.items()
            for item in (value if isinstance(value, list) else [value])
            if item not in ("", None)
            and not (key == "page" and item == 1)
            and not (key == "per_page" and item == 100)
        ]
        return case_path(case.reference, "/timeline") + ("?" + urlencode(query) if query else "")

    selected_person = next((p for p in people if p.id == person), None)
    return _case_page(
        request,
        user,
        case,
        "timeline",
        "timeline/timeline.html",
        {
            "result": result,
            "kinds": KINDS,
            "chosen_kinds": kinds,
            "people": people,
            "person": person,
            "selected_person": selected_person,
            "start": start,
            "end": end,
            "url": url,
            "page_numbers": _page_numbers(result.page, result.pages),
        },
    )
