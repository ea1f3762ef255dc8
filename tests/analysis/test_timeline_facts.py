"""The timeline's words: the part of the story an indicator tells, and records told with
people's names, never a raw number or "unknown"."""

from __future__ import annotations

from decimal import Decimal

from palermo.analysis.timeline import KIND_LABELS, KINDS_IN_ORDER, describe_record, fact_kind

NAMES = {"+15550001": "Ion Popescu", "+15550002": "V-01"}


def test_fact_kind_places_an_indicator_in_the_story() -> None:
    assert fact_kind(["act.recruitment"]) == "recruitment"
    assert fact_kind(["means.deception", "purpose.forced_labour"]) == "recruitment"
    # A threat is a threat first, whatever else it supports.
    assert fact_kind(["means.debt_bondage", "means.threat"]) == "threat"
    assert fact_kind(["act.transportation"]) == "travel"
    assert fact_kind(["purpose.commercial_sex_act"]) == "exploitation"
    assert fact_kind(["means.withholding_wages"]) == "exploitation"
    assert fact_kind(["mental.knowledge"]) is None
    assert fact_kind([]) is None


def test_every_kind_has_words() -> None:
    assert set(KINDS_IN_ORDER) == set(KIND_LABELS)


def test_records_name_holders_and_never_show_unknown_numbers() -> None:
    assert (
        describe_record("call", source="+15550001", target="+15550002", names=NAMES, duration_s=45)
        == "Ion Popescu called V-01 (45 s)"
    )
    said = describe_record("message", source="+19998887777", target=None, names=NAMES)
    assert said == "an unidentified sender wrote to an unidentified recipient"
    by_app = describe_record(
        "message", source="+15550001", target="+15550002", names=NAMES, channel="whatsapp"
    )
    assert by_app == "Ion Popescu wrote to V-01 by WhatsApp"
    by_sms = describe_record(
        "message", source="+15550001", target="+15550002", names=NAMES, channel="sms"
    )
    assert by_sms == "Ion Popescu wrote to V-01 by SMS"
    paid = describe_record(
        "payment",
        source="+15550002",
        target="acct-991",
        names=NAMES,
        amount=Decimal("300"),
        currency="USD",
    )
    assert paid == "V-01 paid 300.00 USD to an unidentified payee"
    trip = describe_record(
        "trip", source="DOE/JANE", target=None, names=NAMES, origin="Iasi", destination="Leeds"
    )
    assert trip == "an unidentified traveller travelled from Iasi to Leeds"
    for text in (said, paid, trip):
        assert "unknown" not in text and "999" not in text and "DOE" not in text
