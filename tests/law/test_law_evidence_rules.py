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


def test_own_words_show_knowledge_and_disregard() -> None:
    words = {"sid": "chat:1", "skind": "chat"}
    facts = apply_evidence_rules(
        [
            item("m1", "own_words", speaker="S-01", victim="V-01", **words,
                 concepts=["means.document_retention"], indicators=["document_retention"],
                 text="Your passport stays with me.", to_advert=False),
            item("m2", "own_words", speaker="S-02", **words,
                 concepts=["means.coercion"], indicators=["restriction_of_movement"],
                 text="She said she wasn't allowed to leave. Not my problem.", to_advert=True),
            # The exploitation alone is not knowledge of the means.
            item("m3", "own_words", speaker="S-02", **words,
                 concepts=["purpose.commercial_sex_act"], indicators=["buyer_solicitation"],
                 text="How much for an hour? Fine by me.", to_advert=True),
            # A victim's own words are not a suspect's state of mind.
            item("m4", "own_words", speaker="V-01", **words,
                 concepts=["means.force"], indicators=["physical_sexual_violence"],
                 text="He beat me. I don't care any more.", to_advert=False),
        ],
        ROLES,
    )  # fmt: skip
    assert concepts(facts) == {
        ("mental.knowledge", "S-01", "V-01"),
        ("mental.knowledge", "S-02", None),
        ("mental.reckless_disregard", "S-02", None),
    }


def test_a_fact_resting_on_a_decided_assertion_takes_its_status() -> None:
    confirmed = EvidenceItem(
        id="a7", kind="own_words", source_id="chat:1", source_kind="chat",
        parties={"speaker": "S-01"}, fields={"concepts": ["means.threat"], "text": "x"},
        status="confirmed",
    )  # fmt: skip
    (fact,) = apply_evidence_rules([confirmed], ROLES)
    assert fact.id == "a7#own-words-knowledge" and fact.status == "confirmed"


def test_has_any_matches_values_and_prefixes() -> None:
    from palermo.law.evidence_rules import _has_any

    assert _has_any(["means.force", "act.recruitment"], ["means.*"])
    assert _has_any(["act.recruitment"], ["act.recruitment", "benefit.financial"])
    assert not _has_any(["act.agreement"], ["act.recruitment", "means.*"])
    assert not _has_any([], ["means.*"])
    assert _has_any("means.force", ["means.*"])


def test_operational_message_between_suspects_is_agreement_not_a_customer_contact() -> None:
    words = {"sid": "sms:1", "skind": "chat"}
    facts = apply_evidence_rules(
        [
            item("m1", "own_words", speaker="S-02", recipient="S-01", **words,
                 concepts=["means.document_retention"], text="I have the passports.",
                 to_advert=False),
            # To the number in an advert: a buyer asking, not a partner coordinating.
            item("m2", "own_words", speaker="S-02", recipient="S-01", **words,
                 concepts=["purpose.commercial_sex_act"], text="How much for an hour?",
                 to_advert=True),
            item("m3", "own_words", speaker="S-02", recipient="V-01", **words,
                 concepts=["means.debt_bondage"], text="You still owe me.", to_advert=False),
        ],
        ROLES,
    )  # fmt: skip
    agreement = {(f.id, f.suspect) for f in facts if f.concept == "act.agreement"}
    assert agreement == {("m1#operational-message-between-suspects", "S-02")}


def test_repeated_contact_is_agreement_only_between_participants_near_events() -> None:
    def series(id: str, me: str, other: str, **fields: object) -> EvidenceItem:
        return EvidenceItem(
            id=id, kind="contact_series", source_id="cdr:1", source_kind="phone_record",
            parties={"source": me, "target": other}, fields=fields,
        )  # fmt: skip

    known = {"S-01": {"benefit.financial"}, "S-02": {"means.threat", "act.agreement"}}
    facts = apply_evidence_rules(
        [
            series("s1", "S-01", "S-02", contacts=5, days=3, near_events=1),
            series("s2", "S-02", "S-01", contacts=5, days=3, near_events=1),
            series("s3", "S-01", "S-02", contacts=5, days=1, near_events=1),  # one day
            series("s4", "S-01", "S-02", contacts=2, days=2, near_events=1),  # too few
            series("s5", "S-01", "S-02", contacts=9, days=9, near_events=0),  # not near
            series("s6", "S-01", "V-01", contacts=9, days=9, near_events=3),  # a victim
        ],
        ROLES,
        known=known,
    )
    assert sorted((f.id, f.suspect) for f in facts) == [
        ("s1#repeated-contact-between-suspects", "S-01"),
        ("s2#repeated-contact-between-suspects", "S-02"),
    ]
    # Without a part of their own in the venture (an agreement does not count), nothing.
    facts = apply_evidence_rules(
        [series("s1", "S-01", "S-02", contacts=5, days=3, near_events=1)],
        ROLES,
        known={"S-01": {"act.agreement"}, "S-02": {"means.threat"}},
    )
    assert facts == []


def test_advert_contact_followed_by_payment_is_patronizing() -> None:
    cdr = {"sid": "cdr:1", "skind": "phone_record"}
    bank = {"sid": "bank:1", "skind": "bank_record"}
    # S-01's number is in the advert; S-02 and W-01 answer it.
    items = [
        item("c1", "call", "2024-03-01T20:00", source="S-02", target="S-01",
             target_advertised=True, **cdr),
        item("c2", "call", "2024-02-01T20:00", source="S-02", target="S-01",
             target_advertised=True, **cdr),  # the next payment is a month later
        item("c3", "call", "2024-03-01T20:00", source="S-01", target="S-02", **cdr),
        item("p1", "payment", "2024-03-02T01:00", source="S-02", target="S-01", **bank),
        item("p2", "payment", "2024-03-02T01:00", source="S-01", target="S-02", **bank),
        item("c4", "message", "2024-03-03T20:00", source="W-01", target="S-01",
             target_advertised=True, **cdr),
        item("p3", "payment", "2024-03-03T21:00", source="W-01", target="S-01", **bank),
    ]  # fmt: skip
    facts = apply_evidence_rules(items, ROLES)
    assert sorted((f.id, f.concept, f.suspect) for f in facts) == [
        ("c1#advert-contact-then-payment", "act.patronizing", "S-02"),
        ("p1#advert-customer-pays-suspect", "benefit.financial", "S-01"),
        ("p3#advert-customer-pays-suspect", "benefit.financial", "S-01"),
    ]


def test_shipped_rules_name_known_indicators() -> None:
    from palermo.law.evidence_rules import load_evidence_rules
    from palermo.law.indicators import load_indicators

    ids = {ci.id for ci in load_indicators()}
    assert set(load_evidence_rules().advert_indicators) <= ids
