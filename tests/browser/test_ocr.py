"""A scanned statement uploaded in the browser: the upload says it is being read by OCR,
the document page shows the progress, then the scan beside its text with the indicator
highlighted in the text and boxed on the scan; a bad OCR language is refused on its field."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from tests.browser.jobs_wait import upload_finished
from tests.browser.signin import sign_in
from tests.ocr_scans import STATEMENT, write_scanned_pdf

from palermo.ingest.readers import ocr as core
from palermo.security.permissions import Actor
from palermo.services.context import Context

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        "eng" not in core.installed_languages(),
        reason="Tesseract with eng is a system dependency (make system-deps)",
    ),
]


def test_upload_a_scan_and_see_its_text_beside_it_with_an_indicator_highlighted(
    page: Page,
    live_server: str,
    ctx: Context,
    prosecutor: Actor,
    case_ref: str,
    password: str,
    screenshots: Path,
    tmp_path: Path,
) -> None:
    scan = write_scanned_pdf(tmp_path / "scanned-statement.pdf", [STATEMENT])
    console_errors: list[str] = []
    page.on("console", lambda m: console_errors.append(m.text) if m.type == "error" else None)

    sign_in(page, live_server, "prosecutor", password)

    # A language that is not installed is refused on its own field, nothing uploaded.
    page.goto(f"{live_server}/cases/{case_ref}/upload")
    languages = page.get_by_label("OCR languages for scans and screenshots")
    expect(languages).to_have_value("eng")  # from the case's jurisdiction (US)
    languages.fill("eng+klingon")
    page.get_by_label("Files or zip archives").set_input_files([scan])
    page.get_by_role("button", name="Upload and load").click()
    expect(page.locator("#ocr-error")).to_contain_text("'klingon'")
    console_errors.clear()  # the refused form's 422

    page.get_by_label("OCR languages for scans and screenshots").fill("eng")
    page.get_by_label("Files or zip archives").set_input_files([scan])
    page.get_by_role("button", name="Upload and load").click()
    upload_finished(page)
    expect(page.locator("#upload-ocr-note")).to_contain_text("being read by OCR")
    page.screenshot(path=str(screenshots / "ocr-upload.png"), full_page=True)

    page.get_by_role("link", name="scanned-statement.pdf").click()
    # The page reloads itself while OCR runs; then the outcome replaces the progress.
    expect(page.locator("#ocr-outcome")).to_contain_text("read by OCR (eng)", timeout=60_000)
    text = page.locator(".doc-text").first
    expect(text).to_contain_text("took my passport")
    mark = text.locator("mark.hl-indicator").first
    expect(mark).to_be_visible()
    expect(text.locator("mark.hl-indicator", has_text="passport")).to_have_count(1)
    image = page.locator("img.scan-image").first
    expect(image).to_be_visible()
    image.scroll_into_view_if_needed()
    # Rendered on request from the stored file (pdftoppm): wait until it has arrived.
    page.wait_for_function(
        "() => { const i = document.querySelector('img.scan-image');"
        " return i !== null && i.complete && i.naturalWidth > 0; }",
        timeout=30_000,
    )
    expect(page.locator(".scan-marks .scan-mark rect").first).to_be_visible()
    page.screenshot(path=str(screenshots / "ocr-document.png"), full_page=True)
    assert not console_errors, console_errors
