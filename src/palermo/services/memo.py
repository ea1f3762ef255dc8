"""The prosecution memo: gathers each section's data, redacts, renders HTML or PDF.

Sections of the full variant, in the order a prosecutor writes a memo: summary; the
statement of facts (only confirmed facts, each sentence citing file and page or row,
:mod:`palermo.reports.facts`); the theory of the case per charged defendant, weak
elements first (:mod:`palermo.reports.theory`); anticipated defences and what answers
them (:mod:`palermo.reports.defences`); parties and roles (including people not
charged); the network picture; money and restitution; gaps and recommended actions;
the evidence index. Appendices: the elements matrix per suspect and statute, the roles
with their evidence and key players, the money in detail, the record chronology. The
brief variant (for a supervisor) is the summary, the statement of facts and the theory.
HTML, PDF and DOCX (made from the same HTML, so the headings are the same).

Victims appear by pseudonym unless the user asks for names and the role allows them.
Two lines of defence: every text a section carries is passed through a
:class:`Redactor` of the sealed identities here, and :func:`export_memo` redacts the
rendered HTML again (SVG labels are text nodes, so they are reached too). The HTML export
keeps its sections rendered and redacted per case fingerprint, kind of viewer and
variant (:func:`_kept_html`); only the page around them is rendered per request.

The case is read from the store once (:func:`palermo.services.network.load_case`) and
handed to the Network, Money and restitution services, which would otherwise each read
every record again. Those sections are kept per case fingerprint and viewer (as the
Network view is), so the PDF right after the HTML, or a second export of an unchanged
case, does not read the case again. Long lists are capped with a note of how many more
the app holds, and written as paragraphs rather than table rows where a table adds
nothing: WeasyPrint lays out a table row in about 10 ms, a paragraph in about 2.5.
"""

from __future__ import annotations

import hashlib
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from functools import partial
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from palermo import words
from palermo.analysis.timeline import FACT_KINDS
from palermo.law.restitution import Regime, regime_for
from palermo.reports.defences import DefenceFact, anticipated_defences
from palermo.reports.facts import FactItem, statement_of_facts
from palermo.reports.memo import (
    VARIANTS,
    Memo,
    MemoSection,
    render_docx,
    render_html,
    render_html_kept,
    render_memo_pdf,
    render_section,
)
from palermo.reports.pictures import FlowLink, FlowNode, NetEdge, NetNode, flow_svg, network_svg
from palermo.reports.sentencing import (
    ChargeLine,
    PastOutcome,
    Range,
    sentencing_position,
)
from palermo.reports.theory import (
    ChargeInput,
    DefendantInput,
    ElementInput,
    Evidence,
    theory_of_the_case,
    weak_across,
)
from palermo.reports.uncharged import (
    ElementNeed,
    StatuteElement,
    UnchargedInput,
    elements_from_role,
    uncharged_parties,
)
from palermo.reports.witnesses import WitnessCare, WitnessFact, WitnessInput, witnesses
from palermo.security import audit, identities
from palermo.security.permissions import Actor, Permission
from palermo.security.redaction import Redactor
from palermo.services.access import open_case
from palermo.services.cases import list_evidence, person_view, without_identity
from palermo.services.context import Context
from palermo.services.derived_views import KeptView
from palermo.services.errors import InvalidInput
from palermo.services.record_stats import record_stats
from palermo.services.timeline import TimelineFilter, case_timeline
from palermo.services.viewcache import CaseViewCache, case_fingerprint, viewer_key
from palermo.store.models import Assertion, Case, Charge, Identifier, Person, Record

TIMELINE_ENTRIES = 100  # WeasyPrint lays out table rows slowly; the full timeline is in the app
PEOPLE_ROWS = 60  # parties table: charged people, suspects and victims first
ROLE_ROWS = 40  # role suggestions: confirmed first, then by score
CULPABLE_ROWS = 25
KEY_PLAYERS = 20
NETWORK_NODES = 40  # the picture keeps the most important nodes so it stays readable
FLOW_LINKS = 30  # bands in the money picture
FLOW_ROWS = 15  # rows per flow table; the rest in one "other" row so totals add up
PATTERN_ROWS = 25
PROCEEDS_ROWS = 25
EVIDENCE_PER_SIGNAL = 3

_KIND_ORDER = {"suspect": 0, "official": 1, "victim": 2, "witness": 3, "other": 4}


def _redactor(ctx: Context, session: Session, case_id: int, actor: Actor) -> Redactor:
    """Every sealed identity's tokens, whoever asks (fails closed; see identities)."""
    redactor = identities.redactor_for(ctx, session, case_id, actor, purpose="memo", always=True)
    assert redactor is not None
    return redactor


def _plural(n: int, word: str, many: str | None = None) -> str:
    return f"{n:,} {word if n == 1 else (many or word + 's')}"


def _summary(ctx: Context, session: Session, case: Case) -> dict[str, Any]:
    # Counted by the database: a large case has thousands of people to read otherwise.
    kinds: Counter[str] = Counter(
        {
            kind: int(n)
            for kind, n in session.execute(
                select(Person.kind, func.count())
                .where(Person.case_id == case.id)
                .group_by(Person.kind)
            )
        }
    )
    # Counted once per case fingerprint (every record of the case is read for them).
    stats = record_stats(ctx, session, case)
    first, last = stats.first, stats.last
    counts = {kind: n for kind, n in stats.by_kind.items() if n}
    people_line = ", ".join(words.counted(n, words.lower(k)) for k, n in sorted(kinds.items()))
    evidence_line = (
        ", ".join(words.counted(n, words.lower(k)) for k, n in sorted(counts.items()))
        or "no records"
    )
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


# -- parties and roles ---------------------------------------------------------------------


def _evidence(refs: Iterable[Any], redact: Redactor, limit: int = EVIDENCE_PER_SIGNAL) -> dict:
    """Where a finding comes from: file and row (or the source's own id), and the quote."""
    refs = list(refs)
    items = []
    for ref in refs[:limit]:
        if ref.row:
            own = f" ({ref.key})" if ref.key and not ref.key.startswith("R") else ""
            place = f"{ref.file or 'record'} row {ref.row}{own}"
        else:
            place = ref.key or ref.file or ""
        quote = getattr(ref, "quote", None)
        items.append({"place": redact(place), "quote": redact(quote) if quote else ""})
    return {"refs": items, "more": max(0, len(refs) - limit)}


def _charges(session: Session, case: Case) -> tuple[dict[int, list[str]], dict[int, int]]:
    """Charges per person, and how many identifiers each person has."""
    charges: dict[int, list[str]] = defaultdict(list)
    for charge in session.scalars(select(Charge).where(Charge.case_id == case.id)):
        charges[charge.person_id].append(f"{charge.statute_id} ({charge.status})")
    identifier_counts = {
        int(pid): int(n)
        for pid, n in session.execute(
            select(Identifier.person_id, func.count())
            .where(Identifier.case_id == case.id, Identifier.person_id.is_not(None))
            .group_by(Identifier.person_id)
        )
        if pid is not None
    }
    return charges, identifier_counts


def _parties(
    ctx: Context,
    viewer: Actor,
    people: list[Person],
    charges: dict[int, list[str]],
    identifier_counts: dict[int, int],
    view: Any,
    redact: Redactor,
) -> dict[str, Any]:
    """The people with their charges and roles, the roles with the signals and evidence
    behind them (rejected suggestions left out), key players, culpable but not charged."""
    shown_roles = [r for r in view.roles if not (r.decision and r.decision.status == "rejected")]
    rejected = len(view.roles) - len(shown_roles)
    roles_of: dict[int, list[str]] = defaultdict(list)
    for r in sorted(shown_roles, key=lambda r: -r.score):
        confirmed = bool(r.decision and r.decision.status == "confirmed")
        roles_of[r.person_id].append(f"{r.label} ✔" if confirmed else f"{r.label} ({r.score:.2f})")

    def rank(p: Person) -> tuple[Any, ...]:
        return (
            not charges.get(p.id),
            _KIND_ORDER.get(p.kind, 9),
            not roles_of.get(p.id),
            p.pseudonym,
        )

    ordered = sorted(people, key=rank)
    rows = []
    for person in ordered[:PEOPLE_ROWS]:
        shown = person_view(ctx, viewer, person)
        rows.append(
            {
                "name": redact(shown.display_name),
                "kind": person.kind,
                "is_minor": person.is_minor,
                "identifiers": identifier_counts.get(person.id, 0),
                "charges": charges.get(person.id, []),
                "roles": roles_of.get(person.id, []),
            }
        )
    left = Counter(p.kind for p in ordered[PEOPLE_ROWS:])

    def role_rank(r: Any) -> tuple[Any, ...]:
        confirmed = bool(r.decision and r.decision.status == "confirmed")
        charged = bool(charges.get(r.person_id))
        return (not confirmed, not charged, _KIND_ORDER.get(r.person_kind, 9), -r.score)

    role_rows = []
    ranked = sorted(shown_roles, key=role_rank)
    for r in ranked[:ROLE_ROWS]:
        confirmed = bool(r.decision and r.decision.status == "confirmed")
        decided = ""
        if confirmed:
            at = f" on {r.decision.at:%Y-%m-%d}" if r.decision.at else ""
            decided = f"confirmed by {r.decision.by}{at}"
        role_rows.append(
            {
                "person": redact(r.person),
                "kind": r.person_kind,
                "charged": bool(charges.get(r.person_id)),
                "label": r.label,
                "score": r.score,
                "confirmed": confirmed,
                "decided": decided,
                "elements": list(r.elements),
                "signals": [
                    {
                        "because": redact(s.because),
                        "detail": redact(s.detail),
                        "evidence": _evidence(s.evidence, redact),
                    }
                    for s in r.signals
                ],
            }
        )
    roles_left = Counter(r.label for r in ranked[ROLE_ROWS:])
    players = [
        {
            "label": redact(p.label),
            "kind": p.kind,
            "degree": p.degree,
            "betweenness": p.betweenness,
            "group": p.group,
            "why": [redact(e) for e in p.explanations],
        }
        for p in view.key_players[:KEY_PLAYERS]
    ]
    culpable = [
        {
            "person": redact(u.person),
            "kind": u.person_kind,
            "roles": [(label, score) for label, score in u.roles],
            "concepts": list(u.concepts),
            "summary": redact(u.summary),
            "evidence": _evidence(u.evidence, redact, 2),
        }
        for u in view.culpable[:CULPABLE_ROWS]
    ]
    culpable_left = Counter(
        u.roles[0][0] if u.roles else "no role" for u in view.culpable[CULPABLE_ROWS:]
    )
    return {
        "people": rows,
        "people_total": len(people),
        "people_left": _breakdown(left),
        "roles": role_rows,
        "roles_total": len(shown_roles),
        "roles_left": _breakdown(roles_left),
        "rejected": rejected,
        "key_players": players,
        "betweenness_method": view.betweenness_method,
        "culpable": culpable,
        "culpable_total": len(view.culpable),
        "culpable_left": _breakdown(culpable_left),
    }


def _breakdown(counts: Counter[str]) -> str:
    """``12 buyers, 3 others``-style text for what a capped table leaves out."""
    return ", ".join(f"{n:,} {k}" for k, n in counts.most_common())


# -- network picture -----------------------------------------------------------------------


def _node_roles(view: Any) -> dict[str, tuple[str, bool]]:
    """Node key -> (role label, confirmed): a confirmed role, else the best suggestion
    nobody rejected."""
    out: dict[str, tuple[str, bool, float]] = {}
    for r in view.roles:
        status = r.decision.status if r.decision else None
        if status == "rejected":
            continue
        key = f"person:{r.person_id}"
        confirmed = status == "confirmed"
        old = out.get(key)
        if old is None or (confirmed, r.score) > (old[1], old[2]):
            out[key] = (r.label, confirmed, r.score)
    return {k: (label, confirmed) for k, (label, confirmed, _) in out.items()}


def _network(view: Any, kinds: dict[str, str], redact: Redactor) -> dict[str, Any]:
    """The most important nodes (key players, then suspects, officials and victims,
    then people with a confirmed role, then by evidence) and the links among them."""
    graph = view.graph
    by_key = {n["id"]: n for n in graph.get("nodes", [])}
    roles = _node_roles(view)
    chosen = [p.key for p in view.key_players if p.key in by_key]

    def importance(key: str) -> float:
        return float(by_key[key].get("importance") or 0.0)

    people = sorted(by_key, key=lambda k: (-importance(k), k))
    must = [k for k in people if kinds.get(k) in ("suspect", "official", "victim")]
    chosen += must + [k for k in people if k in roles and roles[k][1]]
    chosen = list(dict.fromkeys(chosen))
    ties: dict[str, dict[str, int]] = defaultdict(dict)
    for e in graph.get("edges", []):
        ties[e["source"]][e["target"]] = int(e.get("weight") or 1)
        ties[e["target"]][e["source"]] = int(e.get("weight") or 1)
    # A key player with no link to anyone else drawn would float alone: drawn last.
    first = set(chosen)
    linked = [k for k in chosen if k in must or any(o in first for o in ties[k])]
    alone = [k for k in chosen if k not in set(linked)]
    chosen = linked[:NETWORK_NODES]
    # Then whoever is most in touch with those already drawn.
    drawn = set(chosen)
    pull: Counter[str] = Counter()
    for key in chosen:
        for other, weight in ties[key].items():
            if other not in drawn:
                pull[other] += weight
    while len(chosen) < min(NETWORK_NODES, len(by_key)):
        if pull:
            key = max(pull, key=lambda k: (pull[k], importance(k), k))
        else:
            key = next(k for k in [*alone, *people] if k not in drawn)
        chosen.append(key)
        drawn.add(key)
        pull.pop(key, None)
        for other, weight in ties[key].items():
            if other not in drawn:
                pull[other] += weight
    keep = drawn
    nodes = []
    for key in chosen:
        n = by_key[key]
        kind = str(n.get("type") or "other")
        if kind == "person":
            category = kinds.get(key, "other")
        elif kind == "organisation":
            category = "organisation"
        else:
            category = "identifier"
        role, confirmed = roles.get(key, (None, False))
        nodes.append(
            NetNode(
                key=key,
                label=redact(str(n.get("label") or key)),
                shape=kind if kind in ("person", "phone", "account", "organisation") else "other",
                category=category,
                role=role,
                confirmed=confirmed,
                weight=float(n.get("importance") or 0.0),
            )
        )
    edges = [
        NetEdge(
            e["source"],
            e["target"],
            int(e.get("weight") or 1),
            "payment" in (e.get("kinds") or []),
        )
        for e in graph.get("edges", [])
        if e["source"] in keep and e["target"] in keep
    ]
    total_nodes = int(graph.get("total_nodes") or len(by_key))
    total_edges = int(graph.get("total_edges") or len(graph.get("edges", [])))
    return {
        "svg": network_svg(nodes, edges, title="Case network: the most important nodes")
        if nodes
        else "",
        "nodes": len(nodes),
        "edges": len(edges),
        "total_nodes": total_nodes,
        "total_edges": total_edges,
        "left_nodes": max(0, total_nodes - len(nodes)),
        "left_edges": max(0, total_edges - len(edges)),
        "with_roles": sum(1 for n in nodes if n.role),
    }


# -- money and restitution -----------------------------------------------------------------


def _flow_table(rows: Sequence[Any], total: float, redact: Redactor) -> dict[str, Any]:
    """The first rows of a flow table, and the rest as one row, so the column adds up."""
    shown = [
        {"label": redact(r.label), "amount": r.amount, "share": r.share} for r in rows[:FLOW_ROWS]
    ]
    rest = rows[FLOW_ROWS:]
    other = None
    if rest:
        other = {
            "label": f"{_plural(len(rest), 'other')} (listed in the app)",
            "amount": round(sum(r.amount for r in rest), 2),
            "share": sum(r.share for r in rest),
        }
    return {"rows": shown, "other": other, "total": total}


def _worksheet(sheet: Any, redact: Redactor) -> dict[str, Any]:
    def value(v: str) -> str:
        v = redact(v)
        return v if len(v) <= 160 else v[:150] + "… (full list in the app)"

    return {
        "title": redact(sheet.title),
        "currency": sheet.currency,
        "rows": [
            {
                "label": redact(r.label),
                "formula": r.formula,
                "inputs": [(k, value(v)) for k, v in r.inputs.items()],
                "value": r.value,
            }
            for r in sheet.rows
        ],
        "notes": [redact(n) for n in sheet.notes],
    }


def _restitution(
    ctx: Context, actor: Actor, reference: str, loaded: Any, redact: Redactor
) -> dict[str, Any]:
    """Each victim's worksheet under the case's own law (the regime of its jurisdiction:
    scheme, method, currency and minimum-wage table), with the Money tab's defaults: the
    suspect with the most traced proceeds, 60 hours a week over the period of the
    victim's records. Or why it could not be made."""
    from palermo.services.restitution import case_regime, case_restitution

    jurisdiction, regime = case_regime(ctx, actor, reference)
    out: dict[str, Any] = {
        "jurisdiction": jurisdiction,
        "regime": regime,
        "scheme": regime.main if regime else None,
        "rows": [],
    }
    if regime is None or regime.main.method == "national_law":
        return out
    victims = sorted(
        (p for p in loaded.people.values() if p.kind == "victim"), key=lambda p: p.pseudonym
    )
    for person in victims:
        label = redact(loaded.labels.get(str(person.id), person.pseudonym))
        try:
            _, _, r = case_restitution(ctx, actor, reference, victim_id=person.id, loaded=loaded)
        except InvalidInput as error:
            out["rows"].append({"victim": label, "problem": redact(str(error))})
            continue
        sheet = r.worksheet
        labour = next(
            (row.value for row in sheet.rows if row.label.startswith("Value of the labour")), None
        )
        out["rows"].append(
            {
                "victim": redact(r.victim),
                "defendant": redact(r.defendant),
                "start": r.start,
                "end": r.end,
                "hours_per_week": r.hours_per_week,
                "gross_gain": r.gross_gain,
                "labour": labour,
                "total": sheet.total,
                "chosen": sheet.rows[-1].inputs.get("chosen", "") if sheet.rows else "",
                "gain_evidence": len(r.gain_evidence),
                "currency_note": redact(r.currency_note),
                "worksheet": _worksheet(sheet, redact),
                "problem": None,
            }
        )
    return out


def _money(
    ctx: Context, actor: Actor, reference: str, loaded: Any, redact: Redactor, reveal: bool
) -> dict[str, Any]:
    from palermo.services.money import money_view

    # The Money tab's view as kept for this viewer (read from memory or the stored views).
    view = money_view(ctx, actor, reference, reveal=reveal)
    flows = view.flows
    sankey = flows.sankey
    links = sankey.get("links", [])[:FLOW_LINKS]
    used = sorted({i for lk in links for i in (lk["source"], lk["target"])})
    index = {old: new for new, old in enumerate(used)}
    picture = flow_svg(
        [FlowNode(redact(str(sankey["nodes"][i].get("label", "")))) for i in used],
        [FlowLink(index[lk["source"]], index[lk["target"]], float(lk["value"])) for lk in links],
        currency="" if view.currency == "mixed" else view.currency,
        title="Money flows from victims and buyers onwards, largest links",
    )
    by_pattern: dict[str, dict[str, Any]] = {}
    for p in view.patterns:
        row = by_pattern.setdefault(p.label, {"label": p.label, "hits": 0, "tx": 0, "total": 0.0})
        row["hits"] += 1
        row["tx"] += len(p.transactions) + p.more
        row["total"] += p.total
    patterns = [
        {
            "label": p.label,
            "account": redact(p.account),
            "start": p.start,
            "end": p.end,
            "total": p.total,
            "transactions": len(p.transactions) + p.more,
            "why": redact(p.why),
            "evidence": _evidence(p.transactions, redact, 3),
        }
        for p in view.patterns[:PATTERN_ROWS]
    ]
    leads = [
        {
            "rank": lead.rank,
            "label": lead.label,
            "resembles": lead.resembles,
            "account": redact(lead.account),
            "start": lead.start,
            "end": lead.end,
            "total": lead.total,
            "score": lead.score,
            "transactions": len(lead.transactions) + lead.more,
            "why": redact("; ".join(lead.why)),
            "evidence": _evidence(lead.transactions, redact, 3),
        }
        for lead in view.leads[:PATTERN_ROWS]
    ]
    return {
        "leads": leads,
        "leads_total": view.leads_total,
        "payments": view.payments,
        "currency": view.currency,
        "currency_note": redact(view.currency_note),
        "total": flows.total,
        "transactions": flows.transactions,
        "notes": [redact(n) for n in flows.notes],
        "seeds": _breakdown(
            Counter(
                "buyers" if loaded.people[k].kind != "victim" else "victims"
                for k in flows.seeds
                if k in loaded.people
            )
        ),
        "svg": picture,
        "links_shown": len(links),
        "links_total": len(sankey.get("links", [])),
        "by_counterpart": _flow_table(flows.by_counterpart, flows.total, redact),
        "by_holder": _flow_table(flows.by_holder, flows.total, redact),
        "by_country": _flow_table(flows.by_country, flows.total, redact),
        "pattern_summary": sorted(by_pattern.values(), key=lambda r: -r["tx"]),
        "patterns": patterns,
        "patterns_total": len(view.patterns),
        "per_suspect": [
            (redact(label), amount) for _, label, amount in view.per_suspect[:PROCEEDS_ROWS]
        ],
        "per_suspect_total": len(view.per_suspect),
        "proceeds": [
            {
                "victim": redact(r.victim),
                "suspect": redact(r.suspect),
                "direct": r.direct,
                "traced": r.traced,
            }
            for r in sorted(view.proceeds, key=lambda r: -r.traced)[:PROCEEDS_ROWS]
        ],
        "proceeds_total": len(view.proceeds),
        "restitution": _restitution(ctx, actor, reference, loaded, redact),
    }


# -- timeline ------------------------------------------------------------------------------


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


@dataclass(frozen=True, slots=True)
class _Analysis:
    """The sections that read the whole case, as one viewer may see them."""

    facts: MemoSection
    theory: MemoSection
    defences: MemoSection
    elements: MemoSection
    parties: MemoSection
    roles: MemoSection
    network: MemoSection
    money: MemoSection
    money_detail: MemoSection
    timeline: MemoSection
    gaps: MemoSection
    uncharged: MemoSection
    # Inputs of the sections read fresh each time (the advocate's records, tasks and the
    # caseload's outcomes change without the case's evidence changing).
    witness_people: tuple[tuple[int, WitnessInput], ...]
    witness_facts: tuple[WitnessFact, ...]
    sentencing_charges: tuple[ChargeLine, ...]
    ranges: dict[str, Range]


# Reading every record of a large case costs seconds; a memo is typically opened as HTML
# and then downloaded as a PDF, or exported again, while nothing in the case changed.
# Kept per case fingerprint and viewer, as the Network view is (:mod:`.viewcache`).
_analyses: KeptView[_Analysis] = KeptView("memo.analysis/1", max_entries=8)


def _analyse(
    ctx: Context, actor: Actor, reference: str, allowed: bool, regime: Regime | None
) -> _Analysis:
    from palermo.services.elements import assess_cached
    from palermo.services.network import load_case, network_view

    viewer = actor if allowed else without_identity(actor)
    date_style = regime.date_style if regime else None
    with ctx.db.session() as session:
        case = open_case(ctx, session, actor, reference)
        people = list(session.scalars(select(Person).where(Person.case_id == case.id)))
        statutes = list(case.statutes or [])
        kinds, months = _activity_by_month(session, case)
        redactor = _redactor(ctx, session, case.id, actor) if not allowed else Redactor([])
        charges, identifier_counts = _charges(session, case)
        # One read of every record, shared by the Network, Money and restitution views.
        loaded = load_case(ctx, session, actor, case, reveal=allowed, merge=True)
        # Money is followed per person as recorded (as on the Money tab), so people
        # confirmed to be one are read apart for it.
        money_loaded = (
            loaded if not loaded.groups else load_case(ctx, session, actor, case, reveal=allowed)
        )
    network = network_view(ctx, actor, reference, reveal=allowed, loaded=loaded)
    assessment = assess_cached(ctx, viewer, reference)
    facts, theory, defences, elements, gaps = _elements_sections(
        ctx,
        viewer,
        reference,
        _person_roles(network),
        redactor,
        assessment,
        date_style,
        _charged_not_suspects(ctx, viewer, reference, people, redactor),
    )
    parties = _parties(ctx, viewer, people, charges, identifier_counts, network, redactor)
    picture = _network(network, {f"person:{p.id}": p.kind for p in people}, redactor)
    money = _money(ctx, actor, reference, money_loaded, redactor, allowed)
    del loaded, money_loaded
    # The memo tells the facts; calls and messages stay in the app's timeline.
    timeline = case_timeline(
        ctx, viewer, reference, TimelineFilter(kinds=FACT_KINDS), per_page=TIMELINE_ENTRIES
    )
    names = {p.id: redact_name(ctx, viewer, p, redactor) for p in people}
    return _Analysis(
        facts=facts,
        theory=theory,
        defences=defences,
        elements=elements,
        parties=MemoSection(
            "parties", "Parties and roles", "section_parties.html", parties, appendix=True
        ),
        roles=MemoSection(
            "roles",
            "Roles with their evidence, and key players",
            "section_roles.html",
            parties,
            appendix=True,
        ),
        network=MemoSection(
            "network", "Network picture", "section_network.html", picture, appendix=True
        ),
        money=MemoSection("money", "Money and restitution", "section_money.html", money),
        money_detail=MemoSection(
            "money_detail",
            "Money flows, patterns and restitution worksheets in detail",
            "section_money_detail.html",
            money,
            appendix=True,
        ),
        timeline=MemoSection(
            "timeline",
            "Record chronology",
            "section_timeline.html",
            {
                "kinds": kinds,
                "months": months,
                "entries": [_redact_entry(e, redactor) for e in timeline.items],
                "total": timeline.total,
                "truncated": timeline.total > len(timeline.items),
            },
            appendix=True,
        ),
        gaps=gaps,
        uncharged=_uncharged_section(assessment, network, people, names, statutes, redactor),
        witness_people=tuple(
            (
                p.id,
                WitnessInput(p.pseudonym, names[p.id], p.kind, bool(p.is_minor)),
            )
            for p in people
            if p.kind in ("victim", "witness")
        ),
        witness_facts=_witness_facts(assessment, redactor),
        sentencing_charges=_charge_lines(assessment, redactor),
        ranges=_ranges(),
    )


def redact_name(ctx: Context, viewer: Actor, person: Person, redact: Redactor) -> str:
    """A person's name as the viewer may see it (victims by pseudonym unless allowed)."""
    return redact(person_view(ctx, viewer, person).display_name)


# -- witnesses -----------------------------------------------------------------------------

WITNESS_ROWS = 25
UNCHARGED_ROWS = 10


def _witness_facts(assessment: Any, redact: Redactor) -> tuple[WitnessFact, ...]:
    """Every confirmed fact once, with the elements (per statute) it serves."""
    names = {s.pseudonym: s.name for s in assessment.suspects}
    serves: dict[str, set[str]] = defaultdict(set)
    facts: dict[str, Any] = {}
    for suspect in assessment.suspects:
        for statute in suspect.statutes:
            for el in statute.elements:
                for f in el.confirmed:
                    facts.setdefault(f.id, f)
                    serves[f.id].add(el.label)
    return tuple(
        WitnessFact(
            concept_label=f.concept_label,
            suspect=redact(names.get(f.suspect or "", f.suspect or "")),
            victim=f.victim,
            source_id=f.source_id,
            file=redact(f.evidence_file) if f.evidence_file else None,
            locator=f.locator,
            elements=tuple(sorted(serves[f.id])),
        )
        for f in facts.values()
    )


def _care(w: Any, allowed: bool, redact: Redactor) -> WitnessCare:
    """The advocate's records of one victim-witness as the memo may show them: the risk
    level always; the rest with the role's permission to see witness details; where a
    witness is only when identities are shown too (it may reveal where they are safe)."""
    if not w.details:
        return WitnessCare(level=w.level, reasons=(), details=False)
    if w.consent_withdrawn_on:
        consent = f"withdrawn on {w.consent_withdrawn_on}"
    else:
        consent = {True: "yes", False: "no"}.get(w.consent_to_testify, "")
    location = ""
    if w.location:
        location = redact(w.location) if allowed else "recorded (not shown in this copy)"
    return WitnessCare(
        level=w.level,
        reasons=tuple(redact(r) for r in w.reasons),
        details=True,
        available=w.available,
        consent=consent,
        last_contact=str(w.contacts[0].on) if w.contacts else "",
        contacts=len(w.contacts),
        support=tuple(
            f"{s.service}{' (ended ' + str(s.ended_on) + ')' if s.ended_on else ''}"
            for s in w.support
        ),
        intimidation=w.intimidation_reports or 0,
        location=location,
    )


def _witnesses_section(
    ctx: Context,
    actor: Actor,
    reference: str,
    analysis: _Analysis,
    allowed: bool,
    redact: Redactor | None,
) -> MemoSection:
    """``redact``: the export's redactor (built once per export), or None when identities
    are shown."""
    from palermo.services.caseload_views import case_hearings

    if allowed or redact is None:
        redact = Redactor([])
    care = {w.person_id: w for w in case_hearings(ctx, actor, reference).witnesses}
    people = [
        replace(person, care=_care(care[pid], allowed, redact) if pid in care else None)
        for pid, person in analysis.witness_people
    ]
    entries = witnesses(people, analysis.witness_facts)
    return MemoSection(
        "witnesses",
        "Witnesses",
        "section_witnesses.html",
        {
            "witnesses": entries[:WITNESS_ROWS],
            "total": len(entries),
            "at_risk": [w for w in entries if w.care and w.care.level != "low"],
            "details": any(w.care and w.care.details for w in entries),
        },
    )


# -- other culpable parties ----------------------------------------------------------------


def _statute_elements(statute_id: str) -> tuple[str, tuple[StatuteElement, ...]]:
    """(citation, elements with the gap advice of their concepts) from the law data."""
    from palermo.law.gaps import load_gap_advice
    from palermo.law.statutes import load_statutes

    book = load_statutes()
    if statute_id not in book:
        return "", ()
    statute = book.get(statute_id)
    advice = load_gap_advice()
    out = []
    for el in statute.elements:
        seek: list[str] = []
        for concept in el.satisfied_by:
            for item in advice.by_concept.get(concept, []):
                if item.seek not in seek:
                    seek.append(item.seek)
        out.append(StatuteElement(el.label, el.required, tuple(el.satisfied_by), tuple(seek[:2])))
    return statute.citation, tuple(out)


def _uncharged_section(
    assessment: Any,
    view: Any,
    people: list[Person],
    names: dict[int, str],
    statutes: list[str],
    redact: Redactor,
) -> MemoSection:
    """Suspects with no charge filed while others are charged, with their assessed
    elements; people with a culpable role who are not recorded as suspects, with the
    elements of the case's main statute their role's evidence meets."""
    any_charged = any(
        st.charge_status == "charged" for s in assessment.suspects for st in s.statutes
    )
    inputs: list[UnchargedInput] = []
    seen: set[int] = set()
    if any_charged:
        for s in assessment.suspects:
            if any(st.charge_status == "charged" for st in s.statutes) or not s.statutes:
                continue
            seen.add(s.person_id)
            role = next((u for u in view.culpable if u.person_id == s.person_id), None)
            st = max(
                s.statutes,
                key=lambda st: sum(el.status in ("proved", "single_source") for el in st.elements),
            )
            seek = {g.element_id: tuple(g.seek[:2]) for g in st.gaps}
            inputs.append(
                UnchargedInput(
                    name=redact(s.name),
                    kind="suspect",
                    roles=tuple(f"{label} ({score:.2f})" for label, score in role.roles)
                    if role
                    else (),
                    score=max((score for _, score in role.roles), default=0.0) if role else 0.0,
                    statute=st.citation,
                    elements=tuple(
                        ElementNeed(
                            el.label,
                            el.required,
                            el.status,
                            el.source_count,
                            seek.get(el.element_id, ()),
                        )
                        for el in st.elements
                    ),
                )
            )
    main = next((sid for sid in statutes if _statute_elements(sid)[1]), None)
    citation_, definition = _statute_elements(main) if main else ("", ())
    for u in view.culpable:
        if u.person_id in seen:
            continue
        seen.add(u.person_id)
        inputs.append(
            UnchargedInput(
                name=names.get(u.person_id, redact(u.person)),
                kind=u.person_kind,
                roles=tuple(f"{label} ({score:.2f})" for label, score in u.roles),
                score=max((score for _, score in u.roles), default=0.0),
                statute=citation_,
                elements=elements_from_role(u.concepts, definition),
                why=redact(u.summary),
                evidence=tuple(
                    e["place"] for e in _evidence(u.evidence, redact, 2)["refs"] if e["place"]
                ),
            )
        )
    entries = uncharged_parties(inputs)
    return MemoSection(
        "uncharged",
        "Other culpable parties not charged",
        "section_uncharged.html",
        {
            "parties": entries[:UNCHARGED_ROWS],
            "total": len(entries),
            "any_charged": any_charged,
        },
    )


# -- sentencing ----------------------------------------------------------------------------


def _ranges() -> dict[str, Range]:
    """Each offence's overall range from its penalties in the law data."""
    from palermo.law.statutes import load_statutes

    out: dict[str, Range] = {}
    for st in load_statutes():
        pens = [p for p in st.penalties if not p.same_as_offence]
        if not st.offence or not pens:
            continue
        life = any(p.life for p in pens)
        maxes = [p.max_months for p in pens if p.max_months is not None]
        words = []
        for p in st.penalties:
            if p.same_as_offence:
                words.append(f"{p.label}")
                continue
            top = (
                "life"
                if p.life
                else f"{'at least ' if p.max_at_least else ''}{p.max_months} months"
                if p.max_months
                else "no set maximum"
            )
            low = f"{p.min_months} months minimum, " if p.min_months else ""
            words.append(f"{p.label}: {low}up to {top}" + (f" ({p.notes})" if p.notes else ""))
        out[st.id] = Range(
            min_months=min(p.min_months for p in pens),
            max_months=None if life or not maxes else max(maxes),
            life=life,
            penalties=tuple(words),
        )
    return out


def _charge_lines(assessment: Any, redact: Redactor) -> tuple[ChargeLine, ...]:
    """Charges filed; before any is filed, the statutes under consideration."""
    lines = [
        ChargeLine(redact(s.name), st.statute_id, st.citation, st.charge_status)
        for s in assessment.suspects
        for st in s.statutes
    ]
    charged = [c for c in lines if c.status == "charged"]
    return tuple(charged or lines)


def _sentencing_section(
    ctx: Context, actor: Actor, reference: str, analysis: _Analysis
) -> MemoSection:
    from palermo.services.caseload import load_outcomes

    outcomes: list[PastOutcome] | None = None
    with ctx.db.session() as session:
        case = open_case(ctx, session, actor, reference)
        case_id = case.id
        if actor.can(Permission.READ_STATISTICS):
            outcomes = [
                PastOutcome(o.case_id, o.statute_id, o.verdict, o.custodial_months)
                for o in load_outcomes(session, case.unit_id)
            ]
    lines = sentencing_position(
        analysis.sentencing_charges, analysis.ranges, outcomes, case_id=case_id
    )
    return MemoSection(
        "sentencing",
        "Sentencing position",
        "section_sentencing.html",
        {"lines": lines, "statistics": outcomes is not None},
    )


# -- tasks ---------------------------------------------------------------------------------


def _with_tasks(ctx: Context, actor: Actor, reference: str, gaps: MemoSection) -> MemoSection:
    """The gaps section with the case's open tasks and who is assigned each."""
    from palermo.services.casework import list_notes

    tasks = [
        {
            "text": n.text,
            "due_on": n.due_on,
            "assigned_to": n.assigned_to or "unassigned",
            "by": n.by or "",
        }
        for n in list_notes(ctx, actor, reference)
        if n.kind == "task" and not n.done
    ]
    tasks.sort(key=lambda t: (t["due_on"] is None, t["due_on"] or date.max))
    return replace(gaps, title="Gaps and tasks", data={**gaps.data, "tasks": tasks})


@dataclass(frozen=True, slots=True)
class _Kept:
    """Where a memo's sections from the kept analysis are filed, and which they are."""

    case_id: int
    fingerprint: tuple[Any, ...]
    viewer: tuple[Any, ...]
    keys: frozenset[str]


def build_memo(
    ctx: Context,
    actor: Actor,
    reference: str,
    *,
    reveal: bool = False,
    variant: str = "full",
    redactor: Redactor | None = None,
) -> Memo:
    """Collect the memo for a case. Identities appear only if asked for and allowed.

    ``redactor``: the export's redactor of the case's sealed identities for ``actor``
    (:func:`export_memo` builds it once and uses it again on the rendered HTML); built
    here when the memo is redacted and none is given.

    ``full``: the argued memo in the order a prosecutor writes one (facts, theory per
    defendant, witnesses, defences, others culpable, money and restitution under the
    case's law, sentencing, gaps and tasks, evidence index), the long matrices in
    appendices. ``brief`` (two pages, for a supervisor): summary, the key facts, the
    charges per defendant with their weak elements, the victim-witnesses at risk."""
    return _build_memo(ctx, actor, reference, reveal=reveal, variant=variant, redactor=redactor)[0]


def _build_memo(
    ctx: Context,
    actor: Actor,
    reference: str,
    *,
    reveal: bool,
    variant: str,
    redactor: Redactor | None,
    fingerprint: tuple[Any, ...] | None = None,
) -> tuple[Memo, _Kept]:
    """:func:`build_memo`, and which of its sections come from the kept analysis.
    ``fingerprint``: the case's, read by the caller before its redactor was built."""
    if variant not in VARIANTS:
        raise InvalidInput(f"variant must be one of {', '.join(VARIANTS)}")
    allowed = reveal and actor.can(Permission.SEE_VICTIM_IDENTITY)
    with ctx.db.session() as session:
        case = open_case(ctx, session, actor, reference)
        # Read before the data it guards (see case_fingerprint).
        if fingerprint is None:
            fingerprint = case_fingerprint(session, case)
        if not allowed and redactor is None:
            redactor = _redactor(ctx, session, case.id, actor)
        regime = regime_for(case.jurisdiction)
        memo = Memo(
            reference=case.reference,
            title=case.title,
            generated_at=datetime.now(UTC),
            generated_by=actor.username,
            redacted=not allowed,
            variant=variant,
            paper=regime.paper if regime else "A4",
            date_style=regime.date_style if regime else "day-month-year",
        )
        summary = _summary(ctx, session, case)
        case_id = case.id
    filed = (*fingerprint, summary["jurisdiction"])
    viewer = viewer_key(actor, allowed)
    analysis = _analyses.get(
        ctx, case_id, filed, viewer, lambda: _analyse(ctx, actor, reference, allowed, regime)
    ).value
    summary_section = MemoSection("summary", "Summary", "section_summary.html", summary)
    witnesses_section = _witnesses_section(ctx, actor, reference, analysis, allowed, redactor)
    kept = [analysis.facts, analysis.theory]
    if variant == "brief":
        memo.sections += [summary_section, analysis.facts, analysis.theory, witnesses_section]
    else:
        kept += [
            analysis.defences,
            analysis.uncharged,
            analysis.money,
            analysis.elements,
            analysis.parties,
            analysis.network,
            analysis.roles,
            analysis.money_detail,
            analysis.timeline,
        ]
        memo.sections += [
            summary_section,
            analysis.facts,
            analysis.theory,
            witnesses_section,
            analysis.defences,
            analysis.uncharged,
            analysis.money,
            _sentencing_section(ctx, actor, reference, analysis),
            _with_tasks(ctx, actor, reference, analysis.gaps),
            analysis.elements,
            MemoSection(
                "evidence",
                "Evidence index",
                "section_evidence.html",
                {"files": list_evidence(ctx, actor, reference)},
                appendix=True,
            ),
            analysis.parties,
            analysis.network,
            analysis.roles,
            analysis.money_detail,
            analysis.timeline,
        ]
    return memo, _Kept(case_id, filed, viewer, frozenset(s.key for s in kept))


def _elements_sections(
    ctx: Context,
    viewer: Actor,
    reference: str,
    roles: dict[int, str],
    redact: Redactor,
    assessment: Any,
    date_style: str | None = None,
    others: Sequence[DefendantInput] = (),
) -> tuple[MemoSection, MemoSection, MemoSection, MemoSection, MemoSection]:
    """The statement of facts, the theory per defendant, the anticipated defences, the
    elements matrix (an appendix) and the gaps with recommended actions, from one
    assessment."""
    # One line per weak element and status, naming every suspect and statute it concerns:
    # the same advice repeated per suspect would fill pages.
    grouped: dict[tuple[str, str], dict[str, Any]] = {}
    for suspect in assessment.suspects:
        for statute in suspect.statutes:
            for gap in statute.gaps:
                row = grouped.setdefault(
                    (gap.element_label, gap.status),
                    {"gap": gap, "suspects": [], "citations": []},
                )
                name = redact(suspect.name)
                if name not in row["suspects"]:
                    row["suspects"].append(name)
                if statute.citation not in row["citations"]:
                    row["citations"].append(statute.citation)
    order = {"missing": 0, "supported_if_confirmed": 1, "single_source": 2}
    gaps = sorted(
        grouped.values(), key=lambda r: (order.get(r["gap"].status, 9), -len(r["suspects"]))
    )
    return (
        _facts_section(ctx, viewer, reference, assessment, redact, date_style),
        _theory_section(assessment, roles, redact, others),
        _defences_section(assessment, redact),
        MemoSection(
            "elements",
            "Elements of each offence, per suspect and statute",
            "section_elements.html",
            {
                "readiness": assessment.readiness,
                "readiness_reason": assessment.readiness_reason,
                "suspects": assessment.suspects,
            },
            appendix=True,
        ),
        MemoSection(
            "gaps",
            "Gaps and recommended actions",
            "section_gaps.html",
            {"gaps": gaps, "unattributed_total": assessment.unattributed_total},
        ),
    )


def _fact_dates(
    ctx: Context, viewer: Actor, reference: str, facts: Sequence[Any]
) -> dict[str, datetime]:
    """When each fact happened: its record's time, or the time of the record (a chat
    message) its assertion was read from. Documents have no date of their own."""
    record_ids = {f.record_id for f in facts if f.record_id is not None}
    assertion_ids = {f.assertion_id for f in facts if f.assertion_id is not None}
    with ctx.db.session() as session:
        case = open_case(ctx, session, viewer, reference)
        via: dict[int, int] = {}
        for chunk in _chunks(sorted(assertion_ids)):
            for aid, rid in session.execute(
                select(Assertion.id, Assertion.record_id).where(
                    Assertion.case_id == case.id,
                    Assertion.id.in_(chunk),
                    Assertion.record_id.is_not(None),
                )
            ):
                if rid is not None:
                    via[int(aid)] = int(rid)
        when: dict[int, datetime] = {}
        for chunk in _chunks(sorted(record_ids | set(via.values()))):
            for rid, at in session.execute(
                select(Record.id, Record.occurred_at).where(
                    Record.case_id == case.id, Record.id.in_(chunk), Record.occurred_at.is_not(None)
                )
            ):
                if at is not None:
                    when[int(rid)] = at.replace(tzinfo=None)
    out: dict[str, datetime] = {}
    for f in facts:
        rid = f.record_id if f.record_id is not None else via.get(f.assertion_id or -1)
        if rid is not None and rid in when:
            out[f.id] = when[rid]
    return out


def _chunks(ids: list[int], size: int = 500) -> Iterable[list[int]]:
    for i in range(0, len(ids), size):
        yield ids[i : i + size]


def _case_facts(assessment: Any) -> tuple[dict[str, Any], list[Any]]:
    """Every confirmed fact once (a fact shows under each statute and element it serves),
    and the suggestions nobody has confirmed."""
    confirmed: dict[str, Any] = {}
    suggested: dict[str, Any] = {}
    for suspect in assessment.suspects:
        for statute in suspect.statutes:
            for el in statute.elements:
                for f in el.confirmed:
                    confirmed.setdefault(f.id, f)
                for f in el.suggested:
                    suggested.setdefault(f.id, f)
    return confirmed, [f for fid, f in suggested.items() if fid not in confirmed]


def _defences_section(assessment: Any, redact: Redactor) -> MemoSection:
    names = {s.pseudonym: s.name for s in assessment.suspects}
    confirmed, _ = _case_facts(assessment)
    facts = [
        DefenceFact(
            concept=f.concept,
            concept_label=f.concept_label,
            suspect=redact(names.get(f.suspect or "", f.suspect or "")),
            victim=f.victim,
            quote=redact(f.quote),
            file=redact(f.evidence_file) if f.evidence_file else None,
            locator=f.locator,
            source_id=f.source_id,
        )
        for f in confirmed.values()
    ]
    return MemoSection(
        "defences",
        "Anticipated defences",
        "section_defences.html",
        {"defences": anticipated_defences(facts)},
    )


def _facts_section(
    ctx: Context,
    viewer: Actor,
    reference: str,
    assessment: Any,
    redact: Redactor,
    date_style: str | None = None,
) -> MemoSection:
    names = {s.pseudonym: s.name for s in assessment.suspects}
    confirmed, pending = _case_facts(assessment)
    dates = _fact_dates(ctx, viewer, reference, list(confirmed.values()))
    items = [
        FactItem(
            concept=f.concept,
            suspect=redact(names.get(f.suspect or "", f.suspect or "a person not yet identified")),
            victim=f.victim,
            confirmed=True,
            quote=redact(f.quote),
            file=redact(f.evidence_file) if f.evidence_file else None,
            locator=f.locator,
            when=dates.get(f.id),
        )
        for f in confirmed.values()
    ]
    items += [FactItem(f.concept, "", None, False, "", None, None) for f in pending]
    return MemoSection(
        "facts",
        "Statement of facts",
        "section_facts.html",
        {"statement": statement_of_facts(items, date_style)},
    )


def _charged_not_suspects(
    ctx: Context, viewer: Actor, reference: str, people: list[Person], redact: Redactor
) -> list[DefendantInput]:
    """People charged who are not recorded as suspects (a complicit official): the
    Elements tab assesses suspects only, so their theory says so instead of leaving
    them out."""
    from palermo.law.statutes import load_statutes

    book = load_statutes()
    by_id = {p.id: p for p in people}
    out: dict[int, list[ChargeInput]] = defaultdict(list)
    with ctx.db.session() as session:
        case = open_case(ctx, session, viewer, reference)
        rows = session.execute(
            select(Charge.person_id, Charge.statute_id, Charge.status).where(
                Charge.case_id == case.id
            )
        ).all()
    for pid, sid, status in rows:
        person = by_id.get(pid)
        if person is None or person.kind == "suspect" or status != "charged":
            continue
        statute = book.get(sid) if sid in book else None
        out[pid].append(
            ChargeInput(
                citation=statute.citation if statute else sid,
                title=statute.title if statute else "",
                status="charged",
                readiness="not assessed",
                elements=(),
                note=(
                    f"recorded as {person.kind}, not as a suspect: the elements are "
                    "assessed for suspects only; record the person as a suspect on the "
                    "People tab to assess them."
                ),
            )
        )
    return [
        DefendantInput(redact_name(ctx, viewer, by_id[pid], redact), None, tuple(charges))
        for pid, charges in out.items()
    ]


def _theory_section(
    assessment: Any,
    roles: dict[int, str],
    redact: Redactor,
    others: Sequence[DefendantInput] = (),
) -> MemoSection:
    defendants = [
        DefendantInput(
            name=redact(s.name),
            role=roles.get(s.person_id),
            charges=tuple(
                ChargeInput(
                    citation=st.citation,
                    title=st.title,
                    status=st.charge_status,
                    readiness=st.readiness,
                    elements=tuple(
                        ElementInput(
                            label=el.label,
                            required=el.required,
                            status=el.status,
                            source_count=el.source_count,
                            confirmed=tuple(
                                Evidence(
                                    redact(f.quote),
                                    redact(f.evidence_file) if f.evidence_file else None,
                                    f.locator,
                                    f.source_id,
                                )
                                for f in el.confirmed
                            ),
                            waived_by=el.waived_by.explanation if el.waived_by else None,
                        )
                        for el in st.elements
                    ),
                    rules=tuple(
                        r.explanation + (" (would apply if confirmed)" if r.pending else "")
                        for r in st.rules
                    ),
                )
                for st in s.statutes
            ),
        )
        for s in assessment.suspects
    ]
    theories = theory_of_the_case([*defendants, *others])
    charged = any(c.status == "charged" for d in theories for c in d.charges)
    return MemoSection(
        "theory",
        "Theory of the case, per defendant",
        "section_theory.html",
        {"defendants": theories, "charged": charged, "weak_across": weak_across(theories)},
    )


def _person_roles(view: Any) -> dict[int, str]:
    """Person id -> role as the memo states it: confirmed, or the best suggestion marked so."""
    out: dict[int, str] = {}
    for key, (label, confirmed) in _node_roles(view).items():
        out[int(key.split(":", 1)[1])] = (
            label if confirmed else f"{label} (suggested, not reviewed)"
        )
    return out


def _redact_entry(entry: Any, redactor: Redactor) -> Any:
    if not redactor.active:
        return entry
    quote = redactor(entry.quote) if entry.quote else entry.quote
    return replace(entry, title=redactor(entry.title), quote=quote)


# The export's redactor of a case's sealed identities is the same for every viewer it
# redacts for (it hides every sealed identity, see _redactor) and is built from the
# case's people and identifiers, which the fingerprint covers: building it reads and
# unseals every sealed identity, tens of milliseconds on a large case.
_redactors: CaseViewCache[Redactor] = CaseViewCache(max_entries=8)

# The memo's sections from the kept analysis, rendered and redacted, per case fingerprint,
# kind of viewer (viewer_key: whether victims' names are shown, the role) and variant:
# rendering and redacting them is most of an export's work, and they change only with the
# analysis they show. Memory only: they are cheap to make again from the stored analysis.
_rendered: CaseViewCache[dict[str, str]] = CaseViewCache(max_entries=16)
_rendered_fresh: CaseViewCache[str] = CaseViewCache(max_entries=128)


def export_memo(
    ctx: Context,
    actor: Actor,
    reference: str,
    *,
    fmt: str = "html",
    reveal: bool = False,
    variant: str = "full",
) -> bytes:
    """The memo as HTML, PDF or DOCX bytes; the export is audited with its format, variant
    and whether names were included. The DOCX is made from the redacted HTML, so it
    carries the same headings and text and no more."""
    if fmt not in {"html", "pdf", "docx"}:
        raise InvalidInput("format must be html, pdf or docx")
    redactor: Redactor | None = None
    with ctx.db.session() as session:
        case = open_case(ctx, session, actor, reference)
        # Read before the redactor and the data it guards (see case_fingerprint).
        fingerprint = case_fingerprint(session, case)
        if not (reveal and actor.can(Permission.SEE_VICTIM_IDENTITY)):
            # One redactor for the export: the sections' text, then the rendered HTML.
            case_id = case.id
            redactor = _redactors.get_or_compute(
                ctx,
                case_id,
                fingerprint,
                "memo",
                lambda: _redactor(ctx, session, case_id, actor),
            ).value
    memo, kept = _build_memo(
        ctx,
        actor,
        reference,
        reveal=reveal,
        variant=variant,
        redactor=redactor,
        fingerprint=fingerprint,
    )
    redact_html: Any = None
    if memo.redacted:
        # Second line of defence: free text must not carry a sealed name either.
        assert redactor is not None
        redact_html = redactor.html
    with ctx.db.session() as session:
        case = open_case(ctx, session, actor, reference)
        audit.record_read(
            session,
            actor=actor,
            action="memo.export",
            case_id=case.id,
            object_type="case",
            object_id=case.id,
            details={
                "format": fmt,
                "variant": variant,
                "identities_included": not memo.redacted,
            },
        )
    if fmt == "pdf":
        return render_memo_pdf(memo, redact_html)
    if fmt == "html":
        return render_html_kept(
            memo, _kept_html(ctx, memo, kept, redact_html), redact_html
        ).encode()
    html = render_html(memo)
    if redact_html is not None:
        html = redact_html(html)
    return render_docx(html)


def _kept_html(ctx: Context, memo: Memo, kept: _Kept, redact: Any) -> dict[str, str]:
    """Sections' content, rendered and redacted once per stored analysis, kind of viewer
    and variant (never one viewer kind's rendering for another: the viewer's key is in
    every entry's key, as it is in the analysis's).

    The sections from the kept analysis are filed under the analysis; the ones read
    afresh on each export (summary, witnesses, sentencing, tasks, evidence index) under
    what they hold as well, so a change of their data renders them again."""

    def render(section: MemoSection) -> str:
        html = render_section(memo, section)
        return str(redact(html)) if redact is not None else html

    def analysed() -> dict[str, str]:
        return {s.key: render(s) for s in memo.sections if s.key in kept.keys}

    viewer = (kept.viewer, memo.variant)
    out = dict(
        _rendered.get_or_compute(ctx, kept.case_id, kept.fingerprint, viewer, analysed).value
    )
    for section in memo.sections:
        if section.key in out:
            continue
        held = _content_key(section)
        if held is None:  # not known by its content: rendered each time
            continue
        out[section.key] = _rendered_fresh.get_or_compute(
            ctx,
            kept.case_id,
            kept.fingerprint,
            (viewer, section.key, held),
            partial(render, section),
        ).value
    return out


def _content_key(section: MemoSection) -> str | None:
    """A digest of everything a section shows (its data, all dataclasses, dates and plain
    values, written out in full by ``repr``), or None when some of it is written as an
    object's address, which says nothing of what it holds."""
    text = repr((section.template, section.title, section.data))
    if " at 0x" in text:
        return None
    return hashlib.sha256(text.encode()).hexdigest()
