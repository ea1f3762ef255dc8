"""The case timeline: every dated record and event in one chronology, filtered and paged."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Select, func, literal, null, or_, select, union_all
from sqlalchemy.orm import Session

from palermo.analysis.timeline import (
    FIRST_LABELS,
    KIND_NAMES,
    KINDS_IN_ORDER,
    SourceRef,
    TimelineEntry,
    describe_record,
    fact_kind,
    people_in,
)
from palermo.security import audit, identities
from palermo.security.permissions import Actor
from palermo.services.access import open_case
from palermo.services.cases import Page, person_view, without_identity
from palermo.services.context import Context
from palermo.services.derived_views import KeptView
from palermo.services.errors import InvalidInput
from palermo.services.viewcache import CaseViewCache, case_fingerprint, viewer_key
from palermo.store.models import (
    Assertion,
    AssertionStatus,
    Event,
    EvidenceFile,
    Identifier,
    Person,
    Record,
)
from palermo.store.models.documents import Document

# Facts first (what a prosecutor tells), then the contacts between people.
KINDS = KINDS_IN_ORDER
# Which record kinds each timeline kind reads (a trip is travel).
_RECORD_KINDS = {"payment": "payment", "travel": "trip", "call": "call", "message": "message"}
_INDICATOR_KINDS = ("recruitment", "travel", "exploitation", "threat")
MAX_PER_PAGE = 500
MAX_EXPORT = 100_000
MESSAGES_PER_SCREEN = 50  # as the document view splits a chat into screens


@dataclass(frozen=True, slots=True)
class TimelineFilter:
    kinds: tuple[str, ...] = ()
    person_id: int | None = None
    start: datetime | None = None
    end: datetime | None = None


def _names(
    ctx: Context, session: Session, actor: Actor, case_id: int
) -> tuple[dict[str, str], dict[int, str]]:
    """Identifier value → the person's name as this actor may see it (victims by pseudonym),
    and person id → that name."""
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
    return {value: people[pid] for value, pid in rows if pid in people}, people


def _sources(
    case_id: int, chosen: TimelineFilter, person_values: list[str]
) -> Select[tuple[Any, ...]] | None:
    kinds = [k for k in chosen.kinds if k in KINDS] or list(KINDS)
    record_kinds = [_RECORD_KINDS[k] for k in kinds if k in _RECORD_KINDS]
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
    if not parts:
        return None
    combined = union_all(*parts) if len(parts) > 1 else parts[0]
    return select(combined.subquery())


def _at(value: object) -> datetime | None:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, str) and value:
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            return None
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    return None


def _number(locator: str | None) -> int | None:
    tail = (locator or "").rsplit(" ", 1)[-1]
    return int(tail) if tail.isdigit() else None


def _passage_url(case_ref: str, evidence_file_id: int, locator: str | None, anchor: int) -> str:
    """The document screen showing a passage (a chat is split into runs of messages)."""
    number = _number(locator) or 1
    screen = (
        (number - 1) // MESSAGES_PER_SCREEN + 1 if (locator or "").startswith("message") else number
    )
    query = f"?page={screen}" if screen > 1 else ""
    return f"/cases/{case_ref}/documents/{evidence_file_id}{query}#ref-{anchor}"


def _facts(
    session: Session,
    case_id: int,
    case_ref: str,
    chosen: TimelineFilter,
    kinds: list[str],
    people_names: dict[int, str],
) -> tuple[list[TimelineEntry], dict[str, tuple[datetime, str]]]:
    """Dated facts read from documents: each indicator nobody rejected, placed in the story
    by the concepts it supports and dated by its message or its document; and the first
    dated fact of each kind in the whole case (whatever the person or dates asked for)."""
    firsts: dict[str, tuple[datetime, str]] = {}
    wanted = [k for k in kinds if k in _INDICATOR_KINDS]
    if not wanted:
        return [], firsts
    rows = session.execute(
        select(Assertion, EvidenceFile.original_name, EvidenceFile.sha256)
        .join(EvidenceFile, EvidenceFile.id == Assertion.evidence_file_id)
        .where(
            Assertion.case_id == case_id,
            Assertion.predicate == "indicator",
            Assertion.status != AssertionStatus.REJECTED.value,
        )
    ).all()
    if not rows:
        return [], firsts
    file_ids = {a.evidence_file_id for a, _, _ in rows}
    metadata = {
        d.evidence_file_id: d.doc_metadata or {}
        for d in session.scalars(select(Document).where(Document.evidence_file_id.in_(file_ids)))
    }
    mentioned: dict[tuple[int | None, str | None], list[int]] = {}
    for file_id, locator, person_id in session.execute(
        select(Assertion.evidence_file_id, Assertion.locator, Assertion.subject_id).where(
            Assertion.case_id == case_id,
            Assertion.predicate == "mention",
            Assertion.subject_type == "person",
            Assertion.status != AssertionStatus.REJECTED.value,
            Assertion.evidence_file_id.in_(file_ids),
        )
    ):
        if person_id is not None:
            mentioned.setdefault((file_id, locator), []).append(person_id)
    entries: list[TimelineEntry] = []
    seen: set[tuple[int | None, str | None, str]] = set()
    for a, file_name, sha256 in rows:
        details = a.details or {}
        kind = fact_kind([str(c) for c in details.get("concepts") or []])
        if kind not in wanted:
            continue
        # One entry per passage and kind: two indicators in one sentence tell one fact.
        sentence = str(details.get("sentence") or a.quote or "")
        key = (a.evidence_file_id, a.locator, kind + sentence)
        if key in seen:
            continue
        seen.add(key)
        meta = metadata.get(a.evidence_file_id or 0, {})
        dates = meta.get("message_dates") if isinstance(meta.get("message_dates"), dict) else {}
        number = _number(a.locator)
        at = _at(dates.get(str(number))) if dates and number else None
        dated_by = "sent" if at else None
        if at is None:
            at = _at(meta.get("date")) or _at(meta.get("created"))
            dated_by = "document dated" if at else None
        if at is not None and (kind not in firsts or (at, f"fact:{a.id}") < firsts[kind]):
            firsts[kind] = (at, f"fact:{a.id}")
        people_ids = mentioned.get((a.evidence_file_id, a.locator), [])
        if chosen.person_id is not None and chosen.person_id not in people_ids:
            continue
        if (chosen.start and (at is None or at < chosen.start)) or (
            chosen.end and (at is None or at > chosen.end)
        ):
            continue
        label = str(details.get("label") or "").strip()
        title = label or KIND_NAMES.get(kind, "Fact")
        detail = "the date the document bears" if dated_by == "document dated" else None
        entries.append(
            TimelineEntry(
                entry_id=f"fact:{a.id}",
                at=at,
                kind=kind,
                title=title,
                detail=detail,
                people=tuple(
                    dict.fromkeys(people_names[p] for p in people_ids if p in people_names)
                ),
                source=SourceRef(
                    a.evidence_file_id,
                    file_name,
                    sha256,
                    a.locator,
                    _passage_url(case_ref, a.evidence_file_id or 0, a.locator, a.id),
                ),
                quote=sentence.strip() or None,
            )
        )
    return entries, firsts


def _first_records(
    session: Session, case_id: int, kinds: list[str], firsts: dict[str, tuple[datetime, str]]
) -> set[str]:
    """The entry ids of the first dated entry of each kind of the story: the first
    recruitment, travel, sign of exploitation, payment and threat of the case."""
    for record_kind, kind in (("payment", "payment"), ("trip", "travel")):
        if kind not in kinds:
            continue
        row = session.execute(
            select(Record.id, Record.occurred_at)
            .where(
                Record.case_id == case_id,
                Record.kind == record_kind,
                Record.occurred_at.is_not(None),
            )
            .order_by(Record.occurred_at, Record.id)
            .limit(1)
        ).first()
        at = _at(row[1]) if row else None
        if row and at is not None:
            candidate = (at, f"record:{row[0]}")
            if kind not in firsts or candidate < firsts[kind]:
                firsts[kind] = candidate
    return {entry_id for kind, (_, entry_id) in firsts.items() if kind in FIRST_LABELS}


def _order(entry: TimelineEntry) -> tuple[bool, datetime, str]:
    return (entry.at is None, entry.at or datetime.min.replace(tzinfo=UTC), entry.entry_id)


def case_timeline(
    ctx: Context,
    actor: Actor,
    reference: str,
    chosen: TimelineFilter | None = None,
    *,
    page: int = 1,
    per_page: int = 100,
) -> Page[TimelineEntry]:
    """A page of the chronology, oldest first, each entry with its source and its link."""
    page, per_page = max(1, page), min(max(1, per_page), MAX_PER_PAGE)
    return _timeline(ctx, actor, reference, chosen, page, per_page, "timeline.read")


def export_timeline(
    ctx: Context, actor: Actor, reference: str, chosen: TimelineFilter | None = None
) -> Page[TimelineEntry]:
    """The whole chronology as filtered (up to :data:`MAX_EXPORT` entries), for a download."""
    return _timeline(ctx, actor, reference, chosen, 1, MAX_EXPORT, "timeline.export")


def _timeline(
    ctx: Context,
    actor: Actor,
    reference: str,
    chosen: TimelineFilter | None,
    page: int,
    per_page: int,
    action: str,
) -> Page[TimelineEntry]:
    chosen = chosen or TimelineFilter()
    unknown = [k for k in chosen.kinds if k not in KINDS]
    if unknown:
        raise InvalidInput(f"unknown timeline kind(s): {', '.join(unknown)}")
    kinds = list(chosen.kinds) or list(KINDS)
    with ctx.db.session() as session:
        case = open_case(ctx, session, actor, reference)
        case_id = case.id
        fingerprint = _fingerprint(session, case)
    # Access checked above; the page is kept per case fingerprint, viewer and request
    # (in memory), its facts per case fingerprint, viewer and filter (stored too).
    variant = (viewer_key(actor), chosen, page, per_page)
    kept = _pages.get_or_compute(
        ctx,
        case_id,
        fingerprint,
        variant,
        lambda: _timeline_page(ctx, actor, reference, chosen, kinds, page, per_page, fingerprint),
    )
    with ctx.db.session() as session:
        audit.record_read(
            session,
            actor=actor,
            action=action,
            case_id=case_id,
            details={
                "page": page,
                "kinds": list(chosen.kinds),
                "person_id": chosen.person_id,
                "cached": kept.hit,
            },
        )
    return kept.value


def _fingerprint(session: Session, case: Any) -> tuple[Any, ...]:
    from palermo.services.elements import _people_digest  # names shown come from people

    events = session.execute(
        select(func.count(Event.id), func.max(Event.id)).where(Event.case_id == case.id)
    ).one()
    return (*case_fingerprint(session, case), *_people_digest(session, case.id), *events)


@dataclass(frozen=True, slots=True)
class _Facts:
    """The timeline's facts for one filter as one kind of viewer may see them, with the
    first entries of the story and the names that identifiers stand for."""

    facts: tuple[TimelineEntry, ...]
    first_ids: frozenset[str]
    names: dict[str, str]


# Pages are cheap to keep and many; the facts behind them read every indicator of the case.
_pages: CaseViewCache[Page[TimelineEntry]] = CaseViewCache(max_entries=64)
_facts_kept: KeptView[_Facts] = KeptView("timeline.facts/1", max_entries=32)


def _timeline_page(
    ctx: Context,
    actor: Actor,
    reference: str,
    chosen: TimelineFilter,
    kinds: list[str],
    page: int,
    per_page: int,
    fingerprint: tuple[Any, ...],
) -> Page[TimelineEntry]:
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
        redactor = identities.redactor_for(ctx, session, case.id, actor, purpose="timeline")

        def compute_facts() -> _Facts:
            names, people_names = _names(ctx, session, actor, case.id)
            found, firsts = _facts(session, case.id, case.reference, chosen, kinds, people_names)
            first_ids = _first_records(session, case.id, kinds, firsts)
            return _Facts(tuple(sorted(found, key=_order)), frozenset(first_ids), names)

        kept = _facts_kept.get(
            ctx, case.id, fingerprint, (viewer_key(actor), chosen, tuple(kinds)), compute_facts
        ).value
        facts, first_ids, names = kept.facts, kept.first_ids, kept.names
        sources = _sources(case.id, chosen, person_values)
        window = page * per_page  # the first rows of both lists hold the whole page
        rows: list[Any] = []
        total = len(facts)
        if sources is not None:
            rows_query = sources.subquery()
            total += session.scalar(select(func.count()).select_from(rows_query)) or 0
            rows = list(
                session.execute(
                    select(rows_query, EvidenceFile.original_name, EvidenceFile.sha256)
                    .outerjoin(EvidenceFile, EvidenceFile.id == rows_query.c.evidence_file_id)
                    .order_by(rows_query.c.at.asc().nulls_last(), rows_query.c.id)
                    .limit(window)
                ).all()
            )
        entries = list(facts[:window])
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
                locator = f"row {m['row_number']}" if m["row_number"] is not None else None
                url: str | None = f"/cases/{case.reference}/records?record={m['id']}"
                kind = "travel" if m["kind"] == "trip" else m["kind"]
            else:
                title, locator, kind = str(m["title"]), None, "event"
                url = (
                    f"/cases/{case.reference}/documents/{m['evidence_file_id']}"
                    if m["evidence_file_id"] is not None
                    else None
                )
            entries.append(
                TimelineEntry(
                    entry_id=f"{m['origin_table']}:{m['id']}",
                    at=_at(m["at"]),
                    kind=kind,
                    title=title,
                    detail=None if kind != "event" else _event_kind(m["kind"]),
                    people=people_in((m["source"], m["target"]), names),
                    source=SourceRef(
                        m["evidence_file_id"],
                        m["original_name"],
                        m["sha256"],
                        locator,
                        url,
                    ),
                )
            )
        entries.sort(key=_order)
        entries = [
            replace(e, first=True) if e.entry_id in first_ids else e
            for e in entries[(page - 1) * per_page : window]
        ]
        if redactor is not None:
            entries = [
                replace(
                    redactor.fields(e, "title", "detail", "people", "quote"),
                    source=redactor.fields(e.source, "file_name"),
                )
                for e in entries
            ]
        return Page(entries, int(total), page, per_page, "at", False)


def _event_kind(kind: str | None) -> str | None:
    return None if not kind or kind == "event" else kind.replace("_", " ")
