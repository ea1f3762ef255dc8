"""Payment CSVs with bad money input: duplicate transaction ids, zero and negative
amounts, unparseable dates. Refused with file/line/column, or loaded with a warning."""

from __future__ import annotations

import random
from decimal import Decimal
from pathlib import Path

import numpy as np
import pytest

from palermo.ingest.readers.base import ReadContext, ReadError
from palermo.ingest.readers.structured import (
    ReadWarning,
    _PaymentChecks,
    _SeenIds,
    payment_reader,
)

HEADER = "transaction_id,booked_at,payer_account,payee_account,amount,currency\n"


def _row(tid: str, amount: str = "100.00", day: int = 1, payee: str = "ACC2") -> str:
    return f"{tid},2024-03-{day:02d}T09:00:00Z,ACC1,{payee},{amount},EUR\n"


def _write(tmp_path: Path, body: str, name: str = "payments.csv") -> Path:
    path = tmp_path / name
    path.write_text(HEADER + body, encoding="utf-8")
    return path


def _read(
    path: Path, as_text: bool = False, strict: bool = False
) -> tuple[list[tuple[object, ...]], list[str]]:
    stream = payment_reader.rows(path, ReadContext(all_or_nothing=strict), as_text=as_text)
    rows = list(stream.rows)
    return rows, [str(w) for w in stream.warnings]


def _error(path: Path) -> ReadError:
    with pytest.raises(ReadError) as caught:
        _read(path, strict=True)
    return caught.value


@pytest.mark.parametrize("as_text", [False, True])
def test_exact_duplicate_rows_are_skipped_with_a_warning(tmp_path: Path, as_text: bool) -> None:
    body = _row("T1") + _row("T2", day=2) + _row("T1") + _row("T3", day=3) + _row("T2", day=2)
    rows, warnings = _read(_write(tmp_path, body), as_text)
    # Lines: header 1, T1 2, T2 3, T1 again 4, T3 5, T2 again 6.
    assert [r[0] for r in rows] == [2, 3, 5]
    assert warnings == [
        "payments.csv, lines 4 (same as line 2), 6 (same as line 3): exact duplicate of an "
        "earlier row (2 rows); skipped, the first copy is loaded"
    ]


def test_same_id_with_different_content_refuses_the_file(tmp_path: Path) -> None:
    body = _row("T1") + _row("T2", day=2) + _row("T1", amount="150.00")
    error = _error(_write(tmp_path, body))
    assert (error.file, error.line, error.column) == ("payments.csv", 4, "transaction_id")
    assert str(error) == (
        "payments.csv, line 4, column 'transaction_id': duplicate transaction id T1 "
        "(first on line 2) with different content; correct or remove one of the rows"
    )


def test_an_exact_copy_then_a_changed_copy_names_the_first_line(tmp_path: Path) -> None:
    body = _row("T1") + _row("T1") + _row("T1", payee="ACC9")
    error = _error(_write(tmp_path, body))
    assert error.line == 4 and "(first on line 2)" in error.reason


def test_ids_are_compared_without_surrounding_spaces(tmp_path: Path) -> None:
    body = _row("T1") + _row(" T1 ", amount="5.00")
    error = _error(_write(tmp_path, body))
    assert error.line == 3 and "duplicate transaction id T1 (first on line 2)" in error.reason


def test_rows_without_an_id_are_never_duplicates(tmp_path: Path) -> None:
    rows, warnings = _read(_write(tmp_path, _row("") + _row("") + _row("T1")))
    assert [r[0] for r in rows] == [2, 3, 4] and warnings == []


def test_without_an_id_column_identical_rows_are_all_loaded(tmp_path: Path) -> None:
    # Two equal payments on one day are possible: without ids they cannot be told apart.
    path = tmp_path / "bank.csv"
    path.write_text(
        "booked_at,payer_account,payee_account,amount\n"
        "2024-03-01,ACC1,ACC2,50.00\n"
        "2024-03-01,ACC1,ACC2,50.00\n",
        encoding="utf-8",
    )
    rows, warnings = _read(path)
    assert [r[0] for r in rows] == [2, 3] and warnings == []


@pytest.mark.parametrize("as_text", [False, True])
def test_zero_and_negative_amounts_load_as_given_with_warnings(
    tmp_path: Path, as_text: bool
) -> None:
    body = (
        _row("T1", "0")
        + _row("T2", "-25.50")
        + _row("T3", "12.00")
        + _row("T4", "0.00")
        + _row("T5", '"-1,234.50"')
    )
    rows, warnings = _read(_write(tmp_path, body), as_text)
    amounts = [r[5] for r in rows]
    if as_text:
        assert amounts == ["0", "-25.50", "12.00", "0.00", "-1234.50"]
    else:
        assert amounts == [
            Decimal("0"),
            Decimal("-25.50"),
            Decimal("12.00"),
            Decimal("0.00"),
            Decimal("-1234.50"),
        ]
    assert warnings == [
        "payments.csv, lines 2, 5: zero amount (2 rows); loaded as given, left out of "
        "money-flow analysis",
        "payments.csv, lines 3, 6: negative amount (2 rows); loaded as given (a refund or "
        "reversal?), left out of money-flow analysis",
    ]


def test_a_skipped_duplicate_is_not_also_warned_about_as_negative(tmp_path: Path) -> None:
    rows, warnings = _read(_write(tmp_path, _row("T1", "-5.00") + _row("T1", "-5.00")))
    assert [r[0] for r in rows] == [2]
    assert warnings == [
        "payments.csv, line 3 (same as line 2): exact duplicate of an earlier row (1 row); "
        "skipped, the first copy is loaded",
        "payments.csv, line 2: negative amount (1 row); loaded as given (a refund or "
        "reversal?), left out of money-flow analysis",
    ]


def test_long_warnings_list_the_first_lines_and_count_the_rest(tmp_path: Path) -> None:
    body = "".join(_row(f"T{i}", "0") for i in range(25))
    _, (warning,) = _read(_write(tmp_path, body))
    lines = ", ".join(str(n) for n in range(2, 22))
    assert warning == (
        f"payments.csv, lines {lines} and 5 more: zero amount (25 rows); loaded as given, "
        "left out of money-flow analysis"
    )


@pytest.mark.parametrize(
    ("when", "message"),
    [
        (
            "2024-02-30T09:00:00Z",
            "bad date/time '2024-02-30T09:00:00Z': not a date: day is out of range for month",
        ),
        (
            "yesterday",
            "bad date/time 'yesterday': not a date/time (expected e.g. 2024-03-01 14:30)",
        ),
        ("", "missing date/time"),
    ],
)
def test_unparseable_payment_dates_name_file_line_and_column(
    tmp_path: Path, when: str, message: str
) -> None:
    body = _row("T1") + f"T2,{when},ACC1,ACC2,5.00,EUR\n"
    error = _error(_write(tmp_path, body))
    assert str(error) == f"payments.csv, line 3, column 'booked_at': {message}"


def test_an_earlier_duplicate_is_reported_before_a_later_bad_cell(tmp_path: Path) -> None:
    # Rows are held back in batches: the first problem in the file still comes first.
    body = _row("T1") + _row("T1", "9.00") + "T3,never,ACC1,ACC2,5.00,EUR\n"
    error = _error(_write(tmp_path, body))
    assert error.line == 3 and "duplicate transaction id T1" in error.reason


def test_checks_across_batches(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_PaymentChecks, "BATCH", 3)
    body = "".join(_row(f"T{i}", f"{i}.00") for i in range(10)) + _row("T4", "4.00")
    rows, warnings = _read(_write(tmp_path, body))
    assert [r[0] for r in rows] == list(range(2, 12))
    assert warnings == [
        "payments.csv, line 12 (same as line 6): exact duplicate of an earlier row (1 row); "
        "skipped, the first copy is loaded",
        "payments.csv, line 2: zero amount (1 row); loaded as given, left out of money-flow "
        "analysis",
    ]
    error = _error(_write(tmp_path, body + _row("T7", "7.01"), "late.csv"))
    assert str(error).startswith(
        "late.csv, line 13, column 'transaction_id': duplicate transaction id T7 "
        "(first on line 9) with different content"
    )


def _random_file(rng: random.Random, changed: float) -> tuple[list[str], list[int], list[str]]:
    """Rows with ids from a small pool (some empty), repeats exact or, with probability
    ``changed``, changed; and the reference: kept lines and skip locations, or the first
    conflict as the last skip location prefixed with '!'."""
    first: dict[str, tuple[int, str]] = {}
    texts: list[str] = []
    kept: list[int] = []
    skips: list[str] = []
    for line in range(2, 400):
        tid = f"T{rng.randrange(150)}" if rng.random() < 0.9 else ""
        if tid in first and rng.random() >= changed:
            text = first[tid][1]
        else:
            text = _row(tid, f"{rng.randrange(1, 999)}.00", day=rng.randrange(1, 28))
        texts.append(text)
        if not tid or tid not in first:
            if tid:
                first[tid] = (line, text)
            kept.append(line)
        elif first[tid][1] == text:
            skips.append(f"{line} (same as line {first[tid][0]})")
        else:
            skips.append(f"!{line} {tid} {first[tid][0]}")
            break
    return texts, kept, skips


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_checks_match_a_plain_reference(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, seed: int
) -> None:
    """Random files against a dict-of-rows reference, in batches small enough to cross
    batch boundaries many times."""
    monkeypatch.setattr(_PaymentChecks, "BATCH", 7)
    monkeypatch.setattr("palermo.ingest.readers.structured.MAX_LISTED", 1000)
    rng = random.Random(seed)
    texts, kept, skips = _random_file(rng, changed=0.0)
    rows, warnings = _read(_write(tmp_path, "".join(texts)))
    assert [r[0] for r in rows] == kept
    assert len(skips) > 20
    assert warnings[0] == (
        f"payments.csv, lines {', '.join(skips)}: exact duplicate of an earlier row "
        f"({len(skips)} rows); skipped, the first copy is loaded"
    )
    texts, _, skips = _random_file(rng, changed=0.1)
    assert skips[-1].startswith("!")  # the file does hold a changed repeat
    line, tid, first_line = skips[-1][1:].split()
    error = _error(_write(tmp_path, "".join(texts), "conflict.csv"))
    assert str(error) == (
        f"conflict.csv, line {line}, column 'transaction_id': duplicate transaction id {tid} "
        f"(first on line {first_line}) with different content; correct or remove one of the rows"
    )


def test_seen_ids_resolve_a_first_hash_collision() -> None:
    seen = _SeenIds()
    k1 = np.array([7, 7, 9], dtype=np.int64)  # two ids share their first hash
    k2 = np.array([1, 2, 3], dtype=np.int64)
    seen.add(k1, k2, np.array([2, 3, 4]), np.array([10, 20, 30]))
    line, content = seen.find(np.array([7, 7, 7, 9, 8]), np.array([2, 1, 5, 3, 1]))
    assert line.tolist() == [3, 2, -1, 4, -1]
    assert content.tolist() == [20, 10, 0, 30, 0]
    # Runs merge as they grow; lookups still find every id.
    for start in range(100, 1100, 100):
        keys = np.arange(start, start + 100, dtype=np.int64)
        seen.add(keys, -keys, keys * 10, keys)
    assert len(seen.runs) < 10
    line, _ = seen.find(np.array([150, 1099, 5000]), np.array([-150, -1099, -5000]))
    assert line.tolist() == [1500, 10990, -1]


def test_warning_text() -> None:
    warning = ReadWarning("x.csv", "zero amount", "kept")
    warning.add("4")
    assert str(warning) == "x.csv, line 4: zero amount (1 row); kept"
