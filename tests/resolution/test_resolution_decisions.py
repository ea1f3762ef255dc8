"""Human merge/split decisions on top of machine clusters."""

from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta

from palermo.analysis.resolution import (
    Decision,
    PairSuggestion,
    PersonRecord,
    ResolutionResult,
    apply_decisions,
    cluster_keys,
    resolve,
)

T0 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


def at(minutes: int) -> datetime:
    return T0 + timedelta(minutes=minutes)


def machine(edges: list[tuple[str, str, float]], keys: list[str]) -> ResolutionResult:
    """A machine result with the given links (weight; probability 0.99 each)."""
    suggestions = tuple(PairSuggestion(min(a, b), max(a, b), w, 0.99, ()) for a, b, w in edges)
    clusters = cluster_keys(keys, ((s.key_a, s.key_b) for s in suggestions))
    return ResolutionResult(suggestions, clusters, 0.9, "splink")


KEYS = ["a", "b", "c", "d", "e"]
# machine: {a, b, c} linked (a-c strongest, then b-c, then a-b), {d}, {e}
MACHINE = machine([("a", "c", 20.0), ("b", "c", 15.0), ("a", "b", 10.0)], KEYS)


def test_no_decisions_gives_the_machine_clusters() -> None:
    final = apply_decisions(MACHINE, [])
    assert dict(final.entities) == dict(MACHINE.clusters)
    assert final.changed_keys() == []
    assert final.members() == {"a": ["a", "b", "c"], "d": ["d"], "e": ["e"]}


def test_merge_joins_machine_clusters() -> None:
    final = apply_decisions(MACHINE, [Decision("merge", "d", "e", "inv.ana", at(1))])
    assert final.same_entity("d", "e")
    assert not final.same_entity("a", "d")
    assert final.changed_keys() == ["d", "e"]
    assert [d.decided_by for d in final.effective] == ["inv.ana"]


def test_split_separates_and_keeps_strongest_links() -> None:
    final = apply_decisions(MACHINE, [Decision("split", "a", "b", "pros.ion", at(1))])
    assert not final.same_entity("a", "b")
    # a-c is the strongest machine link and survives; b goes on its own
    assert final.same_entity("a", "c")
    assert final.members() == {"a": ["a", "c"], "b": ["b"], "d": ["d"], "e": ["e"]}


def test_latest_decision_on_a_pair_wins_and_reset_restores_the_machine() -> None:
    decisions = [
        Decision("merge", "d", "e", "inv.ana", at(1)),
        Decision("split", "e", "d", "pros.ion", at(5), note="different fathers' names"),
    ]
    final = apply_decisions(MACHINE, decisions)
    assert not final.same_entity("d", "e")
    # the order of the list does not matter, the time does
    assert dict(apply_decisions(MACHINE, list(reversed(decisions))).entities) == dict(
        final.entities
    )
    undone = apply_decisions(
        MACHINE,
        [
            Decision("split", "a", "b", "pros.ion", at(1)),
            Decision("reset", "b", "a", "pros.ion", at(2)),
        ],
    )
    assert dict(undone.entities) == dict(MACHINE.clusters)
    assert undone.effective == ()


def test_merge_that_breaks_a_split_is_a_conflict() -> None:
    decisions = [
        Decision("split", "a", "c", "pros.ion", at(1)),
        Decision("merge", "c", "d", "inv.ana", at(2)),
        Decision("merge", "d", "a", "inv.ana", at(3)),
    ]
    final = apply_decisions(MACHINE, decisions)
    assert not final.same_entity("a", "c")
    assert final.same_entity("c", "d")
    assert [c.decision.key_b for c in final.conflicts] == ["a"]
    assert "split" in final.conflicts[0].reason


def test_unknown_keys_and_self_pairs_are_conflicts() -> None:
    final = apply_decisions(
        MACHINE,
        [
            Decision("merge", "a", "zzz", "inv.ana", at(1)),
            Decision("split", "a", "a", "inv.ana", at(2)),
        ],
    )
    assert len(final.conflicts) == 2
    assert dict(final.entities) == dict(MACHINE.clusters)


def test_records_and_machine_result_are_untouched() -> None:
    records = [
        PersonRecord("p1", "Ion Popescu", identifiers=("+40721234567",)),
        PersonRecord("p2", "I. Popescu", identifiers=("+40721234567",)),
        PersonRecord("p3", "Elena Rusu", date_of_birth="1985-03-07"),
    ]
    before = copy.deepcopy(records)
    result = resolve(records)
    clusters_before = dict(result.clusters)
    final = apply_decisions(
        result,
        [
            Decision("split", "p1", "p2", "pros.ion", at(1)),
            Decision("merge", "p2", "p3", "inv.ana", at(2)),
        ],
    )
    assert final.members() == {"p1": ["p1"], "p2": ["p2", "p3"]}
    assert records == before
    assert dict(result.clusters) == clusters_before
    assert dict(final.machine) == clusters_before
    # dropping the decisions gives back the machine's answer
    assert dict(apply_decisions(result, []).entities) == clusters_before
