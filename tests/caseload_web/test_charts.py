"""The SVG chart functions: labels, escaping, accessibility, empty states."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from palermo.web import charts

SVG = "{http://www.w3.org/2000/svg}"


def _texts(svg: str) -> list[str]:
    return [t.text or "" for t in ET.fromstring(svg).iter(f"{SVG}text")]


def test_bar_chart_labels_values_and_escapes() -> None:
    svg = charts.bar_chart("Who <asks>", [("Defence & co", 5), ("Court", 2.5)], unit="n")
    root = ET.fromstring(svg)
    assert root.findtext(f"{SVG}title") == "Who <asks>"
    assert root.findtext(f"{SVG}desc") == "Defence & co: 5; Court: 2.5"
    texts = _texts(svg)
    assert {"Defence & co", "Court", "5", "2.5"} <= set(texts)
    assert "<asks>" not in svg and "style=" not in svg


def test_stacked_bar_has_legend_patterns_and_totals() -> None:
    svg = charts.stacked_bar_chart(
        "Sentences",
        ["us-18-1591", "uk-msa-s1"],
        [("Custodial", [8, 3]), ("Suspended", [2, 0]), ("Fine only", [0, 1])],
    )
    texts = _texts(svg)
    assert {"Custodial", "Suspended", "Fine only", "10", "4"} <= set(texts)
    # Series differ by pattern, not only colour: one <pattern> each, used by the legend.
    root = ET.fromstring(svg)
    assert len(list(root.iter(f"{SVG}pattern"))) == 3
    assert 'fill="url(#sentences-p1)"' in svg
    titles = [t.text for t in root.iter(f"{SVG}title")]
    assert "us-18-1591, Custodial: 8" in titles


def test_range_plot_marks_open_ranges() -> None:
    svg = charts.range_plot(
        "Against the range",
        [
            charts.RangeRow("us-18-1591", 120, None, (("median", 150.0),)),
            charts.RangeRow("us-18-1592", 0, 60, (("median", None),)),
        ],
        band_label="statutory range",
    )
    texts = _texts(svg)
    assert "no maximum" in texts and "150" in texts and "statutory range" in texts
    desc = ET.fromstring(svg).findtext(f"{SVG}desc") or ""
    assert "us-18-1591: statutory range 120 to no maximum, median 150" in desc


def test_empty_charts_say_so() -> None:
    assert "Nothing here" in _texts(charts.bar_chart("X", [], empty="Nothing here"))
    assert "No data yet." in _texts(charts.stacked_bar_chart("Y", ["a"], [("s", [0])]))
    assert charts.nice_max(0) == 1.0 and charts.nice_max(7) == 10.0 and charts.nice_max(21) == 25
