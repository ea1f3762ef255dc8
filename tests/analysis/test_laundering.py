"""The laundering ranking against ordinary life: payroll, rent and shops stay quiet,
money passed on through accounts is found, explained and ranked."""

from __future__ import annotations

import numpy as np
import pytest

from palermo.analysis.data import DAY, CaseBuilder, CaseData
from palermo.analysis.laundering import rank_laundering
from palermo.law.money import LaunderingBook, load_laundering

T0 = 1_672_531_200  # 2023-01-01


class _Book:
    """Payments written like a bank statement: (id, day, payer, payee, amount, channel)."""

    def __init__(self) -> None:
        self.rows: list[tuple[str, float, str, str, float, str]] = []

    def pay(self, day: float, payer: str, payee: str, amount: float, channel: str = "bank") -> str:
        tid = f"T{len(self.rows):06d}"
        self.rows.append((tid, day, payer, payee, amount, channel))
        return tid

    def case(self) -> CaseData:
        b = CaseBuilder()
        ids, days, payer, payee, amount, channel = zip(*self.rows, strict=True)
        b.add_payments(
            list(ids),
            np.asarray([T0 + d * DAY for d in days], dtype=np.int64),
            list(payer),
            list(payee),
            list(amount),
            channels=list(channel),
        )
        return b.build()


def _ordinary_life(book: _Book, rng: np.random.Generator, people: int = 60) -> None:
    """Six months of payroll, rent, bills and shopping for ``people`` people."""
    for m in range(6):
        for i in range(people):
            person = f"P{i:03d}"
            book.pay(m * 30 + 25 + rng.random() / 10, "EMPLOYER", person, 2400 + 10 * (i % 7))
            book.pay(m * 30 + 1 + rng.random(), person, f"LANDLORD{i % 4}", 900 + 5 * (i % 9))
            book.pay(m * 30 + 5 + rng.random(), person, "POWER", 60 + rng.normal(0, 5))
            for _ in range(6):
                book.pay(m * 30 + rng.random() * 30, person, f"SHOP{rng.integers(0, 30)}", 40)
        book.pay(m * 30 + 10, "CLIENT", "EMPLOYER", 150_000 + rng.normal(0, 5000), "wire")


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(7)


def test_ordinary_life_gives_no_lead(rng: np.random.Generator) -> None:
    book = _Book()
    _ordinary_life(book, rng)
    report = rank_laundering(book.case())
    assert report.leads == []
    assert report.score.max() == 0
    # The payroll runs and the rent are recurring: the accounts' own baseline.
    assert report.recurring.mean() > 0.3


def test_cycle_with_fees_found_and_explained(rng: np.random.Generator) -> None:
    book = _Book()
    _ordinary_life(book, rng)
    ring = ["P001", "MULE1", "P007", "MULE2", "P013", "MULE3", "P021"]
    planted = [book.pay(40, "", "P001", 48_000, "cash")]
    amount, day = 48_000.0, 40.0
    for a, b in zip(ring, [*ring[1:], ring[0]], strict=True):
        amount *= 0.97  # a fee at each hop
        day += 1.5
        planted.append(book.pay(day, a, b, round(amount, 2)))
    report = rank_laundering(book.case())
    assert report.leads, "the cycle was not found"
    top = report.leads[0]
    assert top.rank == 1
    assert top.typology == "cycle"
    assert set(planted[1:]) <= set(top.transactions)
    assert "P001" in " ".join(top.why) or "account:P001" in top.accounts
    flagged = {case_id for lead in report.leads for case_id in lead.transactions}
    assert flagged <= set(planted), "ordinary payments were flagged with the cycle"


def test_launderer_with_ordinary_life_only_the_laundering_flagged(rng: np.random.Generator) -> None:
    book = _Book()
    _ordinary_life(book, rng)
    placed = [book.pay(70 + k * 0.3, "", "P005", 9_400 + 50 * k, "cash") for k in range(4)]
    outs = [book.pay(72 + k * 0.2, "P005", f"MULE{k}", 7_000 + 100 * k) for k in range(5)]
    case = book.case()
    report = rank_laundering(case)
    min_score = load_laundering().score.min_score
    flagged = {case.payments.ids[int(i)] for i in np.flatnonzero(report.flagged(min_score))}
    assert flagged == set(placed) | set(outs)
    lead = report.leads[0]
    assert lead.account == "account:P005"
    assert lead.typology in {"fan_out", "structuring", "funnel"}


def test_thresholds_are_data(rng: np.random.Generator) -> None:
    book = _Book()
    _ordinary_life(book, rng, people=20)
    book.pay(50, "ABROAD", "P002", 30_000, "wire")
    book.pay(50.1, "P002", "MULE9", 29_500)
    case = book.case()
    assert rank_laundering(case).leads
    rules = load_laundering()
    strict = replace_unusual(rules, min_amount=50_000)
    assert rank_laundering(case, strict).leads == []


def replace_unusual(rules: LaunderingBook, **changes: float) -> LaunderingBook:
    return rules.model_copy(update={"unusual": rules.unusual.model_copy(update=changes)})


def test_empty_case() -> None:
    report = rank_laundering(CaseBuilder().build())
    assert report.leads == [] and len(report.score) == 0


def test_rapid_pass_through_labelled(rng: np.random.Generator) -> None:
    book = _Book()
    _ordinary_life(book, rng, people=20)
    for k in range(3):
        book.pay(60 + 5 * k, f"ABROAD{k}", "P003", 20_000 + 1000 * k, "wire")
        book.pay(60 + 5 * k + 0.05, "P003", "OFFSHORE", 19_800 + 1000 * k, "wire")
    report = rank_laundering(book.case())
    assert report.leads
    assert report.leads[0].typology in {"pass_through", "gather_scatter", "fan_in"}
