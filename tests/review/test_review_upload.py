"""Uploading evidence through the web form and the API: per-file report, safety, idempotence."""

from __future__ import annotations

import time

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from tests.helpers import finished_job_page

from palermo.security.permissions import Actor
from palermo.services import cases
from palermo.services.context import Context
from palermo.store.models import Assertion, AuditEntry, EvidenceFile, Record, Role

from .conftest import (
    PHONE,
    STATEMENT,
    MakeUserType,
    SignIn,
    UploadFiles,
    csrf_from,
    evidence_files,
    upload_dirs,
)


def _upload(client: TestClient, reference: str, files: UploadFiles) -> str:
    page = client.get(f"/cases/{reference}/upload")
    assert page.status_code == 200, page.text
    assert 'enctype="multipart/form-data"' in page.text and "webkitdirectory" in page.text
    response = client.post(
        f"/cases/{reference}/upload", data={"csrf_token": csrf_from(page.text)}, files=files
    )
    assert response.status_code in (200, 303), response.text
    page = finished_job_page(client, response)
    assert page.status_code == 200, page.text
    return page.text


def _row(html: str, name: str) -> str:
    """The report table row of file ``name``."""
    start = html.index(f">{name}<")
    return html[html.rindex("<tr", 0, start) : html.index("</tr>", start)]


def test_upload_reports_every_file_and_loads_records_and_suggestions(
    ctx: Context,
    prosecutor: Actor,
    case_ref: str,
    people: dict[str, int],
    sign_in: SignIn,
) -> None:
    client = sign_in("prosecutor")
    files = [
        *evidence_files(),
        # A client-side name that tries to climb out of the upload folder.
        ("files", ("../../outside.txt", b"Climbing out", "text/plain")),
        # A folder upload sends relative paths; only the last part is kept.
        ("folder", ("case-folder/sub/extra.txt", b"Extra note, nothing else.", "text/plain")),
    ]
    html = _upload(client, case_ref, files)

    assert "statement.txt" in _row(html, "statement.txt") and "Loaded" in _row(
        html, "statement.txt"
    )
    calls = _row(html, "calls.csv")
    assert "Loaded" in calls and "2 records" in calls
    # Its good row loads; the bad one is listed with its line and column.
    broken = _row(html, "broken.csv")
    assert "Loaded" in broken and "line 3, column &#39;started_at&#39;" in broken
    escape = _row(html, "bundle.zip/../escape.txt")
    assert "Refused" in escape and "escapes the archive" in escape
    assert "Loaded" in _row(html, "bundle.zip/notes.txt")
    climbing = _row(html, "../../outside.txt")
    assert "Refused" in climbing and "file name refused" in climbing
    assert "Loaded" in _row(html, "extra.txt")
    assert "2 not loaded" in html  # the zip entry and the climbing name
    assert "1 row could not be read" in html

    with ctx.db.session() as session:
        files_by_name = {f.original_name: f for f in session.scalars(select(EvidenceFile))}
        assert set(files_by_name) == {
            "statement.txt",
            "calls.csv",
            "broken.csv",
            "bundle.zip/notes.txt",
            "extra.txt",
        }
        assert files_by_name["broken.csv"].status == "loaded"
        calls_id = files_by_name["calls.csv"].id
        assert (
            session.scalar(
                select(func.count()).select_from(Record).where(Record.evidence_file_id == calls_id)
            )
            == 2
        )
        statement_id = files_by_name["statement.txt"].id
        found = session.scalars(
            select(Assertion).where(Assertion.evidence_file_id == statement_id)
        ).all()
        assert any(a.predicate == "identifier" and a.value == PHONE for a in found)
        assert any(a.predicate == "indicator" and a.value == "document_retention" for a in found)
        assert any(a.predicate == "mention" and a.subject_id == people["suspect"] for a in found)
        assert all(a.status == "suggested" for a in found)
        actions = set(session.scalars(select(AuditEntry.action)))
    assert {"evidence.upload", "evidence.ingest", "evidence.refused"} <= actions
    # The link from the report opens the document view.
    assert f"/cases/{case_ref}/documents/{statement_id}" in html
    # Nothing is left behind in the data folder, and nothing was written outside it.
    assert upload_dirs(ctx) == []
    assert not (ctx.settings.data_dir / "outside.txt").exists()


def test_uploading_again_says_already_in_the_case(
    ctx: Context, prosecutor: Actor, case_ref: str, sign_in: SignIn
) -> None:
    client = sign_in("prosecutor")
    _upload(client, case_ref, evidence_files())
    with ctx.db.session() as session:
        before = session.scalar(select(func.count()).select_from(Assertion))
    html = _upload(client, case_ref, evidence_files())
    for name in ("statement.txt", "calls.csv", "bundle.zip/notes.txt", "broken.csv"):
        assert "Already in the case" in _row(html, name), name
    with ctx.db.session() as session:
        assert session.scalar(select(func.count()).select_from(Assertion)) == before
        assert session.scalar(select(func.count()).select_from(EvidenceFile)) == 4


def test_upload_is_refused_without_ingest_permission_and_for_non_members(
    ctx: Context, case_ref: str, make_user: MakeUserType, prosecutor: Actor, sign_in: SignIn
) -> None:
    for role in (Role.ANALYST, Role.ADVOCATE):
        user = make_user(role)
        cases.add_member(ctx, prosecutor, case_ref, user.username)
        client = sign_in(user.username)
        assert client.get(f"/cases/{case_ref}/upload").status_code == 403
        token = csrf_from(client.get(f"/cases/{case_ref}").text)
        response = client.post(
            f"/cases/{case_ref}/upload",
            data={"csrf_token": token},
            files=[("files", ("statement.txt", STATEMENT.encode(), "text/plain"))],
        )
        assert response.status_code == 403
        assert "Upload evidence" not in client.get(f"/cases/{case_ref}/evidence").text
    outsider = make_user(Role.INVESTIGATOR)
    client = sign_in(outsider.username)
    assert client.get(f"/cases/{case_ref}/upload").status_code == 404
    with ctx.db.session() as session:
        assert session.scalar(select(func.count()).select_from(EvidenceFile)) == 0


def test_upload_needs_csrf_and_a_file_and_respects_the_size_limit(
    ctx: Context, prosecutor: Actor, case_ref: str, sign_in: SignIn
) -> None:
    client = sign_in("prosecutor")
    files = [("files", ("statement.txt", STATEMENT.encode(), "text/plain"))]
    assert client.post(f"/cases/{case_ref}/upload", files=files).status_code == 403
    token = csrf_from(client.get(f"/cases/{case_ref}/upload").text)
    empty = client.post(
        f"/cases/{case_ref}/upload",
        data={"csrf_token": token},
        files=[("files", ("", b"", "application/octet-stream"))],
    )
    assert empty.status_code == 422 and "choose at least one file" in empty.text
    ctx.settings.max_file_bytes = 100
    big = client.post(f"/cases/{case_ref}/upload", data={"csrf_token": token}, files=files)
    assert big.status_code == 422 and "larger than the limit" in big.text
    assert upload_dirs(ctx) == []
    with ctx.db.session() as session:
        assert session.scalar(select(func.count()).select_from(EvidenceFile)) == 0


def test_api_upload_job_ends_with_the_report(
    ctx: Context, prosecutor: Actor, case_ref: str, sign_in: SignIn
) -> None:
    client = sign_in("prosecutor")
    token = csrf_from(client.get("/cases").text)
    response = client.post(
        f"/api/cases/{case_ref}/evidence",
        headers={"X-CSRF-Token": token},
        files=evidence_files(),
    )
    assert response.status_code == 202, response.text
    deadline = time.monotonic() + 120
    while True:
        job = client.get(response.headers["location"])
        assert job.status_code == 200, job.text
        if not job.json()["active"]:
            break
        assert time.monotonic() < deadline, job.text
        time.sleep(0.1)
    assert job.json()["status"] == "done"
    by_name = {f["name"]: f for f in job.json()["files"]}
    assert by_name["calls.csv"]["status"] == "loaded" and by_name["calls.csv"]["records"] == 2
    assert by_name["statement.txt"]["pages"] == 1 and by_name["statement.txt"]["suggestions"] > 0
    assert by_name["broken.csv"]["status"] == "loaded" and by_name["broken.csv"]["records"] == 1
    assert "line 3, column 'started_at'" in by_name["broken.csv"]["message"]
    assert by_name["bundle.zip/../escape.txt"]["status"] == "skipped"
