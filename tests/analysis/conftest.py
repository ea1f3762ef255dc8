"""Small hand-built cases for the network, role and money cores.

The ring case (dates in 2024):
- R recruits V1 and V2 (first calls on 5 and 10 January; they travel on 1 and 3 February);
  R is not charged.
- T books and pays both trips and calls each victim on their travel day.
- E threatens V1 in a message (fact F-threat).
- X runs the site: the advertised phone is X's; victims pay X their earnings; X pays
  official O twice.
- M collects from X and sends money abroad to B three times (money transfer).
- K (not a suspect) keeps calling the advertised phone.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from palermo.analysis.data import Advert, CaseBuilder, CaseData, Person
from palermo.law.facts import Fact


def _ring() -> CaseData:
    b = CaseBuilder()
    people = [
        Person("R", "Rita Recruiter", "suspect", phones=("+1001",), accounts=("AR",)),
        Person("T", "Tom Transporter", "suspect", phones=("+1002",), accounts=("AT",)),
        Person("E", "Ed Enforcer", "suspect", phones=("+1003",)),
        Person("X", "Xena Exploiter", "suspect", phones=("+1004", "+1999"), accounts=("AX",)),
        Person("M", "Max Handler", "suspect", phones=("+1005",), accounts=("AM",)),
        Person("B", "Bea Beneficiary", "suspect", accounts=("AB",)),
        Person("O", "Otto Official", "official", phones=("+1006",), accounts=("AO",)),
        Person("V1", "Victim One", "victim", phones=("+2001",), accounts=("AV1",)),
        Person("V2", "Victim Two", "victim", phones=("+2002",), accounts=("AV2",)),
        Person("K", "Ken Buyer", "other", phones=("+3001",)),
        Person("W", "Wanda Witness", "witness", phones=("+4001",)),
    ]
    for p in people:
        b.add_person(p)
    for pid in ("T", "E", "X", "M", "B"):
        b.set_charges(pid, ["us-18-1591"])
    b.add_advert(Advert("AD1", "+1999", "escortsite", "2024-02-10"))
    calls = [
        ("C1", "2024-01-05T10:00:00Z", "+1001", "+2001"),  # R first contact V1
        ("C2", "2024-01-10T10:00:00Z", "+1001", "+2002"),  # R first contact V2
        ("C3", "2024-01-20T10:00:00Z", "+2001", "+1001"),
        ("C4", "2024-02-01T08:00:00Z", "+1002", "+2001"),  # T on V1's travel day
        ("C5", "2024-02-01T12:00:00Z", "+2001", "+1002"),
        ("C6", "2024-02-03T08:00:00Z", "+1002", "+2002"),  # T on V2's travel day
        ("C7", "2024-02-03T09:00:00Z", "+2002", "+1002"),
        ("C8", "2024-02-15T09:00:00Z", "+1003", "+2001"),
        ("C9", "2024-02-16T09:00:00Z", "+1004", "+1005"),
        ("C10", "2024-03-01T09:00:00Z", "+4001", "+2001"),
    ]
    calls += [(f"CK{i}", f"2024-02-{11 + i:02d}T22:00:00Z", "+3001", "+1999") for i in range(6)]
    ids, ts, a, bb = zip(*calls, strict=True)
    b.add_calls(ids, ts, a, bb, [60] * len(ids))
    b.add_messages(
        ["MS1"],
        ["2024-02-14T20:00:00Z"],
        ["+1003"],
        ["+2001"],
        ["If you run I will hurt your family"],
    )
    b.add_trips(
        ["BK1", "BK2"],
        ["2024-02-01T10:00:00Z", "2024-02-03T10:00:00Z"],
        ["V1", "V2"],
        ["Sofia", "Sofia"],
        ["Miami", "Miami"],
        ["+1002", "+1002"],
        ["AT", "AT"],
        [300.0, 320.0],
    )
    pays = [
        # id, date, payer, payee, amount, channel, from, to, payer name, payee name, ref
        ("P1", "2024-02-20", "AV1", "AX", 500.0, "bank", "US", "US", "Victim One", "Xena", "rent"),
        ("P2", "2024-02-27", "AV1", "AX", 500.0, "bank", "US", "US", "Victim One", "Xena", "rent"),
        ("P3", "2024-02-21", "AV2", "AX", 400.0, "bank", "US", "US", "Victim Two", "Xena", "rent"),
        ("P4", "2024-02-28", "AV2", "AX", 400.0, "bank", "US", "US", "Victim Two", "Xena", "rent"),
        ("P5", "2024-03-01", "AX", "AM", 1500.0, "bank", "US", "US", "Xena", "Max", "share"),
        ("P6", "2024-03-02", "AM", "AB", 400.0, "mto", "US", "MX", "Max", "Bea", "family"),
        ("P7", "2024-03-09", "AM", "AB", 400.0, "mto", "US", "MX", "Max", "Bea", "family"),
        ("P8", "2024-03-16", "AM", "AB", 400.0, "mto", "US", "MX", "Max", "Bea", "family"),
        ("P9", "2024-03-03", "AX", "AO", 250.0, "bank", "US", "US", "Xena", "Otto", "consulting"),
        ("P10", "2024-04-03", "AX", "AO", 250.0, "bank", "US", "US", "Xena", "Otto", "consult"),
    ]
    cols = list(zip(*pays, strict=True))
    b.add_payments(
        cols[0],
        cols[1],
        cols[2],
        cols[3],
        cols[4],
        "USD",
        cols[5],
        cols[6],
        cols[7],
        cols[8],
        cols[9],
        cols[10],
    )
    b.add_fact(
        Fact("F-threat", "means.threat", "E", "V1", "suggested", "chat:1", "chat", locator="MS1")
    )
    b.add_fact(
        Fact(
            "F-recruit",
            "act.recruitment",
            "R",
            "V1",
            "suggested",
            "statement:V1",
            "victim_statement",
        )
    )
    return b.build()


@pytest.fixture
def ring_case() -> CaseData:
    return _ring()


PaymentRow = tuple[str, str, str, str, float]


@pytest.fixture
def pay_case() -> Callable[..., CaseData]:
    """Build a case from payment rows (id, date, payer, payee, amount) plus options."""

    def make(
        rows: list[PaymentRow],
        *,
        channel: str | list[str] = "bank",
        currency: str = "EUR",
        countries: tuple[list[str], list[str]] | None = None,
        payee_names: list[str] | None = None,
        references: list[str] | None = None,
        people: list[Person] | None = None,
    ) -> CaseData:
        b = CaseBuilder()
        for p in people or []:
            b.add_person(p)
        ids, ts, src, dst, amt = zip(*rows, strict=True) if rows else ((),) * 5
        cf, ct = countries if countries else (["ES"] * len(rows), ["ES"] * len(rows))
        b.add_payments(
            ids, ts, src, dst, amt, currency, channel, cf, ct, None, payee_names, references
        )
        return b.build()

    return make
