"""Cases, membership, people, identifiers, evidence files and records."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Generic, TypeVar

from sqlalchemy import String, func, select
from sqlalchemy.orm import Session

from palermo.security import audit, identities
from palermo.security.permissions import Actor, Permission
from palermo.security.redaction import Redactor
from palermo.security.sealing import person_context
from palermo.services import analysis_jobs, search
from palermo.services.access import open_case
from palermo.services.context import Context
from palermo.services.derived_views import KeptView
from palermo.services.errors import InvalidInput, NotFound, PermissionDenied
from palermo.services.fields import FieldError, FieldErrors
from palermo.services.record_stats import record_stats
from palermo.services.viewcache import case_fingerprint, viewer_key
from palermo.store.models import (
    Case,
    CaseMember,
    Charge,
    EvidenceFile,
    Identifier,
    Person,
    PersonKind,
    Record,
    RecordKind,
    Stage,
    User,
)

SEALED = "[sealed]"
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class CaseSummary:
    id: int
    reference: str
    title: str
    jurisdiction: str
    typology: str | None
    stage: str
    statutes: list[str]
    opened_on: date | None
    record_count: int = 0


@dataclass(frozen=True, slots=True)
class PersonView:
    id: int
    kind: str
    pseudonym: str
    # The real name only when the viewer's role allows it; otherwise the pseudonym.
    display_name: str
    identity_visible: bool
    aliases: list[str]
    is_minor: bool
    nationality: str | None


@dataclass(frozen=True, slots=True)
class IdentifierView:
    id: int
    kind: str
    value: str
    person: str | None


@dataclass(frozen=True, slots=True)
class EvidenceView:
    id: int
    original_name: str
    sha256: str
    size: int
    media_type: str
    source_kind: str | None
    status: str
    problem: str | None
    record_count: int
    ingested_at: datetime


@dataclass(frozen=True, slots=True)
class RecordView:
    id: int
    kind: str
    occurred_at: datetime | None
    source: str | None
    target: str | None
    amount: Decimal | None
    currency: str | None
    duration_s: int | None
    channel: str | None
    body: str | None
    origin: str | None
    destination: str | None
    evidence_file: str
    row_number: int


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    items: list[T]
    total: int
    page: int
    per_page: int
    sort: str
    descending: bool

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


def _summary(case: Case, record_count: int = 0) -> CaseSummary:
    return CaseSummary(
        id=case.id,
        reference=case.reference,
        title=case.title,
        jurisdiction=case.jurisdiction,
        typology=case.typology,
        stage=case.stage,
        statutes=list(case.statutes or []),
        opened_on=case.opened_on,
        record_count=record_count,
    )


def create_case(
    ctx: Context,
    actor: Actor,
    *,
    reference: str,
    title: str,
    jurisdiction: str,
    unit_id: int,
    typology: str | None = None,
    stage: str = Stage.INTAKE.value,
    statutes: list[str] | None = None,
    default_region: str | None = None,
    opened_on: date | None = None,
    members: list[str] | None = None,
    summary: str | None = None,
) -> CaseSummary:
    """Create a case in a unit; the creator becomes its owner.

    Every field is checked first (:func:`palermo.services.casework.check_case_fields`):
    a missing or duplicate reference, an unknown unit or statute, a creator or member
    outside the unit are refused with :class:`FieldErrors` naming the field.
    """
    from palermo.services import casework  # the rules for case fields live there

    if not (actor.is_system or actor.can(Permission.EDIT_CASE)):
        raise PermissionDenied(f"your role ({actor.role.value}) cannot create cases")
    reference = reference.strip()
    names = [m.strip().lower() for m in members or [] if m.strip()]
    with ctx.db.session() as session:
        fields = casework.check_case_fields(
            session,
            actor,
            reference=reference,
            title=title,
            jurisdiction=jurisdiction,
            unit_id=unit_id,
            typology=typology,
            stage=stage,
            statutes=statutes or [],
            opened_on=opened_on,
            members=names,
        )
        case = Case(
            unit_id=unit_id,
            reference=reference,
            title=title.strip(),
            jurisdiction=fields.jurisdiction,
            typology=(typology or "").strip() or None,
            stage=stage,
            statutes=fields.statutes,
            default_region=default_region or ctx.settings.default_region,
            opened_on=opened_on,
            summary=(summary or "").strip() or None,
        )
        session.add(case)
        session.flush()
        if actor.user_id is not None:
            session.add(CaseMember(case_id=case.id, user_id=actor.user_id, case_role="owner"))
        for username in names:
            _add_member(session, case, username, skip_user_id=actor.user_id)
        audit.record(
            session,
            actor=actor,
            action="case.create",
            case_id=case.id,
            object_type="case",
            object_id=case.id,
            details={
                "reference": reference,
                "members": sorted(set(names)),
                "statutes": fields.statutes,
                "warnings": fields.warnings,
            },
        )
        return _summary(case)


def _add_member(
    session: Session,
    case: Case,
    username: str,
    skip_user_id: int | None,
    case_role: str = "member",
) -> None:
    user = session.scalar(select(User).where(User.username == username.lower()))
    if user is None:
        raise FieldErrors([FieldError("username", f"no user named '{username}'")])
    if user.unit_id != case.unit_id:
        raise FieldErrors(
            [FieldError("username", f"{user.username} is not in the case's unit")],
            f"member of case {case.reference}",
        )
    if user.id != skip_user_id and session.get(CaseMember, (case.id, user.id)) is None:
        session.add(CaseMember(case_id=case.id, user_id=user.id, case_role=case_role))


def add_member(
    ctx: Context, actor: Actor, reference: str, username: str, case_role: str = "member"
) -> None:
    """Add a member (see :func:`palermo.services.casework.add_member`)."""
    from palermo.services import casework

    casework.add_member(ctx, actor, reference, username, case_role)


def list_cases(ctx: Context, actor: Actor) -> list[CaseSummary]:
    """The cases the actor is a member of (all cases for the system actor)."""
    with ctx.db.session() as session:
        query = select(Case).order_by(Case.reference)
        if not actor.is_system:
            if not actor.can(Permission.READ_CASE):
                return []
            query = query.join(CaseMember).where(CaseMember.user_id == actor.user_id)
        cases = list(session.scalars(query))
        counts: dict[int, int] = {
            case_id: int(total)
            for case_id, total in session.execute(
                select(EvidenceFile.case_id, func.coalesce(func.sum(EvidenceFile.record_count), 0))
                .where(EvidenceFile.case_id.in_([c.id for c in cases]))
                .group_by(EvidenceFile.case_id)
            )
        }
        audit.record(session, actor=actor, action="case.list", details={"count": len(cases)})
        return [_summary(c, int(counts.get(c.id, 0))) for c in cases]


@dataclass(frozen=True, slots=True)
class CaseFilter:
    """Caseload filters; empty values do not filter."""

    stage: str = ""
    statute: str = ""
    typology: str = ""
    owner: str = ""
    status: str = ""  # "open", "closed" or ""
    q: str = ""  # reference or title contains


CASE_SORTS = ("reference", "title", "jurisdiction", "typology", "stage", "opened_on")
CLOSED_STAGES = (Stage.CLOSED.value, Stage.DIVERTED.value)


def _like(text: str) -> str:
    escaped = text.strip().lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def find_cases(
    ctx: Context,
    actor: Actor,
    filters: CaseFilter,
    *,
    sort: str = "reference",
    descending: bool = False,
    page: int = 1,
    per_page: int = 50,
) -> Page[CaseSummary]:
    """A page of the actor's cases, filtered and sorted in the database."""
    if sort not in CASE_SORTS:
        raise InvalidInput(f"cannot sort by '{sort}'; choose one of {', '.join(CASE_SORTS)}")
    page, per_page = max(1, page), min(max(1, per_page), 200)
    with ctx.db.session() as session:
        conditions: list[Any] = []
        if not actor.is_system:
            if not actor.can(Permission.READ_CASE):
                return Page([], 0, page, per_page, sort, descending)
            mine = select(CaseMember.case_id).where(CaseMember.user_id == actor.user_id)
            conditions.append(Case.id.in_(mine))
        if filters.stage:
            conditions.append(Case.stage == filters.stage)
        if filters.typology:
            conditions.append(Case.typology == filters.typology)
        if filters.statute:
            # The JSON list as text: '["us-18-1591", ...]' on both backends.
            text = func.lower(func.cast(Case.statutes, String))
            conditions.append(text.like(f'%"{filters.statute.lower()}"%'))
        if filters.status == "open":
            conditions.append(Case.stage.not_in(CLOSED_STAGES))
        elif filters.status == "closed":
            conditions.append(Case.stage.in_(CLOSED_STAGES))
        if filters.owner:
            owned = (
                select(CaseMember.case_id)
                .join(User, CaseMember.user_id == User.id)
                .where(CaseMember.case_role == "owner", User.username == filters.owner.lower())
            )
            conditions.append(Case.id.in_(owned))
        if filters.q.strip():
            pattern = _like(filters.q)
            conditions.append(
                func.lower(Case.reference).like(pattern, escape="\\")
                | func.lower(Case.title).like(pattern, escape="\\")
            )
        total = session.scalar(select(func.count()).select_from(Case).where(*conditions)) or 0
        column = getattr(Case, sort)
        order = column.desc() if descending else column.asc()
        rows = list(
            session.scalars(
                select(Case)
                .where(*conditions)
                .order_by(order, Case.id)
                .offset((page - 1) * per_page)
                .limit(per_page)
            )
        )
        counts: dict[int, int] = {
            case_id: int(n)
            for case_id, n in session.execute(
                select(EvidenceFile.case_id, func.coalesce(func.sum(EvidenceFile.record_count), 0))
                .where(EvidenceFile.case_id.in_([c.id for c in rows]))
                .group_by(EvidenceFile.case_id)
            )
        }
        audit.record(
            session,
            actor=actor,
            action="case.list",
            details={
                "count": int(total),
                "filters": {k: v for k, v in asdict(filters).items() if v},
            },
        )
        items = [_summary(c, counts.get(c.id, 0)) for c in rows]
        return Page(items, int(total), page, per_page, sort, descending)


def case_facets(ctx: Context, actor: Actor) -> dict[str, list[str]]:
    """Values to filter the actor's caseload by: stages, typologies, statutes, owners."""
    with ctx.db.session() as session:
        mine = select(CaseMember.case_id).where(CaseMember.user_id == actor.user_id)
        where = [] if actor.is_system else [Case.id.in_(mine)]
        typologies = sorted(
            t for t in session.scalars(select(Case.typology).where(*where).distinct()) if t
        )
        statutes: set[str] = set()
        for listed in session.scalars(select(Case.statutes).where(*where).distinct()):
            statutes.update(listed or [])
        owners = sorted(
            session.scalars(
                select(User.username)
                .join(CaseMember, CaseMember.user_id == User.id)
                .where(
                    CaseMember.case_role == "owner",
                    *([] if actor.is_system else [CaseMember.case_id.in_(mine)]),
                )
                .distinct()
            )
        )
        return {
            "stages": [s.value for s in Stage],
            "typologies": typologies,
            "statutes": sorted(statutes),
            "owners": owners,
        }


def get_case(ctx: Context, actor: Actor, reference: str) -> CaseSummary:
    with ctx.db.session() as session:
        case = open_case(ctx, session, actor, reference)
        audit.record_read(
            session,
            actor=actor,
            action="case.read",
            case_id=case.id,
            object_type="case",
            object_id=case.id,
        )
        return _summary(case, _record_total(session, case.id))


def _record_total(session: Session, case_id: int) -> int:
    return int(
        session.scalar(
            select(func.coalesce(func.sum(EvidenceFile.record_count), 0)).where(
                EvidenceFile.case_id == case_id
            )
        )
        or 0
    )


def add_person(
    ctx: Context,
    actor: Actor,
    reference: str,
    *,
    kind: PersonKind | str,
    name: str,
    pseudonym: str | None = None,
    aliases: list[str] | None = None,
    sealed_fields: dict[str, Any] | None = None,
    is_minor: bool = False,
    sex: str | None = None,
    nationality: str | None = None,
    birth_year: int | None = None,
    identifiers: list[tuple[str, str]] | None = None,
) -> PersonView:
    """Add a person. A victim's name, aliases and ``sealed_fields`` are encrypted, never plain."""
    try:
        kind = PersonKind(kind)
    except ValueError as error:
        raise InvalidInput(f"unknown person kind '{kind}'") from error
    with ctx.db.session() as session:
        case = open_case(ctx, session, actor, reference, Permission.EDIT_CASE)
        if pseudonym is None:
            pseudonym = _next_pseudonym(session, case.id, kind)
        person = Person(
            case_id=case.id,
            kind=kind.value,
            pseudonym=pseudonym,
            is_minor=is_minor,
            sex=sex,
            nationality=nationality,
            birth_year=birth_year,
            aliases=[],
        )
        if kind is PersonKind.VICTIM:
            identity = {"name": name, "aliases": aliases or [], **(sealed_fields or {})}
            person.sealed_identity = seal_identity(ctx, case.id, pseudonym, identity)
        else:
            person.name = name
            person.aliases = aliases or []
        session.add(person)
        session.flush()
        search.index_person(
            ctx, session, person, [name, *(aliases or [])], sealed=kind is PersonKind.VICTIM
        )
        for id_kind, value in identifiers or []:
            _attach_identifier(session, case.id, person.id, id_kind, value)
        search.index_identifiers_of(ctx, session, person)
        analysis_jobs.analyse_after_commit(ctx, session, actor, case.id)
        audit.record(
            session,
            actor=actor,
            action="person.create",
            case_id=case.id,
            object_type="person",
            object_id=person.id,
            details={"kind": kind.value, "pseudonym": pseudonym},
        )
        return person_view(ctx, actor, person)


PSEUDONYM_PREFIX = {
    PersonKind.VICTIM: "V",
    PersonKind.SUSPECT: "S",
    PersonKind.WITNESS: "W",
    PersonKind.OFFICIAL: "OF",
    PersonKind.OTHER: "P",
}


def _next_pseudonym(session: Session, case_id: int, kind: PersonKind) -> str:
    prefix = PSEUDONYM_PREFIX[kind] + "-"
    taken = set(
        session.scalars(
            select(Person.pseudonym).where(
                Person.case_id == case_id, Person.pseudonym.like(f"{prefix}%")
            )
        )
    )
    number = len(taken) + 1
    while f"{prefix}{number:02d}" in taken:
        number += 1
    return f"{prefix}{number:02d}"


def _attach_identifier(
    session: Session, case_id: int, person_id: int, kind: str, value: str
) -> None:
    identifier = session.scalar(
        select(Identifier).where(
            Identifier.case_id == case_id, Identifier.kind == kind, Identifier.value == value
        )
    )
    if identifier is None:
        session.add(Identifier(case_id=case_id, kind=kind, value=value, person_id=person_id))
    elif identifier.person_id is None:
        identifier.person_id = person_id


# The only two places this stream seals and unseals a victim's identity (to be switched
# to the identity layer when it lands).
def seal_identity(ctx: Context, case_id: int, pseudonym: str, identity: dict[str, Any]) -> bytes:
    return ctx.sealer.seal(identity, person_context(case_id, pseudonym))


def person_view(ctx: Context, actor: Actor, person: Person) -> PersonView:
    visible = person.sealed_identity is None or actor.can(Permission.SEE_VICTIM_IDENTITY)
    display = person.name or person.pseudonym
    aliases = list(person.aliases or [])
    if person.sealed_identity is not None:
        display = person.pseudonym
        if visible:
            # Fails closed: an identity that cannot be opened stops the request.
            identity = identities.unseal(ctx, person, actor=actor, purpose="person.view")
            display = identity.name or person.pseudonym
            aliases = list(identity.aliases)
    return PersonView(
        id=person.id,
        kind=person.kind,
        pseudonym=person.pseudonym,
        display_name=display,
        identity_visible=visible,
        aliases=aliases,
        is_minor=person.is_minor,
        nationality=person.nationality,
    )


def list_people(
    ctx: Context, actor: Actor, reference: str, *, reveal: bool = False
) -> list[PersonView]:
    """People of a case. Victims appear by pseudonym unless ``reveal`` and the role allows it."""
    return list(kept_people(ctx, actor, reference, reveal=reveal))


def kept_people(
    ctx: Context, actor: Actor, reference: str, *, reveal: bool = False
) -> tuple[PersonView, ...]:
    """:func:`list_people` as kept per case fingerprint and kind of viewer (whether
    victims' names are shown, and the role): the same object until the case changes, so
    a page may key its rendering on it. Access is checked and the read audited on every
    call. Kept in memory only: revealed identities are not written to the stored views."""
    with ctx.db.session() as session:
        case = open_case(ctx, session, actor, reference)
        fingerprint = case_fingerprint(session, case)
        case_id = case.id
        viewer = actor if reveal else without_identity(actor)

        def compute() -> tuple[PersonView, ...]:
            people = session.scalars(
                select(Person).where(Person.case_id == case_id).order_by(Person.id)
            )
            return tuple(person_view(ctx, viewer, p) for p in people)

        views = _people.get(ctx, case_id, fingerprint, viewer_key(actor, reveal), compute)
        audit.record_read(
            session,
            actor=actor,
            action="person.list",
            case_id=case_id,
            details={"reveal": bool(reveal and actor.can(Permission.SEE_VICTIM_IDENTITY))},
        )
        return views.value


_people: KeptView[tuple[PersonView, ...]] = KeptView("people.list/1", max_entries=32, durable=False)


def without_identity(actor: Actor) -> Actor:
    return actor.hiding_identities()


def list_identifiers(ctx: Context, actor: Actor, reference: str) -> list[IdentifierView]:
    """The case's identifiers by kind and value, as the viewer may see them (audited).

    A large case holds tens of thousands (every phone and account its records name), all
    encrypted at rest: decrypted, sorted and redacted once per case fingerprint and kind
    of viewer, kept (:mod:`.derived_views`), and read from there on every visit."""
    with ctx.db.session() as session:
        case = open_case(ctx, session, actor, reference)
        fingerprint = case_fingerprint(session, case)
        case_id = case.id

        def compute() -> tuple[IdentifierView, ...]:
            return tuple(_identifier_views(ctx, session, case_id, actor))

        # What the viewer may see decides the variant: a list with victims' identifiers
        # hidden is never served to someone who may see them, nor the other way round.
        views = _identifiers.get(ctx, case_id, fingerprint, viewer_key(actor, True), compute)
        audit.record(session, actor=actor, action="identifier.list", case_id=case_id)
        return list(views.value)


_identifiers: KeptView[tuple[IdentifierView, ...]] = KeptView("identifiers.list/1", max_entries=32)


def _identifier_views(
    ctx: Context, session: Session, case_id: int, actor: Actor
) -> list[IdentifierView]:
    rows = session.execute(
        select(Identifier, Person.pseudonym, Person.name)
        .outerjoin(Person, Identifier.person_id == Person.id)
        .where(Identifier.case_id == case_id)
        .order_by(Identifier.kind)
    ).all()
    rows = sorted(rows, key=lambda r: (r[0].kind, r[0].value))  # encrypted at rest
    redactor = identities.redactor_for(ctx, session, case_id, actor, purpose="identifiers")
    views = [
        IdentifierView(id=i.id, kind=i.kind, value=i.value, person=name or pseudonym)
        for i, pseudonym, name in rows
    ]
    if redactor is None:
        return views
    # A victim's own identifiers, and those built from her name, are hidden.
    return [redactor.fields(v, "value", "person") for v in views]


def list_evidence(ctx: Context, actor: Actor, reference: str) -> list[EvidenceView]:
    with ctx.db.session() as session:
        case = open_case(ctx, session, actor, reference)
        # Read to the end before the audit entry is written: an unfinished read keeps its
        # snapshot of a SQLite database, which then cannot write once another has.
        files = list(
            session.scalars(
                select(EvidenceFile)
                .where(EvidenceFile.case_id == case.id)
                .order_by(EvidenceFile.id)
            )
        )
        redactor = identities.redactor_for(ctx, session, case.id, actor, purpose="evidence")
        audit.record_read(session, actor=actor, action="evidence.list", case_id=case.id)
        views = [
            EvidenceView(
                id=f.id,
                original_name=f.original_name,
                sha256=f.sha256,
                size=f.size,
                media_type=f.media_type,
                source_kind=f.source_kind,
                status=f.status,
                problem=f.problem,
                record_count=f.record_count,
                ingested_at=f.ingested_at,
            )
            for f in files
        ]
        if redactor is None:
            return views
        return [redactor.fields(v, "original_name", "problem") for v in views]


def record_counts(ctx: Context, actor: Actor, reference: str) -> dict[str, int]:
    """The case's records by kind (every kind; counted once per case fingerprint)."""
    with ctx.db.session() as session:
        case = open_case(ctx, session, actor, reference)
        return dict(record_stats(ctx, session, case).by_kind)


RECORD_SORTS = {
    "occurred_at": Record.occurred_at,
    "source": Record.source,
    "target": Record.target,
    "amount": Record.amount,
    "duration_s": Record.duration_s,
    "row_number": Record.row_number,
    "id": Record.id,
}
MAX_PER_PAGE = 500


def list_records(
    ctx: Context,
    actor: Actor,
    reference: str,
    *,
    kind: str | None = None,
    page: int = 1,
    per_page: int = 50,
    sort: str = "occurred_at",
    descending: bool = False,
    search: str | None = None,
    record_id: int | None = None,
) -> Page[RecordView]:
    """A page of a case's records, sorted and filtered on the server."""
    if sort not in RECORD_SORTS:
        raise InvalidInput(f"cannot sort by '{sort}'; choose one of {', '.join(RECORD_SORTS)}")
    if kind is not None and kind not in {k.value for k in RecordKind}:
        raise InvalidInput(f"unknown record kind '{kind}'")
    page = max(1, page)
    per_page = min(max(1, per_page), MAX_PER_PAGE)
    with ctx.db.session() as session:
        case = open_case(ctx, session, actor, reference)
        conditions = [Record.case_id == case.id]
        if kind:
            conditions.append(Record.kind == kind)
        if record_id is not None:
            conditions.append(Record.id == record_id)
        query = select(Record, EvidenceFile.original_name).join(
            EvidenceFile, Record.evidence_file_id == EvidenceFile.id
        )
        redactor = identities.redactor_for(ctx, session, case.id, actor, purpose="records")
        if search or sort in SEALED_SORTS:
            # Endpoints are encrypted at rest: searched and sorted here, then one page read.
            # A viewer who may not see identities matches on the shown (redacted) text, so
            # a search never tells which records carry a hidden name.
            ids = _endpoint_order(session, conditions, search, sort, descending, redactor)
            total = len(ids)
            wanted = ids[(page - 1) * per_page : page * per_page]
            by_id = {
                r.id: (r, name) for r, name in session.execute(query.where(Record.id.in_(wanted)))
            }
            rows = [by_id[i] for i in wanted if i in by_id]
        else:
            if record_id is None:
                # Counted once per case fingerprint, not on every page of a large case.
                counts = record_stats(ctx, session, case).by_kind
                total = counts.get(kind, 0) if kind else sum(counts.values())
            else:
                total = (
                    session.scalar(select(func.count()).select_from(Record).where(*conditions)) or 0
                )
            column = RECORD_SORTS[sort]
            # Ties in id order, the same way as the sort (an index walks both in one go).
            order = [column.desc(), Record.id.desc()] if descending else [column.asc(), Record.id]
            rows = list(
                session.execute(
                    query.where(*conditions)
                    .order_by(*order)
                    .offset((page - 1) * per_page)
                    .limit(per_page)
                ).all()
            )
        audit.record(
            session,
            actor=actor,
            action="record.list",
            case_id=case.id,
            details={"kind": kind, "page": page, "sort": sort},
        )
        items = [
            RecordView(
                id=r.id,
                kind=r.kind,
                occurred_at=r.occurred_at,
                source=r.source,
                target=r.target,
                amount=r.amount,
                currency=r.currency,
                duration_s=r.duration_s,
                channel=r.channel,
                body=r.body,
                origin=r.origin,
                destination=r.destination,
                evidence_file=name,
                row_number=r.row_number,
            )
            for r, name in rows
        ]
        if redactor is not None:
            items = [redactor.fields(v, *_RECORD_TEXT) for v in items]
        return Page(items, int(total), page, per_page, sort, descending)


SEALED_SORTS = ("source", "target")
_RECORD_TEXT = ("source", "target", "body", "origin", "destination", "evidence_file", "channel")


def _endpoint_order(
    session: Session,
    conditions: list[Any],
    search: str | None,
    sort: str,
    descending: bool,
    redactor: Redactor | None,
) -> list[int]:
    """Ids of the matching records in page order. Endpoints are encrypted at rest, so the
    search (a substring in either endpoint, any case, as SQL LIKE did) and a sort on an
    endpoint run here on the decrypted values; other sorts stay in SQL. With a redactor the
    search sees only what the viewer is shown."""
    needle = (search or "").strip().lower()
    shown = redactor if redactor is not None else (lambda text: text)
    statement = select(Record.id, Record.source, Record.target).where(*conditions)
    if sort not in SEALED_SORTS:
        column = RECORD_SORTS[sort]
        statement = statement.order_by(column.desc() if descending else column.asc(), Record.id)
    rows = [
        (int(rid), shown(source) if source else source, shown(target) if target else target)
        for rid, source, target in session.execute(statement)
    ]
    if needle:
        rows = [
            row
            for row in rows
            if needle in (row[1] or "").lower() or needle in (row[2] or "").lower()
        ]
    if sort in SEALED_SORTS:
        at = 1 if sort == "source" else 2
        rows.sort(key=lambda r: r[0])  # ties in id order (the sort below is stable)
        rows.sort(key=lambda r: (r[at] is None, r[at] or ""), reverse=descending)
    return [r[0] for r in rows]


def add_charge(
    ctx: Context,
    actor: Actor,
    reference: str,
    *,
    person_id: int,
    statute_id: str,
    status: str = "considered",
    filed_on: date | None = None,
) -> int:
    """Charge (or consider charging) a person of the case under a statute (the case's
    analysis is queued once it commits)."""
    with ctx.db.session() as session:
        case = open_case(ctx, session, actor, reference, Permission.EDIT_CASE)
        person = session.get(Person, person_id)
        if person is None or person.case_id != case.id:
            raise NotFound(f"person {person_id} not found in case '{reference}'")
        charge = Charge(
            case_id=case.id,
            person_id=person_id,
            statute_id=statute_id,
            status=status,
            filed_on=filed_on,
        )
        session.add(charge)
        session.flush()
        analysis_jobs.analyse_after_commit(ctx, session, actor, case.id)
        audit.record(
            session,
            actor=actor,
            action="charge.create",
            case_id=case.id,
            object_type="charge",
            object_id=charge.id,
            details={"person_id": person_id, "statute_id": statute_id, "status": status},
        )
        return charge.id


def case_id_for(ctx: Context, actor: Actor, reference: str) -> int:
    with ctx.db.session() as session:
        return open_case(ctx, session, actor, reference).id


__all__ = [
    "CaseFilter",
    "CaseSummary",
    "EvidenceView",
    "IdentifierView",
    "NotFound",
    "Page",
    "PersonView",
    "RecordView",
    "add_charge",
    "add_member",
    "add_person",
    "case_facets",
    "create_case",
    "find_cases",
    "get_case",
    "list_cases",
    "list_evidence",
    "list_identifiers",
    "list_people",
    "list_records",
    "record_counts",
]
