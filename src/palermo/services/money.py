"""The Money tab: flows, traces, laundering patterns, proceeds and restitution worksheets.

Reads the case through :func:`palermo.services.network.load_case` and runs the pure
cores in :mod:`palermo.analysis.money`, ``patterns`` and ``restitution``.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Literal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from palermo.analysis.currency import amounts_for_flows
from palermo.analysis.data import CaseData, iso_day
from palermo.analysis.laundering import rank_laundering
from palermo.analysis.money import FlowTrace, ProceedsReport, proceeds, trace
from palermo.analysis.patterns import detect_patterns
from palermo.analysis.restitution import WorkPeriod, Worksheet, restitution_1593
from palermo.analysis.roles import best_role, infer_roles
from palermo.law.money import ExchangeRates, load_wages
from palermo.security import audit
from palermo.security.permissions import Actor, Permission
from palermo.services.access import open_case
from palermo.services.context import Context
from palermo.services.derived_views import KeptView
from palermo.services.errors import InvalidInput
from palermo.services.network import EvidenceRef, Loaded, evidence_refs, load_case
from palermo.services.rates import unit_rates
from palermo.services.viewcache import case_fingerprint, viewer_key
from palermo.store.models.formats import UserRate

Direction = Literal["forward", "backward"]


@dataclass(frozen=True, slots=True)
class FlowRow:
    key: str
    label: str
    amount: float
    share: float


@dataclass(frozen=True, slots=True)
class TraceView:
    direction: str
    seeds: list[str]
    seed_labels: list[str]
    start: str | None
    end: str | None
    total: float
    by_counterpart: list[FlowRow]
    by_holder: list[FlowRow]
    by_country: list[FlowRow]
    sankey: dict[str, Any]
    transactions: int
    notes: list[str]


@dataclass(frozen=True, slots=True)
class PatternView:
    pattern: str
    label: str
    account: str
    accounts: list[str]
    start: str
    end: str
    total: float
    why: str
    transactions: list[EvidenceRef]
    more: int


@dataclass(frozen=True, slots=True)
class LeadView:
    """One ranked laundering lead: why, which typology it resembles, its payments."""

    rank: int
    score: float
    typology: str
    label: str
    resembles: str
    account: str
    accounts: list[str]
    start: str
    end: str
    total: float
    why: list[str]
    transactions: list[EvidenceRef]
    more: int


# The window rules the Money tab still runs: trafficking indicators (FinCEN) and the cash
# rules. Fan-in/out, cycles and scatter/gather are ranked by the laundering leads instead
# (payroll runs and busy shops buried the real patterns under those window counts).
TAB_PATTERNS: tuple[str, ...] = (
    "structuring",
    "funnel_account",
    "advertising",
    "rent_for_many",
    "prepaid_cards",
    "official_payment",
)
LEADS_SHOWN = 50


@dataclass(frozen=True, slots=True)
class ProceedsView:
    victim_id: int
    victim: str
    suspect_id: int
    suspect: str
    direct: float
    traced: float
    transactions: list[EvidenceRef]


@dataclass(frozen=True, slots=True)
class PartyOption:
    key: str  # analysis person id, or account:<value>
    label: str
    kind: str


@dataclass(frozen=True, slots=True)
class MoneyView:
    reference: str
    payments: int
    currency: str
    flows: TraceView  # buyers and victims forward
    patterns: list[PatternView]
    proceeds: list[ProceedsView]
    leads: list[LeadView]
    leads_total: int
    per_suspect: list[tuple[int, str, float]]
    per_victim: list[tuple[int, str, float]]
    parties: list[PartyOption]
    victims: list[PartyOption]
    suspects: list[PartyOption]
    seconds: dict[str, float]
    # What was converted at which rate, and what flows leave out (and why).
    currency_note: str = ""


def _rows(rows: Any) -> list[FlowRow]:
    return [FlowRow(r.key, r.label, r.amount, round(r.share, 4)) for r in rows]


def _label_key(loaded: Loaded, key: str) -> str:
    if key.startswith("person:"):
        return loaded.labels.get(key.split(":", 1)[1], key)
    node = loaded.data.node(key)
    if node >= 0:
        own = int(loaded.data.owner[node])
        if own >= 0:
            return f"{loaded.data.labels[own]} ({key.split(':', 1)[-1]})"
    return key.split(":", 1)[-1]


def _trace_view(loaded: Loaded, tr: FlowTrace, seeds: list[str]) -> TraceView:
    sankey = tr.sankey(max_links=60)
    for node in sankey["nodes"]:
        node["label"] = _label_key(loaded, node["id"])
    return TraceView(
        direction=tr.direction,
        seeds=seeds,
        seed_labels=[loaded.labels.get(s, s.split(":", 1)[-1]) for s in seeds],
        start=tr.start,
        end=tr.end,
        total=round(tr.total, 2),
        by_counterpart=_rows(tr.by_counterpart),
        by_holder=_rows(tr.by_holder),
        by_country=_rows(tr.by_country),
        sankey=sankey,
        transactions=len(tr.tx_amounts),
        notes=list(tr.notes),
    )


def _day(value: date | datetime | str | None) -> str | None:
    if value in (None, ""):
        return None
    return str(value)[:10]


def _parties(loaded: Loaded) -> list[PartyOption]:
    out = [
        PartyOption(pid, loaded.labels[pid], p.kind)
        for pid, p in loaded.people.items()
        if loaded.data.accounts_of(pid)
    ]
    out.sort(key=lambda o: (o.kind, o.label))
    return out


def _flow_seeds(loaded: Loaded, roles: dict[str, str]) -> list[str]:
    """Where the money comes from: victims, and anyone whose best role is buyer."""
    return [
        pid
        for pid, p in loaded.people.items()
        if (p.kind == "victim" or roles.get(pid) == "buyer") and loaded.data.accounts_of(pid)
    ]


def comparable(loaded: Loaded, rates: ExchangeRates | None = None) -> tuple[CaseData, str, str]:
    """The case's payments for flow analysis, all in one currency: converted at the
    bundled annual rates (or ``rates``: the unit's own in place of bundled ones), or left
    out and counted (no rate, zero, negative, undated).
    Returns the data, the currency, and one sentence saying what was done."""
    conversion = amounts_for_flows(loaded.data, rates)
    return conversion.apply(loaded.data), conversion.target, conversion.report.summary()


def money_view(
    ctx: Context,
    actor: Actor,
    reference: str,
    *,
    start: date | str | None = None,
    end: date | str | None = None,
    loaded: Loaded | None = None,
    reveal: bool = False,
) -> MoneyView:
    """The Money tab: flows from buyers and victims onwards, patterns and proceeds.

    Access is checked and the read audited on every call; the view is kept per case
    fingerprint, the unit's exchange rates, what the viewer may see and the dates
    (:mod:`.derived_views`), in memory and stored.

    ``loaded``: the case as :func:`load_case` returned it for this actor, when the
    caller has it already (then the view is computed from it, not kept)."""
    with ctx.db.session() as session:
        case = open_case(ctx, session, actor, reference)
        cached = False
        if loaded is not None:
            view = _money_view(session, case, loaded, start, end)
        else:
            fingerprint = (*case_fingerprint(session, case), *_rates_digest(session, case.unit_id))
            variant = (viewer_key(actor, reveal), _day(start), _day(end))
            kept = _views.get(
                ctx,
                case.id,
                fingerprint,
                variant,
                lambda: _money_view(
                    session,
                    case,
                    load_case(ctx, session, actor, case, reveal=reveal),
                    start,
                    end,
                ),
            )
            view, cached = kept.value, kept.hit
        audit.record_read(
            session,
            actor=actor,
            action="money.view",
            case_id=case.id,
            details={"start": _day(start), "end": _day(end), "cached": cached},
        )
        return view


# Computing the view reads every record of the case and traces every payment.
_views: KeptView[MoneyView] = KeptView("money/1", max_entries=16)


def _rates_digest(session: Session, unit_id: int) -> tuple[Any, ...]:
    """What changes when the unit's own exchange rates change (they are not the case's)."""
    row = session.execute(
        select(func.count(UserRate.id), func.max(UserRate.id)).where(UserRate.unit_id == unit_id)
    ).one()
    return tuple(row)


def _money_view(
    session: Session,
    case: Any,
    loaded: Loaded,
    start: date | str | None,
    end: date | str | None,
) -> MoneyView:
    seconds = dict(loaded.seconds)
    clock = time.perf_counter()
    data, currency, currency_note = comparable(loaded, unit_rates(session, case.unit_id))
    seconds["currency"] = round(time.perf_counter() - clock, 3)
    clock = time.perf_counter()
    roles = best_role(infer_roles(data))
    seeds = _flow_seeds(loaded, roles)
    flows = trace(data, seeds, start=_day(start), end=_day(end), max_hops=4)
    seconds["trace"] = round(time.perf_counter() - clock, 3)
    clock = time.perf_counter()
    hits = detect_patterns(data, patterns=TAB_PATTERNS, max_hits=200)
    seconds["patterns"] = round(time.perf_counter() - clock, 3)
    clock = time.perf_counter()
    ranking = rank_laundering(data)
    seconds["leads"] = round(time.perf_counter() - clock, 3)
    leads = [
        LeadView(
            rank=lead.rank,
            score=lead.score,
            typology=lead.typology,
            label=lead.label,
            resembles=lead.resembles,
            account=_label_key(loaded, lead.account),
            accounts=[_label_key(loaded, a) for a in lead.accounts[:12]],
            start=lead.start,
            end=lead.end,
            total=round(lead.total, 2),
            why=lead.why,
            transactions=evidence_refs(loaded, lead.transactions, 50),
            more=max(0, len(lead.rows) - 50),
        )
        for lead in ranking.leads[:LEADS_SHOWN]
    ]
    clock = time.perf_counter()
    report: ProceedsReport = proceeds(data, start=_day(start), end=_day(end))
    seconds["proceeds"] = round(time.perf_counter() - clock, 3)
    patterns = [
        PatternView(
            pattern=h.pattern,
            label=h.label,
            account=_label_key(loaded, h.account),
            accounts=[_label_key(loaded, a) for a in h.accounts[:12]],
            start=h.start,
            end=h.end,
            total=round(h.total, 2),
            why=h.why,
            transactions=evidence_refs(loaded, h.transactions, 50),
            more=max(0, len(h.transactions) - 50),
        )
        for h in hits
    ]
    rows = [
        ProceedsView(
            victim_id=int(r.victim),
            victim=loaded.labels.get(r.victim, r.victim),
            suspect_id=int(r.suspect),
            suspect=loaded.labels.get(r.suspect, r.suspect),
            direct=r.direct,
            traced=r.traced,
            transactions=evidence_refs(loaded, r.transactions, 20),
        )
        for r in report.rows
    ]
    parties = _parties(loaded)
    return MoneyView(
        reference=case.reference,
        payments=len(loaded.data.payments),
        currency=currency,
        currency_note=currency_note,
        flows=_trace_view(loaded, flows, seeds),
        patterns=patterns,
        proceeds=rows,
        leads=leads,
        leads_total=len(ranking.leads),
        per_suspect=sorted(
            ((int(k), loaded.labels.get(k, k), round(v, 2)) for k, v in report.per_suspect.items()),
            key=lambda x: -x[2],
        ),
        per_victim=sorted(
            ((int(k), loaded.labels.get(k, k), round(v, 2)) for k, v in report.per_victim.items()),
            key=lambda x: -x[2],
        ),
        parties=parties,
        victims=[p for p in parties if p.kind == "victim"],
        suspects=[p for p in parties if p.kind != "victim"],
        seconds={**seconds, "total": round(sum(seconds.values()), 3)},
    )


def trace_money(
    ctx: Context,
    actor: Actor,
    reference: str,
    *,
    seed: str,
    direction: Direction = "forward",
    start: date | str | None = None,
    end: date | str | None = None,
    max_hops: int = 6,
) -> TraceView:
    """Trace money forward from (or backward into) a person (their id) or an account."""
    if direction not in ("forward", "backward"):
        raise InvalidInput("direction must be forward or backward")
    seed = seed.strip()
    if not seed:
        raise InvalidInput("choose a person or an account to trace")
    with ctx.db.session() as session:
        case = open_case(ctx, session, actor, reference)
        loaded = load_case(ctx, session, actor, case)
        key = (
            seed
            if seed in loaded.people
            else (seed if seed.startswith("account:") else f"account:{seed}")
        )
        if key not in loaded.people and loaded.data.node(key) < 0:
            raise InvalidInput(f"no person or account '{seed}' in this case's payments")
        data, _, _ = comparable(loaded, unit_rates(session, case.unit_id))
        tr = trace(
            data,
            [key],
            direction=direction,
            start=_day(start),
            end=_day(end),
            max_hops=max_hops,
        )
        audit.record(
            session,
            actor=actor,
            action="money.trace",
            case_id=case.id,
            details={"seed": key, "direction": direction, "start": _day(start), "end": _day(end)},
        )
        return _trace_view(loaded, tr, [key])


@dataclass(frozen=True, slots=True)
class RestitutionView:
    victim_id: int
    victim: str
    defendant_id: int
    defendant: str
    jurisdiction: str
    jurisdictions: list[tuple[str, str]]
    start: date
    end: date
    hours_per_week: float
    gross_gain: float
    gain_evidence: list[EvidenceRef]
    worksheet: Worksheet
    currency_note: str = ""  # how the gain was brought into the wages' currency


def _victim_period(loaded: Loaded, victim: str) -> tuple[date, date] | None:
    """First to last dated record that involves the victim's identifiers or trips."""
    data = loaded.data
    node = data.person_node(victim)
    if node < 0:
        return None
    times: list[int] = []
    for table in (data.calls, data.messages, data.payments):
        if len(table):
            src, dst = data.resolved(table.src), data.resolved(table.dst)
            hit = (src == node) | (dst == node)
            times += [int(table.t[hit].min()), int(table.t[hit].max())] if hit.any() else []
    if len(data.trips):
        hit = data.trips.src == node
        if hit.any():
            times += [int(data.trips.t[hit].min()), int(data.trips.t[hit].max())]
    if not times:
        return None
    return date.fromisoformat(iso_day(min(times))), date.fromisoformat(iso_day(max(times)))


def restitution(
    ctx: Context,
    actor: Actor,
    reference: str,
    *,
    victim_id: int,
    defendant_id: int | None = None,
    hours_per_week: float = 60.0,
    start: date | None = None,
    end: date | None = None,
    jurisdiction: str = "US-federal",
    wages_paid: Decimal | float = 0,
    liquidated_damages: bool = False,
    loaded: Loaded | None = None,
) -> RestitutionView:
    """The 18 U.S.C. 1593 worksheet for one victim against one defendant (default: the
    suspect who received the most traced proceeds from the victim).

    ``loaded``: the case as :func:`load_case` returned it for this actor, when the
    caller has it already (the memo reads the case once for every victim)."""
    book = load_wages()
    if jurisdiction not in book.jurisdictions:
        raise InvalidInput(f"unknown jurisdiction '{jurisdiction}'")
    if not 0 < hours_per_week <= 168:
        raise InvalidInput("hours per week must be between 0 and 168")
    with ctx.db.session() as session:
        case = open_case(ctx, session, actor, reference)
        loaded = loaded if loaded is not None else load_case(ctx, session, actor, case)
        victim = str(victim_id)
        person = loaded.people.get(victim)
        if person is None or person.kind != "victim":
            raise InvalidInput("choose a victim of this case")
        # The gain is compared with wages in the jurisdiction's currency: convert to it.
        wage_currency = book.jurisdictions[jurisdiction].currency
        conversion = amounts_for_flows(
            loaded.data, unit_rates(session, case.unit_id), target=wage_currency
        )
        report = proceeds(conversion.apply(loaded.data))
        rows = [r for r in report.rows if r.victim == victim]
        if defendant_id is None:
            if not rows:
                suspects = [k for k, p in loaded.people.items() if p.kind == "suspect"]
                if not suspects:
                    raise InvalidInput("no suspect in this case")
                defendant = suspects[0]
            else:
                defendant = max(rows, key=lambda r: r.traced).suspect
        else:
            defendant = str(defendant_id)
            if defendant not in loaded.people:
                raise InvalidInput("choose a defendant of this case")
        gain_rows = [r for r in rows if r.suspect == defendant]
        gain = round(sum(r.traced for r in gain_rows), 2)
        evidence = [t for r in gain_rows for t in r.transactions]
        if start is None or end is None:
            period = _victim_period(loaded, victim)
            if period is None:
                raise InvalidInput("no dated records for this victim: enter the period")
            start, end = start or period[0], end or period[1]
        if end < start:
            raise InvalidInput("the period ends before it starts")
        try:
            sheet = restitution_1593(
                victim=loaded.labels[victim],
                defendant=loaded.labels[defendant],
                periods=[WorkPeriod(start, end, Decimal(str(hours_per_week)))],
                gross_gain=gain,
                jurisdiction=jurisdiction,
                wages_paid=wages_paid,
                liquidated_damages=liquidated_damages,
                gain_evidence=evidence,
                book=book,
            )
        except ValueError as error:
            raise InvalidInput(str(error)) from error
        audit.record(
            session,
            actor=actor,
            action="money.restitution",
            case_id=case.id,
            object_type="person",
            object_id=person.id,
            details={
                "defendant": int(defendant),
                "jurisdiction": jurisdiction,
                "hours_per_week": hours_per_week,
                "start": str(start),
                "end": str(end),
            },
        )
        return RestitutionView(
            victim_id=person.id,
            victim=loaded.labels[victim],
            defendant_id=int(defendant),
            defendant=loaded.labels[defendant],
            jurisdiction=jurisdiction,
            jurisdictions=[(k, j.label) for k, j in book.jurisdictions.items()],
            start=start,
            end=end,
            hours_per_week=hours_per_week,
            gross_gain=gain,
            gain_evidence=evidence_refs(loaded, evidence, 50),
            worksheet=sheet,
            currency_note=conversion.report.summary(),
        )


def can_reveal(actor: Actor) -> bool:
    return actor.can(Permission.SEE_VICTIM_IDENTITY)
