"""The People rows and the Timeline entries are rendered once per kept view and kind of
viewer, and kept: a rendering kept for one viewer (role; victims' names shown or not) is
never served to another, an edit shows at once, and every request is still checked and
audited."""

from __future__ import annotations

from collections.abc import Callable
from types import ModuleType

import sqlalchemy as sa
from fastapi.testclient import TestClient

from palermo.security.permissions import Actor
from palermo.services import cases, people
from palermo.services.context import Context
from palermo.store.models import AuditEntry, Person, Role
from palermo.web.fragments import fragments
from palermo.web.pages.timeline import entry_fragments

Login = Callable[[TestClient, str], TestClient]
MakeUser = Callable[..., Actor]


def _audited(ctx: Context, action: str) -> int:
    with ctx.db.session() as session:
        return (
            session.scalar(
                sa.select(sa.func.count())
                .select_from(AuditEntry)
                .where(AuditEntry.action == action)
            )
            or 0
        )


def _rows(html: str) -> str:
    return html.split('<table class="data-table"', 1)[1].split("</table>", 1)[0]


def test_people_rows_are_kept_per_viewer_and_follow_edits(
    ctx: Context,
    client: TestClient,
    prosecutor: Actor,
    case_ref: str,
    login: Login,
    make_user: MakeUser,
) -> None:
    cases.add_person(ctx, prosecutor, case_ref, kind="victim", name="Maria Ionescu")
    cases.add_person(ctx, prosecutor, case_ref, kind="suspect", name="Ion Popescu")
    analyst = make_user(Role.ANALYST, "analyst")
    cases.add_member(ctx, prosecutor, case_ref, analyst.username)
    url = f"/cases/{case_ref}/people"

    login(client, "prosecutor")
    revealed = client.get(url + "?reveal=1").text
    assert "Maria Ionescu" in _rows(revealed)
    rendered = fragments.rendered
    before = _audited(ctx, "person.list")
    again = client.get(url + "?reveal=1").text
    assert fragments.rendered == rendered  # kept, not drawn again
    assert _rows(again) == _rows(revealed)
    assert _audited(ctx, "person.list") == before + 1  # still audited
    # The same viewer without the names asked for: another rendering, by pseudonym.
    hidden = client.get(url).text
    assert "Maria" not in hidden and "V-01" in _rows(hidden) and "Ion Popescu" in hidden

    # Another role that may not see victims' names never gets the kept rendering.
    client.cookies.clear()
    login(client, "analyst")
    for query in ("?reveal=1", ""):
        html = client.get(url + query).text
        assert "Maria" not in html and "V-01" in _rows(html)
        assert 'aria-label="Edit V-01"' not in html  # the analyst may not edit

    # An edit in place (a rename) shows at once.
    client.cookies.clear()
    login(client, "prosecutor")
    with ctx.db.session() as session:
        suspect = session.scalars(sa.select(Person).where(Person.name == "Ion Popescu")).one()
        suspect_id = suspect.id
    people.update_person(
        ctx, prosecutor, case_ref, suspect_id, name="Ion Popescu-Vlad", aliases=["Nelu"]
    )
    html = client.get(url).text
    assert "Ion Popescu-Vlad" in _rows(html) and "Nelu" in _rows(html)


def test_timeline_entries_are_kept_per_viewer_and_audited(
    ctx: Context,
    client: TestClient,
    prosecutor: Actor,
    case_ref: str,
    login: Login,
    make_user: MakeUser,
    seeding: ModuleType,
) -> None:
    cases.add_person(
        ctx, prosecutor, case_ref, kind="victim", name="Maria Ionescu",
        identifiers=[("phone", "+15550000001")],
    )  # fmt: skip
    cases.add_person(
        ctx, prosecutor, case_ref, kind="suspect", name="Ion Popescu",
        identifiers=[("phone", "+15559990000")],
    )  # fmt: skip
    seeding.add_calls(ctx, case_ref, 12)
    url = f"/cases/{case_ref}/timeline?kind=call&per_page=10"
    analyst = make_user(Role.ANALYST, "analyst")
    cases.add_member(ctx, prosecutor, case_ref, analyst.username)

    login(client, "prosecutor")
    first = client.get(url).text
    assert "V-01 called Ion Popescu" in first and "Maria" not in first
    rendered = entry_fragments.rendered
    before = _audited(ctx, "timeline.read")
    assert client.get(url).text.count("V-01 called") == first.count("V-01 called")
    assert entry_fragments.rendered == rendered
    assert _audited(ctx, "timeline.read") == before + 1
    # Another filter or page: its own entries and links.
    other = client.get(url + "&page=2").text
    assert "Entries 1–10" in first and "Entries 11–12" in other and 'rel="prev"' in other

    # The analyst's entries are the analyst's own rendering, not the prosecutor's kept one.
    client.cookies.clear()
    login(client, "analyst")
    kept = client.get(url).text
    entry_fragments.clear()
    fresh = client.get(url).text
    assert _rows(kept) == _rows(fresh) and "Maria" not in kept
