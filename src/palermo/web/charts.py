"""Server-drawn SVG charts: no JavaScript, no external assets, allowed by the strict CSP.

Each function returns a complete ``<svg>`` document as text, usable inline in a page
(``{{ svg|safe }}``: every label is escaped here) or served as a download
(``image/svg+xml``). Accessibility: a ``<title>`` and ``<desc>`` name the chart, every bar
and marker has its value written as text and in its own ``<title>``, and series differ by
pattern or marker shape as well as by colour (colour is never the only signal).

Only presentation attributes are used (``fill``, ``font-size``...), never ``style``:
inline styles are blocked by the CSP.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from html import escape

FONT = "system-ui, -apple-system, 'Segoe UI', 'DejaVu Sans', Arial, sans-serif"
INK = "#1f2933"
MUTED = "#52606d"
GRID = "#d9e2ec"
# Colour-blind-friendly palette (Okabe-Ito), paired with a pattern per series.
PALETTE = ("#0072b2", "#e69f00", "#009e73", "#cc79a7", "#56b4e9", "#d55e00", "#7f7f7f")
PATTERNS = ("solid", "diagonal", "dots", "cross", "horizontal", "vertical", "solid")
MARKERS = ("circle", "diamond", "triangle", "square")

ROW = 26
BAR = 16
PAD = 12


def _e(text: object) -> str:
    return escape(str(text), quote=True)


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:40] or "chart"


def fmt(value: float) -> str:
    """``12`` for whole numbers, ``12.5`` otherwise, with thousands separators."""
    if value == int(value):
        return f"{int(value):,}"
    return f"{value:,.1f}"


def nice_max(value: float) -> float:
    """The axis end: 1, 2, 2.5 or 5 times a power of ten, at least ``value``."""
    if value <= 0:
        return 1.0
    power = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        if value <= step * power:
            return float(step * power)
    return float(10 * power)  # pragma: no cover


def _ticks(top: float, n: int = 5) -> list[float]:
    return [top * i / n for i in range(n + 1)]


def _label_width(labels: Sequence[str], width: int = 640) -> int:
    """The label column: wide enough for the longest label, at most about two fifths of
    the chart (longer labels are cut by :func:`_fit`)."""
    longest = max((len(s) for s in labels), default=4)
    return min(max(220, int(width * 0.42)), max(60, 7 * longest + 10))


def _fit(text: str, width: int) -> str:
    """``text`` cut to fit ``width`` pixels of axis labels (about 7 px a character), with
    an ellipsis; the full text stays in the row's ``<title>`` and the chart's ``<desc>``."""
    most = max(4, (width - 10) // 7)
    return text if len(text) <= most else text[: most - 1].rstrip() + "…"


def _open(uid: str, title: str, desc: str, width: int, height: int) -> list[str]:
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" id="{uid}" class="chart" '
        f'viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" role="img" '
        f'aria-labelledby="{uid}-title {uid}-desc" font-family="{_e(FONT)}" font-size="12">',
        f'<title id="{uid}-title">{_e(title)}</title>',
        f'<desc id="{uid}-desc">{_e(desc)}</desc>',
        f'<rect width="{width}" height="{height}" fill="#ffffff"/>',
        f'<text x="{PAD}" y="20" font-size="14" font-weight="600" fill="{INK}">{_e(title)}</text>',
    ]


def _pattern_defs(uid: str, n: int) -> str:
    parts = ["<defs>"]
    for i in range(n):
        colour = PALETTE[i % len(PALETTE)]
        kind = PATTERNS[i % len(PATTERNS)]
        pid = f"{uid}-p{i}"
        if kind == "solid":
            parts.append(
                f'<pattern id="{pid}" width="8" height="8" patternUnits="userSpaceOnUse">'
                f'<rect width="8" height="8" fill="{colour}"/></pattern>'
            )
            continue
        body = {
            "diagonal": '<path d="M-2,2 l4,-4 M0,8 l8,-8 M6,10 l4,-4" stroke="#fff" '
            'stroke-width="1.6"/>',
            "dots": '<circle cx="4" cy="4" r="1.6" fill="#fff"/>',
            "cross": '<path d="M0,4 h8 M4,0 v8" stroke="#fff" stroke-width="1.3"/>',
            "horizontal": '<path d="M0,2 h8 M0,6 h8" stroke="#fff" stroke-width="1.3"/>',
            "vertical": '<path d="M2,0 v8 M6,0 v8" stroke="#fff" stroke-width="1.3"/>',
        }[kind]
        parts.append(
            f'<pattern id="{pid}" width="8" height="8" patternUnits="userSpaceOnUse">'
            f'<rect width="8" height="8" fill="{colour}"/>{body}</pattern>'
        )
    parts.append("</defs>")
    return "".join(parts)


def _axis(x0: float, plot_w: float, top: float, y_top: float, y_bottom: float, unit: str) -> str:
    out = []
    for t in _ticks(top):
        x = x0 + plot_w * (t / top)
        out.append(
            f'<line x1="{x:.1f}" y1="{y_top}" x2="{x:.1f}" y2="{y_bottom}" stroke="{GRID}"/>'
            f'<text x="{x:.1f}" y="{y_bottom + 14}" text-anchor="middle" fill="{MUTED}" '
            f'font-size="11">{_e(fmt(t))}</text>'
        )
    if unit:
        out.append(
            f'<text x="{x0 + plot_w:.1f}" y="{y_bottom + 28}" text-anchor="end" fill="{MUTED}" '
            f'font-size="11">{_e(unit)}</text>'
        )
    return "".join(out)


def _empty(uid: str, title: str, width: int, message: str) -> str:
    parts = _open(uid, title, message, width, 64)
    parts.append(f'<text x="{PAD}" y="46" fill="{MUTED}">{_e(message)}</text></svg>')
    return "".join(parts)


def bar_chart(
    title: str,
    bars: Sequence[tuple[str, float]],
    *,
    unit: str = "",
    width: int = 640,
    chart_id: str | None = None,
    empty: str = "No data yet.",
) -> str:
    """Horizontal bars, one per (label, value), each with its value written beside it."""
    uid = chart_id or _slug(title)
    if not bars:
        return _empty(uid, title, width, empty)
    label_w = _label_width([b[0] for b in bars], width)
    x0 = PAD + label_w
    plot_w = width - x0 - PAD - 56
    top = nice_max(max(v for _, v in bars))
    y_top = 34
    height = y_top + ROW * len(bars) + 40
    desc = "; ".join(f"{label}: {fmt(v)}" for label, v in bars)
    parts = _open(uid, title, desc, width, height)
    parts.append(_axis(x0, plot_w, top, y_top, y_top + ROW * len(bars), unit))
    for i, (label, value) in enumerate(bars):
        y = y_top + i * ROW + (ROW - BAR) / 2
        w = plot_w * (value / top) if top else 0
        parts.append(
            f"<g><title>{_e(label)}: {_e(fmt(value))}</title>"
            f'<text x="{x0 - 6}" y="{y + BAR - 4}" text-anchor="end" fill="{INK}">'
            f"{_e(_fit(label, label_w))}</text>"
            f'<rect x="{x0}" y="{y}" width="{max(w, 0.5):.1f}" height="{BAR}" fill="{PALETTE[0]}"/>'
            f'<text x="{x0 + w + 4:.1f}" y="{y + BAR - 4}" fill="{INK}" font-weight="600">'
            f"{_e(fmt(value))}</text></g>"
        )
    parts.append("</svg>")
    return "".join(parts)


def stacked_bar_chart(
    title: str,
    categories: Sequence[str],
    series: Sequence[tuple[str, Sequence[float]]],
    *,
    unit: str = "",
    width: int = 640,
    chart_id: str | None = None,
    empty: str = "No data yet.",
) -> str:
    """One horizontal bar per category, split into ``series`` (name, value per category).

    Each series has its own colour and pattern, shown in the legend; segments wide enough
    carry their value, every bar ends with its total, and each segment has a ``<title>``.
    """
    uid = chart_id or _slug(title)
    totals = [sum(s[1][i] for s in series) for i in range(len(categories))]
    if not categories or not any(totals):
        return _empty(uid, title, width, empty)
    label_w = _label_width(categories, width)
    x0 = PAD + label_w
    plot_w = width - x0 - PAD - 56
    top = nice_max(max(totals))
    legend_rows = math.ceil(len(series) / 4)
    y_top = 34 + 20 * legend_rows
    height = y_top + ROW * len(categories) + 40
    desc_parts = []
    for i, cat in enumerate(categories):
        bits = ", ".join(f"{name} {fmt(vals[i])}" for name, vals in series if vals[i])
        desc_parts.append(f"{cat}: {bits or 'none'} (total {fmt(totals[i])})")
    parts = _open(uid, title, "; ".join(desc_parts), width, height)
    parts.append(_pattern_defs(uid, len(series)))
    col_w = (width - 2 * PAD) / 4
    for j, (name, _) in enumerate(series):
        lx = PAD + (j % 4) * col_w
        ly = 30 + (j // 4) * 20
        parts.append(
            f'<rect x="{lx:.1f}" y="{ly}" width="14" height="14" fill="url(#{uid}-p{j})" '
            f'stroke="{INK}" stroke-width="0.5"/>'
            f'<text x="{lx + 19:.1f}" y="{ly + 11}" fill="{INK}">{_e(name)}</text>'
        )
    parts.append(_axis(x0, plot_w, top, y_top, y_top + ROW * len(categories), unit))
    for i, cat in enumerate(categories):
        y = y_top + i * ROW + (ROW - BAR) / 2
        parts.append(
            f"<g><title>{_e(cat)}</title>"
            f'<text x="{x0 - 6}" y="{y + BAR - 4}" text-anchor="end" fill="{INK}">'
            f"{_e(_fit(cat, label_w))}</text></g>"
        )
        x = float(x0)
        for j, (name, vals) in enumerate(series):
            v = vals[i]
            if not v:
                continue
            w = plot_w * (v / top)
            parts.append(
                f"<g><title>{_e(cat)}, {_e(name)}: {_e(fmt(v))}</title>"
                f'<rect x="{x:.1f}" y="{y}" width="{w:.1f}" height="{BAR}" '
                f'fill="url(#{uid}-p{j})" stroke="#ffffff" stroke-width="0.5"/>'
            )
            if w >= 8 * len(fmt(v)) + 6:
                parts.append(
                    f'<text x="{x + w / 2:.1f}" y="{y + BAR - 4}" text-anchor="middle" '
                    f'fill="#ffffff" stroke="{INK}" stroke-width="2.5" paint-order="stroke" '
                    f'font-size="11" font-weight="600">{_e(fmt(v))}</text>'
                )
            parts.append("</g>")
            x += w
        parts.append(
            f'<text x="{x + 4:.1f}" y="{y + BAR - 4}" fill="{INK}" font-weight="600">'
            f"{_e(fmt(totals[i]))}</text>"
        )
    parts.append("</svg>")
    return "".join(parts)


@dataclass(frozen=True, slots=True)
class RangeRow:
    """One row of a range plot: a band from ``low`` to ``high`` (``None``: no upper limit)
    and markers (name, value) such as a median."""

    label: str
    low: float | None
    high: float | None
    points: Sequence[tuple[str, float | None]] = field(default_factory=tuple)


def range_plot(
    title: str,
    rows: Sequence[RangeRow],
    *,
    band_label: str = "range",
    unit: str = "",
    width: int = 680,
    chart_id: str | None = None,
    empty: str = "No data yet.",
) -> str:
    """Bands (e.g. a statute's penalty range) with markers (e.g. the median sentence).

    A band without an upper limit runs to the axis end with an arrow and the words
    "no maximum". Markers differ by shape and are labelled with their value.
    """
    uid = chart_id or _slug(title)
    if not rows:
        return _empty(uid, title, width, empty)
    values = [v for r in rows for v in (r.low, r.high) if v is not None]
    values += [v for r in rows for _, v in r.points if v is not None]
    top = nice_max(max(values, default=1) * 1.05)
    label_w = _label_width([r.label for r in rows], width)
    x0 = PAD + label_w
    plot_w = width - x0 - PAD - 30
    names: list[str] = []
    for r in rows:
        for name, _ in r.points:
            if name not in names:
                names.append(name)
    y_top = 56
    row_h = ROW + 8
    height = y_top + row_h * len(rows) + 40
    desc = "; ".join(
        f"{r.label}: {band_label} {fmt(r.low or 0)} to "
        f"{'no maximum' if r.high is None else fmt(r.high)}"
        + "".join(f", {n} {fmt(v)}" for n, v in r.points if v is not None)
        for r in rows
    )
    parts = _open(uid, title, desc, width, height)
    # Legend: the band, then one entry per marker shape.
    parts.append(
        f'<rect x="{PAD}" y="32" width="22" height="10" fill="#c7d2fe" stroke="#6366f1"/>'
        f'<text x="{PAD + 27}" y="41" fill="{INK}">{_e(band_label)}</text>'
    )
    lx = PAD + 40 + 7 * len(band_label)
    for k, name in enumerate(names):
        parts.append(_marker(MARKERS[k % len(MARKERS)], lx + 6, 37, PALETTE[(k + 1) % 7]))
        parts.append(f'<text x="{lx + 15}" y="41" fill="{INK}">{_e(name)}</text>')
        lx += 30 + 7 * len(name)
    parts.append(_axis(x0, plot_w, top, y_top, y_top + row_h * len(rows), unit))

    def sx(v: float) -> float:
        return x0 + plot_w * (v / top)

    for i, r in enumerate(rows):
        yc = y_top + i * row_h + row_h / 2
        parts.append(
            f"<g><title>{_e(r.label)}</title>"
            f'<text x="{x0 - 6}" y="{yc + 4}" text-anchor="end" fill="{INK}">'
            f"{_e(_fit(r.label, label_w))}</text></g>"
        )
        if r.low is not None or r.high is not None:
            lo = sx(r.low or 0)
            hi = sx(r.high) if r.high is not None else x0 + plot_w
            top_txt = "no maximum" if r.high is None else fmt(r.high)
            parts.append(
                f"<g><title>{_e(r.label)}: {_e(band_label)} {_e(fmt(r.low or 0))} to "
                f"{_e(top_txt)}</title>"
                f'<rect x="{lo:.1f}" y="{yc - 6}" width="{max(hi - lo, 1):.1f}" height="12" '
                f'fill="#c7d2fe" stroke="#6366f1"/></g>'
            )
            if r.high is None:
                parts.append(
                    f'<path d="M{hi:.1f},{yc - 7} l8,7 l-8,7 z" fill="#6366f1"/>'
                    f'<text x="{hi - 2:.1f}" y="{yc - 9}" text-anchor="end" fill="{MUTED}" '
                    f'font-size="10">no maximum</text>'
                )
        # Marker values go under the band; one that would touch its neighbour's moves
        # right of it (above would touch the row above's values).
        taken: dict[float, list[tuple[float, float]]] = {yc + 18: []}
        points = [(k, name, dict(r.points).get(name)) for k, name in enumerate(names)]
        for k, name, value in sorted(
            ((k, n, v) for k, n, v in points if v is not None), key=lambda p: p[2]
        ):
            colour = PALETTE[(k + 1) % 7]
            x = sx(value)
            text = fmt(value)
            vx, vy = _place(x, _text_width(text, 10), taken)
            parts.append(
                f"<g><title>{_e(r.label)}, {_e(name)}: {_e(text)}</title>"
                + _marker(MARKERS[k % len(MARKERS)], x, yc, colour)
                + f'<text x="{vx:.1f}" y="{vy}" text-anchor="middle" fill="{INK}" '
                f'font-size="10">{_e(text)}</text></g>'
            )
    parts.append("</svg>")
    return "".join(parts)


def _text_width(text: str, size: float) -> float:
    """A generous estimate of a label's width in pixels (digits and Latin letters)."""
    return 0.62 * size * len(text) + 2


def _place(
    x: float, width: float, taken: dict[float, list[tuple[float, float]]]
) -> tuple[float, float]:
    """Where a label centred near ``x`` fits without touching one already placed: the
    first line (baseline) of ``taken`` with room, else moved right on the last line.
    Records the space it takes."""
    lines = list(taken)
    for ly in lines:
        lo, hi = x - width / 2, x + width / 2
        if all(hi + 2 <= a or lo - 2 >= b for a, b in taken[ly]):
            taken[ly].append((lo, hi))
            return x, ly
    ly = lines[-1]
    right = max(b for _, b in taken[ly]) + 2
    taken[ly].append((right, right + width))
    return right + width / 2, ly


def _marker(shape: str, x: float, y: float, colour: str) -> str:
    stroke = f'fill="{colour}" stroke="{INK}" stroke-width="1"'
    if shape == "circle":
        return f'<circle cx="{x:.1f}" cy="{y:.1f}" r="5" {stroke}/>'
    if shape == "diamond":
        return f'<path d="M{x:.1f},{y - 6:.1f} l6,6 l-6,6 l-6,-6 z" {stroke}/>'
    if shape == "triangle":
        return f'<path d="M{x:.1f},{y - 6:.1f} l6,11 l-12,0 z" {stroke}/>'
    return f'<rect x="{x - 5:.1f}" y="{y - 5:.1f}" width="10" height="10" {stroke}/>'
