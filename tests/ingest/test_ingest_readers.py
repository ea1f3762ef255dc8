"""The structured CSV readers on their own: kinds, aliases, values, errors."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from palermo.ingest.readers.base import ReadContext, ReadError, RecordRow
from palermo.ingest.readers.registry import READERS, find_reader
from palermo.ingest.readers.structured import (
    call_reader,
    detect_kind,
    parse_duration,
    payment_reader,
)
from palermo.values import Ambiguous, Invalid
from palermo.values.amount import parse_amount
from palermo.values.dates import DMY, parse_datetime

from .conftest import CALLS, MESSAGES, PAYMENTS, TRIPS, WriteFile


def _records(path: Path, strict: bool = False) -> list[RecordRow]:
    reader = find_reader(path)
    assert reader is not None
    output = reader.read(path, ReadContext(default_region="US", all_or_nothing=strict))
    assert output.records is not None
    return list(output.records)


@pytest.mark.parametrize(
    ("name", "content", "kind"),
    [
        ("calls.csv", CALLS, "call"),
        ("messages.csv", MESSAGES, "message"),
        ("payments.csv", PAYMENTS, "payment"),
        ("trips.csv", TRIPS, "trip"),
    ],
)
def test_each_kind_is_recognised_by_its_header(
    write: WriteFile, name: str, content: str, kind: str
) -> None:
    # A neutral file name: the header alone must decide.
    path = write(f"export-{kind}.csv".replace(kind, "x"), content)
    reader = find_reader(path)
    assert reader is not None and reader.name == f"csv-{kind}"


def test_calls_are_parsed_with_provenance_rows(write: WriteFile) -> None:
    rows = _records(write("calls.csv", CALLS))
    assert [r.row_number for r in rows] == [2, 3, 4]
    first = rows[0]
    assert first.kind == "call"
    assert first.occurred_at == datetime(2024, 3, 1, 10, 0, tzinfo=UTC)
    assert (first.source, first.target, first.duration_s) == ("+12025550101", "+12025550102", 60)
    assert first.attrs == {"call_id": "C1", "cell_id": "CELL-1"}


def test_payments_normalise_accounts_and_keep_decimals(write: WriteFile) -> None:
    rows = _records(write("payments.csv", PAYMENTS))
    assert rows[0].source == "DE89370400440532013000"
    assert rows[0].target == "GB82WEST12345698765432"
    assert rows[0].amount == Decimal("1250.50") and rows[0].currency == "EUR"
    assert (rows[0].origin, rows[0].destination) == ("DE", "GB")
    assert rows[1].target == "123456789"  # not an IBAN: compacted account number
    assert rows[0].attrs == {
        "transaction_id": "T1",
        "payer_name": "Anna B",
        "payee_name": "Mark C",
        "reference": "rent",
    }


def test_columns_in_another_order_with_aliases_and_local_numbers(write: WriteFile) -> None:
    content = (
        "Duration;B_Number;A_NUMBER;Timestamp;Tower;Operator\n"
        "1:05;(202) 555-0102;202-555-0101;2024-03-01 10:00:00;T9;acme\n"
        "00:02:00;+44 20 7946 0958;2025550101;2024-03-01T12:00:00+02:00;T9;acme\n"
    )
    rows = _records(write("cdr.csv", content))
    assert rows[0].source == "+12025550101" and rows[0].target == "+12025550102"
    assert rows[0].duration_s == 65
    assert rows[0].occurred_at == datetime(2024, 3, 1, 10, 0, tzinfo=UTC)
    assert rows[1].target == "+442079460958" and rows[1].duration_s == 120
    assert rows[1].occurred_at == datetime(2024, 3, 1, 10, 0, tzinfo=UTC)
    # Unknown columns are kept, by header name.
    assert rows[0].attrs == {"cell_id": "T9", "operator": "acme"}


def test_payment_aliases(write: WriteFile) -> None:
    content = 'date,credit_account,debit_account,value,ccy\n2024-01-05,ACC-2,ACC-1,"1,234.56",usd\n'
    (row,) = _records(write("bank.csv", content))
    assert (row.source, row.target) == ("ACC1", "ACC2")
    assert row.amount == Decimal("1234.56") and row.currency == "USD"
    assert row.occurred_at == datetime(2024, 1, 5, tzinfo=UTC)


def test_encodings_are_detected(write: WriteFile) -> None:
    content = TRIPS.replace("Victim One", "Zoë Ñúñez")
    for encoding in ("utf-8-sig", "utf-16", "cp1252"):
        (row,) = _records(write(f"trips-{encoding}.csv", content, encoding=encoding))
        assert row.source == "Zoë Ñúñez", encoding


def _error(path: Path) -> ReadError:
    with pytest.raises(ReadError) as caught:
        _records(path, strict=True)
    return caught.value


def test_missing_columns_are_named(write: WriteFile) -> None:
    error = _error(write("calls.csv", "call_id,caller,duration_s\nC1,+12025550101,5\n"))
    assert error.line == 1 and error.column == "started_at"
    assert "'started_at'" in str(error) and "'callee'" in str(error)
    assert str(error).startswith("calls.csv, line 1")


@pytest.mark.parametrize(
    ("bad_row", "column", "words"),
    [
        ("C9,2024-13-45T00:00:00Z,+12025550101,+12025550102,5,X", "started_at", "bad date"),
        ("C9,2024-03-01T00:00:00Z,+12025550101,+12025550102,five,X", "duration_s", "duration"),
        ("C9,2024-03-01T00:00:00Z,+12025550101", "callee", "ragged row"),
        (
            "C9,2024-03-01T00:00:00Z,+12025550101,+12025550102,5,X,extra",
            "(extra field 7)",
            "ragged row",
        ),
    ],
)
def test_bad_cells_name_line_and_column(
    write: WriteFile, bad_row: str, column: str, words: str
) -> None:
    error = _error(write("calls.csv", CALLS + bad_row + "\n"))
    assert (error.file, error.line, error.column) == ("calls.csv", 5, column)
    assert words in error.reason


def test_bad_amount(write: WriteFile) -> None:
    error = _error(write("payments.csv", PAYMENTS.replace("99.99", "ninety")))
    assert (error.line, error.column) == (3, "amount")


def test_undecodable_bytes_are_located_exactly(write: WriteFile) -> None:
    # Plenty of clean UTF-8 rows, then one Latin-1 byte far past the sniffed head.
    clean = "".join(
        f"C{i},2024-03-01T10:00:00Z,+12025550101,+12025550102,{i},CELL\n" for i in range(5000)
    )
    data = (CALLS + clean).encode() + b"C9,2024-03-01T10:00:00Z,+12025550101,+1202555\xe90102,1,X\n"
    error = _error(write("calls.csv", data))
    assert error.line == 4 + 5000 + 1 and error.column == "callee"
    assert "not valid utf-8" in error.reason


def test_binary_junk_with_csv_name(write: WriteFile) -> None:
    error = _error(write("calls.csv", bytes(range(256)) * 40))
    assert error.file == "calls.csv" and "binary" in error.reason


def test_unrecognised_csv_says_what_is_expected(write: WriteFile) -> None:
    error = _error(write("contacts.csv", "first,last,street\na,b,c\n"))
    assert "unrecognised CSV header" in error.reason and error.line == 1


def test_multiline_quoted_body_keeps_start_line(write: WriteFile) -> None:
    content = (
        "sent_at,sender,recipient,body\n"
        '2024-03-01T10:00:00Z,+12025550101,+12025550102,"line one\nline two"\n'
        "2024-03-01T10:01:00Z,+12025550102,+12025550101,next\n"
    )
    rows = _records(write("sms.csv", content))
    assert [r.row_number for r in rows] == [2, 4]
    assert rows[0].body == "line one\nline two"


def test_fast_path_text_form_matches(write: WriteFile) -> None:
    path = write("calls.csv", CALLS.replace("10:00:00Z", "10:00:00.250+01:00"))
    stream = call_reader.rows(path, ReadContext(), as_text=True)
    first = next(stream.rows)
    assert first[2] == "2024-03-01 09:00:00.250000"
    assert next(stream.rows)[2] == "2024-03-01 11:30:00.000000"
    list(stream.rows)
    assert stream.identifiers["phone"] == {"+12025550101", "+12025550102", "+12025550103"}
    payments = payment_reader.rows(write("payments.csv", PAYMENTS), ReadContext(), as_text=True)
    assert next(payments.rows)[5] == "1250.50"


def test_value_parsers() -> None:
    assert parse_datetime("2024-03-01 10:00:00") == datetime(2024, 3, 1, 10, tzinfo=UTC)
    assert parse_datetime("01/03/2024 10:00", DMY) == datetime(2024, 3, 1, 10, tzinfo=UTC)
    assert isinstance(parse_datetime("01/03/2024 10:00"), Ambiguous)
    assert isinstance(parse_datetime("yesterday"), Invalid)
    assert parse_amount("1 234,50") == Decimal("1234.50")
    assert parse_amount("1.234,50") == Decimal("1234.50")
    assert isinstance(parse_amount("NaN"), Invalid)
    assert parse_duration("01:01:01") == 3661
    with pytest.raises(ValueError):
        parse_duration("-5")


def test_kind_detection_and_registry_order() -> None:
    assert detect_kind(["from", "to", "timestamp", "duration"]) == "call"
    assert detect_kind(["from", "to", "timestamp", "text"]) == "message"
    assert detect_kind(["from", "to", "date", "fare", "passenger"]) == "trip"
    assert detect_kind(["date", "from", "to"]) is None
    assert detect_kind(["date", "from", "to"], "sms_export.csv") == "message"
    names = [r.name for r in READERS]
    assert names[:4] == ["csv-call", "csv-message", "csv-payment", "csv-trip"]
    assert names[-1] == "csv-unknown" and "text" in names
