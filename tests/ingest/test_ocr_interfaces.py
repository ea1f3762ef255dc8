"""OCR through the CLI (progress printed per page) and the web pages (scan image access,
running OCR again, the languages field)."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from html import unescape
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from tests.ocr_scans import STATEMENT, write_scan_png, write_scanned_pdf
from typer.testing import CliRunner

from palermo.cli.main import app
from palermo.ingest.readers import ocr as core
from palermo.security.permissions import Actor
from palermo.services import cases, ingest, ocr
from palermo.services.context import Context
from palermo.settings import Settings, get_settings
from palermo.store.models import Role

pytestmark = pytest.mark.skipif(
    not {"eng", "spa"} <= set(core.installed_languages()),
    reason="Tesseract with eng and spa is a system dependency (make system-deps)",
)


@pytest.fixture
def run(settings: Settings, monkeypatch: pytest.MonkeyPatch, ctx: Context) -> Iterator[CliRunner]:
    monkeypatch.setenv("PALERMO_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("PALERMO_DATABASE_URL", settings.resolved_database_url)
    monkeypatch.setenv("PALERMO_SECRET_KEY", str(settings.secret_key))
    get_settings.cache_clear()
    yield CliRunner()
    get_settings.cache_clear()


def test_cli_ingest_reads_scans_and_prints_progress(
    run: CliRunner, case_ref: str, tmp_path: Path
) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    write_scanned_pdf(folder / "scan.pdf", [STATEMENT[:2], STATEMENT[2:]])
    refused = run.invoke(app, ["ingest", case_ref, str(folder), "--ocr-languages", "xx1"])
    assert refused.exit_code != 0
    assert "not a Tesseract language code" in refused.output

    result = run.invoke(app, ["ingest", case_ref, str(folder), "--ocr-languages", "eng+spa"])
    assert result.exit_code == 0, result.output
    assert "OCR scan.pdf: 2 pages" in result.output
    assert "OCR scan.pdf: page 1 of 2" in result.output
    assert "OCR scan.pdf: page 2 of 2" in result.output
    assert "OCR read: 2 pages read by OCR (eng+spa)" in result.output


def test_web_scan_image_run_again_and_languages_field(
    ctx: Context,
    prosecutor: Actor,
    case_ref: str,
    tmp_path: Path,
    client: TestClient,
    login: Callable[[TestClient, str], TestClient],
    csrf: Callable[[str], str],
    make_user: Callable[..., Actor],
) -> None:
    png = write_scan_png(tmp_path / "screenshot.png", STATEMENT)
    report = ingest.ingest_path(ctx, prosecutor, case_ref, png)
    file_id = report.files[0].evidence_file_id
    assert file_id is not None
    login(client, "prosecutor")
    base = f"/cases/{case_ref}/documents/{file_id}"

    # Not read yet: the page offers to read it; the scan image is served from the store.
    page = client.get(base)
    assert page.status_code == 200
    assert 'id="ocr-form"' in page.text and "Read by OCR" in page.text
    image = client.get(f"{base}/scan/1.png")
    assert image.status_code == 200 and image.headers["content-type"] == "image/png"
    assert client.get(f"{base}/scan/2.png").status_code == 404

    token = csrf(page.text)
    bad = client.post(f"{base}/ocr", data={"languages": "zzz", "csrf_token": token})
    assert bad.status_code == 422 and "'zzz' is not installed" in unescape(bad.text)
    started = client.post(f"{base}/ocr", data={"languages": "eng", "csrf_token": token})
    assert started.status_code == 303
    # The background thread writes the outcome; wait for it through the service.
    job = ocr.job_status(ctx, prosecutor, case_ref, file_id)
    for _ in range(600):  # up to a minute
        if not job.active:
            break
        time.sleep(0.1)
        job = ocr.job_status(ctx, prosecutor, case_ref, file_id)
    assert job.status == ocr.DONE, job.message
    done = client.get(base)
    assert "not allowed to leave" in done.text
    assert 'class="scan-marks"' in done.text and "<rect " in done.text

    # An analyst may not see victims' identities: no scan image, the text only.
    analyst = make_user(Role.ANALYST, "analyst")
    cases.add_member(ctx, prosecutor, case_ref, analyst.username)
    other = TestClient(client.app, follow_redirects=False)
    login(other, "analyst")
    assert other.get(f"{base}/scan/1.png").status_code == 403
    seen = other.get(base).text
    assert "Scan image hidden for your role" in seen and "/scan/1.png" not in seen

    # The upload form's OCR languages field: the case's setting, validated on the field.
    form = client.get(f"/cases/{case_ref}/upload")
    assert 'name="ocr_languages" value="eng"' in form.text
    refused = client.post(
        f"/cases/{case_ref}/upload",
        data={"ocr_languages": "eng+xyz", "csrf_token": csrf(form.text)},
        files={"files": ("a.txt", b"hello", "text/plain")},
    )
    assert refused.status_code == 422
    shown = unescape(refused.text)
    assert 'id="ocr-error"' in shown
    assert "'xyz' is not installed" in shown, shown[shown.index('id="ocr-error"') :][:300]
    assert ocr.get_languages(ctx, prosecutor, case_ref) == "eng"
