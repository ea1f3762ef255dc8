"""Words, not codes: statute ids as citations from the law data, concept ids as their
labels, enums as words, and English plurals."""

from __future__ import annotations

import pytest

from palermo import words
from palermo.law import load_concepts, load_statutes


def test_statutes_are_cited_from_the_law_data() -> None:
    for statute in load_statutes():
        assert words.citation(statute.id) == statute.citation
        assert words.human(statute.id) == statute.citation
    assert words.citation("us-18-1591").startswith("18 U.S.C. § 1591")
    assert words.citation("no-such-statute") == "no-such-statute"


def test_concepts_are_labelled_from_the_law_data() -> None:
    concepts = load_concepts()
    assert words.human("act.patronizing") == concepts["act.patronizing"].label
    assert all(words.concept_label(cid) == c.label for cid, c in concepts.items())
    assert words.concept_label("act.something_new") == "Something new"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("pre_trial", "Pre-trial"),
        ("escort_ads", "Escort advertisements"),
        ("single_source", "Single source"),
        ("bank_record", "Financial records"),
        ("considered", "Under consideration"),
        ("custody_limit", "Custody time limit"),
        ("trial", "Trial"),
        ("some_new_value", "Some new value"),
        (None, "—"),
        ("", "—"),
    ],
)
def test_enums_become_words(value: str | None, expected: str) -> None:
    assert words.human(value) == expected


def test_lower_keeps_citations_and_acronyms() -> None:
    assert words.lower("pre_trial") == "pre-trial"
    assert words.lower("us-18-1591").startswith("18 U.S.C.")
    assert words.lower("whatsapp") == "WhatsApp" and words.lower("sms") == "SMS"


@pytest.mark.parametrize(
    ("noun", "n", "expected"),
    [
        ("witness", 2, "witnesses"),
        ("Witness", 3, "Witnesses"),
        ("witness", 1, "witness"),
        ("person", 2, "people"),
        ("party", 4, "parties"),
        ("day", 2, "days"),
        ("box", 2, "boxes"),
        ("evidence file", 2, "evidence files"),
        ("victim-witness contact", 0, "victim-witness contacts"),
    ],
)
def test_plurals(noun: str, n: int, expected: str) -> None:
    assert words.plural(noun, n) == expected


def test_counted_and_join() -> None:
    assert words.counted(0, "source") == "no sources"
    assert words.counted(1, "witness") == "1 witness"
    assert words.counted(1200, "record") == "1,200 records"
    assert words.join(["a"]) == "a"
    assert words.join(["a", "b"]) == "a and b"
    assert words.join(["a", "b", "c"], "or") == "a, b or c"
    assert words.sentence("no evidence yet") == "No evidence yet."


def test_countries_and_jurisdictions_by_name() -> None:
    assert words.country("MX") == "Mexico"
    assert words.country("gb") == "United Kingdom"
    assert words.country("UK") == "United Kingdom"
    assert words.country("EU") == "European Union"
    assert words.country("INTL") == "International"
    assert words.country("ZZZ") == "ZZZ" and words.country(None) == "—"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("account:5300127764", "account 5300127764"),
        ("cash:out:MX", "cash withdrawn (Mexico)"),
        ("cash:in:NG", "cash paid in (Nigeria)"),
        ("in:US", "cash paid in (United States)"),
        ("out:GB", "cash withdrawn (United Kingdom)"),
        ("phone:", "phone (no number)"),
        ("phone:+40721234567", "phone +40721234567"),
        ("Ana Pop", "Ana Pop"),
    ],
)
def test_identifier_keys_become_words(value: str, expected: str) -> None:
    assert words.key(value) == expected


def test_keys_inside_a_sentence() -> None:
    assert (
        words.keys_in("Accounts: Ashley Jackson (6668027649), in:US")
        == "Accounts: Ashley Jackson (6668027649), cash paid in (United States)"
    )
    assert words.keys_in("Ana (account:123) paid cash:out:MX") == (
        "Ana (account 123) paid cash withdrawn (Mexico)"
    )
    assert words.keys_in("account:7 made 10 payments").startswith("Account 7 made")
    # A key-like piece of an address or a URL is left alone.
    assert words.keys_in("https://example.org/in:US") == "https://example.org/in:US"
    assert words.keys_in("") == "" and words.keys_in(None) == ""


def test_media_types_as_kinds_of_file() -> None:
    word = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    assert words.media_type(word) == "Word document"
    assert words.media_type("application/pdf") == "PDF"
    assert words.media_type("text/plain; charset=utf-8") == "Plain text"
    assert words.media_type("image/jpeg") == "JPEG image"
    assert words.media_type(None) == "—"
