"""Placing the labels of a static picture so that none overprints another or a node.

Greedy, in order of importance: each label tries a ring of places around its node
(right, left, below, above, the corners, then further out) and takes the first that
stays inside the drawing area and clears every node and every label placed before it.
A label with no room is shortened once, then left out (the node keeps its name in a
tooltip). Widths are estimated for DejaVu Sans on the generous side, so estimated boxes
that clear each other are drawn clear of each other.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

CHAR_EM = 0.62  # average advance of DejaVu Sans, in ems, rounded up
ASCENT, DESCENT = 0.8, 0.25  # of the font size, above and below the baseline
GAP = 1.5  # between a node and its label, and between two lines


@dataclass(frozen=True, slots=True)
class Box:
    x1: float
    y1: float
    x2: float
    y2: float

    def overlaps(self, other: Box) -> bool:
        return (
            self.x1 < other.x2 and other.x1 < self.x2 and self.y1 < other.y2 and other.y1 < self.y2
        )

    def inside(self, area: Box) -> bool:
        return (
            self.x1 >= area.x1 and self.y1 >= area.y1 and self.x2 <= area.x2 and self.y2 <= area.y2
        )


@dataclass(frozen=True, slots=True)
class Wanted:
    """A label to place: its lines (text, font size) under one another, beside a node
    drawn at (x, y) with radius r."""

    x: float
    y: float
    r: float
    lines: tuple[tuple[str, float], ...]


@dataclass(frozen=True, slots=True)
class Placed:
    """Where each line goes: (x, baseline y, text, size), left-aligned; and its box."""

    lines: tuple[tuple[float, float, str, float], ...]
    box: Box


def text_width(text: str, size: float) -> float:
    return CHAR_EM * size * len(text)


def _block(lines: Sequence[tuple[str, float]]) -> tuple[float, float]:
    width = max((text_width(t, s) for t, s in lines), default=0.0)
    height = sum((ASCENT + DESCENT) * s for _, s in lines) + GAP * (len(lines) - 1)
    return width, height


def _candidates(w: Wanted, width: float, height: float) -> list[tuple[float, float]]:
    """Top-left corners to try, nearest first."""
    out: list[tuple[float, float]] = []
    for step in (0.0, 6.0, 12.0, 20.0):
        d = w.r + GAP + step
        out += [
            (w.x + d, w.y - height / 2),  # right
            (w.x - d - width, w.y - height / 2),  # left
            (w.x - width / 2, w.y + d),  # below
            (w.x - width / 2, w.y - d - height),  # above
            (w.x + d, w.y + d),  # below right
            (w.x - d - width, w.y + d),  # below left
            (w.x + d, w.y - d - height),  # above right
            (w.x - d - width, w.y - d - height),  # above left
        ]
    return out


def _shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def place(
    wanted: Sequence[Wanted], nodes: Sequence[Box], area: Box, *, short: int = 14
) -> list[Placed | None]:
    """A place for each wanted label (in the order given: most important first), or
    None when it found no room even shortened to ``short`` characters."""
    taken: list[Box] = []
    out: list[Placed | None] = []
    for w in wanted:
        # Its own node is an obstacle too: a label clears every node's whole box (the
        # corner candidates step out diagonally by the full distance).
        obstacles = list(nodes)
        found: Placed | None = None
        for lines in (w.lines, tuple((_shorten(t, short), s) for t, s in w.lines)):
            width, height = _block(lines)
            for x, y in _candidates(w, width, height):
                box = Box(x, y, x + width, y + height)
                if not box.inside(area):
                    continue
                if any(box.overlaps(b) for b in taken) or any(box.overlaps(b) for b in obstacles):
                    continue
                placed: list[tuple[float, float, str, float]] = []
                top = y
                for text, size in lines:
                    placed.append((x, top + ASCENT * size, text, size))
                    top += (ASCENT + DESCENT) * size + GAP
                found = Placed(tuple(placed), box)
                break
            if found:
                break
        if found:
            taken.append(found.box)
        out.append(found)
    return out
