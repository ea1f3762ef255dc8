"""Law that fits the jurisdiction: a case under the Modern Slavery Act gets the UK
reparation worksheet in pounds on the Money tab and in the memo, A4 paper and British
dates, and no US statute anywhere; a US case keeps 18 U.S.C. 1593 and Letter paper."""

from __future__ import annotations

import re
from pathlib import Path

from fastapi.testclient import TestClient
from tests.conftest import Login

from palermo.security.permissions import Actor
from palermo.services import cases
from palermo.services.context import Context
from palermo.services.ingest import ingest_path
from palermo.services.memo import export_memo

PAYMENTS = (
    "transaction_id,booked_at,payer_account,payer_name,payee_account,payee_name,amount,"
    "currency,channel,country_from,country_to,reference\n"
    "T1,2024-03-02T12:00:00Z,GB11111111,A. Okoro,GB22222222,B. Hale,600.00,GBP,"
    "bank,GB,GB,rent\n"
    "T2,2024-05-20T12:00:00Z,GB11111111,A. Okoro,GB22222222,B. Hale,400.00,GBP,"
    "bank,GB,GB,debt\n"
)


def _case(ctx: Context, actor: Actor, unit_id: int, tmp: Path, jurisdiction: str) -> int:
    reference = f"LAW-{jurisdiction}"
    statutes = ["uk-msa-s1"] if jurisdiction == "UK" else ["us-18-1589"]
    cases.create_case(
        ctx,
        actor,
        reference=reference,
        title=f"{jurisdiction} case",
        jurisdiction=jurisdiction,
        unit_id=unit_id,
        typology="domestic_servitude",
        statutes=statutes,
    )
    victim = cases.add_person(
        ctx,
        actor,
        reference,
        kind="victim",
        name="Ada Okoro",
        identifiers=[("account", "GB11111111")],
    )
    suspect = cases.add_person(
        ctx,
        actor,
        reference,
        kind="suspect",
        name="Brian Hale",
        identifiers=[("account", "GB22222222")],
    )
    cases.add_charge(ctx, actor, reference, person_id=suspect.id, statute_id=statutes[0])
    folder = tmp / reference
    folder.mkdir()
    (folder / "payments.csv").write_text(PAYMENTS)
    ingest_path(ctx, actor, reference, folder)
    return victim.id


def test_uk_case_memo_and_money_tab_use_the_uk_reparation_order_in_pounds(
    ctx: Context,
    prosecutor: Actor,
    unit_id: int,
    tmp_path: Path,
    client: TestClient,
    login: Login,
) -> None:
    victim = _case(ctx, prosecutor, unit_id, tmp_path, "UK")
    html = export_memo(ctx, prosecutor, "LAW-UK").decode()
    money = html[html.index('<section id="money"') :]
    money = money[: money.index("</section>")]
    assert "Slavery and trafficking reparation order" in money
    assert "Modern Slavery Act 2015 ss. 8-10" in money and "Sentencing Act 2020" in money
    assert "(GBP)" in money and "1,000.00" in money  # the traced gain, in pounds
    assert "U.S.C." not in html and "1593" not in html and "FLSA" not in html
    assert "size: A4" in html
    assert re.search(r"\b2 March 2024\b", html)  # British dates
    # The Money tab: the button and the worksheet name the UK law, in pounds.
    login(client, prosecutor.username)
    tab = client.get("/cases/LAW-UK/money")
    assert tab.status_code == 200
    assert (
        "Worksheet: Slavery and trafficking reparation order (Modern Slavery Act 2015 ss. 8-10)"
        in tab.text
    )
    assert "1593" not in tab.text
    page = client.get(f"/cases/LAW-UK/money/restitution?victim={victim}")
    assert page.status_code == 200, page.text
    assert "Slavery and trafficking reparation order" in page.text
    assert "Value (GBP)" in page.text and "UK-NLW" in page.text
    assert "1593" not in page.text and "U.S.C." not in page.text
    # The compensation order instead, and a US table refused for a UK case.
    other = client.get(f"/cases/LAW-UK/money/restitution?victim={victim}&scheme=uk-sc-s133")
    assert other.status_code == 200 and "Compensation order" in other.text
    refused = client.get(
        f"/cases/LAW-UK/money/restitution.csv?victim={victim}&jurisdiction=US-federal"
    )
    assert refused.status_code in (400, 422) and "GBP" in refused.text


def test_us_case_keeps_1593_letter_paper_and_american_dates(
    ctx: Context, prosecutor: Actor, unit_id: int, tmp_path: Path
) -> None:
    _case(ctx, prosecutor, unit_id, tmp_path, "US")
    html = export_memo(ctx, prosecutor, "LAW-US").decode()
    assert "Mandatory restitution (18 U.S.C. 1593)" in html
    assert "size: letter" in html
    assert re.search(r"\bMarch 2, 2024\b", html)
