"""The JSON API: tokens, Bearer authentication, cases and records, the OpenAPI document."""

from __future__ import annotations

import re
from collections.abc import Callable
from types import ModuleType

from fastapi.testclient import TestClient

from palermo.security.permissions import Actor
from palermo.services import cases, users
from palermo.services.context import Context

Login = Callable[[TestClient, str], TestClient]


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_token_created_on_the_page_is_shown_once_and_works(
    ctx: Context,
    client: TestClient,
    case_ref: str,
    login: Login,
    csrf: Callable[[str], str],
) -> None:
    login(client, "prosecutor")
    form = csrf(client.get("/account/tokens").text)
    created = client.post("/account/tokens", data={"name": "notebook", "csrf_token": form})
    assert created.status_code == 200
    match = re.search(r'id="new-token">(plm_[^<]+)<', created.text)
    assert match
    token = match.group(1)
    listing = client.get("/account/tokens").text
    assert "notebook" in listing and token not in listing

    api = TestClient(client.app)  # no cookies: the token alone
    answer = api.get("/api/cases", headers=_bearer(token))
    assert answer.status_code == 200
    assert [c["reference"] for c in answer.json()] == [case_ref]

    # Revoked: the token stops working.
    token_id = re.search(r"/account/tokens/(\d+)/revoke", listing)
    assert token_id
    form = csrf(listing)
    revoked = client.post(f"/account/tokens/{token_id.group(1)}/revoke", data={"csrf_token": form})
    assert revoked.status_code == 303
    assert api.get("/api/cases", headers=_bearer(token)).status_code == 401


def test_bad_or_missing_credentials_get_401(client: TestClient, case_ref: str) -> None:
    for headers in (_bearer("plm_not-a-real-token"), {"Authorization": "Basic abc"}, {}):
        answer = client.get("/api/cases", headers=headers)
        assert answer.status_code == 401
        assert answer.headers["www-authenticate"] == "Bearer"
        assert "reference" not in answer.text


def test_api_token_endpoint_needs_session_and_csrf_header(
    ctx: Context,
    client: TestClient,
    prosecutor: Actor,
    login: Login,
    csrf: Callable[[str], str],
) -> None:
    assert client.post("/api/tokens", json={"name": "x"}).status_code == 401
    login(client, "prosecutor")
    assert client.post("/api/tokens", json={"name": "x"}).status_code == 403
    header = {"X-CSRF-Token": csrf(client.get("/cases").text)}
    created = client.post("/api/tokens", json={"name": "script"}, headers=header)
    assert created.status_code == 201
    token = created.json()["token"]
    assert created.json()["name"] == "script" and token.startswith("plm_")
    # A token cannot mint more tokens.
    minted = TestClient(client.app).post("/api/tokens", json={"name": "y"}, headers=_bearer(token))
    assert minted.status_code == 401
    assert client.post("/api/tokens", json={"name": ""}, headers=header).status_code == 422


def test_case_endpoints_return_typed_json_with_provenance(
    ctx: Context,
    client: TestClient,
    case_ref: str,
    prosecutor: Actor,
    seeding: ModuleType,
) -> None:
    digest = seeding.add_calls(ctx, case_ref, 12)
    seeding.add_payments(ctx, case_ref, ["99.99", "5.00"])
    cases.add_person(
        ctx,
        prosecutor,
        case_ref,
        kind="suspect",
        name="Ion Popescu",
        identifiers=[("phone", "+15550001111")],
    )
    token = users.create_api_token(ctx, prosecutor, "tests")
    api = TestClient(client.app, headers=_bearer(token))

    case = api.get(f"/api/cases/{case_ref}").json()
    assert case == {
        "reference": case_ref,
        "title": "Test case",
        "jurisdiction": "US",
        "typology": "escort_ads",
        "stage": "intake",
        "statutes": ["us-18-1591"],
        "opened_on": None,
        "record_count": 14,
    }
    people = api.get(f"/api/cases/{case_ref}/people").json()
    assert [(p["kind"], p["display_name"]) for p in people] == [("suspect", "Ion Popescu")]
    identifiers = api.get(f"/api/cases/{case_ref}/identifiers").json()
    assert identifiers[0]["value"] == "+15550001111" and identifiers[0]["person"] == "Ion Popescu"
    evidence = api.get(f"/api/cases/{case_ref}/evidence").json()
    assert {f["sha256"] for f in evidence} >= {digest}

    page = api.get(
        f"/api/cases/{case_ref}/records",
        params={"kind": "call", "page": 2, "per_page": 5, "sort": "duration_s", "desc": "true"},
    ).json()
    assert (page["total"], page["page"], page["pages"], page["per_page"]) == (12, 2, 3, 5)
    assert page["sort"] == "duration_s" and page["desc"] is True
    assert [r["duration_s"] for r in page["items"]] == [70, 60, 50, 40, 30]
    assert page["items"][0]["evidence_file"] == "cdr_march.csv"
    assert page["items"][0]["row_number"] == 7

    payments = api.get(
        f"/api/cases/{case_ref}/records", params={"kind": "payment", "sort": "amount"}
    ).json()
    assert [r["amount"] for r in payments["items"]] == ["5.00", "99.99"]

    bad = api.get(f"/api/cases/{case_ref}/records", params={"sort": "body"})
    assert bad.status_code == 422 and "cannot sort by 'body'" in bad.json()["detail"]
    assert api.get(f"/api/cases/{case_ref}/records", params={"page": 0}).status_code == 422


def test_openapi_document_is_served_and_no_cdn_docs(client: TestClient) -> None:
    spec = client.get("/api/openapi.json")
    assert spec.status_code == 200
    paths = spec.json()["paths"]
    for path in (
        "/api/cases",
        "/api/cases/{reference}",
        "/api/cases/{reference}/people",
        "/api/cases/{reference}/identifiers",
        "/api/cases/{reference}/evidence",
        "/api/cases/{reference}/records",
        "/api/tokens",
    ):
        assert path in paths
    assert not any(p.startswith(("/cases", "/login")) for p in paths)  # pages are not API
    assert "RecordPage" in spec.json()["components"]["schemas"]
    for docs in ("/docs", "/redoc", "/api/docs"):
        assert client.get(docs).status_code == 404
