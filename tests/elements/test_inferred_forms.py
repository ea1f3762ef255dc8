"""Statistics and the HTCDS export count a case with no typology set under the form of
exploitation its evidence points to, per victim where a passage names the victim, and
say it is inferred; a typology a user set always wins."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select, update

from palermo.security.permissions import SYSTEM, Actor
from palermo.services import caseload as svc
from palermo.services import cases
from palermo.services.inferred_forms import inferred_forms
from palermo.services.ingest import ingest_path
from palermo.store.models import Assertion, AssertionStatus, Case

Login = Callable[..., Any]

SUSPECT, ANA, ELENA = "Marco Bellini", "Ana Popescu", "Elena Dragan"
INDICTMENT = (
    "Indictment, count one.\n"
    f"{SUSPECT} forced {ANA} to engage in commercial sex acts at a motel in Houston. "
    f"{SUSPECT} compelled {ELENA} to work 16 hours a day on his farm without pay.\n"
)


def _case(
    ctx: Any, actor: Actor, unit_id: int, tmp_path: Path, ref: str, typology: str | None
) -> int:
    cases.create_case(
        ctx, actor, reference=ref, title=ref, jurisdiction="US", unit_id=unit_id,
        typology=typology, statutes=["us-18-1591"],
    )  # fmt: skip
    for kind, name in (("suspect", SUSPECT), ("victim", ANA), ("victim", ELENA)):
        cases.add_person(ctx, actor, ref, kind=kind, name=name)
    path = tmp_path / f"{ref}.txt"
    path.write_text(INDICTMENT, encoding="utf-8")
    assert ingest_path(ctx, actor, ref, path).ok
    with ctx.db.session() as s:
        return int(s.scalar(select(Case.id).where(Case.reference == ref)))


def _victims(ctx: Any, unit_id: int) -> dict[tuple[str, str], tuple[tuple[str, ...], str | None]]:
    with ctx.db.session() as s:
        people = svc.htcds_people(s, SYSTEM, unit_id)
    return {
        (p.case_reference or "", p.person_ref or ""): (
            p.types_of_exploitation,
            p.type_of_exploitation_source,
        )
        for p in people
        if p.role == "victim"
    }


def test_statistics_and_htcds_use_the_inferred_form_unless_a_user_set_one(
    ctx: Any, prosecutor: Actor, unit_id: int, tmp_path: Path
) -> None:
    bare = _case(ctx, prosecutor, unit_id, tmp_path, "INF-1", None)
    _case(ctx, prosecutor, unit_id, tmp_path, "SET-1", "domestic_servitude")
    with ctx.db.session() as s:
        forms = inferred_forms(s, [bare], per_victim=True)
        stats = svc.outcome_statistics(s, SYSTEM, unit_id)
    assert forms[bare].form == "forced labour and sexual exploitation"
    assert sorted(forms[bare].victims.values()) == ["forced labour", "sexual exploitation"]
    assert stats.inferred_typology_cases == 1
    # Two victims in each case: the inferred case's under "sex" (GLOTIP's rule for a
    # typology naming both), the set one under its own typology.
    assert stats.victims_by_form_inferred == {"Sexual exploitation": 2}
    assert stats.victims_breakdown.by_form == {
        "Sexual exploitation": 2,
        "Forced labour": 2,
    }

    victims = _victims(ctx, unit_id)
    inferred = {ref: v for (case, ref), v in victims.items() if case == "INF-1"}
    assert sorted(inferred.values()) == [
        (("Forced labour",), "inferred for the victim"),
        (("Sexual exploitation",), "inferred for the victim"),
    ]
    assert {v for (case, _), v in victims.items() if case == "SET-1"} == {
        (("Domestic servitude",), "set")
    }


def test_rejected_passages_no_longer_count(
    ctx: Any, prosecutor: Actor, unit_id: int, tmp_path: Path
) -> None:
    bare = _case(ctx, prosecutor, unit_id, tmp_path, "INF-2", None)
    with ctx.db.session() as s:
        s.execute(
            update(Assertion)
            .where(Assertion.case_id == bare, Assertion.predicate == "indicator")
            .values(status=AssertionStatus.REJECTED.value)
        )
    with ctx.db.session() as s:
        assert inferred_forms(s, [bare]) == {}
        assert svc.outcome_statistics(s, SYSTEM, unit_id).inferred_typology_cases == 0
    assert {v for v in _victims(ctx, unit_id).values()} == {((), None)}


def test_outcomes_page_and_htcds_download_say_the_form_is_inferred(
    ctx: Any, prosecutor: Actor, unit_id: int, tmp_path: Path, client: TestClient, login: Login
) -> None:
    _case(ctx, prosecutor, unit_id, tmp_path, "INF-3", None)
    login(client, "prosecutor")
    page = client.get("/outcomes")
    assert page.status_code == 200
    assert 'id="table-forms"' in page.text
    assert "1 case has no typology set by a user" in page.text
    export = client.get("/outcomes/htcds.csv")
    assert export.status_code == 200
    rows = list(csv.DictReader(io.StringIO(export.text)))
    victims = [r for r in rows if r["ext_PersonRole"] == "victim"]
    assert len(victims) == 2
    assert {r["ext_TypeOfExploitationSource"] for r in victims} == {"inferred for the victim"}
    assert {r["vic_TypeOfExploitation"] for r in victims} == {
        "Forced labour",
        "Sexual exploitation",
    }
    assert ANA not in export.text and ELENA not in export.text
