"""Trafficking indicators as data: ILO forced labour, UNODC sexual exploitation, FinCEN flags.

One YAML file per language (``en.yaml``, ``es.yaml``). Each indicator names the
concepts it supports (ids from ``law/concepts.yaml``) and the patterns that find
it in text. Pattern syntax, kept readable on purpose:

* ``{word}`` expands to the alternation listed under ``words:`` (word forms, no lemmatiser);
* a space means "one or more non-word characters" (spaces, punctuation), and `` ?``
  (space, question mark) "maybe some", for use after an optional group;
* `` ... `` (spaces around) means "up to six words in between";
* anything else is a Python regular expression, matched case-insensitively on word
  boundaries (write patterns in lower case; ``(?-i:...)`` marks a case-sensitive part).

A pattern may instead be written over lemmas (``lemma:``), matched on the page's lemma
line (see ``palermo.extract.lemmas``), so inflections need no listing: "confiscate"
matches "confiscated", "confiscates", "confiscating"; "be" matches "was", "were", "is".
Lemma pattern syntax, one token per space-separated item:

* ``a|b|c``: one token, any of these lemmas (regular expressions allowed, e.g. ``\\d+``);
* ``{word}``: the alternation listed under ``lemma_words:`` (may hold several tokens);
* a trailing ``?``: the token may be absent (``the?``);
* ``~``: up to five tokens (determiners, possessives, adjectives, names: "the victim's
  passport"), ``...``: up to eight, ``..N``: up to N; none crosses ``;``, ``:`` or a
  full stop.

A question is never a hit ("Did he take your passport?"), unless the pattern says
``allow_question`` (a buyer's "How much for an hour?" is the solicitation itself). An
indicator marked ``own_words`` speaks of the state of mind or the conduct of whoever wrote
or said the words (a buyer's request, a remark on a victim's age): its hits count only
against the sender of the message or the maker of the statement, never against someone
merely named near it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from palermo.law.concepts import LawDataError, load_concepts, pydantic_key, read_yaml

HERE = Path(__file__).parent
LANGUAGES = ("en", "es")
GAP = r"\W+(?:[\w'’]+\W+){0,6}?"
_MACRO = re.compile(r"\{([a-z_][a-z0-9_]*)\}")


class IndicatorPattern(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    # Exactly one of: a pattern over the words of the page, or over their lemmas.
    pattern: str = ""
    lemma: str = ""
    confidence: float = Field(default=0.8, gt=0, le=1)
    # Conditional sentences ("if you leave he will hurt your family") count for threats.
    allow_conditional: bool = False
    # Questions count ("How much for an hour?" is a buyer's solicitation).
    allow_question: bool = False
    # A nearby "not" does not undo it (a fact about the person: "did not allow children").
    negatable: bool = True

    @model_validator(mode="after")
    def _one_kind(self) -> IndicatorPattern:
        if bool(self.pattern) == bool(self.lemma):
            raise ValueError("give exactly one of 'pattern' and 'lemma'")
        return self


class Indicator(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str
    label: str
    # "US law": read from the statute and its case law (18 U.S.C. 1591), not an indicator list.
    source: Literal["ILO", "UNODC", "FinCEN", "FATF", "US law"]
    group: Literal["forced_labour", "sexual_exploitation", "financial", "mental_state"]
    concepts: list[str] = Field(min_length=1)
    patterns: list[IndicatorPattern] = Field(min_length=1)
    description: str = ""
    # Hits count only against the sender or maker of the words (see the module docstring).
    own_words: bool = False

    @field_validator("patterns", mode="before")
    @classmethod
    def _strings_are_patterns(cls, value: object) -> object:
        if isinstance(value, list):
            return [{"pattern": v} if isinstance(v, str) else v for v in value]
        return value


class IndicatorFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    language: str
    words: dict[str, str] = Field(default_factory=dict)
    lemma_words: dict[str, str] = Field(default_factory=dict)
    indicators: list[Indicator]


@dataclass(frozen=True, slots=True)
class CompiledPattern:
    """A pattern ready to match. Unless ``case_sensitive`` (it holds ``(?-i:...)``), the
    regex is meant for lower-cased text, which is several times faster than IGNORECASE;
    the word boundary before the match is checked by the caller for the same reason."""

    regex: re.Pattern[str]
    source: str
    confidence: float
    allow_conditional: bool
    language: str
    case_sensitive: bool = False
    # At least one of these occurs in any matching text (None: no prefilter).
    literals: tuple[str, ...] | None = None
    allow_question: bool = False
    # Matched on the lemma line of the page, not on its words.
    on_lemmas: bool = False
    negatable: bool = True
    # Lemma patterns: one of these lemmas is on the line whenever the pattern matches.
    anchors: frozenset[str] | None = None
    # Lemma patterns: every match starts with one of these lemmas.
    first: frozenset[str] | None = None


@dataclass(frozen=True, slots=True)
class CompiledIndicator:
    indicator: Indicator
    patterns: tuple[CompiledPattern, ...]

    @property
    def id(self) -> str:
        return self.indicator.id


def expand(pattern: str, words: dict[str, str]) -> str:
    """The regular expression for one readable pattern (see the module docstring)."""

    def macro(m: re.Match[str]) -> str:
        return f"(?:{words[m.group(1)]})"

    text = pattern.strip()
    text = re.sub(r"\s+\.\.\.\s+", "\x00", text)
    text = re.sub(r" \?", "\x01", text)
    text = re.sub(r"\s+", r"\\W+", text)
    text = text.replace("\x00", GAP).replace("\x01", r"\W*")
    text = _MACRO.sub(macro, text)
    return rf"(?:{text})(?![\w])"


# A gap skips determiners, adjectives and names, never a negation or a modal: "I was never
# locked in" and "I was afraid he would lock me in" are no "{person} be ~ lock".
_FILLER = (
    r"(?:(?![;:.!?] |(?:not|never|no|nobody|nothing|none|would|might|will|shall|"
    r"if|unless|nunca|jamás|nadie|ni) )\S+ )"
)


def expand_lemmas(pattern: str, words: dict[str, str]) -> str:
    """The regular expression, over a lemma line, for one lemma pattern."""
    out: list[str] = []
    for item in pattern.split():
        if item == "~":
            out.append(_FILLER + "{0,5}?")
            continue
        gap = re.fullmatch(r"\.\.(\d{1,2})", item)
        if gap:
            out.append(f"{_FILLER}{{0,{gap.group(1)}}}?")
            continue
        if item == "...":
            out.append(_FILLER + "{0,8}?")
            continue
        optional = item.endswith("?") and len(item) > 1
        body = item[:-1] if optional else item

        def macro(m: re.Match[str]) -> str:
            return f"(?:{words[m.group(1)]})"

        body = _MACRO.sub(macro, body)
        piece = f"(?:{body}) "
        out.append(f"(?:{piece})?" if optional else piece)
    return "".join(out)


_PLAIN = re.compile(r"[a-z][a-z'-]*(?:\|[a-z][a-z'-]*)*")


# Lemmas on nearly every line: an anchor set holding one of them lets a pattern be tried
# on every page and at every sentence, so a set without them is preferred (speed only:
# any mandatory item is a correct anchor).
_COMMON_LEMMAS = """
be have do to not never no for of at from in on with by and or a an the i we he she they
you it my our his her their would will can could should may might must get go make say
tell take give come only that this there all as so if when who what about up out me him
them us ser estar haber tener hacer decir de la el los las que en y por para con un una
su se lo al del
"""
_EVERYWHERE = frozenset(_COMMON_LEMMAS.split())


def lemma_anchors(pattern: str) -> frozenset[str] | None:
    """A set of plain lemmas of which one must be on a line the lemma pattern matches
    (from its mandatory one-token items), or None when no item qualifies: of those
    items, the smallest set without a lemma found on nearly every line, else the smallest
    set."""
    best: frozenset[str] | None = None
    best_cost = (True, 0)
    for item in pattern.split():
        if item in ("~", "...") or item.startswith("..") or item.endswith("?"):
            continue
        if not _PLAIN.fullmatch(item):
            continue
        words = frozenset(item.split("|"))
        cost = (not words.isdisjoint(_EVERYWHERE), len(words))
        if best is None or cost < best_cost:
            best, best_cost = words, cost
    return best


_LOOKBEHIND = re.compile(r"^(?:\(\?<[!=](?:[^()\\]|\\.)*\))+")


def first_lemmas(pattern: str) -> frozenset[str] | None:
    """The lemmas a match of the lemma pattern starts with, when its first item is a
    mandatory list of plain lemmas (look-behinds before it allowed), else None."""
    items = pattern.split()
    if not items or items[0].endswith("?") or items[0].startswith(".."):
        return None
    head = _LOOKBEHIND.sub("", items[0])
    if head.startswith("(?:") and head.endswith(")"):
        head = head[3:-1]
    return frozenset(head.split("|")) if _PLAIN.fullmatch(head) else None


def required_literals(regex: str) -> tuple[str, ...] | None:
    """Strings of which at least one occurs in any text the regex matches, or None.

    Used as a cheap prefilter: a pattern none of whose literals is in the page is not
    run at all. Relies on the standard library's regex parser; on any surprise the
    prefilter is simply off for that pattern."""
    try:
        from re import _constants as c  # type: ignore[attr-defined]
        from re import _parser as parser

        found = _required(parser.parse(regex), c)
    except Exception:
        return None
    return tuple(sorted(set(found))) if found else None


def _required(seq: Any, c: Any) -> list[str] | None:
    options: list[list[str]] = []
    run: list[str] = []

    def flush() -> None:
        if len(run) >= 2:
            options.append(["".join(run)])
        run.clear()

    for op, av in seq:
        if op is c.LITERAL:
            run.append(chr(av))
            continue
        flush()
        sub: list[str] | None = None
        if op is c.SUBPATTERN:
            # A case-sensitive group ("(?-i:[A-Z]...)") gives none: literals are looked
            # for in the lower-cased page.
            if not av[2] & c.SRE_FLAG_IGNORECASE:
                sub = _required(av[3], c)
        elif op is c.BRANCH:
            alternatives = [_required(branch, c) for branch in av[1]]
            if all(alternatives):
                sub = [lit for alt in alternatives if alt for lit in alt]
        elif op in (c.MAX_REPEAT, c.MIN_REPEAT) and av[0] >= 1:
            sub = _required(av[2], c)
        if sub:
            options.append(sub)
    flush()
    if not options:
        return None
    # The most selective choice: long literals, few alternatives.
    return max(options, key=lambda alts: (min(len(a) for a in alts), -len(alts)))


def _has_upper(regex: str) -> bool:
    return any(c.isupper() for c in re.sub(r"\\[A-Za-z]", "", regex))


def load_file(path: Path) -> tuple[IndicatorFile, list[CompiledIndicator]]:
    """Load and validate one indicator file; LawDataError names the file and key."""
    raw = read_yaml(path)
    try:
        data = IndicatorFile.model_validate(raw)
    except ValidationError as exc:
        key, msg = pydantic_key(exc)
        raise LawDataError(path, key, msg) from exc
    concepts = load_concepts()
    for name, alternation in data.words.items():
        try:
            re.compile(alternation)
        except re.error as exc:
            raise LawDataError(path, f"words.{name}", f"not a valid regex: {exc}") from exc
    seen: set[str] = set()
    compiled: list[CompiledIndicator] = []
    for i, ind in enumerate(data.indicators):
        where = f"indicators[{i}]({ind.id})"
        if ind.id in seen:
            raise LawDataError(path, where, f"duplicate indicator id '{ind.id}'")
        seen.add(ind.id)
        for cid in ind.concepts:
            if cid not in concepts:
                raise LawDataError(path, f"{where}.concepts", f"unknown concept id '{cid}'")
        patterns: list[CompiledPattern] = []
        for j, pat in enumerate(ind.patterns):
            if pat.lemma:
                patterns.append(_compile_lemma(path, f"{where}.patterns[{j}]", pat, data))
                continue
            for name in _MACRO.findall(pat.pattern):
                if name not in data.words:
                    raise LawDataError(
                        path, f"{where}.patterns[{j}]", f"unknown word list '{{{name}}}'"
                    )
            case_sensitive = "(?-i:" in pat.pattern
            if not case_sensitive and _has_upper(expand(pat.pattern, data.words)):
                raise LawDataError(
                    path,
                    f"{where}.patterns[{j}]",
                    "write patterns in lower case (they match lower-cased text)",
                )
            try:
                regex = re.compile(
                    expand(pat.pattern, data.words), re.IGNORECASE if case_sensitive else 0
                )
            except re.error as exc:
                raise LawDataError(
                    path, f"{where}.patterns[{j}]", f"not a valid pattern: {exc}"
                ) from exc
            literals = required_literals(regex.pattern)
            if case_sensitive and literals is not None:
                # Outside its "(?-i:...)" groups such a pattern ignores case.
                literals = tuple(sorted({lit.lower() for lit in literals}))
            patterns.append(
                CompiledPattern(
                    regex,
                    pat.pattern,
                    pat.confidence,
                    pat.allow_conditional,
                    data.language,
                    case_sensitive,
                    literals,
                    pat.allow_question,
                )
            )
        compiled.append(CompiledIndicator(ind, tuple(patterns)))
    return data, compiled


def _compile_lemma(
    path: Path, where: str, pat: IndicatorPattern, data: IndicatorFile
) -> CompiledPattern:
    for name in _MACRO.findall(pat.lemma):
        if name not in data.lemma_words:
            raise LawDataError(path, where, f"unknown lemma word list '{{{name}}}'")
    source = expand_lemmas(pat.lemma, data.lemma_words)
    if _has_upper(source):
        raise LawDataError(path, where, "write lemma patterns in lower case")
    try:
        regex = re.compile(source)
    except re.error as exc:
        raise LawDataError(path, where, f"not a valid lemma pattern: {exc}") from exc
    return CompiledPattern(
        regex,
        pat.lemma,
        pat.confidence,
        pat.allow_conditional,
        data.language,
        False,
        required_literals(regex.pattern),
        pat.allow_question,
        on_lemmas=True,
        negatable=pat.negatable,
        anchors=lemma_anchors(pat.lemma),
        first=first_lemmas(pat.lemma),
    )


def load_indicators(paths: list[Path] | None = None) -> list[CompiledIndicator]:
    """All indicators, patterns of every language merged by id (the first file's labels win)."""
    if paths is None:
        return list(_default())
    return _merge(paths)


@lru_cache(maxsize=1)
def _default() -> tuple[CompiledIndicator, ...]:
    return tuple(_merge([HERE / f"{lang}.yaml" for lang in LANGUAGES]))


def _merge(paths: list[Path]) -> list[CompiledIndicator]:
    merged: dict[str, CompiledIndicator] = {}
    for path in paths:
        _, compiled = load_file(path)
        for ind in compiled:
            if ind.id in merged:
                first = merged[ind.id]
                if set(first.indicator.concepts) != set(ind.indicator.concepts):
                    raise LawDataError(
                        path,
                        f"indicators({ind.id}).concepts",
                        "concepts differ from the first file that defines it",
                    )
                merged[ind.id] = CompiledIndicator(first.indicator, first.patterns + ind.patterns)
            else:
                merged[ind.id] = ind
    return list(merged.values())
