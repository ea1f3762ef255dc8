"""The Money tab and its API over a simulated case loaded through ingest."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from fastapi.testclient import TestClient

from palermo.security.permissions import Actor
from palermo.services import cases
from palermo.services.context import Context
from palermo.store.models import Role

API = "/api/cases/NET-001/money"


def _json(client: TestClient, url: str) -> dict[str, Any]:
    response = client.get(url)
    assert response.status_code == 200, response.text
    return response.json()


def _adds_up(flow: dict[str, Any]) -> None:
    assert flow["total"] > 0
    for table in ("by_counterpart", "by_country"):
        assert sum(r["amount"] for r in flow[table]) == pytest.approx(flow["total"], abs=0.05)
        assert sum(r["share"] for r in flow[table]) == pytest.approx(1.0, abs=0.01)


def test_overview_tables_add_up(signed_in: TestClient) -> None:
    data = _json(signed_in, API)
    assert data["payments"] > 50
    _adds_up(data["flows"])
    assert data["flows"]["sankey"]["links"]


def test_trace_forward_and_backward_add_up(signed_in: TestClient, sim: Any) -> None:
    collector = sim.person("money_handler")
    account = collector["accounts"][0]
    forward = _json(signed_in, f"{API}/trace?seed={account}&direction=forward")
    _adds_up(forward)
    backward = _json(signed_in, f"{API}/trace?seed={sim.ids[collector['id']]}&direction=backward")
    _adds_up(backward)
    assert backward["direction"] == "backward"
    window = _json(signed_in, f"{API}/trace?seed={account}&start=2099-01-01")
    assert window["total"] == 0
    assert signed_in.get(f"{API}/trace?seed=nothing-here").status_code == 422


def test_planted_pattern_listed_with_its_transactions(signed_in: TestClient, sim: Any) -> None:
    data = _json(signed_in, API)
    planted = next(p for p in sim.truth["patterns"] if p["pattern"] == "structuring")
    hits = [p for p in data["patterns"] if p["pattern"] == "structuring"]
    assert hits, [p["pattern"] for p in data["patterns"]]
    listed = {t["key"] for h in hits for t in h["transactions"]}
    assert set(planted["transactions"]) <= listed
    assert all(h["why"] for h in hits)
    assert all(
        t["record_id"] and t["file"] == "payments.csv" for h in hits for t in h["transactions"]
    )


def test_leads_ranked_with_reasons_and_payments(signed_in: TestClient, sim: Any) -> None:
    leads = signed_in.get(API).json()["leads"]
    assert leads, "no laundering lead on the simulated case"
    assert [lead["rank"] for lead in leads] == list(range(1, len(leads) + 1))
    scores = [lead["score"] for lead in leads]
    assert scores == sorted(scores, reverse=True)
    criminal = set(sim.truth["criminal_records"]["payments"])
    for lead in leads:
        assert lead["label"] and lead["resembles"] and lead["why"]
        keys = {t["key"] for t in lead["transactions"]}
        assert keys and keys <= criminal, keys - criminal
    html = signed_in.get("/cases/NET-001/money").text
    assert 'id="leads-table"' in html and leads[0]["label"] in html


def test_page_shows_sankey_tables_and_patterns(signed_in: TestClient, sim: Any) -> None:
    html = signed_in.get("/cases/NET-001/money").text
    for marker in (
        'class="mn-sankey"',
        'id="by-counterpart"',
        'id="by-country"',
        'id="patterns-table"',
        'id="per-suspect"',
        "Structuring",
    ):
        assert marker in html, marker
    assert "<script>" not in html and " style=" not in html
    collector = sim.ids[sim.person("money_handler")["id"]]
    traced = signed_in.get(f"/cases/NET-001/money?seed={collector}&direction=forward").text
    assert "Trace forward from" in traced


def test_restitution_csv_has_the_greater_of_row(signed_in: TestClient, sim: Any) -> None:
    victim = next(p for p in sim.truth["persons"] if p["kind"] == "victim")
    vid = sim.ids[victim["id"]]
    response = signed_in.get(
        f"/cases/NET-001/money/restitution.csv?victim={vid}&hours_per_week=70"
        "&start=2023-07-01&end=2023-09-30"
    )
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.text)))
    final = next(r for r in rows if r["Row"] == "Restitution under 18 U.S.C. 1593(b)(3)")
    assert final["Formula"] == "greater of the gross gain and the FLSA measure"
    flsa = next(r for r in rows if r["Row"] == "FLSA measure")
    gain = next(r for r in rows if r["Row"].startswith("Gross income"))
    assert float(final["Value"]) == max(float(flsa["Value"]), float(gain["Value"]))
    assert "Rate=7.25" in response.text  # the federal rate table, with its inputs
    assert victim["name"] not in response.text
    page = signed_in.get(f"/cases/NET-001/money/restitution?victim={vid}")
    assert page.status_code == 200 and 'id="worksheet"' in page.text
    api = _json(signed_in, f"{API}/restitution?victim={vid}")
    assert api["worksheet"]["rows"][-1]["inputs"]["chosen"] in {"gross gain", "FLSA measure"}


def test_restitution_refuses_a_non_victim(signed_in: TestClient, sim: Any) -> None:
    suspect = sim.ids[sim.person("exploiter")["id"]]
    assert signed_in.get(f"{API}/restitution?victim={suspect}").status_code == 422


def test_non_member_gets_404(make_user: Any, client: TestClient, login: Any, sim: Any) -> None:
    make_user(Role.PROSECUTOR, "outsider")
    login(client, "outsider")
    for url in (
        API,
        f"{API}/trace?seed=x",
        "/cases/NET-001/money",
        "/cases/NET-001/money/restitution.csv?victim=1",
    ):
        assert client.get(url).status_code == 404, url


def test_analyst_never_sees_a_victims_name(
    ctx: Context, prosecutor: Actor, make_user: Any, client: TestClient, login: Any, sim: Any
) -> None:
    make_user(Role.ANALYST, "analyst")
    cases.add_member(ctx, prosecutor, "NET-001", "analyst")
    login(client, "analyst")
    victim_ids = [sim.ids[p["id"]] for p in sim.truth["persons"] if p["kind"] == "victim"]
    texts = [client.get(API).text, client.get("/cases/NET-001/money").text]
    texts += [client.get(f"/cases/NET-001/money/restitution?victim={v}").text for v in victim_ids]
    for text in texts:
        for v in (p for p in sim.truth["persons"] if p["kind"] == "victim"):
            for name in [v["name"], *v.get("aliases", [])]:
                assert len(name) < 8 or name not in text, name
    assert "V-01" in texts[0]
