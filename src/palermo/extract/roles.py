"""Who did what to whom, where one sentence says so: the agent and patient of a hit.

A light reading of the clause around an indicator hit, no parser:

* active voice ("Ding confiscated the victim's passport"): the agent is the nearest
  name or role word ("defendant Ding", "the defendants", "he") before the hit in its
  clause; the patient is the first person word in or just after the hit ("the victim",
  "her", "the women", a name);
* passive voice ("her passport was taken by Ding", "the victim was recruited by
  defendants"): the agent follows "by", the patient is the person word before the hit.

Spans are character offsets in the page; None where the sentence does not say. A name
here is only a lead: the elements service resolves it to the case's people through the
mentions found in the same span.
"""

from __future__ import annotations

import re

_NAME = r"[A-Z][\w'’.-]*(?:\s+(?:de\s+la\s+|de\s+|van\s+|al-)?[A-Z][\w'’.-]*){0,3}"
_ROLE = (
    r"(?:the\s+)?(?:(?:co-?)?defendants?|traffickers?|employers?|recruiters?|couple|boss|"
    r"pimps?|conspirators?|smugglers?|owners?|manager|madam|husband|wife|appellants?)"
)
_PERSON = (
    r"(?:the\s+|a\s+|two\s+|three\s+|several\s+|many\s+|their\s+|her\s+|his\s+)?"
    r"(?:victims?|women|woman|girls?|boys?|men|man|workers?|minors?|juveniles?|children|"
    r"child|aliens|maids?|servants?|employees)\b|\b(?:her|him|them|me|us)\b"
)
_AGENT = re.compile(
    rf"(?:\b(?:defendants?|co-?defendants?)\s+(?P<named>{_NAME})|(?P<role>\b{_ROLE}\b)"
    rf"|(?P<pron>\b(?:he|she|they|we|I)\b)|(?P<name>\b{_NAME}))"
)
_PASSIVE = re.compile(r"\b(?:was|were|been|being|is|are|be|got)\b", re.IGNORECASE)
_BY = re.compile(rf"\bby\s+(?P<who>(?:defendants?\s+)?{_NAME}|{_ROLE})")
_PATIENT = re.compile(rf"(?P<who>\b{_NAME}(?:['’]s)?|{_PERSON})")
_BREAK = re.compile(r"[;:—–]|,\s+(?:and|but|while)\s")
_STOP = frozenset(
    {
        "The", "A", "An", "In", "On", "Once", "During", "After", "Before", "According",
        "When", "While", "But", "And", "This", "That", "These", "Those", "Between", "From",
        "As", "To", "Since", "Although", "However", "If", "Then", "Instead", "Finally",
        "Many", "Some", "Eight", "Two", "Three", "Defendant", "Defendants", "Victim",
        "Victims", "United", "States", "U.S", "U.S.", "Her", "His", "Their", "It", "There",
    }
)  # fmt: skip


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


def roles(
    text: str, s_start: int, s_end: int, m_start: int, m_end: int
) -> tuple[tuple[int, int] | None, tuple[int, int] | None]:
    """(agent span, patient span) of the hit ``m_start:m_end`` in sentence ``s_start:s_end``."""
    breaks = [b.end() for b in _BREAK.finditer(text, s_start, m_start)]
    c_start = breaks[-1] if breaks else s_start
    after = text[m_end : min(s_end, m_end + 80)]
    hit = text[m_start:m_end]
    agent: tuple[int, int] | None = None
    patient: tuple[int, int] | None = None
    passive = bool(_PASSIVE.search(hit)) or bool(
        _PASSIVE.search(text[max(c_start, m_start - 12) : m_start])
    )
    if passive:
        by = _BY.search(text, m_end, min(s_end, m_end + 80)) or _BY.search(text, m_start, m_end)
        if by is not None:
            agent = _clean_name(text, by.start("who"), by.end("who")) or (
                by.start("who"),
                by.end("who"),
            )
        before = list(_PATIENT.finditer(text, c_start, m_start))
        if before:
            patient = _clean_name(text, before[-1].start(), before[-1].end()) or (
                before[-1].start(),
                before[-1].end(),
            )
        return agent, patient
    candidates = list(_AGENT.finditer(text, c_start, m_start))
    for m in reversed(candidates):
        for group in ("named", "role", "pron", "name"):
            if m.group(group):
                span = (m.start(group), m.end(group))
                if group in ("named", "name"):
                    cleaned = _clean_name(text, *span)
                    if cleaned is None:
                        break
                    span = cleaned
                agent = span
                break
        if agent is not None:
            break
    first_space = hit.find(" ")
    inside = _PATIENT.search(text, m_start + first_space + 1, m_end) if first_space > 0 else None
    found = inside
    if found is None:
        pos = m_end + len(after) - len(after.lstrip())
        found = _PATIENT.match(text, pos) if pos < s_end else None
    if found is not None:
        patient = _clean_name(text, found.start(), found.end()) or (found.start(), found.end())
    return agent, patient
