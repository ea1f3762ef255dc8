"""Currency conversion with a rate table as data, and what flow analysis leaves out."""

from __future__ import annotations

import math
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import numpy as np
import pytest

from palermo.analysis.currency import (
    UNDATED,
    amounts_for_flows,
    convert_columns,
    convert_payments,
    usable_payments,
)
from palermo.analysis.data import CaseBuilder, CaseData
from palermo.analysis.money import prepare, trace
from palermo.law.concepts import LawDataError
from palermo.law.money import ExchangeRates, load_exchange_rates

UNCHECKED = " The ECB rates are not yet checked against the official publication."


def _case(rows: list[tuple[str, str, float, str]]) -> CaseData:
    """(id, date, amount, currency) payments from account A to account B."""
    b = CaseBuilder()
    ids, days, amounts, currencies = zip(*rows, strict=True)
    b.add_payments(ids, days, ["A"] * len(ids), ["B"] * len(ids), amounts, currencies)
    return b.build()


def _table(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "rates.yaml"
    path.write_text(text, encoding="utf-8")
    return path


# --- the rate table ------------------------------------------------------------------------


def test_bundled_table_covers_the_currencies_and_years() -> None:
    table = load_exchange_rates()
    assert (table.base, table.label, table.checked) == ("EUR", "ECB", False)
    wanted = [
        "USD",
        "GBP",
        "RON",
        "BGN",
        "PLN",
        "HUF",
        "CZK",
        "CHF",
        "SEK",
        "NOK",
        "DKK",
        "TRY",
        "MXN",
        "PHP",
        "THB",
        "INR",
        "CNY",
        "JPY",
    ]
    for code in wanted:
        assert sorted(table.rates[code]) == list(range(2019, 2025)), code
    assert table.rates["RON"][2023] == Decimal("4.9467")
    assert set(table.rates["BGN"].values()) == {Decimal("1.9558")}  # pegged
    eur = table.rate("EUR", 2023)
    assert eur is not None and eur.rate == 1 and not eur.nearest


def test_rate_lookup_nearest_year_and_gaps(tmp_path: Path) -> None:
    table = load_exchange_rates(
        _table(
            tmp_path,
            "label: Test\nsource: hand-made\nrates:\n  RON: {2019: 4.0, 2021: 5.0}\n",
        )
    )
    assert table.checked is False and table.base == "EUR"
    exact = table.rate("RON", 2019)
    assert exact is not None and (exact.year, exact.rate, exact.nearest) == (2019, 4, False)
    after = table.rate("RON", 2030)
    assert after is not None and (after.year, after.asked, after.nearest) == (2021, 2030, True)
    before = table.rate("RON", 1999)
    assert before is not None and before.year == 2019
    assert table.rate("RON", 2020) is None  # a gap is not guessed
    assert table.rate("XYZ", 2020) is None


@pytest.mark.parametrize(
    ("text", "key", "words"),
    [
        ("label: T\nsource: s\nrates:\n  ron: {2020: 4.0}\n", "rates", "ISO 4217"),
        ("label: T\nsource: s\nrates:\n  RON: {2020: -4.0}\n", "rates.RON.2020", "greater than"),
        ("label: T\nsource: s\nrates:\n  RON: {20: 4.0}\n", "rates", "plausible year"),
        ("label: T\nsource: s\nrates:\n  EUR: {2020: 2.0}\n", "(file)", "base"),
        ("source: s\nrates: {}\n", "label", "required"),
    ],
)
def test_a_malformed_table_names_file_and_key(
    tmp_path: Path, text: str, key: str, words: str
) -> None:
    path = _table(tmp_path, text)
    with pytest.raises(LawDataError) as caught:
        load_exchange_rates(path)
    error = caught.value
    assert error.file == str(path)
    assert error.key == key or (key == "(file)" and error.key == ""), error
    assert words in error.reason


# --- conversion -----------------------------------------------------------------------------


def test_ron_converted_to_eur_with_the_rate_named() -> None:
    case = _case(
        [
            ("P1", "2023-03-01", 494.67, "RON"),  # 494.67 / 4.9467 = 100.00 EUR
            ("P2", "2023-06-01", 989.34, "RON"),  # 200.00 EUR
            ("P3", "2023-06-01", 50.00, "EUR"),
            ("P4", "2023-07-01", 300.00, "XYZ"),
            ("P5", "2022-07-01", 600.00, "XYZ"),
            ("P6", "2023-08-01", 10.00, "EUR"),
            ("P7", "2023-08-02", 20.00, "EUR"),
            ("P8", "2023-08-03", 30.00, "EUR"),
        ]
    )
    conv = convert_payments(case, target="EUR")
    assert conv.target == "EUR"
    np.testing.assert_allclose(
        conv.amounts, [100.0, 200.0, 50.0, np.nan, np.nan, 10.0, 20.0, 30.0], equal_nan=True
    )
    assert conv.mask.tolist() == [True, True, True, False, False, True, True, True]
    report = conv.report
    assert (report.payments, report.converted, report.excluded) == (6, 2, 2)
    assert report.total == pytest.approx(410.0)
    ron = next(line for line in report.lines if line.currency == "RON")
    assert (ron.payments, ron.total, ron.excluded) == (2, pytest.approx(1484.01), 0)
    (use,) = ron.uses
    assert (use.source_year, use.source_rate, use.target_year) == (2023, Decimal("4.9467"), None)
    assert use.rate_text() == "4.9467 RON per EUR" and use.label == "ECB"
    assert "European Central Bank" in use.source
    xyz = next(line for line in report.lines if line.currency == "XYZ")
    assert (xyz.payments, xyz.excluded, xyz.excluded_total, xyz.reasons) == (
        0,
        2,
        900.0,
        ("no rate",),
    )
    assert report.summary() == (
        "Converted 2 RON payments to EUR at the ECB 2023 annual average (4.9467 RON per EUR); "
        "4 payments already in EUR; excluded 2 XYZ payments (total 900.00 XYZ): no rate."
        + UNCHECKED
    )


def test_default_target_is_the_most_common_currency() -> None:
    case = _case(
        [
            ("P1", "2023-03-01", 494.67, "RON"),
            ("P2", "2023-03-01", 494.67, "RON"),
            ("P3", "2023-03-01", 100.0, "EUR"),
        ]
    )
    conv = convert_payments(case)
    # 100 EUR = 494.67 RON at the 2023 average.
    assert conv.target == "RON"
    np.testing.assert_allclose(conv.amounts, [494.67, 494.67, 494.67])
    assert conv.report.summary() == (
        "Converted 1 EUR payment to RON at the ECB 2023 annual average (4.9467 RON per EUR); "
        "2 payments already in RON." + UNCHECKED
    )
    tie = _case([("P1", "2023-03-01", 1.0, "USD"), ("P2", "2023-03-01", 1.0, "GBP")])
    assert convert_payments(tie).target == "GBP"  # a tie goes to the first code


def test_cross_rate_and_nearest_year_are_said() -> None:
    case = _case(
        [
            ("P1", "2023-03-01", 494.67, "RON"),  # 100 EUR = 108.13 USD in 2023
            ("P2", "2025-02-01", 497.46, "RON"),  # 2025 not listed: 2024, 100 EUR = 108.24 USD
            ("P3", "2023-03-01", 100.00, "EUR"),  # 108.13 USD
        ]
    )
    conv = convert_payments(case, target="USD")
    np.testing.assert_allclose(conv.amounts, [108.13, 108.24, 108.13])
    ron = next(line for line in conv.report.lines if line.currency == "RON")
    assert [(u.source_year, u.target_year, u.nearest_years) for u in ron.uses] == [
        (2023, 2023, ()),
        (2024, 2024, (2025,)),
    ]
    assert conv.report.summary() == (
        "Converted 2 RON payments to USD at the ECB annual averages of 2023 (1 payment, "
        "4.9467 RON and 1.0813 USD per EUR) and 2024 (1 payment, 4.9746 RON and 1.0824 USD "
        "per EUR; 1 payment dated 2025: nearest year in the table); converted 1 EUR payment "
        "to USD at the ECB 2023 annual average (1.0813 USD per EUR)." + UNCHECKED
    )


def test_a_missing_year_for_a_currency_is_excluded_not_guessed(tmp_path: Path) -> None:
    table = ExchangeRates.model_validate(
        {"label": "Mine", "source": "s", "checked": True, "rates": {"RON": {2019: 4, 2021: 5}}}
    )
    case = _case(
        [
            ("P1", "2019-05-01", 40.0, "RON"),
            ("P2", "2020-05-01", 45.0, "RON"),
            ("P3", "2021-05-01", 50.0, "RON"),
            ("P4", "2021-05-01", 1.0, "EUR"),
            ("P5", "2021-05-01", 2.0, "EUR"),
            ("P6", "2021-05-01", 3.0, "EUR"),
        ]
    )
    conv = convert_payments(case, table, "EUR")
    np.testing.assert_allclose(conv.amounts, [10.0, np.nan, 10.0, 1, 2, 3], equal_nan=True)
    assert conv.report.summary() == (
        "Converted 2 RON payments to EUR at the Mine annual averages of 2019 (1 payment, "
        "4 RON per EUR) and 2021 (1 payment, 5 RON per EUR); 3 payments already in EUR; "
        "excluded 1 RON payment (total 45.00 RON): no rate for 2020."
    )


def test_payments_without_a_currency_are_never_mixed_in() -> None:
    case = _case(
        [
            ("P1", "2023-03-01", 10.0, "EUR"),
            ("P2", "2023-03-01", 20.0, "EUR"),
            ("P3", "2023-03-01", 30.0, ""),
        ]
    )
    conv = convert_payments(case)
    assert conv.mask.tolist() == [True, True, False]
    assert conv.report.summary() == (
        "All 2 payments in EUR, nothing converted; excluded 1 payment (total 30.00): "
        "no currency given."
    )
    told = convert_payments(case, missing_currency="EUR")
    assert told.mask.all() and told.report.assumed == 1
    assert told.report.summary() == (
        "All 3 payments in EUR, nothing converted; 1 payment with no currency given taken "
        "to be in EUR, as instructed."
    )
    unknown = _case([("P1", "2023-03-01", 10.0, ""), ("P2", "2023-03-01", 5.0, "")])
    conv = convert_payments(unknown)
    assert conv.target == "" and conv.mask.all()
    assert conv.report.summary() == (
        "2 payments with no currency given, taken to be all in the same currency."
    )


def test_undated_foreign_payment_has_no_year_for_a_rate() -> None:
    amount = np.array([494.67, 10.0, 5.0])
    conv = convert_columns(
        amount, np.array([0, 1, 1]), ["RON", "EUR"], np.array([UNDATED, UNDATED, 0]), None, "EUR"
    )
    assert conv.mask.tolist() == [False, True, True]  # EUR needs no rate, even undated
    (ron,) = [line for line in conv.report.lines if line.currency == "RON"]
    assert ron.reasons == ("undated, so no year for the rate",)


def test_vectorised_conversion_matches_a_per_payment_reference() -> None:
    rng = np.random.default_rng(7)
    codes = ["EUR", "RON", "USD", "JPY", "XYZ", ""]
    n = 20_000
    cur = rng.integers(0, len(codes), n)
    t = rng.integers(
        int(datetime(2017, 1, 1, tzinfo=UTC).timestamp()),
        int(datetime(2027, 1, 1, tzinfo=UTC).timestamp()),
        n,
    )
    amount = np.round(rng.uniform(1, 5000, n), 2)
    rows = rng.random(n) < 0.9
    table = load_exchange_rates()
    conv = convert_columns(amount, cur, codes, t, table, "USD", rows=rows)
    for i in range(0, n, 7):
        got = conv.amounts[i]
        year = datetime.fromtimestamp(int(t[i]), UTC).year
        code = codes[cur[i]]
        source, goal = table.rate(code, year), table.rate("USD", year)
        if not rows[i] or code in ("XYZ", "") or source is None or goal is None:
            assert math.isnan(got) and not conv.mask[i]
        else:
            want = amount[i] / float(source.rate) * float(goal.rate)
            assert got == pytest.approx(want, rel=1e-12) and conv.mask[i]
    assert conv.report.payments == int(conv.mask.sum())
    assert conv.report.payments + conv.report.excluded == int(rows.sum())
    assert conv.report.total == pytest.approx(float(np.nansum(conv.amounts)))


# --- what flow analysis leaves out ---------------------------------------------------------


def test_unusable_payments_are_counted_and_left_out_of_flows() -> None:
    b = CaseBuilder()
    ids = ["P1", "P2", "P3", "P4", "P5", "P6", "P7"]
    day = 1_677_628_800  # 2023-03-01 in epoch seconds; P6 is undated (0)
    when = [day, day + 1, day + 2, day + 3, day + 4, UNDATED, day + 6]
    amounts = [100.0, 0.0, -40.0, -2.5, 494.67, 70.0, float("nan")]
    currencies = ["EUR", "EUR", "EUR", "RON", "RON", "EUR", "EUR"]
    b.add_payments(ids, when, ["A"] * 7, ["B"] * 7, amounts, currencies)
    case = b.build()
    unusable = usable_payments(case)
    assert unusable.usable.tolist() == [True, False, False, False, True, False, False]
    assert (unusable.zero, unusable.negative, unusable.undated, unusable.no_amount) == (
        1,
        2,
        1,
        1,
    )
    assert unusable.negative_totals == (("EUR", -40.0), ("RON", -2.5))
    assert unusable.summary() == (
        "Left out of money flows: 1 payment with a zero amount, 2 payments with a negative "
        "amount (refunds or reversals; totals -40.00 EUR, -2.50 RON), 1 undated payment and "
        "1 payment with no usable amount."
    )

    conv = amounts_for_flows(case)
    assert conv.target == "EUR"  # among the usable payments: 1 EUR, 1 RON; tie -> EUR
    np.testing.assert_allclose(
        conv.amounts, [100.0, np.nan, np.nan, np.nan, 100.0, np.nan, np.nan], equal_nan=True
    )
    assert conv.report.summary() == (
        "Converted 1 RON payment to EUR at the ECB 2023 annual average (4.9467 RON per EUR); "
        "1 payment already in EUR." + UNCHECKED + " " + unusable.summary()
    )


def test_applied_conversion_gives_flows_in_one_currency() -> None:
    b = CaseBuilder()
    b.add_payments(
        ["P1", "P2", "P3", "P4"],
        ["2023-03-01", "2023-03-02", "2023-03-03", "2023-03-04"],
        ["A", "B", "B", "B"],
        ["B", "C", "C", "D"],
        [100.0, 247.335, -10.0, 900.0],
        ["EUR", "RON", "EUR", "XYZ"],
    )
    case = b.build()
    assert prepare(case).mixed_currency  # before: RON, EUR and XYZ side by side
    conv = amounts_for_flows(case, target="EUR")
    flows_case = conv.apply(case)
    p = flows_case.payments
    assert list(p.ids) == ["P1", "P2"] and p.ids[1] == "P2"
    np.testing.assert_allclose(p.amount, [100.0, 50.0])
    assert {flows_case.currencies.keys[c] for c in p.currency.tolist()} == {"EUR"}
    assert not prepare(flows_case).mixed_currency
    flows = trace(flows_case, ["account:A"])
    assert not any("currencies" in note for note in flows.notes)
    assert len(case.payments) == 4  # the original case is untouched
    with pytest.raises(ValueError, match="conversion is for 4 payments"):
        conv.apply(_case([("Q1", "2023-01-01", 1.0, "EUR")]))


def test_absurd_dates_take_the_nearest_year_and_say_so() -> None:
    # Year 1 and a year far in the future: the slow, general paths for years and groups.
    year_1 = int(np.datetime64("0001-06-01T00:00:00", "s").astype(np.int64))
    far = int(np.datetime64("2000-01-01T00:00:00", "s").astype(np.int64)) * 2000
    conv = convert_columns(
        np.array([494.67, 497.46, 5.0]),
        np.array([0, 0, 1]),
        ["RON", "EUR"],
        np.array([year_1, far, year_1]),
        None,
        "EUR",
    )
    np.testing.assert_allclose(conv.amounts, [494.67 / 4.7453, 100.0, 5.0])
    (ron,) = [line for line in conv.report.lines if line.currency == "RON"]
    assert [(u.source_year, u.nearest_years) for u in ron.uses] == [
        (2019, (1,)),
        (2024, (int(np.datetime64(far, "s").astype("datetime64[Y]").astype(np.int64)) + 1970,)),
    ]
