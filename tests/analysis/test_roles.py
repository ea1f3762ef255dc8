"""Roles fire with the right evidence; culpable but not charged; the interpreter is generic."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pytest

from palermo.analysis.data import CaseBuilder, CaseData, Person
from palermo.analysis.roles import RoleSuggestion, best_role, culpable_not_charged, infer_roles
from palermo.law.concepts import LawDataError
from palermo.law.facts import Fact
from palermo.law.roles import RoleBook, load_roles


def _get(sugg: list[RoleSuggestion], person: str, role: str) -> RoleSuggestion:
    found = [s for s in sugg if s.person_id == person and s.role == role]
    assert found, f"{person} not suggested as {role}: {[(s.person_id, s.role) for s in sugg]}"
    return found[0]


def _signals(s: RoleSuggestion) -> dict[str, list[str]]:
    return {h.signal: h.evidence for h in s.signals}


def test_recruiter_is_first_contact_before_travel_with_call_and_trip_ids(
    ring_case: CaseData,
) -> None:
    s = _get(infer_roles(ring_case), "R", "recruiter")
    sig = _signals(s)
    assert sig["first_contact"] == ["C1", "BK1", "C2", "BK2"]
    assert sig["recruitment_fact"] == ["F-recruit"]
    assert s.score == pytest.approx(0.85)
    assert s.elements == ("act.recruitment",)


def test_transporter_books_trips_and_calls_on_travel_days(ring_case: CaseData) -> None:
    s = _get(infer_roles(ring_case), "T", "transporter")
    sig = _signals(s)
    assert sorted(sig["books_trips"]) == ["BK1", "BK1", "BK2", "BK2"]  # booked and paid
    assert sorted(sig["calls_around_travel"]) == ["C4", "C5", "C6", "C7"]
    hit = next(h for h in s.signals if h.signal == "books_trips")
    assert hit.total == 1240.0


def test_enforcer_fires_on_threat_fact_only(ring_case: CaseData) -> None:
    sugg = infer_roles(ring_case)
    s = _get(sugg, "E", "enforcer")
    assert _signals(s) == {"threat_fact": ["F-threat"]}
    assert not [x for x in sugg if x.role == "enforcer" and x.person_id != "E"]


def test_buyer_official_and_money_handler(ring_case: CaseData) -> None:
    sugg = infer_roles(ring_case)
    buyer = _get(sugg, "K", "buyer")
    assert set(_signals(buyer)) == {"calls_adverts", "calls_adverts_repeatedly"}
    assert _signals(buyer)["calls_adverts"] == [f"CK{i}" for i in range(6)]
    official = _get(sugg, "O", "complicit_official")
    assert _signals(official)["paid_by_suspects"] == ["P9", "P10"]
    mh = _get(sugg, "M", "money_handler")
    assert set(_signals(mh)) == {"forwards_abroad", "cash_and_transfers"}
    assert _signals(mh)["forwards_abroad"] == ["P6", "P7", "P8"]
    # the witness and the victims get no suspect roles
    assert not [x for x in sugg if x.person_id in ("W", "V1", "V2")]


def test_threshold_is_configurable(ring_case: CaseData) -> None:
    strict = infer_roles(ring_case, threshold=0.95)
    assert all(s.score >= 0.95 for s in strict)
    loose = infer_roles(ring_case, threshold=0.1)
    assert len(loose) > len(infer_roles(ring_case)) > len(strict)
    below = infer_roles(ring_case, include_below=True)
    assert any(s.score < 0.5 for s in below)


def test_culpable_but_not_charged_lists_the_uncharged_recruiter(ring_case: CaseData) -> None:
    sugg = infer_roles(ring_case)
    out = culpable_not_charged(ring_case, sugg)
    by_id = {u.person_id: u for u in out}
    assert "R" in by_id
    r = by_id["R"]
    assert r.roles[0][0] == "recruiter"
    assert r.concepts == ["act.recruitment"]
    assert {"C1", "BK1", "F-recruit"} <= set(r.evidence)
    assert "first known contact of a victim" in r.summary
    for charged in ("T", "E", "X", "M", "B"):
        assert charged not in by_id
    assert best_role(sugg)["T"] == "transporter"


def test_a_new_role_is_data_only(ring_case: CaseData) -> None:
    book = RoleBook.model_validate(
        {
            "threshold": 0.5,
            "roles": {
                "landlord": {
                    "label": "Collects rent from victims",
                    "elements": ["benefit.financial"],
                    "signals": [
                        {
                            "id": "rent_in",
                            "kind": "payments",
                            "direction": "in",
                            "counterpart_kinds": ["victim"],
                            "reference_patterns": ["rent"],
                            "min_count": 4,
                            "weight": 0.6,
                            "because": "collects rent from victims",
                        }
                    ],
                }
            },
        }
    )
    sugg = infer_roles(ring_case, book)
    assert [(s.person_id, s.role) for s in sugg] == [("X", "landlord")]
    assert sorted(sugg[0].signals[0].evidence) == ["P1", "P2", "P3", "P4"]
    assert sugg[0].signals[0].total == 1800.0


def test_shipped_roles_cover_the_required_list() -> None:
    book = load_roles()
    assert {
        "recruiter",
        "transporter",
        "guide",
        "harbourer",
        "enforcer",
        "exploiter",
        "beneficiary",
        "money_handler",
        "buyer",
        "complicit_official",
        "victim_recruiter",
    } <= set(book.roles)


def test_unknown_concept_in_roles_yaml_is_rejected(tmp_path: Path) -> None:
    bad = tmp_path / "roles.yaml"
    bad.write_text(
        "roles:\n  x:\n    label: X\n    elements: [act.nope]\n    signals:\n"
        "      - {id: a, kind: fact, concepts: [means.threat], weight: 0.5, because: b}\n"
    )
    with pytest.raises(LawDataError, match=r"act\.nope"):
        load_roles(bad)


def _small_case(facts: list[Fact], payments: Sequence[tuple[str, str, str, str]] = ()) -> CaseData:
    """Suspects A, B, C, D and victims V1, V2 with accounts; ``payments``: (id, payer
    account, payee account, country pair 'XX>YY')."""
    b = CaseBuilder()
    for pid, kind in (("A", "suspect"), ("B", "suspect"), ("C", "suspect"), ("D", "suspect")):
        b.add_person(Person(pid, pid, kind, accounts=(f"AC{pid}",)))
    for pid in ("V1", "V2"):
        b.add_person(Person(pid, pid, "victim", accounts=(f"AC{pid}",)))
    for f in facts:
        b.add_fact(f)
    if payments:
        b.add_payments(
            [p[0] for p in payments],
            ["2024-03-01"] * len(payments),
            [p[1] for p in payments],
            [p[2] for p in payments],
            [500.0] * len(payments),
            countries_from=[p[3].split(">")[0] for p in payments],
            countries_to=[p[3].split(">")[1] for p in payments],
        )
    return b.build()


def _fact(fid: str, concept: str, suspect: str, quote: str, status: str = "suggested") -> Fact:
    return Fact(
        fid, concept, suspect=suspect, victim=None, status=status, source_id=f"s:{fid}", quote=quote
    )


def test_transport_fact_needs_a_person_moved() -> None:
    case = _small_case(
        [
            # the thing, not a person, is the object: no evidence anyone was moved
            _fact("F1", "act.transportation", "A", "The farm pays 60 a day, transport is free."),
            _fact("F2", "act.transportation", "A", "Bring the cash to the usual place at 11"),
            # people moved
            _fact("F3", "act.transportation", "B", "He transported the women to the farm."),
            _fact("F4", "act.transportation", "B", "The workers were transported by him."),
            # confirmed by a person: trusted whatever the wording
            _fact("F5", "act.transportation", "C", "transport is free", status="confirmed"),
        ]
    )
    sugg = infer_roles(case, include_below=True)
    hits = {
        (s.person_id, h.signal): h.evidence
        for s in sugg
        if s.role == "transporter"
        for h in s.signals
    }
    assert ("A", "transport_fact") not in hits
    assert hits[("B", "transport_fact")] == ["F3", "F4"]
    assert hits[("C", "transport_fact")] == ["F5"]
    assert {s.person_id for s in infer_roles(case) if s.role == "transporter"} == {"B", "C"}


def test_harbourer_keeps_people_where_they_live() -> None:
    lived = "We lived in the motel rooms and D locked the door at night."
    case = _small_case(
        [
            _fact("F1", "means.coercion", "D", lived),
            _fact("F2", "means.coercion", "D", lived),
            # control that says nothing of where people live does not count
            _fact("F3", "means.coercion", "A", "You don't go out alone."),
            _fact("F4", "means.coercion", "A", "Your passport stays with me."),
        ]
    )
    sugg = infer_roles(case, include_below=True)
    d = _get(sugg, "D", "harbourer")
    assert _signals(d) == {
        "keeps_where_they_live": ["F1", "F2"],
        "keeps_where_they_live_repeatedly": ["F1", "F2"],
    }
    assert d.score == pytest.approx(0.55)
    assert not [s for s in sugg if s.person_id == "A" and s.role == "harbourer"]


def test_beneficiary_paid_from_abroad_by_several_people_of_the_case() -> None:
    payments = [
        ("P1", "ACA", "ACD", "US>MX"),
        ("P2", "ACB", "ACD", "US>MX"),
        ("P3", "ACV1", "ACD", "US>MX"),
        ("P4", "ACA", "ACD", "US>MX"),
        # two payers only, and one at home: not enough
        ("P5", "ACA", "ACC", "US>MX"),
        ("P6", "ACB", "ACC", "US>MX"),
        ("P7", "ACV2", "ACC", "US>US"),
    ]
    sugg = infer_roles(_small_case([], payments), include_below=True)
    d = _get(sugg, "D", "beneficiary")
    assert sorted(_signals(d)["paid_abroad_by_many"]) == ["P1", "P2", "P3", "P4"]
    assert "receives_from_suspects" in _signals(d)  # 3 cross-border payments from suspects
    assert d.score == pytest.approx(0.55)
    c = [s for s in sugg if s.person_id == "C" and s.role == "beneficiary"]
    assert not c or "paid_abroad_by_many" not in _signals(c[0])


def test_bad_pattern_in_roles_yaml_is_rejected(tmp_path: Path) -> None:
    bad = tmp_path / "roles.yaml"
    bad.write_text(
        "roles:\n  r:\n    label: R\n    elements: [act.harbouring]\n    signals:\n"
        "      - {id: s, kind: fact, concepts: [means.coercion], weight: 0.5,"
        " because: x, quote_patterns: ['(unclosed']}\n",
        encoding="utf-8",
    )
    with pytest.raises(LawDataError, match=r"roles\.r\.signals\.s\.quote_patterns"):
        load_roles(bad)
