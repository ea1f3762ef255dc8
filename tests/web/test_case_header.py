"""The case header shared by every case tab: the readiness verdict of the elements
assessment, as a badge linking to the Overview's reasons, computed once per case change."""

from __future__ import annotations

import re
from collections.abc import Callable
from html import unescape

import sqlalchemy as sa
from fastapi.testclient import TestClient

from palermo.security.permissions import Actor
from palermo.services import cases, elements
from palermo.services.context import Context
from palermo.store.models import AuditEntry

Login = Callable[[TestClient, str], TestClient]
TABS = ("", "/people", "/records", "/evidence", "/network")


def _badge(html: str) -> str:
    start = html.index('id="case-readiness"')
    return unescape(html[html.rindex("<a", 0, start) : html.index("</a>", start)])


def _assessments(ctx: Context) -> int:
    with ctx.db.session() as session:
        return int(
            session.scalar(
                sa.select(sa.func.count())
                .select_from(AuditEntry)
                .where(AuditEntry.action == "elements.view")
            )
            or 0
        )


def test_header_shows_readiness_with_reason_and_link_on_every_tab(
    ctx: Context, client: TestClient, prosecutor: Actor, case_ref: str, login: Login
) -> None:
    login(client, "prosecutor")
    expected = elements.assess(ctx, prosecutor, case_ref)
    for tab in TABS:
        page = client.get(f"/cases/{case_ref}{tab}")
        assert page.status_code == 200, tab
        badge = _badge(page.text)
        assert f'href="/cases/{case_ref}#ready"' in badge  # the reasons in words
        assert expected.readiness.capitalize() in badge
        reason = expected.readiness_reason
        assert f'title="{reason[:1].upper()}{reason[1:]}"' in badge
        assert "badge-bad" in badge  # not ready: nobody is charged yet


def test_readiness_is_computed_once_until_the_case_changes(
    ctx: Context, client: TestClient, prosecutor: Actor, case_ref: str, login: Login
) -> None:
    login(client, "prosecutor")
    before = _assessments(ctx)
    first = _badge(client.get(f"/cases/{case_ref}").text)
    assert _assessments(ctx) == before + 1
    for tab in TABS:
        assert _badge(client.get(f"/cases/{case_ref}{tab}").text) == first
    assert _assessments(ctx) == before + 1  # every other tab used the cached verdict

    suspect = cases.add_person(ctx, prosecutor, case_ref, kind="suspect", name="Ion Popescu")
    cases.add_charge(
        ctx, prosecutor, case_ref, person_id=suspect.id, statute_id="us-18-1591", status="charged"
    )
    changed = _badge(client.get(f"/cases/{case_ref}/people").text)
    title = re.search(r'title="([^"]*)"', changed)
    assert changed != first and title and suspect.pseudonym in title.group(1)
    assert _assessments(ctx) == before + 2
    # The Elements tab shows its own assessment in the header, no second computation.
    page = client.get(f"/cases/{case_ref}/elements")
    assert _badge(page.text) == changed
    assert _assessments(ctx) == before + 3


def test_header_readiness_is_not_shown_to_outsiders(
    ctx: Context, client: TestClient, make_user: Callable[..., Actor], case_ref: str, login: Login
) -> None:
    make_user("prosecutor", "outsider")
    login(client, "outsider")
    page = client.get(f"/cases/{case_ref}")
    assert page.status_code == 404 and 'id="case-readiness"' not in page.text
