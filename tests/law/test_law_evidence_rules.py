"""Record-based rules turn structured records into suggested facts."""

from __future__ import annotations

from datetime import datetime

from palermo.law import (
    ElementStatus,
    EvidenceItem,
    Fact,
    Suspect,
    apply_evidence_rules,
    assess_case,
)

ROLES = {
    "S-01": "suspect",
    "S-02": "suspect",
    "V-01": "victim",
    "V-02": "victim",
    "W-01": "witness",
}


def item(
    id: str,
    kind: str,
    at: str | None = None,
    sid: str = "bank:1",
    skind: str = "bank_record",
    **kw: object,
) -> EvidenceItem:
    parties = {k: v for k, v in kw.items() if isinstance(v, str) and v in ROLES}
    fields = {k: v for k, v in kw.items() if k not in parties}
    return EvidenceItem(
        id=id,
        kind=kind,
        source_id=sid,
        source_kind=skind,
        occurred_at=datetime.fromisoformat(at) if at else None,
        parties=parties,
        fields=fields,
    )


def concepts(facts: list[Fact]) -> set[tuple[str, str | None, str | None]]:
    return {(f.concept, f.suspect, f.victim) for f in facts}


def test_payment_from_victim_to_suspect_is_benefit() -> None:
    facts = apply_evidence_rules(
        [
            item("t1", "payment", source="V-01", target="S-01", amount=300),
            item("t2", "payment", source="S-01", target="V-01", amount=20),  # wrong direction
            item("t3", "payment", source="W-01", target="S-01", amount=20),  # not a victim
        ],
        ROLES,
    )
    assert concepts(facts) == {("benefit.financial", "S-01", "V-01")}
    (f,) = facts
    assert f.status == "suggested" and f.origin == "machine"
    assert (
        f.source_id == "bank:1"
        and f.source_kind == "bank_record"
        and f.id == "t1#victim-pays-suspect"
    )


def test_booking_paid_by_suspect_is_transportation() -> None:
    facts = apply_evidence_rules(
        [
            item(
                "b1",
                "booking",
                "2024-03-01",
                "travel:9",
                "travel_record",
                payer="S-02",
                traveller="V-02",
            ),
            item(
                "b2",
                "booking",
                "2024-03-01",
                "travel:9",
                "travel_record",
                payer="V-01",
                traveller="V-01",
            ),
        ],
        ROLES,
    )
    assert concepts(facts) == {("act.transportation", "S-02", "V-02")}


def test_first_contact_before_travel_is_recruitment() -> None:
    cdr = {"sid": "cdr:7", "skind": "phone_record"}
    items = [
        item("c1", "call", "2024-01-05T10:00", source="S-01", target="V-01", **cdr),
        item("c2", "call", "2024-01-09T10:00", source="S-01", target="V-01", **cdr),
        item("c3", "call", "2024-02-10T10:00", source="S-02", target="V-01", **cdr),
        item("c4", "message", "2024-01-02T10:00", source="S-02", target="V-02", **cdr),
        item("t1", "trip", "2024-02-01T08:00", "travel:1", "travel_record", traveller="V-01"),
    ]
    facts = apply_evidence_rules(items, ROLES)
    # c1 is S-01's first contact with V-01 before travel; c2 is not first; c3 came after the
    # trip; V-02 never travelled, so there is no "before travel" to speak of.
    assert [f.id for f in facts] == ["c1#first-contact-before-travel"]
    assert concepts(facts) == {("act.recruitment", "S-01", "V-01")}


def test_advertising_seized_passport_and_age() -> None:
    facts = apply_evidence_rules(
        [
            item("p1", "payment", source="S-01", counterparty_category="classifieds"),
            item("p2", "payment", source="S-02", description="Bump ad - city escorts"),
            item("p3", "payment", source="S-02", description="groceries"),
            item(
                "a1",
                "assertion",
                sid="inv:1",
                skind="search_inventory",
                predicate="seized_document",
                document_type="passport",
                subject="S-01",
                holder="V-02",
            ),
            item(
                "a2",
                "assertion",
                sid="inv:1",
                skind="search_inventory",
                predicate="seized_document",
                document_type="phone",
                subject="S-01",
                holder="V-02",
            ),
            item(
                "a3",
                "assertion",
                sid="doc:1",
                skind="other",
                predicate="age",
                value=16,
                subject="V-01",
            ),
            item(
                "a4",
                "assertion",
                sid="doc:2",
                skind="other",
                predicate="age",
                value=19,
                subject="V-02",
            ),
            item(
                "a5",
                "assertion",
                sid="doc:3",
                skind="other",
                predicate="age",
                value="unknown",
                subject="V-02",
            ),
        ],
        ROLES,
    )
    assert concepts(facts) == {
        ("act.advertising", "S-01", None),
        ("act.advertising", "S-02", None),
        ("means.document_retention", "S-01", "V-02"),
        ("victim.minor", None, "V-01"),
    }


def test_rule_facts_feed_the_engine_as_suggestions() -> None:
    facts = apply_evidence_rules(
        [item("t1", "payment", source="V-01", target="S-01", amount=300)], ROLES
    )
    a = assess_case(facts, [Suspect("S-01", ("us-18-1591a2",))]).get("S-01", "us-18-1591a2")
    assert a.element("benefit").status == ElementStatus.SUPPORTED_IF_CONFIRMED
