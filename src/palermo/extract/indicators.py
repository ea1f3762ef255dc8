"""Trafficking indicators in text: sentence splitting, pattern matching, negation and hypotheticals.

A pattern match is not a hit when, in its sentence:

* a negation cue ("not", "never", "nobody", "didn't", "denied", "nunca"...) stands in the
  same clause within five words before the matched words ("he never took my passport"),
  unless the negation is part of the pattern itself ("they never paid us");
* the sentence is a question, unless the pattern allows questions (a buyer's "How much
  for an hour?");
* a speculative modal precedes the match ("he might take...", "maybe");
* a condition ("if", "unless", "whether") precedes the match in the same clause, or a
  future ("will", "going to") stands just before it, except for patterns written for
  threats, which are conditional by nature ("if you leave I will hurt your family");
* the match is what someone threatened to do: a threat ("threatened", "warned") precedes
  it in the same clause ("threatened that ... they would find them, beat them");
* the clause says the fact was not proved ("there was no evidence that", "insufficient
  evidence", "found not true").

A clause, for conditions, threats and findings, runs between ";", ":", a dash, ", and",
", but" and the sentence ends, so "threatened to harm their families if they attempted to
escape; some were sexually assaulted" keeps the assault. Sentences longer than
``MAX_SENTENCE`` characters (a run-on paragraph, a chat with no punctuation, OCR noise)
are cut at the last comma or space before that length, so no check ever looks at more
than one bounded piece of text: the cost stays linear in the length of the page.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

import ahocorasick

from palermo.extract.lemmas import LemmaLine, lemma_line
from palermo.extract.roles import roles
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
        # chat spelling, without the apostrophe
        "dont",
        "didnt",
        "doesnt",
        "cant",
        "couldnt",
        "wont",
        "wouldnt",
        "wasnt",
        "werent",
        "isnt",
        "arent",
        "havent",
        "hasnt",
        "hadnt",
    }
)
_STOP = frozenset({"stop", "stopped", "stops", "stopping", "cease", "ceased", "quit", "quitting"})
_CLAUSE_BREAK = re.compile(
    r"[,;:—–()]|\s(?:and|but|so|because|then|while|although|pero|y|"
    r"porque|aunque|mientras)\s",
    re.IGNORECASE,
)
# Not knowing that something happened does not undo it: the clause after the verb stands.
_FACTIVE = re.compile(
    r"\b(?:know|knew|known|reali[sz]e|reali[sz]ed|understand|understood|notice|noticed)"
    r"\s+that\b"
    # Nor does not forgetting, not remembering or not believing it: "I will never forget
    # the day they took my passport", "I couldn't believe they took our passports"; nor
    # not minding it: "at first I didn't mind working from sunrise to sunset".
    r"|\b(?:forget|forgot|forgotten|remember|remembered|recall|believe|believed|mind|minded)\b",
    re.IGNORECASE,
)
# An indirect question holds an "if" that is no condition and a "could" that is no guess:
# "when I asked if I could go home, he took my passport".
_INDIRECT = re.compile(
    r"\b(?:ask|asks|asked|asking|wonder|wondered|wondering|know|knew|sure|check|checked|see)"
    r"\s+(?:\w+\s+)?(?:if|whether)\b[^,;:.]*?(?=,|;|:|\s(?:but|because|so)\s|$)",
    re.IGNORECASE,
)
# The main clause of a condition told in the past, with no modal in it, is what happened
# each time: "if I didn't make $1,000 a night he beat me", "even if I was sick, they
# made me work" (against "if I tried to run, he would take our passports").
_IF_THEN_PAST = re.compile(
    r"\b(?:if|whether)\s+\S+.*?(?:,|\s(?:i|he|she|they|we|you)\s)", re.IGNORECASE | re.DOTALL
)
_MODAL = re.compile(
    r"\b(?:would|will|shall|could|can|might|may|should|must|going to|gonna)\b|'ll|'d\b",
    re.IGNORECASE,
)
_SPECULATIVE = re.compile(
    r"\b(?:might|maybe|perhaps|possibly|probably|could(?!n't| not|\s+not|\s+never)|"
    r"podría|podrían|quizás|quizá|quizas|tal vez|would have|wonder)\b",
    re.IGNORECASE,
)
_MAY = re.compile(r"\bmay\b")  # lower case only: "May" is a month
# "could" that is not a guess: a purpose or a belief about what the speaker was doing
# ("so we could pay off the debt", "I thought I could work off my debt") states the fact.
_COULD_FACT = re.compile(
    r"\b(?:so|so that|in order that|thought|believed|hoped|figured|until)\s+(?:that\s+)?"
    r"(?:i|we|he|she|they|you)\s+could$",
    re.IGNORECASE,
)
# Nor is a "could" of measure: "I shouted as loud as I could but he did not stop beating
# me", "I did everything I could".
_COULD_MEASURE = re.compile(
    r"\b(?:as\s+(?:\w+\s+){1,3}as|everything|all|whatever|anything)\s+"
    r"(?:i|we|he|she|they|you)\s+could$",
    re.IGNORECASE,
)
_STRICT_SPECULATIVE = re.compile(
    r"\b(?:might|maybe|perhaps|possibly|probably|podría|podrían|quizás|quizá|quizas|"
    r"tal vez|would have|wonder|capable of)\b",
    re.IGNORECASE,
)
# A hedge on an amount or a time is no doubt about the fact: "after maybe several months
# I realised that I had not been paid", "perhaps two weeks later they beat him".
_HEDGED_AMOUNT = re.compile(
    r"\b(?:maybe|perhaps|probably|possibly|quizás|quizá|tal vez)\s+(?:like\s+|about\s+|around\s+)?"
    r"(?:\d|one|two|three|four|five|six|seven|eight|nine|ten|twelve|fifteen|twenty|thirty|"
    r"several|a few|a couple|a dozen|dozens|hundreds|half|once|twice|a year|a month|a week)",
    re.IGNORECASE,
)
# "not only ... but also" adds, it does not deny ("he not only offered me a job").
_NOT_ONLY = re.compile(r"\bnot only\b", re.IGNORECASE)
_CONDITIONAL = re.compile(
    r"\b(?:if|unless|in case|whether|suppose|supposing|imagine|"
    r"si|a menos que|en caso de que)\b",
    re.IGNORECASE,
)
_FUTURE = re.compile(
    r"(?:\b(?:will|shall|gonna|going to|va a|van a|vas a)|'ll)\s+(?:\w+\s+){0,2}$", re.IGNORECASE
)
# What someone told the speaker would happen is no report that it did: "they told me I
# would be a nurse", "she said I'd be a prostitute" (patterns for promises and threats
# allow it). A duty announced ("would have to pay back") or a threat ("would never see")
# still counts. Only in the first person, where survivors' accounts tell such promises.
_SAID_WOULD = re.compile(
    r"\b(?:tell|tells|told|say|says|said|promise|promised|promises|assure|assured|swore|"
    r"explain|explained)\b(?:\s+(?:me|us|her|him|them|my\s+\w+))?(?:\s+that)?\s+"
    r"(?:i|we)\s*(?:would|'d|will|'ll|could)\s+"
    r"(?:be|work|get|earn|make|study|become|live|stay|do|go|attend|receive|find)\s+"
    r"(?:\w+\s+){0,2}$",
    re.IGNORECASE,
)
_QUESTION_START = re.compile(
    r"^\W*(?:did|do|does|were|was|are|is|have|has|had|can|could|would|will|should)\s+"
    r"(?:you|he|she|they|we|i|anyone|anybody|someone|somebody|the|your|it)\b",
    re.IGNORECASE,
)


_MACRO_BREAK = re.compile(r"[;:—–]|,\s+(?:and|but|while|whereas|so)\s|\s(?:but|whereas)\s")
# A threat with its content: "threatened to ...", "threatening that ...", "threats of ...".
_THREAT = re.compile(
    r"\b(?:threat\w*|warn\w*|amenaz\w*)\s+(?:\w+\s+){0,2}?(?:to|that|of|with|if|de|que|con|si)\b",
    re.IGNORECASE,
)
# A fear of what someone would do is no report that it was done ("I was afraid he would
# lock me in"); patterns written for threats keep it.
_FEARED = re.compile(
    r"\b(?:afraid|scared|feared|fear|fearing|worried|terrified|frightened)\b"
    r"(?:\s+(?:that|of|he|she|they|it|i|we|you|someone|somebody|the\s+\w+))*\s+(?:would|might|will|could|'d)\b",
    re.IGNORECASE,
)
_NOT_PROVED = re.compile(
    r"\b(?:no evidence|insufficient evidence|not sufficient|found not true|not true that|"
    r"does not suffice|did not (?:establish|prove)|failed to (?:prove|establish)|"
    r"does not (?:establish|prove)|no proof)\b",
    re.IGNORECASE,
)
# A statement of the law, not of a case: "makes it illegal to recruit ...".
_LAW = re.compile(
    r"\b(?:makes? it (?:a (?:federal )?crime|illegal|unlawful)|outlaws|proscribes|"
    r"criminali[sz]es?|(?:is|are) (?:generally )?defined as|defines|provides in part|"
    r"shall be (?:imprisoned|fined)|whoever|it is illegal|does not require|"
    r"for the purpose of subjection to|in which a commercial sex act is induced)\b"
    # A statement about trafficking in general or about policy, not about a case:
    # "Human trafficking is compelling someone to work", "in the form of forced labor",
    # "committed to prosecuting ... particularly when minors are abused".
    r"|\b(?:(?:human|sex|labou?r) )?trafficking (?:is|involves|includes|means|occurs|"
    r"takes many forms)\b|\b\w+ing (?:someone|anyone|a person|another person)\b|"
    r"\bin the forms? of\b|"
    r"\b(?:is|are|remains?) committed to\b|\bwe recognize\b|\bawareness (?:month|day|week)\b|"
    r"\b(?:is|are) an? (?:form|type|kind) of\b|\bprohibitions? (?:against|of)\b|\btop priorit"
    # The same in Spanish: "El que mediante engaño capta ... será reprimido con prisión".
    r"|\bel que,? mediante\b|\b(?:es|será|serán) (?:reprimid[oa]s?|sancionad[oa]s?|"
    r"castigad[oa]s? con (?:pena|prisión|reclusión))\b|"
    r"\beste delito (?:implica|consiste|comprende)\b|\bse entiende por\b",
    re.IGNORECASE,
)
# A title-case name ("National Slavery and Human Trafficking Prevention Month", "the
# Forced Labor Convention") holds indicator words without asserting anything.
_TITLE_WORD = re.compile(r"[A-Z][\w'’-]*")
# "would" (or "'d") just before a match with "if" or "unless" after it in the clause.
_WOULD = re.compile(r"(?:\bwould|'d)\s+(?:\w+\s+){0,1}$", re.IGNORECASE)
# A "would" told with how often it happened is what used to happen, not a threat:
# "sometimes he would slap me if the food was cold".
_HABITUAL = re.compile(
    r"\b(?:sometimes|often|always|usually|regularly|frequently|constantly|every time|each time)\b",
    re.IGNORECASE,
)
_CONDITION_AFTER = re.compile(r"[^;:,.—–]{0,60}?\b(?:if|unless)\b", re.IGNORECASE)
MAX_SENTENCE = 600


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


def bounded(sentences: list[Sentence], text: str, limit: int = MAX_SENTENCE) -> list[Sentence]:
    """``sentences`` with every one longer than ``limit`` characters cut into pieces of at
    most ``limit``, each ending at the last comma or space before the limit."""
    out: list[Sentence] = []
    for s in sentences:
        if s.end - s.start <= limit:
            out.append(s)
            continue
        start = s.start
        while s.end - start > limit:
            window = text[start : start + limit]
            cut = max(window.rfind(", "), window.rfind("; "))
            if cut < limit // 2:
                cut = window.rfind(" ")
            if cut <= 0:
                cut = limit
            _add(out, text, start, start + cut + 1)
            start += cut + 1
        _add(out, text, start, s.end)
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
    known = list(_FACTIVE.finditer(clause))
    if known:  # "I did not realise that I was being taken for a ride": it was so
        clause = clause[known[-1].end() :]
    words = _WORD.findall(_NOT_ONLY.sub(" ", clause).lower())[-5:]
    if words and words[-1] in _STOP:
        return False  # "he did not stop beating me": the negation is of the stopping
    if any(w in _NEGATIONS or w.endswith("n't") for w in words):
        return True
    return "no one" in " ".join(words)


def _speculative(sentence: str, start: int, threat: bool) -> bool:
    """Whether a guess ("might", "perhaps", "could") comes before the match. For threats
    (``threat``) "could" is the threat itself ("could deport us back"); a "could" of
    purpose or belief ("so we could pay off the debt") is not a guess either."""
    if _HEDGED_AMOUNT.search(sentence):
        sentence = _HEDGED_AMOUNT.sub(lambda m: " " * len(m.group()), sentence)
    prefix = sentence[:start]
    if _MAY.search(prefix) or _STRICT_SPECULATIVE.search(prefix):
        return True
    if threat:
        return False
    # Read on the whole sentence: "couldn't" is split by a match that starts at "n't".
    return any(
        m.end() <= start
        and not _COULD_FACT.search(prefix, 0, m.end())
        and not _COULD_MEASURE.search(prefix, 0, m.end())
        for m in _SPECULATIVE.finditer(sentence)
    )


def _blocked(
    sentence: str, start: int, end: int, pattern: CompiledPattern, law: bool = False
) -> str | None:
    """Why the match at ``start:end`` of ``sentence`` is not a hit, or None when it is one."""
    prefix = sentence[:start]
    if pattern.negatable and _negated(sentence, start):
        return "negated"
    if law:
        return "statement of law"
    asked = list(_INDIRECT.finditer(sentence))
    if asked:
        if not pattern.allow_question and any(m.start() <= start < m.end() for m in asked):
            return "question"  # "asked if I did not appreciate ... bringing me to the UK"
        sentence = _INDIRECT.sub(lambda m: " " * len(m.group()), sentence)
        prefix = sentence[:start]
    if _speculative(sentence, start, pattern.allow_conditional):
        return "speculative"
    breaks = list(_MACRO_BREAK.finditer(prefix))
    clause = prefix[breaks[-1].end() :] if breaks else prefix
    if _NOT_PROVED.search(clause):
        return "not proved"
    if pattern.allow_conditional:
        return None
    if _conditional(clause) or _CONDITIONAL.search(sentence[start:end]):
        return "conditional"
    if (
        _WOULD.search(prefix)
        and _CONDITION_AFTER.match(sentence, end)
        and not _HABITUAL.search(clause)
    ):
        return "conditional"  # "would beat her if she did not pay": a threat, not a beating
    if _FUTURE.search(prefix):
        return "future"
    if _SAID_WOULD.search(clause):
        return "said would"
    if _THREAT.search(clause):
        return "threatened"
    if _FEARED.search(clause):
        return "feared"
    return None


def _conditional(clause: str) -> bool:
    """Whether a condition governs the end of ``clause``: the last "if" of the clause,
    unless the "if" clause is over and the rest, told without a modal, is what happened."""
    found = list(_CONDITIONAL.finditer(clause))
    if not found:
        return False
    last = found[-1]
    rest = clause[last.start() :]
    return not (
        last.group().lower() in ("if", "whether")
        and _IF_THEN_PAST.match(rest) is not None
        and _MODAL.search(rest) is None
    )


def _in_title(text: str, sentence: Sentence, start: int, end: int) -> bool:
    """Whether the words at ``start:end`` are part of a title-case name inside a sentence
    that is not itself written in title case (a heading is read as prose)."""
    if not text[start : start + 1].isupper() or start == sentence.start:
        return False
    if re.match(r"I\b", text[start : start + 2]):
        return False  # the pronoun "I" starts no name ("When I was 15")
    words = sentence.text.split()
    if sum(1 for w in words if w[:1].isupper()) * 2 > len(words):
        return False
    before = text[sentence.start : start].split()
    after = text[end : sentence.end].split()
    prev = before[-1] if before else ""
    nxt = after[0] if after else ""
    if prev in ("and", "of", "&") and len(before) > 1:
        prev = before[-2]
    if nxt in ("and", "of", "&") and len(after) > 1:
        nxt = after[1]
    return bool(_TITLE_WORD.fullmatch(prev.strip('"“(')) or _TITLE_WORD.match(nxt))


def _matches(
    regex: re.Pattern[str], text: str, pos: int = 0, endpos: int | None = None
) -> Iterator[re.Match[str]]:
    """Matches that start on a word boundary (checked here: a look-behind in every
    pattern would stop the regex engine from skipping ahead quickly). The look-behinds a
    pattern starts with ("not after 'i '") are checked the same way, after the search."""
    for _, m in _matches_in(regex, text, ((pos, len(text) if endpos is None else endpos),)):
        yield m


def _matches_in(
    regex: re.Pattern[str], text: str, spans: Iterable[tuple[int, int]]
) -> Iterator[tuple[int, re.Match[str]]]:
    """:func:`_matches` in each of ``spans`` (start, end), with the span's index: one
    loop for the sentences of a page, as this runs for every pattern and sentence."""
    search, guard = _guarded(regex)
    for k, (pos, end) in enumerate(spans):
        while pos <= end:
            m = search.search(text, pos, end)
            if m is None:
                break
            start, stop = m.span()
            if (start > 0 and (text[start - 1].isalnum() or text[start - 1] == "_")) or (
                guard is not None and guard.match(text, start) is None
            ):
                pos = start + 1
                continue
            yield k, m
            pos = stop if stop > start else start + 1


# The look-behinds at the very start of a pattern, inside its outer group: "(?:(?<!\bi\s)".
_LEADING = re.compile(r"\(\?:((?:\(\?<[!=](?:[^()\\]|\\.)*\))+)")
_GUARDED: dict[re.Pattern[str], tuple[re.Pattern[str], re.Pattern[str] | None]] = {}


def _guarded(regex: re.Pattern[str]) -> tuple[re.Pattern[str], re.Pattern[str] | None]:
    """The pattern without its leading look-behinds, and those look-behinds on their own.

    A search for a pattern that starts with a look-behind tries every position of the page;
    without it, the engine skips ahead to where the first word can start. The look-behinds
    are then checked at the start of each match, which is the same test (a look-behind
    sees the text before the position it is tried at). Only done when the look-behinds
    govern the whole outer group (no "|" at its top level)."""
    got = _GUARDED.get(regex)
    if got is None:
        got = (regex, None)
        m = _LEADING.match(regex.pattern)
        if m is not None and _single_branch(regex.pattern, m.end()):
            rest = "(?:" + regex.pattern[m.end() :]
            got = (re.compile(rest, regex.flags), re.compile(m.group(1), regex.flags))
        if len(_GUARDED) > 4096:
            _GUARDED.clear()
        _GUARDED[regex] = got
    return got


def _single_branch(pattern: str, i: int) -> bool:
    """Whether the group open at ``pattern[i]`` (its "(?:" already read) has no "|" of
    its own before it closes."""
    depth = 0
    in_class = False
    while i < len(pattern):
        c = pattern[i]
        if c == "\\":
            i += 2
            continue
        if in_class:
            in_class = c != "]"
        elif c == "[":
            in_class = True
            if pattern[i + 1 : i + 2] == "]":
                i += 1
        elif c == "(":
            depth += 1
        elif c == ")":
            if depth == 0:
                return True
            depth -= 1
        elif c == "|" and depth == 0:
            return False
        i += 1
    return False


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
    sentences = bounded(split_sentences(norm), norm)
    starts = [s.start for s in sentences]
    asks = [is_question(s.text) for s in sentences]
    lemma_lines: dict[str, _Lemmas | None] = {}
    laws: dict[int, bool] = {}
    # Only the patterns whose prefilter words or lemmas are on the page are visited (in
    # catalogue order, so the first pattern to hit in a sentence still wins). Every
    # prefilter literal is looked for in one pass over the page (overlaps included).
    plan = _plan(catalogue)
    found_in = plan.literals.iter(lower) if plan.literals is not None else ()
    present = {lit for _, lit in found_in}
    found: dict[tuple[int, int], tuple[int, int, CompiledPattern, str | None]] = {}
    sentences_with: dict[str, set[int]] = {}

    def holding(literal: str) -> set[int]:
        """The sentences in which ``literal`` occurs (of the lower-cased page)."""
        got = sentences_with.get(literal)
        if got is None:
            got = sentences_with[literal] = set()
            i = lower.find(literal)
            while i >= 0:
                got.add(bisect_right(starts, i) - 1)
                i = lower.find(literal, i + 1)
        return got

    candidates = set(plan.always)
    for lit in present:
        candidates.update(plan.by_literal.get(lit, ()))
    for language in plan.languages:
        lemma_lines[language] = (
            _Lemmas(norm, sentences, language)
            if language == "en" or _looks_like(language, norm)
            else None
        )
    for language, by_anchor in plan.by_anchor.items():
        got = lemma_lines[language]
        if got is not None:
            for word in got.line.words & by_anchor.keys():
                candidates.update(by_anchor[word])
    for i in sorted(candidates):
        k, pattern = plan.flat[i]
        if pattern.on_lemmas:
            lemmas = lemma_lines[pattern.language]
            if lemmas is None:
                continue
            if pattern.anchors is not None:
                if pattern.anchors.isdisjoint(lemmas.line.words):
                    continue
            elif pattern.literals is not None and not any(
                lit in lemmas.line.line for lit in pattern.literals
            ):
                continue
            matches = lemmas.matches(pattern.regex, pattern.first, found, k, pattern.anchors)
        else:
            only: list[int] | None = None
            if pattern.literals is not None:
                if present.isdisjoint(pattern.literals):
                    continue
                if len(sentences) > 2:  # on a page of a sentence or two, finding them costs more
                    # Every match holds a literal and lies in one sentence: only the
                    # sentences holding one are searched.
                    only = sorted(
                        {i for lit in present.intersection(pattern.literals) for i in holding(lit)}
                    )
            subject = norm if pattern.case_sensitive else lower
            matches = _sentence_matches(pattern.regex, subject, sentences, starts, only)
        for idx, start, end in matches:
            key = (idx, k)
            previous = found.get(key)
            if (asks[idx] and not pattern.allow_question) or (
                previous is not None and previous[3] is None
            ):
                continue
            s = sentences[idx]
            law = laws.get(idx)
            if law is None:
                law = laws[idx] = _LAW.search(s.text) is not None
            why = _blocked(s.text, start - s.start, end - s.start, pattern, law)
            if why is None and _in_title(norm, s, start, end):
                why = "name"
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
        details = _hit_details(text, ind, sentence.start, sentence.end, start, end)
        details["pattern"] = pattern.source
        details["language"] = pattern.language
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


def _hit_details(
    text: str, ind: CompiledIndicator, lo: int, hi: int, start: int, end: int
) -> dict[str, object]:
    """What a hit of ``ind`` at ``start:end`` in the sentence ``lo:hi`` says: the indicator,
    the concepts it supports, its sentence and, where the sentence says so, who did it
    (agent) to whom (patient). The same for a found hit and one tagged by hand."""
    details: dict[str, object] = {
        "indicator": ind.id,
        "label": ind.indicator.label,
        "source": ind.indicator.source,
        "group": ind.indicator.group,
        "concepts": list(ind.indicator.concepts),
        "sentence": text[lo:hi],
        "sentence_span": (lo, hi),
    }
    if ind.indicator.own_words:
        details["own_words"] = True
    else:
        agent, patient = roles(text, lo, hi, start, end)
        if agent is not None:
            details["agent"], details["agent_span"] = text[agent[0] : agent[1]], agent
        if patient is not None:
            details["patient"], details["patient_span"] = text[patient[0] : patient[1]], patient
    return details


def tagged_by_hand(text: str, start: int, end: int, indicator_id: str, page: int = 1) -> Extraction:
    """The hit a person tags by hand at ``start:end`` of a page's ``text`` (a passage the
    patterns missed): the same details as a found hit, its sentence widened to the whole
    sentences the passage touches, confidence 1. Raises KeyError for an unknown indicator
    and ValueError for a span outside the text or holding no word."""
    if not 0 <= start < end <= len(text) or not text[start:end].strip():
        raise ValueError(f"characters {start}-{end} hold no passage of this page")
    ind = next((i for i in load_indicators() if i.id == indicator_id), None)
    if ind is None:
        raise KeyError(indicator_id)
    norm = text.replace("’", "'")  # as find_indicators splits (same length)
    sentences = bounded(split_sentences(norm), norm)
    touched = [s for s in sentences if s.start < end and s.end > start] or [
        Sentence(start, end, text[start:end])
    ]
    lo, hi = min(start, touched[0].start), max(end, touched[-1].end)
    details = _hit_details(text, ind, lo, hi, start, end)
    details["by_hand"] = True
    return Extraction("indicator", text[start:end], ind.id, page, (start, end), 1.0, details)


@dataclass(frozen=True, slots=True)
class _Plan:
    """The catalogue's patterns in order, indexed by what lets them be skipped."""

    flat: tuple[tuple[int, CompiledPattern], ...]
    # Surface patterns by prefilter literal; lemma patterns by language, then anchor lemma.
    by_literal: dict[str, tuple[int, ...]]
    by_anchor: dict[str, dict[str, tuple[int, ...]]]
    # Patterns with nothing to be skipped by (tried on every page).
    always: tuple[int, ...]
    languages: tuple[str, ...]
    # The keys of by_literal as one Aho-Corasick automaton (None when there are none).
    literals: ahocorasick.Automaton | None


def _plan(catalogue: Sequence[CompiledIndicator]) -> _Plan:
    key = tuple(id(ci) for ci in catalogue)
    got = _PLANS.get(key)
    if got is None:
        flat = tuple((k, p) for k, ci in enumerate(catalogue) for p in ci.patterns)
        by_literal: dict[str, list[int]] = {}
        by_anchor: dict[str, dict[str, list[int]]] = {}
        always: list[int] = []
        for i, (_, p) in enumerate(flat):
            if p.on_lemmas and p.anchors is not None:
                for word in p.anchors:
                    by_anchor.setdefault(p.language, {}).setdefault(word, []).append(i)
            elif not p.on_lemmas and p.literals is not None:
                for lit in p.literals:
                    by_literal.setdefault(lit, []).append(i)
            else:
                always.append(i)
        languages = tuple(dict.fromkeys(p.language for _, p in flat if p.on_lemmas))
        got = _Plan(
            flat,
            {lit: tuple(ids) for lit, ids in by_literal.items()},
            {lang: {w: tuple(ids) for w, ids in m.items()} for lang, m in by_anchor.items()},
            tuple(always),
            languages,
            _automaton(by_literal),
        )
        if len(_PLANS) > 8:
            _PLANS.clear()
        _PLANS[key] = got
    return got


_PLANS: dict[tuple[int, ...], _Plan] = {}


def _automaton(words: Iterable[str]) -> ahocorasick.Automaton | None:
    """An automaton that finds each of ``words`` as itself, or None for no words."""
    automaton = ahocorasick.Automaton()
    for word in words:
        automaton.add_word(word, word)
    if len(automaton) == 0:
        return None
    automaton.make_automaton()
    return automaton


def _sentence_matches(
    regex: re.Pattern[str],
    subject: str,
    sentences: list[Sentence],
    starts: list[int],
    only: list[int] | None = None,
) -> Iterator[tuple[int, int, int]]:
    """(sentence index, start, end) of matches that lie inside one sentence.

    The page is scanned once; a match that runs over a sentence end (a gap can cross a
    full stop) is searched again inside its first sentence only. With ``only`` (sentence
    indexes in order), just those sentences, each searched on its own as lemma patterns
    are, so that no search runs on through the sentences left out."""
    if only is not None:
        spans = [(sentences[idx].start, sentences[idx].end) for idx in only]
        for k, hit in _matches_in(regex, subject, spans):
            yield only[k], hit.start(), hit.end()
        return
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


# Frequent short words of a language other than English: a page holding a few of them is
# read as lemmas of that language too (a mixed-language page gets both readings).
# Counted in lower case only, and without "de", "la" and "del": those stand in names
# ("Maria de la Cruz", "El Paso", "Los Angeles") on pages in any language.
_FUNCTION_WORDS = {
    "es": re.compile(
        r"\b(?:el|en|y|los|las|que|por|para|con|una|un|su|sus|se|lo|al|fue|fueron|era|eran|"
        r"pero|muy|también|está|están|él|ella|ellos|ellas|había|según|como|les|nos)\b"
    ),
}


def _looks_like(language: str, text: str) -> bool:
    """Whether ``text`` (a page as written) holds enough of ``language``'s function words
    to be worth reading as its lemmas too: one word in twelve (of the first 2,400 words'
    worth: a long page with a section in that language qualifies), at least two unless the
    text is a single short sentence."""
    regex = _FUNCTION_WORDS.get(language)
    if regex is None:
        return False
    hits = sum(1 for _ in zip(range(200), regex.finditer(text), strict=False))
    words = text.count(" ") + 1
    return hits >= (1 if words < 12 else 2) and hits * 12 >= min(words, 200 * 12)


class _Lemmas:
    """The page's lemma line in one language, sentence by sentence, built once per page
    and only when a lemma pattern of that language is tried."""

    def __init__(self, text: str, sentences: list[Sentence], language: str = "en") -> None:
        self.line: LemmaLine = lemma_line(
            text, [(s.start, s.end) for s in sentences], language=language
        )
        self.sentences = [
            Sentence(a, b, "") for a, b in zip(self.line.starts, self.line.ends, strict=True)
        ]
        self.starts = self.line.starts
        self._sentences_with: dict[frozenset[str], set[int]] = {}
        self._starting: dict[frozenset[str], list[int]] = {}

    def matches(
        self,
        regex: re.Pattern[str],
        first: frozenset[str] | None = None,
        done: dict[tuple[int, int], tuple[int, int, CompiledPattern, str | None]] | None = None,
        k: int = -1,
        anchors: frozenset[str] | None = None,
    ) -> Iterator[tuple[int, int, int]]:
        """(sentence index, page start, page end) of the matches inside one sentence.
        With ``first`` (the lemmas every match starts with) the regex is tried only where
        one of them stands on the line, and not in sentences where indicator ``k`` already
        has a hit in ``done``; with ``anchors`` (one of which every match holds) only in
        the sentences that hold one."""
        if first is None and anchors is not None:
            found: Iterator[tuple[int, int, int]] = self._in_sentences(regex, anchors)
        elif first is None:
            found = _sentence_matches(regex, self.line.line, self.sentences, self.starts)
        else:
            within = None if anchors is None or anchors == first else self._holding(anchors)
            found = self._anchored(regex, first, done or {}, k, within)
        for idx, a, b in found:
            start, end = self.line.page_span(idx, a, b)
            yield idx, start, end

    def _in_sentences(
        self, regex: re.Pattern[str], anchors: frozenset[str]
    ) -> Iterator[tuple[int, int, int]]:
        # A match lies inside one sentence and holds an anchor, so only the sentences
        # where an anchor stands are searched, each on its own.
        ids = sorted(self._holding(anchors))
        return _sentence_matches(regex, self.line.line, self.sentences, self.starts, ids)

    def _holding(self, anchors: frozenset[str]) -> set[int]:
        """The sentences where one of ``anchors`` stands (patterns share anchor sets)."""
        got = self._sentences_with.get(anchors)
        if got is None:
            where, starts = self.line.where, self.starts
            got = {bisect_right(starts, p) - 1 for w in anchors & self.line.words for p in where(w)}
            self._sentences_with[anchors] = got
        return got

    def _anchored(
        self,
        regex: re.Pattern[str],
        first: frozenset[str],
        done: dict[tuple[int, int], tuple[int, int, CompiledPattern, str | None]],
        k: int,
        within: set[int] | None = None,
    ) -> Iterator[tuple[int, int, int]]:
        # ``within``: the only sentences a match can lie in (those holding an anchor).
        positions = self._starting.get(first)
        if positions is None:  # patterns share their first lemmas ("be", "not", ...)
            where = self.line.where
            positions = sorted(p for w in first & self.line.words for p in where(w))
            self._starting[first] = positions
        line = self.line.line
        after = -1
        for pos in positions:
            if pos < after:
                continue
            idx = bisect_right(self.starts, pos) - 1
            if idx < 0 or (within is not None and idx not in within):
                continue
            hit = done.get((idx, k))
            if hit is not None and hit[3] is None:
                continue
            m = regex.match(line, pos, self.sentences[idx].end)
            if m is not None:
                after = m.end()
                yield idx, m.start(), m.end()
