"""The Outcomes area: figures match the service, CSV and SVG downloads, permissions."""

from __future__ import annotations

import csv
import io
import xml.etree.ElementTree as ET
from pathlib import Path
from types import ModuleType

import pytest
from fastapi.testclient import TestClient

from palermo.security.permissions import Actor
from palermo.services import caseload as svc
from palermo.services.context import Context

Login = object
SVG = "{http://www.w3.org/2000/svg}"


def test_outcome_figures_match_the_service(
    ctx: Context,
    client: TestClient,
    login: Login,
    seeded: dict[str, Actor],
    unit_id: int,
    h: ModuleType,
) -> None:
    with ctx.db.session() as s:
        stats = svc.outcome_statistics(s, seeded["analyst"], unit_id)
    assert (stats.convicted, stats.decided) == (1, 2)
    login(client, "anal")  # type: ignore[operator]
    html = client.get("/outcomes").text
    rate = h.section(html, "verdicts")
    verdicts = {r[0]: int(r[1]) for r in h.table_rows(rate, "table-verdicts")}
    assert verdicts["Convicted"] == stats.defendants_by_result["convicted"] == 1
    assert verdicts["Acquitted"] == stats.defendants_by_result["acquitted"] == 1
    assert verdicts["Dismissed"] == verdicts["Diverted"] == 0
    assert "50% <small>1 of 2 decided defendants" in html
    restitution = dict(h.table_rows(html, "table-restitution"))
    assert restitution["Convicted defendants"] == str(stats.restitution.convicted_defendants)
    assert restitution["Restitution ordered (defendants)"] == "1"
    assert restitution["Amount paid"] == "1,000.00"
    disposition = dict(h.table_rows(html, "table-disposition"))
    assert disposition["Median days"] == f"{stats.disposition_median_days:,.1f}"
    mix = h.table_rows(html, "table-sentences_statute")
    assert mix == [
        ["18 U.S.C. § 1591(a)(1)", "1", "1", "0", "0", "0", "0.0", "150.0", "150.0", "150.0"]
    ]
    ranges = h.table_rows(html, "table-ranges")
    assert ranges == [["18 U.S.C. § 1591(a)(1)", "120", "life", "1", "0", "1", "0"]]
    bench = {r[1]: r for r in h.table_rows(html, "table-benchmarks")}
    assert set(bench) == {b.crime.capitalize() for b in stats.benchmarks}


def test_table_csv_and_raw_export(
    client: TestClient, login: Login, seeded: dict[str, Actor]
) -> None:
    login(client, "anal")  # type: ignore[operator]
    response = client.get("/outcomes/tables/verdicts.csv")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.text)))
    assert rows[0] == ["Result", "Defendants"]
    assert ["Convicted", "1"] in rows and ["Acquitted", "1"] in rows
    raw = client.get("/outcomes/export/outcomes.csv")
    assert raw.status_code == 200
    records = list(csv.DictReader(io.StringIO(raw.text)))
    assert sorted(r["verdict"] for r in records) == ["acquitted", "convicted"]
    assert {r["custodial_months"] for r in records} == {"150", ""}
    hearings = list(csv.DictReader(io.StringIO(client.get("/outcomes/export/hearings.csv").text)))
    assert len(hearings) == 6  # the member cases only; OTHER-3 holds the other two
    assert client.get("/outcomes/export/witness_status.csv").status_code == 404
    assert client.get("/outcomes/tables/nope.csv").status_code == 404


def test_charts_are_labelled_svg(
    client: TestClient, login: Login, seeded: dict[str, Actor]
) -> None:
    login(client, "anal")  # type: ignore[operator]
    for name in ("verdicts", "sentences_statute", "ranges", "benchmarks", "restitution", "tip"):
        response = client.get(f"/outcomes/charts/{name}.svg")
        assert response.status_code == 200, name
        assert response.headers["content-type"].startswith("image/svg+xml")
        root = ET.fromstring(response.text)
        assert root.tag == f"{SVG}svg" and root.get("role") == "img"
        assert (root.findtext(f"{SVG}title") or "").strip(), name
        texts = [t.text for t in root.iter(f"{SVG}text") if t.text]
        assert len(texts) > 3, name
    verdicts = ET.fromstring(client.get("/outcomes/charts/verdicts.svg").text)
    labels = [t.text for t in verdicts.iter(f"{SVG}text")]
    assert "Convicted" in labels and "Acquitted" in labels
    ranges = client.get("/outcomes/charts/ranges.svg").text
    assert "no maximum" in ranges and "150" in ranges


def test_outcomes_need_the_statistics_permission(
    client: TestClient, login: Login, seeded: dict[str, Actor]
) -> None:
    login(client, "advo")  # type: ignore[operator]
    assert client.get("/outcomes").status_code == 403
    assert client.get("/outcomes/tables/verdicts.csv").status_code == 403
    assert client.get("/outcomes/export/cases.csv").status_code == 403
    assert client.get("/api/outcomes").status_code == 403


def test_outcomes_api(client: TestClient, login: Login, seeded: dict[str, Actor]) -> None:
    login(client, "pros")  # type: ignore[operator]
    data = client.get("/api/outcomes").json()
    assert data["defendants_by_result"] == {"convicted": 1, "acquitted": 1}
    assert data["conviction_rate"] == 0.5
    assert data["statute_ranges"][0]["max_months"] is None
    assert data["restitution"]["amount_paid"] in ("1000.00", "1000", 1000)


def test_context_loads_on_demand_or_says_what_to_set(
    client: TestClient,
    login: Login,
    seeded: dict[str, Actor],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    login(client, "pros")  # type: ignore[operator]
    assert "Load context figures" in client.get("/outcomes").text
    monkeypatch.setenv("PALERMO_CONTEXT_DATA", str(tmp_path / "missing"))
    page = client.get("/outcomes?context=1")
    assert page.status_code == 200
    assert "Context figures are not available" in page.text
    assert "PALERMO_CONTEXT_DATA" in page.text
    assert client.get("/outcomes/tables/context.csv").status_code == 404


def test_context_figures_from_the_bundled_data(
    client: TestClient, login: Login, seeded: dict[str, Actor], h: ModuleType
) -> None:
    login(client, "pros")  # type: ignore[operator]
    html = client.get("/outcomes?context=1").text
    rows = {r[0]: r for r in h.table_rows(html, "table-context")}
    # GLOTIP: persons convicted in the USA in 2020; TIP: world prosecutions in 2019.
    assert rows["2020"][6] == "309"
    assert rows["2019"][8] == "11,841"
    assert "United States of America: convicted (GLOTIP)" in html
    csv_text = client.get("/outcomes/tables/context.csv").text
    assert "2020," in csv_text
