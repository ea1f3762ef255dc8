"""Who did what to whom in one sentence: agent and patient of a hit, by rules."""

from __future__ import annotations

import pytest

from palermo.extract.roles import roles


def parties(sentence: str, hit: str) -> tuple[str | None, str | None]:
    i = sentence.index(hit)
    agent, patient = roles(sentence, 0, len(sentence), i, i + len(hit))
    return (
        sentence[agent[0] : agent[1]] if agent else None,
        sentence[patient[0] : patient[1]] if patient else None,
    )


@pytest.mark.parametrize(
    ("sentence", "hit", "agent", "patient"),
    [
        # subject before the verb, possessive patient
        ("Defendant Ding confiscated the victim's passport.", "confiscated", "Ding", "the victim"),
        # the object after the verb is not the doer
        (
            "Marco Bellini forced Ana Popescu to engage in commercial sex acts.",
            "commercial sex acts",
            "Marco Bellini",
            "Ana Popescu",
        ),
        # passive with "by", and with "for" a role word
        ("Her passport was taken by Maria Lopez.", "taken", "Maria Lopez", "Her"),
        (
            "The victims were recruited by defendants Wu and Li.",
            "recruited",
            "Wu and Li",
            "The victims",
        ),
        (
            "The women were forced to work for the defendants.",
            "forced to work",
            "the defendants",
            "The women",
        ),
        # coordination and apposition: every doer is in the span
        ("Ding and Wang recruited the women in Fujian.", "recruited", "Ding and Wang", "the women"),
        ("Wu, Li and Chen lured the girls to Texas.", "lured", "Wu, Li and Chen", "the girls"),
        (
            "Rogerio Cadena, the defendant, confiscated their passports.",
            "confiscated",
            "Rogerio Cadena, the defendant",
            "their",
        ),
        # a verb phrase coordinated after a list keeps the sentence's doer
        (
            "Once in the United States, defendant Ding confiscated the victim's passport, visa, "
            "and other documents and forced the victim to work without pay.",
            "without pay",
            "Ding",
            "the victim",
        ),
        # an opening clause's subject is not the doer
        (
            "Once Peña Canal arrived, Dann kept her passport, forbade her from speaking with "
            "anyone, and failed to pay her for two years.",
            "failed to pay",
            "Dann",
            "her",
        ),
        # "they" read as the plural role word, not the place before it
        (
            "The defendants transported the workers to Marion, Ohio, where they ordered them "
            "to work 12 hours a day.",
            "12 hours",
            "The defendants",
            "the workers",
        ),
        # legal process is not the voice of the conduct
        (
            "The defendants were convicted for recruiting and abusing the women.",
            "recruiting",
            "The defendants",
            "the women",
        ),
        # a passive subject pronoun is read as the person word before it
        (
            "Phan forced the women to live in her home where they were made to sleep on the floor.",
            "sleep on the floor",
            "Phan",
            "the women",
        ),
        # the subject of working or living so is the one it was done to, not the doer
        ("Choi worked for four years unpaid.", "unpaid", None, "Choi"),
        (
            "She and two other housemaids worked long hours, seven days a week.",
            "long hours",
            None,
            "She and two other housemaids",
        ),
        (
            "The women worked 14 hours a day for the defendants.",
            "14 hours a day",
            "the defendants",
            "The women",
        ),
        (
            "Kwon recruited the women in Seoul, and they worked seven days a week.",
            "seven days a week",
            "Kwon",
            "they",
        ),
        # ... but an object made to work is the patient of the clause's doer
        (
            "Young Jo Kwon and his wife made two South Korean immigrants work without pay.",
            "without pay",
            "Young Jo Kwon and his wife",
            "immigrants",
        ),
        ("The defendants worked them 16 hours a day.", "16 hours a day", "The defendants", "them"),
        ("Ding worked the girls 18 hours a day.", "18 hours a day", "Ding", "the girls"),
        # a press release's name in capitals; an example after "such as" is no doer
        (
            "On multiple occasions in 2017, DARYL S. ARNOLD arranged for the four victims to "
            "engage in commercial sex acts.",
            "commercial sex acts",
            "DARYL S. ARNOLD",
            "the four victims",
        ),
        (
            "Afterward, Arnold used websites such as Backpage to advertise the victims.",
            "advertise",
            "Arnold",
            "the victims",
        ),
        (
            "A Chicago man has been sentenced to 24 years for recruiting four children.",
            "recruiting",
            "A Chicago man",
            "four children",
        ),
        # the possessor of a thing is the party (of a person, the person: "Muchira's pastor")
        ("The defendant's tactic of grooming minors worked.", "minors", "The defendant", "minors"),
        # "he" is a person, not an acronym before it
        (
            "Mr. Zhong, a former PRC diplomat, believed he could coerce the workers, forcing "
            "some to work for years without pay.",
            "without pay",
            "Mr. Zhong",
            "the workers",
        ),
        # a victim's own words: "me" is the speaker, never the doer before it
        ("Ivan locked me in the room and beat me.", "beat", "Ivan", "me"),
        ("My employer never paid me.", "never paid", "My employer", "me"),
        ("My boss took my passport when I arrived.", "took my passport", "My boss", "my"),
        ("I worked 16 hours a day for Mr. Petrov.", "16 hours a day", "Mr. Petrov", "I"),
        # what the speaker went through is done to the speaker; the doer is another party
        ("I couldn't open the door.", "couldn't open the door", None, "I"),
        ("She promised to pay me but I did not get that money.", "did not get", "She", "I"),
        ("When I asked about pay they said I owed for housing.", "owed", "they", "I"),
        ("Now, I'm forced to work in different restaurants.", "forced to work", None, "I"),
        # the one a relative clause is about; the one owed is the agent of a debt
        ("The woman who recruited me said I owed her 5000 euros.", "recruited", "The woman", "me"),
        ("The woman who recruited me said I owed her 5000 euros.", "owed", "The woman", "I"),
        # a possessive after a passive verb says whose, not who
        (
            "Many of these victims are lured from their homes with false promises of jobs.",
            "false promises",
            None,
            "these victims",
        ),
        # nobody said: a place is not a doer, a passive without "by" names no agent
        ("Victims were threatened with deportation in Houston.", "deportation", None, "Victims"),
    ],
)
def test_agent_and_patient(sentence: str, hit: str, agent: str | None, patient: str | None) -> None:
    assert parties(sentence, hit) == (agent, patient)
