"""The bundled rates that the ECB does not publish are derived, as the data files say,
from the Federal Reserve's G.5A annual averages and published pegs; recomputed here."""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Decimal

import yaml

from palermo.law.money import HERE, load_exchange_rates


def _five_significant(value: Decimal) -> Decimal:
    return value.quantize(Decimal(1).scaleb(value.adjusted() - 4), rounding=ROUND_HALF_EVEN)


def test_derived_rates_match_their_published_sources() -> None:
    fed = yaml.safe_load((HERE / "fed_g5a_annual.yaml").read_text(encoding="utf-8"))
    table = load_exchange_rates()
    usd_per_eur = fed["rates"]["EUR"]
    checked = 0
    for code, source in table.sources.items():
        years = table.rates[code]
        for year, rate in years.items():
            if code in fed["pegs"]:
                expected = Decimal(str(fed["pegs"][code]["rate"])) * table.rates["USD"][year]
            else:
                per_usd = Decimal(str(fed["rates"][code][year]))
                eur = Decimal(str(usd_per_eur[year]))
                expected = eur / per_usd if code in fed["usd_per_unit"] else per_usd * eur
            assert rate == _five_significant(expected), (code, year)
            checked += 1
        assert source["label"] in ("Fed G.5A", f"{code} peg")
    assert checked > 60


def test_currencies_the_issue_found_missing_now_have_rates() -> None:
    table = load_exchange_rates()
    for code in ("SAR", "CAD", "AUD", "BRL", "USDT", "USDC"):
        rate = table.rate(code, 2023)
        assert rate is not None and rate.label != "ECB", code
    # Still without a bundled source: counted out until a user loads rates.
    for code in ("ILS", "RUB", "BTC", "ETH"):
        assert table.rate(code, 2023) is None
