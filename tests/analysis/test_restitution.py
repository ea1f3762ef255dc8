"""18 U.S.C. 1593 restitution worksheet on worked examples computed by hand."""

from __future__ import annotations

import csv
import io
from datetime import date
from decimal import Decimal
from pathlib import Path

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
    body = [r for r in rows if r["Row"] != "Note"]
    assert len(body) == len(ws.rows)
    assert body[-1]["Value"] == f"{ws.total:.2f}"
    assert "greater of" in body[-1]["Formula"]
    assert "not checked against primary source" in body[0]["Inputs"]


def test_bad_inputs_are_refused() -> None:
    with pytest.raises(ValueError):
        WorkPeriod(date(2023, 2, 1), date(2023, 1, 1), 40)
    with pytest.raises(ValueError, match="no minimum-wage rate"):
        flsa_value([WorkPeriod(date(1990, 1, 1), date(1990, 1, 7), 40)])
    with pytest.raises(KeyError):
        flsa_value([WorkPeriod(date(2023, 1, 1), date(2023, 1, 7), 40)], "Atlantis")
    assert "US-federal" in load_wages().jurisdictions


# -- restitution per jurisdiction ------------------------------------------------------------


def test_each_jurisdiction_picks_its_own_law_currency_paper_and_dates() -> None:
    from palermo.law.restitution import format_day, regime_for, wage_table_for

    us, uk, eu = regime_for("US"), regime_for("UK"), regime_for("EU")
    assert us is not None and uk is not None and eu is not None
    assert (us.main.citation, us.currency, us.paper) == ("18 U.S.C. 1593", "USD", "letter")
    assert (uk.currency, uk.paper, uk.wage_table) == ("GBP", "A4", "UK-NLW")
    assert [s.citation for s in uk.schemes] == [
        "Modern Slavery Act 2015 ss. 8-10",
        "Sentencing Act 2020 ss. 133-134",
    ]
    assert (eu.main.citation, eu.currency) == ("Directive 2011/36/EU art. 17", "EUR")
    # A US state with its own table keeps it; a code nobody claims has no regime.
    assert wage_table_for(us, "US-CA") == "US-CA" and regime_for("US-CA") == us
    assert regime_for("XX") is None
    assert format_day(date(2024, 3, 2), us.date_style) == "March 2, 2024"
    assert format_day(date(2024, 3, 2), uk.date_style) == "2 March 2024"


def test_uk_reparation_guide_is_lost_earnings_at_the_living_wage_without_overtime() -> None:
    from palermo.analysis.restitution import scheme_worksheet
    from palermo.law.restitution import regime_for

    uk = regime_for("UK")
    assert uk is not None
    # 4 weeks x 60 h at GBP 11.44 (from 1 April 2024), no overtime premium in UK law:
    #   4 x 60 x 11.44 = 2,745.60; paid 400 -> loss of earnings 2,345.60.
    ws = scheme_worksheet(
        uk.main,
        victim="V-01",
        defendant="S-01",
        periods=[WorkPeriod(date(2024, 4, 1), date(2024, 4, 28), 60)],
        gross_gain=9000,
        wage_table="UK-NLW",
        wages_paid=400,
    )
    assert ws.currency == "GBP"
    assert ws.value("Value of the labour at minimum wage and overtime") == Decimal("2745.60")
    assert ws.total == Decimal("2345.60")  # the gain is shown, not added
    gain = "Gain to the defendant from the victim (for comparison, not added)"
    assert ws.value(gain) == Decimal("9000.00")
    assert "Modern Slavery Act 2015 ss. 8-10" in ws.title
    text = " ".join([ws.title, *ws.notes, *(r.label + r.formula for r in ws.rows)])
    assert "1593" not in text and "FLSA" not in text and "U.S.C." not in text


def test_us_scheme_is_the_1593_worksheet_and_national_law_computes_nothing() -> None:
    from palermo.analysis.restitution import scheme_worksheet
    from palermo.law.restitution import regime_for

    us, intl = regime_for("US"), regime_for("INTL")
    assert us is not None and intl is not None
    ws = scheme_worksheet(
        us.main,
        victim="V1",
        defendant="D1",
        periods=[WorkPeriod(date(2023, 1, 2), date(2023, 3, 12), 50)],
        gross_gain=6000,
        wage_table="US-federal",
    )
    assert ws.rows[-1].label == "Restitution under 18 U.S.C. 1593(b)(3)"
    with pytest.raises(ValueError, match=r"Palermo Protocol art\. 6"):
        scheme_worksheet(
            intl.main,
            victim="V1",
            defendant="D1",
            periods=[WorkPeriod(date(2023, 1, 2), date(2023, 3, 12), 50)],
            gross_gain=0,
            wage_table="US-federal",
        )


def test_a_malformed_regime_file_names_the_file_and_the_field(tmp_path: Path) -> None:
    from palermo.law.concepts import LawDataError
    from palermo.law.restitution import _load

    bad = tmp_path / "xx.yaml"
    bad.write_text(
        "id: xx\nlabel: X\napplies_to: [XX]\ncurrency: EUR\npaper: A4\n"
        "date_style: day-month-year\nwage_table: UK-NLW\n"
        "schemes: [{id: a, title: A, citation: A 1, method: loss_of_earnings, "
        "source: x, summary: s}]\n"
    )
    with pytest.raises(LawDataError, match=r"xx\.yaml: wage_table: 'UK-NLW' is not in EUR"):
        _load([bad])
    bad.write_text(bad.read_text().replace("loss_of_earnings", "guess"))
    with pytest.raises(LawDataError, match=r"xx\.yaml: schemes\.0\.method"):
        _load([bad])
