"""Chart labels do not overprint: marker values that would touch move above the band,
and long row labels are cut to their column with the full text kept in a title."""

from __future__ import annotations

import re

from palermo.web import charts


def _texts(svg: str) -> list[tuple[float, float, str]]:
    return [
        (float(x), float(y), text)
        for x, y, text in re.findall(r'<text x="([\d.]+)" y="([\d.]+)"[^>]*>([^<]*)</text>', svg)
    ]


def test_close_marker_values_do_not_overlap() -> None:
    svg = charts.range_plot(
        "Custodial months",
        [charts.RangeRow("18 U.S.C. § 1591(a)(1)", 120, None, (("median", 69), ("p90", 81)))],
        band_label="statutory range",
    )
    values = [(x, y) for x, y, t in _texts(svg) if t in {"69", "81"}]
    assert len(values) == 2
    (x1, y1), (x2, y2) = values
    width = charts._text_width("69", 10)
    assert y1 == y2 and abs(x1 - x2) >= width + 2
    assert "no maximum" in svg


def test_long_row_labels_are_cut_with_the_full_text_in_a_title() -> None:
    label = "Directive 2011/36/EU Art. 2 (penalties Art. 4) vs aggravated kidnapping"
    svg = charts.bar_chart("Sentences", [(label, 3.0)])
    shown = [t for _, _, t in _texts(svg) if t.startswith("Directive")]
    assert shown and shown[0].endswith("…") and len(shown[0]) < len(label)
    assert f"<title>{label}: 3</title>" in svg
