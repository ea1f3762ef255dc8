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
    halves = [load_set(SETS[f"first-person-test{n}"]) for n in ("", "2", "3", "4")]
    frozen = [s for half in halves for s in half]
    assert {s.doc for s in dev}.isdisjoint({s.doc for s in frozen})
    for a in range(len(halves)):
        for b in range(a + 1, len(halves)):
            assert {s.doc for s in halves[a]}.isdisjoint({s.doc for s in halves[b]})
    assert len(halves[1]) >= 100 and len(halves[2]) >= 150 and len(halves[3]) >= 100
    assert len({s.doc for s in halves[3]}) >= 12
    assert all(s.voice == "first" and s.source.startswith("http") for s in frozen)


@pytest.mark.parametrize(
    ("text", "indicator"),
    [
        # Offers of work and pay, told as a story.
        ("They told me I would work in a restaurant.", "recruitment"),
        ("She said I could work as a cleaner and earn 800 euros a month.", "recruitment"),
        ("He promised me good money in America.", "recruitment"),
        ("He convinced my parents that I would study in America.", "recruitment"),
        ("I came to Italy on the promise of a cousin.", "recruitment"),
        # Deception about work and pay.
        ("They paid us much less than they promised.", "deception"),
        ("The deduction was not mentioned in the contract.", "deception"),
        ("They made me sign a new contract with a lower salary.", "deception"),
        ("I thought I was going to be a waitress.", "deception"),
        ("They lied about everything, the pay, the hours, the house.", "deception"),
        # Pay withheld or cut to a pittance.
        ("He only gave me about £15 a week.", "withholding_wages"),
        ("They pay just 30p per day.", "withholding_wages"),
        ("My wages were paid to the man who brought me here.", "withholding_wages"),
        ("We were paid nothing.", "withholding_wages"),
        ("I worked for months without getting paid.", "withholding_wages"),
        ("My employer held back my salary.", "withholding_wages"),
        ("They kept saying they would pay me next month.", "withholding_wages"),
        # Debts.
        ("He said I could pay him back when I got my wages.", "debt_bondage"),
        ("I could never pay it off.", "debt_bondage"),
        ("They added interest every month.", "debt_bondage"),
        # Threats and confinement.
        ("They will only beat you if you try.", "intimidation_threats"),
        ("He told us we would be arrested if we left.", "intimidation_threats"),
        ("He showed me a gun and said he would use it.", "intimidation_threats"),
        ("They warned us that they knew where our families lived.", "intimidation_threats"),
        ("No one could leave the boat.", "restriction_of_movement"),
        ("I was only ever allowed to leave the house to buy milk.", "restriction_of_movement"),
        ("I was completely trapped like this for six months.", "restriction_of_movement"),
        ("The gate was always locked.", "restriction_of_movement"),
        ("We were not free to go anywhere.", "restriction_of_movement"),
        ("The man said he needed my passport, so I gave it to him.", "document_retention"),
        ("I had to hand over my passport when I arrived.", "document_retention"),
        # Conditions, hours, days, the journey.
        ("Twenty-four men slept in one room with bunk beds.", "abusive_conditions"),
        ("There were only four showers for forty men.", "abusive_conditions"),
        ("The room was full of roaches and mice.", "abusive_conditions"),
        ("The food they gave us was rotten.", "abusive_conditions"),
        ("We were not allowed to see a doctor.", "abusive_conditions"),
        ("We wake up 6am, they bring us back at 11pm.", "excessive_overtime"),
        ("The hours were long.", "excessive_overtime"),
        ("I was never allowed a day off.", "no_days_off"),
        ("We were forced to get on a ship at night.", "transport_transfer"),
        ("They flew me to New York.", "transport_transfer"),
        ("I had to make $500 a night.", "commercial_sex_acts"),
        ("They knew I was desperate and had no money.", "abuse_of_vulnerability"),
        ("They forced us to pick tomatoes.", "forced_labour_services"),
        ("They kept me at their house for three years.", "harbouring"),
        ("I could only speak to my mother once a year.", "isolation"),
        ("We were not given any gloves or boots.", "abusive_conditions"),
        ("I ate only once a day.", "abusive_conditions"),
    ],
)
def test_survivors_language_for_work_pay_debt_threats_and_confinement(
    text: str, indicator: str
) -> None:
    assert indicator in hits(text)


@pytest.mark.parametrize(
    "text",
    [
        "He had a gun permit.",
        "I felt trapped and just had to take it.",
        "She was trapped in sex trafficking for years.",
        "The wage is very low there; it is maybe $46 a week.",
        "I kept my passport in my bag.",
        "My father worked in a factory for twenty years.",
        "HSI agents said the investigation would continue.",
        "The defendant had a prior conviction for a firearms offense.",
        "We paid our transport to work every morning.",
        "At first I did not mind the work.",
        "My goal was to take my salary to build a house for my family.",
    ],
)
def test_what_the_new_phrasings_leave_alone(text: str) -> None:
    got = hits(text)
    assert not got & {
        "intimidation_threats",
        "restriction_of_movement",
        "withholding_wages",
        "document_retention",
        "transport_transfer",
        "financial_benefit",
        "recruitment",
    }, got


def test_what_a_worker_was_left_with_is_no_financial_benefit() -> None:
    got = hits("I was only able to keep $40 for a week's work.")
    assert "withholding_wages" in got and "financial_benefit" not in got


def test_not_minding_the_work_does_not_negate_it() -> None:
    assert "excessive_overtime" in hits(
        "At first I didn't mind working from sunrise to sunset picking fruit."
    )


@pytest.mark.parametrize(
    ("text", "indicator"),
    [
        # A promise of work or pay, then the contrast, told as a story.
        (
            "He said I would work in a restaurant, but when I arrived I was taken to a brothel.",
            "deception",
        ),
        ("He told me I would be working in a hotel, but it was a massage parlour.", "deception"),
        ("When I arrived, I realised there was no job.", "deception"),
        ("Nothing was as they had said.", "deception"),
        ("I came for a job in a shop and ended up in a brothel.", "deception"),
        ("He made me believe I would have a better life.", "deception"),
        ("We found out that the company did not exist.", "deception"),
        ("He said I can stay and live in England and I believed him.", "deception"),
        ("A man came to the village looking for young people to work in Thailand.", "recruitment"),
        ("My cousin said there was a good job waiting for me in the city.", "recruitment"),
        # Threats reported, threats against the family, violence done to others.
        (
            "They beat me, they told me they would heat the iron and burn me.",
            "intimidation_threats",
        ),
        ("They told me they know where my family lives.", "intimidation_threats"),
        ("He kept telling me I would never see my son again.", "intimidation_threats"),
        ("The man said I would disappear if I talked.", "intimidation_threats"),
        ("I saw them beat another worker until he bled.", "physical_sexual_violence"),
        ("He hit the boy in front of all of us.", "physical_sexual_violence"),
        ("Sometimes he would slap me if the food was cold.", "physical_sexual_violence"),
        # Could not leave; papers and money kept; pay cut or none.
        ("They tried to leave, but two got caught.", "restriction_of_movement"),
        ("We could only go out with the boss.", "restriction_of_movement"),
        ("My passport stayed with the employer.", "document_retention"),
        ("They kept my money.", "withholding_wages"),
        ("My boss cut my pay in half.", "withholding_wages"),
        ("I never saw a penny of my wages.", "withholding_wages"),
        ("Whenever I asked for my salary, she said next month.", "withholding_wages"),
        ("We were owed three months of pay.", "withholding_wages"),
        # Debts, hours, days, beds and food, moves.
        ("She said I had to pay 40,000 for bringing me here.", "debt_bondage"),
        ("I had to wake up at 5 am every day and work until 9 pm.", "excessive_overtime"),
        ("We worked through Christmas and every weekend.", "no_days_off"),
        ("We slept twelve in one room with no mattress.", "abusive_conditions"),
        ("I was trafficked through Northern Africa to London.", "transport_transfer"),
    ],
)
def test_narrative_classes_of_survivors_language(text: str, indicator: str) -> None:
    assert indicator in hits(text)


@pytest.mark.parametrize(
    ("text", "indicator"),
    [
        ("He told me the job was in a restaurant, and it was.", "deception"),
        ("When we got there we learned the bus was not coming.", "deception"),
        ("He not only offered me a job and a home, but also a second chance.", "deception"),
        ("My mother told me she would visit me next week.", "intimidation_threats"),
        ("I saw a man hit the ball.", "physical_sexual_violence"),
        ("I got paid on time every month.", "withholding_wages"),
        ("She was offered a job at the bakery and took it.", "recruitment"),
        (
            "Many are still at risk of being trafficked and coerced into forced labor.",
            "transport_transfer",
        ),
        ("He threatened that he would beat her if she did not pay.", "physical_sexual_violence"),
        ("We are kept in the dark about how much we are owed.", "debt_bondage"),
    ],
)
def test_what_the_narrative_classes_leave_alone(text: str, indicator: str) -> None:
    assert indicator not in hits(text)


@pytest.mark.parametrize(
    ("text", "indicator"),
    [
        # Not stopping is doing: the negation is of the stopping.
        ("I begged but he never stopped hitting me.", "physical_sexual_violence"),
        # A "could" of another clause is no guess about this one.
        ("I ran as fast as I could but they caught me and beat me.", "physical_sexual_violence"),
        ("Later I was attacked by one of the guards.", "physical_sexual_violence"),
        ("He battered her whenever she came back with less money.", "physical_sexual_violence"),
        ("I was about 16 years old when he sold me.", "minor_victim"),
        ("At 15-years-old I was living in his house.", "minor_victim"),
        ("When I was fourteen, I met a man who said he loved me.", "minor_victim"),
        ("There were six girls in the flat, the youngest just 13.", "minor_victim"),
        ("He made me work the streets every night.", "commercial_sex_acts"),
        ("It was $60 for sex and he kept all of it.", "commercial_sex_acts"),
        ("She told me I could earn a thousand dollars a week there.", "recruitment"),
    ],
)
def test_clause_scope_and_ages_in_survivors_words(text: str, indicator: str) -> None:
    assert indicator in hits(text)


@pytest.mark.parametrize(
    ("text", "indicator"),
    [
        ("My parents never paid any attention to my school reports.", "withholding_wages"),
        ("He was ten years older than me and very kind at first.", "minor_victim"),
        ("He brought me presents and introduced me to his family.", "transport_transfer"),
        ("I had no other choice but to accept the job.", "abuse_of_vulnerability"),
        ("He made me work the streets every night.", "forced_labour_services"),
    ],
)
def test_what_clause_scope_and_ages_leave_alone(text: str, indicator: str) -> None:
    assert indicator not in hits(text)


@pytest.mark.parametrize(
    ("text", "indicator"),
    [
        ("Then I was forced to have sex with the guards.", "physical_sexual_violence"),
        ("He said his brother needed four waitresses for his bar in Athens.", "recruitment"),
        ("The agent bought a plane ticket for me the same week.", "recruitment"),
        ("My aunt said she could find a job for me in the city.", "recruitment"),
        ("The driver picked us up at night and took us to a farm.", "transport_transfer"),
        ("We were taken to a house where they kept other girls.", "harbouring"),
        ("Everything we earned went straight into the pockets of the boss.", "financial_benefit"),
        ("We had to use our bodies to make money for him.", "commercial_sex_acts"),
        ("I asked her whether the work was prostitution and she denied it.", "deception"),
        # A duty announced is no mere prediction: "would have to pay back".
        ("They said I would have to pay back 8,000 dollars.", "debt_bondage"),
    ],
)
def test_recruitment_and_transport_told_as_a_story(text: str, indicator: str) -> None:
    assert indicator in hits(text)


@pytest.mark.parametrize(
    ("text", "indicator"),
    [
        # What someone said would happen is not what happened.
        ("They told me I would be a prostitute, and I refused to go.", "commercial_sex_acts"),
        ("I bought a ticket for my mother to visit me.", "recruitment"),
    ],
)
def test_what_someone_said_would_happen_is_not_a_fact(text: str, indicator: str) -> None:
    assert indicator not in hits(text)


@pytest.mark.parametrize(
    ("text", "indicator"),
    [
        ("My grandfather was a bonded labourer and so was I.", "debt_bondage"),
        ("We borrowed money from the kiln owner for the wedding.", "debt_bondage"),
        ("I worked two years to pay off 20,000 rupees.", "debt_bondage"),
        ("We were only given bread and tea.", "abusive_conditions"),
        ("They gave us food only once a day.", "abusive_conditions"),
        ("The pesticides gave me rashes on my arms.", "abusive_conditions"),
        ("Most nights we finished at three in the morning.", "excessive_overtime"),
        ("He dragged me by the hair into the yard.", "physical_sexual_violence"),
        ("They told us the factory job we had paid for did not exist.", "deception"),
    ],
)
def test_bondage_food_hazards_and_hours_in_survivors_words(text: str, indicator: str) -> None:
    assert indicator in hits(text)


@pytest.mark.parametrize(
    ("text", "indicator"),
    [
        # A fear of what might happen is no report that it happened.
        ("At night I was afraid that I would be raped.", "physical_sexual_violence"),
        ("As a child I did not know what freedom was.", "restriction_of_movement"),
        # "making money ... and worked" is no "made to work".
        ("I was making 300 rupees a day and worked five days a week.", "forced_labour_services"),
    ],
)
def test_what_bondage_food_and_hours_leave_alone(text: str, indicator: str) -> None:
    assert indicator not in hits(text)


@pytest.mark.parametrize(
    ("text", "indicator"),
    [
        ("The defendant brought her and her sister to the United States.", "transport_transfer"),
        ("The defendants forced the women and their children to work.", "forced_labour_services"),
    ],
)
def test_coordinated_objects_still_count_in_third_person(text: str, indicator: str) -> None:
    assert indicator in hits(text)


def test_a_penalty_that_could_be_faced_is_no_fact() -> None:
    text = (
        "If convicted, he could face a maximum of 10 years, and a fine of $250,000 for "
        "harboring aliens."
    )
    assert "harbouring" not in hits(text)


@pytest.mark.parametrize(
    ("text", "indicator"),
    [
        ("She was kicked out of the house by her aunt.", "physical_sexual_violence"),
        ("The company was slapped with a fine.", "physical_sexual_violence"),
    ],
)
def test_idioms_of_kicking_and_slapping_are_no_violence(text: str, indicator: str) -> None:
    assert indicator not in hits(text)
