"""The case cockpit service: readiness reasons in words, the gaps with the action that
closes them and who is assigned, next steps, witness risk, and what changed since the
viewer's last visit."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from palermo import clock
from palermo.security.permissions import Actor
from palermo.services import caseload_views, casework, cockpit
from palermo.services.context import Context
from palermo.store.models import Role

Seed = Callable[..., Any]


def test_cockpit_answers_in_words(
    ctx: Context, prosecutor: Actor, seed: Seed, make_user: Callable[..., Actor]
) -> None:
    s = seed()
    s.ingest(ctx, prosecutor, "statement_ana.txt", s.STATEMENT)
    view = cockpit.cockpit(ctx, prosecutor, s.reference)

    assert view.readiness == "not ready" and view.verdict.startswith("Not ready:")
    [suspect] = view.suspects
    assert suspect.pseudonym == "S-01" and suspect.name == s.SUSPECT
    [charge] = suspect.charges
    assert charge.citation == "Palermo Protocol Art. 3" and charge.charge_status == "Charged"
    reasons = " ".join(charge.reasons)
    assert "the means element rests only on suggestions nobody has confirmed" in reasons.lower()
    assert "No evidence yet of" in reasons
    assert "_" not in reasons and "palermo-art3" not in reasons  # words, not codes
    assert 1 <= len(view.gaps) <= cockpit.MAX_GAPS and view.gaps_total >= len(view.gaps)
    assert all(g.action.endswith(".") and g.assigned_to is None for g in view.gaps)
    assert view.next.next_hearing is None and view.changes.since is None
    assert {w.pseudonym for w in view.witnesses} == {"V-01", "W-01"}

    # A task about a gap, assigned: the gap says who; a hearing: next step.
    gap = view.gaps[0]
    casework.add_note(
        ctx, prosecutor, s.reference, kind="task",
        text=f"Find more on {gap.element_label}", assigned_to="prosecutor",
    )  # fmt: skip
    soon = clock.today() + timedelta(days=5)
    caseload_views.add_hearing(ctx, prosecutor, s.reference, held_on=soon, kind="arraignment")
    investigator = make_user(Role.INVESTIGATOR, "investigator")
    casework.add_member(ctx, prosecutor, s.reference, "investigator")
    casework.add_note(ctx, investigator, s.reference, kind="note", text="Bank replied")

    again = cockpit.cockpit(ctx, prosecutor, s.reference)
    assert again.gaps[0].assigned_to == "prosecutor"
    assert again.next.next_hearing is not None and again.next.next_hearing.held_on == soon
    assert [t.text for t in again.next.tasks] == [f"Find more on {gap.element_label}"]
    assert again.changes.since is not None
    assert "1 note or task written by investigator." in again.changes.lines
    # The viewer's own work is not news to them, and a reload shows nothing new.
    assert not any("by prosecutor" in line for line in again.changes.lines)
    assert cockpit.cockpit(ctx, prosecutor, s.reference).changes.lines == []


def test_gaps_of_several_suspects_are_told_once() -> None:
    from palermo.services.elements import (
        CaseAssessment,
        ElementView,
        GapView,
        StatuteView,
        SuspectView,
    )

    def statute(status: str) -> StatuteView:
        element = ElementView(
            "means", "means", "Threat or force", True, status, status, 0, [], [], [], [], [],
            None,
        )  # fmt: skip
        gap = GapView("means", "Threat or force", "means", status, True, [], ["messages"], "")
        return StatuteView(
            "palermo-art3", "Trafficking", "Palermo Protocol Art. 3", "INTL", "charged",
            "not ready", "", None, [element], [], [], [gap],
        )  # fmt: skip

    suspects = [SuspectView(i, f"S-0{i}", f"Name {i}", [statute("missing")]) for i in (1, 2)]
    result = CaseAssessment(
        "R", "INTL", "not ready", "", suspects, [], [], 0, [], [], 0, False, False
    )
    gaps, total = cockpit.top_gaps(result, [])
    assert total == 1 and gaps[0].suspects == ["S-01", "S-02"]
    assert gaps[0].problem == "No evidence yet of threat or force."
    assert gaps[0].action == "Look for messages."
    groups = cockpit.group_charges([c for s in suspects for c in cockpit.charge_lines(s)])
    assert len(groups) == 1 and [p for p, _ in groups[0].suspects] == ["S-01", "S-02"]
    assert groups[0].reasons == ["No evidence yet of the means element."]


def test_cached_assessment_follows_edits_to_people(
    ctx: Context, prosecutor: Actor, seed: Seed
) -> None:
    from palermo.services import elements

    s = seed()
    s.ingest(ctx, prosecutor, "statement_ana.txt", s.STATEMENT)
    first = elements.assess_cached(ctx, prosecutor, s.reference)
    assert elements.assess_cached(ctx, prosecutor, s.reference) is first  # cached
    from palermo.store.models import Person

    with ctx.db.session() as session:  # an edit that changes no count or id
        person = session.get(Person, s.victim_id)
        assert person is not None
        person.is_minor = True
    again = elements.assess_cached(ctx, prosecutor, s.reference)
    assert again is not first and [v.is_minor for v in again.victims] == [True]
