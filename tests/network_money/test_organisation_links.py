"""People's relations to organisations, entered on a person's page, reach the network: an
edge each, with what was entered as its evidence."""

from __future__ import annotations

from sqlalchemy import select

from palermo.security.permissions import Actor
from palermo.services import casework, network, organisations
from palermo.services.context import Context
from palermo.store.models import Case


def _edge(view: network.NetworkView, a: str, b: str) -> dict[str, object] | None:
    return next(
        (e for e in view.graph["edges"] if {e["source"], e["target"]} == {a, b}),
        None,
    )


def _said(ctx: Context, actor: Actor, reference: str) -> list[str]:
    with ctx.db.session() as session:
        case = session.scalars(select(Case).where(Case.reference == reference)).one()
        loaded = network.load_case(ctx, session, actor, case)
    return sorted(ref.quote or "" for key, ref in loaded.statements.items() if key.startswith("OL"))


def test_a_relation_to_an_organisation_is_an_edge_with_its_evidence_until_unlinked(
    ctx: Context, prosecutor: Actor, case_ref: str
) -> None:
    ion = casework.add_person(ctx, prosecutor, case_ref, kind="suspect", name="Ion", aliases=[])
    ana = casework.add_person(ctx, prosecutor, case_ref, kind="suspect", name="Ana", aliases=[])
    org = organisations.add_organisation(
        ctx, prosecutor, case_ref, name="Club Lantern", kind="venue"
    )
    ion_key, ana_key, org_key = f"person:{ion}", f"person:{ana}", f"organisation:O{org}"
    assert _edge(network.network_view(ctx, prosecutor, case_ref), ion_key, org_key) is None

    organisations.link_person(
        ctx, prosecutor, case_ref, person_id=ion, organisation_id=org, relation="owner"
    )
    ana_link = organisations.link_person(
        ctx, prosecutor, case_ref, person_id=ana, organisation_id=org, relation="employee"
    )
    # A new link is seen at once: the kept view is not served from before it.
    view = network.network_view(ctx, prosecutor, case_ref)
    for person in (ion_key, ana_key):
        edge = _edge(view, person, org_key)
        assert edge is not None and edge["kinds"] == ["link"], edge
    assert _said(ctx, prosecutor, case_ref) == [
        "employee of Club Lantern",
        "owner of Club Lantern",
    ]

    organisations.unlink_person(ctx, prosecutor, case_ref, ana_link)
    view = network.network_view(ctx, prosecutor, case_ref)
    assert _edge(view, ana_key, org_key) is None
    assert _edge(view, ion_key, org_key) is not None
