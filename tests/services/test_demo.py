from __future__ import annotations

import sqlalchemy as sa

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
