"""The prosecution memo: gathers each section's data, redacts, renders HTML or PDF."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from palermo.reports.memo import Memo, MemoSection, render_html, render_pdf
from palermo.security import audit
from palermo.security.permissions import Actor, Permission
from palermo.security.redaction import Redactor
from palermo.security.sealing import SealError, person_context
from palermo.services.access import open_case
from palermo.services.cases import list_evidence, person_view, without_identity
from palermo.services.context import Context
from palermo.services.timeline import case_timeline
from palermo.store.models import Case, Charge, Identifier, Person, Record

TIMELINE_ENTRIES = 100  # WeasyPrint lays out table rows slowly; the full timeline is in the app


def _redactor(ctx: Context, people: list[Person]) -> Redactor:
    identities = []
    for person in people:
        if person.sealed_identity is None:
            continue
        try:
            sealed = ctx.sealer.unseal(
                person.sealed_identity, person_context(person.case_id, person.pseudonym)
            )
        except SealError:
            continue
        names = [str(sealed.get("name") or ""), *[str(a) for a in sealed.get("aliases", [])]]
        identities.append((person.pseudonym, names))
    return Redactor(identities)


def _summary(session: Session, case: Case, people: list[Person]) -> dict[str, Any]:
    kinds = Counter(p.kind for p in people)
    first, last = session.execute(
        select(func.min(Record.occurred_at), func.max(Record.occurred_at)).where(
            Record.case_id == case.id
        )
    ).one()
    counts = dict(
        session.execute(
            select(Record.kind, func.count()).where(Record.case_id == case.id).group_by(Record.kind)
        ).all()
    )
    people_line = ", ".join(f"{n} {k}{'s' if n != 1 else ''}" for k, n in sorted(kinds.items()))
    evidence_line = ", ".join(f"{n:,} {k}s" for k, n in sorted(counts.items())) or "no records"
    return {
        "reference": case.reference,
        "stage": case.stage,
        "jurisdiction": case.jurisdiction,
        "typology": case.typology,
        "statutes": list(case.statutes or []),
        "first": first,
        "last": last,
        "summary": case.summary,
        "people_line": f"People: {people_line or 'none recorded'}",
        "evidence_line": f"Structured records: {evidence_line}",
    }


def _parties(
    ctx: Context, session: Session, viewer: Actor, case: Case, people: list[Person]
) -> dict[str, Any]:
    charges: dict[int, list[str]] = defaultdict(list)
    for charge in session.scalars(select(Charge).where(Charge.case_id == case.id)):
        charges[charge.person_id].append(f"{charge.statute_id} ({charge.status})")
    identifier_counts = dict(
        session.execute(
            select(Identifier.person_id, func.count())
            .where(Identifier.case_id == case.id, Identifier.person_id.is_not(None))
            .group_by(Identifier.person_id)
        ).all()
    )
    order = {"suspect": 0, "official": 1, "victim": 2, "witness": 3, "other": 4}
    rows = []
    for person in sorted(people, key=lambda p: (order.get(p.kind, 9), p.pseudonym)):
        view = person_view(ctx, viewer, person)
        rows.append(
            {
                "name": view.display_name,
                "kind": person.kind,
                "is_minor": person.is_minor,
                "identifiers": identifier_counts.get(person.id, 0),
                "charges": charges.get(person.id, []),
            }
        )
    return {"people": rows}


def _activity_by_month(session: Session, case: Case) -> tuple[list[str], list[tuple[str, dict]]]:
    # Grouping by month in Python over (kind, date) aggregates keeps this portable;
    # the database does the heavy lifting by grouping per day first.
    day = func.date(Record.occurred_at)
    rows = session.execute(
        select(Record.kind, day, func.count())
        .where(Record.case_id == case.id, Record.occurred_at.is_not(None))
        .group_by(Record.kind, day)
    ).all()
    months: dict[str, Counter[str]] = defaultdict(Counter)
    for kind, when, count in rows:
        months[str(when)[:7]][kind] += int(count)
    kinds = sorted({kind for kind, _, _ in rows})
    return kinds, [(month, dict(months[month])) for month in sorted(months)]


def build_memo(ctx: Context, actor: Actor, reference: str, *, reveal: bool = False) -> Memo:
    """Collect the memo for a case. Identities appear only if asked for and allowed."""
    allowed = reveal and actor.can(Permission.SEE_VICTIM_IDENTITY)
    viewer = actor if allowed else without_identity(actor)
    with ctx.db.session() as session:
        case = open_case(ctx, session, actor, reference)
        people = list(session.scalars(select(Person).where(Person.case_id == case.id)))
        memo = Memo(
            reference=case.reference,
            title=case.title,
            generated_at=datetime.now(UTC),
            generated_by=actor.username,
            redacted=not allowed,
        )
        memo.sections.append(
            MemoSection(
                "summary", "Summary", "section_summary.html", _summary(session, case, people)
            )
        )
        memo.sections.append(
            MemoSection(
                "parties",
                "Parties and charges",
                "section_parties.html",
                _parties(ctx, session, viewer, case, people),
            )
        )
        kinds, months = _activity_by_month(session, case)
        redactor = _redactor(ctx, people) if not allowed else Redactor([])
    memo.sections.extend(_elements_sections(ctx, viewer, reference))
    timeline = case_timeline(ctx, viewer, reference, per_page=TIMELINE_ENTRIES)
    memo.sections.append(
        MemoSection(
            "timeline",
            "Timeline",
            "section_timeline.html",
            {
                "kinds": kinds,
                "months": months,
                "entries": [_redact_entry(e, redactor) for e in timeline.items],
                "total": timeline.total,
                "truncated": timeline.total > len(timeline.items),
            },
        )
    )
    memo.sections.append(
        MemoSection(
            "evidence",
            "Evidence index",
            "section_evidence.html",
            {"files": list_evidence(ctx, actor, reference)},
        )
    )
    return memo


def _elements_sections(ctx: Context, viewer: Actor, reference: str) -> list[MemoSection]:
    """Charges and the elements matrix, then gaps with recommended actions."""
    from palermo.services.elements import assess

    assessment = assess(ctx, viewer, reference)
    gaps = [
        {"suspect": suspect.name, "citation": statute.citation, "gap": gap}
        for suspect in assessment.suspects
        for statute in suspect.statutes
        for gap in statute.gaps
    ]
    return [
        MemoSection(
            "elements",
            "Charges and the elements of each offence",
            "section_elements.html",
            {
                "readiness": assessment.readiness,
                "readiness_reason": assessment.readiness_reason,
                "suspects": assessment.suspects,
            },
        ),
        MemoSection(
            "gaps",
            "Gaps and recommended actions",
            "section_gaps.html",
            {"gaps": gaps, "unattributed_total": assessment.unattributed_total},
        ),
    ]


def _redact_entry(entry: Any, redactor: Redactor) -> Any:
    from dataclasses import replace

    return replace(entry, title=redactor(entry.title)) if redactor.active else entry


def export_memo(
    ctx: Context, actor: Actor, reference: str, *, fmt: str = "html", reveal: bool = False
) -> bytes:
    """The memo as HTML or PDF bytes; the export is audited with whether names were included."""
    if fmt not in {"html", "pdf"}:
        raise ValueError("format must be html or pdf")
    memo = build_memo(ctx, actor, reference, reveal=reveal)
    html = render_html(memo)
    if memo.redacted:
        # Second line of defence: free text must not carry a sealed name either.
        with ctx.db.session() as session:
            case = open_case(ctx, session, actor, reference)
            people = list(session.scalars(select(Person).where(Person.case_id == case.id)))
        html = _redactor(ctx, people).html(html)
    with ctx.db.session() as session:
        case = open_case(ctx, session, actor, reference)
        audit.record(
            session,
            actor=actor,
            action="memo.export",
            case_id=case.id,
            object_type="case",
            object_id=case.id,
            details={"format": fmt, "identities_included": not memo.redacted},
        )
    return html.encode() if fmt == "html" else render_pdf(html)
