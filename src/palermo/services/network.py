"""The Network tab: the case graph, suggested roles, key players, culpable but not
charged, and links to other cases, from the store through the pure analysis cores.

The store is read once per table (records streamed per kind) into a
:class:`~palermo.analysis.data.CaseBuilder`. Person labels are what the viewer may
see (victims by pseudonym unless the role allows identities and the user asks).
"""

from __future__ import annotations

import hashlib
import json
import re
import time
from collections import OrderedDict
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, date, datetime
from threading import Lock
from types import SimpleNamespace
from typing import Any

import numpy as np
from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from palermo.analysis.data import Advert, CaseBuilder, CaseData, Organisation, to_epoch
from palermo.analysis.data import Person as APerson
from palermo.analysis.graph import build_graph, to_json
from palermo.analysis.keyplayers import key_players
from palermo.analysis.resolution import Decision as PairDecision
from palermo.analysis.resolution import (
    PairSuggestion,
    PersonRecord,
    ResolutionResult,
    apply_decisions,
)
from palermo.analysis.roles import best_role, culpable_not_charged, infer_roles
from palermo.law.facts import Fact
from palermo.law.roles import load_roles
from palermo.security import audit, identities
from palermo.security.permissions import Actor, Permission
from palermo.services import analysis_jobs, network_picture
from palermo.services.access import open_case
from palermo.services.cases import person_view
from palermo.services.context import Context
from palermo.services.derived_views import KeptView
from palermo.services.errors import InvalidInput, NotFound
from palermo.services.viewcache import case_fingerprint, viewer_key
from palermo.store.models import (
    Assertion,
    AssertionStatus,
    Case,
    CaseMember,
    Charge,
    EvidenceFile,
    Identifier,
    Person,
    Record,
)
from palermo.store.models import Organisation as OrgRow
from palermo.store.models.people import PersonOrganisation

RECORD_KINDS: tuple[str, ...] = ("call", "message", "payment", "trip")
# Record id columns written by ingest into ``attrs`` (the source file's own ids).
_ID_COLUMNS = {
    "call": "call_id",
    "message": "message_id",
    "payment": "transaction_id",
    "trip": "booking_id",
}
_CHUNK = 10_000
# Evidence files that are advertisements (by name; the reader does not classify pages).
_ADVERT = re.compile(r"advert|listing|escort|(^|[/_\-])ads?([._\-]|$)", re.IGNORECASE)
_DROPPED_CHARGES = {"dropped", "dismissed", "declined", "acquitted"}


# -- loading -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class MatchingIdentity:
    """What duplicate matching compares of a person (held in memory, never shown)."""

    name: str
    aliases: tuple[str, ...]
    identifiers: tuple[str, ...]
    date_of_birth: str | None = None
    address: str | None = None


@dataclass(slots=True)
class Loaded:
    """A case read from the store: the analysis container and how to trace back to rows."""

    case: Case
    data: CaseData
    people: dict[str, Person]  # analysis person id (str of Person.id) -> row
    labels: dict[str, str]  # analysis person id -> label the viewer may see
    evidence: dict[str, tuple[int, int, int]]  # record key -> (record id, file id, row)
    files: dict[int, str]  # evidence file id -> original name
    seconds: dict[str, float] = field(default_factory=dict)
    # For duplicate matching only, never shown: names, date of birth and address (a
    # victim's from the sealed identity, opened through ``security.identities``) and
    # identifiers.
    matching: dict[str, MatchingIdentity] = field(default_factory=dict)
    # Facts from statements, chats and messages: fact id -> where it was said, and what.
    statements: dict[str, EvidenceRef] = field(default_factory=dict)
    # Confirmed "same person" decisions (``load_case(merge=True)``). ``people`` and
    # ``labels`` keep every person as recorded; the analysis has one person per group.
    rep_of: dict[str, str] = field(default_factory=dict)  # member -> representative
    groups: dict[str, tuple[str, ...]] = field(default_factory=dict)  # rep -> members
    merged_labels: dict[str, str] = field(default_factory=dict)  # rep -> label with members
    merged_by: dict[str, list[tuple[str, datetime | None]]] = field(default_factory=dict)
    merge_conflicts: list[str] = field(default_factory=list)

    def display(self, person_id: str, *, members: bool = True) -> str:
        """The label of the node a person is drawn as: their merged node's (which names
        its members, unless ``members`` is false), or their own."""
        rep = self.rep_of.get(person_id, person_id)
        return (members and self.merged_labels.get(rep)) or self.labels.get(rep, rep)

    def merged_from(self, person_id: str) -> list[str]:
        """Who a merged node stands for (pseudonym and label each); [] if not merged."""
        rep = self.rep_of.get(person_id, person_id)
        return [_describe(self.people, self.labels, m) for m in self.groups.get(rep, ())]


def _describe(people: dict[str, Person], labels: dict[str, str], person_id: str) -> str:
    """A person as recorded: pseudonym, and the label the viewer may see if different."""
    person, label = people[person_id], labels[person_id]
    return person.pseudonym if label == person.pseudonym else f"{person.pseudonym} {label}"


def _utc(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def load_case(
    ctx: Context,
    session: Session,
    actor: Actor,
    case: Case,
    *,
    reveal: bool = False,
    merge: bool = False,
) -> Loaded:
    """Fill a :class:`CaseData` for ``case``: one query per table, records streamed.

    ``merge``: people confirmed to be one person (``same_as`` decisions in force) become
    one analysis person, under the id of the charged or most evidenced of them, with all
    their identifiers, charges and facts. The rows stay as they are."""
    clock = time.perf_counter()
    viewer = actor if reveal else actor.hiding_identities()
    b = CaseBuilder()
    persons = list(session.scalars(select(Person).where(Person.case_id == case.id)))
    idents = session.execute(
        select(
            Identifier.kind, Identifier.value, Identifier.person_id, Identifier.organisation_id
        ).where(Identifier.case_id == case.id)
    ).all()
    by_person: dict[int, dict[str, list[str]]] = {}
    by_org: dict[int, dict[str, list[str]]] = {}
    for kind, value, pid, oid in idents:
        if pid is not None:
            by_person.setdefault(pid, {}).setdefault(kind, []).append(value)
        elif oid is not None:
            by_org.setdefault(oid, {}).setdefault(kind, []).append(value)
    charged_rows: dict[str, list[str]] = {}
    for charged, statute, status in session.execute(
        select(Charge.person_id, Charge.statute_id, Charge.status).where(Charge.case_id == case.id)
    ):
        if status not in _DROPPED_CHARGES:
            charged_rows.setdefault(str(charged), []).append(statute)
    merges = _merge_groups(session, case.id, persons, by_person, charged_rows) if merge else None
    rep_of = merges.rep_of if merges else {}
    labels: dict[str, str] = {}
    people: dict[str, Person] = {}
    traveller: dict[str, str] = {}  # upper-cased name or alias -> analysis person id
    matching: dict[str, MatchingIdentity] = {}
    for p in persons:
        key = str(p.id)
        view = person_view(ctx, viewer, p)
        labels[key], people[key] = view.display_name, p
        ids = by_person.get(p.id, {})
        # Travellers on bookings are names; match them internally, never shown.
        names = [p.name or "", *(p.aliases or [])]
        born: str | None = None
        lives: str | None = None
        if p.sealed_identity is not None:
            # Fails closed: an identity that cannot be opened stops the request.
            identity = identities.unseal(
                ctx, p, actor=actor, purpose="network.matching", session=session
            )
            names += identity.names
            tokens = identity.tokens()
            born = next(iter(tokens.dates_of_birth), None)
            lives = next(iter(tokens.addresses), None)
        for n in names:
            if n:
                traveller.setdefault(n.upper(), rep_of.get(key, key))
        known = [n for n in names if n]
        matching[key] = MatchingIdentity(
            known[0] if known else "",
            tuple(known[1:]),
            tuple(f"{k}:{v}" for k, vals in ids.items() for v in vals),
            born,
            lives,
        )
    groups = merges.groups if merges else {}
    merged_labels = {
        rep: f"{labels[rep]} (merged from "
        + " + ".join(_describe(people, labels, m) for m in group)
        + ")"
        for rep, group in groups.items()
    }
    for p in persons:
        key = str(p.id)
        if rep_of.get(key, key) != key:
            continue  # drawn as their representative
        group = [people[m] for m in groups.get(key, (key,))]
        ids = _union_identifiers(by_person.get(m.id, {}) for m in group)
        b.add_person(
            APerson(
                id=key,
                name=merged_labels.get(key, labels[key]),
                kind=p.kind,
                phones=tuple(ids.get("phone", ())),
                accounts=tuple(ids.get("account", ())),
                emails=tuple(ids.get("email", ())),
                handles=tuple(ids.get("handle", ())),
                home_country=next((m.nationality for m in group if m.nationality), None),
            )
        )
    organisations: dict[int, tuple[int, str]] = {}  # row id -> node code, name
    for o in session.scalars(select(OrgRow).where(OrgRow.case_id == case.id)):
        ids = by_org.get(o.id, {})
        code = b.add_organisation(
            Organisation(
                id=f"O{o.id}",
                name=o.name,
                kind=o.kind or "business",
                phones=tuple(ids.get("phone", ())),
                accounts=tuple(ids.get("account", ())),
            )
        )
        organisations[o.id] = (code, o.name)
    links_said = _load_organisation_links(session, case.id, b, rep_of, organisations)
    charges: dict[str, list[str]] = {}
    for key, statutes in charged_rows.items():
        mine = charges.setdefault(rep_of.get(key, key), [])
        mine += [s for s in statutes if s not in mine]
    for key, statutes in charges.items():
        b.set_charges(key, statutes)
    facts_clock = time.perf_counter()
    statements = _load_facts(ctx, session, case, b, rep_of)
    facts_seconds = time.perf_counter() - facts_clock
    evidence: dict[str, tuple[int, int, int]] = {}
    for kind in RECORD_KINDS:
        _load_records(session, case.id, kind, b, evidence, traveller)
    files = {
        int(fid): str(name)
        for fid, name in session.execute(
            select(EvidenceFile.id, EvidenceFile.original_name).where(
                EvidenceFile.case_id == case.id
            )
        )
    }
    _load_adverts(session, case.id, files, b)
    data = b.build()
    # Statement facts are timed apart: they run the Elements attribution.
    seconds = {
        "load": round(time.perf_counter() - clock - facts_seconds, 3),
        "facts": round(facts_seconds, 3),
    }
    loaded = Loaded(case, data, people, labels, evidence, files, seconds, matching)
    loaded.statements = {**statements, **links_said}
    if merges:
        loaded.rep_of, loaded.groups, loaded.merged_labels = rep_of, groups, merged_labels
        loaded.merged_by = merges.merged_by
        loaded.merge_conflicts = [_conflict_text(loaded, *c) for c in merges.conflicts]
    return loaded


def _union_identifiers(parts: Iterable[dict[str, list[str]]]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for part in parts:
        for kind, values in part.items():
            mine = out.setdefault(kind, [])
            mine += [v for v in values if v not in mine]
    return out


# -- confirmed merges ----------------------------------------------------------------------


@dataclass(slots=True)
class _Merges:
    rep_of: dict[str, str]
    groups: dict[str, tuple[str, ...]]
    merged_by: dict[str, list[tuple[str, datetime | None]]]
    conflicts: list[tuple[str, str, str]]  # person a, person b, reason


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _merge_groups(
    session: Session,
    case_id: int,
    persons: Sequence[Person],
    by_person: dict[int, dict[str, list[str]]],
    charged: dict[str, list[str]],
) -> _Merges | None:
    """Groups of people joined by the ``same_as`` decisions in force, transitively, never
    across a ``not_same_as`` decision (see :mod:`palermo.analysis.resolution.decisions`).

    The representative is the charged one, then the one with the most records on their
    phones and accounts, then the first recorded."""
    decided = _pair_decisions(session, case_id)
    if not any(same for same, _ in decided.values()):
        return None
    keys = [str(p.id) for p in persons]
    machine = ResolutionResult(
        suggestions=(), clusters={k: k for k in keys}, threshold=1.0, method="none"
    )
    assignment = apply_decisions(
        machine,
        [
            PairDecision("merge" if same else "split", str(a), str(b), d.by, d.at or _EPOCH)
            for (a, b), (same, d) in decided.items()
        ],
    )

    def evidence(pid: int) -> int:
        values = [v for vals in by_person.get(pid, {}).values() for v in vals]
        if not values:
            return 0
        return int(
            session.scalar(
                select(func.count())
                .select_from(Record)
                .where(
                    Record.case_id == case_id,
                    or_(Record.source.in_(values), Record.target.in_(values)),
                )
            )
            or 0
        )

    rep_of: dict[str, str] = {}
    groups: dict[str, tuple[str, ...]] = {}
    for members in assignment.members().values():
        if len(members) < 2:
            continue
        ids = sorted(int(m) for m in members)
        rank = {i: (str(i) in charged, evidence(i), -i) for i in ids}
        rep = max(ids, key=rank.__getitem__)
        groups[str(rep)] = (str(rep), *(str(i) for i in ids if i != rep))
        for i in ids:
            rep_of[str(i)] = str(rep)
    merged_by: dict[str, list[tuple[str, datetime | None]]] = {}
    for d in assignment.effective:
        if d.action == "merge" and d.key_a in rep_of:
            at = None if d.decided_at == _EPOCH else d.decided_at
            merged_by.setdefault(rep_of[d.key_a], []).append((d.decided_by, at))
    conflicts = [(c.decision.key_a, c.decision.key_b, c.reason) for c in assignment.conflicts]
    return _Merges(rep_of, groups, merged_by, conflicts)


_CLASH = re.compile(r"would join (\S+) and (\S+), which a split keeps apart")


def _conflict_text(loaded: Loaded, a: str, b: str, reason: str) -> str:
    def who(pid: str) -> str:
        return _describe(loaded.people, loaded.labels, pid) if pid in loaded.people else pid

    clash = _CLASH.search(reason)
    if clash:
        reason = (
            f"that would put {who(clash.group(1))} and {who(clash.group(2))} together, "
            "who were decided to be different people"
        )
    return f"{who(a)} and {who(b)} were marked as the same person but are kept apart: {reason}"


def _load_facts(
    ctx: Context, session: Session, case: Case, b: CaseBuilder, rep_of: dict[str, str]
) -> dict[str, EvidenceRef]:
    """Facts from statements, chats and messages, tied to suspects exactly as the
    Elements tab ties them (about their merged person, when ``rep_of`` maps them to one).
    Returns each fact's evidence reference (file, place and quote) by fact id."""
    from palermo.services.elements import attributed_facts

    refs: dict[str, EvidenceRef] = {}
    for f in attributed_facts(ctx, session, case):
        if f.status == AssertionStatus.REJECTED.value:
            continue
        key = f"A:{f.id}"
        suspect = str(f.suspect_id)
        victim = str(f.victim_id) if f.victim_id is not None else None
        b.add_fact(
            Fact(
                id=key,
                concept=f.concept,
                suspect=rep_of.get(suspect, suspect),
                victim=rep_of.get(victim, victim) if victim else None,
                status=f.status,
                source_id=f.source_id,
                quote=f.quote,
            )
        )
        place = ", ".join(x for x in (f.evidence_file, f.locator) if x) or f.source_id
        refs[key] = EvidenceRef(place, f.record_id, f.evidence_file, None, f.quote)
    return refs


def _load_organisation_links(
    session: Session,
    case_id: int,
    b: CaseBuilder,
    rep_of: dict[str, str],
    organisations: dict[int, tuple[int, str]],
) -> dict[str, EvidenceRef]:
    """People's relations to the case's organisations, as entered on a person's page: an
    edge each, with what was entered as its evidence. The organisation stays a node of its
    own (who profits from its money is the user's call, not a guess from a relation)."""
    said: dict[str, EvidenceRef] = {}
    rows = session.execute(
        select(
            PersonOrganisation.id,
            PersonOrganisation.person_id,
            PersonOrganisation.organisation_id,
            PersonOrganisation.relation,
        )
        .where(PersonOrganisation.case_id == case_id)
        .order_by(PersonOrganisation.id)
    ).all()
    for link_id, person_id, organisation_id, relation in rows:
        if organisation_id not in organisations:
            continue
        org_node, org_name = organisations[organisation_id]
        person = rep_of.get(str(person_id), str(person_id))
        key = f"OL{link_id}"
        b.add_links([key], [0], [b.node("person", person)], [org_node], "organisation")
        said[key] = EvidenceRef("Person's page", None, None, None, f"{relation} of {org_name}")
    return said


def _load_adverts(session: Session, case_id: int, files: dict[int, str], b: CaseBuilder) -> None:
    """Phones shown in advertisement pages: calls to them are the buyer signals."""
    ad_files = [fid for fid, name in files.items() if _ADVERT.search(name)]
    if not ad_files:
        return
    rows = session.execute(
        select(Assertion.evidence_file_id, Assertion.value, Assertion.details).where(
            Assertion.case_id == case_id,
            Assertion.predicate == "identifier",
            Assertion.evidence_file_id.in_(ad_files),
            Assertion.status != AssertionStatus.REJECTED.value,
        )
    ).all()
    seen: set[tuple[int, str]] = set()
    for fid, value, details in rows:
        if (details or {}).get("kind") != "phone" or not value or (fid, value) in seen:
            continue
        seen.add((fid, value))
        b.add_advert(Advert(id=f"F{fid}-{len(seen)}", phone=str(value), site=files[fid]))


_ATTRS_READ = {
    "payment": ("payer_name", "payee_name", "reference"),
    "trip": ("booked_by", "paid_by"),
}


def _load_records(
    session: Session,
    case_id: int,
    kind: str,
    b: CaseBuilder,
    evidence: dict[str, tuple[int, int, int]],
    traveller: dict[str, str],
) -> None:
    id_col = _ID_COLUMNS[kind]
    # Attributes are encrypted at rest (they can name a person), so the database cannot
    # extract them: each row's are opened here and only the ones the analysis reads kept.
    wanted = [id_col, *_ATTRS_READ.get(kind, ())]
    stmt = (
        select(
            Record.id,
            Record.evidence_file_id,
            Record.row_number,
            Record.occurred_at,
            Record.source,
            Record.target,
            Record.amount,
            Record.currency,
            Record.channel,
            Record.origin,
            Record.destination,
            Record.duration_s,
            Record.attrs,
        )
        .where(Record.case_id == case_id, Record.kind == kind, Record.occurred_at.is_not(None))
        .order_by(Record.id)
        .execution_options(yield_per=_CHUNK)
    )
    unknown: dict[str, str] = {}
    # Core, not the ORM session: rows stream without per-row ORM bookkeeping.
    result = session.connection().execute(stmt)
    for rows in result.partitions(_CHUNK):
        chunk = [_with_attrs(r, wanted) for r in rows]
        ids: list[str] = []
        for r in chunk:
            key = str(getattr(r, f"attr_{id_col}") or f"R{r.id}")
            if key in evidence:
                key = f"R{r.id}"
            evidence[key] = (int(r.id), int(r.evidence_file_id), int(r.row_number))
            ids.append(key)
        when = to_epoch([_utc(r.occurred_at) for r in chunk])
        if kind == "call":
            b.add_calls(
                ids,
                when,
                [r.source or "" for r in chunk],
                [r.target or "" for r in chunk],
                np.asarray([r.duration_s or 0 for r in chunk], np.int64),
            )
        elif kind == "message":
            b.add_messages(
                ids,
                when,
                [r.source or "" for r in chunk],
                [r.target or "" for r in chunk],
                [""] * len(chunk),
            )
        elif kind == "payment":
            b.add_payments(
                ids,
                when,
                [r.source or "" for r in chunk],
                [r.target or "" for r in chunk],
                [float(r.amount or 0) for r in chunk],
                [r.currency or "" for r in chunk],
                [r.channel or "other" for r in chunk],
                [r.origin or "" for r in chunk],
                [r.destination or "" for r in chunk],
                [str(r.attr_payer_name or "") for r in chunk],
                [str(r.attr_payee_name or "") for r in chunk],
                [str(r.attr_reference or "") for r in chunk],
            )
        else:
            # Unmatched travellers get a neutral id: a raw name could be a victim's.
            who = [
                traveller.get(n.upper())
                or unknown.setdefault(n.upper(), f"traveller-{len(unknown) + 1}")
                for n in ((r.source or "").strip() for r in chunk)
            ]
            b.add_trips(
                ids,
                when,
                who,
                [r.origin or "" for r in chunk],
                [r.destination or "" for r in chunk],
                [str(r.attr_booked_by or "") for r in chunk],
                [str(r.attr_paid_by or "") for r in chunk],
                [float(r.amount or 0) for r in chunk],
            )


def _with_attrs(row: Any, wanted: list[str]) -> SimpleNamespace:
    """A record row with the wanted attributes as ``attr_<name>`` (None when absent)."""
    values = row._asdict()
    attrs = values.pop("attrs") or {}
    for k in wanted:
        value = attrs.get(k)
        values[f"attr_{k}"] = None if value is None else str(value)
    return SimpleNamespace(**values)


# -- views ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class EvidenceRef:
    key: str  # the source file's own id (TX..., CL...), R<record id>, or file and place
    record_id: int | None
    file: str | None
    row: int | None
    quote: str | None = None  # what a statement, chat or message says


@dataclass(frozen=True, slots=True)
class SignalView:
    signal: str
    because: str
    detail: str
    weight: float
    count: int
    evidence: list[EvidenceRef]


@dataclass(frozen=True, slots=True)
class Decision:
    status: str  # confirmed | rejected
    by: str
    at: datetime | None


@dataclass(frozen=True, slots=True)
class RoleView:
    person_id: int
    person: str
    person_kind: str
    role: str
    label: str
    score: float
    elements: list[str]
    signals: list[SignalView]
    decision: Decision | None
    merged_from: list[str] = field(default_factory=list)  # people confirmed to be this one


@dataclass(frozen=True, slots=True)
class KeyPlayerView:
    key: str
    label: str
    kind: str
    degree: int
    betweenness: float
    constraint: float | None
    group: int
    score: float
    explanations: list[str]
    merged_from: list[str] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class CulpableView:
    person_id: int
    person: str
    person_kind: str
    roles: list[tuple[str, float]]
    concepts: list[str]
    summary: str
    evidence: list[EvidenceRef]
    merged_from: list[str] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class CrossLink:
    kind: str  # phone, account, ... or "person"
    value: str
    here: str  # who uses it in this case
    other_case: str
    other_title: str
    # a person: the resolution model's probability that they are one, and why
    probability: float | None = None
    evidence: list[EvidenceLine] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class EvidenceLine:
    """One comparison behind a suggested pair: its level, weight (bits) and words."""

    comparison: str
    level: str
    weight: float
    text: str


@dataclass(frozen=True, slots=True)
class DuplicateView:
    """Two people of the case who may be one: a machine suggestion with its reasons."""

    person_a: int
    label_a: str
    person_b: int
    label_b: str
    match_weight: float
    match_probability: float
    reasons: list[str]
    decision: Decision | None  # confirmed same_as / not_same_as, latest wins
    decided_same: bool | None
    # every comparison with its weight (which fields agreed and how much each counted),
    # and the weight the pair starts from before any comparison (the prior)
    evidence: list[EvidenceLine] = field(default_factory=list)
    prior_weight: float = 0.0


@dataclass(frozen=True, slots=True)
class MergeView:
    """People a person confirmed to be one: drawn and analysed as ``person_id``."""

    person_id: int  # the representative (charged, or with the most evidence)
    label: str
    members: list[tuple[int, str]]  # person id, pseudonym and label as recorded
    decided: list[Decision]


@dataclass(frozen=True, slots=True)
class NetworkView:
    reference: str
    graph: dict[str, Any]
    roles: list[RoleView]
    key_players: list[KeyPlayerView]
    culpable: list[CulpableView]
    cross_links: list[CrossLink]
    duplicates: list[DuplicateView]
    people: dict[str, str]  # node key (person:<id>) -> label, for the filters
    role_labels: dict[str, str]
    betweenness_method: str
    seconds: dict[str, float]
    merges: list[MergeView] = field(default_factory=list)
    merge_conflicts: list[str] = field(default_factory=list)
    cached: bool = False  # served from the per-case cache (the case has not changed)
    computed_at: datetime | None = None


def evidence_refs(loaded: Loaded, keys: Iterable[str], limit: int = 20) -> list[EvidenceRef]:
    out = []
    for k in list(keys)[:limit]:
        statement = loaded.statements.get(k)
        if statement is not None:
            if statement not in out:  # one sentence can carry several concepts
                out.append(statement)
            continue
        key = k.split("@", 1)[1] if k.startswith("A") and "@" in k else k
        hit = loaded.evidence.get(key)
        if hit is None:
            out.append(EvidenceRef(k, None, None, None))
        else:
            out.append(EvidenceRef(key, hit[0], loaded.files.get(hit[1]), hit[2]))
    return out


def _decisions(session: Session, case_id: int) -> dict[tuple[int, str], Decision]:
    from palermo.store.models import User

    rows = session.execute(
        select(
            Assertion.subject_id,
            Assertion.value,
            Assertion.status,
            User.username,
            Assertion.decided_at,
        )
        .outerjoin(User, User.id == Assertion.decided_by)
        .where(
            Assertion.case_id == case_id,
            Assertion.predicate == "role",
            Assertion.subject_type == "person",
        )
        .order_by(Assertion.id)
    ).all()
    return {
        (int(sid), str(val)): Decision(str(st), str(who or "system"), _utc(at))
        for sid, val, st, who, at in rows
        if sid is not None
    }


@dataclass(frozen=True, slots=True)
class _Shared:
    """A computed view without the user's cross-case links, and what they are made from."""

    view: NetworkView
    whose: dict[tuple[str, str], str]  # (kind, value) of the case -> who uses it (label)
    # people whose identity is not sealed, as resolution records, with their labels
    here: dict[str, tuple[PersonRecord, str]]


# Computing the view reads every record of the case (seconds on a large case); the
# page and the API the canvas fetches right after it ask for the same view.
_views: KeptView[_Shared] = KeptView("network/1", max_entries=16)


def network_view(
    ctx: Context,
    actor: Actor,
    reference: str,
    *,
    start: date | datetime | str | None = None,
    end: date | datetime | str | None = None,
    max_nodes: int = 500,
    reveal: bool = False,
    loaded: Loaded | None = None,
) -> NetworkView:
    """Everything the Network tab shows, for one case and an optional date window.

    Access is checked and the read audited on every call; the case's part of the view is
    kept per case fingerprint and what the viewer may see (:mod:`.viewcache`), the links
    to the user's other cases are computed each time.

    ``loaded``: the case as ``load_case(..., reveal=reveal, merge=True)`` returned it for
    this actor, when the caller has it already (the memo reads the case once)."""
    with ctx.db.session() as session:
        case = open_case(ctx, session, actor, reference)
        fingerprint = case_fingerprint(session, case)
        variant = (
            viewer_key(actor, reveal),
            None if start is None else str(start),
            None if end is None else str(end),
            max_nodes,
        )
        shared = _views.get(
            ctx,
            case.id,
            fingerprint,
            variant,
            lambda: _compute_view(
                ctx,
                session,
                actor,
                case,
                loaded
                if loaded is not None
                else load_case(ctx, session, actor, case, reveal=reveal, merge=True),
                start=start,
                end=end,
                max_nodes=max_nodes,
                reveal=reveal,
            ),
        )
        links = _cross_links(session, actor, case, shared.value.whose, shared.value.here)
        audit.record_read(
            session,
            actor=actor,
            action="network.view",
            case_id=case.id,
            details={
                "start": str(start) if start else None,
                "end": str(end) if end else None,
                "reveal": bool(reveal and actor.can(Permission.SEE_VICTIM_IDENTITY)),
                "cached": shared.hit,
                "computed_at": shared.computed_at.isoformat(),
            },
        )
        return replace(
            shared.value.view,
            cross_links=links,
            cached=shared.hit,
            computed_at=shared.computed_at,
        )


def network_payload(
    ctx: Context,
    actor: Actor,
    reference: str,
    *,
    start: date | datetime | str | None = None,
    end: date | datetime | str | None = None,
    max_nodes: int = 500,
    reveal: bool = False,
) -> dict[str, Any]:
    """:func:`network_view` as plain data for the API (its dataclasses as dicts, naive
    times marked UTC). The case's part is converted once per kept view (converting a
    large graph costs far more than reading it); the viewer's own part each time."""
    view = network_view(
        ctx, actor, reference, start=start, end=end, max_nodes=max_nodes, reveal=reveal
    )
    key = (id(ctx), reference, str(start), str(end), max_nodes, viewer_key(actor, reveal))
    return {**_shared_plain(view, key), **_viewer_part(view)}


def network_payload_json(
    ctx: Context,
    actor: Actor,
    reference: str,
    *,
    start: date | datetime | str | None = None,
    end: date | datetime | str | None = None,
    max_nodes: int = 500,
    reveal: bool = False,
) -> bytes:
    """:func:`network_payload` as JSON: the case's part (most of it: the graph) written
    once per kept view, the viewer's own part (links to their other cases) each time."""
    view = network_view(
        ctx, actor, reference, start=start, end=end, max_nodes=max_nodes, reveal=reveal
    )
    key = (id(ctx), reference, str(start), str(end), max_nodes, viewer_key(actor, reveal))
    with _plain_guard:
        found = _json_views.get(key)
    if found is None or found[0] is not view.graph or found[1] is not view.roles:
        shared = {k: v for k, v in _shared_plain(view, key).items() if k not in _VIEWER_KEYS}
        found = (view.graph, view.roles, _json(shared))
        with _plain_guard:
            _json_views[key] = found
            while len(_json_views) > _PLAIN_VIEWS:
                _json_views.popitem(last=False)
    own = _json(_viewer_part(view))
    return found[2][:-1] + b"," + own[1:] if found[2] != b"{}" else own


def _shared_plain(view: NetworkView, key: tuple[Any, ...]) -> dict[str, Any]:
    with _plain_guard:
        plain = _plain_views.get(key)
    # The kept view's parts are the same objects on every read until the case changes.
    if plain is None or plain[0] is not view.graph or plain[1] is not view.roles:
        shared = replace(view, cross_links=[], cached=False, computed_at=None)
        plain = (view.graph, view.roles, _plain(asdict(shared)))
        with _plain_guard:
            _plain_views[key] = plain
            while len(_plain_views) > _PLAIN_VIEWS:
                _plain_views.popitem(last=False)
    return plain[2]


_VIEWER_KEYS = ("cross_links", "cached", "computed_at")


def _viewer_part(view: NetworkView) -> dict[str, Any]:
    return {
        "cross_links": _plain([asdict(link) for link in view.cross_links]),
        "cached": view.cached,
        "computed_at": _utc(view.computed_at),
    }


def _json(value: Any) -> bytes:
    """JSON as the API writes it (times as ISO 8601, no NaN)."""
    from fastapi.encoders import jsonable_encoder

    return json.dumps(
        value, ensure_ascii=False, allow_nan=False, separators=(",", ":"), default=jsonable_encoder
    ).encode()


_json_views: OrderedDict[tuple[Any, ...], tuple[Any, Any, bytes]] = OrderedDict()
_plain_views: OrderedDict[tuple[Any, ...], tuple[Any, Any, dict[str, Any]]] = OrderedDict()
_plain_guard = Lock()
_PLAIN_VIEWS = 16


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return _utc(value)
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def _compute_view(
    ctx: Context,
    session: Session,
    actor: Actor,
    case: Case,
    loaded: Loaded,
    *,
    start: date | datetime | str | None,
    end: date | datetime | str | None,
    max_nodes: int,
    reveal: bool,
) -> _Shared:
    """The view of ``loaded`` (cross-case links left empty: they depend on the user)."""
    data = loaded.data
    seconds = dict(loaded.seconds)
    clock = time.perf_counter()
    book = load_roles()
    suggestions = infer_roles(data, book)
    seconds["roles"] = round(time.perf_counter() - clock, 3)
    clock = time.perf_counter()
    graph = build_graph(data, start=start, end=end, collapse=True)
    report = key_players(graph, top=20, roles=suggestions)
    seconds["graph"] = round(time.perf_counter() - clock, 3)
    decisions = _merged_decisions(_decisions(session, case.id), loaded)
    confirmed = {str(pid): role for (pid, role), d in decisions.items() if d.status == "confirmed"}
    roles_for_nodes = {**best_role(suggestions), **confirmed}
    keep = [data.person_node(pid) for pid in roles_for_nodes if data.person_node(pid) >= 0]
    graph_json = to_json(graph, max_nodes=max_nodes, roles=roles_for_nodes, keep=keep)
    for node in graph_json["nodes"]:
        node["confirmed"] = node["role"] in confirmed.values() and any(
            node["id"] == f"person:{pid}" and r == node["role"] for pid, r in confirmed.items()
        )
        if node["type"] == "person" and node["id"].split(":", 1)[1] in loaded.groups:
            node["merged_from"] = loaded.merged_from(node["id"].split(":", 1)[1])
    sealed = {
        loaded.rep_of.get(k, k) for k, p in loaded.people.items() if p.sealed_identity is not None
    }
    network_picture.enrich(
        ctx,
        session,
        actor,
        case.id,
        data,
        graph_json,
        report.membership,
        reveal=reveal,
        sealed=sealed,
    )
    roles = [
        RoleView(
            person_id=int(s.person_id),
            person=loaded.display(s.person_id, members=False),
            person_kind=s.person_kind,
            role=s.role,
            label=s.label,
            score=s.score,
            elements=list(s.elements),
            signals=[
                SignalView(
                    h.signal,
                    h.because,
                    h.detail,
                    h.weight,
                    h.count,
                    evidence_refs(loaded, h.evidence, 10),
                )
                for h in s.signals
            ],
            decision=decisions.get((int(s.person_id), s.role)),
            merged_from=loaded.merged_from(s.person_id),
        )
        for s in suggestions
    ]
    # A rejected role does not make anyone culpable.
    kept = [
        s
        for s in suggestions
        if (d := decisions.get((int(s.person_id), s.role))) is None or d.status != "rejected"
    ]
    culpable = [
        CulpableView(
            person_id=int(u.person_id),
            person=loaded.display(u.person_id, members=False),
            person_kind=u.person_kind,
            roles=[(book.roles[r].label if r in book.roles else r, sc) for r, sc in u.roles],
            concepts=u.concepts,
            summary=u.summary,
            evidence=evidence_refs(loaded, u.evidence, 15),
            merged_from=loaded.merged_from(u.person_id),
        )
        for u in culpable_not_charged(data, kept, book=book)
    ]
    players = [
        KeyPlayerView(
            key=p.key,
            label=p.label,
            kind=p.kind,
            degree=p.degree,
            betweenness=round(p.betweenness, 4),
            constraint=None if np.isnan(p.constraint) else round(p.constraint, 3),
            group=p.group,
            score=round(p.score, 3),
            explanations=p.explanations,
            merged_from=loaded.merged_from(p.key.split(":", 1)[1])
            if p.key.startswith("person:")
            else [],
        )
        for p in report.players
    ]
    clock = time.perf_counter()
    duplicates = _duplicates(session, actor if reveal else actor.hiding_identities(), loaded)
    seconds["duplicates"] = round(time.perf_counter() - clock, 3)
    merges = [
        MergeView(
            person_id=int(rep),
            label=loaded.merged_labels[rep],
            members=[(int(m), _describe(loaded.people, loaded.labels, m)) for m in group],
            decided=[Decision("confirmed", by, at) for by, at in loaded.merged_by.get(rep, [])],
        )
        for rep, group in loaded.groups.items()
    ]
    whose: dict[tuple[str, str], str] = {}
    for kind, value, pid in session.execute(
        select(Identifier.kind, Identifier.value, Identifier.person_id).where(
            Identifier.case_id == case.id
        )
    ):
        who = loaded.display(str(pid)) if pid is not None and str(pid) in loaded.people else None
        whose[(str(kind), str(value))] = who or "unattributed"
    here = {
        f"here:{k}": (
            PersonRecord(
                key=f"here:{k}",
                full_name=m.name or None,
                aliases=m.aliases,
                identifiers=m.identifiers,
                nationality=loaded.people[k].nationality,
                dataset="here",
            ),
            loaded.display(k),
        )
        for k, m in loaded.matching.items()
        if loaded.people[k].sealed_identity is None and (m.name or m.identifiers)
    }
    view = NetworkView(
        reference=case.reference,
        graph=graph_json,
        roles=roles,
        key_players=players,
        culpable=culpable,
        cross_links=[],
        duplicates=duplicates,
        people={f"person:{k}": loaded.display(k) for k in data.persons},
        role_labels={k: r.label for k, r in book.roles.items()},
        betweenness_method=report.betweenness_method,
        seconds={**seconds, "total": round(sum(seconds.values()), 3)},
        merges=merges,
        merge_conflicts=list(loaded.merge_conflicts),
    )
    return _Shared(view, whose, here)


def _merged_decisions(
    decisions: dict[tuple[int, str], Decision], loaded: Loaded
) -> dict[tuple[int, str], Decision]:
    """Role decisions about merged people count for their merged person (the latest
    decision wins when two of them were decided differently)."""
    if not loaded.rep_of:
        return decisions
    out: dict[tuple[int, str], Decision] = {}
    for (pid, role), d in decisions.items():
        key = (int(loaded.rep_of.get(str(pid), str(pid))), role)
        old = out.get(key)
        if old is None or (d.at or _EPOCH) >= (old.at or _EPOCH):
            out[key] = d
    return out


def _cross_links(
    session: Session,
    actor: Actor,
    case: Case,
    whose: dict[tuple[str, str], str],
    here: dict[str, tuple[PersonRecord, str]],
) -> list[CrossLink]:
    """Identifiers shared with other cases of the unit that the actor is a member of,
    and people of those cases whom the resolution model finds likely to be people of
    this one (victims are never compared across cases, on either side); other cases are
    never mentioned at all. ``whose``: the case's identifiers and who uses them;
    ``here``: the case's people who are not victims, as records, with their labels."""
    if actor.is_system:
        visible = select(Case.id).where(Case.unit_id == case.unit_id, Case.id != case.id)
    else:
        visible = (
            select(Case.id)
            .join(
                CaseMember, and_(CaseMember.case_id == Case.id, CaseMember.user_id == actor.user_id)
            )
            .where(Case.unit_id == case.unit_id, Case.id != case.id)
        )
    other_ids = list(session.scalars(visible))
    if not other_ids:
        return []
    # Kept per the case's view (``whose`` and ``here`` are the kept view's own objects),
    # the cases the actor sees and what those hold: a second read finds what the first
    # did without reading every person and identifier of the other cases again.
    key = (id(whose), id(here), tuple(other_ids), _others_fingerprint(session, visible))
    with _links_guard:
        found = _links.get(key)
        if found is not None and found[0] is whose and found[1] is here:
            _links.move_to_end(key)
            return list(found[2])
    out = _find_cross_links(session, other_ids, whose, here)
    with _links_guard:
        _links[key] = (whose, here, tuple(out))
        while len(_links) > _LINKS:
            _links.popitem(last=False)
    return out


_links: OrderedDict[tuple[Any, ...], tuple[Any, Any, tuple[CrossLink, ...]]] = OrderedDict()
_links_guard = Lock()
_LINKS = 256


def _others_fingerprint(session: Session, visible: Any) -> tuple[Any, ...]:
    """What changes when the other cases' people or identifiers change, in one statement
    over the other cases (``visible``, a sub-query, not a list of their ids): counts and
    largest ids catch what is added or removed, the sum of identifiers' owners a phone
    moved by a merge's bulk update, and the cases' content stamp every edit in place of
    what they hold, casework aside (:mod:`palermo.store.change_stamp`)."""

    def agg(column: Any, expr: Any) -> Any:
        return select(expr).where(column.in_(visible)).scalar_subquery()

    row = session.execute(
        select(
            agg(Person.case_id, func.count(Person.id)),
            agg(Person.case_id, func.max(Person.id)),
            agg(Identifier.case_id, func.count(Identifier.id)),
            agg(Identifier.case_id, func.max(Identifier.id)),
            agg(Identifier.case_id, func.sum(Identifier.person_id)),
            agg(Case.id, func.max(Case.content_changed_at)),
        )
    ).one()
    return tuple(str(v) if isinstance(v, datetime) else v for v in row)


def _find_cross_links(
    session: Session,
    other_ids: list[int],
    whose: dict[tuple[str, str], str],
    here: dict[str, tuple[PersonRecord, str]],
) -> list[CrossLink]:
    refs: dict[int, str] = {}
    titles: dict[int, str] = {}
    for cid, ref, title in session.execute(
        select(Case.id, Case.reference, Case.title).where(Case.id.in_(other_ids))
    ):
        refs[cid], titles[cid] = ref, title
    out: list[CrossLink] = []
    values = sorted({v for _, v in whose})
    for i in range(0, len(values), 500):
        rows = session.execute(
            select(Identifier.kind, Identifier.value, Identifier.case_id).where(
                Identifier.case_id.in_(other_ids), Identifier.value.in_(values[i : i + 500])
            )
        ).all()
        for kind, value, cid in rows:
            seen_here = whose.get((kind, value))
            if seen_here is not None:
                out.append(CrossLink(kind, value, seen_here, refs[cid], titles[cid]))
    if here:
        out += _cross_case_people(session, other_ids, refs, titles, here)
    out.sort(key=lambda x: (x.other_case, x.kind, -(x.probability or 0.0), x.value))
    return out


CROSS_CASE_MIN_PROBABILITY = 0.5


def _cross_case_people(
    session: Session,
    other_ids: list[int],
    refs: dict[int, str],
    titles: dict[int, str],
    here: dict[str, tuple[PersonRecord, str]],
) -> list[CrossLink]:
    """People of the other cases linked to people of this one by the resolution model
    (the same engine as the possible duplicates; lists linked to each other)."""
    others: dict[int, tuple[int, str]] = {}  # person id -> case id, name
    records: list[PersonRecord] = [rec for rec, _ in here.values()]
    rows = session.execute(
        select(Person.id, Person.case_id, Person.name, Person.aliases, Person.nationality)
        .where(Person.case_id.in_(other_ids), Person.sealed_identity.is_(None))
        .order_by(Person.id)
    ).all()
    if not rows:
        return []
    ids: dict[int, list[str]] = {}
    pids = [int(r[0]) for r in rows]
    for i in range(0, len(pids), 500):
        for kind, value, pid in session.execute(
            select(Identifier.kind, Identifier.value, Identifier.person_id).where(
                Identifier.person_id.in_(pids[i : i + 500])
            )
        ):
            if pid is not None:
                ids.setdefault(int(pid), []).append(f"{kind}:{value}")
    for listed in ids.values():
        listed.sort()
    for pid, cid, name, aliases, nationality in rows:
        if not name and not ids.get(int(pid)):
            continue
        others[int(pid)] = (int(cid), str(name or ""))
        records.append(
            PersonRecord(
                key=f"other:{pid}",
                full_name=name or None,
                aliases=tuple(a for a in aliases or () if a),
                identifiers=tuple(ids.get(int(pid), ())),
                nationality=nationality,
                dataset="other",
            )
        )
    if not others:
        return []
    # The model's answer depends on nothing but these inputs: the same ones (every read
    # until a case involved changes) get the links found before, not a second run.
    key = hashlib.sha256(
        repr(
            (
                CROSS_CASE_MIN_PROBABILITY,
                records,
                sorted(others.items()),
                sorted((k, label) for k, (_, label) in here.items()),
                sorted((cid, refs[cid], titles[cid]) for cid, _ in others.values()),
            )
        ).encode()
    ).digest()
    with _cross_people_guard:
        found = _cross_people.get(key)
        if found is not None:
            _cross_people.move_to_end(key)
            return list(found)
    out = _resolve_cross_people(records, others, refs, titles, here)
    with _cross_people_guard:
        _cross_people[key] = tuple(out)
        while len(_cross_people) > _CROSS_PEOPLE:
            _cross_people.popitem(last=False)
    return out


# Cross-case people found per exact input (a resolution run costs about a second).
_cross_people: OrderedDict[bytes, tuple[CrossLink, ...]] = OrderedDict()
_cross_people_guard = Lock()
_CROSS_PEOPLE = 64


def _resolve_cross_people(
    records: list[PersonRecord],
    others: dict[int, tuple[int, str]],
    refs: dict[int, str],
    titles: dict[int, str],
    here: dict[str, tuple[PersonRecord, str]],
) -> list[CrossLink]:
    from palermo.analysis.resolution import resolve

    result = resolve(records, min_probability=CROSS_CASE_MIN_PROBABILITY, link_type="link_only")
    out = []
    for sug in result.suggestions:
        mine, theirs = (
            (sug.key_a, sug.key_b) if sug.key_a.startswith("here:") else (sug.key_b, sug.key_a)
        )
        cid, name = others[int(theirs.split(":")[1])]
        out.append(
            CrossLink(
                "person",
                name or "(no name)",
                here[mine][1],
                refs[cid],
                titles[cid],
                round(sug.match_probability, 3),
                _evidence(sug, hide=False),
            )
        )
    return out


# -- possible duplicates -------------------------------------------------------------------

SAME_AS, NOT_SAME_AS = "same_as", "not_same_as"


def _pair_decisions(session: Session, case_id: int) -> dict[tuple[int, int], tuple[bool, Decision]]:
    from palermo.store.models import User

    rows = session.execute(
        select(
            Assertion.subject_id,
            Assertion.value,
            Assertion.predicate,
            Assertion.status,
            User.username,
            Assertion.decided_at,
        )
        .outerjoin(User, User.id == Assertion.decided_by)
        .where(
            Assertion.case_id == case_id,
            Assertion.predicate.in_((SAME_AS, NOT_SAME_AS)),
            Assertion.status == AssertionStatus.CONFIRMED.value,
        )
        .order_by(Assertion.id)
    ).all()
    out: dict[tuple[int, int], tuple[bool, Decision]] = {}
    for sid, value, predicate, status, who, at in rows:
        if sid is None or not str(value).isdigit():
            continue
        out[(int(sid), int(str(value)))] = (
            predicate == SAME_AS,
            Decision(str(status), str(who or "system"), _utc(at)),
        )
    return out


# Comparisons whose words quote what identifies a person (a name, a date of birth, an
# address, a phone): hidden for a victim from a viewer who may not see identities.
_IDENTITY_COMPARISONS = frozenset({"name", "dob", "address", "ids"})
_FIELDS = {
    "name": "name",
    "dob": "date of birth",
    "ids": "phones, accounts and other identifiers",
    "address": "address",
    "nationality": "nationality",
}
DUPLICATES_SHOWN = 100
DUPLICATE_MIN_PROBABILITY = 0.5


def _evidence(sug: PairSuggestion, *, hide: bool) -> list[EvidenceLine]:
    """Every comparison of a suggested pair: the level, its weight and, unless hidden,
    the values compared in plain words."""
    words = {r.comparison: r.text for r in sug.reasons}
    out = []
    for comp, level, weight in sug.outcome:
        field_words = _FIELDS.get(comp, comp)
        if level == "null":
            text = f"{field_words}: missing on one side (not counted)"
        elif hide and comp in _IDENTITY_COMPARISONS:
            text = f"{field_words}: {level.replace('_', ' ')} (details hidden: victim identity)"
        else:
            text = words.get(comp, f"{field_words}: {level.replace('_', ' ')}")
        out.append(EvidenceLine(comp, level, round(weight, 2), text))
    out.sort(key=lambda e: -abs(e.weight))
    return out


def _duplicates(session: Session, viewer: Actor, loaded: Loaded) -> list[DuplicateView]:
    """Possible duplicates among the case's people: the resolution model's suggestions
    (the same Splink model as the links to other cases and the benchmarks, with its
    fixed shipped parameters: the answer does not change from one view to the next),
    each with the evidence behind its score, and the decisions in force."""
    from palermo.analysis.resolution import resolve

    people = loaded.people
    if len(people) < 2:
        return []
    records = [
        PersonRecord(
            key=f"person:{pid}",
            full_name=m.name or None,
            aliases=m.aliases,
            identifiers=m.identifiers,
            date_of_birth=m.date_of_birth,
            address=m.address,
            nationality=people[pid].nationality,
        )
        for pid, m in loaded.matching.items()
        if m.name or m.identifiers
    ]
    result = resolve(records, min_probability=DUPLICATE_MIN_PROBABILITY)
    decided = _pair_decisions(session, loaded.case.id)
    hide = not viewer.can(Permission.SEE_VICTIM_IDENTITY)
    out = []
    shown: set[tuple[int, int]] = set()
    for sug in result.suggestions[:DUPLICATES_SHOWN]:
        a, b = sorted((int(sug.key_a.split(":")[1]), int(sug.key_b.split(":")[1])))
        shown.add((a, b))
        sealed = any(people[str(x)].sealed_identity is not None for x in (a, b))
        evidence = _evidence(sug, hide=hide and sealed)
        same, decision = decided.get((a, b), (None, None))
        out.append(
            DuplicateView(
                person_a=a,
                label_a=loaded.labels[str(a)],
                person_b=b,
                label_b=loaded.labels[str(b)],
                match_weight=round(sug.match_weight, 2),
                match_probability=round(sug.match_probability, 3),
                reasons=[e.text for e in evidence if e.level != "null"],
                decision=decision,
                decided_same=same,
                evidence=evidence,
                prior_weight=sug.prior_weight,
            )
        )
    # A decision in force stays listed (so it can be changed) when the machine no
    # longer suggests the pair, or never did.
    for (a, b), (same, decision) in decided.items():
        if (a, b) in shown or str(a) not in people or str(b) not in people:
            continue
        out.append(
            DuplicateView(
                person_a=a,
                label_a=loaded.labels[str(a)],
                person_b=b,
                label_b=loaded.labels[str(b)],
                match_weight=0.0,
                match_probability=0.0,
                reasons=["decided by a person (not a machine suggestion)"],
                decision=decision,
                decided_same=same,
            )
        )
    return out


def decide_duplicate(
    ctx: Context,
    actor: Actor,
    reference: str,
    *,
    person_a: int,
    person_b: int,
    same: bool | None,
) -> Decision:
    """Record that two people are the same (``same_as``) or not (``not_same_as``), or
    (``same=None``) undo the decision in force, so the pair is a suggestion again.

    Reversible: a new decision withdraws the previous one (kept, status rejected). The
    people's rows are never changed; views read the decision (a confirmed ``same_as``
    draws them as one person on the Network tab)."""
    a, b = sorted((person_a, person_b))
    if a == b:
        raise InvalidInput("choose two different people")
    with ctx.db.session() as session:
        case = open_case(ctx, session, actor, reference, Permission.DECIDE)
        for pid in (a, b):
            person = session.get(Person, pid)
            if person is None or person.case_id != case.id:
                raise NotFound("no such person in this case")
        now = datetime.now(UTC)
        previous = session.scalars(
            select(Assertion).where(
                Assertion.case_id == case.id,
                Assertion.subject_type == "person",
                Assertion.subject_id == a,
                Assertion.value == str(b),
                Assertion.predicate.in_((SAME_AS, NOT_SAME_AS)),
                Assertion.status == AssertionStatus.CONFIRMED.value,
            )
        ).all()
        if same is None and not previous:
            raise InvalidInput("there is no decision about these two people to undo")
        for old in previous:
            old.status = AssertionStatus.REJECTED.value
            old.details = {
                **(old.details or {}),
                "withdrawn_at": now.isoformat(),
                "withdrawn_by": actor.username,
            }
        if same is None:
            session.flush()
            analysis_jobs.analyse_after_commit(ctx, session, actor, case.id)
            audit.record(
                session,
                actor=actor,
                action="network.duplicate_decision",
                case_id=case.id,
                object_type="assertion",
                object_id=previous[-1].id,
                details={
                    "person_a": a,
                    "person_b": b,
                    "same": None,
                    "withdrew": [o.id for o in previous],
                },
            )
            return Decision("withdrawn", actor.username, now)
        decision = Assertion(
            case_id=case.id,
            subject_type="person",
            subject_id=a,
            predicate=SAME_AS if same else NOT_SAME_AS,
            value=str(b),
            status=AssertionStatus.CONFIRMED.value,
            origin="human",
            decided_by=actor.user_id,
            decided_at=now,
            details={"other_person_id": b},
        )
        session.add(decision)
        session.flush()
        analysis_jobs.analyse_after_commit(ctx, session, actor, case.id)
        audit.record(
            session,
            actor=actor,
            action="network.duplicate_decision",
            case_id=case.id,
            object_type="assertion",
            object_id=decision.id,
            details={
                "person_a": a,
                "person_b": b,
                "same": same,
                "withdrew": [o.id for o in previous],
            },
        )
        return Decision(AssertionStatus.CONFIRMED.value, actor.username, now)


# -- decisions -----------------------------------------------------------------------------


def decide_role(
    ctx: Context,
    actor: Actor,
    reference: str,
    *,
    person_id: int,
    role: str,
    decision: str,
) -> Decision:
    """Confirm or reject a suggested role for a person; kept as an Assertion, audited."""
    if decision not in (AssertionStatus.CONFIRMED.value, AssertionStatus.REJECTED.value):
        raise InvalidInput("decision must be 'confirmed' or 'rejected'")
    book = load_roles()
    if role not in book.roles:
        raise InvalidInput(f"unknown role '{role}'")
    with ctx.db.session() as session:
        case = open_case(ctx, session, actor, reference, Permission.DECIDE)
        person = session.get(Person, person_id)
        if person is None or person.case_id != case.id:
            raise NotFound("no such person in this case")
        now = datetime.now(UTC)
        existing = session.scalar(
            select(Assertion).where(
                Assertion.case_id == case.id,
                Assertion.predicate == "role",
                Assertion.subject_type == "person",
                Assertion.subject_id == person_id,
                Assertion.value == role,
            )
        )
        previous = existing.status if existing else None
        if existing is None:
            existing = Assertion(
                case_id=case.id,
                subject_type="person",
                subject_id=person_id,
                predicate="role",
                value=role,
                origin="human",
                details={
                    "label": book.roles[role].label,
                    "elements": list(book.roles[role].elements),
                },
            )
            session.add(existing)
        existing.status = decision
        existing.decided_by = actor.user_id
        existing.decided_at = now
        session.flush()
        analysis_jobs.analyse_after_commit(ctx, session, actor, case.id)
        audit.record(
            session,
            actor=actor,
            action="network.role_decision",
            case_id=case.id,
            object_type="assertion",
            object_id=existing.id,
            details={
                "person_id": person_id,
                "role": role,
                "decision": decision,
                "previous": previous,
            },
        )
        return Decision(decision, actor.username, now)
