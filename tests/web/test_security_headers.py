"""Security headers everywhere, and no external URL in any page or static asset."""

from __future__ import annotations

import re
from collections.abc import Callable
from types import ModuleType

from fastapi.testclient import TestClient

from palermo.security.permissions import Actor
from palermo.services import cases
from palermo.services.context import Context
from palermo.web.app import STATIC_DIR

Login = Callable[[TestClient, str], TestClient]
EXTERNAL = re.compile(r"https?://|//[a-z0-9.-]+\.[a-z]{2,}/", re.IGNORECASE)


def _check_headers(response: object) -> None:
    headers = response.headers  # type: ignore[attr-defined]
    csp = headers["content-security-policy"]
    assert "default-src 'self'" in csp
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["x-frame-options"] == "DENY"
    assert headers["referrer-policy"] == "same-origin"


def test_headers_on_pages_api_static_and_errors(client: TestClient) -> None:
    for path in (
        "/login",
        "/api/openapi.json",
        "/static/css/palermo.css",
        "/no/such/page",
        "/api/cases",
    ):
        _check_headers(client.get(path))
    assert client.get("/login").headers["cache-control"] == "no-store"


def test_no_external_url_and_no_inline_script_anywhere(
    ctx: Context,
    client: TestClient,
    case_ref: str,
    prosecutor: Actor,
    login: Login,
    seeding: ModuleType,
    csrf: Callable[[str], str],
) -> None:
    seeding.add_calls(ctx, case_ref, 30)
    seeding.add_failed_file(ctx, case_ref)
    cases.add_person(ctx, prosecutor, case_ref, kind="victim", name="Ana")
    pages = [client.get("/login").text]
    login(client, "prosecutor")
    for path in (
        "/cases",
        "/cases?sort=stage&desc=1",
        f"/cases/{case_ref}",
        f"/cases/{case_ref}/evidence",
        f"/cases/{case_ref}/people",
        f"/cases/{case_ref}/people?reveal=1",
        f"/cases/{case_ref}/records",
        f"/cases/{case_ref}/records?kind=call&per_page=25&page=2",
        "/account/tokens",
        "/cases/NOPE",
        "/nowhere",
    ):
        response = client.get(path)
        _check_headers(response)
        pages.append(response.text)
    pages.append(
        client.post("/account/tokens", data={"name": "t", "csrf_token": csrf(pages[-1])}).text
    )
    for html in pages:
        assert not EXTERNAL.search(html), EXTERNAL.search(html)
        # Scripts only from our static folder: the CSP forbids inline ones.
        for script in re.findall(r"<script[^>]*>(.*?)</script>", html, re.S):
            assert script.strip() == ""
        assert re.findall(r'<script src="([^"]+)"', html) == ["/static/js/palermo.js"]
        assert " style=" not in html and "<style" not in html
        assert re.search(r" on[a-z]+=", html) is None

    static_files = [p for p in STATIC_DIR.rglob("*") if p.is_file()]
    assert {p.suffix for p in static_files} >= {".css", ".js"}
    for file in static_files:
        relative = file.relative_to(STATIC_DIR).as_posix()
        served = client.get(f"/static/{relative}")
        assert served.status_code == 200
        if relative.startswith("vendor/"):
            # Libraries installed by npm at build time: their comments and licences name
            # their home pages; what matters is that no page loads anything from outside.
            continue
        assert not EXTERNAL.search(served.text), (relative, EXTERNAL.search(served.text))
