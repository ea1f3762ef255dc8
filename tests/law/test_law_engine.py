"""The elements engine and the readiness summary, on hand-made facts."""

from __future__ import annotations

import itertools

import pytest

from palermo.analysis.readiness import assess_readiness, readiness_summary
from palermo.law import (
    ElementStatus,
    Fact,
    StatuteAssessment,
    Suspect,
    Victim,
    assess_case,
    gaps_for,
)

_ids = itertools.count(1)


def fact(
    concept: str,
    suspect: str | None = "S-01",
    victim: str | None = "V-01",
    source: str = "statement:V-01",
    kind: str = "victim_statement",
    status: str = "confirmed",
) -> Fact:
    return Fact(
        id=f"f{next(_ids)}",
        concept=concept,
        suspect=suspect,
        victim=victim,
        status=status,
        source_id=source,
        source_kind=kind,
        quote="...",
        origin="human",
    )


BANK = {"source": "bank:abc", "kind": "bank_record"}
CDR = {"source": "cdr:def", "kind": "phone_record"}
CHAT = {"source": "chat:123", "kind": "chat"}


def one(facts: list[Fact], statute: str, victims: tuple[Victim, ...] = ()) -> StatuteAssessment:
    return assess_case(facts, [Suspect("S-01", (statute,))], victims).get("S-01", statute)


def test_child_victim_waives_means_with_explanation() -> None:
    facts = [
        fact("act.recruitment", victim="V-02"),
        fact("act.recruitment", victim="V-02", **CDR),
        fact("purpose.commercial_sex_act", victim="V-02"),
    ]
    a = one(facts, "us-18-1591", (Victim("V-02", is_minor=True),))
    means = a.element("means")
    assert means.status == ElementStatus.WAIVED
    assert means.evidence_status == ElementStatus.MISSING
    assert means.waived_by is not None
    assert "Means waived: victim V-02 is a minor (18 U.S.C. 1591(c))" in means.waived_by.explanation
    assert [r.rule_id for r in a.rules if r.kind == "waiver"] == ["minor-replaces-means"]
    assert "minor-14-17" in a.penalties
    # Forced labour (1589) has no child waiver: the means is still needed.
    assert one(facts, "us-18-1589", (Victim("V-02", True),)).element("means").status == "missing"
    # Not a minor: no waiver.
    assert one(facts, "us-18-1591").element("means").status == ElementStatus.MISSING


def test_child_waiver_from_confirmed_age_fact_and_pending_when_suggested() -> None:
    base = [
        fact("act.harbouring", victim="V-03"),
        fact("purpose.sexual_exploitation", victim="V-03"),
    ]
    age = fact("victim.minor", suspect=None, victim="V-03", source="doc:birth", kind="other")
    a = one([*base, age], "palermo-art3")
    assert a.element("means").status == ElementStatus.WAIVED
    waived_by = a.element("means").waived_by
    assert waived_by is not None and "victim V-03 is a child" in waived_by.explanation
    # The age only suggested: nothing waived, but the user is told what confirming would do.
    suggested_age = fact("victim.minor", None, "V-03", "doc:birth", "other", status="suggested")
    b = one([*base, suggested_age], "palermo-art3")
    assert b.element("means").status == ElementStatus.MISSING
    pending = [r for r in b.rules if r.pending]
    assert pending and pending[0].explanation.startswith("Would apply if confirmed")
    # A minor with no confirmed link to this suspect waives nothing for them.
    other = [fact("act.harbouring", suspect="S-09", victim="V-03"), age]
    c = one([*other, fact("act.harbouring", victim="V-01")], "palermo-art3")
    assert c.element("means").status == ElementStatus.MISSING


def test_means_resting_on_one_statement_is_single_source_with_advice() -> None:
    facts = [
        fact("act.recruitment"),
        fact("act.recruitment", **CDR),
        fact("means.coercion"),
        fact("purpose.forced_labour"),
        fact("purpose.forced_labour", **BANK),
        fact("mental.knowledge", **CHAT),
        fact("mental.knowledge", **CDR),
    ]
    a = one(facts, "palermo-art3")
    means = a.element("means")
    assert means.status == ElementStatus.SINGLE_SOURCE and means.source_count == 1
    (gap,) = gaps_for(a)
    assert gap.element_id == "means" and gap.have == ("victim_statement",)
    assert "rests only on the victim's statement" in gap.advice
    assert "messages containing threats" in gap.advice and "co-worker" in gap.advice
    assert all(item.kind != "victim_statement" for item in gap.seek)
    summary = readiness_summary(assess_case(facts, [Suspect("S-01", ("palermo-art3",))]))
    item = summary.get("S-01", "palermo-art3")
    assert item.label == "needs corroboration" and item.single_source == ["means"]
    assert summary.label == "needs corroboration"


def test_two_statements_of_one_victim_are_one_source() -> None:
    facts = [fact("means.threat"), fact("means.coercion")]  # same source id
    means = one(facts, "palermo-art3").element("means")
    assert means.status == ElementStatus.SINGLE_SOURCE
    assert len(means.confirmed) == 2 and means.sources == ("statement:V-01",)


def test_bank_record_and_statement_prove_the_element() -> None:
    facts = [fact("benefit.financial"), fact("benefit.financial", **BANK)]
    benefit = one(facts, "us-18-1591a2").element("benefit")
    assert benefit.status == ElementStatus.PROVED and benefit.source_count == 2
    assert benefit.source_kinds == ("bank_record", "victim_statement")


def test_suggested_only_and_rejected() -> None:
    a = one([fact("act.recruitment", status="suggested", **CHAT)], "palermo-art3")
    act = a.element("act")
    assert act.status == ElementStatus.SUPPORTED_IF_CONFIRMED
    assert len(act.suggested) == 1 and not act.confirmed and act.source_count == 0
    (gap,) = [g for g in gaps_for(a) if g.element_id == "act"]
    assert "1 unconfirmed suggestion" in gap.advice
    b = one(
        [
            fact("act.recruitment", status="rejected"),
            fact("act.recruitment", status="rejected", **BANK),
        ],
        "palermo-art3",
    )
    assert b.element("act").status == ElementStatus.MISSING and not b.element("act").confirmed
    # A rejected fact does not upgrade a suggested one either.
    c = one(
        [
            fact("act.recruitment", status="suggested"),
            fact("act.recruitment", status="rejected", **BANK),
        ],
        "palermo-art3",
    )
    assert c.element("act").status == ElementStatus.SUPPORTED_IF_CONFIRMED


def test_venture_liability_needs_benefit() -> None:
    # S-02 ran the venture; S-01 is charged as a beneficiary.
    facts = [
        fact("act.recruitment", suspect="S-02"),
        fact("act.recruitment", suspect="S-02", **CDR),
        fact("means.force", suspect="S-02"),
        fact("means.force", suspect="S-02", **CHAT),
        fact("mental.knowledge", **CHAT),
        fact("mental.knowledge", **CDR),
        fact("jurisdiction.interstate_commerce", None, None, "travel:1", "travel_record"),
        fact("jurisdiction.interstate_commerce", None, None, "bank:zz", "bank_record"),
    ]
    a = one(facts, "us-18-1591a2")
    assert a.element("venture").status == ElementStatus.PROVED  # other participants count
    assert a.element("means").status == ElementStatus.PROVED
    assert a.element("commerce").status == ElementStatus.PROVED  # case-wide facts count
    assert a.element("benefit").status == ElementStatus.MISSING
    (rule,) = [r for r in a.rules if r.kind == "venture_benefit"]
    assert (
        "Venture liability requires proof" in rule.explanation
        and "Not yet shown" in rule.explanation
    )
    with_benefit = one(
        [*facts, fact("benefit.financial", **BANK), fact("benefit.financial")], "us-18-1591a2"
    )
    assert with_benefit.element("benefit").status == ElementStatus.PROVED
    (rule,) = [r for r in with_benefit.rules if r.kind == "venture_benefit"]
    assert "Benefit shown" in rule.explanation
    assert (
        readiness_summary(
            assess_case(
                [*facts, fact("benefit.financial", **BANK), fact("benefit.financial")],
                [Suspect("S-01", ("us-18-1591a2",))],
            )
        )
        .get("S-01", "us-18-1591a2")
        .label
        == "ready"
    )
    # For the principal offence another suspect's act does not count.
    assert one(facts, "us-18-1591").element("act").status == ElementStatus.MISSING


def test_case_wide_facts_only_for_case_wide_kinds() -> None:
    facts = [fact("means.force", suspect=None), fact("means.force", None, source="bank:1")]
    assert one(facts, "palermo-art3").element("means").status == ElementStatus.MISSING


def test_consent_irrelevant_once_means_shown() -> None:
    a = one([fact("means.deception")], "palermo-art3")
    (rule,) = [r for r in a.rules if r.kind == "consent_irrelevant"]
    assert "Consent irrelevant" in rule.explanation and "deception" in rule.explanation
    b = one([fact("means.deception", status="suggested")], "palermo-art3")
    assert not [r for r in b.rules if r.kind == "consent_irrelevant"]
    # UK s.2: consent to travel is always irrelevant.
    c = one([], "uk-msa-s2")
    assert [r.rule_id for r in c.rules if r.kind == "consent_irrelevant"] == ["consent-to-travel"]


def test_suspect_without_facts_is_all_missing() -> None:
    result = assess_readiness([fact("act.recruitment")], [Suspect("S-07", ("us-18-1589",))])
    item = result.get("S-07", "us-18-1589")
    assert item.label == "not ready"
    assert item.missing == ["act", "means", "knowledge"]
    assert {g.element_id for g in item.gaps} == {"act", "means", "knowledge"}
    assert result.label == "not ready" and "S-07" in result.reason


def test_errors_and_skips() -> None:
    with pytest.raises(KeyError, match="us-18-9999"):
        assess_case([], [Suspect("S-01", ("us-18-9999",))])
    with pytest.raises(ValueError, match="unknown status 'Confirmed'"):
        assess_case([fact("act.recruitment", status="Confirmed")], [Suspect("S-01", ())])
    # Restitution is not an offence: nothing to assess.
    assert assess_case([], [Suspect("S-01", ("us-18-1593",))]).results == []


def test_jurisdiction_warning_is_attached() -> None:
    s = [Suspect("S-01", ("uk-msa-s2", "palermo-art3"))]
    res = assess_case([], s, case_jurisdiction="US")
    assert res.get("S-01", "uk-msa-s2").warning is not None
    assert res.get("S-01", "palermo-art3").warning is None


def test_case_label_takes_each_suspects_best_charge() -> None:
    strong = [
        fact(c, suspect="S-01", **src)
        for c in ("act.recruitment", "means.force", "purpose.forced_labour", "mental.intent")
        for src in ({}, BANK)
    ]
    suspects = [Suspect("S-01", ("palermo-art3", "us-18-1591"))]
    summary = readiness_summary(assess_case(strong, suspects))
    assert summary.get("S-01", "palermo-art3").label == "ready"
    assert summary.get("S-01", "us-18-1591").label == "not ready"
    assert summary.label == "ready"


def test_penalties_follow_confirmed_aggravations() -> None:
    facts = [fact("act.recruitment"), fact("means.force", victim="V-02", **CHAT)]
    a = one(facts, "us-18-1591")
    assert a.penalties == ["force-or-under-14"]
    assert a.element("means").victims == ["V-02"]
    b = one([fact("act.recruitment")], "us-18-1591", (Victim("V-01", True),))
    assert b.penalties == ["minor-14-17"]
    c = one([fact("aggravating.kidnapping")], "us-18-1589")
    assert c.penalties == ["base", "aggravated"]
    assert c.element("death-kidnap-abuse").status == ElementStatus.SINGLE_SOURCE
    # An optional (aggravating) element never makes a charge "not ready" and has no gap.
    assert not [g for g in gaps_for(c) if g.element_id == "death-kidnap-abuse"]
