"""The leak matrix: every GET route of the app (read from its route table) × every role ×
member / non-member of a case whose victims' identities are sealed and run through its
evidence. No sealed identity token may appear in any response (HTML, JSON, CSV, SVG, PDF
text) for a role that may not see identities; roles that may see them do, where the
page shows them."""

from __future__ import annotations

import re
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote_plus, urlencode

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from pydantic import BaseModel
from tests.security import leak_case

from palermo.security.permissions import ROLE_PERMISSIONS, Actor, Permission
from palermo.services import cases
from palermo.services.context import Context
from palermo.store.models import Role
from palermo.web.app import create_app

# Routes whose path parameters the matrix cannot fill, and why. A new route that cannot
# be filled makes the test fail until it is filled or listed here with a reason.
UNFILLABLE: dict[str, str] = {
    # A user's own saved caseload filter: filter values they typed, no case data; each
    # user reaches only their own (tests/caseload_by_hand/test_saved_filters_and_import_api.py).
    "/caseload/filters/{filter_id}": "a user's own saved filter, no case data",
    "/api/caseload/filters/{filter_id}": "a user's own saved filter, no case data",
}
# Query parameters the matrix fills when a route requires them.
SKIP_PATHS = {"/api/openapi.json"}  # the schema, no case data


def allowed(role: Role) -> bool:
    return Permission.SEE_VICTIM_IDENTITY in ROLE_PERMISSIONS[role]


@dataclass(frozen=True)
class GetRoute:
    path: str
    params: tuple[str, ...]
    required_query: tuple[str, ...]
    query: tuple[str, ...]
    bool_query: tuple[str, ...]


def get_routes(app: FastAPI) -> list[GetRoute]:
    """Every GET route, flattened from the app's route table (routers included)."""

    def flat(routes: list[Any], prefix: str = "") -> Iterator[tuple[str, Any]]:
        for route in routes:
            if hasattr(route, "original_router"):  # an included router (newer FastAPI)
                yield from flat(route.original_router.routes, prefix + route.include_context.prefix)
            elif hasattr(route, "path"):
                yield prefix + route.path, route

    out = []
    for path, route in flat(list(app.routes)):
        if "GET" not in (getattr(route, "methods", None) or ()) or path in SKIP_PATHS:
            continue
        dependant = getattr(route, "dependant", None)
        query: list[tuple[str, Any]] = []  # (name, FieldInfo); a model's fields expanded
        for q in getattr(dependant, "query_params", []) or []:
            kind = q.field_info.annotation
            if isinstance(kind, type) and issubclass(kind, BaseModel):
                query += list(kind.model_fields.items())
            else:
                query.append((q.name, q.field_info))
        out.append(
            GetRoute(
                path=path,
                params=tuple(re.findall(r"{(\w+)(?::\w+)?}", path)),
                required_query=tuple(n for n, f in query if f.is_required()),
                query=tuple(n for n, _ in query),
                bool_query=tuple(n for n, f in query if f.annotation is bool),
            )
        )
    return out


def _pdf_text(body: bytes) -> str:
    with tempfile.NamedTemporaryFile(suffix=".pdf") as handle:
        handle.write(body)
        handle.flush()
        done = subprocess.run(
            ["pdftotext", "-enc", "UTF-8", handle.name, "-"], capture_output=True, check=True
        )
    return done.stdout.decode()


def response_text(response: Any) -> str:
    if response.content[:5] == b"%PDF-":
        return _pdf_text(response.content)
    text = response.content.decode("utf-8", errors="replace")
    return text + "\n" + unquote_plus(text)


def _fill(route: GetRoute, leak: leak_case.LeakCase, links: set[str]) -> list[str] | None:
    """Concrete URLs for a route, or None when a path parameter cannot be filled."""
    values: dict[str, list[str]] = {
        "reference": [leak.reference],
        "evidence_file_id": [str(i) for i in leak.evidence_ids.values()],
        "evidence_id": [str(i) for i in leak.evidence_ids.values()],
        "unit_id": [str(leak.unit_id)],
        "number": ["1"],
        "user_id": [str(i) for i in leak.user_ids],
        "person_id": [str(i) for i in [*leak.victim_ids, leak.suspect_id]],
        "photo_id": [str(i) for i in leak.photo_ids],
        "other_id": [str(leak.victim_ids[-1])],  # a merge preview of two people
        # Background jobs of the case, from the links of its Jobs page (a job's status is
        # fetched by its page's script, not linked).
        "job_id": sorted(
            {m[1] for u in links if (m := re.fullmatch(r"/cases/[^/]+/jobs/(\d+)", u))}
        ),
    }
    urls = [route.path]
    for param in route.params:
        if values.get(param):
            urls = [u.replace(f"{{{param}}}", v) for u in urls for v in values[param]]
    if "{" in urls[0]:
        # Harvest the rest from links that the pages of the case point to.
        pattern = re.escape(urls[0])
        pattern = re.sub(r"\\{\w+\\}", r"[^/?#\"'&]+", pattern)
        found = sorted({u for u in links if re.fullmatch(pattern, u)})
        if not found:
            return None
        urls = found
    query_values = {
        "seed": str(leak.victim_ids[0]),
        "victim": str(leak.victim_ids[0]),
        "defendant": str(leak.suspect_id),
    }
    if route.path.endswith("/search"):
        # A search that starts a victim's phone number: hits must not show it.
        query_values["q"] = "+40721"
    required = {q: query_values.get(q) for q in route.required_query}
    if any(v is None for v in required.values()):
        return None
    required |= {q: query_values[q] for q in route.query if q in query_values}
    out = []
    for url in urls:
        base = f"{url}?{urlencode(required)}" if required else url
        out.append(base)
        if route.bool_query:  # and once more with every switch on (reveal=true, ...)
            extra = urlencode({q: "true" for q in route.bool_query})
            out.append(f"{base}{'&' if '?' in base else '?'}{extra}")
    return out


def _harvest(text: str) -> set[str]:
    return {m.split("#")[0] for m in re.findall(r'href="(/[^"]+)"', text)}


@pytest.fixture
def matrix_case(
    ctx: Context, prosecutor: Actor, unit_id: int, tmp_path: Path
) -> leak_case.LeakCase:
    return leak_case.build(ctx, prosecutor, unit_id, tmp_path)


def test_no_route_shows_a_sealed_identity_to_a_role_that_may_not_see_it(
    ctx: Context,
    prosecutor: Actor,
    make_user: Callable[..., Actor],
    matrix_case: leak_case.LeakCase,
    login: Callable[[TestClient, str], TestClient],
) -> None:
    started, cpu = time.perf_counter(), time.process_time()
    leak = matrix_case
    assert leak.patterns and any(p.search("Sarah Jones") for p in leak.patterns)
    app = create_app(ctx)
    routes = get_routes(app)
    assert len(routes) > 30, "the route table was not read"

    clients: dict[tuple[Role, bool], TestClient] = {}
    stack = []
    for role in Role:
        for member in (True, False):
            user = make_user(role, f"{role.value}-{'in' if member else 'out'}")
            if member:
                cases.add_member(ctx, prosecutor, leak.reference, user.username)
            client = TestClient(app, follow_redirects=False)
            stack.append(client)
            clients[(role, member)] = login(client, user.username)

    # Links shown to a member who may see everything fill the remaining path parameters.
    links: set[str] = set()
    lead = clients[(Role.PROSECUTOR, True)]
    for route in routes:
        if all(p == "reference" for p in route.params) and not route.required_query:
            url = route.path.replace("{reference}", leak.reference)
            links |= _harvest(lead.get(url).text)

    unfilled: list[str] = []
    plan: list[str] = []
    for route in routes:
        urls = _fill(route, leak, links)
        if urls is None:
            unfilled.append(route.path)
        else:
            plan += urls
    assert sorted(set(unfilled) - set(UNFILLABLE)) == [], (
        "routes the leak matrix cannot fill: give their parameters a value in _fill, "
        "or list them in UNFILLABLE with the reason"
    )

    leaks: list[str] = []
    statuses: dict[int, int] = {}
    shown_to_allowed: dict[str, list[str]] = {}
    requests = 0
    slow: dict[str, float] = {}
    for (role, member), client in clients.items():
        for url in plan:
            if allowed(role) and member and ".pdf" in url:
                continue  # may see everything; the PDF is its HTML memo, fetched already
            began = time.perf_counter()
            response = client.get(url)
            slow[url] = slow.get(url, 0.0) + time.perf_counter() - began
            requests += 1
            statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
            assert response.status_code < 500, (role, member, url, response.text[:500])
            found = leak.leaks(response_text(response))
            if allowed(role):
                if member and response.status_code == 200:
                    shown_to_allowed[f"{role.value} {url}"] = found
            elif found:
                leaks.append(f"{role.value} {'member' if member else 'non-member'} {url}: {found}")
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    print(
        f"\nleak matrix: {len(plan)} URLs from {len(routes)} GET routes x {len(clients)} "
        f"role/membership pairs = {requests} requests; {len(leaks)} leaks; "
        f"statuses {dict(sorted(statuses.items()))}; {elapsed:.1f} s ({cpu:.1f} s CPU); slowest: "
        + ", ".join(f"{u} {t:.1f} s" for u, t in sorted(slow.items(), key=lambda i: -i[1])[:4])
    )
    assert leaks == [], "\n".join(leaks)

    # The control: roles allowed to see identities do see them where pages show them.
    for role in (r for r in Role if allowed(r)):
        seen = {
            url.split(" ", 1)[1]
            for url, f in shown_to_allowed.items()
            if url.startswith(role.value + " ") and f
        }
        ref = leak.reference
        assert f"/cases/{ref}/people?reveal=true" in seen, (role, sorted(seen))
        assert f"/api/cases/{ref}/records" in seen, (role, sorted(seen))
        if Permission.READ_CASE in ROLE_PERMISSIONS[role]:
            assert f"/cases/{ref}/records" in seen, (role, sorted(seen))

    # Redacted, not removed, and nobody else's name touched: the analyst reads the
    # statement with pseudonyms and neutral tokens, and other people's names as written.
    analyst = clients[(Role.ANALYST, True)]
    ref = leak.reference
    records = analyst.get(f"/cases/{ref}/records").text
    assert "V-01" in records and "Maria Rusu" in records and "[V-01 phone]" in records
    statement = leak.evidence_ids["statement_sarah_jones.txt"]
    document = analyst.get(f"/cases/{ref}/documents/{statement}").text
    for shown in ("[V-01 date of birth]", "[V-01 phone]", "[V-01 location]", "[V-01 e-mail]"):
        assert shown in document, shown
    assert "Travis Jones" in document and "Maria Rusu" in document
    assert "Travis V-01" not in document and "V-02 Rusu" not in document
    for client in stack:
        client.close()
