"""Import a defendant-level table of outcomes: cases, defendants, charges and outcomes.

One transaction for the file; each row is written inside a savepoint, so a row refused
while writing (e.g. a sentence above the statute's maximum) leaves nothing behind while
the other rows are kept. Re-importing the same file adds nothing: a defendant already in
the case under the same name is reported as already imported.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from palermo.caseload import outcome_import as oi
from palermo.security import audit
from palermo.security.permissions import Actor, Permission
from palermo.services import caseload as svc
from palermo.services import search
from palermo.services.casework import statute_book
from palermo.services.context import Context
from palermo.services.errors import InvalidInput, PermissionDenied
from palermo.services.fields import FieldError, FieldErrors
from palermo.store.models import Case, CaseMember, Charge, Person, PersonKind, Stage, Unit, User


@dataclass(slots=True)
class OutcomeImportReport:
    profile: str
    source: str
    rows: int = 0
    cases_created: list[str] = field(default_factory=list)
    cases_reused: list[str] = field(default_factory=list)
    defendants: int = 0
    charges: int = 0
    outcomes: int = 0
    already_imported: int = 0
    imported_lines: list[int] = field(default_factory=list)
    dry_run: bool = False  # nothing was written: this is what the import would do
    refused: list[oi.Problem] = field(default_factory=list)
    notes: list[oi.Problem] = field(default_factory=list)

    @property
    def refused_lines(self) -> list[int]:
        return sorted({p.line for p in self.refused})


def import_outcomes(
    ctx: Context,
    actor: Actor,
    text: str,
    *,
    unit_id: int,
    profile: str = "htd",
    file_name: str = "table",
    mapping: str | None = None,
    dry_run: bool = False,
) -> OutcomeImportReport:
    """Import ``text`` (a CSV table) with the bundled ``profile`` or, if given, the
    ``mapping`` (a profile's YAML text). ``dry_run``: check and report everything the
    import would do, then write nothing (the transaction is rolled back)."""
    if not (actor.is_system or actor.can(Permission.EDIT_CASE)):
        raise PermissionDenied(f"your role ({actor.role.value}) cannot import outcomes")
    try:
        if mapping is not None:
            prof = oi.parse_profile(mapping, "mapping", statute_book().ids())
        else:
            prof = oi.load_profile(profile, statute_book().ids())
    except oi.ProfileError as exc:
        raise FieldErrors([FieldError("mapping" if mapping else "profile", str(exc))]) from None
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    records: list[tuple[int, dict[str, str]]] = []
    try:
        header = reader.fieldnames or []
        records = [(line, dict(row)) for line, row in oi.numbered(reader)]
        accepted, problems = oi.parse(records, prof, header)
    except oi.ProfileError as exc:
        raise FieldErrors([FieldError("file", f"{file_name}, {exc}")]) from None
    except csv.Error as exc:
        raise FieldErrors([FieldError("file", f"{file_name}: not a CSV table ({exc})")]) from None
    report = OutcomeImportReport(prof.name, prof.source, rows=len(records), dry_run=dry_run)
    report.refused = [p for p in problems if p.refused]
    report.notes = [p for p in problems if not p.refused]
    try:
        _write(ctx, actor, report, accepted, prof, unit_id, file_name)
    except _DryRun:
        with ctx.db.session() as session:
            audit.record(
                session,
                actor=actor,
                action="caseload.import_outcomes_dry_run",
                details={
                    "file": file_name[:200],
                    "profile": prof.name,
                    "rows": report.rows,
                    "refused_lines": report.refused_lines[:200],
                },
            )
        return report
    from palermo.services.caseload_views import _forget_unit

    _forget_unit(ctx, unit_id)
    return report


class _DryRun(Exception):
    """Raised at the end of a dry run: the transaction rolls back."""


def _write(
    ctx: Context,
    actor: Actor,
    report: OutcomeImportReport,
    accepted: list[oi.DefendantRow],
    prof: oi.Profile,
    unit_id: int,
    file_name: str,
) -> None:
    with ctx.db.session() as session:
        unit = session.get(Unit, unit_id)
        if unit is None:
            raise FieldErrors([FieldError("unit", f"no unit with id {unit_id}")])
        if not actor.is_system:
            user = session.get(User, actor.user_id) if actor.user_id else None
            if user is None or user.unit_id != unit_id:
                raise FieldErrors([FieldError("unit", "you can import only into your own unit")])
        by_case: dict[str, list[oi.DefendantRow]] = {}
        for row in accepted:
            by_case.setdefault(row.case_reference, []).append(row)
        ranges = svc.statute_ranges()
        for reference, rows in by_case.items():
            case = _case(session, actor, report, unit_id, prof, reference, rows)
            if case is None:
                continue
            for row in rows:
                _defendant(ctx, session, actor, report, case, prof, row, ranges)
            _close_if_decided(session, case)
        audit.record(
            session,
            actor=actor,
            action="caseload.import_outcomes",
            details={
                "file": file_name[:200],
                "profile": prof.name,
                "rows": report.rows,
                "cases_created": len(report.cases_created),
                "defendants": report.defendants,
                "outcomes": report.outcomes,
                "refused_lines": report.refused_lines[:200],
            },
        )
        if report.dry_run:
            raise _DryRun


def _case(
    session: Session,
    actor: Actor,
    report: OutcomeImportReport,
    unit_id: int,
    prof: oi.Profile,
    reference: str,
    rows: list[oi.DefendantRow],
) -> Case | None:
    case = session.scalar(select(Case).where(Case.reference == reference))
    if case is not None and case.unit_id != unit_id:
        for row in rows:
            report.refused.append(
                oi.Problem(
                    row.line,
                    prof.case["reference"],
                    reference,
                    "a case with this reference belongs to another unit",
                )
            )
        return None
    charged = [r.charged_on for r in rows if r.charged_on]
    statutes = sorted({c.statute_id for r in rows for c in r.charges})
    if case is None:
        case = Case(
            unit_id=unit_id,
            reference=reference,
            title=rows[0].case_title[:300],
            jurisdiction=prof.jurisdiction or "US",
            stage=Stage.CHARGED.value if charged else Stage.INVESTIGATION.value,
            statutes=statutes,
            default_region=prof.jurisdiction[:2] if prof.jurisdiction else "US",
            opened_on=min(charged) if charged else None,
            charged_on=min(charged) if charged else None,
            summary=rows[0].case_summary,
        )
        session.add(case)
        session.flush()
        report.cases_created.append(reference)
    else:
        case.statutes = sorted(set(case.statutes or []) | set(statutes))
        report.cases_reused.append(reference)
    if actor.user_id is not None and session.get(CaseMember, (case.id, actor.user_id)) is None:
        session.add(CaseMember(case_id=case.id, user_id=actor.user_id, case_role="owner"))
        session.flush()
    return case


def _defendant(
    ctx: Context,
    session: Session,
    actor: Actor,
    report: OutcomeImportReport,
    case: Case,
    prof: oi.Profile,
    row: oi.DefendantRow,
    ranges: dict[str, svc.StatuteRange],
) -> None:
    existing = session.scalar(
        select(Person.id).where(Person.case_id == case.id, Person.name == row.name)
    )
    if existing is not None:
        report.already_imported += 1
        return
    savepoint = session.begin_nested()
    try:
        from palermo.services.cases import _next_pseudonym

        person = Person(
            case_id=case.id,
            kind=PersonKind.SUSPECT.value,
            pseudonym=_next_pseudonym(session, case.id, PersonKind.SUSPECT),
            name=row.name,
            aliases=row.aliases,
            sex=row.sex,
        )
        session.add(person)
        session.flush()
        search.index_person(ctx, session, person, [row.name, *row.aliases], sealed=False)
        outcomes = 0
        for c in row.charges:
            charge = Charge(
                case_id=case.id,
                person_id=person.id,
                statute_id=c.statute_id,
                counts=c.counts,
                status="filed",
                filed_on=row.charged_on,
            )
            session.add(charge)
            session.flush()
            decided = c.verdict != "pending"
            saved = svc.add_outcome(
                session,
                actor,
                case_id=case.id,
                person_id=person.id,
                verdict=c.verdict,
                charge_id=charge.id,
                ranges=ranges,
                restitution_currency=prof.currency if c.restitution_ordered else None,
                verdict_on=row.verdict_on if decided else None,
                sentenced_on=row.sentenced_on if c.verdict == "convicted" else None,
                custodial_months=c.custodial_months,
                probation_months=c.probation_months,
                fine_amount=c.fine_amount,
                fine_currency=prof.currency if c.fine_amount else None,
                restitution_ordered=c.restitution_ordered,
            )
            from palermo.store.models.caseload import Outcome

            outcome = session.get(Outcome, saved.id)
            assert outcome is not None
            outcome.plea = c.plea
            outcome.supervised_release_months = c.supervised_release_months
            outcome.details = {
                "imported_from": prof.name,
                "line": row.line,
                **({"note": c.note} if c.note else {}),
                **({"appeal": row.appeal} if row.appeal is not None else {}),
                **({"forfeiture": row.forfeiture} if row.forfeiture is not None else {}),
            }
            outcomes += 1
        session.flush()
    except InvalidInput as exc:
        savepoint.rollback()
        report.refused.append(oi.Problem(row.line, "outcome", row.name, str(exc)))
        return
    savepoint.commit()
    report.defendants += 1
    report.charges += len(row.charges)
    report.outcomes += outcomes
    report.imported_lines.append(row.line)


def _close_if_decided(session: Session, case: Case) -> None:
    """A case whose every outcome is decided is closed on its last verdict date."""
    from sqlalchemy import func

    from palermo.store.models.caseload import Outcome

    pending = session.scalar(
        select(func.count())
        .select_from(Outcome)
        .where(Outcome.case_id == case.id, Outcome.verdict == "pending")
    )
    last: date | None = session.scalar(
        select(func.max(Outcome.verdict_on)).where(Outcome.case_id == case.id)
    )
    if not pending and last is not None and case.stage != Stage.CLOSED.value:
        case.stage, case.closed_on = Stage.CLOSED.value, last
