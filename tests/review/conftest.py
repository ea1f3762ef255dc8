"""Fixtures for the review tests: a small folder of evidence, a signed-in web client."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from tests.helpers import csrf_from

from palermo.security.permissions import Actor
from palermo.services import cases
from palermo.services.context import Context
from palermo.services.ingest import ingest_path
from palermo.store.models import PersonKind
from palermo.web.app import create_app

VICTIM = "Elena Marinescu"
VICTIM_ALIAS = "Lenuta"
SUSPECT = "Viktor Dragan"
PHONE_RAW = "+1 202 555 0147"
PHONE = "+12025550147"
INDICATOR_QUOTE = "kept our passports"
STATEMENT = (
    f"Statement of {VICTIM}, taken on 2 March 2024.\n"
    f"{SUSPECT} told me to call {PHONE_RAW} every night.\n"
    "He kept our passports and we could not leave the house.\n"
    f"The others called me {VICTIM_ALIAS}.\n"
)
CALLS = (
    "call_id,started_at,caller,callee,duration_s,cell_id\n"
    "C1,2024-03-01T10:00:00Z,+12025550101,+12025550147,60,CELL-1\n"
    "C2,2024-03-01T11:30:00Z,+12025550147,+12025550103,0,CELL-2\n"
)
BROKEN = (
    "call_id,started_at,caller,callee,duration_s,cell_id\n"
    "C1,2024-03-01T10:00:00Z,+12025550101,+12025550102,60,CELL-1\n"
    "C2,not-a-date,+12025550101,+12025550102,60,CELL-1\n"
)


def bundle_zip() -> bytes:
    """A zip with a path-traversal entry and one good note."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("../escape.txt", "outside")
        archive.writestr("notes.txt", f"Notes: {SUSPECT} collected the money.")
    return buffer.getvalue()


UploadFiles = list[tuple[str, tuple[str, bytes, str]]]


def evidence_files() -> UploadFiles:
    """The small folder of evidence as multipart parts for the upload form."""
    return [
        ("files", ("statement.txt", STATEMENT.encode(), "text/plain")),
        ("files", ("calls.csv", CALLS.encode(), "text/csv")),
        ("files", ("broken.csv", BROKEN.encode(), "text/csv")),
        ("files", ("bundle.zip", bundle_zip(), "application/zip")),
    ]


@pytest.fixture
def people(ctx: Context, prosecutor: Actor, case_ref: str) -> dict[str, int]:
    """A sealed victim and a suspect, known before the evidence arrives."""
    victim = cases.add_person(
        ctx, prosecutor, case_ref, kind=PersonKind.VICTIM, name=VICTIM, aliases=[VICTIM_ALIAS]
    )
    suspect = cases.add_person(ctx, prosecutor, case_ref, kind=PersonKind.SUSPECT, name=SUSPECT)
    return {"victim": victim.id, "suspect": suspect.id}


SignIn = Callable[[str], TestClient]


@pytest.fixture
def sign_in(ctx: Context, password: str) -> Iterator[SignIn]:
    """A new TestClient signed in as ``username`` through the real login form."""
    app = create_app(ctx)
    clients: list[TestClient] = []

    def make(username: str) -> TestClient:
        client = TestClient(app, follow_redirects=False)
        client.__enter__()
        clients.append(client)
        token = csrf_from(client.get("/login").text)
        response = client.post(
            "/login", data={"username": username, "password": password, "csrf_token": token}
        )
        assert response.status_code == 303, response.text
        return client

    yield make
    for client in clients:
        client.__exit__(None, None, None)


def load_statement(ctx: Context, actor: Actor, case_ref: str, tmp_path: Path, text: str) -> int:
    """``text`` loaded as ``statement.txt`` through the ingest service; its evidence file id."""
    folder = tmp_path / "evidence"
    folder.mkdir()
    (folder / "statement.txt").write_text(text)
    (outcome,) = ingest_path(ctx, actor, case_ref, folder).files
    assert outcome.evidence_file_id is not None
    return outcome.evidence_file_id


def upload_dirs(ctx: Context) -> list[Path]:
    """Upload folders left behind: plain ones of a synchronous upload, sealed ones staged
    for a background job (removed when the job is done, or at once when refused)."""
    root = ctx.settings.data_dir / "tmp"
    staged = ctx.settings.data_dir / "jobs"
    return [
        *(root.glob("upload-*") if root.exists() else []),
        *(staged.iterdir() if staged.exists() else []),
    ]


MakeUserType = Callable[..., Actor]
