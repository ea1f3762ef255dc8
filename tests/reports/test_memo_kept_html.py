"""The memo's HTML with its analysis sections kept rendered per stored analysis, kind of
viewer and variant: the same document as rendering it whole, and never one viewer
kind's rendering served to another (victims' names only to a role allowed, on request)."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
import sqlalchemy as sa
from tests.network_money import simcase
from tests.reports.reviewer import confirm_all

from palermo.reports.memo import render_html
from palermo.security.permissions import Actor
from palermo.services import cases
from palermo.services import memo as memo_service
from palermo.services.context import Context
from palermo.services.memo import build_memo, export_memo
from palermo.store.models import AuditEntry, Case, Role

# The only line that differs between two exports: when, and by whom, it was prepared.
PREPARED = re.compile(r"prepared [^<]*? with Palermo")


@pytest.fixture(scope="module")
def sim_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return simcase.folder(tmp_path_factory.mktemp("memo-kept"))


@pytest.fixture
def sim(ctx: Context, prosecutor: Actor, unit_id: int, sim_folder: Path) -> simcase.SimCase:
    sim = simcase.build(ctx, prosecutor, unit_id, sim_folder)
    assert confirm_all(ctx, prosecutor, sim.reference) > 0
    return sim


def _whole(ctx: Context, actor: Actor, reference: str, reveal: bool, variant: str) -> str:
    """The memo rendered whole and redacted whole, as before anything was kept."""
    memo = build_memo(ctx, actor, reference, reveal=reveal, variant=variant)
    html = render_html(memo)
    if memo.redacted:
        with ctx.db.session() as session:
            case = session.scalar(sa.select(Case).where(Case.reference == reference))
            assert case is not None
            html = memo_service._redactor(ctx, session, case.id, actor).html(html)
    return PREPARED.sub("", html)


def _victim_names(sim: simcase.SimCase) -> list[str]:
    return [p["name"] for p in sim.truth["persons"] if p["kind"] == "victim"]


@pytest.mark.parametrize("variant", ["brief", "full"])
def test_kept_sections_give_the_same_document(
    ctx: Context,
    prosecutor: Actor,
    make_user: Callable[..., Actor],
    sim: simcase.SimCase,
    variant: str,
) -> None:
    analyst = make_user(Role.ANALYST)
    cases.add_member(ctx, prosecutor, sim.reference, analyst.username)
    for actor, reveal in ((prosecutor, True), (prosecutor, False), (analyst, True)):
        first = export_memo(ctx, actor, sim.reference, reveal=reveal, variant=variant).decode()
        again = export_memo(ctx, actor, sim.reference, reveal=reveal, variant=variant).decode()
        whole = _whole(ctx, actor, sim.reference, reveal, variant)
        assert PREPARED.sub("", first) == whole
        assert PREPARED.sub("", again) == whole
        assert "<!--memo-section" not in again
        assert '<section id="facts">' in again


def test_one_viewer_kinds_rendering_is_never_served_to_another(
    ctx: Context,
    prosecutor: Actor,
    make_user: Callable[..., Actor],
    sim: simcase.SimCase,
) -> None:
    analyst = make_user(Role.ANALYST)
    cases.add_member(ctx, prosecutor, sim.reference, analyst.username)
    names = _victim_names(sim)
    memo_service._rendered.clear()  # entries of earlier tests would push these out
    # The names are rendered first, for the prosecutor who asks for them...
    revealed = export_memo(ctx, prosecutor, sim.reference, reveal=True).decode()
    shown = [n for n in names if n in revealed]
    assert shown, "the revealed memo names a victim"
    assert len(memo_service._rendered) == 1
    # ...then nobody else gets that rendering: not the same prosecutor without asking,
    # not an analyst who asks (the role may not see them), in either variant.
    for actor, reveal, variant in (
        (prosecutor, False, "full"),
        (analyst, True, "full"),
        (analyst, False, "brief"),
        (prosecutor, False, "brief"),
    ):
        html = export_memo(ctx, actor, sim.reference, reveal=reveal, variant=variant).decode()
        assert [n for n in shown if n in html] == [], (actor.role, reveal, variant)
        assert "Victims appear by pseudonym" in html
    assert len(memo_service._rendered) == 5  # an entry per viewer kind and variant
    # Each request is still checked and audited, kept or not.
    again = export_memo(ctx, prosecutor, sim.reference, reveal=True).decode()
    assert [n for n in shown if n in again] == shown
    with ctx.db.session() as session:
        exports = session.scalars(
            sa.select(AuditEntry.id).where(AuditEntry.action == "memo.export")
        ).all()
    assert len(exports) == 6
