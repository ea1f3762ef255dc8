from __future__ import annotations

import sqlalchemy as sa

from palermo import clock
from palermo.services import cases, users
from palermo.services.context import Context
from palermo.services.demo import DemoCase, build_demo, demo_password
from palermo.store.models import Case, Charge, Person


def test_demo_builds_cases_users_and_history_and_is_idempotent(ctx: Context) -> None:
    specs = [
        DemoCase("DEMO-T-1", "escort_ads", "trial", 400, 3),
        DemoCase("DEMO-T-2", "domestic_servitude", "investigation", 400, 4),
    ]
    result = build_demo(ctx, specs=specs, history_cases=12)
    assert {login.role for login in result.logins} >= {"prosecutor", "analyst", "admin"}

    prosecutor = users.authenticate(ctx, "prosecutor", demo_password("prosecutor")).actor
    visible = {c.reference: c for c in cases.list_cases(ctx, prosecutor)}
    assert {"DEMO-T-1", "DEMO-T-2"} <= set(visible)
    assert visible["DEMO-T-1"].stage == "trial"
    assert visible["DEMO-T-1"].record_count > 300
    counts = cases.record_counts(ctx, prosecutor, "DEMO-T-1")
    assert all(counts[kind] > 0 for kind in ("call", "message", "payment"))
    people = cases.list_people(ctx, prosecutor, "DEMO-T-1")
    victims = [p for p in people if p.kind == "victim"]
    assert victims and all(p.display_name.startswith("V-") for p in victims)
    assert any(
        e.status == "loaded" and len(e.sha256) == 64
        for e in cases.list_evidence(ctx, prosecutor, "DEMO-T-1")
    )

    with ctx.db.session() as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(Charge)) > 0
        history = session.scalar(
            sa.select(sa.func.count()).select_from(Case).where(Case.reference.like("HIST-%"))
        )
        people_before = session.scalar(sa.select(sa.func.count()).select_from(Person))
    assert history == 12

    build_demo(ctx, specs=specs, history_cases=12)
    with ctx.db.session() as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(Person)) == people_before


def test_demo_cases_are_dated_up_to_today_and_on_target(ctx: Context) -> None:
    """The demo's cases were opened and moved through their stages as a unit would, up
    to the day the demo is built: the dashboard shows none of them over target, and no
    case is older than its stage makes plausible (the simulated evidence keeps its own
    fixed dates)."""

    from palermo.caseload.targets import default_targets
    from palermo.services import caseload_views

    specs = [
        DemoCase("DEMO-A-1", "escort_ads", "intake", 200, 5),
        DemoCase("DEMO-A-2", "domestic_servitude", "charged", 200, 6),
        DemoCase("DEMO-A-3", "escort_ads", "trial", 200, 7),
        DemoCase("DEMO-A-4", "domestic_servitude", "sentencing", 200, 8),
    ]
    build_demo(ctx, specs=specs, history_cases=0)
    prosecutor = users.authenticate(ctx, "prosecutor", demo_password("prosecutor")).actor
    today = clock.today()
    view = caseload_views.dashboard(ctx, prosecutor, today)
    assert view.dashboard is not None
    assert [o.reference for o in view.dashboard.over_target] == []
    limits = default_targets().max_days_in_stage
    for spec in specs:
        hearings = caseload_views.case_hearings(ctx, prosecutor, spec.reference, today)
        assert hearings.stage == spec.stage
        assert hearings.opened_on is not None
        assert 0 < (today - hearings.opened_on).days < 730
        # The stage history leads to the stage, each step after the last and none ahead.
        steps = [t.to_stage for t in hearings.transitions]
        assert (steps[-1] if steps else "intake") == spec.stage
        dates = [t.on for t in hearings.transitions]
        assert dates == sorted(dates) and all(hearings.opened_on <= d <= today for d in dates)
        since = dates[-1] if dates else hearings.opened_on
        assert (today - since).days <= limits.get(spec.stage, 365)
    assert build_demo(ctx, specs=specs, history_cases=0).cases == [s.reference for s in specs]
