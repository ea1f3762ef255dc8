"""Mentions of known people (fuzzy, alias-aware) and unknown person-like names as candidates.

Matching is token-based: each name variant is split into tokens, folded (lower
case, no diacritics: "Ștefan" = "Stefan"), and compared with windows of text
tokens in any order ("Popescu Ion"), with initials ("I. Popescu") and small typos
(rapidfuzz ratio). Candidates are never turned into people here; a person decides.
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from bisect import bisect_left
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import NamedTuple

from rapidfuzz import fuzz, process

from palermo.extract.identifiers import place_names
from palermo.extract.types import Extraction

TOKEN = re.compile(r"[^\W\d_](?:[^\W\d_]|['’\-](?=[^\W\d_]))*\.?")
MIN_SCORE = 0.85
TOKEN_MIN = 80.0

_STOP_WORDS = """
    i me my we our you your he she it they them his her their the a an and or but if then so
    this that these those there here when where what who why how yes no not mr mrs ms miss dr
    sir madam señor señora senor senora don doña domnul doamna police officer inspector agent
    judge court prosecutor monday tuesday wednesday thursday friday saturday sunday january
    february march april may june july august september october november december today
    yesterday tomorrow god hello hi ok okay thanks thank please sorry dear regards subject
    from to date sent cc re fwd fw via whatsapp telegram instagram facebook signal viber
    google western union moneygram visa mastercard paypal revolut bank hotel street road
    avenue boss mom mum dad mother father brother sister uncle aunt after before during
    at in on of for with by about into over under after then also just only still even
    statement witness victim suspect page message chat media omitted later when because since
    once finally now soon suddenly next first last meanwhile however luckily unfortunately
    every each one some many sometimes always never afterwards there later
    banca banco bank company agency club restaurant group services ltd srl inc llc gmbh sa
    university school hospital station airport ministry embassy consulate central national
"""
_STOP = frozenset(_STOP_WORDS.split())
_TITLES = frozenset(
    {
        "mr",
        "mrs",
        "ms",
        "miss",
        "dr",
        "señor",
        "señora",
        "sr",
        "sra",
        "don",
        "doña",
        "domnul",
        "doamna",
        "madame",
        "monsieur",
        "herr",
        "frau",
    }
)
_PARTICLES = frozenset({"de", "del", "la", "van", "von", "der", "da", "di", "dos", "bin", "al"})


@dataclass(frozen=True, slots=True)
class KnownPerson:
    """A person already in the case: key (id or pseudonym), name and aliases."""

    key: str
    name: str
    aliases: tuple[str, ...] = field(default=())

    @property
    def variants(self) -> list[str]:
        return [v for v in (self.name, *self.aliases) if v and v.strip()]


class _Token(NamedTuple):
    """A word of the page (a named tuple: made for every word, so it must be cheap)."""

    text: str
    folded: str
    start: int
    end: int
    initial: bool
    capitalised: bool
    sentence_start: bool


@lru_cache(maxsize=65536)
def fold(text: str) -> str:
    """Lower case without diacritics; "Ștefan Ţurcanu" -> "stefan turcanu"."""
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return stripped.replace("ß", "ss").replace("ø", "o").replace("ł", "l").lower()


def tokenize(text: str) -> list[_Token]:
    tokens: list[_Token] = []
    for m in TOKEN.finditer(text):
        start = m.start()
        word = m.group().rstrip(".")
        initial = len(word) == 1 and word.isupper()
        end = m.end() if initial else start + len(word)
        # Sentence start: the last non-blank character before the word ends a sentence.
        j = start - 1
        while j >= 0 and text[j] in " \t":
            j -= 1
        sentence_start = j < 0 or text[j] in ".!?…\n"
        tokens.append(
            _Token(word, fold(word), start, end, initial, word[:1].isupper(), sentence_start)
        )
    return tokens


@dataclass(slots=True)
class _Variant:
    key: str
    text: str
    tokens: list[str]
    weight: float


def _variants(people: Sequence[KnownPerson]) -> list[_Variant]:
    out: list[_Variant] = []
    for person in people:
        for variant in person.variants:
            folded = [fold(t.group().rstrip(".")) for t in TOKEN.finditer(variant)]
            if not folded:
                continue
            out.append(_Variant(person.key, variant, folded, 1.0))
            # "Maria Lopez" for "Maria Lopez Garcia": first name with one other name.
            if len(folded) >= 3:
                for other in folded[1:]:
                    out.append(_Variant(person.key, variant, [folded[0], other], 0.95))
    return out


@lru_cache(maxsize=8)
def _index(people: tuple[KnownPerson, ...]) -> tuple[list[str], dict[str, list[_Variant]]]:
    """Name tokens of all people, and the name variants each token belongs to (cached:
    the same people are searched page after page)."""
    variants = _variants(people)
    by_name_token: dict[str, list[_Variant]] = {}
    for v in variants:
        for t in set(v.tokens):
            by_name_token.setdefault(t, []).append(v)
    vocabulary = sorted(t for t in by_name_token if len(t) > 1)
    return vocabulary, by_name_token


def _token_score(tok: _Token, name_token: str, cache: dict[tuple[str, str], float]) -> float:
    if tok.initial:
        # "I." matches "Ion", a little below a full match.
        return 90.0 if name_token.startswith(tok.folded) else 0.0
    if len(name_token) == 1:
        return 90.0 if tok.folded.startswith(name_token) else 0.0
    key = (tok.folded, name_token)
    score = cache.get(key)
    if score is None:
        # Short tokens get no typo allowance: "Ana" must not match "Ada".
        score = (
            fuzz.ratio(tok.folded, name_token)
            if min(len(tok.folded), len(name_token)) > 3
            else (100.0 if tok.folded == name_token else 0.0)
        )
        cache[key] = score
    return score


def find_mentions(
    text: str,
    people: Sequence[KnownPerson],
    *,
    page: int = 1,
    min_score: float = MIN_SCORE,
    tokens: list[_Token] | None = None,
) -> list[Extraction]:
    """Mentions of ``people`` in ``text``: kind "mention", value = person key, with a score.

    ``tokens`` may be passed when the caller already has ``tokenize(text)``."""
    if not people:
        return []
    tokens = tokenize(text) if tokens is None else tokens
    vocabulary, by_name_token = _index(tuple(people))
    # Which variants each distinct text token could belong to (one C-speed pass per token).
    candidates: dict[str, list[_Variant]] = {}
    for folded in {t.folded for t in tokens if not t.initial}:
        close = process.extract(
            folded, vocabulary, scorer=fuzz.ratio, score_cutoff=TOKEN_MIN, limit=None
        )
        if close:
            seen: dict[int, _Variant] = {}
            for name_token, _score, _ in close:
                for v in by_name_token[name_token]:
                    seen[id(v)] = v
            candidates[folded] = list(seen.values())
    useful = set(candidates)
    cache: dict[tuple[str, str], float] = {}
    found: list[Extraction] = []
    for i, tok in enumerate(tokens):
        if tok.initial:
            # "I. Popescu": the full word that follows decides which names to try.
            following = tokens[i + 1].folded if i + 1 < len(tokens) else ""
            options = candidates.get(following, [])
        else:
            options = candidates.get(tok.folded, [])
        for variant in options:
            n = len(variant.tokens)
            window = tokens[i : i + n]
            if len(window) < n or _broken(text, window):
                continue
            score = _window_score(window, variant.tokens, cache)
            if score is not None:
                score *= variant.weight
            partial = False
            if score is None and n > 1 and tok.folded in useful and tok.capitalised:
                # A surname alone ("Popescu said") is a weaker mention.
                single = _token_score(tok, variant.tokens[-1], cache)
                prev = tokens[i - 1] if i else None
                # "Ada Moraru" is someone else than "Ana Moraru": a different given name
                # right before the surname rules the partial mention out.
                other_given = (
                    prev is not None
                    and prev.capitalised
                    and not _broken(text, [prev, tok])
                    and prev.folded not in _STOP
                )
                if single >= 90 and len(variant.tokens[-1]) > 3 and not other_given:
                    score, window, partial = single / 100 * 0.75, [tok], True
            if score is None:
                continue
            if (
                not partial
                and not any(t.capitalised for t in window if not t.initial)
                and score < 0.95
            ):
                continue
            if score < (0.6 if partial else min_score):
                continue
            start, end = window[0].start, window[-1].end
            found.append(
                Extraction(
                    "mention",
                    text[start:end],
                    variant.key,
                    page,
                    (start, end),
                    round(score, 3),
                    {"matched": variant.text, "partial": partial},
                )
            )
    return _best_non_overlapping(found)


def _broken(text: str, window: list[_Token]) -> bool:
    """A name does not run across a sentence end, a line break or punctuation other than '.'."""
    for a, b in itertools.pairwise(window):
        gap = text[a.end : b.start]
        if "\n" in gap or any(c in gap for c in ',;:!?()"') or len(gap) > 3:
            return True
        if "." in gap and not a.initial:  # "Moldovan. I was born" ends a sentence
            return True
    return False


def _window_score(
    window: list[_Token], names: list[str], cache: dict[tuple[str, str], float]
) -> float | None:
    best: float | None = None
    orders: Iterable[tuple[str, ...]] = (
        itertools.permutations(names) if len(names) <= 4 else [tuple(names)]
    )
    for order in orders:
        scores = [_token_score(t, n, cache) for t, n in zip(window, order, strict=True)]
        if min(scores) < TOKEN_MIN:
            continue
        # At least one full word (not only initials) must match well.
        if not any(s >= 90 and not t.initial for s, t in zip(scores, window, strict=True)):
            continue
        mean = sum(scores) / len(scores) / 100
        if best is None or mean > best:
            best = mean
    return best


def _best_non_overlapping(found: list[Extraction]) -> list[Extraction]:
    # Prefer longer, then better-scored matches; keep ties between different people.
    ranked = sorted(found, key=lambda e: (-(e.end - e.start), -e.confidence, e.start))
    # Kept spans never overlap (identical ambiguous spans aside), so sorted by start
    # they are also sorted by end: the clashes of a span are found by bisection.
    starts: list[int] = []
    kept_sorted: list[Extraction] = []
    for e in ranked:
        i = bisect_left(starts, e.end)
        clash: list[Extraction] = []
        j = i - 1
        while j >= 0 and kept_sorted[j].end > e.start:
            clash.append(kept_sorted[j])
            j -= 1
        if clash and not all(
            k.span == e.span and k.confidence == e.confidence and k.value != e.value for k in clash
        ):
            continue
        # Same words, same score, different people: ambiguous, keep both.
        position = bisect_left(starts, e.start)
        starts.insert(position, e.start)
        kept_sorted.insert(position, e)
    spans = Counter(e.span for e in kept_sorted)
    kept = [
        Extraction(
            e.kind, e.raw, e.value, e.page, e.span, e.confidence, {**e.details, "ambiguous": True}
        )
        if spans[e.span] > 1
        else e
        for e in kept_sorted
    ]
    return sorted(kept, key=lambda e: (e.span, e.value or ""))


class _Spans:
    """Taken character spans, for a fast "does this overlap any of them" test."""

    def __init__(self, spans: Iterable[tuple[int, int]]) -> None:
        ordered = sorted(spans)
        self._starts = [s for s, _ in ordered]
        self._max_end: list[int] = []
        highest = -1
        for _, end in ordered:
            highest = max(highest, end)
            self._max_end.append(highest)

    def overlaps(self, start: int, end: int) -> bool:
        i = bisect_left(self._starts, end)
        return i > 0 and self._max_end[i - 1] > start


@lru_cache(maxsize=1)
def _place_tokens() -> frozenset[str]:
    return frozenset(fold(p) for p in place_names())


def find_candidates(
    text: str,
    *,
    page: int = 1,
    exclude: Iterable[tuple[int, int]] = (),
    tokens: list[_Token] | None = None,
) -> list[Extraction]:
    """Unknown person-like names: runs of capitalised words that are not common words/places.

    A run must have two or more name words, or one after a title ("Mr Smith"). A run
    whose first word only looks capitalised because it starts a sentence loses that word
    when it is a stop word ("Then Maria Lopez" -> "Maria Lopez").
    """
    taken = _Spans(exclude)
    places = _place_tokens()
    tokens = tokenize(text) if tokens is None else tokens
    out: list[Extraction] = []
    run: list[_Token] = []
    titled = False

    def flush() -> None:
        nonlocal run, titled
        words = [t for t in run]
        while words and words[-1].folded in _PARTICLES:
            words.pop()
        names = [t for t in words if t.folded not in _PARTICLES]
        if len(names) >= 3 and words[0].sentence_start and words[0].folded.endswith("ly"):
            words, names = words[1:], names[1:]  # "Suddenly Ana Moraru"
        if len(names) >= 2 or (titled and len(names) == 1):
            start, end = words[0].start, words[-1].end
            if not taken.overlaps(start, end):
                raw = text[start:end]
                if fold(raw) not in places:
                    out.append(
                        Extraction(
                            "person_candidate",
                            raw,
                            " ".join(raw.split()),
                            page,
                            (start, end),
                            0.5 if len(names) >= 2 else 0.4,
                            {"titled": titled},
                        )
                    )
        run, titled = [], False

    for i, tok in enumerate(tokens):
        is_name = (
            tok.capitalised
            and not tok.initial
            and tok.folded not in _STOP
            and tok.folded not in places
            and len(tok.folded) > 1
            and not tok.text.isupper()
        )
        contiguous = bool(run) and not _broken(text, [run[-1], tok])
        before = text[tok.start - 1] if tok.start else " "
        if (
            tok.initial
            and tok.capitalised
            and i + 1 < len(tokens)
            and (before.isspace() or before in "(\"'")
        ):
            is_name = True  # "I. Popescu", but not the "B" of "113-B. Ref"
        if is_name and (not run or contiguous):
            run.append(tok)
            continue
        if run and contiguous and tok.folded in _PARTICLES and not tok.capitalised:
            run.append(tok)
            continue
        flush()
        if tok.folded in _TITLES:
            titled = True
            continue
        if is_name:
            run.append(tok)
    flush()
    return [c for c in out if not all(t.isupper() or len(t) == 1 for t in c.raw.split())]
