from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from sqlalchemy import select

from palermo.security.permissions import Actor
from palermo.services import cases
from palermo.services.context import Context
from palermo.services.errors import InvalidInput, NotFound
from palermo.services.timeline import TimelineFilter, case_timeline
from palermo.store.models import Assertion, Event, EvidenceFile, Record
from palermo.store.models.documents import Document

VICTIM_PHONE = "+40721000001"
SUSPECT_PHONE = "+40721000002"
OTHER_PHONE = "+40721000003"


def _load(ctx: Context, case_id: int) -> None:
    with ctx.db.session() as session:
        evidence = EvidenceFile(
            case_id=case_id,
            sha256="a" * 64,
            size=10,
            media_type="text/csv",
            original_name="calls.csv",
            stored_path="x",
        )
        session.add(evidence)
        session.flush()
        rows = [
            ("call", datetime(2024, 3, 2, 9, tzinfo=UTC), SUSPECT_PHONE, VICTIM_PHONE, None),
            (
                "payment",
                datetime(2024, 3, 1, 9, tzinfo=UTC),
                VICTIM_PHONE,
                SUSPECT_PHONE,
                Decimal("300.00"),
            ),
            ("call", datetime(2024, 3, 3, 9, tzinfo=UTC), OTHER_PHONE, OTHER_PHONE, None),
        ]
        for number, (kind, at, source, target, amount) in enumerate(rows, start=2):
            session.add(
                Record(
                    case_id=case_id,
                    evidence_file_id=evidence.id,
                    row_number=number,
                    kind=kind,
                    occurred_at=at,
                    source=source,
                    target=target,
                    amount=amount,
                    currency="USD" if amount else None,
                    duration_s=95 if kind == "call" else None,
                )
            )
        session.add(
            Event(
                case_id=case_id,
                kind="raid",
                title="Police search of the house",
                occurred_at=datetime(2024, 3, 4, tzinfo=UTC),
            )
        )


def test_timeline_orders_names_and_filters(ctx: Context, prosecutor: Actor, case_ref: str) -> None:
    victim = cases.add_person(
        ctx,
        prosecutor,
        case_ref,
        kind="victim",
        name="Maria Ionescu",
        identifiers=[("phone", VICTIM_PHONE)],
    )
    suspect = cases.add_person(
        ctx,
        prosecutor,
        case_ref,
        kind="suspect",
        name="Ion Popescu",
        identifiers=[("phone", SUSPECT_PHONE)],
    )
    _load(ctx, cases.case_id_for(ctx, prosecutor, case_ref))

    page = case_timeline(ctx, prosecutor, case_ref)
    assert page.total == 4
    assert [e.kind for e in page.items] == ["payment", "call", "call", "event"]
    assert page.items[0].title == "V-01 paid 300.00 USD to Ion Popescu"
    assert page.items[1].title == "Ion Popescu called V-01 (1 min 35 s)"
    # A number nobody in the case holds is never shown raw, nor as "unknown".
    assert (
        page.items[2].title == "an unidentified number called an unidentified number (1 min 35 s)"
    )
    assert page.items[3].detail == "raid"
    assert page.items[0].source.file_name == "calls.csv"
    assert page.items[0].source.locator == "row 3"
    with ctx.db.session() as session:
        first_id = session.scalar(select(Record.id).where(Record.row_number == 3))
    assert page.items[0].source.url == f"/cases/{case_ref}/records?record={first_id}"
    assert all("Maria" not in e.title for e in page.items)

    mine = case_timeline(ctx, prosecutor, case_ref, TimelineFilter(person_id=suspect.id))
    assert [e.kind for e in mine.items] == ["payment", "call"]
    assert victim.id != suspect.id

    only_events = case_timeline(ctx, prosecutor, case_ref, TimelineFilter(kinds=("event",)))
    assert [e.title for e in only_events.items] == ["Police search of the house"]

    windowed = case_timeline(
        ctx,
        prosecutor,
        case_ref,
        TimelineFilter(
            start=datetime(2024, 3, 2, tzinfo=UTC), end=datetime(2024, 3, 3, tzinfo=UTC)
        ),
    )
    assert [e.kind for e in windowed.items] == ["call"]

    second = case_timeline(ctx, prosecutor, case_ref, page=2, per_page=3)
    assert [e.kind for e in second.items] == ["event"] and second.pages == 2


def test_timeline_rejects_unknown_kind_and_hides_case(
    ctx: Context, prosecutor: Actor, case_ref: str, make_user
) -> None:
    with pytest.raises(InvalidInput):
        case_timeline(ctx, prosecutor, case_ref, TimelineFilter(kinds=("gossip",)))
    with pytest.raises(NotFound):
        case_timeline(ctx, make_user("investigator"), case_ref)


def _chat(ctx: Context, case_id: int, suspect_id: int) -> None:
    """A chat of three messages: a job offer, a threat, and one the reviewer rejected."""
    with ctx.db.session() as session:
        evidence = EvidenceFile(
            case_id=case_id,
            sha256="b" * 64,
            size=10,
            media_type="text/plain",
            original_name="chat.txt",
            stored_path="y",
        )
        session.add(evidence)
        session.flush()
        session.add(
            Document(
                case_id=case_id,
                evidence_file_id=evidence.id,
                media_type="text/plain",
                doc_metadata={
                    "locator": "message",
                    "message_dates": {
                        "1": "2024-02-01T10:00:00+00:00",
                        "2": "2024-03-05T10:00:00+00:00",
                        "53": "2024-03-06T10:00:00+00:00",
                    },
                },
                page_count=53,
            )
        )
        facts = [
            ("message 1", "Recruitment", ["act.recruitment"], "I have work for you", "suggested"),
            ("message 53", "Threats", ["means.threat"], "I will hurt you", "confirmed"),
            ("message 2", "Debt", ["means.debt_bondage"], "You owe me", "rejected"),
        ]
        for locator, label, concepts, sentence, status in facts:
            session.add(
                Assertion(
                    case_id=case_id,
                    subject_type="document",
                    predicate="indicator",
                    value="x",
                    details={"label": label, "concepts": concepts, "sentence": sentence},
                    evidence_file_id=evidence.id,
                    locator=locator,
                    quote=sentence,
                    status=status,
                )
            )
        session.add(
            Assertion(
                case_id=case_id,
                subject_type="person",
                subject_id=suspect_id,
                predicate="mention",
                evidence_file_id=evidence.id,
                locator="message 53",
                quote="Ion",
            )
        )


def test_timeline_tells_facts_from_documents_with_links(
    ctx: Context, prosecutor: Actor, case_ref: str
) -> None:
    suspect = cases.add_person(
        ctx,
        prosecutor,
        case_ref,
        kind="suspect",
        name="Ion Popescu",
        identifiers=[("phone", SUSPECT_PHONE)],
    )
    case_id = cases.case_id_for(ctx, prosecutor, case_ref)
    _load(ctx, case_id)
    _chat(ctx, case_id, suspect.id)

    facts = case_timeline(
        ctx, prosecutor, case_ref, TimelineFilter(kinds=("recruitment", "threat", "exploitation"))
    )
    # The rejected debt passage is no fact; the others are dated by their message.
    assert [(e.kind, e.at) for e in facts.items] == [
        ("recruitment", datetime(2024, 2, 1, 10, tzinfo=UTC)),
        ("threat", datetime(2024, 3, 6, 10, tzinfo=UTC)),
    ]
    assert facts.items[1].title == "Threats" and facts.items[1].quote == "I will hurt you"
    assert facts.items[1].text == "Threats: “I will hurt you”"
    assert facts.items[1].people == ("Ion Popescu",)
    with ctx.db.session() as session:
        chat_id = session.scalar(select(EvidenceFile.id).where(EvidenceFile.sha256 == "b" * 64))
        threat_id = session.scalar(select(Assertion.id).where(Assertion.locator == "message 53"))
    # Message 53 is on the second screen of 50 messages.
    assert (
        facts.items[1].source.url == f"/cases/{case_ref}/documents/{chat_id}?page=2#ref-{threat_id}"
    )

    everything = case_timeline(ctx, prosecutor, case_ref)
    assert [e.kind for e in everything.items] == [
        "recruitment",
        "payment",
        "call",
        "call",
        "event",
        "threat",
    ]
    # The first recruitment, payment and threat of the case are marked; later ones not.
    assert [e.first for e in everything.items] == [True, True, False, False, False, True]
    paged = case_timeline(ctx, prosecutor, case_ref, page=2, per_page=4)
    assert [e.kind for e in paged.items] == ["event", "threat"]

    his = case_timeline(ctx, prosecutor, case_ref, TimelineFilter(person_id=suspect.id))
    assert [e.kind for e in his.items] == ["payment", "call", "threat"]
    assert [e.first for e in his.items] == [True, False, True]
