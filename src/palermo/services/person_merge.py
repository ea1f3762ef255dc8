"""Merging two people of a case found to be one, undoing a merge, and splitting a person.

A merge keeps one person (the survivor: her pseudonym and role) and moves everything of
the other onto her: aliases, identifiers, facts (suggestions and decisions about her),
mentions, charges, outcomes, events, victim-witness records, photos and organisation
links, in one transaction. Whatever refers to a person by a foreign key is moved, so a
table added later is moved too. Where both people hold a different value of the same
identity field (name, date of birth, address, contact, sex, nationality, birth year) the
user says which one to keep: it is asked, never guessed; the name not kept becomes an
alias. Each merge is recorded (encrypted: it holds both identities as they were) with
every row it moved, so that it can be undone exactly.

A split moves chosen aliases, identifiers, facts and photos of a person onto a new person.

A victim's identity is sealed: merging or splitting a victim needs a role that may see
victims' identities, and a victim is never merged into a person whose identity is in
clear. Every merge, undo and split is audited (ids, pseudonyms and counts, never names).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from palermo.security import audit, identities
from palermo.security.permissions import Actor, Permission
from palermo.services import analysis_jobs, search
from palermo.services.access import open_case
from palermo.services.cases import seal_identity
from palermo.services.context import Context
from palermo.services.errors import NotFound, PermissionDenied
from palermo.services.fields import FieldError, FieldErrors, raise_if
from palermo.store.models import Assertion, Base, Case, Identifier, Person, PersonKind, User
from palermo.store.models.caseload import WitnessStatus
from palermo.store.models.find import SearchKey
from palermo.store.models.people import PersonMerge, PersonOrganisation, PersonPhoto

KEEP = ("survivor", "absorbed")
PLAIN_FIELDS = ("sex", "nationality", "birth_year")
LABELS = {
    "name": "name",
    "date_of_birth": "date of birth",
    "address": "address",
    "contact": "safe contact",
    "sex": "sex",
    "nationality": "nationality",
    "birth_year": "birth year",
}
# Tables whose rows are re-pointed by hand (not by the generic foreign-key move).
# A person's search keys are their names, re-indexed whenever the identity is set.
_BY_HAND = {"search_keys", "person_organisations"}
_CHUNK = 500  # ids per statement (SQLite bounds the parameters of one statement)


def _forget_dashboards(ctx: Context, unit_id: int) -> None:
    """Defendants and their outcomes moved: the unit's cached dashboards are stale."""
    from palermo.services.caseload_views import _forget_unit

    _forget_unit(ctx, unit_id)


def _label(field: str) -> str:
    return LABELS.get(field, field.replace("_", " "))


def _sealed(person: Person) -> bool:
    return person.sealed_identity is not None or person.kind == PersonKind.VICTIM.value


def _identity(ctx: Context, session: Session, actor: Actor, person: Person) -> dict[str, Any]:
    """Name, aliases and every sealed field of the person (unsealed in memory only)."""
    if person.sealed_identity is None:
        return {"name": person.name or "", "aliases": list(person.aliases or [])}
    opened = identities.unseal(ctx, person, actor=actor, purpose="person.merge", session=session)
    fields = dict(opened.fields)
    fields["name"] = opened.name
    fields["aliases"] = list(opened.aliases)
    return fields


def _same(a: Any, b: Any) -> bool:
    return str(a).strip().casefold() == str(b).strip().casefold()


def _empty(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip()) or value == []


@dataclass(frozen=True, slots=True)
class Conflict:
    field: str
    label: str
    survivor: str
    absorbed: str


@dataclass(frozen=True, slots=True)
class MergePreview:
    survivor_id: int
    survivor: str
    absorbed_id: int
    absorbed: str
    conflicts: list[Conflict]
    moves: dict[str, int]
    kinds_differ: bool


def _conflicts(
    surv: Person, absb: Person, si: dict[str, Any], ai: dict[str, Any]
) -> list[Conflict]:
    out: list[Conflict] = []
    keys = ["name", *sorted(k for k in {*si, *ai} if k not in ("name", "aliases"))]
    for key in keys:
        a, b = si.get(key), ai.get(key)
        if not _empty(a) and not _empty(b) and not _same(a, b):
            out.append(Conflict(key, _label(key), str(a), str(b)))
    for key in PLAIN_FIELDS:
        a, b = getattr(surv, key), getattr(absb, key)
        if not _empty(a) and not _empty(b) and not _same(a, b):
            out.append(Conflict(key, _label(key), str(a), str(b)))
    return out


def _pair(
    ctx: Context,
    session: Session,
    actor: Actor,
    case: Case,
    survivor_id: int | None,
    absorbed_id: int | None,
) -> tuple[Person, Person]:
    errors: list[FieldError] = []
    people: list[Person | None] = []
    for name, pid in (("survivor", survivor_id), ("absorbed", absorbed_id)):
        person = session.get(Person, pid) if pid is not None else None
        if person is None or person.case_id != case.id:
            errors.append(FieldError(name, "choose a person of this case"))
        people.append(person)
    if survivor_id is not None and survivor_id == absorbed_id:
        errors.append(FieldError("absorbed", "choose two different people"))
    raise_if(errors, "merge")
    surv, absb = people
    assert surv is not None and absb is not None
    if (_sealed(surv) or _sealed(absb)) and not actor.can(Permission.SEE_VICTIM_IDENTITY):
        raise PermissionDenied(
            f"your role ({actor.role.value}) cannot merge a victim: her identity is sealed"
        )
    if _sealed(absb) and not _sealed(surv):
        raise FieldErrors(
            [
                FieldError(
                    "survivor",
                    f"keep {absb.pseudonym}: a victim's identity stays sealed, so she cannot "
                    f"be merged into {surv.pseudonym}",
                )
            ],
            "merge",
        )
    return surv, absb


def _person_refs() -> list[tuple[sa.Table, sa.Column[Any]]]:
    """Every (table, column) that refers to a person by a foreign key."""
    out = []
    for table in Base.metadata.sorted_tables:
        if table.name in _BY_HAND:
            continue
        for fk in table.foreign_keys:
            if fk.column.table.name == "persons" and fk.parent.table is table:
                out.append((table, fk.parent))
    return out


def _count_moves(session: Session, case_id: int, person_id: int) -> dict[str, int]:
    counts: dict[str, int] = {}
    for table, column in _person_refs():
        n = session.scalar(select(sa.func.count()).select_from(table).where(column == person_id))
        if n:
            counts[table.name] = int(n)
    facts = session.scalar(
        select(sa.func.count())
        .select_from(Assertion)
        .where(
            Assertion.case_id == case_id,
            Assertion.subject_type == "person",
            Assertion.subject_id == person_id,
        )
    )
    if facts:
        counts["assertions"] = int(facts)
    links = session.scalar(
        select(sa.func.count())
        .select_from(PersonOrganisation)
        .where(PersonOrganisation.person_id == person_id)
    )
    if links:
        counts["person_organisations"] = int(links)
    return counts


def merge_preview(
    ctx: Context, actor: Actor, reference: str, survivor_id: int, absorbed_id: int
) -> MergePreview:
    """What merging ``absorbed_id`` into ``survivor_id`` would move, and the identity fields
    whose values differ (the merge form asks which to keep). Reading both identities is
    audited."""
    with ctx.db.session() as session:
        case = open_case(ctx, session, actor, reference, Permission.EDIT_CASE)
        surv, absb = _pair(ctx, session, actor, case, survivor_id, absorbed_id)
        si, ai = _identity(ctx, session, actor, surv), _identity(ctx, session, actor, absb)
        audit.record(
            session,
            actor=actor,
            action="person.merge_preview",
            case_id=case.id,
            object_type="person",
            object_id=surv.id,
            details={"absorbed": absb.id},
        )
        return MergePreview(
            surv.id,
            surv.pseudonym,
            absb.id,
            absb.pseudonym,
            _conflicts(surv, absb, si, ai),
            _count_moves(session, case.id, absb.id),
            surv.kind != absb.kind,
        )


def _json(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def _state(person: Person, identity: dict[str, Any]) -> dict[str, Any]:
    return {
        "kind": person.kind,
        "pseudonym": person.pseudonym,
        "sealed": person.sealed_identity is not None,
        "identity": identity,
        "sex": person.sex,
        "nationality": person.nationality,
        "birth_year": person.birth_year,
        "is_minor": person.is_minor,
        "notes": person.notes,
        "created_at": _json(person.created_at),
    }


def _digest(ctx: Context, session: Session, actor: Actor, person: Person) -> str:
    state = _state(person, _identity(ctx, session, actor, person))
    state.pop("created_at")
    text = json.dumps(state, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def _pk(table: sa.Table) -> list[sa.Column[Any]]:
    return list(table.primary_key.columns)


def _merged_identity(
    si: dict[str, Any], ai: dict[str, Any], keep: dict[str, str]
) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key in {*si, *ai} - {"aliases"}:
        a, b = si.get(key), ai.get(key)
        if _empty(b):
            value = a
        elif _empty(a):
            value = b
        else:
            value = b if keep.get(key) == "absorbed" else a
        if not _empty(value):
            out[key] = value
    name = str(out.get("name") or "")
    aliases: list[str] = []
    for alias in [
        si.get("name"),
        ai.get("name"),
        *(si.get("aliases") or []),
        *(ai.get("aliases") or []),
    ]:
        if _empty(alias) or _same(alias, name) or any(_same(alias, x) for x in aliases):
            continue
        aliases.append(str(alias))
    out["name"] = name
    out["aliases"] = aliases
    return out


def merge_people(
    ctx: Context,
    actor: Actor,
    reference: str,
    *,
    survivor_id: int | None,
    absorbed_id: int | None,
    keep: dict[str, str] | None = None,
) -> int:
    """Merge ``absorbed_id`` into ``survivor_id``; ``keep`` says, for each conflicting
    field, whose value stays ("survivor" or "absorbed"). Returns the merge's id."""
    keep = dict(keep or {})
    with ctx.db.session() as session:
        case = open_case(ctx, session, actor, reference, Permission.EDIT_CASE)
        surv, absb = _pair(ctx, session, actor, case, survivor_id, absorbed_id)
        si, ai = _identity(ctx, session, actor, surv), _identity(ctx, session, actor, absb)
        errors = [
            FieldError(
                f"keep_{c.field}",
                f"{surv.pseudonym} and {absb.pseudonym} have a different {c.label}: "
                "choose which to keep",
            )
            for c in _conflicts(surv, absb, si, ai)
            if keep.get(c.field) not in KEEP
        ]
        raise_if(errors, f"merge of {absb.pseudonym} into {surv.pseudonym}")
        record: dict[str, Any] = {
            "survivor_before": _state(surv, si),
            "absorbed": {**_state(absb, ai), "id": absb.id},
            "moved": {},
            "kept_rows": {},
            "links": [],
            "assertions": {"subject": [], "value": [], "victim": []},
        }
        _move_refs(session, case.id, surv.id, absb.id, record)
        # The survivor's identity and details, as chosen.
        merged = _merged_identity(si, ai, keep)
        for key in PLAIN_FIELDS:
            a, b = getattr(surv, key), getattr(absb, key)
            chosen = b if (_empty(a) or (keep.get(key) == "absorbed" and not _empty(b))) else a
            setattr(surv, key, chosen)
        surv.is_minor = bool(surv.is_minor or absb.is_minor)
        notes = [n for n in (surv.notes, absb.notes) if n and n.strip()]
        surv.notes = "\n\n".join(notes) or None
        sealed = surv.sealed_identity is not None or surv.kind == PersonKind.VICTIM.value
        _set_identity(ctx, session, surv, merged, sealed=sealed)
        session.execute(delete(SearchKey).where(SearchKey.person_id == absb.id))
        session.delete(absb)
        session.flush()
        record["survivor_after"] = _digest(ctx, session, actor, surv)
        merge = PersonMerge(
            case_id=case.id,
            survivor_id=surv.id,
            absorbed_id=absb.id,
            absorbed_pseudonym=absb.pseudonym,
            record=record,
            merged_by=actor.user_id,
        )
        session.add(merge)
        session.flush()
        analysis_jobs.analyse_after_commit(ctx, session, actor, case.id)
        audit.record(
            session,
            actor=actor,
            action="person.merge",
            case_id=case.id,
            object_type="person",
            object_id=surv.id,
            details={
                "merge_id": merge.id,
                "survivor": surv.pseudonym,
                "absorbed": absb.pseudonym,
                "absorbed_id": absb.id,
                "kept": {k: v for k, v in sorted(keep.items()) if v in KEEP},
                "moved": {t: len(v["keys"]) for t, v in record["moved"].items()},
            },
        )
        done, unit_id = merge.id, case.unit_id
    _forget_dashboards(ctx, unit_id)
    return done


def _set_identity(
    ctx: Context, session: Session, person: Person, identity: dict[str, Any], *, sealed: bool
) -> None:
    name = str(identity.get("name") or "")
    aliases = [str(a) for a in identity.get("aliases") or []]
    if sealed:
        person.sealed_identity = seal_identity(ctx, person.case_id, person.pseudonym, identity)
        person.name, person.aliases = None, []
    else:
        person.sealed_identity = None
        person.name, person.aliases = name or None, aliases
    search.index_person(ctx, session, person, [name, *aliases], sealed=sealed)


def _move_refs(
    session: Session, case_id: int, survivor: int, absorbed: int, record: dict[str, Any]
) -> None:
    """Re-point every reference to ``absorbed`` at ``survivor``, noting each row moved."""
    # Organisation links: a link the survivor already has is kept once.
    for link in list(
        session.scalars(select(PersonOrganisation).where(PersonOrganisation.person_id == absorbed))
    ):
        twin = session.scalar(
            select(PersonOrganisation.id).where(
                PersonOrganisation.person_id == survivor,
                PersonOrganisation.organisation_id == link.organisation_id,
                PersonOrganisation.relation == link.relation,
            )
        )
        if twin is not None:
            record["links"].append(
                {
                    "organisation_id": link.organisation_id,
                    "relation": link.relation,
                    "since": _json(link.since),
                    "until": _json(link.until),
                }
            )
            session.delete(link)
        else:
            link.person_id = survivor
            record["moved"].setdefault("person_organisations", {"column": "person_id", "keys": []})[
                "keys"
            ].append([link.id])
    session.flush()
    for table, column in _person_refs():
        pk = _pk(table)
        if column in pk:  # one row per person (e.g. witness status)
            _move_person_row(session, table, column, survivor, absorbed, record)
            continue
        keys = [list(r) for r in session.execute(select(*pk).where(column == absorbed)).all()]
        if not keys:
            continue
        session.execute(sa.update(table).where(column == absorbed).values({column.name: survivor}))
        record["moved"][table.name] = {"column": column.name, "keys": keys}
    # Facts about the person, and decisions that name her by id.
    from palermo.services.elements import AUTHOR, LINK
    from palermo.services.network import NOT_SAME_AS, SAME_AS

    about = (
        Assertion.case_id == case_id,
        Assertion.subject_type == "person",
        Assertion.subject_id == absorbed,
    )
    record["assertions"]["subject"] = list(session.scalars(select(Assertion.id).where(*about)))
    session.execute(
        sa.update(Assertion)
        .where(*about)
        .values(subject_id=survivor)
        .execution_options(synchronize_session=False)
    )
    for a in session.scalars(
        select(Assertion).where(
            Assertion.case_id == case_id,
            Assertion.predicate.in_((SAME_AS, NOT_SAME_AS, AUTHOR)),
            Assertion.value == str(absorbed),
        )
    ):
        a.value = str(survivor)
        record["assertions"]["value"].append(a.id)
    for a in session.scalars(
        select(Assertion).where(Assertion.case_id == case_id, Assertion.predicate == LINK)
    ):
        if (a.details or {}).get("victim_id") == absorbed:
            a.details = {**(a.details or {}), "victim_id": survivor}
            record["assertions"]["victim"].append(a.id)
    session.flush()


def _move_person_row(
    session: Session,
    table: sa.Table,
    column: sa.Column[Any],
    survivor: int,
    absorbed: int,
    record: dict[str, Any],
) -> None:
    row = session.execute(select(table).where(column == absorbed)).mappings().first()
    if row is None:
        return
    has_own = session.execute(select(column).where(column == survivor)).first() is not None
    entry: dict[str, Any] = {"column": column.name, "moved": not has_own}
    if has_own:
        entry["row"] = {k: _json(v) for k, v in row.items()}
        if table.name == WitnessStatus.__tablename__:
            own = session.get(WitnessStatus, survivor)
            assert own is not None
            entry["survivor_reports"] = own.intimidation_reports
            own.intimidation_reports = (own.intimidation_reports or 0) + int(
                row["intimidation_reports"] or 0
            )
        session.execute(delete(table).where(column == absorbed))
    else:
        session.execute(sa.update(table).where(column == absorbed).values({column.name: survivor}))
    session.flush()
    record["kept_rows"][table.name] = entry


def _restore_value(column: sa.Column[Any], value: Any) -> Any:
    if value is None or not isinstance(value, str):
        return value
    python = getattr(column.type, "python_type", None) if _has_python_type(column) else None
    if python is datetime:
        return datetime.fromisoformat(value)
    if python is date:
        return date.fromisoformat(value)
    return value


def _has_python_type(column: sa.Column[Any]) -> bool:
    try:
        column.type.python_type  # noqa: B018
    except NotImplementedError:
        return False
    return True


@dataclass(frozen=True, slots=True)
class MergeView:
    id: int
    survivor_id: int
    absorbed_id: int
    absorbed: str
    merged_at: datetime
    merged_by: str | None
    undone_at: datetime | None
    may_undo: bool


def merges_of(session: Session, person_id: int) -> list[MergeView]:
    """The merges into this person, newest first (only the newest standing one can be
    undone: later merges rest on it)."""
    rows = list(
        session.scalars(
            select(PersonMerge)
            .where(PersonMerge.survivor_id == person_id)
            .order_by(PersonMerge.id.desc())
        )
    )
    names = {
        u.id: u.username
        for u in session.scalars(select(User).where(User.id.in_({r.merged_by for r in rows})))
    }
    standing = [r.id for r in rows if r.undone_at is None]
    return [
        MergeView(
            r.id,
            r.survivor_id,
            r.absorbed_id,
            r.absorbed_pseudonym,
            r.merged_at,
            names.get(r.merged_by or 0),
            r.undone_at,
            bool(standing) and r.id == standing[0],
        )
        for r in rows
    ]


def undo_merge(ctx: Context, actor: Actor, reference: str, merge_id: int) -> int:
    """Undo a merge: the absorbed person comes back (same id and pseudonym) with every row
    the merge moved, and the survivor gets her identity and details back. Refused when the
    survivor was changed since, or when a later merge into her still stands. Returns the
    restored person's id."""
    with ctx.db.session() as session:
        case = open_case(ctx, session, actor, reference, Permission.EDIT_CASE)
        merge = session.get(PersonMerge, merge_id)
        if merge is None or merge.case_id != case.id:
            raise NotFound(f"merge {merge_id} not found in case '{reference}'")
        rec = f"merge of {merge.absorbed_pseudonym}"
        if merge.undone_at is not None:
            raise FieldErrors([FieldError("merge", "this merge was already undone")], rec)
        record = dict(merge.record)
        before, gone = record["survivor_before"], record["absorbed"]
        if (before["sealed"] or gone["sealed"]) and not actor.can(Permission.SEE_VICTIM_IDENTITY):
            raise PermissionDenied(
                f"your role ({actor.role.value}) cannot undo the merge of a victim"
            )
        surv = session.get(Person, merge.survivor_id)
        errors: list[FieldError] = []
        if surv is None or surv.case_id != case.id:
            errors.append(FieldError("merge", "the person merged into is no longer in the case"))
        later = session.scalar(
            select(PersonMerge.id).where(
                PersonMerge.survivor_id == merge.survivor_id,
                PersonMerge.id > merge.id,
                PersonMerge.undone_at.is_(None),
            )
        )
        if later is not None:
            errors.append(
                FieldError("merge", "a later merge into this person stands: undo it first")
            )
        taken = session.scalar(
            select(Person.id).where(
                Person.case_id == case.id, Person.pseudonym == merge.absorbed_pseudonym
            )
        )
        if taken is not None or session.get(Person, merge.absorbed_id) is not None:
            errors.append(
                FieldError("merge", f"{merge.absorbed_pseudonym} is in use by another person")
            )
        raise_if(errors, rec)
        assert surv is not None
        if _digest(ctx, session, actor, surv) != record.get("survivor_after"):
            raise FieldErrors(
                [
                    FieldError(
                        "merge",
                        f"{surv.pseudonym} was edited after the merge; split instead (move "
                        "the aliases, identifiers and facts to a new person)",
                    )
                ],
                rec,
            )
        absb = Person(
            id=merge.absorbed_id,
            case_id=case.id,
            kind=gone["kind"],
            pseudonym=merge.absorbed_pseudonym,
            sex=gone["sex"],
            nationality=gone["nationality"],
            birth_year=gone["birth_year"],
            is_minor=gone["is_minor"],
            notes=gone["notes"],
            aliases=[],
        )
        if gone.get("created_at"):
            absb.created_at = datetime.fromisoformat(gone["created_at"])
        session.add(absb)
        session.flush()
        _set_identity(ctx, session, absb, gone["identity"], sealed=gone["sealed"])
        for key in ("sex", "nationality", "birth_year", "is_minor", "notes"):
            setattr(surv, key, before[key])
        _set_identity(ctx, session, surv, before["identity"], sealed=before["sealed"])
        _move_back(session, case.id, surv.id, absb.id, record)
        merge.undone_at = datetime.now(UTC)
        merge.undone_by = actor.user_id
        analysis_jobs.analyse_after_commit(ctx, session, actor, case.id)
        audit.record(
            session,
            actor=actor,
            action="person.merge_undo",
            case_id=case.id,
            object_type="person",
            object_id=absb.id,
            details={"merge_id": merge.id, "survivor": surv.pseudonym, "restored": absb.pseudonym},
        )
        done, unit_id = absb.id, case.unit_id
    _forget_dashboards(ctx, unit_id)
    return done


def _move_back(
    session: Session, case_id: int, survivor: int, absorbed: int, record: dict[str, Any]
) -> None:
    tables = Base.metadata.tables
    for name, moved in record["moved"].items():
        table = tables.get(name)
        if table is None:
            continue
        column, pk = table.c[moved["column"]], _pk(table)
        if len(pk) == 1:
            keys = [key[0] for key in moved["keys"]]
            for start in range(0, len(keys), _CHUNK):
                session.execute(
                    sa.update(table)
                    .where(column == survivor, pk[0].in_(keys[start : start + _CHUNK]))
                    .values({column.name: absorbed})
                )
            continue
        for key in moved["keys"]:
            condition = sa.and_(column == survivor, *(c == v for c, v in zip(pk, key, strict=True)))
            session.execute(sa.update(table).where(condition).values({column.name: absorbed}))
    for name, entry in record["kept_rows"].items():
        table = tables.get(name)
        if table is None:
            continue
        column = table.c[entry["column"]]
        if entry["moved"]:
            session.execute(
                sa.update(table).where(column == survivor).values({column.name: absorbed})
            )
            continue
        row = {k: _restore_value(table.c[k], v) for k, v in entry["row"].items() if k in table.c}
        row[column.name] = absorbed
        session.execute(sa.insert(table).values(row))
        if "survivor_reports" in entry:
            own = session.get(WitnessStatus, survivor)
            if own is not None:
                own.intimidation_reports = entry["survivor_reports"]
    for link in record["links"]:
        session.add(
            PersonOrganisation(
                case_id=case_id,
                person_id=absorbed,
                organisation_id=link["organisation_id"],
                relation=link["relation"],
                since=date.fromisoformat(link["since"]) if link["since"] else None,
                until=date.fromisoformat(link["until"]) if link["until"] else None,
            )
        )
    facts = record["assertions"]
    subject = facts["subject"]
    for start in range(0, len(subject), _CHUNK):
        session.execute(
            sa.update(Assertion)
            .where(
                Assertion.case_id == case_id,
                Assertion.id.in_(subject[start : start + _CHUNK]),
                Assertion.subject_type == "person",
                Assertion.subject_id == survivor,
            )
            .values(subject_id=absorbed)
            .execution_options(synchronize_session=False)
        )
    for a in _assertions(session, case_id, facts["value"]):
        if a.value == str(survivor):
            a.value = str(absorbed)
    for a in _assertions(session, case_id, facts["victim"]):
        if (a.details or {}).get("victim_id") == survivor:
            a.details = {**(a.details or {}), "victim_id": absorbed}
    session.flush()


def _assertions(session: Session, case_id: int, ids: list[int]) -> list[Assertion]:
    if not ids:
        return []
    return list(
        session.scalars(
            select(Assertion).where(Assertion.case_id == case_id, Assertion.id.in_(ids))
        )
    )


# --------------------------------------------------------------------------- split


@dataclass(frozen=True, slots=True)
class SplitChoices:
    """What a person has that a split can move (ids and aliases), for the split form."""

    person_id: int
    pseudonym: str
    kind: str
    sealed: bool
    aliases: list[str]
    identifiers: list[tuple[int, str, str]]
    facts: list[tuple[int, str, str]]
    photos: list[int]


def split_choices(ctx: Context, actor: Actor, reference: str, person_id: int) -> SplitChoices:
    with ctx.db.session() as session:
        case = open_case(ctx, session, actor, reference, Permission.EDIT_CASE)
        person = _person_for_split(session, actor, case, person_id)
        identity = _identity(ctx, session, actor, person)
        audit.record(
            session,
            actor=actor,
            action="person.split_form",
            case_id=case.id,
            object_type="person",
            object_id=person.id,
        )
        return SplitChoices(
            person.id,
            person.pseudonym,
            person.kind,
            _sealed(person),
            list(identity.get("aliases") or []),
            [
                (i.id, i.kind, i.value)
                for i in session.scalars(
                    select(Identifier)
                    .where(Identifier.person_id == person.id)
                    .order_by(Identifier.id)
                )
            ],
            [(a.id, a.predicate, _fact_text(a)) for a in _facts(session, case.id, person.id)],
            list(
                session.scalars(
                    select(PersonPhoto.id)
                    .where(PersonPhoto.person_id == person.id)
                    .order_by(PersonPhoto.id)
                )
            ),
        )


def _fact_text(a: Assertion) -> str:
    text = a.value or a.quote or ""
    return text if len(text) <= 120 else text[:117] + "…"


def _facts(session: Session, case_id: int, person_id: int) -> list[Assertion]:
    return list(
        session.scalars(
            select(Assertion)
            .where(
                Assertion.case_id == case_id,
                Assertion.subject_type == "person",
                Assertion.subject_id == person_id,
            )
            .order_by(Assertion.id)
        )
    )


def _person_for_split(session: Session, actor: Actor, case: Case, person_id: int) -> Person:
    person = session.get(Person, person_id)
    if person is None or person.case_id != case.id:
        raise NotFound(f"person {person_id} not found in case '{case.reference}'")
    if _sealed(person) and not actor.can(Permission.SEE_VICTIM_IDENTITY):
        raise PermissionDenied(
            f"your role ({actor.role.value}) cannot split a victim: her identity is sealed"
        )
    return person


def split_person(
    ctx: Context,
    actor: Actor,
    reference: str,
    person_id: int,
    *,
    name: str,
    aliases: list[str] | None = None,
    identifier_ids: list[int] | None = None,
    fact_ids: list[int] | None = None,
    photo_ids: list[int] | None = None,
) -> int:
    """Move the chosen aliases, identifiers, facts and photos of a person onto a new person
    of the same role named ``name``; returns the new person's id."""
    from palermo.services.cases import _next_pseudonym

    aliases, identifier_ids = list(aliases or []), list(identifier_ids or [])
    fact_ids, photo_ids = list(fact_ids or []), list(photo_ids or [])
    with ctx.db.session() as session:
        case = open_case(ctx, session, actor, reference, Permission.EDIT_CASE)
        person = _person_for_split(session, actor, case, person_id)
        identity = _identity(ctx, session, actor, person)
        own_aliases = list(identity.get("aliases") or [])
        errors: list[FieldError] = []
        if not name.strip():
            errors.append(FieldError("name", "enter the name of the new person"))
        elif _same(name, identity.get("name") or ""):
            errors.append(FieldError("name", f"that is {person.pseudonym}'s own name"))
        unknown = [a for a in aliases if not any(_same(a, x) for x in own_aliases)]
        if unknown:
            errors.append(
                FieldError("aliases", f"not an alias of {person.pseudonym}: {unknown[0]}")
            )
        ids = {
            i.id: i
            for i in session.scalars(select(Identifier).where(Identifier.person_id == person.id))
        }
        if any(i not in ids for i in identifier_ids):
            errors.append(FieldError("identifiers", f"choose identifiers of {person.pseudonym}"))
        facts = {a.id: a for a in _facts(session, case.id, person.id)}
        if any(f not in facts for f in fact_ids):
            errors.append(FieldError("facts", f"choose facts about {person.pseudonym}"))
        photos = {
            p.id: p
            for p in session.scalars(select(PersonPhoto).where(PersonPhoto.person_id == person.id))
        }
        if any(p not in photos for p in photo_ids):
            errors.append(FieldError("photos", f"choose photos of {person.pseudonym}"))
        if not (aliases or identifier_ids or fact_ids or photo_ids):
            errors.append(
                FieldError(
                    "aliases", "choose at least one alias, identifier, fact or photo to move"
                )
            )
        raise_if(errors, f"split of {person.pseudonym}")
        kind = PersonKind(person.kind)
        new = Person(
            case_id=case.id,
            kind=kind.value,
            pseudonym=_next_pseudonym(session, case.id, kind),
            sex=person.sex,
            nationality=person.nationality,
            is_minor=person.is_minor,
            aliases=[],
        )
        session.add(new)
        session.flush()
        moved_aliases = [a for a in own_aliases if any(_same(a, x) for x in aliases)]
        kept = [a for a in own_aliases if a not in moved_aliases and not _same(a, name)]
        sealed = _sealed(person)
        _set_identity(
            ctx,
            session,
            new,
            {"name": name.strip(), "aliases": [a for a in moved_aliases if not _same(a, name)]},
            sealed=sealed,
        )
        _set_identity(ctx, session, person, {**identity, "aliases": kept}, sealed=sealed)
        for i in identifier_ids:
            ids[i].person_id = new.id
        for f in fact_ids:
            facts[f].subject_id = new.id
        for p in photo_ids:
            photos[p].person_id = new.id
        session.flush()
        analysis_jobs.analyse_after_commit(ctx, session, actor, case.id)
        audit.record(
            session,
            actor=actor,
            action="person.split",
            case_id=case.id,
            object_type="person",
            object_id=person.id,
            details={
                "new_person_id": new.id,
                "new_pseudonym": new.pseudonym,
                "aliases": len(moved_aliases),
                "identifiers": sorted(identifier_ids),
                "facts": sorted(fact_ids),
                "photos": sorted(photo_ids),
            },
        )
        done, unit_id = new.id, case.unit_id
    _forget_dashboards(ctx, unit_id)
    return done


__all__ = [
    "Conflict",
    "MergePreview",
    "MergeView",
    "SplitChoices",
    "merge_people",
    "merge_preview",
    "merges_of",
    "split_choices",
    "split_person",
    "undo_merge",
]
