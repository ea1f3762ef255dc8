"""Evidence as it comes: locales asked rather than guessed, partial files, bank layouts
through mapping profiles, crypto and user rates; each bad input a clear outcome."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import select

from palermo.analysis.currency import amounts_for_flows
from palermo.ingest.options import LoadOptions, OptionError
from palermo.ingest.profiles import from_document
from palermo.security.permissions import Actor
from palermo.services import money, rates
from palermo.services.access import open_case
from palermo.services.context import Context
from palermo.services.ingest import Outcome, ingest_path
from palermo.services.network import load_case
from palermo.store.models import Record
from palermo.store.models.formats import RowProblem

from .conftest import WriteFile

HEADER = "transaction_id,booked_at,payer_account,payee_account,amount,currency\n"


def _amounts(ctx: Context) -> list[tuple[int, Decimal | None, str | None]]:
    with ctx.db.session() as session:
        rows = session.execute(
            select(Record.row_number, Record.amount, Record.currency).order_by(Record.row_number)
        ).all()
        return [(int(n), a, c) for n, a, c in rows]


def _one(ctx: Context, actor: Actor, ref: str, path: Path, **options: object) -> object:
    (outcome,) = ingest_path(ctx, actor, ref, path, options=LoadOptions.parse(**options)).files  # type: ignore[arg-type]
    return outcome


def test_1234_is_asked_then_read_by_the_files_locale(
    ctx: Context, prosecutor: Actor, case_ref: str, write: WriteFile
) -> None:
    path = write("payments.csv", HEADER + 'T1,2024-03-01,A1,A2,"1,234",USD\n')
    asked = _one(ctx, prosecutor, case_ref, path)
    assert asked.status == Outcome.FAILED  # type: ignore[attr-defined]
    question = asked.question  # type: ignore[attr-defined]
    assert (question["line"], question["column"], question["value"]) == (2, "amount", "1,234")
    assert {tuple(r) for r in question["readings"]} == {
        ("decimal point", "1234"),
        ("decimal comma", "1.234"),
    }
    assert question["suggested"] == "."  # a US case: offered, not taken
    assert _amounts(ctx) == []
    us = _one(ctx, prosecutor, case_ref, path, locale="en_US")
    assert us.status == Outcome.LOADED  # type: ignore[attr-defined]
    assert _amounts(ctx) == [(2, Decimal("1234.00"), "USD")]


def test_1234_in_a_german_file_is_one_point_two_three_four(
    ctx: Context, prosecutor: Actor, case_ref: str, write: WriteFile
) -> None:
    path = write("zahlungen.csv", HEADER + 'T1,2024-03-01,A1,A2,"1,234",EUR\n')
    assert _one(ctx, prosecutor, case_ref, path, locale="de_DE").status == Outcome.LOADED  # type: ignore[attr-defined]
    assert _amounts(ctx)[0][1] == Decimal("1.234")


def test_the_whole_column_settles_the_reading(
    ctx: Context, prosecutor: Actor, case_ref: str, write: WriteFile
) -> None:
    body = 'T1,2024-03-01,A1,A2,"1,234",USD\nT2,2024-03-02,A1,A2,"1,500,000.25",USD\n'
    _one(ctx, prosecutor, case_ref, write("p.csv", HEADER + body))
    assert [a for _, a, _ in _amounts(ctx)] == [Decimal("1234.00"), Decimal("1500000.25")]


def test_date_order_asked_then_answered(
    ctx: Context, prosecutor: Actor, case_ref: str, write: WriteFile
) -> None:
    path = write("p.csv", HEADER + "T1,03/04/2024,A1,A2,10.50,USD\n")
    asked = _one(ctx, prosecutor, case_ref, path)
    assert asked.question["option"] == "date_order"  # type: ignore[attr-defined]
    assert "03/04/2024" in asked.message  # type: ignore[attr-defined]
    _one(ctx, prosecutor, case_ref, path, date_order="MDY")
    with ctx.db.session() as session:
        when = session.scalar(select(Record.occurred_at))
    assert when is not None and (when.month, when.day) == (3, 4)


def test_a_day_above_twelve_later_in_the_column_decides(
    ctx: Context, prosecutor: Actor, case_ref: str, write: WriteFile
) -> None:
    body = "T1,03/04/2024,A1,A2,10.50,USD\nT2,25/04/2024,A1,A2,11.00,USD\n"
    assert _one(ctx, prosecutor, case_ref, write("p.csv", HEADER + body)).status == "loaded"  # type: ignore[attr-defined]
    with ctx.db.session() as session:
        first = session.scalar(select(Record.occurred_at).where(Record.row_number == 2))
    assert first is not None and (first.day, first.month) == (3, 4)


@pytest.mark.parametrize(
    ("body", "words"),
    [
        ("T1,25/03/2024,A1,A2,1.00,USD\nT2,03/25/2024,A1,A2,1.00,USD\n", "mixed formats"),
        ('T1,2024-03-01,A1,A2,"1,234.50",USD\nT2,2024-03-01,A1,A2,"1.234,50",USD\n', "mixed"),
    ],
)
def test_mixed_locales_or_date_orders_stop_the_file(
    ctx: Context, prosecutor: Actor, case_ref: str, write: WriteFile, body: str, words: str
) -> None:
    outcome = _one(ctx, prosecutor, case_ref, write("p.csv", HEADER + body))
    assert outcome.status == Outcome.FAILED and words in outcome.message  # type: ignore[attr-defined]
    assert "line 3" in outcome.message  # type: ignore[attr-defined]
    assert _amounts(ctx) == []


def test_bad_rows_are_listed_and_good_rows_load(
    ctx: Context, prosecutor: Actor, case_ref: str, write: WriteFile
) -> None:
    body = (
        'T1,2024-03-01,A1,A2,"€ 1 234,50",EUR\n'
        'T2,45352,A1,A2,"5,00",EUR\n'  # an Excel serial date
        'T3,2024-03-02,A1,A2,"(123,45)",EUR\n'  # a negative in parentheses
        'T4,2024-03-02,A1,A2,"12,00",Dogecoin\n'
        "T5,2024-03-03,A1\n"  # ragged
    )
    path = write("p.csv", HEADER + body)
    outcome = _one(ctx, prosecutor, case_ref, path)
    assert outcome.status == Outcome.LOADED and outcome.bad_rows == 3  # type: ignore[attr-defined]
    assert [a for _, a, _ in _amounts(ctx)] == [Decimal("1234.50"), Decimal("-123.45")]
    with ctx.db.session() as session:
        problems = session.scalars(select(RowProblem).order_by(RowProblem.line)).all()
        listed = [(p.line, p.column, p.reason.split(":")[0]) for p in problems]
    assert listed == [
        (3, "booked_at", "bad date/time '45352'"),
        (5, "currency", "bad currency 'Dogecoin'"),
        (6, "payee_account", "ragged row"),
    ]
    assert "Excel serial date would be 2024-03-01" in problems[0].reason
    # Loading the same file again adds nothing.
    again = _one(ctx, prosecutor, case_ref, path)
    assert again.status == Outcome.DUPLICATE  # type: ignore[attr-defined]
    with ctx.db.session() as session:
        assert len(session.scalars(select(RowProblem)).all()) == 3


def test_all_or_nothing_refuses_the_file(
    ctx: Context, prosecutor: Actor, case_ref: str, write: WriteFile
) -> None:
    path = write("p.csv", HEADER + "T1,2024-03-01,A1,A2,1.00,EUR\nT2,2024-03-01,A1,A2,x,EUR\n")
    outcome = _one(ctx, prosecutor, case_ref, path, all_or_nothing=True)
    assert outcome.status == Outcome.FAILED  # type: ignore[attr-defined]
    assert "line 3, column 'amount'" in outcome.message  # type: ignore[attr-defined]
    assert _amounts(ctx) == []


def test_header_below_a_bank_preamble(
    ctx: Context, prosecutor: Actor, case_ref: str, write: WriteFile
) -> None:
    preamble = (
        "Example Bank plc\nStatement of account\nAccount: GB82WEST12345698765432\n"
        "Period: 01/03/2024 - 31/03/2024\nCurrency: GBP\n\n"
    )
    path = write("statement.csv", preamble + HEADER + "T1,2024-03-01,A1,A2,10.00,GBP\n")
    outcome = _one(ctx, prosecutor, case_ref, path)
    assert outcome.status == Outcome.LOADED and outcome.records == 1  # type: ignore[attr-defined]
    assert "preamble above the header (the header is on line 7)" in outcome.message  # type: ignore[attr-defined]
    assert _amounts(ctx) == [(8, Decimal("10.00"), "GBP")]


def test_amlworld_layout_loads_through_its_builtin_profile(
    ctx: Context, prosecutor: Actor, case_ref: str, write: WriteFile
) -> None:
    text = (
        "Timestamp,From Bank,Account,To Bank,Account,Amount Received,Receiving Currency,"
        "Amount Paid,Payment Currency,Payment Format,Is Laundering\n"
        "2022/09/01 00:20,10,8000EBD30,10,8000EBD31,3697.34,US Dollar,3697.34,US Dollar,"
        "Reinvestment,0\n"
        "2022/09/01 00:22,3208,8000F4580,1,8000F5340,0.01,Saudi Riyal,0.01,Saudi Riyal,Cheque,0\n"
        "2022/09/01 00:28,1,8000F5AD0,1,8000F5AD0,0.00042,Bitcoin,0.00042,Bitcoin,Bitcoin,1\n"
    )
    outcome = _one(ctx, prosecutor, case_ref, write("HI-Small_Trans.csv", text))
    assert outcome.profile == "IBM AMLworld transactions"  # type: ignore[attr-defined]
    assert outcome.records == 3  # type: ignore[attr-defined]
    assert _amounts(ctx) == [
        (2, Decimal("3697.34"), "USD"),
        (3, Decimal("0.01"), "SAR"),
        (4, Decimal("0.00042"), "BTC"),  # not rounded to two places
    ]


def test_a_profile_file_maps_an_unknown_layout(
    ctx: Context, prosecutor: Actor, case_ref: str, write: WriteFile
) -> None:
    header = "Buchungstag;Auftraggeber;Empfaenger;Betrag;Waehrung\n"
    path = write("umsatz.csv", header + "15.03.2024;DE-1;DE-2;1.234,50;Euro\n")
    refused = _one(ctx, prosecutor, case_ref, path)
    assert refused.status == Outcome.FAILED and "mapping profile" in refused.message  # type: ignore[attr-defined]
    profile = from_document(
        {
            "name": "Musterbank",
            "kind": "payment",
            "header": header.strip().split(";"),
            "columns": {
                "booked_at": "Buchungstag",
                "payer_account": "Auftraggeber",
                "payee_account": "Empfaenger",
                "amount": "Betrag",
                "currency": "Waehrung",
            },
        }
    )
    options = LoadOptions(profile=profile)
    (loaded,) = ingest_path(ctx, prosecutor, case_ref, path, options=options).files
    assert loaded.status == Outcome.LOADED and loaded.profile == "Musterbank"
    assert _amounts(ctx) == [(2, Decimal("1234.50"), "EUR")]


def test_option_errors_name_the_option() -> None:
    with pytest.raises(OptionError, match="locale"):
        LoadOptions.parse(locale="nowhere_XX")
    with pytest.raises(OptionError, match="date order"):
        LoadOptions.parse(date_order="YDM")
    assert LoadOptions.parse(locale="en_GB") == LoadOptions(".", "DMY")


def test_crypto_payments_load_and_convert_or_are_counted(
    ctx: Context, prosecutor: Actor, case_ref: str, write: WriteFile
) -> None:
    body = (
        "T1,2023-05-01T10:00:00Z,W1,W2,1500.00,USDT\n"
        "T2,2023-05-02T10:00:00Z,W2,W3,0.05,BTC\n"
        "T3,2023-05-03T10:00:00Z,W3,W4,200.00,USD\n"
        "T4,2023-05-04T10:00:00Z,W3,W4,300.00,USD\n"
    )
    _one(ctx, prosecutor, case_ref, write("wallets.csv", HEADER + body))
    with ctx.db.session() as session:
        case = open_case(ctx, session, prosecutor, case_ref)
        loaded = load_case(ctx, session, prosecutor, case)
        unit = case.unit_id
        conversion = amounts_for_flows(loaded.data, rates.unit_rates(session, unit))
    report = conversion.report
    lines = {line.currency: line for line in report.lines}
    assert conversion.target == "USD"
    usdt = lines["USDT"].uses[0]
    assert usdt.label == "USDT peg and ECB" and "1 USDT = 1 US dollar" in usdt.source
    assert abs(usdt.converted - 1500.0) < 1e-6
    assert lines["BTC"].excluded == 1  # no bundled rate: left out and counted
    # The unit loads its own BTC rate; the conversion then names it.
    rates.load_rates(
        ctx,
        prosecutor,
        case_ref,
        "currency,date,rate,base,source\nBTC,2023-05-02,0.0000355,USD,exchange close\n",
        "btc.csv",
    )
    with ctx.db.session() as session:
        conversion = amounts_for_flows(loaded.data, rates.unit_rates(session, unit))
    btc = {line.currency: line for line in conversion.report.lines}["BTC"]
    assert btc.excluded == 0 and btc.uses[0].label == "your rates and ECB"
    assert "exchange close" in btc.uses[0].source
    assert abs(btc.uses[0].converted - 0.05 / 0.0000355) < 1e-3
    view = money.money_view(ctx, prosecutor, case_ref)
    assert view is not None


def test_user_rates_refuse_a_bad_line(ctx: Context, prosecutor: Actor, case_ref: str) -> None:
    from palermo.services.errors import InvalidInput

    with pytest.raises(InvalidInput, match="line 3, column 'rate'"):
        rates.load_rates(
            ctx, prosecutor, case_ref, "currency,year,rate\nCAD,2023,1.45\nBRL,2023,abc\n", "r.csv"
        )


def test_asterisk_cdr_export_loads_through_its_builtin_profile(
    ctx: Context, prosecutor: Actor, case_ref: str, write: WriteFile
) -> None:
    text = (
        "calldate,clid,src,dst,dcontext,channel,dstchannel,lastapp,lastdata,duration,"
        "billsec,disposition,amaflags,accountcode,uniqueid,userfield\n"
        '2024-03-01 10:00:00,"""Ana"" <2025550101>",2025550101,2025550102,from-internal,'
        "SIP/101-0001,SIP/102-0002,Dial,SIP/102,75,60,ANSWERED,3,,1709287200.1,\n"
    )
    outcome = _one(ctx, prosecutor, case_ref, write("Master-export.csv", text))
    assert outcome.profile == "Asterisk CDR table export"  # type: ignore[attr-defined]
    with ctx.db.session() as session:
        call = session.scalars(select(Record)).one()
    assert (call.source, call.target, call.duration_s) == ("+12025550101", "+12025550102", 60)
    assert call.attrs is not None and call.attrs["call_id"] == "1709287200.1"
