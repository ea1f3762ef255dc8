"""The pure narrative and theory builders on plain values."""

from __future__ import annotations

from datetime import datetime

from palermo.reports.facts import FactItem, statement_of_facts
from palermo.reports.theory import (
    ChargeInput,
    DefendantInput,
    ElementInput,
    Evidence,
    theory_of_the_case,
)


def _fact(concept: str, **kw: object) -> FactItem:
    base: dict[str, object] = {
        "concept": concept,
        "suspect": "Ion Popescu",
        "victim": "V-01",
        "confirmed": True,
        "quote": "words",
        "file": "statement.pdf",
        "locator": "page 2",
        "when": None,
    }
    base.update(kw)
    return FactItem(**base)  # type: ignore[arg-type]


def test_facts_run_in_case_order_group_victims_and_cite_every_sentence() -> None:
    statement = statement_of_facts(
        [
            _fact(
                "means.debt_bondage",
                quote="you owe me 3000",
                locator="row 4",
                file="messages.csv",
                when=datetime(2023, 7, 2),
            ),
            _fact("act.recruitment", quote="I have work for you", when=datetime(2023, 6, 1)),
            _fact(
                "act.recruitment",
                victim="V-02",
                file="chat.txt",
                locator="message 3",
                when=datetime(2023, 6, 5),
            ),
            _fact("means.force", confirmed=False),
            _fact("means.threat", file=None, locator=None),
            _fact("aggravating.death"),  # no template: not told
        ]
    )
    assert [p.key for p in statement.phases] == ["recruitment", "control"]
    first = statement.phases[0].sentences[0]
    assert first.text == (
        "Between 2023-06-01 and 2023-06-05, Ion Popescu recruited or enticed V-01 and V-02"
    )
    assert first.citations == ("statement.pdf, page 2", "chat.txt, message 3")
    assert first.quote == "I have work for you"
    assert statement.unconfirmed == 1 and statement.uncited == 1 and statement.no_template == 1
    assert all(s.citations for s in statement.sentences)


def test_record_descriptions_give_way_to_what_someone_said() -> None:
    statement = statement_of_facts(
        [
            _fact(
                "benefit.financial",
                quote="payment 2023-07-01 10:00: a -> b 300 USD",
                file="payments.csv",
                locator="row 9",
            ),
            _fact("benefit.financial", quote="He took all the money", locator="page 1"),
        ]
    )
    assert statement.sentences[0].quote == "He took all the money"


def _element(label: str, status: str, sources: int, *quotes: tuple[str, str]) -> ElementInput:
    return ElementInput(
        label,
        True,
        status,
        sources,
        tuple(Evidence(q, "f.pdf", "page 1", src) for q, src in quotes),
    )


def test_theory_states_weak_elements_and_one_quote_per_independent_source() -> None:
    charge = ChargeInput(
        "18 U.S.C. 1591",
        "Sex trafficking",
        "charged",
        "needs_corroboration",
        (
            _element("Act", "proved", 2, ("a", "s1"), ("b", "s1"), ("c", "s2"), ("d", "s3")),
            _element("Means", "single_source", 1, ("e", "s1")),
            _element("Commerce", "missing", 0),
        ),
    )
    considered = ChargeInput("18 U.S.C. 1592", "Documents", "considered", "not_ready", ())
    [theory] = theory_of_the_case(
        [
            DefendantInput("Ion", "Exploiter", (charge, considered)),
            DefendantInput("Ana", None, (considered,)),
        ]
    )
    assert theory.name == "Ion" and [c.citation for c in theory.charges] == ["18 U.S.C. 1591"]
    assert theory.weak == [
        "18 U.S.C. 1591: Means: only one independent source",
        "18 U.S.C. 1591: Commerce: no confirmed evidence",
    ]
    act = theory.charges[0].elements[0]
    assert [q.text for q in act.quotes] == ["a", "c"]  # two, from two independent sources


def test_before_any_charge_the_theory_covers_statutes_under_consideration() -> None:
    considered = ChargeInput("18 U.S.C. 1592", "Documents", "considered", "not_ready", ())
    theories = theory_of_the_case([DefendantInput("Ana", None, (considered,))])
    assert [(t.name, t.charges[0].status) for t in theories] == [("Ana", "considered")]
