"""The Network tab's possible duplicates and links to other cases come from the
resolution model: a victim recorded twice after moving house is found, with the evidence
behind the score, hidden from a viewer who may not see identities."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from palermo.security.permissions import Actor
from palermo.services import cases, network
from palermo.services.context import Context
from palermo.store.models import Role

API = "/api/cases/NET-001/network"


def _moved_victim(ctx: Context, prosecutor: Actor) -> tuple[int, int]:
    """One victim entered twice: the second time after moving house, with one digit of
    the day of birth wrong."""
    first = cases.add_person(
        ctx,
        prosecutor,
        "NET-001",
        kind="victim",
        name="Amarachi Obiageli Nwankwo",
        sealed_fields={"date_of_birth": "1996-04-21", "address": "12 Mill Road, Leeds LS6 2AB"},
    )
    second = cases.add_person(
        ctx,
        prosecutor,
        "NET-001",
        kind="victim",
        name="Amarachi Obiageli Nwankwo",
        sealed_fields={
            "date_of_birth": "1996-04-27",
            "address": "7 Calea Victoriei, Bucharest 010061",
        },
    )
    return first.id, second.id


def test_a_victim_who_moved_house_is_a_duplicate_with_its_evidence(
    ctx: Context, prosecutor: Actor, sim: Any
) -> None:
    a, b = sorted(_moved_victim(ctx, prosecutor))
    view = network.network_view(ctx, prosecutor, "NET-001", reveal=True)
    pair = next(d for d in view.duplicates if (d.person_a, d.person_b) == (a, b))
    assert pair.match_probability >= 0.9 and pair.decision is None
    levels = {e.comparison: e for e in pair.evidence}
    assert levels["dob"].level == "one_digit" and levels["dob"].weight > 3
    assert levels["address"].level == "different"
    assert -1.5 <= levels["address"].weight < 0  # a new address counts for little
    assert levels["name"].weight > levels["dob"].weight
    assert "1996-04-21" in levels["dob"].text
    # the weight is the prior plus every comparison's weight
    total = pair.prior_weight + sum(e.weight for e in pair.evidence)
    assert abs(pair.match_weight - total) < 0.05


def test_the_evidence_of_a_victims_pair_is_hidden_from_an_analyst(
    ctx: Context,
    prosecutor: Actor,
    make_user: Any,
    client: TestClient,
    login: Any,
    sim: Any,
) -> None:
    a, b = sorted(_moved_victim(ctx, prosecutor))
    make_user(Role.ANALYST, "analyst")
    cases.add_member(ctx, prosecutor, "NET-001", "analyst")
    login(client, "analyst")
    data = client.get(API).json()
    pair = next(d for d in data["duplicates"] if (d["person_a"], d["person_b"]) == (a, b))
    hidden = [e for e in pair["evidence"] if e["comparison"] in ("name", "dob", "address")]
    assert hidden and all("details hidden: victim identity" in e["text"] for e in hidden)
    page = client.get("/cases/NET-001/network").text
    for secret in ("1996-04-21", "1996-04-27", "Mill Road", "Calea Victoriei", "Nwankwo"):
        assert secret not in page and secret not in str(data)
    assert 'id="duplicates-table"' in page and "one digit" in page


def test_a_decided_pair_can_be_undone_and_is_suggested_again(
    ctx: Context, prosecutor: Actor, sim: Any
) -> None:
    a, b = sorted(_moved_victim(ctx, prosecutor))
    network.decide_duplicate(ctx, prosecutor, "NET-001", person_a=a, person_b=b, same=False)
    pair = next(
        d
        for d in network.network_view(ctx, prosecutor, "NET-001").duplicates
        if (d.person_a, d.person_b) == (a, b)
    )
    assert pair.decided_same is False and pair.evidence  # still with its evidence
    network.decide_duplicate(ctx, prosecutor, "NET-001", person_a=a, person_b=b, same=None)
    pair = next(
        d
        for d in network.network_view(ctx, prosecutor, "NET-001").duplicates
        if (d.person_a, d.person_b) == (a, b)
    )
    assert pair.decision is None and pair.decided_same is None


def test_a_person_of_another_case_is_linked_by_the_model(
    ctx: Context, prosecutor: Actor, unit_id: int, make_user: Any, sim: Any
) -> None:
    recruiter = sim.person("recruiter", charged=False)
    cases.create_case(
        ctx,
        prosecutor,
        reference="NET-OTHER-7",
        title="Another ring",
        jurisdiction="US",
        unit_id=unit_id,
    )
    # the same person under a reordered name, no identifier shared
    parts = recruiter["name"].split()
    cases.add_person(
        ctx,
        prosecutor,
        "NET-OTHER-7",
        kind="suspect",
        name=" ".join([parts[-1], *parts[:-1]]),
        nationality=recruiter.get("nationality"),
    )
    cases.add_person(ctx, prosecutor, "NET-OTHER-7", kind="suspect", name="Nobody Alike")
    links = [
        c
        for c in network.network_view(ctx, prosecutor, "NET-001").cross_links
        if c.kind == "person"
    ]
    assert [c.other_case for c in links] == ["NET-OTHER-7"]
    link = links[0]
    assert link.probability is not None and link.probability >= 0.5
    assert any(e.comparison == "name" and e.level == "reordered" for e in link.evidence)
    # a member of this case only is never told about the other case
    colleague = make_user(Role.INVESTIGATOR, "colleague")
    cases.add_member(ctx, prosecutor, "NET-001", "colleague")
    assert network.network_view(ctx, colleague, "NET-001").cross_links == []


def test_links_to_another_case_follow_what_changes_there(
    ctx: Context, prosecutor: Actor, unit_id: int, sim: Any
) -> None:
    """The links found are kept between reads, yet a person added to or renamed in the
    other case changes them on the next read."""
    from palermo.services import people

    recruiter = sim.person("recruiter", charged=False)
    cases.create_case(
        ctx,
        prosecutor,
        reference="NET-OTHER-8",
        title="Another ring",
        jurisdiction="US",
        unit_id=unit_id,
    )
    cases.add_person(ctx, prosecutor, "NET-OTHER-8", kind="suspect", name="Nobody Alike")

    def linked() -> list[str]:
        return [
            c.value
            for c in network.network_view(ctx, prosecutor, "NET-001").cross_links
            if c.kind == "person"
        ]

    assert linked() == [] and linked() == []
    parts = recruiter["name"].split()
    reordered = " ".join([parts[-1], *parts[:-1]])
    added = cases.add_person(
        ctx,
        prosecutor,
        "NET-OTHER-8",
        kind="suspect",
        name=reordered,
        nationality=recruiter.get("nationality"),
    )
    assert linked() == [reordered]
    people.update_person(
        ctx,
        prosecutor,
        "NET-OTHER-8",
        added.id,
        name="Zebulon Quartermaine",
        aliases=[],
        nationality=recruiter.get("nationality"),
    )
    assert linked() == []
