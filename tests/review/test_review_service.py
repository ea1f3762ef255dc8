"""Pure parts of the review service: segments of highlighted text, safe upload names,
and decisions through the service (what other tabs call)."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from sqlalchemy import select

from palermo.security.permissions import Actor
from palermo.security.redaction import Redactor
from palermo.services import cases, review
from palermo.services.context import Context
from palermo.services.errors import InvalidInput, NotFound, PermissionDenied
from palermo.services.ingest import ingest_path
from palermo.store.models import Assertion, Role

from .conftest import STATEMENT, MakeUserType


def test_segments_cover_the_text_once_with_overlapping_marks() -> None:
    text = "Viktor Dragan took our passports."
    segments = review.segment(text, [(1, 0, 13), (2, 7, 32), (3, 14, 18)])
    assert "".join(s.text for s in segments) == text
    by_text = {s.text: s for s in segments}
    assert by_text["Viktor "].marks == (1,)
    assert by_text["Dragan"].marks == (1, 2) and by_text["Dragan"].ends == (1,)
    # Innermost first: the short span leads where spans nest.
    assert by_text["took"].marks == (3, 2) and by_text["took"].ends == (3,)
    assert by_text[" our passports"].ends == (2,)
    assert by_text["."].marks == ()


def test_redacted_segments_never_split_a_sealed_name() -> None:
    redactor = Redactor([("V-01", ["Elena Marinescu"])])
    text = "Elena Marinescu was kept there."
    # A span that starts inside the name would leave "rinescu" if cut there.
    segments = review.segment(text, [(7, 8, 19)], redactor)
    joined = "".join(s.text for s in segments)
    assert "Elena" not in joined and "rinescu" not in joined and "Mari" not in joined
    assert joined == redactor(text)
    assert any(7 in s.marks for s in segments)


@pytest.mark.parametrize(
    ("client_name", "expected"),
    [
        ("statement.txt", "statement.txt"),
        ("folder/sub/calls.csv", "calls.csv"),
        ("C:\\Users\\x\\chat.txt", "chat.txt"),
        ("../../etc/passwd", None),
        ("a/../b.txt", None),
        ("..", None),
        ("", None),
        (None, None),
        (".hidden", "hidden"),
        ("bad\x00name\n.txt", "badname.txt"),
    ],
)
def test_client_file_names_are_never_trusted(client_name: str | None, expected: str | None) -> None:
    assert review.safe_name(client_name) == expected


def test_decide_stores_who_and_when_and_checks_the_case(
    ctx: Context, prosecutor: Actor, case_ref: str, make_user: MakeUserType, tmp_path: Path
) -> None:
    (tmp_path / "statement.txt").write_text(STATEMENT)
    ingest_path(ctx, prosecutor, case_ref, tmp_path / "statement.txt")
    with ctx.db.session() as session:
        first = session.scalars(select(Assertion).order_by(Assertion.id)).first()
    assert first is not None
    result = review.decide(ctx, prosecutor, case_ref, first.id, "confirmed")
    assert result.status == "confirmed" and result.decided_by == "prosecutor"
    again = review.decide(ctx, prosecutor, case_ref, first.id, "rejected")
    assert again.status == "rejected" and again.decided_at is not None
    with pytest.raises(InvalidInput):
        review.decide(ctx, prosecutor, case_ref, first.id, "suggested")
    with pytest.raises(NotFound):
        review.decide(ctx, prosecutor, case_ref, 10**9, "confirmed")
    advocate = make_user(Role.ADVOCATE)
    cases.add_member(ctx, prosecutor, case_ref, advocate.username)
    with pytest.raises(PermissionDenied):
        review.decide(ctx, advocate, case_ref, first.id, "confirmed")
    with ctx.db.session() as session:
        stored = session.get(Assertion, first.id)
        assert stored is not None and stored.status == "rejected"


def test_long_pages_are_split_between_words_and_never_leak_a_sealed_name(
    ctx: Context,
    prosecutor: Actor,
    case_ref: str,
    make_user: MakeUserType,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    cases.add_person(ctx, prosecutor, case_ref, kind="victim", name="Elena Marinescu")
    text = " ".join(f"Line {i}: Elena Marinescu said he kept our passports." for i in range(40))
    (tmp_path / "long.txt").write_text(text)
    (outcome,) = ingest_path(ctx, prosecutor, case_ref, tmp_path / "long.txt").files
    assert outcome.evidence_file_id is not None
    monkeypatch.setattr(review, "SCREEN_CHARS", 97)  # nominal cuts fall inside words
    first = review.document_view(ctx, prosecutor, case_ref, outcome.evidence_file_id)
    assert first.screens > 10
    shown = []
    for n in range(1, first.screens + 1):
        view = review.document_view(ctx, prosecutor, case_ref, outcome.evidence_file_id, n)
        (page,) = view.pages
        shown.append("".join(s.text for s in page.segments))
        # Every highlight on the screen is the quote it stands for.
        for sug in view.suggestions:
            assert sug.span_start is not None and sug.span_end is not None
            assert text[sug.span_start : sug.span_end] == sug.quote
    assert "".join(shown) == text  # no gap, no overlap between screens
    analyst = make_user(Role.ANALYST)
    cases.add_member(ctx, prosecutor, case_ref, analyst.username)
    fragments = {"elena", "marinescu", "rinescu", "nescu", "escu", "lena"}
    for n in range(1, first.screens + 1):
        view = review.document_view(ctx, analyst, case_ref, outcome.evidence_file_id, n)
        words = " ".join(s.text for p in view.pages for s in p.segments).lower()
        words += " ".join(f"{s.before} {s.quote} {s.after} {s.label}" for s in view.suggestions)
        assert not any(f in words.lower() for f in fragments), n
    listed = review.list_suggestions(ctx, analyst, case_ref, per_page=200)
    passages = " ".join(f"{s.before} {s.quote} {s.after} {s.label}" for s in listed.items)
    assert listed.total > 40 and not any(f in passages.lower() for f in fragments)


def test_a_chat_is_shown_message_by_message_in_screens(
    ctx: Context, prosecutor: Actor, case_ref: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    lines = [f"13/03/2024, 09:{i:02d} - Boss: call +1 202 555 01{i:02d} now" for i in range(30)]
    chat = tmp_path / "WhatsApp Chat with Boss.txt"
    chat.write_text("\n".join(lines) + "\n")
    (outcome,) = ingest_path(ctx, prosecutor, case_ref, chat).files
    assert outcome.evidence_file_id is not None, outcome.message
    monkeypatch.setattr(review, "MESSAGES_PER_SCREEN", 12)
    view = review.document_view(ctx, prosecutor, case_ref, outcome.evidence_file_id, 3)
    assert view.unit == "message" and view.screens == 3 and view.screen == 3
    assert [p.label for p in view.pages] == [f"Message {n}" for n in range(25, 31)]
    phones = [s for s in view.suggestions if s.kind == "phone"]
    assert [s.label for s in phones] == [f"+120255501{i:02d}" for i in range(24, 30)]
    assert all(s.locator == f"page {s.page}" and s.page is not None for s in phones)
    # Past the end: the last screen, not an error.
    assert review.document_view(ctx, prosecutor, case_ref, outcome.evidence_file_id, 99).screen == 3


def test_uploads_with_the_same_name_from_two_folders_are_both_kept(
    ctx: Context, prosecutor: Actor, case_ref: str
) -> None:
    report = review.receive_upload(
        ctx,
        prosecutor,
        case_ref,
        [
            ("a/notes.txt", io.BytesIO(b"First note.")),
            ("b/notes.txt", io.BytesIO(b"Second note.")),
        ],
    )
    assert sorted((f.name, f.status) for f in report.files) == [
        ("notes (2).txt", "loaded"),
        ("notes.txt", "loaded"),
    ]
    assert not list((ctx.settings.data_dir / "tmp").glob("upload-*"))


def test_documents_are_listed_a_page_at_a_time_with_their_counts(
    ctx: Context, prosecutor: Actor, case_ref: str, tmp_path: Path
) -> None:
    folder = tmp_path / "docs"
    folder.mkdir()
    for name in ("a.txt", "b.txt", "c.txt"):
        (folder / name).write_text(f"{name}: call +1 202 555 0147 tonight.")
    ingest_path(ctx, prosecutor, case_ref, folder)
    first = review.list_documents(
        ctx, prosecutor, case_ref, per_page=2, sort="name", descending=True
    )
    assert [d.file_name for d in first.documents.items] == ["c.txt", "b.txt"]
    assert first.documents.total == 3 and first.documents.pages == 2
    assert all(d.suggested >= 1 and d.page_count == 1 for d in first.documents.items)
    second = review.list_documents(
        ctx, prosecutor, case_ref, page=2, per_page=2, sort="name", descending=True
    )
    assert [d.file_name for d in second.documents.items] == ["a.txt"]
    assert first.totals["suggested"] == sum(
        d.suggested for d in first.documents.items + second.documents.items
    )
    with pytest.raises(InvalidInput):
        review.list_documents(ctx, prosecutor, case_ref, sort="size")
