"""Fixtures for the Elements tests: the web fixtures, and a small case seeded through the
services and the real ingest (a victim statement as .txt, a bank file as payments.csv)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from palermo.security.permissions import Actor
from palermo.services import cases
from palermo.services.context import Context
from palermo.services.ingest import ingest_path

SUSPECT = "Marco Bellini"
VICTIM = "Ana Popescu"
WITNESS = "Peter Novak"
SUSPECT_ACCOUNT = "GB33BUKB20201555555555"
VICTIM_ACCOUNT = "RO49AAAA1B31007593840000"

STATEMENT = (
    f"My name is {VICTIM}. I make this statement voluntarily.\n"
    f"{SUSPECT} took my passport when I arrived and kept it.\n"
)
SECOND_STATEMENT = (
    f"My name is {VICTIM}. This is my second statement.\n{SUSPECT} kept my passport in his safe.\n"
)
WITNESS_STATEMENT = (
    f"My name is {WITNESS}. I worked at the bar.\n"
    f"I saw {SUSPECT} take the girls' passports and lock them in his office.\n"
)
PAYMENTS = (
    "transaction_id,booked_at,payer_account,payee_account,amount,currency,reference\n"
    f"T1,2024-03-01T10:00:00Z,{VICTIM_ACCOUNT},{SUSPECT_ACCOUNT},500.00,EUR,debt\n"
)


@dataclass
class Seeded:
    reference: str
    suspect_id: int
    victim_id: int
    witness_id: int
    folder: Path
    # The texts, for the tests (test modules cannot import a conftest).
    STATEMENT = STATEMENT
    SECOND_STATEMENT = SECOND_STATEMENT
    WITNESS_STATEMENT = WITNESS_STATEMENT
    PAYMENTS = PAYMENTS
    VICTIM = VICTIM
    SUSPECT = SUSPECT

    def ingest(self, ctx: Context, actor: Actor, name: str, text: str) -> None:
        path = self.folder / name
        path.write_text(text, encoding="utf-8")
        report = ingest_path(ctx, actor, self.reference, path)
        assert report.ok, report.files


Seed = Callable[..., Seeded]


@pytest.fixture
def seed(ctx: Context, prosecutor: Actor, case_ref: str, tmp_path: Path) -> Seed:
    """People and a charge under the Palermo Protocol; evidence is ingested by each test."""

    def make(*, minor: bool = False, statute: str = "palermo-art3") -> Seeded:
        suspect = cases.add_person(
            ctx, prosecutor, case_ref, kind="suspect", name=SUSPECT,
            identifiers=[("account", SUSPECT_ACCOUNT)],
        )  # fmt: skip
        victim = cases.add_person(
            ctx, prosecutor, case_ref, kind="victim", name=VICTIM, is_minor=minor,
            identifiers=[("account", VICTIM_ACCOUNT)],
        )  # fmt: skip
        witness = cases.add_person(ctx, prosecutor, case_ref, kind="witness", name=WITNESS)
        cases.add_charge(
            ctx, prosecutor, case_ref, person_id=suspect.id, statute_id=statute, status="charged"
        )
        folder = tmp_path / "evidence"
        folder.mkdir(exist_ok=True)
        return Seeded(case_ref, suspect.id, victim.id, witness.id, folder)

    return make
