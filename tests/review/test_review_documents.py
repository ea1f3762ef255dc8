"""The document view, the suggestions list and decisions, through the web and the API."""

from __future__ import annotations

import re
from html import unescape
from pathlib import Path

from sqlalchemy import select

from palermo.security.permissions import Actor
from palermo.services import cases
from palermo.services.context import Context
from palermo.services.ingest import ingest_path
from palermo.store.models import Assertion, AuditEntry, Role, User
from palermo.store.models.documents import DocumentPage

from .conftest import (
    INDICATOR_QUOTE,
    PHONE,
    PHONE_RAW,
    STATEMENT,
    SUSPECT,
    VICTIM,
    VICTIM_ALIAS,
    MakeUserType,
    SignIn,
    csrf_from,
    load_statement,
)

MARK = re.compile(r'<mark class="hl hl-(\w+) st-(\w+)[^"]*"[^>]*>([^<]*)</mark>')


def _load(ctx: Context, prosecutor: Actor, case_ref: str, tmp_path: Path) -> int:
    return load_statement(ctx, prosecutor, case_ref, tmp_path, STATEMENT)


def _suggestions(ctx: Context, evidence_file_id: int) -> list[Assertion]:
    with ctx.db.session() as session:
        return list(
            session.scalars(
                select(Assertion)
                .where(Assertion.evidence_file_id == evidence_file_id)
                .order_by(Assertion.id)
            )
        )


def test_document_view_highlights_every_suggestion_at_its_span(
    ctx: Context,
    prosecutor: Actor,
    case_ref: str,
    people: dict[str, int],
    tmp_path: Path,
    sign_in: SignIn,
) -> None:
    file_id = _load(ctx, prosecutor, case_ref, tmp_path)
    found = _suggestions(ctx, file_id)
    with ctx.db.session() as session:
        text = session.scalars(select(DocumentPage.text)).one()
    client = sign_in("prosecutor")
    html = client.get(f"/cases/{case_ref}/documents/{file_id}").text
    marks = [(kind, status, unescape(quoted)) for kind, status, quoted in MARK.findall(html)]
    # The text is shown whole: marks and plain runs put back together give the page.
    body = re.search(r'<pre class="doc-text">(.*?)</pre>', html, re.DOTALL)
    assert body is not None
    plain = unescape(re.sub(r'<a class="hl-ref.*?</a>|<[^>]+>', "", body.group(1)))
    assert plain == text
    for a in found:
        assert a.span_start is not None and a.span_end is not None
        assert text[a.span_start : a.span_end] == a.quote
        assert (a.predicate, "suggested", a.quote) in marks, a.quote
        assert f'id="sug-{a.id}"' in html and f'href="#sug-{a.id}"' in html
    assert ("identifier", "suggested", PHONE_RAW) in marks
    assert ("indicator", "suggested", INDICATOR_QUOTE) in marks
    assert ("mention", "suggested", SUSPECT) in marks
    # A prosecutor may see identities: the victim's name is evidence and stays visible.
    assert VICTIM in html and "Redacted for your role" not in html
    assert "Retention of identity documents" in html  # the indicator's label
    assert "Suggested" in html and "Confirm" in html


def test_confirm_and_reject_persist_who_and_when_and_are_audited(
    ctx: Context,
    prosecutor: Actor,
    case_ref: str,
    people: dict[str, int],
    tmp_path: Path,
    sign_in: SignIn,
) -> None:
    file_id = _load(ctx, prosecutor, case_ref, tmp_path)
    found = _suggestions(ctx, file_id)
    phone = next(a for a in found if a.value == PHONE)
    indicator = next(a for a in found if a.predicate == "indicator")
    client = sign_in("prosecutor")
    page_url = f"/cases/{case_ref}/documents/{file_id}"
    token = csrf_from(client.get(page_url).text)
    confirmed = client.post(
        f"/cases/{case_ref}/suggestions/{phone.id}/decision",
        data={"decision": "confirmed", "next": page_url, "csrf_token": token},
    )
    assert confirmed.status_code == 303
    assert confirmed.headers["location"] == f"{page_url}#sug-{phone.id}"
    rejected = client.post(
        f"/cases/{case_ref}/suggestions/{indicator.id}/decision",
        data={"decision": "rejected", "next": "https://evil.example/", "csrf_token": token},
    )
    assert rejected.headers["location"].startswith(f"/cases/{case_ref}/suggestions")
    # No CSRF token, no decision.
    other = next(a for a in found if a.predicate == "mention")
    assert (
        client.post(
            f"/cases/{case_ref}/suggestions/{other.id}/decision", data={"decision": "confirmed"}
        ).status_code
        == 403
    )
    bad = client.post(
        f"/cases/{case_ref}/suggestions/{other.id}/decision",
        data={"decision": "deleted", "csrf_token": token},
    )
    assert bad.status_code == 422

    after = {a.id: a for a in _suggestions(ctx, file_id)}
    assert len(after) == len(found)  # nothing deleted
    with ctx.db.session() as session:
        prosecutor_id = session.scalar(select(User.id).where(User.username == "prosecutor"))
        audit = session.execute(
            select(AuditEntry.action, AuditEntry.object_id, AuditEntry.username).where(
                AuditEntry.action.in_(["assertion.confirm", "assertion.reject"])
            )
        ).all()
    assert after[phone.id].status == "confirmed" and after[indicator.id].status == "rejected"
    assert after[other.id].status == "suggested"
    for a in (after[phone.id], after[indicator.id]):
        assert a.decided_by == prosecutor_id and a.decided_at is not None
    assert sorted(audit) == sorted(
        [
            ("assertion.confirm", str(phone.id), "prosecutor"),
            ("assertion.reject", str(indicator.id), "prosecutor"),
        ]
    )
    html = client.get(page_url).text
    assert ("identifier", "confirmed", PHONE_RAW) in MARK.findall(html)
    assert ("indicator", "rejected", INDICATOR_QUOTE) in MARK.findall(html)
    assert "by prosecutor" in html

    # Bulk: confirm the selected rows of the suggestions list.
    rest = [a.id for a in after.values() if a.status == "suggested"]
    bulk = client.post(
        f"/cases/{case_ref}/suggestions/decision",
        data={"decision": "confirmed", "ids": [str(i) for i in rest], "csrf_token": token},
    )
    assert bulk.status_code == 303
    assert {a.status for a in _suggestions(ctx, file_id) if a.id in rest} == {"confirmed"}


def test_analyst_never_sees_a_sealed_name(
    ctx: Context,
    prosecutor: Actor,
    case_ref: str,
    people: dict[str, int],
    make_user: MakeUserType,
    tmp_path: Path,
    sign_in: SignIn,
) -> None:
    file_id = _load(ctx, prosecutor, case_ref, tmp_path)
    analyst = make_user(Role.ANALYST)
    cases.add_member(ctx, prosecutor, case_ref, analyst.username)
    client = sign_in(analyst.username)
    pages = [
        client.get(f"/cases/{case_ref}/documents/{file_id}"),
        client.get(f"/cases/{case_ref}/documents"),
        client.get(f"/cases/{case_ref}/suggestions"),
        client.get(f"/cases/{case_ref}/suggestions?type=mention"),
        client.get(f"/api/cases/{case_ref}/suggestions?per_page=200"),
    ]
    victim = cases.list_people(ctx, prosecutor, case_ref)[0]
    for response in pages:
        assert response.status_code == 200
        for part in [VICTIM, *VICTIM.split(), VICTIM_ALIAS]:
            assert part.lower() not in response.text.lower(), (response.url, part)
    html = pages[0].text
    assert "Redacted for your role" in html
    assert ("mention", "suggested", victim.pseudonym) in MARK.findall(html)
    assert SUSPECT in html and PHONE_RAW in html  # only sealed names are redacted
    assert "Mention of a person" in html and victim.pseudonym in html


def test_roles_without_decide_get_403_and_non_members_404(
    ctx: Context,
    unit_id: int,
    prosecutor: Actor,
    case_ref: str,
    people: dict[str, int],
    make_user: MakeUserType,
    tmp_path: Path,
    sign_in: SignIn,
) -> None:
    file_id = _load(ctx, prosecutor, case_ref, tmp_path)
    target = _suggestions(ctx, file_id)[0]
    advocate = make_user(Role.ADVOCATE)
    cases.add_member(ctx, prosecutor, case_ref, advocate.username)
    client = sign_in(advocate.username)
    html = client.get(f"/cases/{case_ref}/documents/{file_id}").text
    assert "Your role can see suggestions but not confirm or reject them" in html
    assert "formaction=" not in html  # no confirm / reject buttons for this role
    token = csrf_from(html)
    denied = client.post(
        f"/cases/{case_ref}/suggestions/{target.id}/decision",
        data={"decision": "confirmed", "csrf_token": token},
    )
    assert denied.status_code == 403
    api = client.post(
        f"/api/cases/{case_ref}/suggestions/{target.id}/decision",
        json={"decision": "confirmed"},
        headers={"X-CSRF-Token": token},
    )
    assert api.status_code == 403
    assert _suggestions(ctx, file_id)[0].status == "suggested"

    outsider = make_user(Role.PROSECUTOR)
    client = sign_in(outsider.username)
    for url in (
        f"/cases/{case_ref}/documents",
        f"/cases/{case_ref}/documents/{file_id}",
        f"/cases/{case_ref}/suggestions",
        f"/api/cases/{case_ref}/suggestions",
    ):
        assert client.get(url).status_code == 404, url
    token = csrf_from(client.get("/cases").text)
    assert (
        client.post(
            f"/cases/{case_ref}/suggestions/{target.id}/decision",
            data={"decision": "confirmed", "csrf_token": token},
        ).status_code
        == 404
    )
    # A suggestion is found only through its own case, even by a member of both.
    cases.create_case(
        ctx, prosecutor, reference="OTHER-1", title="Other", jurisdiction="US", unit_id=unit_id
    )
    client = sign_in("prosecutor")
    token = csrf_from(client.get("/cases").text)
    assert (
        client.post(
            f"/cases/OTHER-1/suggestions/{target.id}/decision",
            data={"decision": "confirmed", "csrf_token": token},
        ).status_code
        == 404
    )
    assert _suggestions(ctx, file_id)[0].status == "suggested"


def test_suggestions_list_filters_sorts_pages_and_the_api_decides(
    ctx: Context,
    prosecutor: Actor,
    case_ref: str,
    people: dict[str, int],
    tmp_path: Path,
    sign_in: SignIn,
) -> None:
    file_id = _load(ctx, prosecutor, case_ref, tmp_path)
    found = _suggestions(ctx, file_id)
    client = sign_in("prosecutor")
    base = f"/cases/{case_ref}/suggestions"
    phones = client.get(base, params={"type": "identifier:phone"}).text
    assert PHONE in phones and phones.count('<tr id="sug-') == 1
    assert "…" in phones  # the passage carries context around the quote
    indicators = client.get(base, params={"indicator": "document_retention"}).text
    assert indicators.count('<tr id="sug-') == 1
    assert f'st-suggested">{INDICATOR_QUOTE}</mark>' in indicators
    first = client.get(base, params={"per_page": 2}).text
    assert "Showing 1–2 of" in first and 'rel="next"' in first

    api = client.get(f"/api{base}", params={"sort": "confidence", "desc": True, "per_page": 200})
    assert api.status_code == 200
    items = api.json()["items"]
    assert len(items) == len(found) == api.json()["total"]
    assert [i["confidence"] for i in items] == sorted(
        (i["confidence"] for i in items), reverse=True
    )
    phone = next(i for i in items if i["label"] == PHONE)
    assert phone["quote"] == PHONE_RAW and phone["locator"] == "page 1"
    assert phone["before"].endswith("call ") and phone["after"].startswith(" every night")

    token = csrf_from(client.get(base).text)
    decided = client.post(
        f"/api{base}/{phone['id']}/decision",
        json={"decision": "rejected"},
        headers={"X-CSRF-Token": token},
    )
    assert decided.status_code == 200
    assert decided.json()["status"] == "rejected" and decided.json()["decided_by"] == "prosecutor"
    wrong = client.post(
        f"/api{base}/{phone['id']}/decision",
        json={"decision": "maybe"},
        headers={"X-CSRF-Token": token},
    )
    assert wrong.status_code == 422
    assert client.get(f"/api{base}", params={"status": "rejected"}).json()["total"] == 1
    assert client.get(f"/api{base}", params={"sort": "nonsense"}).status_code == 422
    assert client.get(f"/api{base}/../x").status_code == 404


def test_an_image_shows_its_metadata_and_the_no_ocr_note(
    ctx: Context, prosecutor: Actor, case_ref: str, tmp_path: Path, sign_in: SignIn
) -> None:
    from PIL import Image

    Image.new("RGB", (4, 3), "white").save(tmp_path / "photo.png")
    (outcome,) = ingest_path(ctx, prosecutor, case_ref, tmp_path / "photo.png").files
    client = sign_in("prosecutor")
    html = client.get(f"/cases/{case_ref}/documents/{outcome.evidence_file_id}").text
    assert "image: no OCR in this version" in html
    assert "Metadata" in html and "PNG" in html
    evidence = client.get(f"/cases/{case_ref}/evidence").text
    assert f"/cases/{case_ref}/documents/{outcome.evidence_file_id}" in evidence


def test_queue_shows_one_suggestion_and_decides_in_place(
    ctx: Context,
    prosecutor: Actor,
    case_ref: str,
    people: dict[str, int],
    make_user: MakeUserType,
    tmp_path: Path,
    sign_in: SignIn,
) -> None:
    file_id = _load(ctx, prosecutor, case_ref, tmp_path)
    pending = [a for a in _suggestions(ctx, file_id) if a.status == "suggested"]
    client = sign_in("prosecutor")
    queue = f"/cases/{case_ref}/suggestions/queue"
    html = client.get(f"{queue}?at=2").text
    total = int(re.search(r"Suggestion 2 of (\d+) suggestions", html).group(1))  # type: ignore[union-attr]
    shown = int(re.search(r'id="sug-(\d+)"', html).group(1))  # type: ignore[union-attr]
    assert html.count('class="queue-card') == 1 and 'aria-keyshortcuts="c"' in html
    assert "/static/review/queue.js" in html
    # Deciding returns to the same position, where the next one now stands.
    decided = client.post(
        f"/cases/{case_ref}/suggestions/{shown}/decision",
        data={"decision": "rejected", "next": f"{queue}?at=2", "csrf_token": csrf_from(html)},
        follow_redirects=False,
    )
    assert decided.status_code == 303
    assert decided.headers["location"].startswith(f"{queue}?at=2")
    after = client.get(f"{queue}?at=2").text
    assert f"Suggestion 2 of {total - 1:,} suggestions" in after
    assert f'id="sug-{shown}"' not in after
    assert {a.id: a.status for a in _suggestions(ctx, file_id)}[shown] == "rejected"
    assert len(pending) == total
    # Past the end: the last one still to decide.
    assert f"Suggestion {total - 1:,} of" in client.get(f"{queue}?at=999").text

    advocate = make_user(Role.ADVOCATE)
    cases.add_member(ctx, prosecutor, case_ref, advocate.username)
    html = sign_in(advocate.username).get(queue).text
    assert "Your role can see suggestions but not confirm or reject them" in html
    assert 'id="queue-confirm"' not in html
    outsider = make_user(Role.PROSECUTOR)
    assert sign_in(outsider.username).get(queue).status_code == 404
