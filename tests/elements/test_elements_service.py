"""The elements service over a hand-made case: corroboration, sources, waiver, decisions."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from palermo.security.permissions import Actor
from palermo.services import elements
from palermo.services.context import Context

Seed = Callable[..., Any]
Login = Callable[..., Any]
Csrf = Callable[[str], str]
MakeUser = Callable[..., Actor]


def _means(ctx: Context, actor: Actor, reference: str) -> elements.ElementView:
    result = elements.assess(ctx, actor, reference)
    (suspect,) = result.suspects
    (statute,) = suspect.statutes
    return next(e for e in statute.elements if e.element_id == "means")


def test_one_victim_statement_is_a_single_source(
    ctx: Context, prosecutor: Actor, seed: Seed
) -> None:
    s = seed()
    s.ingest(ctx, prosecutor, "statement_ana.txt", s.STATEMENT)
    means = _means(ctx, prosecutor, s.reference)
    assert means.status == "supported_if_confirmed"
    for fact in means.suggested:
        elements.decide_assertion(
            ctx, prosecutor, s.reference, int(fact.assertion_id or 0), "confirmed"
        )
    result = elements.assess(ctx, prosecutor, s.reference)
    statute = result.suspects[0].statutes[0]
    means = next(e for e in statute.elements if e.element_id == "means")
    assert means.status == "single_source"
    assert means.source_count == 1
    assert means.source_kinds == ["victim_statement"]
    fact = means.confirmed[0]
    assert fact.evidence_file == "statement_ana.txt" and fact.locator == "page 1"
    assert "took my passport" in fact.quote and fact.sha256
    assert "victim's own statement" in fact.attribution
    gap = next(g for g in statute.gaps if g.element_id == "means")
    assert "rests only on the victim's statement" in gap.advice
    # Advice names other kinds of evidence, never another victim statement.
    assert gap.have == ["victim_statement"]
    look_for = gap.advice.split("look for")[-1]
    assert gap.seek and "co-worker's statement" in look_for and "financial" not in gap.have
    assert "victim's statement" not in look_for


def _confirm_all(ctx: Context, actor: Actor, reference: str) -> None:
    result = elements.assess(ctx, actor, reference)
    ids = {
        f.assertion_id
        for suspect in result.suspects
        for statute in suspect.statutes
        for e in statute.elements
        for f in e.suggested
        if f.assertion_id is not None
    }
    for assertion_id in ids:
        elements.decide_assertion(ctx, actor, reference, assertion_id, "confirmed")


def test_two_statements_of_one_victim_are_one_source(
    ctx: Context, prosecutor: Actor, seed: Seed
) -> None:
    s = seed()
    s.ingest(ctx, prosecutor, "statement_ana.txt", s.STATEMENT)
    s.ingest(ctx, prosecutor, "statement_ana_2.txt", s.SECOND_STATEMENT)
    _confirm_all(ctx, prosecutor, s.reference)
    means = _means(ctx, prosecutor, s.reference)
    assert len({f.evidence_file for f in means.confirmed}) == 2
    assert means.status == "single_source" and means.source_count == 1


def test_a_witness_statement_corroborates(ctx: Context, prosecutor: Actor, seed: Seed) -> None:
    s = seed()
    s.ingest(ctx, prosecutor, "statement_ana.txt", s.STATEMENT)
    s.ingest(ctx, prosecutor, "statement_novak.txt", s.WITNESS_STATEMENT)
    _confirm_all(ctx, prosecutor, s.reference)
    means = _means(ctx, prosecutor, s.reference)
    assert means.status == "proved" and means.source_count == 2
    assert means.source_kinds == ["victim_statement", "witness_statement"]


def test_a_bank_record_is_a_second_source_through_the_payment_rule(
    ctx: Context, prosecutor: Actor, seed: Seed
) -> None:
    s = seed(statute="us-18-1591a2")
    s.ingest(ctx, prosecutor, "payments.csv", s.PAYMENTS)
    result = elements.assess(ctx, prosecutor, s.reference)
    statute = result.suspects[0].statutes[0]
    benefit = [e for e in statute.elements if "benefit.financial" in e.satisfied_by]
    assert benefit, [e.element_id for e in statute.elements]
    element = benefit[0]
    assert element.status == "supported_if_confirmed"
    (fact,) = element.suggested
    assert fact.source_kind == "bank_record" and fact.evidence_file == "payments.csv"
    assert fact.locator == "row 2" and "500.00 EUR" in fact.quote
    assert fact.record_id is not None and fact.rule == "victim-pays-suspect"
    elements.decide_rule_fact(ctx, prosecutor, s.reference, fact.id, "confirmed")
    statute = elements.assess(ctx, prosecutor, s.reference).suspects[0].statutes[0]
    element = statute.elements[[e.element_id for e in statute.elements].index(element.element_id)]
    assert element.status == "single_source" and not element.suggested
    assert element.confirmed[0].origin == "human"
    # A victim statement naming a payment to the suspect makes two independent sources.
    elements.link_fact(
        ctx, prosecutor, s.reference, suspect_id=s.suspect_id, statute_id="us-18-1591a2",
        element_id=element.element_id, concept="benefit.financial",
        quote="I gave him 500 euros every week.", victim_id=s.victim_id,
    )  # fmt: skip
    statute = elements.assess(ctx, prosecutor, s.reference).suspects[0].statutes[0]
    element = next(e for e in statute.elements if e.element_id == element.element_id)
    assert element.status == "proved" and element.source_count == 2


def test_child_victim_waives_means(ctx: Context, prosecutor: Actor, seed: Seed) -> None:
    s = seed(minor=True)
    s.ingest(ctx, prosecutor, "statement_ana.txt", s.STATEMENT)
    _confirm_all(ctx, prosecutor, s.reference)
    result = elements.assess(ctx, prosecutor, s.reference)
    statute = result.suspects[0].statutes[0]
    means = next(e for e in statute.elements if e.element_id == "means")
    assert means.status == "waived" and means.evidence_status == "single_source"
    assert means.waived_by is not None and "V-01" in means.waived_by.explanation
    assert "Means waived" in means.waived_by.explanation
    assert all(g.element_id != "means" for g in statute.gaps)


def test_rejected_suggestion_is_ignored(ctx: Context, prosecutor: Actor, seed: Seed) -> None:
    s = seed()
    s.ingest(ctx, prosecutor, "statement_ana.txt", s.STATEMENT)
    means = _means(ctx, prosecutor, s.reference)
    for fact in means.suggested:
        elements.decide_assertion(
            ctx, prosecutor, s.reference, int(fact.assertion_id or 0), "rejected"
        )
    assert _means(ctx, prosecutor, s.reference).status == "missing"


def test_unattributed_fact_can_be_linked_by_hand_and_unlinked(
    ctx: Context, prosecutor: Actor, seed: Seed
) -> None:
    s = seed()
    s.ingest(ctx, prosecutor, "note.txt", "Somebody took my passport when I arrived and kept it.\n")
    result = elements.assess(ctx, prosecutor, s.reference)
    assert result.unattributed and _means(ctx, prosecutor, s.reference).status == "missing"
    fact = result.unattributed[0]
    link_id = elements.link_fact(
        ctx, prosecutor, s.reference, suspect_id=s.suspect_id, statute_id="palermo-art3",
        element_id="means", concept=fact.concept, assertion_id=fact.assertion_id,
    )  # fmt: skip
    means = _means(ctx, prosecutor, s.reference)
    assert means.status == "single_source"
    assert means.confirmed[0].link_id == link_id and means.confirmed[0].origin == "human"
    elements.unlink(ctx, prosecutor, s.reference, link_id)
    assert _means(ctx, prosecutor, s.reference).status == "missing"
    links = elements.assess(ctx, prosecutor, s.reference).links
    assert [(link.id, link.status, link.decided_by) for link in links] == [
        (link_id, "rejected", "prosecutor")
    ]
    with ctx.db.session() as session:
        from sqlalchemy import select

        from palermo.store.models import AuditEntry

        actions = list(session.scalars(select(AuditEntry.action).order_by(AuditEntry.seq)))
    assert "element.link" in actions and "element.unlink" in actions


def test_statutes_under_consideration(ctx: Context, prosecutor: Actor, seed: Seed) -> None:
    s = seed()
    now = elements.set_statutes(
        ctx, prosecutor, s.reference, s.suspect_id, ["palermo-art3", "uk-msa-s2"]
    )
    assert now == ["palermo-art3", "uk-msa-s2"]
    result = elements.assess(ctx, prosecutor, s.reference)
    by_id = {st.statute_id: st for st in result.suspects[0].statutes}
    assert by_id["uk-msa-s2"].charge_status == "considered"
    assert by_id["uk-msa-s2"].warning  # a UK statute in a US case
    assert by_id["palermo-art3"].warning is None
    # The filed charge stays; the considered one goes.
    assert elements.set_statutes(ctx, prosecutor, s.reference, s.suspect_id, []) == ["palermo-art3"]
