"""Loading and validating statutes, concepts, gap advice and evidence rules."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from palermo.law import (
    EvidenceRuleError,
    LawDataError,
    StatuteError,
    jurisdiction_warning,
    load_concepts,
    load_evidence_rules,
    load_gap_advice,
    load_statutes,
)
from palermo.law.statutes import STATUTES_DIR

EXPECTED = {
    "palermo-art3",
    "us-18-1589",
    "us-18-1589b",
    "us-18-1590",
    "us-18-1591",
    "us-18-1591a2",
    "us-18-1592",
    "us-18-1593",
    "us-18-1594a",
    "us-18-1594b",
    "us-18-1594c",
    "us-18-1594d",
    "uk-msa-s1",
    "uk-msa-s2",
    "uk-msa-s4",
    "eu-2011-36-art2",
}


def test_every_shipped_statute_loads_with_valid_concepts() -> None:
    book = load_statutes(STATUTES_DIR)  # uncached path: really parses every file
    assert set(book.ids()) == EXPECTED
    concepts = load_concepts()
    for statute in book:
        for el in statute.elements:
            assert el.description.strip(), (statute.id, el.id)
            assert set(el.satisfied_by) <= set(concepts)
        if statute.offence:
            assert any(el.required for el in statute.elements), statute.id


def test_shipped_rules_encode_the_domain() -> None:
    book = load_statutes()
    # Child victim waives means (Palermo, EU, US 1591) but not under US 1589.
    for sid in ("palermo-art3", "eu-2011-36-art2", "us-18-1591", "us-18-1591a2"):
        waivers = [r for r in book.get(sid).rules if r.kind == "waiver"]
        assert waivers and waivers[0].when.victim_concept == "victim.minor"
        assert "means" in waivers[0].waives
    assert not [r for r in book.get("us-18-1589").rules if r.kind == "waiver"]
    # Venture liability needs the benefit element.
    for sid in ("us-18-1589b", "us-18-1591a2"):
        benefit = book.get(sid).element("benefit")
        assert benefit.required and benefit.satisfied_by == ["benefit.financial"]
    # 1593 restitution: the greater of gross gain and the FLSA value, with liquidated damages.
    rest = book.get("us-18-1593").restitution
    assert rest is not None and rest.measure == "greater_of"
    flsa = {c.id: c for c in rest.components}["flsa_value"]
    assert "liquidated_damages" in flsa.includes
    assert rest.parameters["flsa_minimum_wage_usd_per_hour"] == 7.25
    # Penalties in months; 1591 minimum of 15 years with force.
    pen = {p.id: p for p in book.get("us-18-1591").penalties}
    assert pen["force-or-under-14"].min_months == 180 and pen["force-or-under-14"].life
    assert {p.id: p for p in book.get("us-18-1589").penalties}["base"].max_months == 240


def test_lookup_by_jurisdiction_and_warning() -> None:
    book = load_statutes()
    assert {s.id for s in book.by_jurisdiction("UK")} == {"uk-msa-s1", "uk-msa-s2", "uk-msa-s4"}
    assert "us-18-1593" not in {s.id for s in book.by_jurisdiction("US")}
    assert {s.id for s in book.for_case("DE")} == {"palermo-art3", "eu-2011-36-art2"}
    assert jurisdiction_warning("us-18-1591", "US") is None
    assert jurisdiction_warning("us-18-1591", "US-CA") is None
    assert jurisdiction_warning("palermo-art3", "PH") is None
    assert jurisdiction_warning("eu-2011-36-art2", "FR") is None
    warning = jurisdiction_warning("us-18-1591", "UK")
    assert warning is not None and "UK" in warning and "1591" in warning
    assert jurisdiction_warning("eu-2011-36-art2", "DK") is not None
    assert jurisdiction_warning("uk-msa-s2", "GB-SCT") is not None
    with pytest.raises(KeyError, match="no-such"):
        book.get("no-such")


GOOD = """
instrument: test-inst
jurisdiction: US
title: Test instrument
source: nowhere
applies_to: [US]
statutes:
  - id: t-1
    title: Test offence
    citation: T 1
    elements:
      act:
        - id: act
          label: Act
          description: An act.
          satisfied_by: [act.recruitment]
      means:
        - id: means
          label: Means
          description: A means.
          satisfied_by: [means.force]
    rules:
      - id: child
        kind: waiver
        when: {victim_concept: victim.minor}
        waives: [means]
        citation: T 1(c)
        explanation: "Means waived: {victims}"
    related:
      - {id: t-lesser, note: "A lesser offence."}
related_offences:
  - {id: t-lesser, title: Lesser, citation: T 2, note: Lesser.}
"""


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def test_good_temp_file_loads(tmp_path: Path) -> None:
    _write(tmp_path, "t.yaml", GOOD)
    book = load_statutes(tmp_path)
    assert book.get("t-1").element("means").kind == "means"
    assert "t-lesser" in book.related_offences


@pytest.mark.parametrize(
    ("old", "new", "key", "words"),
    [
        (
            "      means:\n",
            "      meanz:\n",
            "statutes[t-1].elements.meanz",
            "unknown element kind",
        ),
        (
            "[means.force]",
            "[means.telepathy]",
            "statutes[t-1].elements.means[means].satisfied_by",
            "unknown concept",
        ),
        (
            "waives: [means]",
            "waives: [purpose]",
            "statutes[t-1].rules[child].waives",
            "no element 'purpose'",
        ),
        (
            "{victim_concept: victim.minor}",
            "{victim_concept: victim.tall}",
            "statutes[t-1].rules[child].when.victim_concept",
            "unknown concept",
        ),
        (
            "{id: t-lesser, note",
            "{id: t-nothing, note",
            "statutes[t-1].related[0].id",
            "unknown related offence 't-nothing'",
        ),
        ("kind: waiver", "kind: miracle", "statutes[t-1].rules.0.kind", "Input should be"),
        ("          label: Act\n", "", "statutes[t-1].elements.0.label", "Field required"),
        ("statutes:", "statutez:", "statutez", "unknown top-level key"),
    ],
)
def test_broken_file_names_file_and_key(
    tmp_path: Path, old: str, new: str, key: str, words: str
) -> None:
    assert old in GOOD
    _write(tmp_path, "broken.yaml", GOOD.replace(old, new, 1))
    with pytest.raises(StatuteError) as info:
        load_statutes(tmp_path)
    err = info.value
    assert err.file.endswith("broken.yaml")
    assert err.key == key
    assert words in str(err)


def test_duplicate_id_across_files(tmp_path: Path) -> None:
    _write(tmp_path, "a.yaml", GOOD)
    other = GOOD.replace("instrument: test-inst", "instrument: other").replace(
        "related_offences:\n  - {id: t-lesser, title: Lesser, citation: T 2, note: Lesser.}\n", ""
    )
    _write(tmp_path, "b.yaml", other)
    with pytest.raises(StatuteError) as info:
        load_statutes(tmp_path)
    assert info.value.file.endswith("b.yaml")
    assert info.value.key == "statutes[t-1].id"
    assert "duplicate id 't-1'" in str(info.value) and "a.yaml" in str(info.value)


def test_duplicate_element_id_and_bad_yaml(tmp_path: Path) -> None:
    _write(tmp_path, "dup.yaml", GOOD.replace("- id: means", "- id: act"))
    with pytest.raises(StatuteError, match=r"dup\.yaml: statutes\[t-1\]\.elements\.means\[act\]"):
        load_statutes(tmp_path)
    (tmp_path / "single").mkdir()
    bad = _write(tmp_path / "single", "bad.yaml", "statutes: [unclosed")
    with pytest.raises(StatuteError, match=r"bad\.yaml: \(file\): not valid YAML"):
        load_statutes(bad)


def test_concepts_catch_unquoted_commas(tmp_path: Path) -> None:
    path = _write(tmp_path, "c.yaml", "concepts:\n  a.b: {kind: act, label: One, two}\n")
    with pytest.raises(LawDataError) as info:
        load_concepts(path)
    assert info.value.key == "concepts.a.b.two"
    path = _write(tmp_path, "d.yaml", "concepts:\n  a.b: {kind: actz, label: One}\n")
    with pytest.raises(LawDataError, match=r"concepts\.a\.b\.kind"):
        load_concepts(path)


def test_gap_advice_and_evidence_rules_validate(tmp_path: Path) -> None:
    assert load_gap_advice().by_concept["means.coercion"]
    assert len(load_evidence_rules().rules) >= 6
    advice = _write(
        tmp_path,
        "advice.yaml",
        "source_kinds: {chat: messages}\nby_concept:\n  means.nope: [{kind: chat, seek: x}]\n"
        "by_kind: {}\n",
    )
    with pytest.raises(LawDataError, match=r"advice\.yaml: by_concept\.means\.nope"):
        load_gap_advice(advice)
    advice.write_text(
        "source_kinds: {chat: messages}\nby_concept:\n  means.force: [{kind: fax, seek: x}]\n"
        "by_kind: {}\n"
    )
    with pytest.raises(LawDataError, match=r"by_concept\.means\.force\[0\]\.kind"):
        load_gap_advice(advice)
    rules = _write(
        tmp_path,
        "rules.yaml",
        "contact_kinds: [call]\ntravel_kinds: [trip]\nrules:\n"
        "  - id: r1\n    description: d\n    when: [{field: kind, eq: payment}]\n"
        "    emit: {concept: benefit.imaginary}\n",
    )
    with pytest.raises(EvidenceRuleError, match=r"rules\.yaml: rules\[r1\]\.emit\.concept"):
        load_evidence_rules(rules)
    rules.write_text(
        rules.read_text()
        .replace("eq: payment", "eq: payment, ne: call")
        .replace("benefit.imaginary", "benefit.financial")
    )
    with pytest.raises(EvidenceRuleError, match="exactly one operator"):
        load_evidence_rules(rules)


def test_every_shipped_element_has_gap_advice() -> None:
    from palermo.law import Fact, Suspect, assess_case

    book = load_statutes()
    advice = load_gap_advice()
    offences = [s.id for s in book if s.offence]
    one_fact = [Fact("f1", "act.recruitment", "S", None, "confirmed", "statement:V", "other")]
    for a in assess_case(one_fact, [Suspect("S", tuple(offences))]).results:
        for res in a.elements:
            assert advice.items_for(res), (a.statute_id, res.element_id)
