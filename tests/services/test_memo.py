from __future__ import annotations

import io
import re
from collections.abc import Callable
from pathlib import Path

import pytest
import sqlalchemy as sa
from markupsafe import escape
from pypdf import PdfReader
from tests.network_money import simcase

from palermo.reports.memo import render_html
from palermo.reports.pictures import (
    FlowLink,
    FlowNode,
    NetEdge,
    NetNode,
    flow_columns,
    flow_svg,
    network_svg,
)
from palermo.security.permissions import Actor
from palermo.services import cases, money, network
from palermo.services.context import Context
from palermo.services.memo import build_memo, export_memo
from palermo.store.models import AuditEntry, Case, Role

MakeUser = Callable[..., Actor]


def _case_with_victim(ctx: Context, prosecutor: Actor, case_ref: str) -> None:
    cases.add_person(
        ctx,
        prosecutor,
        case_ref,
        kind="victim",
        name="Maria Ionescu",
        aliases=["Mimi"],
        identifiers=[("phone", "+40721000001")],
    )
    suspect = cases.add_person(ctx, prosecutor, case_ref, kind="suspect", name="Ion Popescu")
    cases.add_charge(ctx, prosecutor, case_ref, person_id=suspect.id, statute_id="us-18-1591")
    with ctx.db.session() as session:
        case = session.scalar(sa.select(Case).where(Case.reference == case_ref))
        assert case is not None
        # Free text written by an investigator that names the victim.
        case.summary = "Maria Ionescu (known as Mimi) was recruited by Ion Popescu in 2023."


def test_memo_never_shows_a_sealed_name_to_a_user_without_the_right(
    ctx: Context, prosecutor: Actor, case_ref: str, make_user: MakeUser
) -> None:
    _case_with_victim(ctx, prosecutor, case_ref)
    analyst = make_user(Role.ANALYST)
    cases.add_member(ctx, prosecutor, case_ref, analyst.username)

    html = export_memo(ctx, analyst, case_ref, fmt="html", reveal=True).decode()
    pdf = export_memo(ctx, analyst, case_ref, fmt="pdf", reveal=True)
    pdf_text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)

    for text in (html, pdf_text):
        for secret in ("Maria", "Ionescu", "Mimi"):
            assert secret not in text
        assert "V-01" in text
        assert "Ion Popescu" in text  # suspects are not sealed
        assert "us-18-1591" in text


def test_prosecutor_who_asks_sees_names_and_exports_are_audited(
    ctx: Context, prosecutor: Actor, case_ref: str
) -> None:
    _case_with_victim(ctx, prosecutor, case_ref)
    default = export_memo(ctx, prosecutor, case_ref).decode()
    assert "Maria" not in default
    revealed = export_memo(ctx, prosecutor, case_ref, reveal=True).decode()
    assert "Maria Ionescu" in revealed
    for section in (
        "Summary",
        "Statement of facts",
        "Theory of the case",
        "Witnesses",
        "Anticipated defences",
        "Other culpable parties not charged",
        "Money and restitution",
        "Sentencing position",
        "Gaps and tasks",
        "Evidence index",
        "Parties and roles",
        "Network picture",
        "Elements of each offence",
        "Record chronology",
    ):
        assert section in revealed
    with ctx.db.session() as session:
        exports = session.scalars(
            sa.select(AuditEntry.details).where(AuditEntry.action == "memo.export")
        ).all()
    assert [d["identities_included"] for d in exports] == [False, True]


# -- the memo of a simulated case: every section with real content -------------------------

SECTIONS = [
    "summary",
    "facts",
    "theory",
    "witnesses",
    "defences",
    "uncharged",
    "money",
    "sentencing",
    "gaps",
    "elements",
    "evidence",
    "parties",
    "network",
    "roles",
    "money_detail",
    "timeline",
]


@pytest.fixture(scope="module")
def sim_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return simcase.folder(tmp_path_factory.mktemp("memo-sim"))


@pytest.fixture
def sim(ctx: Context, prosecutor: Actor, unit_id: int, sim_folder: Path) -> simcase.SimCase:
    return simcase.build(ctx, prosecutor, unit_id, sim_folder)


def _section(html: str, key: str) -> str:
    found = re.search(rf'<section id="{key}"[^>]*>', html)
    assert found is not None, key
    return html[found.start() : html.index("</section>", found.start())]


def test_memo_sections_come_in_the_order_the_issue_asks(
    ctx: Context, prosecutor: Actor, sim: simcase.SimCase
) -> None:
    memo = build_memo(ctx, prosecutor, sim.reference)
    assert [s.key for s in memo.sections] == SECTIONS
    html = export_memo(ctx, prosecutor, sim.reference).decode()
    positions = [html.index(f'<section id="{key}"') for key in SECTIONS]
    assert positions == sorted(positions)
    headings = re.findall(r"<h2>(.*?)</h2>", html)
    assert any("Network" in h for h in headings)
    assert any("Money" in h and "Restitution".lower() in h.lower() for h in headings)


def test_parties_show_roles_with_evidence_key_players_and_the_uncharged(
    ctx: Context, prosecutor: Actor, sim: simcase.SimCase
) -> None:
    html = export_memo(ctx, prosecutor, sim.reference).decode()
    # The roles with their evidence and the key players are an appendix.
    parties = _section(html, "parties") + _section(html, "roles")
    view = network.network_view(ctx, prosecutor, sim.reference)
    exploiter = sim.ids[sim.person("exploiter", charged=True)["id"]]
    role = max((r for r in view.roles if r.person_id == exploiter), key=lambda r: r.score)
    entry = next(
        p for p in re.findall(r'<p class="entry">.*?</p>', parties, re.S) if role.person in p
    )
    assert role.label in entry and "charged" in entry
    for signal in role.signals:
        assert escape(signal.because) in entry
    first = next(e for s in role.signals for e in s.evidence[:3] if e.row)
    assert f"{first.file} row {first.row}" in entry  # the record behind the signal
    quoted = next((e for s in role.signals for e in s.evidence[:3] if e.quote), None)
    if quoted is not None:  # what a statement says, with where it says it
        assert escape(quoted.key) in entry
    # Key players and the culpable-but-not-charged list.
    assert "Key players" in parties and view.key_players[0].label in parties
    recruiter = sim.person("recruiter", charged=False)
    culpable = _section(html, "uncharged")
    assert "Other culpable parties not charged" in culpable
    assert recruiter["name"] in culpable and "Recruiter" in culpable
    # What would be needed to charge them, element by element.
    assert "Needed to charge" in culpable or "Every required element is supported" in culpable
    charged = sim.person("recruiter", charged=True)
    assert charged["name"] not in culpable


def test_network_picture_is_an_svg_with_nodes_links_and_a_legend(
    ctx: Context, prosecutor: Actor, sim: simcase.SimCase
) -> None:
    section = _section(export_memo(ctx, prosecutor, sim.reference).decode(), "network")
    svg = section[section.index("<svg") : section.index("</svg>")]
    assert "<script" not in section
    assert len(re.findall(r"<circle ", svg)) >= 10  # people (and the legend's dots)
    assert len(re.findall(r"<line ", svg)) >= 10  # links
    for legend in ("suspect", "victim", "link width: evidence records"):
        assert f">{legend}<" in svg
    assert "V-01" in svg  # victims by pseudonym
    exploiter = sim.person("exploiter", charged=True)["name"]
    assert f">{exploiter}<" in svg
    left = re.search(r"([\d,]+) nodes? and ([\d,]+) links? were left out", section)
    assert left is not None
    view = network.network_view(ctx, prosecutor, sim.reference)
    shown = re.search(r"The picture shows the (\d+) most important of the case's ([\d,]+)", section)
    assert shown is not None
    total = int(shown.group(2).replace(",", ""))
    assert total == view.graph["total_nodes"]
    assert int(left.group(1).replace(",", "")) == total - int(shown.group(1))


def test_money_section_flows_add_up_and_restitution_matches_the_service(
    ctx: Context, prosecutor: Actor, sim: simcase.SimCase
) -> None:
    memo = build_memo(ctx, prosecutor, sim.reference)
    data = next(s for s in memo.sections if s.key == "money").data
    view = money.money_view(ctx, prosecutor, sim.reference)
    assert data["payments"] == view.payments > 50
    assert data["total"] == view.flows.total > 0
    for table in ("by_counterpart", "by_holder", "by_country"):
        rows = data[table]["rows"] + ([data[table]["other"]] if data[table]["other"] else [])
        assert sum(r["amount"] for r in rows) == pytest.approx(view.flows.total, abs=0.05)
    assert data["pattern_summary"] and all(p["tx"] > 0 for p in data["pattern_summary"])
    structuring = next(p for p in data["patterns"] if p["label"] == "Structuring")
    planted = next(p for p in sim.truth["patterns"] if p["pattern"] == "structuring")
    assert structuring["transactions"] >= len(planted["transactions"])
    assert data["per_suspect"]
    html = render_html(memo)
    assert "<svg" in _section(html, "money_detail")  # the picture is in the appendix
    section = _section(html, "money") + _section(html, "money_detail")
    assert "Total traced" in section
    assert f"{view.flows.total:,.2f}" in section
    victims = [p for p in sim.truth["persons"] if p["kind"] == "victim"]
    assert data["restitution"]["scheme"].citation == "18 U.S.C. 1593"  # a US case
    sheets = [r for r in data["restitution"]["rows"] if not r["problem"]]
    assert len(sheets) == len(victims)
    for p in victims:
        service = money.restitution(ctx, prosecutor, sim.reference, victim_id=sim.ids[p["id"]])
        mine = next(r for r in sheets if r["victim"] == service.victim)
        assert mine["total"] == service.worksheet.total
        assert mine["gross_gain"] == service.gross_gain
        assert f"{service.worksheet.total:,.2f}" in section
    assert "rate = 7.25" in section  # the inputs of the worksheet rows


def test_rejected_role_leaves_the_memo_and_confirmed_is_marked(
    ctx: Context, prosecutor: Actor, sim: simcase.SimCase
) -> None:
    html = export_memo(ctx, prosecutor, sim.reference).decode()
    before = _section(html, "parties") + _section(html, "roles")
    recruiter = sim.ids[sim.person("recruiter", charged=False)["id"]]
    name = sim.person("recruiter", charged=False)["name"]
    assert name in _section(html, "uncharged") and name in before
    exploiter = sim.ids[sim.person("exploiter", charged=True)["id"]]
    network.decide_role(
        ctx, prosecutor, sim.reference, person_id=recruiter, role="recruiter", decision="rejected"
    )
    network.decide_role(
        ctx, prosecutor, sim.reference, person_id=exploiter, role="exploiter", decision="confirmed"
    )
    memo = build_memo(ctx, prosecutor, sim.reference)
    parties = next(s for s in memo.sections if s.key == "parties").data
    assert not any(r["person"] == name and r["label"] == "Recruiter" for r in parties["roles"])
    assert name not in {u["person"] for u in parties["culpable"]}
    assert parties["rejected"] >= 1
    confirmed = next(r for r in parties["roles"] if r["label"] == "Exploiter" and r["confirmed"])
    assert confirmed["decided"].startswith("confirmed by prosecutor")
    html = render_html(memo)
    assert "✔ Confirmed" in _section(html, "roles")
    assert "Exploiter ✔" in _section(html, "network")


def test_memo_without_payments_says_what_would_fill_the_money_section(
    ctx: Context, prosecutor: Actor, case_ref: str
) -> None:
    _case_with_victim(ctx, prosecutor, case_ref)
    html = export_memo(ctx, prosecutor, case_ref).decode()
    money_section = _section(html, "money")
    assert "No payments in this case yet" in money_section
    assert "bank statements" in money_section
    assert "No network yet" in _section(html, "network")
    for key in SECTIONS:
        assert f'<section id="{key}"' in html


# -- the pictures on their own ---------------------------------------------------------------


def test_network_svg_is_deterministic_and_labels_are_text_nodes() -> None:
    nodes = [
        NetNode(f"person:{i}", f"Person {i}", "person", "suspect" if i < 3 else "victim")
        for i in range(8)
    ]
    nodes.append(NetNode("phone:1", "+15550001", "phone", "identifier"))
    edges = [NetEdge(f"person:{i}", f"person:{i + 1}", i + 1, i % 2 == 0) for i in range(7)]
    edges.append(NetEdge("person:0", "phone:1", 3))
    one, two = network_svg(nodes, edges), network_svg(list(nodes), list(edges))
    assert one == two
    assert one.count("<line ") >= len(edges)
    for n in nodes:
        assert f">{n.label}<" in one
        assert f'"{n.label}"' not in one  # never an attribute value
    assert "green: payments among them" in one


def test_flow_svg_columns_run_from_sources_to_where_money_stays() -> None:
    nodes = [FlowNode("victim"), FlowNode("buyer"), FlowNode("collector"), FlowNode("boss")]
    links = [FlowLink(0, 2, 100.0), FlowLink(1, 2, 50.0), FlowLink(2, 3, 120.0)]
    assert flow_columns(4, links) == [0, 0, 1, 2]
    svg = flow_svg(nodes, links, currency="USD")
    assert svg.count("<path ") == 3
    for label in ("victim", "collector", "boss", "150 USD", "where it stays"):
        assert f">{label}<" in svg
    assert flow_svg(nodes, []) == ""


def test_an_export_unseals_the_case_once_for_its_redactor(
    ctx: Context, prosecutor: Actor, case_ref: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.helpers import counting

    from palermo.services import memo as memo_service

    _case_with_victim(ctx, prosecutor, case_ref)
    build_memo(ctx, prosecutor, case_ref)  # the analysis kept, as after the analyse job
    built = counting(monkeypatch, memo_service, "_redactor")
    html = export_memo(ctx, prosecutor, case_ref, fmt="html").decode()
    assert len(built) == 1  # the sections and the rendered HTML share it
    for secret in ("Maria", "Ionescu", "Mimi"):
        assert secret not in html
    revealed = export_memo(ctx, prosecutor, case_ref, fmt="html", reveal=True).decode()
    assert "Maria Ionescu" in revealed
    assert len(built) == 1  # a memo with the names shown has nothing to redact
