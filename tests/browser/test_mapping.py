"""A bank's own CSV layout in the browser: refused with a way forward, mapped once with a
preview of the rows as they will be read, saved as a profile of the unit, and a second
export of the same layout read with it automatically."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from tests.browser.jobs_wait import upload_finished
from tests.browser.signin import sign_in

from palermo.security.permissions import Actor
from palermo.services.context import Context

pytestmark = pytest.mark.browser

HEADER = "Buchungstag;Auftraggeberkonto;Empfaengerkonto;Betrag;Waehrung;Art\n"
MARCH = HEADER + (
    "15.03.2024;DE89370400440532013000;RO49AAAA1B31007593840000;1.234,50;Euro;Ueberweisung\n"
    "03.04.2024;DE89370400440532013000;GB29NWBK60161331926819;250,00;EUR;Bar\n"
)
APRIL = HEADER + (
    "16.04.2024;DE89370400440532013000;RO49AAAA1B31007593840000;2.000,00;Euro;Ueberweisung\n"
)


def test_map_a_bank_layout_once_then_it_is_recognised(
    page: Page,
    live_server: str,
    ctx: Context,
    prosecutor: Actor,
    case_ref: str,
    password: str,
    screenshots: Path,
    tmp_path: Path,
) -> None:
    march, april = tmp_path / "umsatz-2024-03.csv", tmp_path / "umsatz-2024-04.csv"
    march.write_text(MARCH, encoding="utf-8")
    april.write_text(APRIL, encoding="utf-8")
    console_errors: list[str] = []
    page.on("console", lambda m: console_errors.append(m.text) if m.type == "error" else None)

    def shot(name: str) -> None:
        page.screenshot(path=str(screenshots / f"mapping-{name}.png"), full_page=True)

    sign_in(page, live_server, "prosecutor", password)

    # The bank's layout is not known: refused, with the way to map it.
    page.goto(f"{live_server}/cases/{case_ref}/upload")
    page.get_by_label("Files or zip archives").set_input_files([march])
    page.get_by_role("button", name="Upload and load").click()
    upload_finished(page)
    report = page.locator("#upload-report")
    expect(report.locator("tr", has_text="umsatz-2024-03.csv")).to_contain_text(
        "unrecognised CSV header"
    )
    shot("01-refused")
    report.get_by_role("link", name="Map its columns").click()

    # Map the columns; the preview shows the rows as they will be read.
    expect(page.get_by_role("heading", name=re.compile("Map the columns"))).to_be_visible()
    page.get_by_label("The file holds").select_option("payment")
    for column, source in [
        ("booked_at", "Buchungstag"),
        ("payer_account", "Auftraggeberkonto"),
        ("payee_account", "Empfaengerkonto"),
        ("amount", "Betrag"),
        ("currency", "Waehrung"),
        ("channel", "Art"),
    ]:
        page.locator(f"#col-{column}").select_option(source)
    page.get_by_label(re.compile("^Channel values")).fill("Ueberweisung = bank\nBar = cash")
    page.get_by_role("button", name="Preview").click()
    preview = page.locator("#map-preview")
    first = preview.locator("tbody tr").first
    expect(first).to_contain_text("2024-03-15")  # day first, proved by the 15
    expect(first).to_contain_text("1234.50")  # decimal comma, proved by 1.234,50
    expect(first).to_contain_text("EUR")
    expect(first).to_contain_text("bank")
    expect(preview.locator("tbody tr").nth(1)).to_contain_text("2024-04-03")
    shot("02-preview")

    # A name is required to save (field-level message), then save and load.
    page.get_by_role("button", name="Save profile and load").click()
    expect(page.locator("#err-name")).to_contain_text("give the profile a name")
    page.get_by_label("Profile name").fill("Musterbank Umsatz CSV")
    page.get_by_role("button", name="Save profile and load").click()
    expect(page.get_by_role("heading", name=re.compile("Musterbank Umsatz CSV"))).to_be_visible()
    expect(page.locator("#mapped-report")).to_contain_text("2 records")
    shot("03-saved")

    # The next month's export of the same layout is recognised by its header.
    page.goto(f"{live_server}/cases/{case_ref}/upload")
    page.get_by_label("Files or zip archives").set_input_files([april])
    page.get_by_role("button", name="Upload and load").click()
    upload_finished(page)
    row = page.locator("#upload-report tr", has_text="umsatz-2024-04.csv")
    expect(row).to_contain_text("Read with profile: Musterbank Umsatz CSV")
    expect(row).to_contain_text("1 records")
    shot("04-recognised")

    # The unit's profiles are listed with the built-in ones; a saved one can be reopened.
    page.goto(f"{live_server}/cases/{case_ref}/evidence")
    page.get_by_role("link", name="Column mapping profiles").click()
    table = page.locator("#profiles-table")
    expect(table.locator("tr", has_text="Musterbank Umsatz CSV")).to_contain_text("Your unit")
    expect(table.locator("tr", has_text="IBM AMLworld transactions").first).to_contain_text(
        "Built-in"
    )
    # The one 422 is the unnamed profile's answer; nothing else went wrong in the page.
    assert [e for e in console_errors if "422" not in e] == []


def _sign_in(page: Page, live_server: str, password: str) -> None:
    sign_in(page, live_server, "prosecutor", password)


def test_an_ambiguous_file_is_asked_about_then_loaded_with_the_answer(
    page: Page,
    live_server: str,
    case_ref: str,
    password: str,
    screenshots: Path,
    tmp_path: Path,
) -> None:
    path = tmp_path / "transfers.csv"
    path.write_text(
        "transaction_id,booked_at,payer_account,payee_account,amount,currency\n"
        'T1,03/04/2024,ACC-1,ACC-2,"1,234",USD\n'
    )
    _sign_in(page, live_server, password)
    page.goto(f"{live_server}/cases/{case_ref}/upload")
    page.get_by_label("Files or zip archives").set_input_files([path])
    page.get_by_role("button", name="Upload and load").click()
    upload_finished(page)
    question = page.locator("#question-1")
    expect(question).to_contain_text("A question about transfers.csv")
    expect(question).to_contain_text("03/04/2024")
    expect(question).to_contain_text("04 March 2024")
    expect(question).to_contain_text("03 April 2024")
    page.screenshot(path=str(screenshots / "mapping-05-question.png"), full_page=True)
    # Answer on the form below the report and upload the file again.
    page.get_by_label("Locale").select_option("en_US")
    page.get_by_label("Files or zip archives").set_input_files([path])
    page.get_by_role("button", name="Upload and load").click()
    upload_finished(page)
    expect(page.locator("#upload-summary")).to_contain_text("1 file loaded")
    page.goto(f"{live_server}/cases/{case_ref}/records")
    expect(page.locator("main")).to_contain_text("1,234")


def test_bad_rows_are_counted_and_listed_and_own_rates_load(
    page: Page,
    live_server: str,
    case_ref: str,
    password: str,
    screenshots: Path,
    tmp_path: Path,
) -> None:
    path = tmp_path / "wallets.csv"
    path.write_text(
        "transaction_id,booked_at,payer_account,payee_account,amount,currency\n"
        "T1,2023-05-01T10:00:00Z,W1,W2,0.05,BTC\n"
        "T2,2023-05-02T10:00:00Z,W2,W3,not-a-number,USDT\n"
        "T3,2023-05-03T10:00:00Z,W3,W4,1500.00,USDT\n"
    )
    _sign_in(page, live_server, password)
    page.goto(f"{live_server}/cases/{case_ref}/upload")
    page.get_by_label("Files or zip archives").set_input_files([path])
    page.get_by_role("button", name="Upload and load").click()
    upload_finished(page)
    expect(page.locator("#upload-bad-rows")).to_contain_text("1 row could not be read")
    page.goto(f"{live_server}/cases/{case_ref}/evidence")
    expect(page.locator("#evidence-bad-rows")).to_contain_text("1 row")
    with page.expect_download() as download:
        page.get_by_role("link", name=re.compile("Download the list")).click()
    listed = Path(download.value.path()).read_text()
    assert "wallets.csv,3,amount,not-a-number" in listed

    # The Money tab counts the BTC payment out until the unit loads a BTC rate.
    page.goto(f"{live_server}/cases/{case_ref}/money")
    expect(page.locator("#currency-note")).to_contain_text("BTC")
    page.get_by_role("link", name=re.compile("Exchange rates")).click()
    rates = tmp_path / "btc.csv"
    rates.write_text(
        "currency,date,rate,base,source\nBTC,2023-05-01,0.0000355,USD,exchange close\n"
    )
    page.get_by_label("Rates (CSV)").set_input_files([rates])
    page.get_by_role("button", name="Load rates").click()
    expect(page.locator("#rates-loaded")).to_contain_text("1 rates loaded")
    expect(page.locator("#rates-table")).to_contain_text("exchange close")
    bad = tmp_path / "bad.csv"
    bad.write_text("currency,year,rate\nBTC,2023,abc\n")
    page.get_by_label("Rates (CSV)").set_input_files([bad])
    page.get_by_role("button", name="Load rates").click()
    expect(page.locator("#rates-error")).to_contain_text("line 2, column 'rate'")
    page.screenshot(path=str(screenshots / "mapping-06-rates.png"), full_page=True)
    page.goto(f"{live_server}/cases/{case_ref}/money")
    expect(page.locator("#currency-note")).to_contain_text("your rates")
