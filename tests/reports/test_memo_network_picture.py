"""The memo's network picture is legible: no two labels overprint (their text boxes,
estimated from the SVG's own positions and font sizes, do not intersect), no label
sits on a node, and labels are people's names, never raw identifiers."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from tests.network_money import simcase

from palermo.reports.pictures import NetEdge, NetNode, network_svg
from palermo.security.permissions import Actor
from palermo.services.context import Context
from palermo.services.memo import build_memo

SVG = "{http://www.w3.org/2000/svg}"
EM = 0.6  # DejaVu Sans's average advance, in ems (its digits and lower case are 0.55-0.64)
RAW = re.compile(r"^(phone|account|email|handle|cash|person|in|out|ad):|^\+?[\d ]{6,}$")

Rect = tuple[float, float, float, float]


def _text_boxes(svg: str, cls: str | None = "net-label") -> list[tuple[str, Rect]]:
    """(text, box) of each <text> (of class ``cls``, or all), from x, y, size and anchor."""
    root = ET.fromstring(svg)
    out = []
    for t in root.iter(f"{SVG}text"):
        if cls is not None and t.get("class") != cls:
            continue
        text = "".join(t.itertext())
        size = float(t.get("font-size", "7"))
        x, y = float(t.get("x", "0")), float(t.get("y", "0"))
        width = EM * size * len(text)
        anchor = t.get("text-anchor", "start")
        x1 = x - width if anchor == "end" else x - width / 2 if anchor == "middle" else x
        out.append((text, (x1, y - 0.8 * size, x1 + width, y + 0.2 * size)))
    return out


def _node_boxes(svg: str) -> list[Rect]:
    root = ET.fromstring(svg)
    out: list[Rect] = []
    for c in root.iter(f"{SVG}circle"):
        if c.find(f"{SVG}title") is None:
            continue  # the legend's dots
        x, y, r = float(c.get("cx", "0")), float(c.get("cy", "0")), float(c.get("r", "0"))
        out.append((x - r, y - r, x + r, y + r))
    for rect in root.iter(f"{SVG}rect"):
        if rect.find(f"{SVG}title") is None:
            continue
        x, y = float(rect.get("x", "0")), float(rect.get("y", "0"))
        out.append((x, y, x + float(rect.get("width", "0")), y + float(rect.get("height", "0"))))
    return out


def _hit(a: Rect, b: Rect) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def overlaps(svg: str) -> list[tuple[str, str]]:
    """Pairs of labels whose boxes intersect, and labels on a node (paired with '')."""
    boxes = _text_boxes(svg)
    found = [(a, b) for i, (a, ba) in enumerate(boxes) for b, bb in boxes[i + 1 :] if _hit(ba, bb)]
    found += [(a, "") for a, ba in boxes for nb in _node_boxes(svg) if _hit(ba, nb)]
    return found


def test_the_checker_catches_overprinted_labels() -> None:
    svg = (
        '<svg xmlns="http://www.w3.org/2000/svg">'
        '<text class="net-label" x="10" y="20" font-size="7">Christopher Thomas</text>'
        '<text class="net-label" x="40" y="22" font-size="7">Travis Jones</text>'
        '<text class="net-label" x="10" y="60" font-size="7">Alone</text></svg>'
    )
    assert overlaps(svg) == [("Christopher Thomas", "Travis Jones")]


def test_a_crowded_network_draws_no_label_over_another_or_a_node() -> None:
    # A star of 40 with long names and roles: the worst case for a 680 x 470 picture.
    nodes = [
        NetNode(
            f"person:{i}",
            f"Alexandra Konstantinopoulou {i}",
            "person",
            "suspect" if i % 3 == 0 else "victim",
            role="Money collector or launderer" if i % 2 == 0 else None,
            weight=float(40 - i),
        )
        for i in range(34)
    ]
    nodes += [
        NetNode(f"phone:+1555000{i}", f"+1555000{i}", "phone", "identifier") for i in range(6)
    ]
    edges = [NetEdge("person:0", n.key, 2) for n in nodes[1:]]
    edges += [NetEdge(f"person:{i}", f"person:{i + 1}", 1) for i in range(1, 33)]
    svg = str(network_svg(nodes, edges))
    labels = _text_boxes(svg)
    assert len(labels) >= 15  # most people keep a visible name
    assert overlaps(svg) == []
    assert not [t for t, _ in labels if RAW.search(t)]
    for n in nodes:  # every node keeps its full name as a tooltip
        assert f"<title>{n.label}" in svg


@pytest.fixture(scope="module")
def sim_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return simcase.folder(tmp_path_factory.mktemp("memo-picture-sim"))


def test_the_memos_picture_of_a_case_is_legible(
    ctx: Context, prosecutor: Actor, unit_id: int, sim_folder: Path
) -> None:
    sim = simcase.build(ctx, prosecutor, unit_id, sim_folder)
    memo = build_memo(ctx, prosecutor, sim.reference)
    svg = str(next(s for s in memo.sections if s.key == "network").data["svg"])
    labels = [t for t, _ in _text_boxes(svg)]
    assert len(labels) >= 10
    assert overlaps(svg) == []
    assert not [t for t in labels if RAW.search(t)], labels
    exploiter = sim.person("exploiter", charged=True)["name"]
    assert exploiter in labels
