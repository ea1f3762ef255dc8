from __future__ import annotations

import pytest

from palermo.extract.mentions import KnownPerson, find_candidates, find_mentions, fold

PEOPLE = [
    KnownPerson("p-ion", "Ion Popescu", ("Nelu",)),
    KnownPerson("p-stefan", "Ștefan Ionescu"),
    KnownPerson("p-maria", "Maria Lopez Garcia"),
    KnownPerson("p-ana", "Ana Moraru"),
]


def mentioned(text: str) -> list[tuple[str, str | None]]:
    found = find_mentions(text, PEOPLE)
    for e in found:
        assert text[e.start : e.end] == e.raw
    return [(e.raw, e.value) for e in found]


@pytest.mark.parametrize(
    ("text", "raw", "key"),
    [
        ("I met Ion Popescu at the station.", "Ion Popescu", "p-ion"),
        ("I met I. Popescu at the station.", "I. Popescu", "p-ion"),
        ("Popescu Ion told me to go.", "Popescu Ion", "p-ion"),
        ("Then Nelu came back.", "Nelu", "p-ion"),
        ("Stefan Ionescu drove the car.", "Stefan Ionescu", "p-stefan"),
        ("STEFAN IONESCU signed.", "STEFAN IONESCU", "p-stefan"),
        ("Ion Popesku was there too.", "Ion Popesku", "p-ion"),
        ("Maria Lopez paid the rent.", "Maria Lopez", "p-maria"),
        ("ask ion popescu about it", "ion popescu", "p-ion"),
    ],
)
def test_fuzzy_mentions(text: str, raw: str, key: str) -> None:
    assert mentioned(text) == [(raw, key)]


def test_scores_rank_exact_above_fuzzy() -> None:
    exact = find_mentions("Ion Popescu", PEOPLE)[0]
    typo = find_mentions("Ion Popesku", PEOPLE)[0]
    initial = find_mentions("I. Popescu", PEOPLE)[0]
    assert exact.confidence == 1.0
    assert 0.85 <= typo.confidence < exact.confidence
    assert 0.85 <= initial.confidence < exact.confidence


def test_surname_alone_is_a_weaker_partial_mention() -> None:
    found = find_mentions("Later Popescu called me.", PEOPLE)
    assert [(e.raw, e.value) for e in found] == [("Popescu", "p-ion")]
    assert found[0].details["partial"] is True
    assert found[0].confidence < 0.85


def test_different_people_are_not_confused() -> None:
    assert mentioned("Ada Moraru and Ion Pop came.") == []
    assert mentioned("Ana Moraru came.") == [("Ana Moraru", "p-ana")]


def test_no_mention_across_a_line_break_or_comma() -> None:
    assert mentioned("Ion\nPopescu") == []
    assert mentioned("Ion, Popescu") == []


def test_fold_removes_diacritics() -> None:
    assert fold("Ștefan Ţurcanu Müller") == "stefan turcanu muller"


def test_unknown_capitalised_names_are_candidates_only() -> None:
    text = (
        "Yesterday Gheorghe Vasile met us in Bucharest. Then Mr Smith arrived. "
        "The Police came on Monday. Carlos de la Cruz paid."
    )
    cands = [e.raw for e in find_candidates(text)]
    assert cands == ["Gheorghe Vasile", "Smith", "Carlos de la Cruz"]
    assert all(e.kind == "person_candidate" for e in find_candidates(text))


def test_candidates_skip_known_mentions() -> None:
    text = "Ion Popescu and Radu Enache drove."
    spans = [e.span for e in find_mentions(text, PEOPLE)]
    assert [e.raw for e in find_candidates(text, exclude=spans)] == ["Radu Enache"]


def test_candidates_skip_codes_and_organisations() -> None:
    text = "Case no. 2024/113-B. Ref 55 was opened at Banca Transilvania by (J. Smith)."
    assert [e.raw for e in find_candidates(text)] == ["J. Smith"]
