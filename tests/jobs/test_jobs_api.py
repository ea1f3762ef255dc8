"""The JSON API for evidence and jobs: an upload answers 202 with its job, the job is
followed to its report and the records are then in the case; cancel, run again and
re-analyse; the same permissions as the browser; and the Re-analyse button of the Jobs
page."""

from __future__ import annotations

import time
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select
from tests.conftest import Login
from tests.helpers import csrf_from

from palermo.security.permissions import Actor
from palermo.services import cases, jobs, users
from palermo.services.context import Context
from palermo.store.models import AuditEntry, Role

from .conftest import call_files

BAD = b"call_id,started_at,caller,callee,duration_s,cell_id\nC1,not a date,+1,+2,x,C\n"


def bearer(ctx: Context, actor: Actor) -> dict[str, str]:
    return {"Authorization": f"Bearer {users.create_api_token(ctx, actor, 'jobs')}"}


def upload(api: TestClient, headers: dict[str, str], ref: str, files: list[Any]) -> Any:
    return api.post(
        f"/api/cases/{ref}/evidence",
        headers=headers,
        files=[("files", (name, data, "text/csv")) for name, data in files],
    )


def follow(api: TestClient, headers: dict[str, str], url: str, timeout: float = 120) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        answer = api.get(url, headers=headers)
        assert answer.status_code == 200, answer.text
        if not answer.json()["active"]:
            return answer.json()
        assert time.monotonic() < deadline, answer.json()
        time.sleep(0.1)


def test_an_upload_is_accepted_as_a_job_followed_to_its_report_then_analysed(
    ctx: Context, prosecutor: Actor, case_ref: str, client: TestClient
) -> None:
    headers = bearer(ctx, prosecutor)
    answer = upload(client, headers, case_ref, [*call_files(2, 15), ("bad.csv", BAD)])
    assert answer.status_code == 202, answer.text
    location = answer.headers["location"]
    body = answer.json()
    assert location == f"/api/jobs/{body['job']['id']}" == body["job"]["url"]
    assert body["job"]["kind"] == "ingest" and body["job"]["case"] == case_ref
    done = follow(client, headers, location)
    assert done["status"] == "done" and done["percent"] == 100
    by_name = {f["name"]: f for f in done["files"]}
    assert by_name["calls-000.csv"]["status"] == "loaded"
    assert by_name["calls-000.csv"]["records"] == 15
    assert by_name["bad.csv"]["status"] != "loaded"
    assert "line 2" in by_name["bad.csv"]["message"]  # as the browser's report says
    records = client.get(f"/api/cases/{case_ref}/records", headers=headers)
    assert records.status_code == 200 and records.json()["total"] == 30

    listing = client.get(f"/api/cases/{case_ref}/jobs", headers=headers)
    assert listing.status_code == 200
    kinds = [j["kind"] for j in listing.json()]
    assert kinds == ["analyse", "ingest"]  # newest first: the analysis the upload queued
    analysis = follow(client, headers, listing.json()[0]["url"])
    assert analysis["status"] == "done" and analysis["label"] == "Analyse the case"
    assert {v["name"] for v in analysis["views"]} >= {"elements", "network", "money"}

    spec = client.get("/api/openapi.json").json()
    for path in (
        "/api/cases/{reference}/evidence",
        "/api/cases/{reference}/jobs",
        "/api/jobs/{job_id}",
        "/api/jobs/{job_id}/cancel",
        "/api/jobs/{job_id}/retry",
    ):
        assert path in spec["paths"], path
    assert (
        "multipart/form-data"
        in (spec["paths"]["/api/cases/{reference}/evidence"]["post"]["requestBody"]["content"])
    )


def test_cancel_retry_and_reanalyse_through_the_api(
    ctx: Context, prosecutor: Actor, case_ref: str, client: TestClient
) -> None:
    ctx.settings.jobs_in_process = False  # nobody runs them here
    headers = bearer(ctx, prosecutor)
    job = upload(client, headers, case_ref, call_files(1, 5)).json()["job"]
    assert job["status"] == "queued"
    cancelled = client.post(f"/api/jobs/{job['id']}/cancel", headers=headers)
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    again = client.post(f"/api/jobs/{job['id']}/cancel", headers=headers)
    assert again.status_code == 422  # already finished
    retried = client.post(f"/api/jobs/{job['id']}/retry", headers=headers)
    assert retried.status_code == 200 and retried.json()["status"] == "queued"

    first = client.post(f"/api/cases/{case_ref}/jobs/analyse", headers=headers)
    assert first.status_code == 202 and first.json()["queued"] is True
    second = client.post(f"/api/cases/{case_ref}/jobs/analyse", headers=headers)
    assert second.status_code == 202 and second.json()["queued"] is False
    assert second.json()["job"]["id"] == first.json()["job"]["id"]
    assert second.headers["location"] == f"/api/jobs/{first.json()['job']['id']}"


def test_the_api_follows_the_browsers_permissions(
    ctx: Context,
    prosecutor: Actor,
    case_ref: str,
    client: TestClient,
    make_user: Any,
    login: Login,
) -> None:
    ctx.settings.jobs_in_process = False
    job = upload(client, bearer(ctx, prosecutor), case_ref, call_files(1, 5)).json()["job"]
    analyst: Actor = make_user(Role.ANALYST)
    cases.add_member(ctx, prosecutor, case_ref, analyst.username)
    outsider: Actor = make_user(Role.PROSECUTOR)

    as_analyst = bearer(ctx, analyst)  # reads the case, may not load evidence
    assert upload(client, as_analyst, case_ref, call_files(1, 5)).status_code == 403
    assert client.get(f"/api/jobs/{job['id']}", headers=as_analyst).status_code == 200
    assert client.post(f"/api/jobs/{job['id']}/cancel", headers=as_analyst).status_code == 403
    assert client.post(f"/api/cases/{case_ref}/jobs/analyse", headers=as_analyst).status_code == (
        403
    )

    as_outsider = bearer(ctx, outsider)  # not a member: the case and its jobs do not exist
    for answer in (
        upload(client, as_outsider, case_ref, call_files(1, 5)),
        client.get(f"/api/cases/{case_ref}/jobs", headers=as_outsider),
        client.get(f"/api/jobs/{job['id']}", headers=as_outsider),
        client.post(f"/api/jobs/{job['id']}/cancel", headers=as_outsider),
        client.post(f"/api/jobs/{job['id']}/retry", headers=as_outsider),
        client.get("/api/jobs/999999", headers=as_outsider),
    ):
        assert answer.status_code == 404, answer.text
        assert answer.json() == {"detail": "not found"}
    assert client.post("/api/cases/TEST-001/evidence", files=[]).status_code == 401

    # A signed-in browser session needs the CSRF header for an upload.
    login(client, "prosecutor")
    refused = upload(client, {}, case_ref, call_files(1, 5))
    assert refused.status_code == 403
    assert jobs.get_job(ctx, prosecutor, case_ref, job["id"]).status == jobs.QUEUED


def test_the_jobs_page_re_analyses_the_case(
    ctx: Context,
    prosecutor: Actor,
    case_ref: str,
    client: TestClient,
    make_user: Any,
    login: Login,
) -> None:
    ctx.settings.jobs_in_process = False
    login(client, "prosecutor")
    page = client.get(f"/cases/{case_ref}/jobs")
    assert 'id="job-analyse"' in page.text
    assert client.post(f"/cases/{case_ref}/jobs/analyse").status_code == 403  # CSRF
    made = client.post(f"/cases/{case_ref}/jobs/analyse", data={"csrf_token": csrf_from(page.text)})
    assert made.status_code == 303
    job_page = client.get(made.headers["location"])
    assert "Analyse the case (job #" in job_page.text
    with ctx.db.session() as session:
        actions = list(session.scalars(select(AuditEntry.action)))
    assert "job.submit" in actions

    analyst: Actor = make_user(Role.ANALYST)
    cases.add_member(ctx, prosecutor, case_ref, analyst.username)
    other = TestClient(client.app, follow_redirects=False)
    login(other, analyst.username)
    page = other.get(f"/cases/{case_ref}/jobs")
    assert page.status_code == 200 and 'id="job-analyse"' not in page.text
    refused = other.post(
        f"/cases/{case_ref}/jobs/analyse", data={"csrf_token": csrf_from(page.text)}
    )
    assert refused.status_code == 403
