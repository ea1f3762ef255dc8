"""Static pictures for the memo: the case network and the money flows, as inline SVG.

Pure functions of plain data (no database, no JavaScript): the memo's HTML carries
the SVG inline, browsers show it and WeasyPrint draws it into the PDF. Labels are
text nodes only (``<text>``, ``<title>``), never attribute values, so the redaction of
the exported HTML (which rewrites the text between tags) reaches every label.

Layouts are deterministic: the network is placed by igraph's Kamada-Kawai from a
circle (no random start), the flows in columns by hops from their sources, so the
same case always gives the same picture.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

from palermo.reports.labels import Box, Wanted, place

FONT = "DejaVu Sans, Arial, sans-serif"

# Fill per legend category: the kind of a person, or what an identifier is.
KIND_COLOURS: dict[str, str] = {
    "suspect": "#b91c1c",
    "official": "#b45309",
    "victim": "#1d4ed8",
    "witness": "#0f766e",
    "other": "#6b7280",
    "identifier": "#cbd5e1",
    "organisation": "#7c3aed",
}
KIND_LABELS: dict[str, str] = {
    "suspect": "suspect",
    "official": "official",
    "victim": "victim",
    "witness": "witness",
    "other": "other person",
    "identifier": "phone or account with no known user",
    "organisation": "organisation",
}
_MONEY_EDGE = "#15803d"
_EDGE = "#64748b"
_SOURCE, _THROUGH, _END = "#1d4ed8", "#64748b", "#b91c1c"


@dataclass(frozen=True, slots=True)
class NetNode:
    key: str
    label: str
    shape: str  # person | phone | account | organisation | other
    category: str  # a key of KIND_COLOURS
    role: str | None = None  # the role label drawn under the name
    confirmed: bool = False  # the role was confirmed by a person (solid ring)
    weight: float = 0.0  # importance: node size


@dataclass(frozen=True, slots=True)
class NetEdge:
    source: str
    target: str
    weight: int  # evidence records behind the link
    money: bool = False  # payments among them


@dataclass(frozen=True, slots=True)
class FlowNode:
    label: str


@dataclass(frozen=True, slots=True)
class FlowLink:
    source: int  # index into the nodes
    target: int
    value: float


def _short(text: str, limit: int) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _text(
    x: float, y: float, text: str, *, size: float = 7, anchor: str = "start", **extra: str
) -> str:
    attrs = "".join(f' {k.rstrip("_").replace("_", "-")}="{v}"' for k, v in extra.items())
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" text-anchor="{anchor}"'
        f' font-family="{FONT}"{attrs}>{escape(text)}</text>'
    )


def network_layout(n: int, edges: Sequence[tuple[int, int]]) -> list[tuple[float, float]]:
    """Positions in [0, 1]² for ``n`` nodes: Kamada-Kawai from a circle (deterministic)."""
    if n == 0:
        return []
    if n == 1:
        return [(0.5, 0.5)]
    import igraph as ig

    graph = ig.Graph(n=n, edges=list(edges), directed=False)
    seed = [[math.cos(2 * math.pi * i / n), math.sin(2 * math.pi * i / n)] for i in range(n)]
    coords = graph.layout_kamada_kawai(seed=seed, maxiter=50 * n).coords
    xs, ys = [c[0] for c in coords], [c[1] for c in coords]
    span_x, span_y = (max(xs) - min(xs)) or 1.0, (max(ys) - min(ys)) or 1.0
    return [((x - min(xs)) / span_x, (y - min(ys)) / span_y) for x, y in coords]


def _shape(shape: str, x: float, y: float, r: float, fill: str, ring: str, tip: str = "") -> str:
    end = f">{tip}</" if tip else "/>"
    if shape == "person":
        close = f"{end}circle>" if tip else end
        return f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{r:.1f}" fill="{fill}"{ring}{close}'
    if shape == "phone":
        close = f"{end}rect>" if tip else end
        return (
            f'<rect x="{x - r:.1f}" y="{y - r:.1f}" width="{2 * r:.1f}" height="{2 * r:.1f}"'
            f' fill="{fill}"{ring}{close}'
        )
    if shape == "account":
        points = f"{x:.1f},{y - r:.1f} {x + r:.1f},{y:.1f} {x:.1f},{y + r:.1f} {x - r:.1f},{y:.1f}"
    else:
        points = f"{x:.1f},{y - r:.1f} {x + r:.1f},{y + r:.1f} {x - r:.1f},{y + r:.1f}"
    close = f"{end}polygon>" if tip else end
    return f'<polygon points="{points}" fill="{fill}"{ring}{close}'


def _node_labels(
    nodes: Sequence[NetNode],
    pos: Sequence[tuple[float, float]],
    radii: Sequence[float],
    area: Box,
) -> list[str]:
    """Labels of people and organisations (with their role under the name), placed so
    that none overprints another or a node; the most important placed first. Phones
    and accounts are drawn unlabelled (their shape says what they are; the tooltip says
    which)."""
    order = sorted(
        (i for i, n in enumerate(nodes) if n.shape in ("person", "organisation")),
        key=lambda i: (not nodes[i].role, -nodes[i].weight, nodes[i].key),
    )
    wanted = []
    for i in order:
        n = nodes[i]
        lines = [(_short(n.label, 26), 7.0)]
        if n.role:
            lines.append((_short(n.role + (" ✔" if n.confirmed else ""), 26), 6.0))
        wanted.append(Wanted(pos[i][0], pos[i][1], radii[i], tuple(lines)))
    bodies = [Box(x - r, y - r, x + r, y + r) for (x, y), r in zip(pos, radii, strict=True)]
    out: list[str] = []
    for placed in place(wanted, bodies, area):
        if placed is None:
            continue
        for x, y, text, size in placed.lines:
            extra = {"fill": "#374151"} if size < 7 else {}
            out.append(_text(x, y, text, size=size, class_="net-label", **extra))
    return out


def network_svg(
    nodes: Sequence[NetNode],
    edges: Sequence[NetEdge],
    *,
    width: int = 680,
    height: int = 470,
    title: str = "Case network",
) -> Markup:
    """The network: nodes by kind (colour) and type (shape), role under the name, rings
    for roles (dashed: suggested, solid: confirmed), links as wide as their evidence."""
    index = {n.key: i for i, n in enumerate(nodes)}
    links = [e for e in edges if e.source in index and e.target in index and e.source != e.target]
    legend = _network_legend(nodes, links)
    legend_h = 10 + 12 * _legend_rows([label for label, _, _ in legend], width)
    margin = 46
    plot_w, plot_h = width - 2 * margin, height - legend_h - 2 * 18
    pos = [
        (margin + x * plot_w, 18 + y * plot_h)
        for x, y in network_layout(len(nodes), [(index[e.source], index[e.target]) for e in links])
    ]
    top_edge = max((e.weight for e in links), default=1)
    top_node = max((n.weight for n in nodes), default=0.0) or 1.0
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="picture" width="{width}"'
        f' height="{height}" viewBox="0 0 {width} {height}" role="img">',
        f"<title>{escape(title)}</title>",
        f'<rect x="0" y="0" width="{width}" height="{height}" fill="#ffffff" stroke="#c8cdd2"/>',
    ]
    for e in sorted(links, key=lambda e: e.weight):
        (x0, y0), (x1, y1) = pos[index[e.source]], pos[index[e.target]]
        w = 0.5 + 3.5 * math.log1p(e.weight) / math.log1p(top_edge)
        colour = _MONEY_EDGE if e.money else _EDGE
        parts.append(
            f'<line x1="{x0:.1f}" y1="{y0:.1f}" x2="{x1:.1f}" y2="{y1:.1f}" stroke="{colour}"'
            f' stroke-opacity="0.55" stroke-width="{w:.2f}"/>'
        )
    radii = [3.5 + 4.5 * math.sqrt(max(n.weight, 0.0) / top_node) for n in nodes]
    for i, n in enumerate(nodes):
        x, y = pos[i]
        ring = ""
        if n.role:
            dash = "" if n.confirmed else ' stroke-dasharray="2,1.5"'
            ring = f' stroke="#111827" stroke-width="{1.6 if n.confirmed else 1.1}"{dash}'
        role = (n.role + (" ✔" if n.confirmed else "")) if n.role else ""
        # Every node's full name and role as a tooltip: a text node, like the labels.
        tip = f"<title>{escape(n.label + (' · ' + role if role else ''))}</title>"
        parts.append(
            _shape(n.shape, x, y, radii[i], KIND_COLOURS.get(n.category, "#6b7280"), ring, tip)
        )
    parts += _node_labels(nodes, pos, radii, Box(4, 4, width - 4, height - legend_h - 3))
    parts.append(_legend(legend, width, height - legend_h))
    parts.append("</svg>")
    return Markup("".join(parts))


def _text_width(text: str, size: float = 7) -> float:
    """A rough width of ``text`` in DejaVu Sans at ``size`` (for placing, not measuring)."""
    return 0.56 * size * len(text)


def _legend(items: Sequence[tuple[str, str | None, str]], width: int, top: float) -> str:
    """Legend items (label, colour, mark: dot | line | box | none) flowed into rows."""
    parts = [f'<line x1="8" y1="{top:.1f}" x2="{width - 8}" y2="{top:.1f}" stroke="#c8cdd2"/>']
    x, y = 10.0, top + 12
    for label, colour, mark in items:
        mark_w = 0.0 if mark == "none" else (18.0 if mark == "line" else 11.0)
        need = mark_w + _text_width(label) + 14
        if x + need > width - 8 and x > 10:
            x, y = 10.0, y + 12
        if mark == "dot":
            parts.append(f'<circle cx="{x + 4:.1f}" cy="{y - 2.5:.1f}" r="4" fill="{colour}"/>')
        elif mark == "box":
            parts.append(
                f'<rect x="{x:.1f}" y="{y - 7:.1f}" width="8" height="8" fill="{colour}"/>'
            )
        elif mark == "line":
            parts.append(
                f'<line x1="{x:.1f}" y1="{y - 2.5:.1f}" x2="{x + 14:.1f}" y2="{y - 2.5:.1f}"'
                f' stroke="{colour}" stroke-width="2"/>'
            )
        parts.append(_text(x + mark_w, y, label))
        x += need
    return "".join(parts)


def _legend_rows(labels: Sequence[str], width: int) -> int:
    """How many rows :func:`_legend` needs for items of these label lengths (marks of
    at most 18 units)."""
    rows, x = 1, 10.0
    for label in labels:
        need = 18 + _text_width(label) + 14
        if x + need > width - 8 and x > 10:
            rows, x = rows + 1, 10.0
        x += need
    return rows


def _network_legend(
    nodes: Sequence[NetNode], links: Sequence[NetEdge]
) -> list[tuple[str, str | None, str]]:
    items: list[tuple[str, str | None, str]] = [
        (KIND_LABELS[c], KIND_COLOURS[c], "dot")
        for c in KIND_COLOURS
        if any(n.category == c for n in nodes)
    ]
    items += [
        ("● person, ■ phone, ◆ account, ▲ organisation or other", None, "none"),
        ("dashed ring: suggested role; solid ring and ✔: confirmed", None, "none"),
        ("link width: evidence records", _EDGE, "line"),
    ]
    if any(e.money for e in links):
        items.append(("green: payments among them", _MONEY_EDGE, "line"))
    return items


# -- money flows ----------------------------------------------------------------------------


def flow_columns(n: int, links: Sequence[FlowLink]) -> list[int]:
    """Column per node: hops from a node that receives nothing (cycles stay finite)."""
    incoming = [0.0] * n
    for link in links:
        incoming[link.target] += link.value
    col = [-1] * n
    frontier = [i for i in range(n) if incoming[i] == 0] or ([0] if n else [])
    for i in frontier:
        col[i] = 0
    nxt: dict[int, list[int]] = {}
    for link in links:
        nxt.setdefault(link.source, []).append(link.target)
    while frontier:
        ahead = []
        for i in frontier:
            for j in nxt.get(i, []):
                if col[j] < 0:
                    col[j] = col[i] + 1
                    ahead.append(j)
        frontier = ahead
    return [max(c, 0) for c in col]


def flow_svg(
    nodes: Sequence[FlowNode],
    links: Sequence[FlowLink],
    *,
    currency: str = "",
    width: int = 680,
    title: str = "Money flows",
    css_class: str = "picture",
) -> Markup:
    """A left-to-right Sankey: sources (left, named on their left), intermediaries, and
    where money rests (right); band width is the amount, figures on the widest bands.
    Each band carries its figures as a tooltip (the Money tab; the PDF ignores them)."""
    n = len(nodes)
    links = [lk for lk in links if lk.value > 0 and lk.source != lk.target]
    if not n or not links:
        return Markup("")
    incoming, outgoing = [0.0] * n, [0.0] * n
    for lk in links:
        outgoing[lk.source] += lk.value
        incoming[lk.target] += lk.value
    col = flow_columns(n, links)
    size = [max(incoming[i], outgoing[i]) for i in range(n)]
    per_col: dict[int, list[int]] = {}
    for i in sorted(range(n), key=lambda i: (-size[i], i)):
        if size[i] > 0:
            per_col.setdefault(col[i], []).append(i)
    ncols = max(per_col) + 1
    gap, top, node_w, left_room, right_room = 6.0, 10.0, 9.0, 150.0, 150.0
    legend = [
        ("where the money starts (victims, buyers)", _SOURCE, "box"),
        ("passes through", _THROUGH, "box"),
        ("where it stays", _END, "box"),
        ("band width: amount", None, "none"),
    ]
    legend_h = 10 + 12 * _legend_rows([label for label, _, _ in legend], width)
    rows = max(len(v) for v in per_col.values())
    height = max(180.0, rows * 24.0 + 2 * top + legend_h)
    usable = height - 2 * top - legend_h
    scale = min(
        (usable - gap * (len(v) - 1)) / max(sum(size[i] for i in v), 1e-9) for v in per_col.values()
    )
    x0 = left_room if ncols > 1 else 10.0
    xstep = (width - x0 - right_room - node_w) / max(ncols - 1, 1)
    pos: dict[int, tuple[float, float, float]] = {}
    for c, members in per_col.items():
        y = top
        for i in members:
            h = max(2.0, size[i] * scale)
            pos[i] = (x0 + c * xstep, y, h)
            y += h + gap

    def fill(i: int) -> str:
        if incoming[i] == 0:
            return _SOURCE
        return _END if outgoing[i] < 0.5 * incoming[i] else _THROUGH

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="{css_class}" width="{width}"'
        f' height="{height:.0f}" viewBox="0 0 {width} {height:.0f}" role="img">',
        f"<title>{escape(title)}</title>",
        f'<rect x="0" y="0" width="{width}" height="{height:.0f}" fill="#ffffff"'
        ' stroke="#c8cdd2"/>',
    ]
    out_off, in_off = [0.0] * n, [0.0] * n
    figures: list[str] = []
    for lk in sorted(links, key=lambda lk: -lk.value):
        s, t = lk.source, lk.target
        sx, sy, _ = pos[s]
        tx, ty, _ = pos[t]
        w = max(0.8, lk.value * scale)
        y0, y1 = sy + out_off[s] + w / 2, ty + in_off[t] + w / 2
        out_off[s] += w
        in_off[t] += w
        a, b = sx + node_w, tx
        mid = (a + b) / 2
        parts.append(
            f'<path d="M{a:.1f},{y0:.1f} C{mid:.1f},{y0:.1f} {mid:.1f},{y1:.1f} {b:.1f},{y1:.1f}"'
            f' fill="none" stroke="{fill(s)}" stroke-opacity="0.3" stroke-width="{w:.1f}">'
            f"<title>{escape(f'{nodes[s].label} → {nodes[t].label}: {lk.value:,.2f}')}</title>"
            "</path>"
        )
        # A figure where the label of the source does not already say it.
        if w >= 12 and b > a + 40 and abs(outgoing[s] - lk.value) > 0.005:
            figures.append(
                _text(mid, (y0 + y1) / 2 + 2.5, f"{lk.value:,.0f}", anchor="middle", fill="#111827")
            )
    parts += figures
    for i, (x, y, h) in pos.items():
        parts.append(
            f'<rect x="{x:.1f}" y="{y:.1f}" width="{node_w}" height="{h:.1f}" fill="{fill(i)}"/>'
        )
        first = col[i] == 0 and ncols > 1
        tx, anchor = (x - 3, "end") if first else (x + node_w + 3, "start")
        ty = y + min(h / 2, 8)
        room = left_room if first else (xstep - node_w - 8 if col[i] < ncols - 1 else right_room)
        label = _short(nodes[i].label, max(8, min(30, int(room / _text_width("x")))))
        amount = f"{size[i]:,.0f} {currency}".strip()
        if not first and col[i] < ncols - 1:  # over the bands: keep it legible
            wide = max(_text_width(label), _text_width(amount, 6))
            parts.append(
                f'<rect x="{tx - 1:.1f}" y="{ty - 5:.1f}" width="{wide + 2:.1f}" height="16"'
                ' fill="#ffffff" fill-opacity="0.8"/>'
            )
        parts.append(_text(tx, ty + 2.5, label, anchor=anchor))
        parts.append(_text(tx, ty + 9.5, amount, size=6, anchor=anchor, fill="#374151"))
    parts.append(_legend(legend, width, height - legend_h))
    parts.append("</svg>")
    return Markup("".join(parts))


__all__ = [
    "KIND_COLOURS",
    "FlowLink",
    "FlowNode",
    "NetEdge",
    "NetNode",
    "flow_columns",
    "flow_svg",
    "network_layout",
    "network_svg",
]
