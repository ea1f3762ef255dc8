"""Human merge and split decisions applied on top of machine clusters.

Decisions are stored elsewhere (by the services, with who and when); this module only
computes the final entity assignment from the machine's pairwise links and a list of
decisions. Nothing is mutated: the machine result and the records stay as they were, so
dropping a decision (or recording a later ``reset`` for the same pair) gives back the
machine's answer.

Rules, in order:

1. For each pair of records only the latest decision counts (by ``decided_at``, then by
   position in the list); ``reset`` withdraws the earlier ones.
2. ``split a, b`` is a constraint: a and b never end in the same entity.
3. ``merge a, b`` joins the entities of a and b, in time order, unless that would put
   together two records that a split keeps apart; such a merge is reported as a conflict
   (a human separation is never overridden silently).
4. The machine's links (its suggestions at or above its threshold, less those a
   one-to-one link between lists set aside) are then added, strongest first,
   skipping any link that would break a split.

An entity id is the smallest record key among its members.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from palermo.analysis.resolution.engine import ResolutionResult

Action = Literal["merge", "split", "reset"]


@dataclass(frozen=True)
class Decision:
    action: Action
    key_a: str
    key_b: str
    decided_by: str
    decided_at: datetime
    note: str = ""
    decision_id: str | None = None

    @property
    def pair(self) -> tuple[str, str]:
        lo, hi = sorted((self.key_a, self.key_b))
        return lo, hi


@dataclass(frozen=True)
class Conflict:
    decision: Decision
    reason: str


@dataclass(frozen=True)
class EntityAssignment:
    """Final entity per record key, next to the machine's clusters (kept unchanged)."""

    entities: Mapping[str, str]
    machine: Mapping[str, str]
    effective: tuple[Decision, ...]
    conflicts: tuple[Conflict, ...]

    def members(self) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {}
        for key, eid in self.entities.items():
            out.setdefault(eid, []).append(key)
        return {eid: sorted(keys) for eid, keys in sorted(out.items())}

    def same_entity(self, a: str, b: str) -> bool:
        return self.entities[a] == self.entities[b]

    def changed_keys(self) -> list[str]:
        """Keys whose co-members differ from the machine's clusters."""
        mine = self.members()
        theirs: dict[str, set[str]] = {}
        for key, cid in self.machine.items():
            theirs.setdefault(cid, set()).add(key)
        return sorted(
            k for k in self.entities if set(mine[self.entities[k]]) != theirs[self.machine[k]]
        )


class _Constrained:
    """Union-find that refuses unions joining two records kept apart by a split."""

    def __init__(self, keys: Iterable[str], apart: Iterable[tuple[str, str]]) -> None:
        self.parent = {k: k for k in keys}
        self.apart = list(apart)

    def find(self, x: str) -> str:
        parent = self.parent
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    def blocked(self, a: str, b: str) -> tuple[str, str] | None:
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return None
        for x, y in self.apart:
            fx, fy = self.find(x), self.find(y)
            if (fx == ra and fy == rb) or (fx == rb and fy == ra):
                return x, y
        return None

    def union(self, a: str, b: str) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            if rb < ra:
                ra, rb = rb, ra
            self.parent[rb] = ra


def latest_decisions(decisions: Sequence[Decision]) -> list[Decision]:
    """The decision in force for each pair (reset removes the pair), in time order."""
    order = sorted(enumerate(decisions), key=lambda t: (t[1].decided_at, t[0]))
    last: dict[tuple[str, str], tuple[int, Decision]] = {}
    for pos, d in order:
        last[d.pair] = (pos, d)
    kept = [(pos, d) for pos, d in last.values() if d.action != "reset"]
    kept.sort(key=lambda t: (t[1].decided_at, t[0]))
    return [d for _, d in kept]


def apply_decisions(machine: ResolutionResult, decisions: Sequence[Decision]) -> EntityAssignment:
    """Final entities from the machine's links and human decisions (see module doc)."""
    keys = list(machine.clusters)
    known = set(keys)
    conflicts: list[Conflict] = []
    in_force: list[Decision] = []
    for d in latest_decisions(decisions):
        if d.action not in ("merge", "split"):
            conflicts.append(Conflict(d, f"unknown action {d.action!r}"))
        elif d.key_a not in known or d.key_b not in known:
            conflicts.append(Conflict(d, "unknown record key"))
        elif d.key_a == d.key_b:
            conflicts.append(Conflict(d, "a record cannot be merged with or split from itself"))
        else:
            in_force.append(d)
    uf = _Constrained(keys, (d.pair for d in in_force if d.action == "split"))
    effective: list[Decision] = [d for d in in_force if d.action == "split"]
    for d in in_force:
        if d.action != "merge":
            continue
        clash = uf.blocked(d.key_a, d.key_b)
        if clash is not None:
            conflicts.append(
                Conflict(d, f"would join {clash[0]} and {clash[1]}, which a split keeps apart")
            )
            continue
        uf.union(d.key_a, d.key_b)
        effective.append(d)
    links = sorted(
        (s for s in machine.suggestions if machine.linked(s)),
        key=lambda s: (-s.match_weight, s.key_a, s.key_b),
    )
    for s in links:
        if uf.blocked(s.key_a, s.key_b) is None:
            uf.union(s.key_a, s.key_b)
    entities = {k: uf.find(k) for k in keys}
    effective.sort(key=lambda d: d.decided_at)
    return EntityAssignment(entities, dict(machine.clusters), tuple(effective), tuple(conflicts))


def assignment_from_clusters(clusters: Mapping[str, str]) -> dict[str, list[str]]:
    """Group a key-to-cluster mapping into cluster-to-keys (sorted)."""
    out: dict[str, list[str]] = {}
    for key, cid in clusters.items():
        out.setdefault(cid, []).append(key)
    return {cid: sorted(v) for cid, v in sorted(out.items())}
