"""No server error for numbers out of range: every GET route of the app (pages and API),
generated from the route table, with a page number and every integer path parameter far
past what SQLite (2^63) and PostgreSQL (2^31) integers hold."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from palermo.security.permissions import Actor
from palermo.web.app import API_ROUTERS, PAGE_ROUTERS, create_app

HUGE = "99999999999999999999"
Login = Callable[[TestClient, str], TestClient]


def _get_routes() -> list[tuple[str, APIRoute]]:
    """(prefix, route) for every GET route of the page and API routers the app mounts."""
    routers = [("", r) for r in PAGE_ROUTERS] + [("/api", r) for r in API_ROUTERS]
    return [
        (prefix, route)
        for prefix, router in routers
        for route in router.routes
        if isinstance(route, APIRoute) and "GET" in route.methods
    ]


def _fill(prefix: str, route: APIRoute, case_ref: str, number: str) -> str:
    ints = {p.name for p in route.dependant.path_params if p.field_info.annotation is int}

    def value(match: re.Match[str]) -> str:
        name = match.group(1).split(":")[0]
        if name == "reference":
            return case_ref
        return number if name in ints else "x"

    return prefix + re.sub(r"\{([^}]+)\}", value, route.path)


def test_no_server_error_for_huge_pages_and_ids(
    ctx: Any, prosecutor: Actor, case_ref: str, seeding: Any, login: Login
) -> None:
    seeding.add_calls(ctx, case_ref, 5)
    app = create_app(ctx)
    errors: list[str] = []
    with TestClient(app, follow_redirects=False, raise_server_exceptions=False) as client:
        login(client, "prosecutor")
        tried = 0
        for prefix, route in _get_routes():
            for number in (HUGE, "2147483648", "-1", "0"):
                url = _fill(prefix, route, case_ref, number)
                for query in ("", f"?page={number}", f"?page={number}&per_page={number}"):
                    response = client.get(url + query)
                    tried += 1
                    if response.status_code >= 500:
                        errors.append(f"{response.status_code} GET {url}{query}")
    assert tried > 100
    assert errors == []


def test_a_huge_page_number_is_a_clear_422_not_a_500(
    ctx: Any, prosecutor: Actor, case_ref: str, seeding: Any, login: Login
) -> None:
    seeding.add_calls(ctx, case_ref, 5)
    app = create_app(ctx)
    with TestClient(app, follow_redirects=False, raise_server_exceptions=False) as client:
        login(client, "prosecutor")
        api = client.get(f"/api/cases/{case_ref}/records?page={HUGE}")
        assert api.status_code == 422
        assert api.json()["detail"][0]["loc"] == ["query", "page"]
        page = client.get(f"/cases/{case_ref}/records?page={HUGE}")
        assert page.status_code in (200, 422)
