from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from palermo.security.permissions import Actor
from palermo.services import cases
from palermo.services.context import Context
from palermo.services.errors import InvalidInput, NotFound
from palermo.services.timeline import TimelineFilter, case_timeline
from palermo.store.models import Event, EvidenceFile, Record

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
    assert [e.kind for e in page.items] == ["payment", "call", "call", "raid"]
    assert page.items[0].title == "V-01 paid 300.00 USD to Ion Popescu"
    assert page.items[1].title == "Ion Popescu called V-01 (1 min 35 s)"
    assert page.items[0].source.file_name == "calls.csv"
    assert page.items[0].source.locator == "row 3"
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
    assert [e.kind for e in second.items] == ["raid"] and second.pages == 2


def test_timeline_rejects_unknown_kind_and_hides_case(
    ctx: Context, prosecutor: Actor, case_ref: str, make_user
) -> None:
    with pytest.raises(InvalidInput):
        case_timeline(ctx, prosecutor, case_ref, TimelineFilter(kinds=("gossip",)))
    with pytest.raises(NotFound):
        case_timeline(ctx, make_user("investigator"), case_ref)
