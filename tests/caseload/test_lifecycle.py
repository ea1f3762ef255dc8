from datetime import date
from decimal import Decimal

from palermo.caseload import lifecycle
from palermo.caseload.records import CaseInfo, Issue, OutcomeInfo, StatuteRange, TransitionInfo

CASE = CaseInfo(1, "HT-1", "trial", opened_on=date(2021, 1, 10), charged_on=date(2021, 6, 1))


def fields(issues: list[Issue]) -> list[tuple[str, str, str]]:
    return [(i.record, i.field, i.severity) for i in issues]


def test_allowed_transition_has_no_issues() -> None:
    t = TransitionInfo(1, "trial", "verdict", date(2022, 1, 5))
    assert lifecycle.check_transition("trial", t, previous_on=date(2021, 9, 1)) == []


def test_transition_not_allowed_names_field_and_allowed_stages() -> None:
    t = TransitionInfo(1, "investigation", "sentencing", date(2021, 3, 1), id=7)
    issues = lifecycle.check_transition("investigation", t)
    assert fields(issues) == [("transition 7", "to_stage", "error")]
    assert "cannot go from 'investigation' to 'sentencing'" in issues[0].message
    assert "'charged'" in issues[0].message


def test_transition_from_wrong_current_stage_and_backwards_date() -> None:
    t = TransitionInfo(1, "pre_trial", "trial", date(2021, 2, 1))
    issues = lifecycle.check_transition(
        "charged", t, previous_on=date(2021, 3, 1), opened_on=date(2021, 2, 15), record="r"
    )
    assert ("r", "from_stage", "error") in fields(issues)
    assert [i.field for i in issues if i.field == "occurred_on"] == ["occurred_on", "occurred_on"]


def test_diversion_needs_reason_and_kind() -> None:
    bad = TransitionInfo(1, None, "diverted", date(2021, 5, 1), reason=" ", diversion_kind="deal")
    assert {i.field for i in lifecycle.check_transition("investigation", bad)} == {
        "reason",
        "diversion_kind",
    }
    good = TransitionInfo(
        1, None, "diverted", date(2021, 5, 1), "victim accepted mediation", "mediation"
    )
    assert lifecycle.check_transition("investigation", good) == []


def test_reopening_closed_case_needs_reason() -> None:
    t = TransitionInfo(1, None, "investigation", date(2023, 1, 1))
    assert [i.field for i in lifecycle.check_transition("closed", t)] == ["reason"]


def test_unknown_stage_is_reported() -> None:
    t = TransitionInfo(1, None, "limbo", date(2023, 1, 1))
    issues = lifecycle.check_transition("trial", t)
    assert issues[0].field == "to_stage" and "unknown stage 'limbo'" in issues[0].message


def test_history_chain_and_final_stage() -> None:
    case = CaseInfo(1, "HT-9", "trial", opened_on=date(2020, 1, 1))
    ts = [
        TransitionInfo(1, "intake", "investigation", date(2020, 1, 5)),
        TransitionInfo(1, "investigation", "charged", date(2020, 6, 1)),
        TransitionInfo(1, "charged", "pre_trial", date(2020, 7, 1)),
    ]
    issues = lifecycle.check_history(case, ts)
    assert fields(issues) == [("case HT-9", "stage", "error")]  # last went to pre_trial
    assert (
        lifecycle.check_history(CaseInfo(1, "HT-9", "pre_trial", opened_on=date(2020, 1, 1)), ts)
        == []
    )


def test_case_dates_out_of_order() -> None:
    case = CaseInfo(
        2, "HT-2", "closed", opened_on=date(2021, 5, 1), charged_on=date(2021, 4, 1), closed_on=None
    )
    assert fields(lifecycle.check_case(case)) == [
        ("case HT-2", "charged_on", "error"),
        ("case HT-2", "closed_on", "warning"),
    ]


def test_verdict_before_charge_is_an_error_naming_record_and_field() -> None:
    o = OutcomeInfo(1, 5, "convicted", verdict_on=date(2021, 5, 1), id=12, custodial_months=60)
    issues = lifecycle.check_outcome(o, CASE)
    assert fields(issues) == [("outcome 12", "verdict_on", "error")]
    assert "before the charge on 2021-06-01" in issues[0].message


def test_sentence_without_conviction_and_sentence_before_verdict() -> None:
    o = OutcomeInfo(
        1,
        5,
        "acquitted",
        verdict_on=date(2022, 1, 1),
        sentenced_on=date(2021, 12, 1),
        custodial_months=12,
        fine_amount=Decimal(100),
        fine_currency="USD",
    )
    got = {i.field for i in lifecycle.check_outcome(o, CASE)}
    assert got == {"custodial_months", "fine_amount", "sentenced_on"}


def test_statute_range_above_max_is_error_below_min_is_warning() -> None:
    ranges = {
        "us-18-1592": StatuteRange("us-18-1592", 0, 60),
        "us-18-1591": StatuteRange("us-18-1591", 120, None),
    }
    above = OutcomeInfo(
        1, 5, "convicted", "us-18-1592", date(2022, 1, 1), id=3, custodial_months=61
    )
    issues = lifecycle.check_outcome(above, CASE, ranges)
    assert fields(issues) == [("outcome 3", "custodial_months", "error")]
    assert "61 months is above the maximum of 60 months for us-18-1592" in issues[0].message
    at_max = OutcomeInfo(1, 5, "convicted", "us-18-1592", date(2022, 1, 1), custodial_months=60)
    assert lifecycle.check_outcome(at_max, CASE, ranges) == []
    suspended = OutcomeInfo(
        1, 5, "convicted", "us-18-1591", date(2022, 1, 1), id=4, suspended_months=24
    )
    assert fields(lifecycle.check_outcome(suspended, CASE, ranges)) == [
        ("outcome 4", "custodial_months", "warning")
    ]


def test_outcome_value_checks() -> None:
    o = OutcomeInfo(
        1,
        5,
        "convicted",
        verdict_on=None,
        custodial_months=-1,
        fine_amount=Decimal(50),
        restitution_ordered=Decimal(10),
        restitution_paid=Decimal(20),
    )
    got = {(i.field, i.severity) for i in lifecycle.check_outcome(o)}
    assert got == {
        ("custodial_months", "error"),
        ("verdict_on", "error"),
        ("fine_currency", "error"),
        ("restitution_paid", "warning"),
    }
    assert lifecycle.check_outcome(OutcomeInfo(1, 5, "guilty"))[0].field == "verdict"
    assert lifecycle.check_outcome(OutcomeInfo(1, 5, "pending")) == []
