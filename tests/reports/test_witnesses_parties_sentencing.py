"""The memo's witnesses, other culpable parties and sentencing position, as pure functions
over plain values."""

from __future__ import annotations

from palermo.reports.sentencing import (
    ChargeLine,
    PastOutcome,
    Range,
    sentencing_position,
    similar_outcomes,
)
from palermo.reports.uncharged import (
    ElementNeed,
    StatuteElement,
    UnchargedInput,
    elements_from_role,
    uncharged_parties,
)
from palermo.reports.witnesses import WitnessCare, WitnessFact, WitnessInput, witnesses


def _fact(concept: str, suspect: str, victim: str | None, source: str, row: int) -> WitnessFact:
    return WitnessFact(concept, suspect, victim, source, "f.csv", f"row {row}", ("Means",))


def test_witnesses_prove_what_their_statements_show_and_are_corroborated_by_others() -> None:
    facts = [
        _fact("Threat", "Dragan", "V-01", "statement:V-01", 1),
        _fact("Threat", "Dragan", "V-01", "statement:V-01", 2),
        _fact("Debt bondage", "Dragan", "V-01", "statement:V-01", 3),
        _fact("Threat", "Dragan", "V-01", "file:chat", 4),  # corroborates V-01
        _fact("Threat", "Dragan", None, "statement:W-01", 5),  # the witness saw it too
        _fact("Threat", "Dragan", "V-02", "statement:V-02", 6),  # V-02 stands alone
    ]
    care = WitnessCare("high", ("intimidation reported (1)",), True, intimidation=1)
    entries = witnesses(
        [
            WitnessInput("W-01", "Ann Shaw", "witness"),
            WitnessInput("V-02", "V-02", "victim"),
            WitnessInput("V-01", "V-01", "victim", care=care),
        ],
        facts,
    )
    assert [e.name for e in entries] == ["V-01", "V-02", "Ann Shaw"]  # victims first
    v1, v2, w1 = entries
    assert v1.own_facts == 3 and v1.proves[0].what == "Threat (Dragan)"
    assert v1.proves[0].cites == ("f.csv, row 1", "f.csv, row 2") and v1.proves[0].facts == 2
    assert v1.corroborating_sources == 1 and v1.corroboration == ("f.csv, row 4",)
    assert v1.care is care and not v1.uncorroborated
    assert v2.own_facts == 1 and v2.corroborating_sources == 0 and v2.uncorroborated
    # The witness: corroborated by each other source showing a threat by Dragan (three:
    # V-01's statements count as one).
    assert w1.own_facts == 1 and w1.corroborating_sources == 3


def test_uncharged_parties_say_what_is_supported_and_what_would_close_each_gap() -> None:
    statute = (
        StatuteElement("Act", True, ("act.recruitment",), ("the job offer",)),
        StatuteElement("Means", True, ("means.threat",), ("a co-worker's statement",)),
        StatuteElement("Aggravation", False, ("victim.minor",), ()),
    )
    from_role = elements_from_role(["act.recruitment"], statute)
    assert [(e.label, e.status) for e in from_role] == [("Act", "role"), ("Means", "missing")]
    entries = uncharged_parties(
        [
            UnchargedInput("Buyer B", "other", ("Buyer (0.55)",), "s.1", from_role),
            UnchargedInput(
                "Suspect S",
                "suspect",
                (),
                "s.1",
                (
                    ElementNeed("Act", True, "proved", 3, ()),
                    ElementNeed("Means", True, "single_source", 1, ()),
                ),
            ),
        ]
    )
    # Nearest to a charge first: the suspect has every required element supported.
    assert [e.name for e in entries] == ["Suspect S", "Buyer B"]
    assert entries[0].chargeable and entries[0].supported == (
        "Act: proved, 3 sources",
        "Means: one source, 1 source",
    )
    buyer = entries[1]
    assert not buyer.chargeable
    assert buyer.needed == (("Means", "no evidence", ("a co-worker's statement",)),)


def test_sentencing_sets_each_charge_against_its_range_and_the_units_outcomes() -> None:
    outcomes = [
        PastOutcome(1, "us-18-1591", "convicted", 180),
        PastOutcome(2, "us-18-1591", "convicted", 240),
        PastOutcome(2, "us-18-1591", "convicted", 0),  # convicted, no custody
        PastOutcome(3, "us-18-1591", "acquitted", None),
        PastOutcome(9, "us-18-1591", "convicted", 600),  # this case: left out
        PastOutcome(4, "us-18-1592", "convicted", 30),
    ]
    similar = similar_outcomes(outcomes, "us-18-1591", exclude_case=9)
    assert (similar.convictions, similar.custodial) == (3, 2)
    assert similar.median_months == 210.0 and similar.mean_months == 210.0
    ranges = {"us-18-1591": Range(120, None, True), "us-18-1592": Range(0, 60, False)}
    lines = sentencing_position(
        [
            ChargeLine("S-02", "us-18-1592", "18 U.S.C. 1592", "considered"),
            ChargeLine("S-01", "us-18-1591", "18 U.S.C. 1591", "charged"),
            ChargeLine("S-03", "us-18-1591", "18 U.S.C. 1591", "charged"),
            ChargeLine("S-04", "palermo-art3", "Palermo Protocol art. 3", "charged"),
        ],
        ranges,
        outcomes,
        case_id=9,
    )
    assert [line.statute_id for line in lines] == ["us-18-1591", "palermo-art3", "us-18-1592"]
    assert lines[0].defendants == ("S-01", "S-03") and lines[0].range is ranges["us-18-1591"]
    assert lines[0].range.text == "120 months minimum, up to life"
    assert lines[1].range is None  # a definition with no penalty of its own
    assert lines[2].range is not None and lines[2].range.text == "no minimum, up to 60 months"
    assert lines[2].similar is not None and lines[2].similar.median_months == 30.0
    # A reader without the statistics permission sees no caseload figures.
    hidden = sentencing_position(
        [ChargeLine("S-01", "us-18-1591", "18 U.S.C. 1591", "charged")], ranges, None
    )
    assert hidden[0].similar is None
