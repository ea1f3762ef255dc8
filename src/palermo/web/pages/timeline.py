"""The case timeline tab: a chronology of the case's facts, filtered, paged and exported."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from palermo import words
from palermo.analysis.timeline import (
    FACT_KINDS,
    FIRST_LABELS,
    KIND_LABELS,
    KIND_NAMES,
    TimelineEntry,
)
from palermo.reports import csv_safe
from palermo.services import cases
from palermo.services.timeline import KINDS, TimelineFilter, case_timeline, export_timeline
from palermo.web.auth import CtxDep, PageUser
from palermo.web.fragments import Fragments
from palermo.web.pages.cases import _case_page, _page_numbers, case_path

router = APIRouter()

# The entries of the pages of the timeline recently shown: kept apart from the tab bodies
# (palermo.web.fragments.fragments), so paging through a long timeline does not push out
# the Elements, Network and Money bodies, which cost far more to draw again.
entry_fragments = Fragments(max_entries=64)


def _day(value: str, end: bool = False) -> datetime | None:
    if not value:
        return None
    try:
        day = date.fromisoformat(value)
    except ValueError:
        return None
    return datetime.combine(day, time.max if end else time.min, tzinfo=UTC)


def _filter(
    kind: list[str] | None, person: int | None, start: str, end: str
) -> tuple[tuple[str, ...], TimelineFilter]:
    """The kinds asked for (the facts when none is) and the service's filter."""
    kinds = tuple(k for k in (kind or []) if k in KINDS) or FACT_KINDS
    return kinds, TimelineFilter(
        kinds=kinds, person_id=person, start=_day(start), end=_day(end, end=True)
    )


EXPORT_HEADER = (
    "When (UTC)",
    "Kind",
    "What happened",
    "People",
    "Source file",
    "Where in the file",
    "SHA-256 of the file",
    "Link",
    "Milestone",
)


def _export_row(entry: TimelineEntry, base: str) -> list[object]:
    return [
        entry.at.strftime("%Y-%m-%d %H:%M") if entry.at else "",
        KIND_NAMES.get(entry.kind, words.human(entry.kind)),
        entry.text,
        words.join(entry.people),
        entry.source.file_name or "entered by hand",
        entry.source.locator or "",
        entry.source.sha256 or "",
        base + entry.source.url if entry.source.url else "",
        FIRST_LABELS[entry.kind] if entry.first else "",
    ]


@router.get("/cases/{reference}/timeline.csv")
def timeline_csv(
    request: Request,
    ctx: CtxDep,
    user: PageUser,
    reference: str,
    kind: Annotated[list[str] | None, Query()] = None,
    # A string: the filter form sends "person=" for everyone.
    person: Annotated[str, Query(max_length=12, pattern=r"^\d*$")] = "",
    start: Annotated[str, Query(max_length=10)] = "",
    end: Annotated[str, Query(max_length=10)] = "",
) -> Response:
    _, chosen = _filter(kind, int(person) if person else None, start, end)
    result = export_timeline(ctx, user.actor, reference, chosen)
    base = str(request.base_url).rstrip("/")
    text = csv_safe.to_text(EXPORT_HEADER, (_export_row(e, base) for e in result.items))
    safe_ref = "".join(c if c.isalnum() or c in "-_" else "-" for c in reference)
    return Response(
        text,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{safe_ref}-timeline.csv"'},
    )


@router.get("/cases/{reference}/timeline")
def timeline(
    request: Request,
    ctx: CtxDep,
    user: PageUser,
    reference: str,
    kind: Annotated[list[str] | None, Query()] = None,
    # A string: the filter form sends "person=" for everyone.
    person: Annotated[str, Query(max_length=12, pattern=r"^\d*$")] = "",
    start: Annotated[str, Query(max_length=10)] = "",
    end: Annotated[str, Query(max_length=10)] = "",
    page: Annotated[int, Query(ge=1)] = 1,
    per_page: Annotated[int, Query(ge=10, le=500)] = 100,
) -> Response:
    case = cases.get_case(ctx, user.actor, reference)
    person_id = int(person) if person else None
    kinds, chosen = _filter(kind, person_id, start, end)
    result = case_timeline(ctx, user.actor, reference, chosen, page=page, per_page=per_page)
    people = cases.list_people(ctx, user.actor, reference)
    current: dict[str, Any] = {
        "kind": list(kinds) if kind else [],
        "person": person_id,
        "start": start,
        "end": end,
        "per_page": per_page,
    }

    def url(path: str = "/timeline", **changes: Any) -> str:
        params = {**current, **changes}
        query = [
            (key, item)
            for key, value in params.items()
            for item in (value if isinstance(value, list) else [value])
            if item not in ("", None)
            and not (key == "page" and item == 1)
            and not (key == "per_page" and item == 100)
        ]
        return case_path(case.reference, path) + ("?" + urlencode(query) if query else "")

    selected_person = next((p for p in people if p.id == person_id), None)
    # The entries are most of the page: the kept page of the timeline is one object per
    # case fingerprint, kind of viewer and filter; its links depend on the filter.
    entry_values = {
        "result": result,
        "kind_names": KIND_NAMES,
        "first_labels": FIRST_LABELS,
        "url": url,
        "page_numbers": _page_numbers(result.page, result.pages),
    }
    key = (
        id(result),
        case.reference,
        *((k, tuple(v) if isinstance(v, list) else v) for k, v in current.items()),
    )
    entries = entry_fragments.render(
        request, "timeline/_entries.html", key, result, lambda: entry_values
    )
    return _case_page(
        request,
        user,
        case,
        "timeline",
        "timeline/timeline.html",
        {
            "result": result,
            "kinds": KINDS,
            "fact_kinds": FACT_KINDS,
            "kind_labels": KIND_LABELS,
            "kind_names": KIND_NAMES,
            "first_labels": FIRST_LABELS,
            "shown": words.join(KIND_LABELS[k].lower() for k in kinds),
            "chosen_kinds": kinds,
            "people": people,
            "person": person_id,
            "selected_person": selected_person,
            "start": start,
            "end": end,
            "url": url,
            "entries": entries,
        },
    )
