"""What the interactive network picture needs beyond the graph itself.

For each node of the graph JSON: its community (the key-player analysis's groups),
where to draw it (``x``, ``y`` in [0, 1], groups apart: :mod:`palermo.analysis.layout`),
the kind of a person (suspect, victim, ...), and, for a person or organisation, the
phones, accounts and other identifiers drawn inside it (``holds``), so that the picture
can expand a holder to show them.

An identifier's value is shown only where the viewer may see it: a victim's own
identifiers, and any value the case's identity redactor would hide, become
"phone (hidden)" unless the viewer may see identities and asked to. Fails closed: an
identity that cannot be opened stops the request.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from sqlalchemy.orm import Session

from palermo.analysis.data import NODE_KINDS, CaseData
from palermo.analysis.layout import group_layout
from palermo.security import identities
from palermo.security.permissions import Actor, Permission
from palermo.services.context import Context

# Identifier kinds drawn inside their holder; addresses and adverts stay out of it.
HELD_KINDS: tuple[str, ...] = ("phone", "account", "email", "handle")
MAX_HELD = 40  # per holder: the rest are counted, not listed


def enrich(
    ctx: Context,
    session: Session,
    actor: Actor,
    case_id: int,
    data: CaseData,
    graph_json: dict[str, Any],
    membership: Any,
    *,
    reveal: bool,
    sealed: set[str],
) -> None:
    """Add ``community``, ``kind`` and ``holds`` to the nodes of ``graph_json`` in place.

    ``membership``: group per node code (-1 for none); ``sealed``: ids of people whose
    identity is sealed (victims)."""
    viewer = actor if reveal else actor.hiding_identities()
    may_see = reveal and actor.can(Permission.SEE_VICTIM_IDENTITY)
    redactor = (
        None
        if may_see
        else identities.redactor_for(ctx, session, case_id, viewer, purpose="network.picture")
    )
    memb = np.asarray(membership)
    held = _held_by_owner(data)
    for node in graph_json["nodes"]:
        code = data.node(node["id"])
        node["community"] = int(memb[code]) if 0 <= code < len(memb) else -1
        pid = node["id"].split(":", 1)[1] if node["type"] == "person" else None
        person = data.persons.get(pid) if pid else None
        node["kind"] = person.kind if person else None
        hidden = pid in sealed and not may_see
        items: list[dict[str, str]] = []
        codes = held.get(code, [])
        for ident in codes[:MAX_HELD]:
            kind = NODE_KINDS[int(data.node_kind[ident])]
            value = data.labels[ident]
            if hidden or (redactor is not None and redactor.value(value) != value):
                value = ""
            # No node key here: a key carries the value ("phone:+44...").
            items.append({"type": kind, "label": value})
        if codes:
            node["holds"] = items
            node["holds_more"] = max(0, len(codes) - MAX_HELD)
    _place(graph_json)


def _place(graph_json: dict[str, Any]) -> None:
    nodes = graph_json["nodes"]
    index = {n["id"]: i for i, n in enumerate(nodes)}
    edges = [
        (index[e["source"]], index[e["target"]])
        for e in graph_json["edges"]
        if e["source"] in index and e["target"] in index
    ]
    for node, (x, y) in zip(
        nodes, group_layout(len(nodes), edges, [n["community"] for n in nodes]), strict=True
    ):
        node["x"], node["y"] = round(x, 4), round(y, 4)


def _held_by_owner(data: CaseData) -> dict[int, list[int]]:
    """Owner node code -> the identifier codes it holds (held kinds only, in code order)."""
    kinds = np.asarray([NODE_KINDS.index(k) for k in HELD_KINDS])
    idents = np.flatnonzero((data.owner >= 0) & np.isin(data.node_kind, kinds))
    out: dict[int, list[int]] = {}
    for ident in idents.tolist():
        out.setdefault(int(data.owner[ident]), []).append(int(ident))
    return out
