"""The case timeline: every dated record and event in one chronology, filtered and paged."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy import Select, func, literal, null, or_, select, union_all
from sqlalchemy.orm import Session

from palermo.analysis.timeline import SourceRef, TimelineEntry, describe_record, people_in
from palermo.security import audit, identities
from palermo.security.permissions import Actor
from palermo.services.access import open_case
from palermo.services.cases import Page, person_view, without_identity
from palermo.services.context import Context
from palermo.services.errors import InvalidInput
from palermo.store.models import Event, EvidenceFile, Identifier, Person, Record

KINDS = ("call", "message", "payment", "trip", "event")
MAX_PER_PAGE = 500


@dataclass(frozen=True, slots=True)
class TimelineFilter:
    kinds: tuple[str, ...] = ()
    person_id: int | None = None
    start: datetime | None = None
    end: datetime | None = None


def _names(ctx: Context, session: Session, actor: Actor, case_id: int) -> dict[str, str]:
    """Identifier value → the person's name as this actor may see it (victims by pseudonym)."""
    viewer = without_identity(actor)
    people = {
        p.id: person_view(ctx, viewer, p).display_name
        for p in session.scalars(select(Person).where(Person.case_id == case_id))
    }
    rows = session.execute(
        select(Identifier.value, Identifier.person_id).where(
            Identifier.case_id == case_id, Identifier.person_id.is_not(None)
        )
    )
    return {value: people[pid] for value, pid in rows if pid in people}


def _sources(case_id: int, chosen: TimelineFilter, person_values: list[str]) -> Select[tuple]:
    kinds = [k for k in chosen.kinds if k in KINDS] or list(KINDS)
    record_kinds = [k for k in kinds if k != "event"]
    parts = []
    if record_kinds:
        query = select(
            literal("record").label("origin_table"),
            Record.id.label("id"),
            Record.occurred_at.label("at"),
            Record.kind.label("kind"),
            Record.source.label("source"),
            Record.target.label("target"),
            Record.amount.label("amount"),
            Record.currency.label("currency"),
            Record.duration_s.label("duration_s"),
            Record.channel.label("channel"),
            Record.origin.label("place_from"),
            Record.destination.label("place_to"),
            null().label("title"),
            Record.evidence_file_id.label("evidence_file_id"),
            Record.row_number.label("row_number"),
        ).where(Record.case_id == case_id, Record.kind.in_(record_kinds))
        if chosen.person_id is not None:
            query = query.where(
                or_(Record.source.in_(person_values), Record.target.in_(person_values))
            )
        if chosen.start:
            query = query.where(Record.occurred_at >= chosen.start)
        if chosen.end:
            query = query.where(Record.occurred_at <= chosen.end)
        parts.append(query)
    if "event" in kinds:
        events = select(
            literal("event").label("origin_table"),
            Event.id.label("id"),
            Event.occurred_at.label("at"),
            Event.kind.label("kind"),
            null().label("source"),
            null().label("target"),
            null().label("amount"),
            null().label("currency"),
            null().label("duration_s"),
            null().label("channel"),
            null().label("place_from"),
            null().label("place_to"),
            Event.title.label("title"),
            Event.evidence_file_id.label("evidence_file_id"),
            null().label("row_number"),
        ).where(Event.case_id == case_id)
        if chosen.person_id is not None:
            events = events.where(Event.person_id == chosen.person_id)
        if chosen.start:
            events = events.where(Event.occurred_at >= chosen.start)
        if chosen.end:
            events = events.where(Event.occurred_at <= chosen.end)
        parts.append(events)
    combined = union_all(*parts) if len(parts) > 1 else parts[0]
    return select(combined.subquery())


def case_timeline(
    ctx: Context,
    actor: Actor,
    reference: str,
    chosen: TimelineFilter | None = None,
    *,
    page: int = 1,
    per_page: int = 100,
) -> Page[TimelineEntry]:
    """A page of the chronology, oldest first, each entry with its source."""
    chosen = chosen or TimelineFilter()
    unknown = [k for k in chosen.kinds if k not in KINDS]
    if unknown:
        raise InvalidInput(f"unknown timeline kind(s): {', '.join(unknown)}")
    page, per_page = max(1, page), min(max(1, per_page), MAX_PER_PAGE)
    with ctx.db.session() as session:
        case = open_case(ctx, session, actor, reference)
        person_values: list[str] = []
        if chosen.person_id is not None:
            person_values = list(
                session.scalars(
                    select(Identifier.value).where(
                        Identifier.case_id == case.id, Identifier.person_id == chosen.person_id
                    )
                )
            )
        names = _names(ctx, session, actor, case.id)
        redactor = identities.redactor_for(ctx, session, case.id, actor, purpose="timeline")
        rows_query = _sources(case.id, chosen, person_values).subquery()
        total = session.scalar(select(func.count()).select_from(rows_query)) or 0
        rows = session.execute(
            select(rows_query, EvidenceFile.original_name, EvidenceFile.sha256)
            .outerjoin(EvidenceFile, EvidenceFile.id == rows_query.c.evidence_file_id)
            .order_by(rows_query.c.at.asc().nulls_last(), rows_query.c.id)
            .offset((page - 1) * per_page)
            .limit(per_page)
        ).all()
        audit.record(
            session,
            actor=actor,
            action="timeline.read",
            case_id=case.id,
            details={"page": page, "kinds": list(chosen.kinds), "person_id": chosen.person_id},
        )
        entries = []
        for row in rows:
            m = row._mapping
            if m["origin_table"] == "record":
                title = describe_record(
                    m["kind"],
                    source=m["source"],
                    target=m["target"],
                    names=names,
                    amount=m["amount"],
                    currency=m["currency"],
                    duration_s=m["duration_s"],
                    channel=m["channel"],
                    origin=m["place_from"],
                    destination=m["place_to"],
                )
                locator = f"row {m['row_number']}"
            else:
                title, locator = str(m["title"]), None
            entries.append(
                TimelineEntry(
                    entry_id=f"{m['origin_table']}:{m['id']}",
                    at=m["at"],
                    kind=m["kind"],
                    title=title,
                    detail=None,
                    people=people_in((m["source"], m["target"]), names),
                    source=SourceRef(
                        m["evidence_file_id"], m["original_name"], m["sha256"], locator
                    ),
                )
            )
        if redactor is not None:
            entries = [
                replace(
                    redactor.fields(e, "title", "detail", "people"),
                    source=redactor.fields(e.source, "file_name"),
                )
                for e in entries
            ]
        return Page(entries, int(total), page, per_page, "at", False)
