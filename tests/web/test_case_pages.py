"""Caseload and case pages: membership, victims' identities, evidence, records."""

from __future__ import annotations

import re
from collections.abc import Callable
from types import ModuleType

import sqlalchemy as sa
from fastapi.testclient import TestClient

from palermo.security.permissions import Actor
from palermo.services import cases
from palermo.services.context import Context
from palermo.store.models import AuditEntry, Role

Login = Callable[[TestClient, str], TestClient]
MakeUser = Callable[..., Actor]
VICTIM_NAME = "Maria Ionescu"
VICTIM_ALIAS = "Mari"


def _add_people(ctx: Context, prosecutor: Actor, case_ref: str) -> None:
    cases.add_person(
        ctx,
        prosecutor,
        case_ref,
        kind="victim",
        name=VICTIM_NAME,
        aliases=[VICTIM_ALIAS],
        is_minor=True,
        nationality="RO",
        identifiers=[("phone", "+40712345678")],
    )
    cases.add_person(
        ctx,
        prosecutor,
        case_ref,
        kind="suspect",
        name="Ion Popescu",
        identifiers=[("phone", "+15550001111")],
    )


def test_caseload_lists_member_cases_with_details(
    ctx: Context, client: TestClient, case_ref: str, login: Login, seeding: ModuleType
) -> None:
    seeding.add_calls(ctx, case_ref, 7)
    login(client, "prosecutor")
    page = client.get("/cases")
    assert page.status_code == 200
    assert f'href="/cases/{case_ref}"' in page.text
    for text in ("Test case", "US", "Escort advertisements", "Intake", "18 U.S.C. § 1591"):
        assert text in page.text
    assert re.search(r'<td class="num">7</td>', page.text)


def test_caseload_sorts_on_the_server(
    ctx: Context,
    client: TestClient,
    case_ref: str,
    prosecutor: Actor,
    unit_id: int,
    login: Login,
) -> None:
    cases.create_case(
        ctx,
        prosecutor,
        reference="AAA-002",
        title="Zebra farm labour",
        jurisdiction="UK",
        unit_id=unit_id,
        stage="trial",
    )
    login(client, "prosecutor")

    def order(query: str) -> list[str]:
        html = client.get(f"/cases?{query}").text
        return re.findall(r'class="strong-link">([^<]+)<', html)

    assert order("sort=reference") == ["AAA-002", "TEST-001"]
    assert order("sort=reference&desc=1") == ["TEST-001", "AAA-002"]
    assert order("sort=title") == ["TEST-001", "AAA-002"]  # "Test case" < "Zebra..."
    assert order("sort=stage&desc=1") == ["AAA-002", "TEST-001"]  # trial after intake


def test_empty_caseload_says_what_to_do(
    client: TestClient, make_user: MakeUser, login: Login
) -> None:
    newcomer = make_user(Role.INVESTIGATOR)
    login(client, newcomer.username)
    page = client.get("/cases")
    assert "No cases yet" in page.text
    assert "add you" in page.text


def test_non_member_gets_the_same_404_as_for_a_missing_case(
    ctx: Context, client: TestClient, case_ref: str, make_user: MakeUser, login: Login
) -> None:
    outsider = make_user(Role.PROSECUTOR)
    login(client, outsider.username)
    for suffix in ("", "/people", "/evidence", "/records"):
        hidden = client.get(f"/cases/{case_ref}{suffix}")
        missing = client.get(f"/cases/NOPE-999{suffix}")
        assert hidden.status_code == missing.status_code == 404
        assert hidden.text == missing.text
        assert "Test case" not in hidden.text
    for suffix in ("", "/people", "/identifiers", "/evidence", "/records"):
        hidden = client.get(f"/api/cases/{case_ref}{suffix}")
        missing = client.get(f"/api/cases/NOPE-999{suffix}")
        assert hidden.status_code == missing.status_code == 404
        assert hidden.json() == missing.json() == {"detail": "not found"}
    with ctx.db.session() as session:
        denied = session.scalar(
            sa.select(sa.func.count())
            .select_from(AuditEntry)
            .where(
                AuditEntry.action == "case.access_denied",
                AuditEntry.user_id == outsider.user_id,
            )
        )
    assert denied == 18


def test_member_sees_case_header_tabs_and_overview(
    ctx: Context,
    client: TestClient,
    case_ref: str,
    prosecutor: Actor,
    login: Login,
    seeding: ModuleType,
) -> None:
    _add_people(ctx, prosecutor, case_ref)
    seeding.add_calls(ctx, case_ref, 3)
    login(client, "prosecutor")
    page = client.get(f"/cases/{case_ref}")
    assert page.status_code == 200
    html = page.text
    assert '<h1 class="case-title">Test case</h1>' in html
    for tab in ("Overview", "Evidence", "People", "Records"):
        assert f">{tab}</a>" in html
    assert f'href="/cases/{case_ref}" aria-current="page">Overview' in html
    assert "Victim" in html and "Suspect" in html
    assert f'href="/cases/{case_ref}/records?kind=call">3</a>' in html
    assert VICTIM_NAME not in html


def test_analyst_member_never_sees_victim_names_even_when_asking(
    ctx: Context,
    client: TestClient,
    case_ref: str,
    prosecutor: Actor,
    make_user: MakeUser,
    login: Login,
) -> None:
    _add_people(ctx, prosecutor, case_ref)
    analyst = make_user(Role.ANALYST)
    cases.add_member(ctx, prosecutor, case_ref, analyst.username)
    login(client, analyst.username)
    pages = [
        client.get(f"/cases/{case_ref}/people?reveal=1"),
        client.get(f"/cases/{case_ref}/people?reveal=true"),
        client.get(f"/api/cases/{case_ref}/people?reveal=true"),
        client.get(f"/api/cases/{case_ref}/identifiers"),
        client.get(f"/cases/{case_ref}"),
    ]
    for response in pages:
        assert response.status_code == 200
        assert VICTIM_NAME not in response.text
        assert VICTIM_ALIAS not in response.text
    people_page = pages[0].text
    assert "V-01" in people_page and "Ion Popescu" in people_page
    assert "Show identities" not in people_page
    victim = next(p for p in pages[2].json() if p["kind"] == "victim")
    assert victim["display_name"] == "V-01" and victim["identity_visible"] is False


def test_prosecutor_sees_victim_names_only_when_revealing(
    ctx: Context, client: TestClient, case_ref: str, prosecutor: Actor, login: Login
) -> None:
    _add_people(ctx, prosecutor, case_ref)
    login(client, "prosecutor")
    hidden = client.get(f"/cases/{case_ref}/people")
    assert VICTIM_NAME not in hidden.text
    assert "Show identities" in hidden.text
    assert "Sealed" in hidden.text
    shown = client.get(f"/cases/{case_ref}/people?reveal=1")
    assert VICTIM_NAME in shown.text and VICTIM_ALIAS in shown.text
    assert "Hide identities" in shown.text
    assert "+40712345678" in shown.text  # the identifiers list
    api = client.get(f"/api/cases/{case_ref}/people", params={"reveal": "true"}).json()
    assert any(p["display_name"] == VICTIM_NAME for p in api)
    with ctx.db.session() as session:
        reveals = session.scalars(
            sa.select(AuditEntry.details).where(AuditEntry.action == "person.list")
        ).all()
    assert [bool(d and d.get("reveal")) for d in reveals] == [False, True, True]


def test_evidence_tab_shows_full_hash_size_status_and_problem(
    ctx: Context, client: TestClient, case_ref: str, login: Login, seeding: ModuleType
) -> None:
    digest = seeding.add_calls(ctx, case_ref, 4)
    seeding.add_failed_file(ctx, case_ref)
    login(client, "prosecutor")
    html = client.get(f"/cases/{case_ref}/evidence").text
    assert f'<code class="hash">{digest}</code>' in html
    assert "cdr_march.csv" in html and "CSV table" in html and "text/csv" not in html
    assert "47.1 KB" in html  # 48,217 bytes
    assert "Loaded" in html and "Failed" in html
    assert "the PDF is encrypted" in html


def test_empty_tabs_say_what_to_do_next(client: TestClient, case_ref: str, login: Login) -> None:
    login(client, "prosecutor")
    assert f"palermo ingest {case_ref} PATH" in client.get(f"/cases/{case_ref}/evidence").text
    assert "No records yet" in client.get(f"/cases/{case_ref}/records").text
    assert "No people recorded yet" in client.get(f"/cases/{case_ref}/people").text


def _rows(html: str) -> list[str]:
    return re.findall(r"<code>(\+1555000\d{4})</code>", html)


def test_records_paginate_and_sort_on_the_server(
    ctx: Context, client: TestClient, case_ref: str, login: Login, seeding: ModuleType
) -> None:
    seeding.add_calls(ctx, case_ref, 60)
    seeding.add_payments(ctx, case_ref, ["10.00", "2500.50", "300.00"])
    login(client, "prosecutor")
    base = f"/cases/{case_ref}/records"

    first = client.get(base, params={"kind": "call", "per_page": 25})
    assert first.status_code == 200
    assert _rows(first.text) == [f"+1555000{i:04d}" for i in range(25)]
    assert "Showing 1–25 of 60 records" in first.text
    assert "cdr_march.csv" in first.text and "row 2<" in first.text  # provenance

    third = client.get(base, params={"kind": "call", "per_page": 25, "page": 3})
    assert _rows(third.text) == [f"+1555000{i:04d}" for i in range(50, 60)]
    assert "Showing 51–60 of 60 records" in third.text

    # Sorting by duration ascending puts the last row (shortest call) first.
    by_duration = client.get(base, params={"kind": "call", "per_page": 5, "sort": "duration_s"})
    assert _rows(by_duration.text) == [f"+1555000{i:04d}" for i in (59, 58, 57, 56, 55)]
    assert 'aria-sort="ascending"' in by_duration.text
    newest = client.get(base, params={"kind": "call", "per_page": 5, "desc": "1"})
    assert _rows(newest.text) == [f"+1555000{i:04d}" for i in (59, 58, 57, 56, 55)]
    assert 'aria-sort="descending"' in newest.text

    # The header link for the active column flips the direction.
    flipped = "kind=call&amp;per_page=5&amp;sort=duration_s&amp;desc=1"
    assert f'href="/cases/TEST-001/records?{flipped}"' in by_duration.text

    payments = client.get(base, params={"kind": "payment", "sort": "amount", "desc": "1"}).text
    amounts = re.findall(r"([\d,]+\.\d\d) EUR", payments)
    assert amounts == ["2,500.50", "300.00", "10.00"]

    search = client.get(base, params={"q": "+1555000001"})
    assert "Showing 1–10 of 10 records" in search.text

    assert client.get(base, params={"sort": "body"}).status_code == 422
    assert client.get(base, params={"kind": "fax"}).status_code == 422


def test_case_data_is_escaped_in_pages(
    ctx: Context, client: TestClient, prosecutor: Actor, unit_id: int, login: Login
) -> None:
    cases.create_case(
        ctx,
        prosecutor,
        reference="XSS-1",
        title="<script>alert(1)</script>",
        jurisdiction="US",
        unit_id=unit_id,
    )
    cases.add_person(ctx, prosecutor, "XSS-1", kind="suspect", name='"><img src=x>')
    login(client, "prosecutor")
    for path in ("/cases", "/cases/XSS-1", "/cases/XSS-1/people"):
        html = client.get(path).text
        assert "<script>alert" not in html and "<img src=x>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in client.get("/cases/XSS-1").text
