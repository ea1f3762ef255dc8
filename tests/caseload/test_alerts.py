from datetime import date

from palermo.caseload import alerts
from palermo.caseload.records import CaseInfo, DeadlineInfo, HearingInfo, WitnessInfo
from palermo.caseload.targets import Targets, default_targets, targets_for

TODAY = date(2024, 3, 1)


def test_targets_defaults_and_unit_override() -> None:
    t = default_targets()
    assert t.max_days_between_hearings == 14
    assert t.decision_within_days_of_arraignment == 180
    o = targets_for(
        {"caseload_targets": {"max_days_between_hearings": 7, "max_days_in_stage": {"trial": 200}}}
    )
    assert o.max_days_between_hearings == 7
    assert o.max_days_in_stage["trial"] == 200
    assert o.max_days_in_stage["investigation"] == t.max_days_in_stage["investigation"]
    assert targets_for({}) == t


def test_unit_override_is_validated() -> None:
    import pytest
    from pydantic import ValidationError

    with pytest.raises(ValidationError):
        targets_for({"caseload_targets": {"max_days_between_hearings": 0}})
    with pytest.raises(ValidationError):
        targets_for({"caseload_targets": {"no_such_target": 1}})


def test_upcoming_hearings_window() -> None:
    hs = [
        HearingInfo(1, date(2024, 3, 15), "trial"),
        HearingInfo(2, date(2024, 3, 16), "trial"),
        HearingInfo(3, date(2024, 2, 29), "trial"),
        HearingInfo(4, TODAY, "pre_trial"),
    ]
    got = alerts.upcoming_hearings(hs, TODAY, 14)
    assert [h.case_id for h in got] == [4, 1]


def test_over_target_reasons() -> None:
    t = Targets(max_days_in_stage={"investigation": 365})
    cases = [
        # trial: hearings 2024-01-02, 01-10, 02-05 (26 days gap), next 2024-03-05
        CaseInfo(1, "A", "trial", charged_on=date(2023, 12, 1), arraigned_on=date(2023, 12, 10)),
        # in time: 6-day gaps, next hearing within 14 days
        CaseInfo(2, "B", "trial", charged_on=date(2024, 2, 1), arraigned_on=date(2024, 2, 10)),
        # long investigation
        CaseInfo(3, "C", "investigation", opened_on=date(2022, 1, 1), stage_since=date(2022, 6, 1)),
        # decided: no decision alert
        CaseInfo(4, "D", "sentencing", charged_on=date(2020, 1, 1)),
    ]
    hs = [
        HearingInfo(1, date(2024, 1, 2), "trial"),
        HearingInfo(1, date(2024, 1, 10), "trial"),
        HearingInfo(1, date(2024, 2, 5), "trial"),
        HearingInfo(1, date(2024, 3, 5), "trial"),
        HearingInfo(2, date(2024, 2, 18), "trial"),
        HearingInfo(2, date(2024, 2, 24), "trial"),
        HearingInfo(2, date(2024, 3, 1), "trial"),
        HearingInfo(2, date(2024, 3, 7), "trial"),
    ]
    got = {o.case_id: o.reasons for o in alerts.over_target(cases, hs, t, TODAY)}
    assert set(got) == {1, 3}
    # 2024-02-05 -> 2024-03-05 is 29 days
    assert got[1][0] == "29 days between hearings (2024-02-05 to 2024-03-05); target 14"
    # arraigned 2023-12-10, today 2024-03-01: 82 days, under 180
    assert len(got[1]) == 1
    # 2022-06-01 -> 2024-03-01 = 639 days
    assert got[3] == ("639 days in stage investigation; target 365",)


def test_no_next_hearing_counts_to_today_and_180_day_decision() -> None:
    t = Targets()
    case = CaseInfo(1, "A", "pre_trial", charged_on=date(2023, 6, 1))
    hs = [HearingInfo(1, date(2024, 2, 1), "pre_trial")]
    (o,) = alerts.over_target([case], hs, t, TODAY)
    assert o.reasons == (
        "29 days between hearings (2024-02-01 to today); target 14",
        # 2023-06-01 -> 2024-03-01 = 274 days
        "no decision 274 days after arraignment on 2023-06-01; target 180",
    )


def test_deadline_alerts_urgent_kinds_first() -> None:
    ds = [
        DeadlineInfo(1, "evidence", date(2024, 2, 20)),
        DeadlineInfo(2, "custody_limit", date(2024, 3, 6)),
        DeadlineInfo(3, "foreign_request", date(2024, 3, 30)),  # too far
        DeadlineInfo(4, "other", date(2024, 2, 1), done=True),
    ]
    got = alerts.deadline_alerts(ds, TODAY, 7)
    assert [(a.deadline.case_id, a.days_left, a.status) for a in got] == [
        (2, 5, "due_soon"),
        (1, -10, "overdue"),
    ]


def test_adjournments_who_asks() -> None:
    hs = [
        HearingInfo(1, date(2024, 1, i + 1), "trial", adjourned=True, requested_by=p)
        for i, p in enumerate(["defence"] * 5 + ["court", "prosecution"])
    ]
    hs += [
        HearingInfo(1, date(2024, 2, 1), "trial"),
        HearingInfo(1, date(2024, 2, 2), "trial", adjourned=True),
    ]
    summary = alerts.adjournments(hs)
    assert summary.total == 8 and summary.hearings == 9
    assert summary.by_party == {"defence": 5, "court": 1, "prosecution": 1, "other": 1}
    assert summary.sentences()[0] == "defence requested 5 of 8 adjournments"
    assert summary.share("defence") == 5 / 8
    by_case = alerts.adjournments_by_case(hs[:7])
    assert by_case[1].sentences()[0] == "defence requested 5 of 7 adjournments"


def test_witness_risk_reasons_and_levels() -> None:
    w = WitnessInfo(
        7,
        1,
        "V1",
        last_contact_on=date(2024, 1, 1),
        repatriated=True,
        intimidation_reports=2,
        consent_to_testify=False,
        consent_withdrawn_on=date(2024, 2, 1),
        support_ended=(("shelter", date(2023, 12, 1)),),
        support_active=False,
    )
    r = alerts.witness_risk(w, TODAY, no_contact_weeks=4)
    assert r.level == "high"
    assert r.score == 3 + 3 + 2 + 2 + 1
    # 2024-01-01 -> 2024-03-01 = 60 days = 8 weeks
    assert r.reasons == (
        "intimidation reported (2)",
        "consent to testify withdrawn on 2024-02-01",
        "no contact for 8 weeks (last 2024-01-01)",
        "repatriated",
        "support ended (shelter on 2023-12-01), none active",
    )
    fine = WitnessInfo(
        8,
        1,
        "V2",
        last_contact_on=date(2024, 2, 20),
        support_active=True,
        support_ended=(("medical", date(2023, 1, 1)),),
    )
    assert alerts.witness_risk(fine, TODAY).level == "low"
    assert alerts.witness_risk(fine, TODAY).reasons == ()
    medium = WitnessInfo(9, 1, "V3", last_contact_on=None)
    assert alerts.witness_risk(medium, TODAY).level == "medium"
    got = alerts.at_risk_witnesses([fine, medium, w], TODAY)
    assert [x.person_id for x in got] == [7, 9]
