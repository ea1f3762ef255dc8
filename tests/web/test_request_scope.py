"""One request, one audit transaction for its reads; kept tab bodies that follow the case.

A page's reads (the case, the assessment, the hearings...) are audited together in one
short transaction written before the response is sent; if that write fails the client
gets an error and never the page. Tab bodies rendered once per view and inputs are
rendered again when the case changes, and carry each session's own CSRF token.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from palermo.security import audit
from palermo.security.permissions import Actor
from palermo.services import cases, casework
from palermo.services.context import Context
from palermo.store.models import AuditEntry, Role
from palermo.web.app import create_app
from palermo.web.fragments import fragments

Login = Callable[[TestClient, str], TestClient]
MakeUser = Callable[..., Actor]


def _entries(ctx: Context) -> list[tuple[int, str]]:
    with ctx.db.session() as session:
        rows = session.execute(
            sa.select(AuditEntry.seq, AuditEntry.action).order_by(AuditEntry.seq)
        ).all()
    return [(int(seq), str(action)) for seq, action in rows]


def _verify(ctx: Context) -> audit.VerifyResult:
    with ctx.db.session() as session:
        return audit.verify(session)


@pytest.fixture
def appends(monkeypatch: pytest.MonkeyPatch) -> list[list[str]]:
    """The actions of each batch of reads appended (one list per transaction)."""
    seen: list[list[str]] = []
    original = audit._append_many

    def counting(session: Any, entries: list[dict[str, Any]]) -> None:
        seen.append([str(e["action"]) for e in entries])
        original(session, entries)

    monkeypatch.setattr(audit, "_append_many", counting)
    return seen


def test_a_pages_reads_are_audited_together_before_it_answers(
    ctx: Context,
    client: TestClient,
    case_ref: str,
    prosecutor: Actor,
    login: Login,
    appends: list[list[str]],
) -> None:
    cases.add_person(ctx, prosecutor, case_ref, kind="suspect", name="Ion Popescu")
    login(client, "prosecutor")
    before = len(_entries(ctx))
    page = client.get(f"/cases/{case_ref}/elements")
    assert page.status_code == 200
    # The case read and the assessment, in one append, in the order they were read.
    assert appends[-1][:1] == ["case.read"] and "elements.view" in appends[-1]
    assert len(appends) == 1
    written = [action for _, action in _entries(ctx)[before:]]
    assert written == appends[-1]
    overview = client.get(f"/cases/{case_ref}")
    assert overview.status_code == 200
    assert len(appends) == 2 and "case.overview" in appends[-1]
    assert "caseload.case_hearings" in appends[-1]
    assert _verify(ctx).ok


def test_when_the_audit_cannot_be_written_the_page_is_not_sent(
    ctx: Context,
    case_ref: str,
    login: Login,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with TestClient(
        create_app(ctx), follow_redirects=False, raise_server_exceptions=False
    ) as client:
        login(client, "prosecutor")
        assert "Elements of the offence" in client.get(f"/cases/{case_ref}/elements").text

        def broken(session: Any, entries: list[dict[str, Any]]) -> None:
            raise RuntimeError("the disk is full")

        monkeypatch.setattr(audit, "_append_many", broken)
        page = client.get(f"/cases/{case_ref}/elements")
    assert page.status_code == 500
    assert "Elements of the offence" not in page.text
    assert case_ref not in page.text


def test_reads_outside_a_request_are_written_at_once(
    ctx: Context, case_ref: str, prosecutor: Actor
) -> None:
    before = len(_entries(ctx))
    cases.get_case(ctx, prosecutor, case_ref)
    assert [a for _, a in _entries(ctx)[before:]] == ["case.read"]


def test_a_batch_chains_and_checkpoints_as_single_entries_do(
    ctx: Context, case_ref: str, prosecutor: Actor
) -> None:
    ctx.settings.audit_checkpoint_every = 3
    audit.install(ctx.db.engine, ctx.settings)
    head = len(_entries(ctx))
    with audit.reads_batched() as batch:
        for n in range(7):
            with ctx.db.session() as session:
                audit.record_read(session, actor=prosecutor, action="case.read", details={"n": n})
        assert len(_entries(ctx)) == head  # queued, not written
        assert audit.write_reads(batch) == 7
        # Written already: a later read of the same request is written at once.
        with ctx.db.session() as session:
            audit.record_read(session, actor=prosecutor, action="case.read")
        assert len(_entries(ctx)) == head + 8
    result = _verify(ctx)
    assert result.ok, result.problem
    assert result.checked == head + 8
    # Each multiple of 3 among the batch's entries got its signed checkpoint.
    points = {
        p.seq for p in audit.read_checkpoints(audit.keys_for_engine(ctx.db.engine)).checkpoints
    }
    assert {s for s in range(head + 1, head + 8) if s % 3 == 0} <= points
    # Tampering with an entry of the batch is caught as with any entry.
    with ctx.db.session() as session:
        session.execute(
            sa.update(AuditEntry).where(AuditEntry.seq == head + 4).values(action="case.list")
        )
    assert _verify(ctx).first_bad_seq == head + 4


def _tokens(html: str) -> set[str]:
    return set(re.findall(r'name="csrf_token" value="([^"]+)"', html))


def test_a_kept_tab_body_follows_the_case_and_each_sessions_token(
    ctx: Context,
    ctx_client_pair: tuple[TestClient, TestClient],
    case_ref: str,
    prosecutor: Actor,
    make_user: MakeUser,
    login: Login,
) -> None:
    cases.add_person(ctx, prosecutor, case_ref, kind="suspect", name="Ion Popescu")
    first, second = ctx_client_pair
    login(first, "prosecutor")
    other = make_user(Role.PROSECUTOR, "colleague")
    casework.add_member(ctx, prosecutor, case_ref, username=other.username or "")
    login(second, "colleague")
    url = f"/cases/{case_ref}/elements"
    a = first.get(url).text
    rendered = fragments.rendered
    again = first.get(url).text
    assert fragments.rendered == rendered  # the same assessment: the body was kept
    assert again == a
    b = second.get(url).text
    # Each session's forms carry that session's token, never another's.
    assert len(_tokens(a)) == 1 and len(_tokens(b)) == 1 and _tokens(a) != _tokens(b)
    # A change to the case (a second suspect) is on the next page at once.
    cases.add_person(ctx, prosecutor, case_ref, kind="suspect", name="Vasile Marin")
    changed = first.get(url).text
    assert fragments.rendered > rendered
    assert "Vasile Marin" in changed and "Vasile Marin" not in a


@pytest.fixture
def ctx_client_pair(ctx: Context) -> Any:
    with (
        TestClient(create_app(ctx), follow_redirects=False) as one,
        TestClient(create_app(ctx), follow_redirects=False) as two,
    ):
        yield one, two
