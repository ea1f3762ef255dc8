"""The People tab lists a large case's identifiers a page at a time, in kind and value
order, with victims' identifiers hidden from a role that may not see them on every page."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient

from palermo.security.permissions import Actor
from palermo.services import cases
from palermo.services.context import Context
from palermo.store.models import Role
from palermo.web.pages import people as people_page

Login = Callable[[TestClient, str], TestClient]
MakeUser = Callable[..., Actor]


def _values(html: str) -> list[str]:
    table = html.split('id="identifiers-table"', 1)[1].split("</table>", 1)[0]
    return re.findall(r"<code>([^<]*)</code>", table)


def test_identifiers_come_a_page_at_a_time_and_stay_hidden_from_an_analyst(
    ctx: Context,
    client: TestClient,
    prosecutor: Actor,
    case_ref: str,
    login: Login,
    make_user: MakeUser,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(people_page, "IDENTIFIERS_PER_PAGE", 2)
    cases.add_person(
        ctx, prosecutor, case_ref, kind="victim", name="Maria Ionescu",
        identifiers=[("phone", "+40700000001")],
    )  # fmt: skip
    cases.add_person(
        ctx, prosecutor, case_ref, kind="suspect", name="Ion Popescu",
        identifiers=[("phone", "+15550000003"), ("phone", "+15550000002")],
    )  # fmt: skip
    analyst = make_user(Role.ANALYST, "analyst")
    cases.add_member(ctx, prosecutor, case_ref, analyst.username)

    login(client, "prosecutor")
    first = client.get(f"/cases/{case_ref}/people")
    assert first.status_code == 200
    assert _values(first.text) == ["+15550000002", "+15550000003"]
    assert "1–2 of 3" in first.text and "identifiers_page=2" in first.text
    second = client.get(f"/cases/{case_ref}/people?identifiers_page=2")
    assert _values(second.text) == ["+40700000001"]
    assert 'rel="prev"' in second.text and 'rel="next"' not in second.text
    # Past the last page: the last page.
    assert _values(client.get(f"/cases/{case_ref}/people?identifiers_page=9").text) == [
        "+40700000001"
    ]

    client.cookies.clear()
    login(client, "analyst")
    for page in (1, 2):
        html = client.get(f"/cases/{case_ref}/people?identifiers_page={page}").text
        assert "+40700000001" not in html and "Maria" not in html
