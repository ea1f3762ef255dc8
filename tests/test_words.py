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
