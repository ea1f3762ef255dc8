"""Victims' own words: first-person phrasing, chat spelling, and what does not count."""

from __future__ import annotations

import pytest

from palermo.extract.evaluate import SETS, load_set
from palermo.extract.indicators import find_indicators


def hits(text: str) -> set[str]:
    return {e.value for e in find_indicators(text) if e.value}


@pytest.mark.parametrize(
    ("text", "indicator"),
    [
        ("My boyfriend told me I could be a waitress in Portugal.", "recruitment"),
        ("A man approached me with promises of work.", "recruitment"),
        ("He not only offered me a job, but also a home.", "recruitment"),
        ("She said she could help me get work abroad.", "recruitment"),
        ("After maybe several months I realised that I had not been paid.", "withholding_wages"),
        ("they dont let me go out", "restriction_of_movement"),
        ("i cant leave they watch me all the time", "restriction_of_movement"),
        ("We couldn't go anywhere without him.", "restriction_of_movement"),
        ("I was kept in a room for weeks.", "restriction_of_movement"),
        ("I had to pay back $30,000 for the trip.", "debt_bondage"),
        ("He said he would also tell my family.", "intimidation_threats"),
        ("They would tell the police I had stolen from them.", "immigration_status_abuse"),
        ("He could take our visas away and deport us.", "intimidation_threats"),
        ("I was afraid they would kill me.", "intimidation_threats"),
        ("I haven't been able to call them.", "isolation"),
        ("They don't allow us to keep a mobile.", "isolation"),
        ("We don't have any day off.", "no_days_off"),
        ("we work from morning till night", "excessive_overtime"),
        ("The manager didn't give us water.", "abusive_conditions"),
        ("I never had my passport, the madam kept it.", "document_retention"),
        ("I didn't know any German.", "abuse_of_vulnerability"),
        ("We were being sold into prostitution.", "transport_transfer"),
        ("He sold me to men.", "commercial_sex_acts"),
        ("The job they promised didn't exist.", "deception"),
        ("I was tricked.", "deception"),
    ],
)
def test_first_person_phrasing_is_found(text: str, indicator: str) -> None:
    assert indicator in hits(text)


@pytest.mark.parametrize(
    ("text", "indicator"),
    [
        ("I was free to leave.", "restriction_of_movement"),
        ("I was never locked in.", "restriction_of_movement"),
        ("I was afraid he would lock me in.", "restriction_of_movement"),
        ("If I tried to escape they would kill me.", "restriction_of_movement"),
        ("he didnt take my passport", "document_retention"),
        ("I kept my own passport.", "document_retention"),
        ("The salary I was earning wasn't enough to pay my school fees.", "withholding_wages"),
        ("That's when it hit me: I was homeless.", "physical_sexual_violence"),
        ("He was a predator capable of extreme violence.", "physical_sexual_violence"),
        ("I was raped and forced to do it.", "forced_labour_services"),
        ("He not only offered me a job, but also a home.", "deception"),
        ("I could call my family whenever I wanted.", "isolation"),
        ("I work eight hours a day.", "excessive_overtime"),
    ],
)
def test_what_does_not_count(text: str, indicator: str) -> None:
    assert indicator not in hits(text)


def test_a_threat_to_kill_if_i_escape_is_a_threat_not_an_escape() -> None:
    got = hits("If I tried to escape they would find me and kill me.")
    assert "intimidation_threats" in got
    assert "restriction_of_movement" not in got and "physical_sexual_violence" not in got


def test_the_frozen_first_person_halves_are_apart_from_the_development_half() -> None:
    dev = load_set(SETS["first-person-dev"])
    halves = [load_set(SETS[f"first-person-test{n}"]) for n in ("", "2", "3")]
    frozen = [s for half in halves for s in half]
    assert {s.doc for s in dev}.isdisjoint({s.doc for s in frozen})
    for a in range(3):
        for b in range(a + 1, 3):
            assert {s.doc for s in halves[a]}.isdisjoint({s.doc for s in halves[b]})
    assert len(halves[1]) >= 100 and len(halves[2]) >= 150
    assert all(s.voice == "first" and s.source.startswith("http") for s in frozen)
