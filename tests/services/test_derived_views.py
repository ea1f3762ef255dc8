"""Derived views kept in the ``derived_views`` table: read again after a restart (a new
context, the process's memory forgotten) without computing, computed again after new
evidence or a decision, never served to a viewer who may not see what they name, and
encrypted at rest."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from tests.helpers import counting, forget_kept_views
from tests.network_money import simcase

from palermo.security.permissions import Actor
from palermo.services import cases, derived_views, elements, memo, money, network
from palermo.services.context import Context
from palermo.settings import Settings
from palermo.store.models import Identifier, Person, Role
from palermo.store.models.derived import DerivedView

REF = "NET-001"


@pytest.fixture(scope="session")
def sim_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return simcase.folder(tmp_path_factory.mktemp("sim"))


@pytest.fixture
def sim(ctx: Context, prosecutor: Actor, unit_id: int, sim_folder: Path) -> Any:
    return simcase.build(ctx, prosecutor, unit_id, sim_folder)


@pytest.fixture(autouse=True)
def forget_memory(fresh_kept_views: None) -> None:
    """No view kept in memory from another test."""


def restart(settings: Settings) -> Context:
    """What a restart or a second worker sees: a new context, nothing in memory."""
    forget_kept_views()
    return Context.create(settings, migrate=False)


def rows(ctx: Context, name: str | None = None) -> list[Any]:
    with ctx.db.session() as session:
        query = sa.select(DerivedView)
        if name is not None:
            query = query.where(DerivedView.name == name)
        return list(session.scalars(query))


def test_a_restarted_process_reads_the_stored_views_without_computing(
    ctx: Context, settings: Settings, prosecutor: Actor, sim: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    computed = counting(monkeypatch, network, "_compute_view")
    assessed = counting(monkeypatch, elements, "assess")
    first = network.network_view(ctx, prosecutor, REF)
    assessment = elements.assess_cached(ctx, prosecutor, REF)
    tab = money.money_view(ctx, prosecutor, REF)
    assert computed == [1] and assessed == [1] and not first.cached
    assert {r.name for r in rows(ctx)} >= {network._views.name, elements._assessments.name}
    other = restart(settings)
    try:
        again = network.network_view(other, prosecutor, REF)
        assert again.cached and again.graph == first.graph and again.roles == first.roles
        assert elements.assess_cached(other, prosecutor, REF) == assessment
        assert money.money_view(other, prosecutor, REF).flows == tab.flows
        assert computed == [1] and assessed == [1]  # nothing computed again
        with other.db.session() as session:
            reads = session.scalars(
                sa.select(sa.text("action")).select_from(sa.table("audit_log"))
            ).all()
        # every read is still audited, stored or not
        assert reads.count("network.view") == 2 and reads.count("money.view") == 2
        assert reads.count("elements.view") == 2
    finally:
        other.db.dispose()


def test_new_evidence_or_a_decision_computes_again(
    ctx: Context, settings: Settings, prosecutor: Actor, sim: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    computed = counting(monkeypatch, network, "_compute_view")
    network.network_view(ctx, prosecutor, REF)
    cases.add_person(ctx, prosecutor, REF, kind="suspect", name="New Face")
    other = restart(settings)
    try:
        assert not network.network_view(other, prosecutor, REF).cached
        assert computed == [1, 1]
        person = sim.ids[sim.person("transporter")["id"]]
        network.decide_role(
            other, prosecutor, REF, person_id=person, role="transporter", decision="confirmed"
        )
        forget_kept_views()
        view = network.network_view(other, prosecutor, REF)
        assert not view.cached and len(computed) == 3
        row = next(r for r in view.roles if r.person_id == person and r.role == "transporter")
        assert row.decision is not None and row.decision.status == "confirmed"
        # only the view under the latest fingerprint is kept
        assert len(rows(other, network._views.name)) == 1
    finally:
        other.db.dispose()


def test_a_stored_view_is_never_served_to_a_viewer_who_may_not_see_its_names(
    ctx: Context, settings: Settings, prosecutor: Actor, make_user: Any, sim: Any
) -> None:
    analyst = make_user(Role.ANALYST, "analyst")
    cases.add_member(ctx, prosecutor, REF, "analyst")
    victim = next(p for p in sim.truth["persons"] if p["kind"] == "victim")
    shown = network.network_view(ctx, prosecutor, REF, reveal=True)
    assert victim["name"] in shown.people.values()
    other = restart(settings)
    try:
        assert network.network_view(other, prosecutor, REF, reveal=True).cached
        for actor, reveal in ((analyst, True), (prosecutor, False)):
            view = network.network_view(other, actor, REF, reveal=reveal)
            assert victim["name"] not in view.people.values() and not view.cached
        assessment = elements.assess_cached(other, analyst, REF)
        assert victim["name"] not in repr(assessment)
    finally:
        other.db.dispose()


def test_stored_views_are_encrypted_and_bound_to_their_case_and_viewer(
    ctx: Context, settings: Settings, prosecutor: Actor, sim: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    victim = next(p for p in sim.truth["persons"] if p["kind"] == "victim")
    suspect = next(p for p in sim.truth["persons"] if p["kind"] == "suspect")
    network.network_view(ctx, prosecutor, REF, reveal=True)
    (row,) = rows(ctx, network._views.name)
    with ctx.db.engine.connect() as connection:
        raw = connection.execute(sa.text("SELECT sealed FROM derived_views")).scalar_one()
    raw = bytes(raw)
    for name in (victim["name"], suspect["name"]):
        for part in name.split():
            assert part.encode() not in raw
    # the same bytes open with the case's key, and hold the names
    with ctx.db.session() as session:
        cipher = derived_views._cipher(ctx, session, row.case_id)
    aad = derived_views._aad(row.case_id, row.name, row.variant, row.fingerprint)
    opened = derived_views.open_view(cipher, raw, aad)
    assert victim["name"] in opened.view.people.values()
    # moved to another viewer's variant, the row does not open: it is computed afresh
    with ctx.db.session() as session:
        session.execute(sa.update(DerivedView).values(variant="0" * 64))
    computed = counting(monkeypatch, network, "_compute_view")
    other = restart(settings)
    try:
        monkeypatch.setattr(derived_views, "_digest", lambda value: "0" * 64)
        assert not network.network_view(other, prosecutor, REF, reveal=True).cached
        assert computed == [1]
    finally:
        other.db.dispose()


def test_the_memo_reads_the_views_the_pages_stored(
    ctx: Context, settings: Settings, prosecutor: Actor, sim: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # as the prosecutor sees the pages with names shown, and the memo with names
    network.network_view(ctx, prosecutor, REF, reveal=True)
    elements.assess_cached(ctx, prosecutor, REF)
    money.money_view(ctx, prosecutor, REF, reveal=True)
    other = restart(settings)
    try:
        computed = counting(monkeypatch, network, "_compute_view")
        assessed = counting(monkeypatch, elements, "assess")
        traced = counting(monkeypatch, money, "_money_view")
        first = memo.build_memo(other, prosecutor, REF, reveal=True)
        assert computed == [] and assessed == [] and traced == []
        # the memo's own analysis is kept too: a second export computes nothing
        analysed = counting(monkeypatch, memo, "_analyse")
        forget_kept_views()
        again = memo.build_memo(other, prosecutor, REF, reveal=True)
        assert analysed == [] and [s.key for s in again.sections] == [s.key for s in first.sections]
    finally:
        other.db.dispose()


def test_a_stored_view_rebuilds_only_plain_data_and_the_applications_classes() -> None:
    import os
    import pickle
    import zlib
    from datetime import UTC, datetime
    from zoneinfo import ZoneInfo

    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    cipher = AESGCM(AESGCM.generate_key(256))
    aad = b"derived-view:1:test:v:f"
    fine = {
        "when": datetime(2024, 5, 1, tzinfo=ZoneInfo("Europe/Rome")),
        "at": datetime.now(UTC),
        "role": Role.ANALYST,
        "ids": {1, 2},
    }
    assert derived_views.open_view(cipher, derived_views.seal_view(cipher, fine, aad), aad) == fine
    # A payload that would run a command, even sealed with the right key, is refused.
    evil = zlib.compress(b"cos\nsystem\n(S'true'\ntR.")
    nonce = os.urandom(12)
    blob = b"\x01" + nonce + cipher.encrypt(nonce, evil, aad)
    with pytest.raises(pickle.UnpicklingError):
        derived_views.open_view(cipher, blob, aad)
    # So is reading an attribute that is not an enumeration's member.
    getattr_call = zlib.compress(
        b"cbuiltins\ngetattr\n(cpalermo.store.models.core\nRole\nS'__new__'\ntR."
    )
    blob = b"\x01" + nonce + cipher.encrypt(nonce, getattr_call, aad)
    with pytest.raises(pickle.UnpicklingError):
        derived_views.open_view(cipher, blob, aad)


def test_colleagues_of_one_role_share_one_assessment_and_other_roles_do_not(
    ctx: Context, prosecutor: Actor, make_user: Any, sim: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    colleague = make_user(Role.PROSECUTOR, "colleague")
    analyst = make_user(Role.ANALYST, "analyst")
    for name in ("colleague", "analyst"):
        cases.add_member(ctx, prosecutor, REF, name)
    computed = counting(monkeypatch, elements, "assess")
    mine = elements.assess_cached(ctx, prosecutor, REF)
    assert elements.assess_cached(ctx, colleague, REF) is mine and len(computed) == 1
    theirs = elements.assess_cached(ctx, analyst, REF)
    assert theirs is not mine and len(computed) == 2
    assert mine.can_edit and not theirs.can_edit


def test_an_edit_in_place_computes_again_even_when_nothing_is_added(
    ctx: Context, settings: Settings, prosecutor: Actor, sim: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A rename adds no row and changes no count: the case's change stamp moves instead."""
    from palermo.services import people

    computed = counting(monkeypatch, network, "_compute_view")
    network.network_view(ctx, prosecutor, REF)
    record = sim.person("transporter")
    person = sim.ids[record["id"]]
    renamed = "Q" * len(record["name"])  # same length: only the stamp can tell
    with ctx.db.session() as session:
        kept = [
            (kind, value)
            for kind, value in session.execute(
                sa.select(Identifier.kind, Identifier.value).where(Identifier.person_id == person)
            )
        ]
        aliases = list(session.get(Person, person).aliases or [])
    people.update_person(
        ctx, prosecutor, REF, person, name=renamed, aliases=aliases, identifiers=kept
    )
    other = restart(settings)
    try:
        view = network.network_view(other, prosecutor, REF)
        assert not view.cached and computed == [1, 1]
        assert renamed in repr(view)
    finally:
        other.db.dispose()


def test_casework_keeps_the_stored_views(
    ctx: Context, settings: Settings, prosecutor: Actor, sim: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A task done, a note and a new stage are read by no kept view: after them, a
    restarted process still reads the stored network instead of computing it again."""
    from datetime import date

    from palermo.services import caseload_views, casework

    computed = counting(monkeypatch, network, "_compute_view")
    network.network_view(ctx, prosecutor, REF)
    task = casework.add_note(ctx, prosecutor, REF, kind="task", text="Call the landlord")
    casework.complete_task(ctx, prosecutor, REF, task)
    caseload_views.move_case(ctx, prosecutor, REF, to_stage="charged", on=date(2024, 5, 1))
    other = restart(settings)
    try:
        assert network.network_view(other, prosecutor, REF).cached
        assert computed == [1]
    finally:
        other.db.dispose()


def test_forgetting_memory_forgets_every_kind_of_view(ctx: Context) -> None:
    """Every kind of view a service module defines is forgotten by one call: a view kind
    added later cannot be missed by the restart the tests and benchmarks simulate."""
    import importlib
    import pkgutil

    import palermo.services

    kinds = []
    for info in pkgutil.iter_modules(palermo.services.__path__):
        module = importlib.import_module(f"palermo.services.{info.name}")
        kinds += [v for v in vars(module).values() if isinstance(v, derived_views.KeptView)]
    assert len(kinds) >= 8  # network, elements, memo, money, timeline, counts, two lists
    for number, kept in enumerate(kinds):
        kept.memory.get_or_compute(ctx, 10_000 + number, "print", "variant", lambda: "value")
        assert len(kept.memory) == 1
    derived_views.forget_memory()
    assert [len(kept.memory) for kept in kinds] == [0] * len(kinds)
