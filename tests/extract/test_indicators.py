from __future__ import annotations

from pathlib import Path

import pytest

from palermo.extract.evaluate import DEFAULT_PATH, SETS, evaluate_indicators, main
from palermo.extract.indicators import find_indicators, is_question, split_sentences
from palermo.law.concepts import LawDataError, load_concepts
from palermo.law.indicators import HERE, expand, load_file, load_indicators

HOLDOUT = Path(__file__).parent / "data" / "indicator_sentences_holdout.yaml"


def hits(text: str) -> set[str]:
    return {e.value for e in find_indicators(text) if e.value}


@pytest.mark.parametrize(
    ("positive", "negative"),
    [
        ("He took my passport.", "He never took my passport."),
        ("I was threatened every day.", "I was not threatened."),
        ("He beat me.", "Nobody beat me."),
        ("They locked us in the room.", "It is not true that they locked us in the room."),
        ("He kept our passports.", "He denied that he kept our passports."),
    ],
)
def test_negation_is_not_a_hit(positive: str, negative: str) -> None:
    assert hits(positive)
    assert hits(negative) == set()


@pytest.mark.parametrize(
    "text",
    [
        "If you don't pay he might hurt you.",
        "He might take our passports.",
        "Maybe they will keep our wages.",
        "Did he take your passport?",
        "Were you allowed to leave the house",
        "¿Te quitó el pasaporte?",
        "If we tried to run, he would take our passports.",
        "He will take your passport tomorrow.",
    ],
)
def test_hypotheticals_and_questions_are_not_hits(text: str) -> None:
    assert hits(text) == set()


def test_negation_inside_the_pattern_is_a_hit() -> None:
    assert hits("They never paid us.") == {"withholding_wages"}
    assert hits("We were not allowed to leave.") == {"restriction_of_movement"}


def test_conditional_threats_are_hits() -> None:
    assert hits("If you leave, I will kill your mother.") == {"intimidation_threats"}
    assert hits("He said that if I talked he would call immigration.") == {
        "intimidation_threats",
        "immigration_status_abuse",
    }


def test_negation_in_an_earlier_clause_does_not_leak() -> None:
    assert hits("He did not smile, and he beat me.") == {"physical_sexual_violence"}


def test_hit_carries_provenance_and_concepts() -> None:
    text = "First line.\nOn day one the driver took our passports at the airport."
    [hit] = find_indicators(text, page=4)
    assert hit.kind == "indicator" and hit.value == "document_retention"
    assert hit.page == 4
    assert text[hit.start : hit.end] == hit.raw == "took our passports"
    s, e = hit.details["sentence_span"]
    assert (
        text[s:e]
        == hit.details["sentence"]
        == ("On day one the driver took our passports at the airport.")
    )
    assert hit.details["concepts"] == ["means.document_retention", "means.coercion"]
    assert hit.details["source"] == "ILO"
    assert 0 < hit.confidence <= 1


def test_include_blocked_explains_a_miss() -> None:
    [e] = find_indicators("He never took my passport.", include_blocked=True)
    assert e.details["blocked"] == "negated" and e.confidence == 0


def test_sentence_splitting_keeps_abbreviations_and_wrapped_lines() -> None:
    text = "Mr. Popescu met I. Ionescu at 5 p.m. in the bar.\nHe said\nhe would return. Ok!"
    sentences = [s.text for s in split_sentences(text)]
    assert sentences == [
        "Mr. Popescu met I. Ionescu at 5 p.m. in the bar.",
        "He said\nhe would return.",
        "Ok!",
    ]
    for s in split_sentences(text):
        assert text[s.start : s.end] == s.text


def test_is_question() -> None:
    assert is_question("Did he hit you")
    assert not is_question("He hit me.")


def test_a_buyer_question_is_a_hit_other_questions_are_not() -> None:
    assert hits("How much for an hour?") == {"buyer_solicitation"}
    assert hits("Did he take your passport?") == set()
    assert hits("How much is the rent?") == set()


def test_own_words_indicators_say_so() -> None:
    [hit] = find_indicators("The ad says 18 but she looks much younger. Fine by me.")
    assert hit.value == "apparent_minor" and hit.details["own_words"] is True
    assert hit.details["concepts"] == ["mental.reckless_disregard"]
    [other] = find_indicators("He took my passport.")
    assert "own_words" not in other.details


def test_holder_of_documents_in_own_words() -> None:
    assert hits("I have your passport, you get it back when you pay.") == {"document_retention"}
    assert hits("Bring your passport, I keep it for the trip.") == {"document_retention"}
    assert hits("I have my passport and my ticket.") == set()


def test_commercial_sex_and_advert_wording() -> None:
    assert hits("You need to see ten johns tonight.") == {"commercial_sex_acts"}
    assert hits("We booked the dates for the wedding.") == set()
    assert hits("Sweet and new in town, incall and outcall.") == {"sex_ad_language"}


def test_press_release_wording() -> None:
    """Wording of real US Department of Justice releases and state filings."""
    assert hits("Afterward, Arnold kept half of the proceeds.") == {"financial_benefit"}
    assert hits("The case proceeds to trial next week.") == set()
    assert hits(
        "The jury found that Zhong engaged in the alien smuggling for commercial gain."
    ) == {
        "financial_benefit",
        "transport_transfer",
    }
    assert "advertising_person" in hits(
        "Arnold used websites such as Backpage to advertise the commercial sex acts."
    )
    assert hits(
        "The Kwons are accused of depriving Hong of more than $19,000 in overtime wages."
    ) == {"withholding_wages"}


def test_survivor_wording() -> None:
    """Deception by silence, being tricked or talked into going, being seized and taken."""
    assert "deception" in hits("They didn't tell me I'd be a prostitute.")
    assert "recruitment" in hits("I was tricked into travelling to Ivory Coast.")
    assert "recruitment" in hits("My uncle talked me into going to the Middle East for work.")
    assert "transport_transfer" in hits("They grabbed me and took me to a bunker.")
    assert hits("He never told me about the prostitution ring he ran.") == set()
    assert hits("My mother talked me into going back to school.") == set()
    assert "withholding_wages" in hits("He took the money and barely gave me enough for food.")
    assert hits("They gave us 250 dinars each, half of what we were promised in Dhaka.") >= {
        "deception",
        "withholding_wages",
    }
    assert "withholding_wages" in hits("We had our pay or food supply withheld.")
    assert hits("When there was no work, he kept us locked indoors.") == {"restriction_of_movement"}
    assert hits("We lived in a congested apartment.") == {"abusive_conditions"}
    assert hits("The road was congested.") == set()
    assert "transport_transfer" in hits("They took us to Seremban to work with another company.")


def test_spanish_patterns() -> None:
    assert hits("El patrón nos quitó los pasaportes.") == {"document_retention"}
    assert hits("Él nunca me golpeó.") == set()


def test_every_indicator_uses_only_known_concepts_and_has_patterns() -> None:
    concepts = load_concepts()
    catalogue = load_indicators()
    assert len(catalogue) >= 30
    groups = {ind.indicator.group for ind in catalogue}
    assert groups == {"forced_labour", "sexual_exploitation", "financial", "mental_state"}
    assert sum(1 for i in catalogue if i.indicator.source == "ILO") == 11
    for ind in catalogue:
        assert ind.patterns
        assert set(ind.indicator.concepts) <= set(concepts)
    es = [i for i in catalogue if any(p.language == "es" for p in i.patterns)]
    assert len(es) >= 5


def test_unknown_concept_is_an_error_naming_file_and_key(tmp_path: Path) -> None:
    bad = tmp_path / "xx.yaml"
    bad.write_text(
        "language: xx\nindicators:\n  - id: foo\n    label: Foo\n    source: ILO\n"
        "    group: forced_labour\n    concepts: [means.nonsense]\n    patterns: ['foo']\n",
        "utf-8",
    )
    with pytest.raises(LawDataError) as info:
        load_file(bad)
    assert str(bad) in str(info.value)
    assert info.value.key == "indicators[0](foo).concepts"
    assert "means.nonsense" in info.value.reason


def test_unknown_word_list_and_bad_regex_are_errors(tmp_path: Path) -> None:
    head = (
        "language: xx\nindicators:\n  - id: foo\n    label: Foo\n    source: ILO\n"
        "    group: forced_labour\n    concepts: [means.force]\n"
    )
    path = tmp_path / "a.yaml"
    path.write_text(head + "    patterns: ['{nope} here']\n", "utf-8")
    with pytest.raises(LawDataError, match="unknown word list"):
        load_file(path)
    path.write_text(head + "    patterns: ['(unclosed']\n", "utf-8")
    with pytest.raises(LawDataError, match="not a valid pattern"):
        load_file(path)
    path.write_text(
        head.replace("source: ILO", "source: Nobody") + "    patterns: ['x']\n", "utf-8"
    )
    with pytest.raises(LawDataError, match=r"indicators\.0\.source"):
        load_file(path)


def test_languages_must_agree_on_concepts(tmp_path: Path) -> None:
    other = tmp_path / "zz.yaml"
    other.write_text(
        "language: zz\nindicators:\n  - id: document_retention\n    label: X\n"
        "    source: ILO\n    group: forced_labour\n    concepts: [means.force]\n"
        "    patterns: ['pasaporte']\n",
        "utf-8",
    )
    with pytest.raises(LawDataError, match="concepts differ"):
        load_indicators([HERE / "en.yaml", other])


def test_pattern_syntax() -> None:
    regex = expand("{take} my ... passport", {"take": "took|take"})
    import re

    assert re.search(regex, "he took my old red passport")
    assert not re.search(regex, "he took my one two three four five six seven passport")
    # Matches must start on a word boundary (checked by the engine, not the regex).
    assert hits("The clerk mistook my passport for hers.") == set()
    assert hits("The clerk took my passport.") == {"document_retention"}


def test_labelled_set_quality() -> None:
    report = evaluate_indicators(DEFAULT_PATH)
    real = [evaluate_indicators(SETS[name]) for name in ("real-dev", "real-test")]
    assert report.sentences >= 150
    # Every indicator has at least one positive example, hand-written or real.
    for ind, s in report.per_indicator.items():
        assert s.tp + s.fn + sum(r.per_indicator[ind].tp + r.per_indicator[ind].fn for r in real)

    assert report.micro.f1 >= 0.85, report.table()


def test_held_out_quality() -> None:
    report = evaluate_indicators(HOLDOUT)
    assert report.micro.f1 >= 0.85, report.table()


def test_evaluate_entry_point_prints_the_table(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([str(HOLDOUT)]) == 0
    out = capsys.readouterr().out
    assert "micro" in out and "document_retention" in out


def test_leading_look_behinds_are_checked_after_the_search() -> None:
    """A pattern that starts with a look-behind is searched without it and the look-behind
    checked where the match starts: the same hits as the pattern run whole."""
    import re

    from palermo.extract.indicators import _guarded, _matches

    whole = re.compile(r"(?:(?<!\bi\s)(?<!\bwe\s)(?:took|kept) (?:my|our) passports?)(?![\w])")
    search, guard = _guarded(whole)
    assert guard is not None and not search.pattern.startswith("(?:(?<!")
    text = "i took my passport. he took my passport. we kept our passports; they kept our passport"
    got = [text[m.start() : m.end()] for m in _matches(whole, text)]
    assert got == [m.group() for m in whole.finditer(text)]
    assert got == ["took my passport", "kept our passport"]
    # An alternation at the top of the group keeps its look-behind inside the pattern.
    either = re.compile(r"(?:(?<!\bi\s)took|kept)")
    assert _guarded(either) == (either, None)
