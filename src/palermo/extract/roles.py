"""Who did what to whom, where one sentence says so: the agent and patient of a hit.

A light reading of the sentence around an indicator hit, no parser: the parties are the
names ("Ding", "Kajuan Richardson", "Muchira's pastor"), role words ("the defendants",
"defendant Ding"), person words ("the victim", "her", "the women") and pronouns; each
is read with the word before it (after "in", "at", "exploited": an object or a place,
not a doer).

* Active voice ("Ding confiscated the victim's passport"): the agent is the nearest doer
  before the hit in its clause; a clause that names none ("..., and forced the victim to
  work") takes the nearest doer of the sentence's earlier clauses, never one inside an
  opening "Once / When / After ..." clause. "he" or "they" is read as the nearest name or
  role word before it in the sentence. The patient is the first person word in or after
  the hit in its clause, else the nearest person word of the sentence.
* Passive voice ("her passport was taken by Ding", "they were made to sleep on the
  floor"): the agent follows "by" (or "for" / "with" a role word: "forced to work for
  defendants"), else the doer of an earlier clause; the patient is the person word before
  the hit.
* Working, living or owing so ("Choi worked for four years unpaid", "she and two other
  housemaids worked long hours", "I owed her 5000 euros"): the clause's subject is the
  patient; the agent is the one owed, else the one worked for ("for the defendants",
  "for Mr. Petrov"), else the doer of an earlier clause, else nobody.
* A relative clause ("the woman who recruited me"): the party it is about is the agent.
* A victim's own words: "I", "me", "my" are the speaker (the statement's author, whom
  the case service knows), never resolved to a name before them.

Spans are character offsets in the page; None where the sentence does not say. A name
here is only a lead: the elements service resolves it to the case's people through the
mentions found in the same span.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

_NAME = r"[A-Z][\w'’.-]*(?:\s+(?:de\s+la\s+|de\s+|van\s+|al-)?[A-Z][\w'’.-]*){0,3}"
_ROLE_WORDS = (
    r"(?:co-?)?defendants?|traffickers?|employers?|recruiters?|couple|boss|pimps?|"
    r"conspirators?|smugglers?|owners?|manager|madam|husband|wife|appellants?|pastor|"
    r"perpetrators?|offenders?|exploiters?|captors?|handlers?|ring|gang|cartel|"
    r"organi[sz]ation"
)
_ROLE = rf"(?:the\s+|his\s+|her\s+|their\s+|my\s+|our\s+)?(?:{_ROLE_WORDS})"
# A press release's defendant: "A Chicago man", "a Houston couple" (not "a Mexican woman":
# a nationality, read as a person word).
_RESIDENT = r"[Aa]n?\s+[A-Z][\w.-]*(?:\s+[A-Z][\w.-]*)?\s+(?:man|woman|couple|resident)"
_PERSON_NOUNS = (
    r"victims?|women|woman|girls?|boys?|men|man|workers?|minors?|juveniles?|children|"
    r"child|aliens|maids?|housemaids?|nann(?:y|ies)|servants?|employees|laborers?|labourers?|"
    r"farmworkers?|individuals|migrants|immigrants"
)
_PERSON = (
    r"(?:(?:the|a|two|three|four|several|many|these|their|her|his|other|young|female|male|"
    r"foreign|undocumented)\s+){0,2}"
    rf"(?:{_PERSON_NOUNS})\b"
)
# The nouns after a possessive that name a party ("Muchira's pastor", "Ding's workers").
_PARTY_NOUN = re.compile(rf"(?i:{_ROLE_WORDS}|{_PERSON_NOUNS}|family|friends?|associates?)")
# Every kind starts with a word character: "(?=\w)" passes over the end of each word at
# once instead of trying every kind there (same matches, about 40% less time).
_PARTY = re.compile(
    rf"\b(?=\w)(?:(?P<named>(?:[Dd]efendants?|[Cc]o-?defendants?)\s+{_NAME})"
    rf"|(?P<role>(?i:{_ROLE})|{_RESIDENT})\b"
    rf"|(?P<person>(?i:{_PERSON}))"
    r"|(?P<subj>\b(?:(?i:he|she|they|we)|I)\b)"
    r"|(?P<obj>\b(?i:her|him|them|me|us|their|my|our)\b)"
    rf"|(?P<name>{_NAME}))"
)
# Legal process ("the defendants were convicted for recruiting ...") is not the voice of
# the conduct the hit names.
_PROCESS = (
    r"convicted|sentenced|charged|indicted|arrested|found|accused|alleged|ordered|pleaded|"
    r"known|believed|prosecuted|tried|acquitted|involved|engaged|required|expected|based|"
    r"located|scheduled|supposed|able|unable|used"
)
_PROCESS_OBJECT = re.compile(r"convicted|sentenced|charged|indicted|prosecuted|acquitted")
_PASSIVE = re.compile(
    r"(?:\b(?:was|were|been|being|is|are|be|got|am)|(?<=\w)['’]m)\s+"
    r"(?:\w+ly\s+|also\s+|then\s+|not\s+)?"
    rf"(?!(?:{_PROCESS})\b)"
    r"(?:\w+ed|made|held|kept|taken|given|sold|brought|forced|told|paid|beaten|driven)\b",
    re.IGNORECASE,
)
_BY = re.compile(rf"\bby\s+(?:(?:the\s+)?defendants?\s+(?P<who>{_NAME})|(?P<role>{_ROLE})\b)")
_BY_NAME = re.compile(rf"\bby\s+(?P<who>{_NAME})")
_MORE_NAMES = re.compile(rf"(?:,\s*and|,|\s+and)\s+{_NAME}")
_FOR_ROLE = re.compile(rf"\b(?:for|with)\s+(?P<role>{_ROLE})\b")
_BREAK = re.compile(r"[;:—–]|,\s+(?:and|but|while|where|which|who)\s")
_OPENING = re.compile(
    r"\s*(?:Once|When|After|Before|While|Although|If|Because|Since|Upon|During|"
    r"In|On|At|From|As|Between|Following|Beginning)\b[^,]{0,120},"
)
# The word before a party that makes it an object or a place, not a doer.
_NOT_DOER = frozenset(
    {
        "in", "at", "of", "from", "to", "for", "into", "with", "on", "near", "across",
        "by", "about", "against", "through", "toward", "towards", "under", "over", "than",
        "upon", "between", "among", "outside", "inside", "within", "without", "like",
        "named", "called", "v.", "vs.",
    }
)  # fmt: skip
# Nationality adjectives ("an American citizen", "Mexican nationals"): never a party.
_NATIONALITIES = frozenset(
    {
        "American", "Mexican", "Chinese", "Guatemalan", "Honduran", "Salvadoran", "Thai",
        "Filipino", "Nigerian", "Romanian", "Indian", "Vietnamese", "Korean", "Russian",
        "Ukrainian", "Peruvian", "Eritrean", "Indonesian", "Asian", "African", "Hispanic",
        "Bulgarian", "Moldovan", "Albanian", "Haitian", "Jamaican", "Kenyan", "Ugandan",
        "Ghanaian", "Bangladeshi", "Pakistani", "Nepali", "Nepalese", "Saudi", "Cuban",
        "Dominican", "Venezuelan", "Colombian", "Brazilian", "Polish", "Czech", "European",
        "Ethiopian", "Somali", "Sudanese", "Egyptian", "Moroccan", "Turkish", "Syrian",
        "Iraqi", "Afghan", "Burmese", "Cambodian", "Laotian", "Malaysian", "Japanese",
        "Taiwanese", "Mongolian", "Uzbek", "Kazakh", "Belarusian", "Hungarian", "Slovak",
        "Serbian", "Croatian", "Bosnian", "Greek", "Italian", "Spanish", "French", "German",
        "British", "English", "Irish", "Scottish", "Canadian", "Australian", "Samoan",
        "Tongan", "Fijian", "Marshallese", "Micronesian", "Ecuadorian", "Bolivian",
        "Chilean", "Argentine", "Argentinian", "Paraguayan", "Uruguayan", "Nicaraguan",
        "Panamanian", "Belizean", "Trinidadian", "Guyanese", "Liberian", "Cameroonian",
        "Congolese", "Zimbabwean", "Zambian", "Malawian", "Tanzanian", "Rwandan",
    }
)  # fmt: skip
_STOP = frozenset(
    {
        "The", "A", "An", "In", "On", "Once", "During", "After", "Before", "According",
        "When", "While", "But", "And", "This", "That", "These", "Those", "Between", "From",
        "As", "To", "Since", "Although", "However", "If", "Then", "Instead", "Finally",
        "Many", "Some", "Eight", "Two", "Three", "Defendant", "Defendants", "Victim",
        "Victims", "United", "States", "U.S", "U.S.", "Her", "His", "Their", "It", "There",
        "Government", "Court", "Count", "Counts", "Grand", "Jury", "Judge", "Upon", "At",
        "Conspiracy", "Bringing", "Indictment", "Beginning", "Following", "Each", "All",
        "Both", "One", "Four", "Five", "Several", "Most", "Other", "Such", "No",
        "Six", "Seven", "Nine", "Ten", "Eleven", "Twelve", "Thirteen", "Fourteen",
        "Fifteen", "Sixteen", "Seventeen", "Eighteen", "Nineteen", "Twenty", "Thirty",
        "Dozens", "Hundreds", "Central", "Latin", "South", "North", "East", "West",
        "Federal", "Acting", "Assistant", "Attorney", "General", "Department", "Justice",
        "Immigration", "Customs", "Afterward", "Afterwards", "Later", "Meanwhile",
        "Subsequently", "Additionally", "Moreover", "Furthermore", "Ultimately", "Eventually",
        "Today", "Yesterday", "Previously", "Thereafter", "My", "Our", "Your", "Whenever",
        "Wherever", "Throughout", "With", "Now", "Soon",
    }
    | _NATIONALITIES
)  # fmt: skip
_WORD_BEFORE = re.compile(r"([\w.'’-]+)\W*$")
_LOWER_NEXT = re.compile(r",?\s+[a-z]")


@dataclass(frozen=True, slots=True)
class _Party:
    kind: str  # named | role | person | subj | obj | name
    start: int
    end: int
    doer: bool  # not after a preposition or a verb in -ed: may be a subject
    place: bool = False  # after a preposition: a place or a company, not a patient
    owner: bool = False  # "her role", "their crimes": a possessive, not an object

    @property
    def span(self) -> tuple[int, int]:
        return (self.start, self.end)


def _clean_name(text: str, start: int, end: int) -> tuple[int, int] | None:
    while end > start and text[end - 1] in ".,'’":
        end -= 1
    words = text[start:end].split()
    while words and words[0] in _STOP:
        start = text.index(words[0], start) + len(words[0])
        while start < end and text[start].isspace():
            start += 1
        words = words[1:]
    return (start, end) if words else None


def _heading(text: str, start: int, end: int) -> bool:
    """A HEADING OR AN ACRONYM in capitals; not a press release's "DARYL S. ARNOLD
    arranged" (words in capitals, then a lower-case verb), which is a name."""
    words = text[start:end]
    if not words.rstrip("'’s").isupper() or len(words) <= 6:
        return False
    return " " not in words or not _LOWER_NEXT.match(text, end)


def _word_before(text: str, lo: int, at: int) -> str:
    """The word just before ``at``, lower-cased; "" after punctuation or at the start."""
    m = _WORD_BEFORE.search(text, max(lo, at - 30), at)
    if m is None or any(c in ',;:()"“”' for c in text[m.end(1) : at]):
        return ""
    return m.group(1).lower()


_NOT_NOUN = frozenset(
    {
        "to", "in", "into", "from", "with", "and", "or", "for", "that", "at", "on", "as",
        "by", "of", "out", "up", "back", "away", "off", "down", "again", "alone", "not",
        "if", "until", "so", "because", "when", "while", "through", "about", "a", "an",
        "the", "her", "him", "them", "their", "his", "they", "she", "he",
    }
)  # fmt: skip
_NEXT_WORD = re.compile(r"\s+([\w'’-]+)")


def _possessive(text: str, end: int) -> bool:
    """ "their crimes", "her role": a pronoun used as a possessive before a noun ("her"
    before "to", a participle or punctuation is an object: "forced her to", "kept her
    locked")."""
    word = text[max(0, end - 5) : end].lower()
    if word.endswith(("their", "my", "our")):
        return True
    if not word.endswith("her"):
        return False
    m = _NEXT_WORD.match(text, end)
    if m is None:
        return False
    nxt = m.group(1).lower()
    return nxt not in _NOT_NOUN and not nxt.endswith(("ed", "ing", "ly"))


def _parties(text: str, s_start: int, s_end: int) -> list[_Party]:
    """The parties of the sentence, in page offsets (read once per sentence: a sentence
    with several hits is read for the first)."""
    found = _sentence_parties(text[s_start:s_end])
    if not s_start:
        return list(found)
    return [
        _Party(p.kind, p.start + s_start, p.end + s_start, p.doer, p.place, p.owner) for p in found
    ]


@lru_cache(maxsize=1024)
def _sentence_parties(text: str) -> tuple[_Party, ...]:
    s_start, s_end = 0, len(text)
    out: list[_Party] = []
    for m in _PARTY.finditer(text, s_start, s_end):
        kind = next(k for k in ("named", "role", "person", "subj", "obj", "name") if m.group(k))
        start, end = m.start(kind), m.end(kind)
        if kind == "role" and _NATIONALITIES.intersection(text[start:end].split()):
            kind = "person"  # "a Mexican woman"
        if kind == "named":
            inner = re.match(r"\S+\s+", text[start:end])
            cleaned = _clean_name(text, start + (inner.end() if inner else 0), end)
            if cleaned is None:
                continue
            start, end = cleaned
        elif kind == "name":
            cleaned = _clean_name(text, start, end)
            if cleaned is None:
                continue
            start, end = cleaned
            if text[start:end] == "I":
                kind = "subj"  # "When I asked": the opening word was taken with it
            elif _heading(text, start, end):
                continue
            if not text[:start].strip() and re.fullmatch(r"[A-Z][a-z]{3,}ed", text[start:end]):
                continue  # "Recruited a woman from Eritrea ...": a summary's opening verb
        if text[end : end + 2] in ("'s", "’s") and kind in ("name", "named", "role"):
            # "Muchira's pastor": the possessor names whose; the party is the noun after.
            noun = re.match(r"['’]s\s+([a-z][\w-]*)", text[end : end + 40])
            if noun is None:
                continue
            if _PARTY_NOUN.fullmatch(noun.group(1)):
                end = end + noun.end(1)
            # else "Defendant's tactic of grooming minors": the possessor is the party.
        before = _word_before(text, s_start, start)
        if before in ("the", "a", "an") and text[start - 1 : start].isspace():
            # "into the Los Angeles area": the word before the article decides.
            at = text.rfind(before, max(0, start - len(before) - 3), start)
            before = _word_before(text, s_start, at) if at > 0 else before
        # After a verb in -ed a party is its object ("exploited Maria"); a subject pronoun
        # never is one ("believed he could coerce").
        doer = before not in _NOT_DOER and (
            kind == "subj" or not (before.endswith("ed") and before.islower())
        )
        such_as = before == "as" and _word_before(text, s_start, start - 3) == "such"
        doer = doer and not such_as  # "websites such as Backpage": an example, not a doer
        if _PROCESS_OBJECT.fullmatch(before):
            doer = True  # "a jury convicted the Sabhnanis of ... forced labor"
        owner = kind == "obj" and _possessive(text, end)
        out.append(_Party(kind, start, end, doer, before in _NOT_DOER or such_as, owner))
    return tuple(out)


_DOER_KINDS = ("named", "role", "name", "subj")
_FIRST_PERSON = frozenset({"i", "me", "we", "us", "my", "our"})


def _plural(text: str, p: _Party) -> bool:
    words = text[p.start : p.end].lower()
    return p.kind == "role" and (words.endswith("s") or words.endswith("couple"))


def _resolve(text: str, parties: list[_Party], pron: _Party) -> _Party:
    """A pronoun read as the nearest fitting party before it in the sentence: "they" a
    plural role word ("the defendants") or a name, "he" / "she" a name or a singular role
    word, "her" / "them" (a patient) a person word."""
    if _speaker(text, pron):
        return pron  # the statement's author, resolved by the case service
    word = text[pron.start : pron.end].lower()
    fits: list[_Party] = []
    for p in parties:
        if p.end > pron.start:
            break
        if word in ("her", "him", "them", "their"):
            if p.kind == "person":
                fits.append(p)
        elif p.kind in ("named", "role", "name") and p.doer:
            if word == "they" and p.kind == "role" and not _plural(text, p):
                continue
            if word in ("he", "she") and (_plural(text, p) or text[p.start : p.end].isupper()):
                continue  # a group, or an acronym ("a former PRC diplomat, he ...")
            fits.append(p)
    if word == "they":
        plural = [p for p in fits if _plural(text, p)]
        fits = plural or fits
    return fits[-1] if fits else pron


def _opening_end(text: str, s_start: int, s_end: int) -> int:
    m = _OPENING.match(text, s_start, s_end)
    return m.end() if m else s_start


_WHO = re.compile(r"\s*,?\s*who\s+(?:\w+ly\s+|had\s+|has\s+|have\s+)?$", re.IGNORECASE)


def _relative_subject(
    text: str, parties: list[_Party], s_start: int, m_start: int
) -> _Party | None:
    """ "The woman who recruited me": the party the relative clause opening right before
    the hit is about, whatever its kind (a person word too)."""
    last = next((p for p in reversed(parties) if s_start <= p.start and p.end <= m_start), None)
    if last is None or last.kind == "obj":
        return None
    return last if _WHO.fullmatch(text, last.end, m_start) else None


def _earlier_doer(
    parties: list[_Party],
    lo: int,
    hi: int,
    kinds: tuple[str, ...] = ("named", "role", "name"),
    speaker_in: str | None = None,
) -> _Party | None:
    """The nearest doer of ``kinds`` within ``lo:hi``; passing over the speaker ("I",
    "we") when given the page ``speaker_in``."""
    for p in reversed(parties):
        if lo <= p.start and p.end <= hi and p.kind in kinds and p.doer:
            if speaker_in is not None and _speaker(speaker_in, p):
                continue
            return p
    return None


def roles(
    text: str, s_start: int, s_end: int, m_start: int, m_end: int
) -> tuple[tuple[int, int] | None, tuple[int, int] | None]:
    """(agent span, patient span) of the hit ``m_start:m_end`` in sentence ``s_start:s_end``."""
    breaks = [b.end() for b in _BREAK.finditer(text, s_start, m_start)]
    c_start = breaks[-1] if breaks else s_start
    c_breaks = [b.start() for b in _BREAK.finditer(text, m_end, s_end)]
    c_end = c_breaks[0] if c_breaks else s_end
    opening = _opening_end(text, s_start, s_end)
    if opening > m_start:
        opening = s_start
    parties = _parties(text, s_start, s_end)
    voice = _PASSIVE.search(text, max(c_start, m_start - 40), m_end)
    if voice is not None:
        return _passive(
            text, parties, c_start, c_end, opening, m_start, m_end, s_end, voice.start()
        )
    experienced = _experiencer(text, parties, max(c_start, opening), m_start, m_end)
    if experienced is not None:
        return _experienced(text, parties, *experienced, opening, c_start, c_end, m_end)
    agent = _relative_subject(text, parties, s_start, m_start)
    if agent is None:
        agent = _earlier_doer(parties, c_start, m_start, _DOER_KINDS)
    if agent is None:
        agent = _earlier_doer(parties, opening, c_start)
    if agent is None:
        subj = [p for p in parties if opening <= p.start and p.end <= c_start and p.kind == "subj"]
        agent = subj[-1] if subj else None
    if agent is not None and agent.kind == "subj":
        agent = _resolve(text, parties, agent)
    agent_span = _widen(text, parties, agent) if agent is not None else None
    patient = _active_patient(text, parties, agent_span, c_start, c_end, m_start, m_end)
    if patient is not None and patient.kind == "obj":
        patient = _resolve(text, parties, patient)
    if agent is not None and _speaker(text, agent) and (patient is None or _speaker(text, patient)):
        # A victim's own words: "I couldn't open the door", "I had to work 17 hours": what
        # the speaker went through, not did (unless done to someone else: "I took their
        # passports"); the doer is another party before, if the sentence names one.
        other = _doer_before(text, parties, s_start, agent.start)
        return (other.span if other is not None else None), agent.span
    return agent_span, (patient.span if patient is not None else None)


def _speaker(text: str, p: _Party) -> bool:
    """Whether the party is the speaker: "I", "me", "we", "us", "my", "our"."""
    return text[p.start : p.end].lower() in _FIRST_PERSON


def _doer_before(text: str, parties: list[_Party], lo: int, at: int) -> _Party | None:
    """The nearest doer before ``at`` other than the speaker ("they said I owed"), a
    pronoun read as its name."""
    p = _earlier_doer(parties, lo, at, _DOER_KINDS, speaker_in=text)
    return _resolve(text, parties, p) if p is not None and p.kind == "subj" else p


# "She worked long hours", "Choi worked for four years unpaid": the subject of a verb of
# working or living without an object is the one the conditions were done to.
_EXPERIENCE = re.compile(
    r"\s+(?:\w+ly\s+|also\s+|then\s+|had\s+|have\s+|has\s+)?"
    r"(?:work(?:s|ed|ing)?|labou?r(?:s|ed|ing)?|toil(?:s|ed|ing)?|slept|sleeps?|"
    r"lived|lives?|earn(?:s|ed)?|(?P<owe>owed?|owes))\b",
    re.IGNORECASE,
)


_SUBJECTS = ("named", "name", "person", "subj")


def _experiencer(
    text: str, parties: list[_Party], lo: int, m_start: int, m_end: int
) -> tuple[_Party, re.Match[str]] | None:
    """The clause's subject and its verb, when the subject opens the clause (alone or
    coordinated: "She and two other housemaids") and a verb of working, living or owing
    follows it up to the hit without an object ("worked long hours"; not "worked the
    women 14 hours a day", nor "made the workers work", whose subject is the doer before
    the object); a debt names its creditor as the object ("owed her")."""
    before = [p for p in parties if lo <= p.start and p.end <= m_start]
    if not before or before[-1].kind not in _SUBJECTS:
        return None
    subject = before[-1]
    verb = _EXPERIENCE.match(text, subject.end, m_end)
    if verb is None:
        return None
    if not verb.group("owe") and _right_after(text, parties, verb.end()) is not None:
        return None  # "worked them 16 hours a day": a doer working others
    if subject.kind == "subj":
        return subject, verb  # "I", "they": a subject, whatever comes before
    first = _widen(text, parties, subject, kinds=_SUBJECTS, lo=lo)[0]
    return (subject, verb) if all(p.start >= first for p in before) else None


def _right_after(text: str, parties: list[_Party], at: int) -> _Party | None:
    """The party that starts right after ``at`` (past spaces), not a subject pronoun."""
    for p in parties:
        if p.start >= at:
            return p if not text[at : p.start].strip() and p.kind != "subj" else None
    return None


def _experienced(
    text: str,
    parties: list[_Party],
    subject: _Party,
    verb: re.Match[str],
    opening: int,
    c_start: int,
    c_end: int,
    m_end: int,
) -> tuple[tuple[int, int] | None, tuple[int, int] | None]:
    """The subject who worked, lived or owed so is the patient (with the people
    coordinated before it); the agent is the one owed ("I owed her 5000 euros"), else the
    one worked for after the hit ("for the defendants", "for Mr. Petrov"), else the doer
    of an earlier clause, else nobody."""
    patient = _widen(text, parties, subject, kinds=_SUBJECTS, lo=max(c_start, opening))
    owed = _right_after(text, parties, verb.end()) if verb.group("owe") else None
    if owed is not None:
        return _resolve(text, parties, owed).span, patient
    fr = _FOR_ROLE.search(text, m_end, min(c_end, m_end + 60))
    if fr is not None:
        return (fr.start("role"), fr.end("role")), patient
    for p in parties:
        if m_end <= p.start < c_end and p.kind in ("named", "name") and _after_for(text, p):
            return p.span, patient
    earlier = _earlier_doer(parties, opening, c_start)
    if earlier is not None:
        return _widen(text, parties, earlier), patient
    if _speaker(text, subject):
        other = _doer_before(text, parties, c_start, subject.start)  # "they said I owed"
        return (other.span if other is not None else None), patient
    return None, patient


def _after_for(text: str, p: _Party) -> bool:
    return text[max(0, p.start - 4) : p.start].lower() == "for "


_OBJECTS = ("person", "obj", "name", "named")
_JOIN = re.compile(r"\s*(?:,\s*and|,\s*or|and|or|&|,|\(|\),?)\s*$")


def _widen(
    text: str,
    parties: list[_Party],
    party: _Party,
    kinds: tuple[str, ...] = ("named", "role", "name"),
    lo: int = 0,
) -> tuple[int, int]:
    """The party with those of ``kinds`` coordinated or in apposition just before it (not
    before ``lo``): "Ding and Wang recruited", "Wu, Li and Chen", "Rogerio Cadena, the
    defendant, took" (so that every one of them is resolved to the case's people)."""
    start = party.start
    for p in reversed(parties):
        if p.end > start:
            continue
        if p.start < lo:
            break
        between = text[p.end : start]
        if p.kind not in kinds or len(between) > 8:
            break
        if not _JOIN.fullmatch(between):
            break
        start = p.start
    return (start, party.end)


def _active_patient(
    text: str,
    parties: list[_Party],
    agent: tuple[int, int] | None,
    c_start: int,
    c_end: int,
    m_start: int,
    m_end: int,
) -> _Party | None:
    """Who the hit was done to: named in the hit ("confiscated the victim's passport"),
    right after it ("recruited Maria"), the object before it in its clause ("forced the
    victim to work without pay"), a person word later in the clause, else the person word
    of the sentence nearest the hit."""
    taken = {p.span for p in parties if agent is not None and agent[0] <= p.start < agent[1]}
    first_space = text.find(" ", m_start, m_end)
    for p in parties:
        inside = first_space > 0 and first_space < p.start < m_end
        if inside and p.kind in _OBJECTS and p.span not in taken:
            return p
    for p in parties:
        if p.start >= m_end:
            right_after = not text[m_end : p.start].strip() and not p.place
            if right_after and p.kind in _OBJECTS and p.span not in taken:
                return p
            break
    lo = agent[1] if agent is not None and agent[0] >= c_start else c_start
    before = [
        p
        for p in parties
        if lo <= p.start
        and p.end <= m_start
        and p.span not in taken
        and (
            (p.kind in ("person", "obj") and not p.owner)
            or (p.kind in ("name", "named") and not p.doer and not p.place)
        )
    ]
    if before:
        return before[-1]
    found = _first_person(parties, m_end, c_end)
    return found if found is not None else _nearest_person(parties, m_start, taken)


def _passive(
    text: str,
    parties: list[_Party],
    c_start: int,
    c_end: int,
    opening: int,
    m_start: int,
    m_end: int,
    s_end: int,
    verb: int,
) -> tuple[tuple[int, int] | None, tuple[int, int] | None]:
    """Passive voice: the agent after "by" (or "for" / "with" a role word), else the doer
    of the sentence before the patient; the patient is the party before the hit (not a
    possessive after the verb at ``verb``: "lured from their homes" says whose homes)."""
    before = [
        p
        for p in parties
        if c_start <= p.start
        and p.end <= m_start
        and (p.kind != "obj" or text[p.start : p.end].lower() in ("her", "their", "his"))
        and not (p.owner and p.start > verb)
    ]
    patient: _Party | None = before[-1] if before else _first_person(parties, m_start, c_end)
    if patient is not None and patient.kind == "subj":
        people = [p for p in parties if p.end <= patient.start and p.kind == "person"]
        patient = people[-1] if people else patient
    if patient is None:
        patient = _nearest_person(parties, m_start, set())
    span: tuple[int, int] | None = None
    by = _BY.search(text, m_start, s_end) or _BY_NAME.search(text, m_start, min(s_end, m_end + 80))
    if by is not None:
        if by.groupdict().get("role"):
            span = (by.start("role"), by.end("role"))
        else:
            span = _clean_name(text, by.start("who"), by.end("who"))
            while span is not None:  # "by defendants Wu and Li"
                more = _MORE_NAMES.match(text, span[1], s_end)
                if more is None:
                    break
                span = _clean_name(text, span[0], more.end())
    if span is None:
        fr = _FOR_ROLE.search(text, m_start, min(c_end, m_end + 60))
        if fr is not None:
            span = (fr.start("role"), fr.end("role"))
    if span is None:
        hi = patient.start if patient is not None and patient.start < m_start else c_start
        earlier = _earlier_doer(parties, opening, hi)
        span = earlier.span if earlier is not None else None
    return span, (patient.span if patient is not None else None)


def _first_person(parties: list[_Party], lo: int, hi: int) -> _Party | None:
    for p in parties:
        if lo <= p.start < hi and p.kind in ("person", "obj") and not p.owner:
            return p
    return None


def _nearest_person(parties: list[_Party], at: int, taken: set[tuple[int, int]]) -> _Party | None:
    """The person word of the sentence nearest the hit (a victim the sentence names)."""
    best: _Party | None = None
    for p in parties:
        if p.kind != "person" or p.span in taken:
            continue
        if best is None or abs(p.start - at) < abs(best.start - at):
            best = p
    return best
