from __future__ import annotations

from datetime import date

import pytest

from palermo.extract.identifiers import extract_identifiers
from palermo.extract.types import Extraction
from palermo.ingest.normalize import normalize_phone


def values(text: str, kind: str, region: str = "US", ref: date | None = None) -> list[str | None]:
    found = extract_identifiers(text, default_region=region, reference_date=ref)
    for e in found:
        assert text[e.start : e.end] == e.raw  # provenance: the span is the raw text
    return [e.value for e in found if e.kind == kind]


def only(text: str, kind: str, **kw: object) -> Extraction:
    found = [e for e in extract_identifiers(text, **kw) if e.kind == kind]  # type: ignore[arg-type]
    assert len(found) == 1, found
    return found[0]


@pytest.mark.parametrize(
    ("text", "region", "expected"),
    [
        ("Call me on 0721 234 567 tonight.", "RO", "+40721234567"),
        ("His number: 0040 744 123 456.", "RO", "+40744123456"),
        ("Boss phone (213) 555-0143", "US", "+12135550143"),
        ("contact 0917 123 4567 for work", "PH", "+639171234567"),
        ("WhatsApp +44 7911 123456", "RO", "+447911123456"),
    ],
)
def test_phones_become_e164_with_the_case_region(text: str, region: str, expected: str) -> None:
    assert values(text, "phone", region) == [expected]
    # The same string a structured record would hold.
    assert normalize_phone(only(text, "phone", default_region=region).raw, region) == expected


def test_iban_checksum_is_validated() -> None:
    text = "Pay to RO49 AAAA 1B31 0075 9384 0000 and not to RO49 AAAA 1B31 0075 9384 0001."
    assert values(text, "iban") == ["RO49AAAA1B31007593840000"]
    # The invalid one is not reported as a phone or an account either.
    assert values(text, "phone", "RO") == []
    assert values(text, "account") == []


def test_iban_followed_by_text() -> None:
    e = only("IBAN DE89370400440532013000 thanks", "iban")
    assert e.value == "DE89370400440532013000" and e.raw == "DE89370400440532013000"


def test_labelled_account_numbers() -> None:
    e = only("Send it to account no. 4455-1234-99 at the bank.", "account")
    assert e.value == "4455123499"
    assert e.details["label"].lower().startswith("account")


@pytest.mark.parametrize(
    ("text", "region", "expected"),
    [
        ("He asked for $2,500 up front.", "US", "2500 USD"),
        ("The debt was 2.500 EUR by May.", "RO", "2500 EUR"),
        ("I paid 500 euros for the ticket.", "RO", "500 EUR"),
        ("She sent ₱10,000 home.", "PH", "10000 PHP"),
        ("3k lei per month", "RO", "3000 RON"),
        ("EUR 1.250,50 in cash", "DE", "1250.5 EUR"),
        ("it cost 300 pesos", "PH", "300 PHP"),
        ("it cost 300 pesos", "MX", "300 MXN"),
        ("costs $ 40", "MX", "40 MXN"),
        ("USD 12.5 million", "US", "12500000 USD"),
    ],
)
def test_money_amounts(text: str, region: str, expected: str) -> None:
    assert values(text, "money", region) == [expected]


@pytest.mark.parametrize(
    ("raw", "region", "expected", "confidence"),
    [
        ("2,500", "US", "2500", 0.6),  # two readings: the jurisdiction's, flagged
        ("2.500", "DE", "2500", 0.6),
        ("2.500", "US", "2.5", 0.6),
        ("2.500,50", "US", "2500.5", 1.0),
        ("2,500.50", "DE", "2500.5", 1.0),
        ("12.5", "US", "12.5", 1.0),
        ("1 500", "US", "1500", 1.0),
        ("7", "US", "7", 1.0),
    ],
)
def test_document_amounts(raw: str, region: str, expected: str, confidence: float) -> None:
    (money,) = [
        e
        for e in extract_identifiers(f"paid EUR {raw} to him", default_region=region)
        if e.kind == "money"
    ]
    assert money.details["amount"] == expected
    assert money.confidence == confidence
    assert ("ambiguous" in money.details) == (confidence < 1)


def test_absolute_dates_follow_the_region_order() -> None:
    assert values("met on 03/04/2024", "date", "RO") == ["2024-04-03"]
    assert values("met on 03/04/2024", "date", "US") == ["2024-03-04"]
    assert values("met on 25/04/2024", "date", "US") == ["2024-04-25"]  # only one reading
    assert values("on 5 March 2024 and March 7, 2024", "date") == ["2024-03-05", "2024-03-07"]
    assert values("el 12 de marzo de 2024", "date", "ES") == ["2024-03-12"]
    assert values("arrived 2024-02-29T10:00", "date") == ["2024-02-29"]
    assert values("see you 31/02/2024", "date", "RO") == []  # no such day


def test_relative_dates_resolve_against_the_reference() -> None:
    ref = date(2024, 3, 20)  # a Wednesday
    text = "yesterday, last Friday, next Monday, two weeks ago, hace 3 días, last month"
    assert values(text, "date", ref=ref) == [
        "2024-03-19",
        "2024-03-15",
        "2024-03-25",
        "2024-03-06",
        "2024-03-17",
        "2024-02",
    ]


def test_relative_dates_without_reference_stay_unresolved() -> None:
    e = only("he came yesterday", "date")
    assert e.value is None and e.details["relative"] is True


def test_may_the_verb_is_not_a_month() -> None:
    assert values("you may 2 go", "date") == []


def test_emails_urls_and_handles() -> None:
    text = (
        "Write to Ana.Lopez@Example.COM or see www.Escorts-Ads.com/ad/77, "
        "https://t.me/boss_77. IG: maria.x99, Telegram: @recruiter_ro, and @ana_b."
    )
    found = extract_identifiers(text)
    by_kind = {k: [e.value for e in found if e.kind == k] for k in ("email", "url", "handle")}
    assert by_kind["email"] == ["ana.lopez@example.com"]
    assert by_kind["url"] == ["http://www.escorts-ads.com/ad/77", "https://t.me/boss_77"]
    assert by_kind["handle"] == ["@maria.x99", "@recruiter_ro", "@ana_b"]
    ig = next(e for e in found if e.value == "@maria.x99")
    assert ig.details["platform"] == "instagram"


def test_email_is_not_also_a_handle_or_url() -> None:
    found = extract_identifiers("mail boss@site.com now")
    assert [e.kind for e in found] == ["email"]


def test_addresses_and_places() -> None:
    text = "She lived at 12 Baker Street, London, then Strada Lipscani nr. 5 in Bucharest, Romania."
    found = extract_identifiers(text)
    assert [e.value for e in found if e.kind == "address"] == [
        "12 Baker Street",
        "Strada Lipscani nr. 5",
    ]
    assert [e.value for e in found if e.kind == "place"] == ["London, GB", "Bucharest, RO", "RO"]


def test_kinds_filter() -> None:
    found = extract_identifiers(
        "call 0721 234 567 or mail a@b.com", default_region="RO", kinds=["email"]
    )
    assert [e.kind for e in found] == ["email"]
