"""The case cockpit (the Overview tab): four answers in plain words.

READY?        readiness per suspect and charge, with the reasons as sentences
WHO?          the suspects with their roles and charges
WHAT IS MISSING?  the three to five most important gaps, each with the action that
              closes it (``law/gap_advice.yaml``) and who is assigned (case tasks)
WHAT NEXT?    next hearing, deadlines and open tasks

and beside them the victim-witness risk and what changed since the viewer's last visit
(from the audit log). :func:`cockpit` gathers the data (the elements assessment, shared
with the Elements tab through its cache; hearings and witnesses; notes; a few counts and
the audit entries since the last visit) and the pure functions below turn it into words.
"""

from __future__ import annotations

from collections import Counter, OrderedDict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from threading import Lock

from sqlalchemy import case, func, or_, select
from sqlalchemy.orm import Session

from palermo import clock, words
from palermo.law import load_gap_advice
from palermo.security import audit
from palermo.security.permissions import Actor
from palermo.services import caseload_views, casework, elements
from palermo.services.access import open_case
from palermo.services.caseload_views import DeadlineView, HearingView
from palermo.services.cases import CaseSummary
from palermo.services.casework import NoteView
from palermo.services.context import Context
from palermo.services.elements import CaseAssessment, GapView, StatuteView, SuspectView
from palermo.services.record_stats import record_stats
from palermo.store.models import (
    Assertion,
    AssertionStatus,
    AuditEntry,
    Case,
    EvidenceFile,
    Person,
)

VISIT = "case.overview"  # the audit action of a look at the cockpit
MAX_GAPS = 5
MAX_DEADLINES = 5
_STATUS_RANK = {"missing": 0, "supported_if_confirmed": 1, "single_source": 2}
_READY_RANK = {"not ready": 0, "needs corroboration": 1, "ready": 2}

# Changes to a case worth telling a returning user, by audit action: (noun, verb).
CHANGES: dict[str, tuple[str, str]] = {
    "evidence.ingest": ("evidence file", "loaded"),
    "evidence.upload": ("evidence upload", "received"),
    "evidence.ocr": ("scanned document", "read by OCR"),
    "person.create": ("person", "added"),
    "person.update": ("person", "edited"),
    "charge.create": ("charge", "filed"),
    "charge.consider": ("statute choice", "changed"),
    "assertion.confirm": ("suggestion", "confirmed"),
    "assertion.reject": ("suggestion", "rejected"),
    "element.link": ("piece of evidence", "linked to an element by hand"),
    "element.unlink": ("hand-made link", "withdrawn"),
    "document.author": ("document author", "set"),
    "network.role_decision": ("role", "decided"),
    "network.duplicate_decision": ("duplicate person", "decided"),
    "case.update": ("change", "made to the case details"),
    "case.note": ("note or task", "written"),
    "case.task_done": ("task", "completed"),
    "case.member_add": ("case member", "added"),
    "case.member_remove": ("case member", "removed"),
    "caseload.transition": ("stage change", "recorded"),
    "caseload.hearing": ("hearing", "recorded"),
    "caseload.outcome": ("outcome", "recorded"),
    "caseload.deadline": ("deadline", "set"),
    "caseload.contact": ("victim-witness contact", "recorded"),
    "caseload.witness_status": ("victim-witness record", "updated"),
    "caseload.witness_record": ("victim-witness record", "updated"),
}


# --- what the page shows ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ChargeLine:
    """One suspect x statute: its readiness and why, in sentences."""

    suspect_id: int
    suspect: str
    statute_id: str
    citation: str
    title: str
    charge_status: str  # words: "Charged" / "Under consideration"
    label: str  # ready | needs corroboration | not ready
    reasons: list[str]
    anchor: str  # the Elements tab fragment of the suspect x statute
    weak: tuple[tuple[str, ...], ...] = ()  # element names: missing, unconfirmed, single
    pending: int = 0  # suggestions to review on the required elements
    warning: str | None = None


@dataclass(frozen=True, slots=True)
class ChargeGroup:
    """Suspects whose charge under one statute stands the same way, told once."""

    citation: str
    title: str
    charge_status: str
    label: str
    suspects: list[tuple[str, str]]  # (pseudonym, Elements tab fragment)
    reasons: list[str]


@dataclass(frozen=True, slots=True)
class SuspectLine:
    person_id: int
    pseudonym: str
    name: str
    roles: list[str]
    acts: list[str]  # what the evidence shows they did (act concepts with facts)
    charges: list[ChargeLine]
    label: str  # the best readiness over their charges; "no charge" when none


@dataclass(frozen=True, slots=True)
class GapLine:
    suspects: list[str]
    citation: str
    element_label: str
    status: str
    problem: str  # a sentence: what is wrong
    action: str  # a sentence: what closes it
    assigned_to: str | None
    task: str | None
    anchor: str


@dataclass(frozen=True, slots=True)
class WitnessLine:
    pseudonym: str
    kind: str
    level: str
    reasons: list[str]


@dataclass(frozen=True, slots=True)
class NextSteps:
    next_hearing: HearingView | None
    last_hearing: HearingView | None
    deadlines: list[DeadlineView]
    tasks: list[NoteView]
    over_target: list[str]


@dataclass(frozen=True, slots=True)
class Changes:
    since: datetime | None  # the viewer's last visit; None: the first
    lines: list[str]


@dataclass(frozen=True, slots=True)
class Counts:
    people: dict[str, int]
    evidence_files: int
    evidence_problems: int
    records: int
    records_by_kind: dict[str, int]


@dataclass(frozen=True, slots=True)
class Cockpit:
    case: CaseSummary
    reference: str
    readiness: str
    verdict: str  # one sentence answering "ready?"
    charges: list[ChargeLine]
    charge_groups: list[ChargeGroup]
    suspects: list[SuspectLine]
    gaps: list[GapLine]
    gaps_total: int
    next: NextSteps
    witnesses: list[WitnessLine]
    changes: Changes
    counts: Counts
    assessment: CaseAssessment = field(repr=False)


# --- pure pieces -------------------------------------------------------------------------


def statute_anchor(pseudonym: str, statute_id: str) -> str:
    return f"st-{pseudonym}-{statute_id}".replace(" ", "_")


def element_anchor(pseudonym: str, statute_id: str, element_id: str) -> str:
    """The Elements tab's fragment of one suspect x statute x element."""
    return f"el-{pseudonym}-{statute_id}-{element_id}".replace(" ", "_")


# Short names of element kinds for reasons ("the means element").
_KIND_NAMES = {"mental_state": "mental state", "jurisdictional": "jurisdiction"}


def short_names(statute: StatuteView) -> dict[str, str]:
    """A short name per element of a statute for headings: its kind ("Means") when the
    statute has one element of that kind, else its label."""
    kinds: Counter[str] = Counter(e.kind for e in statute.elements)
    out = {}
    for e in statute.elements:
        if kinds[e.kind] == 1 and e.kind != "other":
            out[e.element_id] = _cap(_KIND_NAMES.get(e.kind, e.kind.replace("_", " ")))
        else:
            out[e.element_id] = e.label
    return out


def element_names(statute: StatuteView) -> dict[str, str]:
    """A short name per element for sentences: "the means element" when the statute has
    one element of that kind, else its label."""
    kinds: Counter[str] = Counter(e.kind for e in statute.elements)
    return {
        e.element_id: (
            f"the {_KIND_NAMES.get(e.kind, e.kind.replace('_', ' '))} element"
            if kinds[e.kind] == 1 and e.kind != "other"
            else e.label[:1].lower() + e.label[1:]
        )
        for e in statute.elements
    }


def _weak(statute: StatuteView) -> tuple[tuple[str, ...], ...]:
    names = element_names(statute)
    by: dict[str, list[str]] = {}
    for e in statute.elements:
        if e.required:
            by.setdefault(e.status, []).append(names[e.element_id])
    return tuple(
        tuple(by.get(status, []))
        for status in ("missing", "supported_if_confirmed", "single_source", "waived")
    )


def reasons_from(
    weak: Sequence[Sequence[str]], pending: int, label: str, warning: str | None = None
) -> list[str]:
    """Why a charge is (not) ready, as sentences: what has no evidence, what rests on
    unconfirmed suggestions, what on one source, what is not needed."""
    missing, unconfirmed, single, waived = (list(w) for w in weak)
    out: list[str] = []
    if missing:
        out.append(f"No evidence yet of {words.join(missing)}.")
    if unconfirmed:
        verb = "rests" if len(unconfirmed) == 1 else "rest"
        out.append(
            f"{_cap(words.join(unconfirmed))} {verb} only on suggestions nobody has "
            f"confirmed ({words.counted(pending, 'suggestion')} to review)."
        )
    if single:
        verb = "rests" if len(single) == 1 else "rest"
        out.append(f"{_cap(words.join(single))} {verb} on a single source.")
    if label == "ready":
        out.append("Every required element is proved by two or more independent sources.")
    if waived:
        out.append(f"Not needed in this case: {words.join(waived)}.")
    if warning:
        out.append(words.sentence(warning))
    return out


def readiness_reasons(statute: StatuteView) -> list[str]:
    """Why one suspect x statute is (not) ready, as sentences."""
    pending = sum(len(e.suggested) for e in statute.elements if e.required)
    return reasons_from(_weak(statute), pending, statute.readiness, statute.warning)


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def charge_lines(suspect: SuspectView) -> list[ChargeLine]:
    out = []
    for st in suspect.statutes:
        pending = sum(len(e.suggested) for e in st.elements if e.required)
        weak = _weak(st)
        out.append(
            ChargeLine(
                suspect_id=suspect.person_id,
                suspect=suspect.pseudonym,
                statute_id=st.statute_id,
                citation=st.citation,
                title=st.title,
                charge_status=words.human(st.charge_status),
                label=st.readiness,
                reasons=reasons_from(weak, pending, st.readiness, st.warning),
                anchor=statute_anchor(suspect.pseudonym, st.statute_id),
                weak=weak,
                pending=pending,
                warning=st.warning,
            )
        )
    return out


def group_charges(charges: Sequence[ChargeLine]) -> list[ChargeGroup]:
    """Charges that stand the same way (statute, status, readiness, the same elements
    weak) told once for all their suspects; charges nearest to ready first."""
    groups: dict[tuple[object, ...], list[ChargeLine]] = {}
    for ch in charges:
        key = (ch.citation, ch.charge_status, ch.label, ch.weak, ch.warning)
        groups.setdefault(key, []).append(ch)
    out = []
    for members in groups.values():
        first = members[0]
        out.append(
            ChargeGroup(
                citation=first.citation,
                title=first.title,
                charge_status=first.charge_status,
                label=first.label,
                suspects=[(m.suspect, m.anchor) for m in members],
                reasons=reasons_from(
                    first.weak, sum(m.pending for m in members), first.label, first.warning
                ),
            )
        )
    out.sort(key=lambda g: (-_READY_RANK.get(g.label, 0), g.citation, g.suspects[0][0]))
    return out


def best_label(charges: Sequence[ChargeLine]) -> str:
    if not charges:
        return "no charge"
    return max((c.label for c in charges), key=lambda label: _READY_RANK.get(label, 0))


def verdict(readiness: str, suspects: Sequence[SuspectLine]) -> str:
    """One sentence answering "is the case ready?"."""
    if not suspects:
        return "Not ready: no suspect is recorded in this case yet."
    uncharged = [s.pseudonym for s in suspects if not s.charges]
    ready = [s for s in suspects if s.label == "ready"]
    weak = [s for s in suspects if s.label == "needs corroboration"]
    n = len(suspects)
    parts = []
    if ready:
        parts.append(
            f"{words.counted(len(ready), 'suspect')} of {n} "
            f"{'has' if len(ready) == 1 else 'have'} a charge ready"
        )
    if weak:
        parts.append(
            f"{words.counted(len(weak), 'suspect')} {'needs' if len(weak) == 1 else 'need'} "
            "corroboration"
        )
    not_ready = n - len(ready) - len(weak) - len(uncharged)
    if not_ready > 0:
        parts.append(
            f"{words.counted(not_ready, 'suspect')} {'has' if not_ready == 1 else 'have'} "
            "no charge ready"
        )
    if uncharged:
        parts.append(f"no statute is chosen for {words.join(uncharged)}")
    head = {"ready": "Ready", "needs corroboration": "Nearly ready", "not ready": "Not ready"}
    return f"{head.get(readiness, 'Not ready')}: {'; '.join(parts)}."


def _action(gap: GapView) -> str:
    if gap.status == "supported_if_confirmed":
        head = "Review the suggestions for this element on the Elements tab (confirm or reject)"
        return head + (f"; or look for {words.join(gap.seek[:2], 'or')}." if gap.seek else ".")
    if gap.seek:
        return f"Look for {words.join(gap.seek[:2], 'or')}."
    return "Link evidence of this element on the Elements tab."


def _problem(gap: GapView) -> str:
    label = gap.element_label[:1].lower() + gap.element_label[1:]
    if gap.status == "missing":
        return f"No evidence yet of {label}."
    if gap.status == "supported_if_confirmed":
        return f"{_cap(label)} rests only on suggestions nobody has confirmed."
    kinds = load_gap_advice().source_kinds
    have = words.join([kinds.get(k, words.lower(k)) for k in gap.have], "and")
    return f"{_cap(label)} rests only on {have or 'a single source'}."


def _task_for(
    gap: GapView, suspect: SuspectView, tasks: Sequence[NoteView], pseudonyms: set[str]
) -> NoteView | None:
    """The open task about this gap: its text names the element (its label or the
    concept it needs) and, if it names a suspect, names this one."""
    label = gap.element_label.lower()
    for t in tasks:
        text = t.text.lower()
        if label not in text and gap.element_id.lower() not in text.split():
            continue
        named = {p for p in pseudonyms if p.lower() in text}
        if named and suspect.pseudonym not in named:
            continue
        return t
    return None


def top_gaps(
    assessment: CaseAssessment, tasks: Sequence[NoteView], limit: int = MAX_GAPS
) -> tuple[list[GapLine], int]:
    """The most important gaps (required elements of charges first, missing before
    unconfirmed before single source), the same element and advice for several suspects
    told once; and how many distinct gaps there are in all."""
    open_tasks = [t for t in tasks if t.kind == "task" and not t.done]
    pseudonyms = {s.pseudonym for s in assessment.suspects}
    merged: dict[tuple[str, str, str], tuple[tuple[int, ...], GapLine]] = {}
    for s in assessment.suspects:
        for st in s.statutes:
            for g in st.gaps:
                if not g.required:
                    continue
                key = (st.citation, g.element_label, g.status)
                rank = (
                    0 if st.charge_status == "charged" else 1,
                    _STATUS_RANK.get(g.status, 3),
                )
                task = _task_for(g, s, open_tasks, pseudonyms)
                if key in merged:
                    old_rank, line = merged[key]
                    merged[key] = (
                        min(old_rank, rank),
                        GapLine(
                            [*line.suspects, s.pseudonym],
                            line.citation,
                            line.element_label,
                            line.status,
                            line.problem,
                            line.action,
                            line.assigned_to or (task.assigned_to if task else None),
                            line.task or (task.text if task else None),
                            line.anchor,
                        ),
                    )
                    continue
                merged[key] = (
                    rank,
                    GapLine(
                        suspects=[s.pseudonym],
                        citation=st.citation,
                        element_label=g.element_label,
                        status=g.status,
                        problem=_problem(g),
                        action=_action(g),
                        assigned_to=task.assigned_to if task else None,
                        task=task.text if task else None,
                        anchor=element_anchor(s.pseudonym, st.statute_id, g.element_id),
                    ),
                )
    ordered = sorted(merged.values(), key=lambda kv: (kv[0], -len(kv[1].suspects)))
    return [line for _, line in ordered[:limit]], len(ordered)


def next_steps(
    hearings: Sequence[HearingView],
    deadlines: Sequence[DeadlineView],
    tasks: Sequence[NoteView],
    over_target: Sequence[str],
    today: date,
) -> NextSteps:
    coming = [h for h in hearings if h.held_on >= today]
    past = [h for h in hearings if h.held_on < today]
    open_deadlines = sorted((d for d in deadlines if not d.done), key=lambda d: d.due_on)
    open_tasks = sorted(
        (t for t in tasks if t.kind == "task" and not t.done),
        key=lambda t: (t.due_on is None, t.due_on or today),
    )
    return NextSteps(
        next_hearing=min(coming, key=lambda h: h.held_on) if coming else None,
        last_hearing=max(past, key=lambda h: h.held_on) if past else None,
        deadlines=open_deadlines[:MAX_DEADLINES],
        tasks=open_tasks[:MAX_DEADLINES],
        over_target=list(over_target),
    )


def change_lines(counts: Iterable[tuple[str, str | None, int]]) -> list[str]:
    """Audit counts (action, username, n) as sentences: "3 evidence files loaded by
    investigator." Actions that are not changes worth telling are left out."""
    grouped: dict[tuple[str, str], Counter[str]] = {}
    for action, who, n in counts:
        if action not in CHANGES:
            continue
        grouped.setdefault(CHANGES[action], Counter())[who or "the system"] += n
    out = []
    for (noun, verb), by in grouped.items():
        total = sum(by.values())
        people = words.join(sorted(by))
        out.append(f"{_cap(words.counted(total, noun))} {verb} by {people}.")
    return out


# --- the service ---------------------------------------------------------------------------


def cockpit(ctx: Context, actor: Actor, reference: str, today: date | None = None) -> Cockpit:
    """Everything the Overview shows, with the case's header summary (each read audited;
    the visit itself is audited as ``case.overview``, the read of the case, and marks the
    viewer's "last visit" for the next time)."""
    today = today or clock.today()
    # The visit is audited below (case.overview); a cached assessment needs no entry of its own.
    assessment = elements.assess_cached(ctx, actor, reference, audit_hit=False)
    hearings = caseload_views.case_hearings(ctx, actor, reference, today)
    notes = casework.list_notes(ctx, actor, reference)
    with ctx.db.session() as session:
        case = open_case(ctx, session, actor, reference)
        roles = _roles(session, case.id)
        counts = _counts(ctx, session, case)
        summary = CaseSummary(
            id=case.id,
            reference=case.reference,
            title=case.title,
            jurisdiction=case.jurisdiction,
            typology=case.typology,
            stage=case.stage,
            statutes=list(case.statutes or []),
            opened_on=case.opened_on,
            record_count=counts.records,
        )
        since, changed = _changes(session, case.id, actor)
        audit.record_read(
            session,
            actor=actor,
            action=VISIT,
            case_id=case.id,
            object_type="case",
            object_id=case.id,
        )
    suspects = []
    acts = _acts_of(assessment)
    for s, suspect_acts in zip(assessment.suspects, acts, strict=True):
        charges = charge_lines(s)
        suspects.append(
            SuspectLine(
                person_id=s.person_id,
                pseudonym=s.pseudonym,
                name=s.name,
                roles=roles.get(s.person_id, []),
                acts=list(suspect_acts),
                charges=charges,
                label=best_label(charges),
            )
        )
    gaps, gaps_total = top_gaps(assessment, notes)
    return Cockpit(
        case=summary,
        reference=assessment.reference,
        readiness=assessment.readiness,
        verdict=verdict(assessment.readiness, suspects),
        charges=[c for s in suspects for c in s.charges],
        charge_groups=group_charges([c for s in suspects for c in s.charges]),
        suspects=suspects,
        gaps=gaps,
        gaps_total=gaps_total,
        next=next_steps(
            hearings.hearings, hearings.deadlines, notes, hearings.over_target_reasons, today
        ),
        witnesses=[
            WitnessLine(w.pseudonym, w.kind, w.level, list(w.reasons))
            for w in sorted(hearings.witnesses, key=lambda w: (_risk_rank(w.level), w.pseudonym))
        ],
        changes=Changes(since, change_lines(changed) if since else []),
        counts=counts,
        assessment=assessment,
    )


def _risk_rank(level: str) -> int:
    return {"high": 0, "medium": 1, "low": 2}.get(level, 3)


# The acts of each suspect of the assessments last shown, by identity: an assessment from
# the cache is the same object on every visit, and reading its facts costs milliseconds on
# a large case. Each entry holds its assessment, so an id is not reused.
_acts_kept: OrderedDict[int, tuple[CaseAssessment, tuple[tuple[str, ...], ...]]] = OrderedDict()
_acts_guard = Lock()
_ACTS_KEPT = 32


def _acts_of(assessment: CaseAssessment) -> tuple[tuple[str, ...], ...]:
    """:func:`_acts` of every suspect of ``assessment``, in its order."""
    key = id(assessment)
    with _acts_guard:
        found = _acts_kept.get(key)
        if found is not None and found[0] is assessment:
            _acts_kept.move_to_end(key)
            return found[1]
    acts = tuple(tuple(_acts(s)) for s in assessment.suspects)
    with _acts_guard:
        _acts_kept[key] = (assessment, acts)
        while len(_acts_kept) > _ACTS_KEPT:
            _acts_kept.popitem(last=False)
    return acts


def _acts(s: SuspectView) -> list[str]:
    """Labels of the act concepts the suspect's confirmed or suggested facts show."""
    seen: dict[str, None] = {}
    for st in s.statutes:
        for e in st.elements:
            if e.kind != "act":
                continue
            for f in (*e.confirmed, *e.suggested):
                if f.concept.startswith("act."):
                    seen.setdefault(words.concept_label(f.concept), None)
    return list(seen)


def _roles(session: Session, case_id: int) -> dict[int, list[str]]:
    """Confirmed roles of people (decided on the Network tab), by person id."""
    rows = session.execute(
        select(Assertion.subject_id, Assertion.value, Assertion.details).where(
            Assertion.case_id == case_id,
            Assertion.predicate == "role",
            Assertion.subject_type == "person",
            Assertion.status == AssertionStatus.CONFIRMED.value,
        )
    ).all()
    out: dict[int, list[str]] = {}
    for pid, value, details in rows:
        if pid is None:
            continue
        label = (details or {}).get("label") or words.human(value)
        out.setdefault(int(pid), []).append(str(label))
    return out


def _records_by_kind(ctx: Context, session: Session, case_row: Case) -> dict[str, int]:
    # A count over every record of the case, kept per case fingerprint (record_stats).
    return dict(record_stats(ctx, session, case_row).by_kind)


def _counts(ctx: Context, session: Session, case_row: Case) -> Counts:
    case_id = case_row.id
    people = dict(
        session.execute(
            select(Person.kind, func.count(Person.id))
            .where(Person.case_id == case_id)
            .group_by(Person.kind)
        ).all()
    )
    files, problems, records = session.execute(
        select(
            func.count(EvidenceFile.id),
            func.sum(
                case(
                    (
                        or_(EvidenceFile.status != "loaded", EvidenceFile.problem.is_not(None)),
                        1,
                    ),
                    else_=0,
                )
            ),
            func.coalesce(func.sum(EvidenceFile.record_count), 0),
        ).where(EvidenceFile.case_id == case_id)
    ).one()
    by_kind = _records_by_kind(ctx, session, case_row)
    return Counts(
        people={str(k): int(v) for k, v in sorted(people.items())},
        evidence_files=int(files or 0),
        evidence_problems=int(problems or 0),
        records=int(records or 0),
        records_by_kind=by_kind,
    )


def _changes(
    session: Session, case_id: int, actor: Actor
) -> tuple[datetime | None, list[tuple[str, str | None, int]]]:
    """The viewer's last visit to the Overview and the changes others made since."""
    if actor.user_id is None:
        return None, []
    # The latest visit, read backwards from the newest of the case's entries (an audit
    # log grows without end; the visit is usually among the last few).
    last = session.execute(
        select(AuditEntry.id, AuditEntry.at)
        .where(
            AuditEntry.case_id == case_id,
            AuditEntry.user_id == actor.user_id,
            AuditEntry.action == VISIT,
        )
        .order_by(AuditEntry.id.desc())
        .limit(1)
    ).first()
    if last is None:
        return None, []
    since_id, since = int(last[0]), last[1]
    rows = session.execute(
        select(AuditEntry.action, AuditEntry.username, func.count(AuditEntry.id))
        .where(
            AuditEntry.case_id == case_id,
            AuditEntry.id > since_id,
            AuditEntry.action.in_(list(CHANGES)),
            (AuditEntry.user_id != actor.user_id) | AuditEntry.user_id.is_(None),
        )
        .group_by(AuditEntry.action, AuditEntry.username)
    ).all()
    if since.tzinfo is None:
        since = since.replace(tzinfo=UTC)
    return since, [(str(a), u, int(n)) for a, u, n in rows]
