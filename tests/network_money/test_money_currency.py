"""Payments in several currencies: the Money tab converts them at the bundled annual rates
and says so, leaves out what has no rate, and the restitution gain is in the wages'
currency. Never a silent mix."""

from __future__ import annotations

from pathlib import Path

import pytest

from palermo.law.money import load_exchange_rates
from palermo.security.permissions import Actor
from palermo.services import cases
from palermo.services.context import Context
from palermo.services.ingest import ingest_path
from palermo.services.money import money_view, restitution

PAYMENTS = (
    "transaction_id,booked_at,payer_account,payer_name,payee_account,payee_name,amount,"
    "currency,channel,country_from,country_to,reference\n"
    "T1,2023-03-01T12:00:00Z,RO49AAAA1B31007593840000,Ana,ES9121000418450200051332,Ion,"
    "1000.00,EUR,bank,RO,ES,rent\n"
    "T2,2023-03-08T12:00:00Z,RO49AAAA1B31007593840000,Ana,ES9121000418450200051332,Ion,"
    "4946.70,RON,bank,RO,ES,rent\n"
    "T3,2023-03-15T12:00:00Z,RO49AAAA1B31007593840000,Ana,ES9121000418450200051332,Ion,"
    "900.00,XOF,bank,RO,ES,rent\n"
    "T4,2023-03-22T12:00:00Z,RO49AAAA1B31007593840000,Ana,ES9121000418450200051332,Ion,"
    "500.00,EUR,bank,RO,ES,rent\n"
)


def test_mixed_currencies_are_converted_or_excluded_and_said(
    ctx: Context, prosecutor: Actor, case_ref: str, tmp_path: Path
) -> None:
    victim = cases.add_person(
        ctx, prosecutor, case_ref, kind="victim", name="Ana Pop",
        identifiers=[("account", "RO49AAAA1B31007593840000")],
    )  # fmt: skip
    suspect = cases.add_person(
        ctx, prosecutor, case_ref, kind="suspect", name="Ion Rusu",
        identifiers=[("account", "ES9121000418450200051332")],
    )  # fmt: skip
    folder = tmp_path / "evidence"
    folder.mkdir()
    (folder / "payments.csv").write_text(PAYMENTS)
    ingest_path(ctx, prosecutor, case_ref, folder)

    view = money_view(ctx, prosecutor, case_ref)
    ron = load_exchange_rates().rate("RON", 2023)
    assert ron is not None
    assert view.currency == "EUR"
    expected = 1000.00 + 500.00 + 4946.70 / float(ron.rate)
    assert view.flows.total == pytest.approx(expected, abs=0.01)
    assert "RON" in view.currency_note and str(ron.rate) in view.currency_note
    assert "excluded 1 XOF payment" in view.currency_note and "no rate" in view.currency_note
    assert dict((pid, amount) for pid, _, amount in view.per_suspect)[suspect.id] == (
        pytest.approx(expected, abs=0.01)
    )

    # 18 U.S.C. 1593 compares the gain with US wages: the gain is converted to dollars.
    sheet = restitution(ctx, prosecutor, case_ref, victim_id=victim.id, hours_per_week=40)
    usd = load_exchange_rates().rate("USD", 2023)
    assert usd is not None and sheet.worksheet.currency == "USD"
    assert sheet.gross_gain == pytest.approx(expected * float(usd.rate), rel=1e-3)
    assert "USD" in sheet.currency_note
