"""Indicators on real language: lemmas, clause scope, who did what to whom, bad input,
and the measured figures on the labelled sets (locked a little below what was measured)."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from palermo.extract.evaluate import ILO_IDS, SETS, evaluate_indicators, load_set, main
from palermo.extract.indicators import MAX_SENTENCE, bounded, find_indicators, split_sentences
from palermo.extract.lemmas import lemma_line
from palermo.law.concepts import LawDataError
from palermo.law.indicators import (
    expand_lemmas,
    lemma_anchors,
    load_file,
    load_indicators,
    required_literals,
)


def hits(text: str) -> set[str]:
    return {e.value for e in find_indicators(text) if e.value}


@pytest.mark.parametrize(
    ("text", "indicator"),
    [
        # Possessives, determiners and adjectives between the verb and its object.
        ("Ding confiscated the victim's passport.", "document_retention"),
        ("The couple hid the young woman's Indonesian passport.", "document_retention"),
        # A particle before the object.
        ("They would lock up the victims at night.", "restriction_of_movement"),
        ("The defendants held them captive for months.", "restriction_of_movement"),
        # Numbers written the way case summaries write them.
        ("The victim worked 14+ hours/day.", "excessive_overtime"),
        # An adjective before the noun.
        ("They had to repay their smuggling debt.", "debt_bondage"),
        ("He isolated the women by prohibiting them from using the telephone.", "isolation"),
        # Passive voice.
        ("Her passport was taken by the employer.", "document_retention"),
        ("The women were smuggled into Texas.", "transport_transfer"),
        # The act, purpose and victim facts.
        ("Defendant recruited a 15-year-old runaway.", "recruitment"),
        ("Defendant recruited a 15-year-old runaway.", "minor_victim"),
        ("The defendants harbored the workers in a trailer.", "harbouring"),
        ("He forced them to engage in commercial sex acts.", "commercial_sex_acts"),
        ("She was forced to work without pay as a domestic servant.", "forced_labour_services"),
        ("They profited from her forced commercial sexual exploitation.", "financial_benefit"),
        ("He threatened to have the workers arrested and deported.", "immigration_status_abuse"),
        ("He posted ads on escort websites offering the girls.", "advertising_person"),
    ],
)
def test_matching_on_lemmas(text: str, indicator: str) -> None:
    assert indicator in hits(text)


def test_inflections_come_from_the_lemma_table() -> None:
    line = lemma_line("Ding confiscated the victims' passports and was beaten.").line
    assert line.split() == [
        "ding",
        "confiscate",
        "the",
        "victim",
        "'",
        "passport",
        "and",
        "be",
        "beat",
        ".",
    ]


def test_clause_scope_keeps_a_real_assault_after_a_threat() -> None:
    text = (
        "He threatened to harm their families if they attempted to escape; "
        "some were sexually assaulted."
    )
    assert hits(text) == {"intimidation_threats", "physical_sexual_violence"}


def test_violence_that_was_only_threatened_is_not_a_hit() -> None:
    text = "The defendants threatened that they would find the victims and beat them."
    assert hits(text) == {"intimidation_threats"}
    [blocked] = [
        e
        for e in find_indicators(text, include_blocked=True)
        if e.value == "physical_sexual_violence"
    ]
    assert blocked.details["blocked"] == "threatened"


def test_negation_and_findings_of_no_proof() -> None:
    assert hits("He never took my passport.") == set()
    assert "intimidation_threats" not in hits(
        "There was no evidence presented at trial that defendant ever threatened her."
    )
    assert hits("She did not allow the children to go to school.") >= {
        "minor_victim",
        "restriction_of_movement",
    }


def test_statements_of_the_law_are_not_case_facts() -> None:
    text = (
        "In summary, 18 U.S.C. 1591 makes it illegal to recruit, entice, obtain or harbor "
        "a person knowing that the person will be caused to engage in commercial sex acts."
    )
    assert hits(text) == set()


def test_agent_and_patient_where_the_sentence_says_so() -> None:
    [hit] = [
        e
        for e in find_indicators("Once there, defendant Ding confiscated the victim's passport.")
        if e.value == "document_retention"
    ]
    assert hit.details["agent"] == "Ding"
    assert hit.details["patient"] == "the victim"
    s, e = hit.details["agent_span"]
    assert "Once there, defendant Ding confiscated the victim's passport."[s:e] == "Ding"
    [passive] = find_indicators("Her passport was taken by Maria Lopez.")
    assert passive.details["agent"] == "Maria Lopez"


def test_a_run_on_paragraph_is_cut_into_bounded_pieces() -> None:
    rng = random.Random(3)
    words = ["he", "took", "our", "passports", "and", "we", "worked", "every", "day", "then"]
    text = " ".join(rng.choice(words) for _ in range(5000))  # no punctuation at all
    pieces = bounded(split_sentences(text), text)
    assert all(s.end - s.start <= MAX_SENTENCE for s in pieces)
    assert all(text[s.start : s.end] == s.text for s in pieces)
    found = find_indicators(text)
    assert any(e.value == "document_retention" for e in found)
    for e in found:
        s0, s1 = e.details["sentence_span"]
        assert s1 - s0 <= MAX_SENTENCE and s0 <= e.start < e.end <= s1


def test_a_spanish_and_a_mixed_run_on_paragraph_keep_spans_bounded() -> None:
    rng = random.Random(4)
    es = [
        "los",
        "imputados",
        "le",
        "quitaron",
        "el",
        "pasaporte",
        "y",
        "la",
        "obligaron",
        "a",
        "trabajar",
        "sin",
        "paga",
    ]
    en = ["he", "took", "our", "passports", "and", "we", "worked", "every", "day"]
    for words in (es, es + en):
        text = " ".join(rng.choice(words) for _ in range(5000))
        found = find_indicators(text)
        assert any(e.value == "document_retention" for e in found)
        for e in found:
            s0, s1 = e.details["sentence_span"]
            assert s1 - s0 <= MAX_SENTENCE and text[e.start : e.end] == e.raw


def test_chat_without_punctuation_and_ocr_noise_do_not_break_anything() -> None:
    chat = "\n".join(["ok", "u stay inside the room", "boss took ur passport lol"] * 300)
    assert "document_retention" in hits(chat)
    noise = "".join(random.Random(5).choice("aeiou tnrsl,.;:'-0123456789\n") for _ in range(20000))
    for e in find_indicators(noise):
        assert noise[e.start : e.end] == e.raw
    mixed = "El patrón nos quitó los pasaportes. Then he locked us in the room."
    assert hits(mixed) >= {"document_retention", "restriction_of_movement"}


def test_lemma_pattern_syntax_and_errors(tmp_path: Path) -> None:
    import re

    regex = re.compile(expand_lemmas("confiscate ~ {doc}", {"doc": "passport|visa"}))
    assert regex.match("confiscate the victim 's passport ")
    assert not regex.match("confiscate one two three four five six seven passport ")
    head = (
        "language: xx\nindicators:\n  - id: foo\n    label: Foo\n    source: ILO\n"
        "    group: forced_labour\n    concepts: [means.force]\n"
    )
    path = tmp_path / "a.yaml"
    path.write_text(head + "    patterns:\n      - lemma: 'take ~ {nope}'\n", "utf-8")
    with pytest.raises(LawDataError, match="unknown lemma word list"):
        load_file(path)
    path.write_text(head + "    patterns:\n      - lemma: 'take (unclosed'\n", "utf-8")
    with pytest.raises(LawDataError, match="not a valid lemma pattern"):
        load_file(path)
    path.write_text(head + "    patterns:\n      - {pattern: 'took', lemma: 'take'}\n", "utf-8")
    with pytest.raises(LawDataError, match="exactly one"):
        load_file(path)


def test_the_real_sets_keep_their_sources_and_split_by_document() -> None:
    dev = load_set(SETS["real-dev"])
    test = load_set(SETS["real-test"])
    assert len(dev) + len(test) >= 400
    assert {s.doc for s in dev}.isdisjoint({s.doc for s in test})
    assert all(s.source and s.doc and s.voice in ("first", "third") for s in dev + test)
    assert any(s.voice == "first" for s in test)
    known = {ci.id for ci in load_indicators()}
    for s in dev + test:
        assert set(s.expect) <= known and set(s.blocked) <= known
        assert not set(s.expect) & set(s.blocked)


# Figures measured with `palermo indicators evaluate` (see the README of the labelled
# sets) and locked 0.02 below: a change that loses more than that fails here.
LOCKED = {
    ("regression", None): 1.000,
    ("real-dev", None): 0.949,
    ("real-test", None): 0.911,
    ("real-test", "ilo"): 0.953,
    # The development half grew by 146 harder sentences (12 new documents): 0.810 before
    # tuning on them, 0.920 after; then by 127 more (10 new documents): 0.865 before tuning
    # on them, 0.907 after. The floor is lowered from 0.920 to record the grown half
    # honestly (the same patterns score less on the harder half), not because any
    # sentence of the old half got worse. Then by 366 more (29 new documents, in five
    # batches; the last, 47 sentences, measured and not tuned on): 0.493 on them before any
    # tuning, 0.707 after; the older 586 sentences stay at 0.907.
    ("first-person-dev", None): 0.854,
    ("first-person-test", None): 0.630,
    ("first-person-test2", None): 0.811,
    ("first-person-test2", "ilo"): 0.857,
    ("first-person-test3", None): 0.634,
    ("first-person-test3", "ilo"): 0.577,
    ("first-person-test4", None): 0.539,
    ("first-person-test4", "ilo"): 0.552,
    ("spanish-dev", None): 0.984,
    ("spanish-test", None): 0.887,
}


@pytest.mark.parametrize(("name", "only"), sorted(LOCKED, key=str))
def test_measured_figures_do_not_fall(name: str, only: str | None) -> None:
    report = evaluate_indicators(SETS[name], ILO_IDS if only else None)
    assert report.micro.f1 >= LOCKED[(name, only)] - 0.02, report.table()


def test_evaluate_prints_every_set(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([]) == 0
    out = capsys.readouterr().out
    assert out.count("micro") == len(SETS)
    assert (
        "real_test.jsonl" in out and "first_person_test.jsonl" in out and "regression.yaml" in out
    )
    assert main(["real-test", "--ilo"]) == 0
    assert "(ILO ids)" in capsys.readouterr().out


def test_evaluate_names_an_unknown_set_and_shows_its_usage(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["real-tset"]) == 2
    assert "no such labelled set or file: real-tset" in capsys.readouterr().err
    assert main(["--help"]) == 0
    assert "first-person-test4" in capsys.readouterr().out


def test_cli_evaluate_prints_per_indicator_figures() -> None:
    from typer.testing import CliRunner

    from palermo.cli.main import app

    result = CliRunner().invoke(app, ["indicators", "evaluate", "--ilo"])
    assert result.exit_code == 0, result.output
    assert result.output.count("micro") == len(SETS)
    assert "document_retention" in result.output
    missing = CliRunner().invoke(app, ["indicators", "evaluate", "/nonexistent/set.jsonl"])
    assert missing.exit_code != 0 and "not found" in missing.output


def _document(doc: str) -> str:
    return " ".join(s.text for name in SETS for s in load_set(SETS[name]) if s.doc == doc)


@pytest.mark.parametrize(
    ("doc", "statutes"),
    [
        ("htd-ding", ["palermo-art3", "us-18-1590", "eu-2011-36-art2", "uk-msa-s2"]),
        ("doj-1998-cadena", ["palermo-art3", "us-18-1591", "eu-2011-36-art2"]),
    ],
)
def test_a_real_case_summary_supports_act_means_and_purpose(doc: str, statutes: list[str]) -> None:
    from palermo.law.statutes import load_statutes

    text = _document(doc)
    assert text
    concepts = {c for e in find_indicators(text) for c in e.details["concepts"]}
    book = load_statutes()
    for sid in statutes:
        for el in book.get(sid).elements:
            if el.kind in ("act", "means", "purpose"):
                assert concepts & set(el.satisfied_by), (sid, el.id, sorted(concepts))


def test_every_new_indicator_supports_an_element_of_every_trafficking_statute() -> None:
    from palermo.law.statutes import load_statutes

    book = load_statutes()
    catalogue = {ci.id: set(ci.indicator.concepts) for ci in load_indicators()}
    new = ["recruitment", "transport_transfer", "harbouring", "forced_labour_services"]
    for sid in ("palermo-art3", "eu-2011-36-art2", "uk-msa-s2", "us-18-1590"):
        supported = {c for el in book.get(sid).elements for c in el.satisfied_by}
        for ind in new:
            assert catalogue[ind] & supported, (sid, ind)


@pytest.mark.parametrize(
    ("text", "indicator"),
    [
        ("Sabían que estábamos sin papeles y nadie nos iba a creer.", "abuse_of_vulnerability"),
        ("Nos prometieron un trabajo de camarera, pero era mentira.", "deception"),
        ("No nos dejaban salir de la casa.", "restriction_of_movement"),
        ("Nos quitaron los celulares.", "isolation"),
        ("El encargado la golpeaba.", "physical_sexual_violence"),
        ("Me amenazó con llamar a migración.", "intimidation_threats"),
        ("Me amenazó con llamar a migración.", "immigration_status_abuse"),
        ("La patrona nos quitó los pasaportes.", "document_retention"),
        ("Nunca me pagaron.", "withholding_wages"),
        ("Decía que le debíamos el pasaje y la comida.", "debt_bondage"),
        ("Dormíamos en el suelo del almacén, sin agua.", "abusive_conditions"),
        ("Trabajábamos catorce horas al día.", "excessive_overtime"),
    ],
)
def test_spanish_patterns_cover_every_ilo_indicator(text: str, indicator: str) -> None:
    assert indicator in hits(text)


def test_spanish_negation() -> None:
    assert hits("Nunca me quitaron el pasaporte.") == set()


@pytest.mark.parametrize(
    ("text", "indicator"),
    [
        ("Los imputados captaron a las víctimas en Paraguay.", "recruitment"),
        ("Las mujeres fueron trasladadas a Buenos Aires en micro.", "transport_transfer"),
        ("Eran acogidas en un departamento del centro.", "harbouring"),
        ("Dos de las víctimas eran menores de edad.", "minor_victim"),
        ("Las obligaban a prostituirse en una whiskería de la ruta.", "commercial_sex_acts"),
        ("Los sometían a servidumbre en el campo.", "forced_labour_services"),
        ("Obtenían un beneficio económico de la explotación.", "financial_benefit"),
        ("Le retuvieron el pasaporte al llegar.", "document_retention"),
        ("Las víctimas fueron golpeadas por el encargado.", "physical_sexual_violence"),
    ],
)
def test_spanish_lemma_patterns_read_inflected_court_prose(text: str, indicator: str) -> None:
    assert indicator in hits(text)


def test_spanish_statements_of_law_and_threatened_harm_are_not_hits() -> None:
    law = (
        "El que mediante engaño o violencia capta, traslada o acoge a otro con fines de "
        "explotación es reprimido con pena de prisión."
    )
    assert hits(law) == set()
    threatened = "Tenían prohibida la salida bajo la amenaza de que serían golpeadas."
    got = hits(threatened)
    assert "restriction_of_movement" in got and "physical_sexual_violence" not in got
    # "de 30 a 35 dólares" is a price, not working hours.
    assert "excessive_overtime" not in hits("Cada cliente pagó de 30 a 35 dólares por el pase.")
    # A minor perpetrator or a prison term in years does not make a minor victim.
    assert "minor_victim" not in hits("Fue condenado a 15 años de prisión por la explotación.")


def test_a_mixed_language_page_is_read_in_both_languages() -> None:
    page = (
        "The defendant confiscated the workers' passports and forced them to work. "
        "Según el testimonio de la víctima, los imputados la trasladaron a Córdoba y la "
        "obligaron a prostituirse en un prostíbulo de la ruta."
    )
    got = hits(page)
    assert {"document_retention", "forced_labour_services"} <= got
    assert {"transport_transfer", "commercial_sex_acts"} <= got


def test_an_english_page_is_not_read_as_spanish() -> None:
    from palermo.extract.indicators import _looks_like

    english = (
        "Maria de la Cruz told agents that the defendant drove her to El Paso and that she "
        "was paid nothing for the work she did at the restaurant."
    )
    assert not _looks_like("es", english)
    assert _looks_like("es", "Las víctimas eran captadas en el norte del país.")


def test_general_statements_and_names_are_not_case_facts() -> None:
    assert hits("Human trafficking is compelling someone to work against their will.") == set()
    month = "National Slavery and Human Trafficking Prevention Month"
    assert hits(f"The office held events during {month} last year.") == set()
    assert "forced_labour_services" in hits("The defendants held the workers in forced labor.")


@pytest.mark.parametrize("name", ["first-person", "spanish"])
def test_the_added_real_sets_split_by_document(name: str) -> None:
    dev = load_set(SETS[f"{name}-dev"])
    test = load_set(SETS[f"{name}-test"])
    assert {s.doc for s in dev}.isdisjoint({s.doc for s in test})
    assert all(s.source.startswith("http") and s.doc and s.id for s in dev + test)
    known = {ci.id for ci in load_indicators()}
    assert all(set(s.expect) <= known for s in dev + test)


def test_attribution_is_scored_against_the_labelled_parties(tmp_path: Path) -> None:
    from palermo.extract.evaluate import evaluate_attribution

    right = tmp_path / "right.jsonl"
    right.write_text('{"id": "htd-ding#2", "agent": ["Ding"], "patient": ["victim"]}\n', "utf-8")
    got = evaluate_attribution(right, ("real-dev",))["real-dev"]
    assert got.hits >= 2 and got.agent_right >= 1
    wrong = tmp_path / "wrong.jsonl"
    wrong.write_text('{"id": "htd-ding#2", "agent": ["Nobody"], "patient": []}\n', "utf-8")
    assert evaluate_attribution(wrong, ("real-dev",))["real-dev"].agent_right < got.agent_right
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": "htd-ding#2"}\n', "utf-8")
    with pytest.raises(ValueError, match="line 1"):
        evaluate_attribution(bad, ("real-dev",))


def test_what_someone_would_do_if_is_a_threat_and_keeping_in_contact_is_not_isolation() -> None:
    got = hits("She gave the money to Wright, as Wright would beat her if she did not pay him.")
    assert "physical_sexual_violence" not in got
    assert "isolation" not in hits("The buyer kept in contact with her over the next day.")
    assert "isolation" in hits("The defendant kept the women from speaking to their families.")
    definition = "Domestic servitude is a form of trafficking that is hard to detect."
    assert "forced_labour_services" not in hits(definition)


@pytest.mark.parametrize(
    ("text", "indicator"),
    [
        ("We were always watched by the manager's brother.", "restriction_of_movement"),
        ("My sister and I were kept apart for two years.", "isolation"),
        ("Nobody was allowed to visit us in the house.", "isolation"),
        ("They warned us not to talk to the neighbours.", "isolation"),
        ("He told me that he could hurt my mother back home.", "intimidation_threats"),
        ("We had to keep quiet or else we would be reported.", "intimidation_threats"),
        ("The boss put a knife to my throat.", "intimidation_threats"),
        ("Our wages were taken from us every Friday.", "withholding_wages"),
        ("They only paid us $200 for the whole season.", "withholding_wages"),
        ("I borrowed the fare as a loan from the recruiter.", "debt_bondage"),
        ("We worked 16-hour shifts in the packing plant.", "excessive_overtime"),
        ("I was promised a wage of $900 and a room.", "recruitment"),
        ("She sold us to a man in the next town.", "transport_transfer"),
        ("Later I discovered the contract was fake.", "deception"),
        ("They treated me like a slave.", "forced_labour_services"),
        ("Then I was 14 and he sold me.", "minor_victim"),
        ("The agency forged our visas.", "immigration_status_abuse"),
    ],
)
def test_first_person_phrasing(text: str, indicator: str) -> None:
    assert indicator in hits(text)


def test_could_of_purpose_or_threat_and_not_knowing_that_it_happened() -> None:
    assert "debt_bondage" in hits("I stayed so I could work off my debt.")
    assert "immigration_status_abuse" in hits("He said the boss could deport us at any time.")
    assert "debt_bondage" not in hits("Perhaps he could work off the debt one day.")
    assert "deception" in hits("I did not realize that I was being taken for a ride.")
    never = "I did not know where he kept my passport, he never took it."
    assert "document_retention" not in hits(never)
    assert "minor_victim" not in hits("I was 15 minutes late to work.")
    assert "transport_transfer" not in hits("The job would bring us closer to our family.")


@pytest.mark.parametrize(
    ("text", "indicator"),
    [
        ("I never saw my passport again.", "document_retention"),
        ("I couldn't talk to anyone.", "isolation"),
        ("They said I had to pay back the cost of the ticket.", "debt_bondage"),
        ("They said the police would arrest me.", "immigration_status_abuse"),
        ("I worked for nothing.", "withholding_wages"),
        ("I was only 16 when it started.", "minor_victim"),
        ("I was fourteen when he brought me here.", "minor_victim"),
        ("My neighbor told me about a job in the city.", "recruitment"),
        ("They took me to another city.", "transport_transfer"),
        ("I had to see ten men a night.", "commercial_sex_acts"),
        ("He made me sell my body.", "commercial_sex_acts"),
        ("He put me on the street.", "commercial_sex_acts"),
        ("The job was not what they said.", "deception"),
    ],
)
def test_more_first_person_phrasing(text: str, indicator: str) -> None:
    assert indicator in hits(text)


def test_a_stated_age_of_someone_else_or_of_minutes_is_not_a_minor_victim() -> None:
    assert "minor_victim" not in hits(
        "Her eldest son is now sixteen, and her twins are ten years old."
    )


def test_a_child_slave_and_ages_of_10_to_17_are_minor_victims() -> None:
    assert "minor_victim" in hits("From the ages of 11 to 16 I worked in his house.")
    assert "minor_victim" in hits("I was a child slave in that house.")
    assert "forced_labour_services" in hits("I became a slave in their home.")
    assert "isolation" in hits("In that country I had no friends or family.")
    assert "excessive_overtime" in hits("We worked fifteen or more hours a day.")
    assert "withholding_wages" in hits("We were not given any wages.")
    assert "minor_victim" not in hits("The statute applies from the age of 18.")


def test_lemma_patterns_are_anchored_on_their_rarest_words() -> None:
    # Any mandatory word is a correct anchor; "be" stands on nearly every line, so the
    # pattern would be tried everywhere.
    assert lemma_anchors("i|we be ~ lock|trap") == frozenset({"lock", "trap"})
    assert lemma_anchors("be ~ not") == frozenset({"be"})  # only common words: the fewest
    assert lemma_anchors("(?<!i\\x20)owe") is None


def test_a_long_page_finds_what_its_sentences_find_alone() -> None:
    # Surface patterns search only the sentences holding one of their words, lemma
    # patterns only those holding an anchor: nothing is lost on a page of many sentences.
    indicative = [
        "He took my passport and kept it in his safe.",
        "We were never allowed to leave the house alone.",
        "I had to give all the money to the boss every night.",
        "She said I owed her 5,000 euros for the trip.",
        "They locked us in the flat when they went out.",
        "We worked 16 hours a day, seven days a week.",
        "He threatened to hurt my family if I went to the police.",
    ]
    filler = ["The weather was cold that winter.", "We took the bus to the market."]
    rng = random.Random(7)
    sentences = [rng.choice(filler) for _ in range(30)]
    for i, sentence in enumerate(indicative):
        sentences.insert(3 + i * 4, sentence)
    alone = {(e.value, e.details["indicator"]) for s in indicative for e in find_indicators(s)}
    page = {(e.value, e.details["indicator"]) for e in find_indicators(" ".join(sentences))}
    assert len(alone) >= len(indicative)
    assert page == alone


def test_a_case_sensitive_part_gives_no_prefilter_word() -> None:
    # Prefilter words are looked for in the lower-cased page: "Bosses" would never be.
    assert required_literals(r"(?:(?-i:Bosses)\W+pay)") == ("pay",)
    assert required_literals(r"(?:(?-i:[A-Z][a-z]+)\W+(?-i:Boss))") is None
