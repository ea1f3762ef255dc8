"""Timeline tab and memo downloads: filters, pseudonyms, redaction, audit, access."""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from types import ModuleType

import sqlalchemy as sa
from fastapi.testclient import TestClient
from pypdf import PdfReader

from palermo.security.permissions import Actor
from palermo.services import cases
from palermo.services.context import Context
from palermo.store.models import AuditEntry, Role

Login = Callable[[TestClient, str], TestClient]
MakeUser = Callable[..., Actor]


def _people(ctx: Context, prosecutor: Actor, case_ref: str) -> None:
    cases.add_person(
        ctx,
        prosecutor,
        case_ref,
        kind="victim",
        name="Maria Ionescu",
        identifiers=[("phone", "+15550000001")],
    )
    cases.add_person(
        ctx,
        prosecutor,
        case_ref,
        kind="suspect",
        name="Ion Popescu",
        identifiers=[("phone", "+15559990000")],
    )


def test_timeline_tab_shows_story_with_pseudonyms_and_filters(
    ctx: Context,
    client: TestClient,
    prosecutor: Actor,
    case_ref: str,
    login: Login,
    seeding: ModuleType,
) -> None:
    _people(ctx, prosecutor, case_ref)
    seeding.add_calls(ctx, case_ref, 5)
    seeding.add_payments(ctx, case_ref, ["150.00", "75.50"])
    login(client, "prosecutor")
    page = client.get(f"/cases/{case_ref}/timeline")
    assert page.status_code == 200
    # By default the facts: the two payments, not the calls.
    assert "2 entries" in page.text and "called" not in page.text
    everything = client.get(f"/cases/{case_ref}/timeline?kind=payment&kind=call&kind=message")
    assert "Showing payments, calls and messages: 7 entries" in everything.text
    assert "V-01 called Ion Popescu" in everything.text
    assert "Maria" not in everything.text
    assert f'href="/cases/{case_ref}/records?record=' in everything.text
    only_payments = client.get(f"/cases/{case_ref}/timeline?kind=payment")
    assert "Showing payments: 2 entries" in only_payments.text
    assert "called" not in only_payments.text
    csv_file = client.get(f"/cases/{case_ref}/timeline.csv?kind=call")
    assert csv_file.headers["content-type"].startswith("text/csv")
    assert "attachment" in csv_file.headers["content-disposition"]
    lines = csv_file.text.strip().splitlines()
    assert lines[0].startswith("When (UTC),Kind,What happened,People")
    assert len(lines) == 6 and "Maria" not in csv_file.text
    assert any("V-01 called Ion Popescu" in line for line in lines[1:])
    assert all("http://testserver/cases/" in line for line in lines[1:])
    assert "0 min" not in csv_file.text  # a short call in seconds


def test_memo_html_and_pdf_redact_for_analyst_and_are_audited(
    ctx: Context,
    client: TestClient,
    prosecutor: Actor,
    case_ref: str,
    login: Login,
    make_user: MakeUser,
    seeding: ModuleType,
) -> None:
    _people(ctx, prosecutor, case_ref)
    seeding.add_calls(ctx, case_ref, 3)
    analyst = make_user(Role.ANALYST)
    cases.add_member(ctx, prosecutor, case_ref, analyst.username)
    login(client, analyst.username)

    tab = client.get(f"/cases/{case_ref}/memo")
    assert tab.status_code == 200 and "Download PDF" in tab.text
    assert "restitution worksheet" in tab.text and "not charged" in tab.text
    html = client.get(f"/cases/{case_ref}/memo.html?reveal=true")
    assert html.status_code == 200
    assert "style-src 'unsafe-inline'" in html.headers["content-security-policy"]
    assert "script" not in html.headers["content-security-policy"]
    assert "Maria" not in html.text and "V-01" in html.text
    sections = re.findall(r'<section id="([a-z_]+)"[^>]*>\s*<h2>([^<]*)</h2>', html.text)
    assert [key for key, _ in sections] == [
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
    titles = dict(sections)
    assert "Network" in titles["network"] and "Restitution" in titles["money"].title()
    assert "No payments in this case yet" in html.text  # calls only: an empty state
    assert "<svg" in html.text and "<script" not in html.text
    pdf = client.get(f"/cases/{case_ref}/memo.pdf?reveal=true")
    assert pdf.headers["content-type"] == "application/pdf"
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.content)).pages)
    assert "Evidence index" in text and "Maria" not in text
    with ctx.db.session() as session:
        exports = session.scalar(
            sa.select(sa.func.count())
            .select_from(AuditEntry)
            .where(AuditEntry.action == "memo.export", AuditEntry.user_id == analyst.user_id)
        )
    assert exports == 2


def test_timeline_and_memo_hidden_from_non_members(
    ctx: Context, client: TestClient, case_ref: str, login: Login, make_user: MakeUser
) -> None:
    outsider = make_user(Role.PROSECUTOR)
    login(client, outsider.username)
    for suffix in ("/timeline", "/memo", "/memo.html", "/memo.pdf"):
        assert client.get(f"/cases/{case_ref}{suffix}").status_code == 404
