"""The Network tab's long tables (suggested roles, culpable but not charged) come a page
at a time, with every row one link away ("Show all"), and a decision returns to its page."""

from __future__ import annotations

import re
from typing import Any

import pytest
from fastapi.testclient import TestClient

from palermo.security.permissions import Actor
from palermo.services import network
from palermo.services.context import Context
from palermo.web.pages import network as network_page

PAGE = "/cases/NET-001/network"


def _row_ids(html: str, table: str) -> list[str]:
    body = html.split(f'id="{table}"', 1)[1].split("</table>", 1)[0]
    return re.findall(r'<tr id="(role-[^"]+)"', body) or re.findall(r"<tr class=", body)


def test_roles_and_culpable_tables_come_a_page_at_a_time(
    ctx: Context, prosecutor: Actor, signed_in: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(network_page, "TABLE_PAGE", 2)
    view = network.network_view(ctx, prosecutor, "NET-001")
    every = [f"role-{r.person_id}-{r.role}" for r in view.roles]
    assert len(every) > 2 and len(view.culpable) > 0
    first = signed_in.get(PAGE).text
    assert _row_ids(first, "roles-table") == every[:2]
    assert f"Showing 1–2 of {len(every)} suggested roles" in first
    assert "roles_page=2#roles" in first and "roles_page=all#roles" in first
    second = signed_in.get(PAGE + "?roles_page=2").text
    assert _row_ids(second, "roles-table") == every[2:4]
    # Past the last page: the last page; "all": every row.
    last = -(-len(every) // 2)
    assert (
        _row_ids(signed_in.get(PAGE + "?roles_page=999").text, "roles-table")
        == every[(last - 1) * 2 :]
    )
    everything = signed_in.get(PAGE + "?roles_page=all").text
    assert _row_ids(everything, "roles-table") == every
    assert f"Showing all {len(every)} suggested roles" in everything
    culpable = _row_ids(signed_in.get(PAGE + "?culpable_page=all").text, "culpable-table")
    assert len(culpable) == len(view.culpable)
    assert len(_row_ids(first, "culpable-table")) == min(2, len(view.culpable))


def test_a_role_decision_returns_to_its_page(
    signed_in: TestClient, csrf: Any, sim: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(network_page, "TABLE_PAGE", 2)
    page = signed_in.get(PAGE + "?roles_page=2")
    form = page.text.split('id="roles-table"', 1)[1].split("</form>", 1)[0]
    person = re.search(r'name="person_id" value="(\d+)"', form)
    role = re.search(r'name="role" value="([^"]+)"', form)
    assert person and role and 'name="roles_page" value="2"' in form
    response = signed_in.post(
        "/cases/NET-001/network/roles",
        data={
            "person_id": person.group(1),
            "role": role.group(1),
            "decision": "confirmed",
            "roles_page": "2",
            "csrf_token": csrf(page.text),
        },
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert response.headers["location"] == (
        f"{PAGE}?roles_page=2#role-{person.group(1)}-{role.group(1)}"
    )
