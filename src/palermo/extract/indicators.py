"""Trafficking indicators in text: sentence splitting, pattern matching, negation and hypotheticals.

A pattern match is not a hit when, in its sentence:

* a negation cue ("not", "never", "nobody", "didn't", "denied", "nunca"...) stands in the
  same clause within five words before the matched words ("he never took my passport"),
  unless the negation is part of the pattern itself ("they never paid us");
* the sentence is a question, unless the pattern allows questions (a buyer's "How much
  for an hour?");
* a speculative modal precedes the match ("he might take...", "maybe");
* a condition ("if", "unless", "whether") precedes the match, or a future ("will",
  "going to") stands just before it, except for patterns written for threats, which are
  conditional by nature ("if you leave I will hurt your family").
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from palermo.extract.types import Extraction
from palermo.law.indicators import CompiledIndicator, CompiledPattern, load_indicators

_ABBREVIATIONS = frozenset(
    {
        "mr",
        "mrs",
        "ms",
        "dr",
        "st",
        "no",
        "nr",
        "vs",
        "etc",
        "jr",
        "sr",
        "sra",
        "av",
        "str",
        "bd",
        "inc",
        "ltd",
        "co",
        "e.g",
        "i.e",
        "approx",
        "tel",
        "fig",
        "p",
        "pp",
        "a.m",
        "p.m",
        "art",
        "sec",
        "ave",
        "rd",
        "blvd",
    }
)
_BOUNDARY = re.compile(r"[.!?…]+[\"'”’)\]]*(?=\s|$)|\n[ \t]*\n\s*|\n")
_WORD = re.compile(r"[\w']+")
_NEGATIONS = frozenset(
    {
        "not",
        "no",
        "never",
        "nobody",
        "none",
        "nothing",
        "neither",
        "nor",
        "cannot",
        "denied",
        "denies",
        "deny",
        "denying",
        "nunca",
        "jamás",
        "jamas",
        "nadie",
        "ni",
        "tampoco",
        "nada",
        "ningún",
        "ninguna",
    }
)
_CLAUSE_BREAK = re.compile(
    r"[,;:—–()]|\s(?:and|but|so|because|then|while|although|pero|y|"
    r"porque|aunque|mientras)\s",
    re.IGNORECASE,
)
_SPECULATIVE = re.compile(
    r"\b(?:might|maybe|perhaps|possibly|probably|could(?!n't| not|\s+not)|"
    r"podría|podrían|quizás|quizá|quizas|tal vez|would have|wonder)\b",
    re.IGNORECASE,
)
_MAY = re.compile(r"\bmay\b")  # lower case only: "May" is a month
_CONDITIONAL = re.compile(
    r"\b(?:if|unless|in case|whether|suppose|supposing|imagine|"
    r"si|a menos que|en caso de que)\b",
    re.IGNORECASE,
)
_FUTURE = re.compile(
    r"(?:\b(?:will|shall|gonna|going to|va a|van a|vas a)|'ll)\s+(?:\w+\s+){0,2}$", re.IGNORECASE
)
_QUESTION_START = re.compile(
    r"^\W*(?:did|do|does|were|was|are|is|have|has|had|can|could|would|will|should)\s+"
    r"(?:you|he|she|they|we|i|anyone|anybody|someone|somebody|the|your|it)\b",
    re.IGNORECASE,
)


@dataclass(frozen=True, slots=True)
class Sentence:
    start: int
    end: int
    text: str


def split_sentences(text: str) -> list[Sentence]:
    """Sentences with their spans. A single line break ends a sentence only after
    punctuation or when the next line starts with a capital (chat lines, lists);
    hard-wrapped lines of a PDF paragraph stay together."""
    out: list[Sentence] = []
    start = 0
    for m in _BOUNDARY.finditer(text):
        token = m.group()
        if token == "\n":
            before = text[start : m.start()].rstrip()
            after = text[m.end() : m.end() + 1]
            if before and before[-1] not in ".!?:;" and not (after.isupper() or after in "-•*"):
                continue
        elif token[0] == ".":
            word = _last_word(text, m.start())
            following = text[m.end() :].lstrip()[:1]
            if (
                word.lower() in _ABBREVIATIONS
                or (len(word) == 1 and word.isupper())
                or following.islower()
            ):
                continue
        _add(out, text, start, m.end())
        start = m.end()
    _add(out, text, start, len(text))
    return out


def _last_word(text: str, end: int) -> str:
    i = end
    while i > 0 and (text[i - 1].isalnum() or text[i - 1] == "."):
        i -= 1
    return text[i:end]


def _add(out: list[Sentence], text: str, start: int, end: int) -> None:
    chunk = text[start:end]
    left = len(chunk) - len(chunk.lstrip())
    right = len(chunk.rstrip())
    if right > left:
        out.append(Sentence(start + left, start + right, chunk[left:right]))


def is_question(sentence: str) -> bool:
    stripped = sentence.strip()
    return (
        stripped.endswith("?") or stripped.startswith("¿") or bool(_QUESTION_START.match(stripped))
    )


def _negated(sentence: str, start: int) -> bool:
    prefix = sentence[:start]
    breaks = list(_CLAUSE_BREAK.finditer(prefix))
    clause = prefix[breaks[-1].end() :] if breaks else prefix
    words = _WORD.findall(clause.lower())[-5:]
    if any(w in _NEGATIONS or w.endswith("n't") for w in words):
        return True
    return "no one" in " ".join(words)


def _blocked(sentence: str, start: int, end: int, pattern: CompiledPattern) -> str | None:
    """Why the match at ``start:end`` of ``sentence`` is not a hit, or None when it is one."""
    prefix = sentence[:start]
    if _negated(sentence, start):
        return "negated"
    if _SPECULATIVE.search(prefix) or _MAY.search(prefix):
        return "speculative"
    if pattern.allow_conditional:
        return None
    if _CONDITIONAL.search(sentence[:end]):
        return "conditional"
    if _FUTURE.search(prefix):
        return "future"
    return None


def _matches(
    regex: re.Pattern[str], text: str, pos: int = 0, endpos: int | None = None
) -> Iterator[re.Match[str]]:
    """Matches that start on a word boundary (checked here: a look-behind in every
    pattern would stop the regex engine from skipping ahead quickly)."""
    end = len(text) if endpos is None else endpos
    while pos <= end:
        m = regex.search(text, pos, end)
        if m is None:
            return
        start = m.start()
        if start > 0 and (text[start - 1].isalnum() or text[start - 1] == "_"):
            pos = start + 1
            continue
        yield m
        pos = m.end() if m.end() > start else start + 1


def find_indicators(
    text: str,
    *,
    page: int = 1,
    indicators: Sequence[CompiledIndicator] | None = None,
    include_blocked: bool = False,
) -> list[Extraction]:
    """Indicator hits in ``text``: at most one per indicator per sentence.

    With ``include_blocked`` the suppressed matches are returned too, with confidence 0
    and ``details["blocked"]`` saying why (for explaining a miss to a user).
    """
    catalogue = load_indicators() if indicators is None else indicators
    # Same length, so spans stay valid: curly apostrophes become straight ones.
    norm = text.replace("’", "'")
    lower = norm.lower()
    if len(lower) != len(norm):  # a few characters grow when lower-cased ("İ")
        lower = "".join(c.lower() if len(c.lower()) == 1 else c for c in norm)
    sentences = split_sentences(norm)
    starts = [s.start for s in sentences]
    asks = [is_question(s.text) for s in sentences]
    found: dict[tuple[int, int], tuple[int, int, CompiledPattern, str | None]] = {}
    for k, ind in enumerate(catalogue):
        for pattern in ind.patterns:
            if pattern.literals is not None and not any(lit in lower for lit in pattern.literals):
                continue
            subject = norm if pattern.case_sensitive else lower
            for idx, start, end in _sentence_matches(pattern.regex, subject, sentences, starts):
                key = (idx, k)
                previous = found.get(key)
                if (asks[idx] and not pattern.allow_question) or (
                    previous is not None and previous[3] is None
                ):
                    continue
                s = sentences[idx]
                why = _blocked(s.text, start - s.start, end - s.start, pattern)
                if why is None or (include_blocked and previous is None):
                    found[key] = (start, end, pattern, why)
    out: list[Extraction] = []
    for (idx, k), (start, end, pattern, why) in sorted(found.items()):
        if why is not None and not include_blocked:
            continue
        ind = catalogue[k]
        sentence = sentences[idx]
        confidence = pattern.confidence
        if len(sentence.text.split()) > 60:
            confidence *= 0.9  # long run-on sentences give looser evidence
        details: dict[str, object] = {
            "indicator": ind.id,
            "label": ind.indicator.label,
            "source": ind.indicator.source,
            "group": ind.indicator.group,
            "concepts": list(ind.indicator.concepts),
            "sentence": text[sentence.start : sentence.end],
            "sentence_span": (sentence.start, sentence.end),
            "pattern": pattern.source,
            "language": pattern.language,
        }
        if ind.indicator.own_words:
            details["own_words"] = True
        if why:
            details["blocked"] = why
            confidence = 0.0
        out.append(
            Extraction(
                "indicator",
                text[start:end],
                ind.id,
                page,
                (start, end),
                round(confidence, 3),
                details,
            )
        )
    return out


def _sentence_matches(
    regex: re.Pattern[str], subject: str, sentences: list[Sentence], starts: list[int]
) -> Iterator[tuple[int, int, int]]:
    """(sentence index, start, end) of matches that lie inside one sentence.

    The page is scanned once; a match that runs over a sentence end (a gap can cross a
    full stop) is searched again inside its first sentence only."""
    pos = 0
    while True:
        m = next(_matches(regex, subject, pos), None)
        if m is None:
            return
        idx = bisect_right(starts, m.start()) - 1
        if idx < 0 or m.start() >= sentences[idx].end:
            # Between sentences (whitespace): continue from the next sentence.
            pos = starts[idx + 1] if idx + 1 < len(starts) else len(subject) + 1
            continue
        s = sentences[idx]
        if m.end() <= s.end:
            yield idx, m.start(), m.end()
            pos = m.end() if m.end() > m.start() else m.start() + 1
            continue
        inner = next(_matches(regex, subject, m.start(), s.end), None)
        if inner is not None:
            yield idx, inner.start(), inner.end()
        pos = starts[idx + 1] if idx + 1 < len(starts) else len(subject) + 1
