"""18 U.S.C. 1593 restitution worksheet on worked examples computed by hand."""

from __future__ import annotations

import csv
import io
from datetime import date
from decimal import Decimal

import pytest

from palermo.analysis.restitution import WorkPeriod, flsa_value, restitution_1593
from palermo.law.money import load_wages


def test_worked_example_with_overtime_wages_paid_and_liquidated_damages() -> None:
    # 10 weeks x 50 h at $7.25 (2023):
    #   regular  10 x 40 x 7.25        = 2,900.00
    #   overtime 10 x 10 x 1.5 x 7.25  = 1,087.50
    #   value                           = 3,987.50; paid 500 -> unpaid 3,487.50
    #   liquidated damages (equal)      = 3,487.50 -> FLSA measure 6,975.00
    #   gross gain 6,000 -> restitution is the greater: 6,975.00
    ws = restitution_1593(
        victim="V1",
        defendant="D1",
        periods=[WorkPeriod(date(2023, 1, 2), date(2023, 3, 12), 50)],
        gross_gain=6000,
        wages_paid=500,
        liquidated_damages=True,
        gain_evidence=["TX1", "TX2"],
    )
    assert ws.value("Value of the labour at minimum wage and overtime") == Decimal("3987.50")
    assert ws.value("Unpaid minimum wage and overtime") == Decimal("3487.50")
    assert ws.value("FLSA measure") == Decimal("6975.00")
    assert ws.total == Decimal("6975.00")
    assert ws.rows[-1].inputs["chosen"] == "FLSA measure"
    regular = ws.rows[0]
    assert regular.inputs["weeks"] == "10" and regular.inputs["rate"] == "7.25"
    assert regular.value == Decimal("2900.00")
    assert ws.rows[1].value == Decimal("1087.50")
    gain_row = next(r for r in ws.rows if r.label.startswith("Gross income"))
    assert gain_row.inputs["evidence"] == "TX1, TX2"


def test_gross_gain_wins_when_larger() -> None:
    ws = restitution_1593(
        victim="V1",
        defendant="D1",
        periods=[WorkPeriod(date(2023, 1, 2), date(2023, 3, 12), 50)],
        gross_gain=Decimal("6000"),
        wages_paid=500,
    )
    assert ws.value("FLSA measure") == Decimal("3487.50")
    assert ws.total == Decimal("6000.00")
    assert ws.rows[-1].inputs["chosen"] == "gross gain"


def test_rate_changes_and_federal_floor() -> None:
    # California: 4 weeks at 15.50 (Dec 2023) then 4 weeks at 16.00 (Jan 2024), 40 h.
    value, ws = flsa_value([WorkPeriod(date(2023, 12, 4), date(2024, 1, 28), 40)], "US-CA")
    assert value == Decimal(4 * 40) * Decimal("15.50") + Decimal(4 * 40) * Decimal("16.00")
    assert [r.inputs.get("rate") for r in ws.rows[:2]] == ["15.50", "16.00"]
    # A period before the 2009 federal rise: 5.85 from 24 July 2007.
    v2007, _ = flsa_value([WorkPeriod(date(2007, 8, 6), date(2007, 8, 12), 40)])
    assert v2007 == Decimal("234.00")
    # Texas has no higher rate: the federal floor applies and the row says so.
    _, tx = flsa_value([WorkPeriod(date(2024, 1, 1), date(2024, 1, 7), 40)], "US-TX")
    assert tx.rows[0].inputs["rate"] == "7.25"


def test_partial_week_and_uk_without_overtime() -> None:
    # 10 days at 70 h/week: one week of 70 h and a 3-day week of 30 h (no overtime there).
    value, _ = flsa_value([WorkPeriod(date(2023, 1, 2), date(2023, 1, 11), 70)])
    assert value == Decimal("7.25") * (40 + 30 * Decimal("1.5") + 30)
    # UK National Living Wage 2024-25: 11.44/h for every hour, no overtime premium.
    uk, ws = flsa_value([WorkPeriod(date(2024, 4, 8), date(2024, 4, 21), 50)], "UK-NLW")
    assert uk == Decimal("1144.00")
    assert any("no statutory overtime premium" in n for n in ws.notes)


def test_csv_export_has_every_row_with_formula_and_inputs() -> None:
    ws = restitution_1593(
        victim="V1",
        defendant="D1",
        periods=[WorkPeriod(date(2023, 1, 2), date(2023, 1, 8), 45)],
        gross_gain=100,
    )
    rows = list(csv.DictReader(io.StringIO(ws.to_csv())))
    body = [r for r in rows if r["label"] != "note"]
    assert len(body) == len(ws.rows)
    assert body[-1]["value"] == f"{ws.total:.2f}"
    assert "greater of" in body[-1]["formula"]
    assert "not checked against primary source" in body[0]["inputs"]


def test_bad_inputs_are_refused() -> None:
    with pytest.raises(ValueError):
        WorkPeriod(date(2023, 2, 1), date(2023, 1, 1), 40)
    with pytest.raises(ValueError, match="no minimum-wage rate"):
        flsa_value([WorkPeriod(date(1990, 1, 1), date(1990, 1, 7), 40)])
    with pytest.raises(KeyError):
        flsa_value([WorkPeriod(date(2023, 1, 1), date(2023, 1, 7), 40)], "Atlantis")
    assert "US-federal" in load_wages().jurisdictions
