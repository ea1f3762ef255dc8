"""camt.053 and MT940 statements read as payments (samples written from the formats)."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from palermo.ingest.readers.bank import camt053_reader, mt940_reader
from palermo.ingest.readers.base import ReadContext, ReadError, RecordRow
from palermo.ingest.readers.registry import find_reader

DATA = Path(__file__).parent / "data"


def _records(path: Path) -> list[RecordRow]:
    reader = find_reader(path)
    assert reader is not None
    output = reader.read(path, ReadContext())
    assert output.source_kind == "payment" and output.records is not None
    return list(output.records)


def test_camt053_entries_become_payments_with_direction() -> None:
    path = DATA / "camt053_sample.xml"
    assert find_reader(path) is camt053_reader
    debit, credit = _records(path)  # the pending entry is not a payment
    assert (debit.source, debit.target) == ("DE89370400440532013000", "RO49AAAA1B31007593840000")
    assert debit.amount == Decimal("1250.50") and debit.currency == "EUR"
    assert debit.occurred_at == datetime(2024, 3, 1, tzinfo=UTC)
    assert debit.attrs is not None and debit.attrs["payee_name"] == "Casa Verde SRL"
    assert debit.attrs["reference"] == "Rent March"
    assert debit.attrs["entry_reference"] == "BANKREF-0001"
    assert (credit.source, credit.target) == ("GB29NWBK60161331926819", "DE89370400440532013000")
    assert credit.occurred_at == datetime(2024, 3, 2, 13, 30, tzinfo=UTC)


def test_camt053_refuses_entities(tmp_path: Path) -> None:
    text = (DATA / "camt053_sample.xml").read_text()
    bomb = text.replace(
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<?xml version="1.0"?><!DOCTYPE d [<!ENTITY a "aaaa">]>',
    )
    path = tmp_path / "bomb.xml"
    path.write_text(bomb)
    with pytest.raises(ReadError, match="document type declaration"):
        camt053_reader.read(path, ReadContext())


def test_camt053_bad_amount_names_the_entry(tmp_path: Path) -> None:
    path = tmp_path / "bad.xml"
    path.write_text((DATA / "camt053_sample.xml").read_text().replace("1250.50", "12,50.5"))
    with pytest.raises(ReadError) as caught:
        list(camt053_reader.read(path, ReadContext()).records or [])
    assert caught.value.column == "Amt" and "entry 1" in caught.value.reason


def test_mt940_transactions_become_payments() -> None:
    path = DATA / "mt940_sample.sta"
    assert find_reader(path) is mt940_reader
    debit, credit = _records(path)
    assert (debit.source, debit.target) == ("100200301234567", "RO49AAAA1B31007593840000")
    assert debit.amount == Decimal("150.00") and debit.currency == "EUR"
    assert debit.occurred_at == datetime(2024, 3, 1, tzinfo=UTC)
    assert (credit.source, credit.target) == ("GB29NWBK60161331926819", "100200301234567")
    assert credit.amount == Decimal("2500.50")
