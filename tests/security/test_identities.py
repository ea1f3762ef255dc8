"""The identity layer fails closed: when a sealed identity cannot be opened, the request
stops with a plain error and an audit entry, and nobody is shown the victim's name."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from palermo.cli.main import app as cli
from palermo.security import identities
from palermo.security.permissions import SYSTEM, Actor
from palermo.security.sealing import Sealer
from palermo.services import cases, ingest, timeline
from palermo.services.context import Context
from palermo.settings import Settings, get_settings
from palermo.store.models import AuditEntry, Role
from palermo.web.app import create_app

REF = "SEAL-001"
TRIPS = (
    "booking_id,departed_at,traveller,origin,destination,mode,booked_by,paid_by,price,currency\n"
    "B1,2024-02-28T06:00:00Z,Sarah Jones,Bucharest,London,bus,Travis Jones,Travis Jones,"
    "120.00,EUR\n"
)
WRONG_KEY = bytes.fromhex("cd" * 32)


@pytest.fixture
def sealed_case(ctx: Context, prosecutor: Actor, unit_id: int, tmp_path: Path) -> str:
    cases.create_case(
        ctx, prosecutor, reference=REF, title="Sealed", jurisdiction="US", unit_id=unit_id
    )
    cases.add_person(
        ctx,
        prosecutor,
        REF,
        kind="victim",
        name="Sarah Jones",
        sealed_fields={"date_of_birth": "1998-04-12"},
    )
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "trips.csv").write_text(TRIPS)
    report = ingest.ingest_path(ctx, prosecutor, REF, folder)
    assert [f.status for f in report.files] == ["loaded"]
    return REF


@pytest.fixture
def wrong_key(ctx: Context) -> Context:
    """The same database, opened with a key the identities were not sealed with."""
    return Context(settings=ctx.settings, db=ctx.db, sealer=Sealer(WRONG_KEY), keyring=ctx.keyring)


def _failures(ctx: Context) -> list[AuditEntry]:
    with ctx.db.session() as session:
        return list(
            session.scalars(
                sa.select(AuditEntry).where(AuditEntry.action == identities.UNSEAL_FAILED)
            )
        )


def test_with_the_right_key_an_analyst_sees_the_pseudonym(
    ctx: Context, sealed_case: str, make_user: Callable[..., Actor], prosecutor: Actor
) -> None:
    analyst = make_user(Role.ANALYST)
    cases.add_member(ctx, prosecutor, sealed_case, analyst.username)
    page = cases.list_records(ctx, analyst, sealed_case)
    assert [r.source for r in page.items] == ["V-01"]
    shown = cases.list_records(ctx, prosecutor, sealed_case)
    assert [r.source for r in shown.items] == ["Sarah Jones"]


def test_a_wrong_key_stops_the_service_and_is_audited(
    ctx: Context,
    wrong_key: Context,
    sealed_case: str,
    make_user: Callable[..., Actor],
    prosecutor: Actor,
) -> None:
    analyst = make_user(Role.ANALYST)
    cases.add_member(ctx, prosecutor, sealed_case, analyst.username)
    for call in (
        lambda: cases.list_records(wrong_key, analyst, sealed_case),
        lambda: timeline.case_timeline(wrong_key, analyst, sealed_case),
        lambda: cases.list_people(wrong_key, prosecutor, sealed_case, reveal=True),
    ):
        with pytest.raises(identities.IdentityUnavailable) as raised:
            call()
        assert "V-01" in str(raised.value) and "Sarah" not in str(raised.value)
    failures = _failures(ctx)
    assert len(failures) == 3
    assert {f.username for f in failures} == {analyst.username, prosecutor.username}
    assert all(f.details and f.details["pseudonym"] == "V-01" for f in failures)


@pytest.fixture
def web(wrong_key: Context) -> Iterator[TestClient]:
    with TestClient(create_app(wrong_key), follow_redirects=False) as client:
        yield client


def test_a_wrong_key_gives_the_analyst_an_error_page_not_the_name(
    ctx: Context,
    web: TestClient,
    sealed_case: str,
    make_user: Callable[..., Actor],
    prosecutor: Actor,
    login: Callable[[TestClient, str], TestClient],
) -> None:
    analyst = make_user(Role.ANALYST, "analyst")
    cases.add_member(ctx, prosecutor, sealed_case, analyst.username)
    login(web, analyst.username)
    for url in (f"/cases/{REF}/records", f"/cases/{REF}/timeline", f"/api/cases/{REF}/records"):
        response = web.get(url)
        assert response.status_code == 503, (url, response.text[:300])
        assert "Sarah" not in response.text and "Jones" not in response.text
        assert "cannot be opened" in response.text
    api = web.get(f"/api/cases/{REF}/records").json()
    assert api["code"] == "identity_unavailable"
    assert len(_failures(ctx)) == 4  # one per request


def test_a_wrong_key_stops_ingest_in_the_cli_with_a_clear_message(
    ctx: Context,
    settings: Settings,
    sealed_case: str,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    folder = tmp_path / "more"
    folder.mkdir()
    (folder / "statement.txt").write_text("Sarah Jones said she was recruited in March.\n")
    monkeypatch.setenv("PALERMO_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("PALERMO_DATABASE_URL", settings.resolved_database_url)
    monkeypatch.setenv("PALERMO_SECRET_KEY", "cd" * 32)
    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(cli, ["ingest", REF, str(folder)])
    finally:
        get_settings.cache_clear()
    assert result.exit_code != 0
    # The keyring refuses the wrong master key before any identity is tried.
    assert "not the key this database was written with" in " ".join(result.output.split())
    # Nothing half-written: the statement was not stored without its names matched.
    assert [e.original_name for e in cases.list_evidence(ctx, SYSTEM, REF)] == ["trips.csv"]


def test_a_record_search_matches_what_the_viewer_is_shown_not_a_hidden_name(
    ctx: Context, sealed_case: str, make_user: Callable[..., Actor], prosecutor: Actor
) -> None:
    analyst = make_user(Role.ANALYST)
    cases.add_member(ctx, prosecutor, sealed_case, analyst.username)

    def found(actor: Actor, term: str) -> int:
        return cases.list_records(ctx, actor, sealed_case, search=term).total

    # The analyst cannot learn which records carry the sealed name, or part of it.
    assert [found(analyst, t) for t in ("Sarah", "Sar", "Jones", "V-01")] == [0, 0, 0, 1]
    assert [found(prosecutor, t) for t in ("Sarah", "Sar", "V-01")] == [1, 1, 0]
