"""Fixtures for the ingest tests: small evidence files in the simulator's formats."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

CALLS = (
    "call_id,started_at,caller,callee,duration_s,cell_id\n"
    "C1,2024-03-01T10:00:00Z,+12025550101,+12025550102,60,CELL-1\n"
    "C2,2024-03-01T11:30:00Z,+12025550102,+12025550103,0,CELL-2\n"
    "C3,2024-03-02T08:15:00Z,+12025550101,+12025550103,125,CELL-1\n"
)
MESSAGES = (
    "message_id,sent_at,sender,recipient,channel,body\n"
    'M1,2024-03-01T10:05:00Z,+12025550101,+12025550102,sms,"Meet at the hotel, room 12"\n'
    "M2,2024-03-01T10:06:00Z,+12025550102,+12025550101,whatsapp,ok\n"
)
PAYMENTS = (
    "transaction_id,booked_at,payer_account,payer_name,payee_account,payee_name,amount,"
    "currency,channel,country_from,country_to,reference\n"
    "T1,2024-03-01T09:00:00Z,DE89 3704 0044 0532 0130 00,Anna B,GB82WEST12345698765432,"
    "Mark C,1250.50,EUR,wire,DE,GB,rent\n"
    "T2,2024-03-02T09:00:00Z,GB82WEST12345698765432,Mark C,123-456-789,Li D,99.99,GBP,"
    "cash,GB,US,\n"
)
TRIPS = (
    "booking_id,departed_at,traveller,origin,destination,mode,booked_by,paid_by,price,currency\n"
    "B1,2024-02-28T06:00:00Z,Victim One,Bucharest,London,bus,Mark C,Mark C,120.00,EUR\n"
)


WriteFile = Callable[..., Path]


@pytest.fixture
def evidence(tmp_path: Path) -> Path:
    folder = tmp_path / "evidence"
    folder.mkdir()
    return folder


@pytest.fixture
def write(evidence: Path) -> WriteFile:
    """Write text (or bytes) to a file under the evidence folder."""

    def write_file(name: str, content: str | bytes, encoding: str = "utf-8") -> Path:
        path = evidence / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_bytes(content.encode(encoding))
        return path

    return write_file
