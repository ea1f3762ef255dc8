"""Unit exports list only the cases the user is a member of, and no CSV cell the product
writes can run as a spreadsheet formula."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from decimal import Decimal

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from tests.caseload_web import seed

from palermo.analysis.restitution import Worksheet
from palermo.caseload import htcds
from palermo.reports import csv_safe
from palermo.security.permissions import SYSTEM, Actor
from palermo.services import caseload as svc
from palermo.services.context import Context
from palermo.store.models import Case, Role

Login = Callable[[TestClient, str], TestClient]
FORMULA = "=cmd|' /C calc'!A0"


@pytest.fixture
def analyst(ctx: Context, unit_id: int, make_user: Callable[..., Actor]) -> Actor:
    """An analyst who is a member of TRIAL-1, INV-2 and CLOSED-4 but not OTHER-3, with a
    hostile hearing reason in a member case and another in OTHER-3."""
    user = make_user(Role.ANALYST, "anal")
    seed.seed_unit(ctx, unit_id, [user.user_id])
    with ctx.db.session() as s:
        ids = {ref: cid for ref, cid in s.execute(select(Case.reference, Case.id))}
        svc.add_hearing(
            s, SYSTEM, case_id=ids["TRIAL-1"], held_on=seed.d(-10), kind="trial",
            adjourned=True, requested_by="defence", reason=FORMULA,
        )  # fmt: skip
        svc.add_hearing(
            s, SYSTEM, case_id=ids["OTHER-3"], held_on=seed.d(-10), kind="trial",
            adjourned=True, requested_by="court", reason="secret of OTHER-3",
        )  # fmt: skip
    return user


def _rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def test_unit_exports_list_only_member_cases(
    client: TestClient, login: Login, analyst: Actor
) -> None:
    login(client, "anal")
    cases = _rows(client.get("/outcomes/export/cases.csv").text)
    assert sorted(r["reference"] for r in cases) == ["CLOSED-4", "INV-2", "TRIAL-1"]
    member_ids = {r["id"] for r in cases}
    for table in ("stage_transitions", "hearings", "deadlines", "outcomes"):
        response = client.get(f"/outcomes/export/{table}.csv")
        assert response.status_code == 200, table
        assert "OTHER-3" not in response.text
        rows = _rows(response.text)
        assert {r["case_id"] for r in rows} <= member_ids, table
    hearings = client.get("/outcomes/export/hearings.csv").text
    assert "secret of OTHER-3" not in hearings and "witness not available" not in hearings


def test_the_system_operator_still_exports_the_whole_unit(
    ctx: Context, unit_id: int, analyst: Actor
) -> None:
    with ctx.db.session() as s:
        text = svc.export_csv(s, SYSTEM, unit_id, "cases")
    assert "OTHER-3" in text


def test_a_formula_in_a_hearing_reason_is_neutralised(
    client: TestClient, login: Login, analyst: Actor
) -> None:
    login(client, "anal")
    text = client.get("/outcomes/export/hearings.csv").text
    reasons = [r["reason"] for r in _rows(text)]
    assert "'" + FORMULA in reasons
    assert FORMULA not in reasons


@pytest.mark.parametrize(
    "value",
    ["=1+1", "+1+1", "-1+1", "@SUM(A1)", "\t=1", "\r=1", "-A1", '=HYPERLINK("x")', "-"],
)
def test_every_trigger_character_is_prefixed(value: str) -> None:
    assert csv_safe.safe_cell(value) == "'" + value
    assert csv_safe.restore("'" + value) == value


@pytest.mark.parametrize("value", ["-12.50", "+3", "-1e5", "0", "12", ".5"])
def test_numeric_text_stays_numeric(value: str) -> None:
    assert csv_safe.safe_cell(value) == value


def test_typed_numbers_stay_numbers_and_plain_text_is_untouched() -> None:
    assert csv_safe.safe_cell(-5) == -5
    assert csv_safe.safe_cell(Decimal("-1.50")) == Decimal("-1.50")
    assert csv_safe.safe_cell(None) == ""
    assert csv_safe.safe_cell("a=b") == "a=b"
    assert csv_safe.restore("'plain") == "'plain"
    text = csv_safe.to_text(["a", "b"], [[FORMULA, -3]])
    assert list(csv.reader(io.StringIO(text))) == [["a", "b"], ["'" + FORMULA, "-3"]]


def test_restitution_worksheet_csv_is_neutralised() -> None:
    sheet = Worksheet(title="t", currency="USD")
    sheet.add(FORMULA, "@x", Decimal("-2"))
    sheet.notes.append("+note")
    rows = list(csv.reader(io.StringIO(sheet.to_csv())))
    assert rows[1][:2] == ["'" + FORMULA, "'@x"] and rows[1][3] == "-2.00"
    assert rows[2][1] == "'+note"


def test_htcds_csv_is_neutralised_and_round_trips() -> None:
    person = htcds.HtcdsPerson(person_ref="=1+2", role="victim", case_reference="@ref")
    out = io.StringIO()
    htcds.write_csv([person], out)
    assert "'=1+2" in out.getvalue() and "'@ref" in out.getvalue()
    back = htcds.read_csv(out.getvalue())
    assert back.people[0].person_ref == "=1+2"
    assert back.people[0].case_reference == "@ref"


def test_no_other_module_writes_csv_itself() -> None:
    """Every CSV for a person goes through csv_safe; the simulator writes evidence, not
    exports, and keeps its cells verbatim."""
    import pathlib
    import re

    import palermo

    root = pathlib.Path(palermo.__file__).parent
    writers = re.compile(r"\bcsv\.(writer|DictWriter)\(")
    offenders = [
        str(path.relative_to(root))
        for path in root.rglob("*.py")
        if path.name != "csv_safe.py"
        and "simulate" not in path.parts
        and writers.search(path.read_text(encoding="utf-8"))
    ]
    assert offenders == []
