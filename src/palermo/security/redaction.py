"""Redaction of sealed identities from anything shown to a role that may not see them.

The redactor works on the *tokens of each sealed identity*, never on surname strings:

- **Names**: the full name, each alias, the short form "first last" and "last, first"
  (accents folded, case ignored) are replaced whole by the pseudonym ("V-01").
- **Lone name parts** (a first name, a surname or one word of a multi-word alias, three
  letters or more, particles such as "de" or "van" excluded) are replaced by the
  pseudonym *unless they are part of a longer name that names someone else*. The rule:
  a lone part is left alone when the word right before or right after it (on the same
  line, no punctuation in between) looks like another name part: it is capitalised, is
  not a title, a function word or a calendar word (see ``_NOT_NAMES``), and is not a token
  of a sealed identity itself. So with a victim "Sarah Jones", "Travis Jones" and
  "Jones Ltd" keep "Jones", while "Jones", "Ms Jones", "jones" and "Sarah" alone are
  replaced; with "Maria Lopez", an unrelated "Maria Rusu" stays "Maria Rusu". Full names
  of people who are not sealed (``keep``: suspects, buyers, officials) are matched whole
  and left as they are. When in doubt the part is replaced: over-redaction shows less.
  A known limit: in text written all in capitals every word looks capitalised, so
  "MARIA TRAVELLED" keeps "MARIA" (the verb is not in ``_NOT_NAMES``); full names and
  every other token are still replaced there.
- **Date of birth**: every written form of the date (ISO, day/month/year and
  month/day/year with ``/ . -``, two-digit years, "12 April 1998", "April 12th, 1998",
  English, Spanish, French and Romanian month names, a timestamp that starts with it)
  becomes "[V-01 date of birth]". An ambiguous numeric date is redacted when either
  reading (day first or month first) is the date of birth, and so is a year-first date
  whose month and day are swapped (the normalised value of such an ambiguous date).
- **Phone numbers** are compared on their digits (the last nine, or all when shorter, at
  least seven), so "+40 721 555 123", "0721-555-123" and "(0721) 555123" all become
  "[V-01 phone]".
- **E-mail addresses and handles**: the sealed ones, and any address or handle whose local
  part contains a name part of the victim (an address built from her name, such as
  ``sjones88@mail.test``) unless it also contains a name part of a kept person, become
  "[V-01 e-mail]" / "[V-01 handle]".
- **Addresses, locations (a shelter), other sealed details** are matched as phrases
  (case and spacing ignored; an address also by its first comma-separated part when that
  part has a number and a word): "[V-01 address]", "[V-01 location]", "[V-01 detail]".

Literal forms are found in one pass of an Aho-Corasick automaton over a case- and
accent-folded copy of the text (same length, so positions carry over; runs of spaces
are squeezed with a position map); dates are read only around the years of the sealed
dates of birth, e-mails and handles around each "@", phones by one compiled expression;
each match is compared with the sealed values. Every detector reports spans on the
original text; overlaps are resolved leftmost-longest, and the text is rebuilt once.
"""

from __future__ import annotations

import bisect
import dataclasses
import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

import ahocorasick

T = TypeVar("T")
_MIN_PART = 3
_PARTICLES_TEXT = "de del della der di da das do dos du la le las los van von bin ibn al el y e"
_PARTICLES = frozenset(_PARTICLES_TEXT.split())
# Capitalised words that do not make a neighbouring name part someone else's name.
_NOT_NAMES_TEXT = """
mr mrs ms miss mx dr prof sir madam dame lady lord mister senor senora senorita sr sra
srta don dona doamna domnul dl dna officer detective agent judge victim witness
the a an and or but if then than when while where who whom whose which what why how
this that these those there here he she it they we you i me him her them us my his its
our your their mine hers yours theirs to of in on at by for from with without into onto
as is was were be been are am has had have do did does not no yes so also after before
since until during about above below over under near between per via said says told
asked called met saw left went came yesterday today tomorrow dear hi hello hey thanks
thank regards best subject re fwd cc bcc sent
monday tuesday wednesday thursday friday saturday sunday january february march april
may june july august september october november december
lunes martes miercoles jueves viernes sabado domingo
"""
_NOT_NAMES = frozenset(_NOT_NAMES_TEXT.split())
_MONTHS: dict[str, int] = {}
for _number, _names in enumerate(
    [
        "january jan enero ene janvier ianuarie ian",
        "february feb febrero fevrier fev februarie",
        "march mar marzo mars martie",
        "april apr abril abr avril aprilie",
        "may mayo mai",
        "june jun junio juin iunie iun",
        "july jul julio juillet juil iulie iul",
        "august aug agosto ago aout august",
        "september sep sept septiembre septembre septembrie",
        "october oct octubre octobre octombrie",
        "november nov noviembre novembre noiembrie noi",
        "december dec diciembre dic decembre decembrie",
    ],
    start=1,
):
    for _name in str.split(_names):
        _MONTHS[_name] = _number
_MONTH = "|".join(sorted(_MONTHS, key=len, reverse=True))
_DATES = re.compile(
    r"(?<![\w/.-])(?:"
    r"(?P<iy>\d{4})[-/.](?P<im>\d{1,2})[-/.](?P<id>\d{1,2})"
    r"|(?P<na>\d{1,2})(?P<sep>[-/.])(?P<nb>\d{1,2})(?P=sep)(?P<ny>\d{4}|\d{2})"
    rf"|(?P<td>\d{{1,2}})(?:st|nd|rd|th)?\.?(?:\s+(?:of|de))?\s+(?P<tm>{_MONTH})\.?,?"
    rf"(?:\s+(?:de|del))?\s+(?P<ty>\d{{4}})"
    rf"|(?P<um>{_MONTH})\.?\s+(?P<ud>\d{{1,2}})(?:st|nd|rd|th)?,?\s+(?P<uy>\d{{4}})"
    r")(?:(?![\w/])|(?=T\d))",
    re.IGNORECASE,
)
_PHONES = re.compile(r"(?<![\w+])(?:\+|00)?\(?\d[\d\s().\-/]{5,}\d(?!\w)")
_AT = re.compile("@")
_NUMBERS = re.compile(r"\d+")
_EMAIL_DOMAIN = re.compile(r"[\w-]+(?:\.[\w-]+)+")
_HANDLE = re.compile(r"\w{2,}")
_SPACE_RUNS = re.compile(r" {2,}")
_WORD_AFTER = re.compile(r"[ \t]+([^\W\d_][\w'’-]*)")
# Tags, and whole <style>/<script> elements, are kept apart from the text between them.
_HTML_PARTS = re.compile(
    r"(<style\b.*?</style>|<script\b.*?</script>|<!--.*?-->|<[^>]*>)", re.IGNORECASE | re.DOTALL
)


def _fold_char(char: str) -> str:
    lower = char.lower()
    if len(lower) != 1:
        lower = char
    base = unicodedata.normalize("NFKD", lower)[:1] or lower
    if not base.isalnum() and lower.isalnum():
        base = lower
    if char.isspace():
        return " "
    return base if len(base) == 1 else lower


# One character in, one character out: the folded text has the original's positions.
_FOLD = {cp: _fold_char(chr(cp)) for cp in range(0x80, 0x2000)}
_FOLD.update({cp: chr(cp).lower() for cp in range(ord("A"), ord("Z") + 1)})
_FOLD.update({ord(c): " " for c in "\t\n\r\x0b\x0c"})
_FOLD = {k: v for k, v in _FOLD.items() if v != chr(k)}


def fold(text: str) -> str:
    """Lower case, accents removed, white space as plain spaces; same length as ``text``."""
    return text.translate(_FOLD)


def _squash(text: str) -> str:
    return " ".join(fold(text).split())


def _digits(text: str) -> str:
    return "".join(c for c in text if c.isdigit())


def _year(raw: str) -> set[int]:
    value = int(raw)
    return {value} if len(raw) == 4 else {1900 + value, 2000 + value}


def parse_date(value: Any) -> set[tuple[int, int, int]]:
    """Every (year, month, day) a sealed date of birth can be read as (both readings of
    an ambiguous 03/04/1998); empty when it is not a date."""
    match = _DATES.fullmatch(str(value or "").strip())
    return _date_readings(match) if match is not None else set()


def _date_readings(m: re.Match[str]) -> set[tuple[int, int, int]]:
    g = m.groupdict()
    if g["iy"]:
        # Year first is month then day, but a normalised value of an ambiguous date may
        # carry the other reading: both count (fail closed).
        y, a, b = int(g["iy"]), int(g["im"]), int(g["id"])
        return {(y, a, b), (y, b, a)}
    if g["ny"]:
        a, b = int(g["na"]), int(g["nb"])
        # Day-first or month-first: either reading counts (fail closed).
        return {(y, mo, d) for y in _year(g["ny"]) for d, mo in ((a, b), (b, a))}
    if g["ty"]:
        return {(int(g["ty"]), _MONTHS[g["tm"].lower()], int(g["td"]))}
    return {(int(g["uy"]), _MONTHS[g["um"].lower()], int(g["ud"]))}


@dataclass(frozen=True, slots=True)
class IdentityTokens:
    """What of one sealed identity must not be shown, and the pseudonym that replaces it."""

    pseudonym: str
    names: Sequence[str] = ()  # full name first, then aliases
    dates_of_birth: Sequence[str] = ()
    phones: Sequence[str] = ()
    emails: Sequence[str] = ()
    handles: Sequence[str] = ()
    addresses: Sequence[str] = ()
    locations: Sequence[str] = ()
    details: Sequence[str] = ()

    def values(self) -> list[str]:
        """Every token as given (for tests and audits of what is hidden)."""
        out = [*self.names, *self.dates_of_birth, *self.phones, *self.emails, *self.handles]
        return [v for v in [*out, *self.addresses, *self.locations, *self.details] if v]


IdentityInput = IdentityTokens | tuple[str, Iterable[str]]


def _name_forms(name: str) -> tuple[set[str], set[str]]:
    """(whole forms, lone parts) of a name, folded."""
    words = [w for w in re.split(r"[\s,]+", _squash(name)) if w]
    wholes: set[str] = set()
    parts: set[str] = set()
    if not words:
        return wholes, parts
    if len(words) == 1:
        if len(words[0]) >= _MIN_PART:
            parts.add(words[0])
        return wholes, parts
    wholes.add(" ".join(words))
    core = [w for w in words if w not in _PARTICLES]
    if len(core) >= 2:
        wholes.add(f"{core[0]} {core[-1]}")
        wholes.add(f"{core[-1]}, {core[0]}")
        wholes.add(f"{core[-1]} {core[0]}")
    for word in words:
        for piece in [*re.split(r"[.'’-]+", word), word]:
            if len(piece) >= _MIN_PART and piece not in _PARTICLES and piece.isalpha():
                parts.add(piece)
    return wholes, parts


@dataclass(slots=True)
class _Compiled:
    automaton: Any = None
    # folded form -> list of (kind, pseudonym or None for kept names, label)
    forms: dict[str, list[tuple[str, str | None, str]]] = field(default_factory=dict)
    dates: dict[tuple[int, int, int], str] = field(default_factory=dict)
    phones: list[tuple[str, str]] = field(default_factory=list)
    emails: dict[str, str] = field(default_factory=dict)
    handles: dict[str, str] = field(default_factory=dict)
    name_parts: dict[str, str] = field(default_factory=dict)  # lone part -> pseudonym
    kept_parts: set[str] = field(default_factory=set)
    victim_words: set[str] = field(default_factory=set)
    phone_suffixes: dict[tuple[int, str], str] | None = None
    years: set[str] = field(default_factory=set)  # the years of the dates of birth


class Redactor:
    """Replaces every token of each sealed identity by its pseudonym or a neutral token.

    ``identities``: :class:`IdentityTokens`, or ``(pseudonym, names)`` pairs.
    ``keep``: full names that are not sealed (suspects, buyers, officials): matched whole
    and left as they are. A kept name that is also a sealed identity's name is replaced.
    See the module docstring for the rules."""

    def __init__(self, identities: Iterable[IdentityInput], keep: Iterable[str] = ()) -> None:
        c = _Compiled()
        self._c = c
        any_token = False
        for item in identities:
            tokens = (
                item
                if isinstance(item, IdentityTokens)
                else IdentityTokens(item[0], tuple(item[1]))
            )
            any_token |= self._add_identity(tokens)
        if any_token:
            for name in keep:
                wholes, parts = _name_forms(name)
                c.kept_parts.update(p for p in parts if p not in c.victim_words)
                for form in wholes:
                    c.forms.setdefault(form, []).append(("keep", None, ""))
        self.active = any_token
        if c.forms:
            automaton = ahocorasick.Automaton()
            for form in c.forms:
                automaton.add_word(form, form)
            automaton.make_automaton()
            c.automaton = automaton

    def _add_identity(self, t: IdentityTokens) -> bool:
        c, p = self._c, t.pseudonym
        found = False

        def literal(value: str, kind: str, label: str) -> None:
            nonlocal found
            form = _squash(value)
            if len(form) >= _MIN_PART:
                c.forms.setdefault(form, []).append((kind, p, label))
                found = True

        for name in t.names:
            wholes, parts = _name_forms(name)
            for form in wholes:
                literal(form, "whole", p)
            for part in parts:
                c.name_parts.setdefault(part, p)
                literal(part, "part", p)
                c.victim_words.add(part)
            c.victim_words.update(w for form in wholes for w in form.replace(",", "").split())
        for raw in t.dates_of_birth:
            parsed = parse_date(raw)
            for reading in parsed:
                c.dates[reading] = f"[{p} date of birth]"
                c.years |= {str(reading[0]), f"{reading[0] % 100:02d}"}
                found = True
            if parsed:
                literal(raw, "literal", f"[{p} date of birth]")
            else:
                literal(raw, "literal", f"[{p} date of birth]")
        for raw in t.phones:
            digits = _digits(raw)
            if len(digits) >= 7:
                c.phones.append((digits, f"[{p} phone]"))
                found = True
            literal(raw, "literal", f"[{p} phone]")
        for raw in t.emails:
            c.emails[_squash(raw)] = f"[{p} e-mail]"
            literal(raw, "literal", f"[{p} e-mail]")
        for raw in t.handles:
            handle = _squash(raw).lstrip("@")
            if handle:
                c.handles[handle] = f"[{p} handle]"
                literal(handle, "literal", f"[{p} handle]")
        for raw in t.addresses:
            literal(raw, "literal", f"[{p} address]")
            head = raw.split(",")[0]
            if head != raw and re.search(r"\d", head) and re.search(r"[^\W\d_]{3,}", head):
                literal(head, "literal", f"[{p} address]")
        for raw in t.locations:
            literal(raw, "literal", f"[{p} location]")
        for raw in t.details:
            literal(raw, "literal", f"[{p} detail]")
        return found or bool(c.emails) or bool(c.handles)

    # -- finding -------------------------------------------------------------------------

    def spans(self, text: str) -> list[tuple[int, int, str]]:
        """Where ``text`` carries a sealed token: sorted, non-overlapping (start, end,
        replacement). Kept names and other people's name parts are not in the list."""
        if not self.active or not text:
            return []
        c = self._c
        folded = fold(text)
        # (start, end, replacement or None for a protected span, priority)
        found: list[tuple[int, int, str | None, int]] = []
        self._emails(text, folded, found)
        self._literals(text, folded, found)
        if c.dates:
            self._dates(text, found)
        if c.phones:
            for m in _PHONES.finditer(text):
                label = self._phone(m.group(0))
                if label:
                    found.append((m.start(), m.end(), label, 3))
        return _resolve(found)

    def _dates(self, text: str, found: list[tuple[int, int, str | None, int]]) -> None:
        """Dates are read only around the year of a sealed date of birth (every written
        form carries it), so the full date expression runs on a few short windows."""
        c = self._c
        years = c.years
        done = -1
        for year in _NUMBERS.finditer(text):
            if year.group(0) not in years:
                continue
            lo = max(0, year.start() - 40, done)
            for m in _DATES.finditer(text, lo, min(len(text), year.end() + 40)):
                if not m.start() <= year.start() < m.end():
                    continue  # a date around another number
                label = next((c.dates[d] for d in _date_readings(m) if d in c.dates), None)
                if label:
                    found.append((m.start(), m.end(), label, 3))
                    done = m.end()

    def _phone(self, raw: str) -> str | None:
        digits = _digits(raw)
        if len(digits) < 7:
            return None
        c = self._c
        if c.phone_suffixes is None:
            c.phone_suffixes = {}
            for sealed, label in c.phones:
                for k in range(7, min(9, len(sealed)) + 1):
                    c.phone_suffixes.setdefault((k, sealed[-k:]), label)
        for k in range(min(9, len(digits)), 6, -1):
            found = c.phone_suffixes.get((k, digits[-k:]))
            if found is not None:
                return found
        return None

    def _emails(
        self, text: str, folded: str, found: list[tuple[int, int, str | None, int]]
    ) -> None:
        c = self._c
        if "@" not in text:
            return
        for at in _AT.finditer(folded):
            left = at.start()
            while left > 0 and at.start() - left < 64 and _is_local(folded[left - 1]):
                left -= 1
            domain = _EMAIL_DOMAIN.match(folded, at.end())
            if left < at.start() and domain is not None:
                start, end, local, is_handle = left, domain.end(), folded[left : at.start()], False
            else:
                handle = _HANDLE.match(folded, at.end())
                if handle is None or (at.start() > 0 and folded[at.start() - 1].isalnum()):
                    continue
                start, end, local, is_handle = at.start(), handle.end(), handle.group(0), True
            whole = folded[start:end]
            label = (c.handles.get(local) if is_handle else c.emails.get(whole)) or None
            if label is None:
                letters = [w for w in re.split(r"[^a-z]+", local) if w]
                joined = "".join(letters)
                owner = next(
                    (
                        p
                        for part, p in c.name_parts.items()
                        if part in letters or (len(part) >= 4 and part in joined)
                    ),
                    None,
                )
                kept = any(k in joined for k in c.kept_parts)
                if owner and not kept:
                    label = f"[{owner} {'handle' if is_handle else 'e-mail'}]"
            # Protected when not a victim's: name parts inside it are not redacted alone.
            found.append((start, end, label, 4 if label else 5))

    def _literals(
        self, text: str, folded: str, found: list[tuple[int, int, str | None, int]]
    ) -> None:
        c = self._c
        if c.automaton is None:
            return
        n = len(folded)
        squeezed, where = _squeeze(folded)
        for end_index, form in c.automaton.iter(squeezed):
            start = where(end_index + 1 - len(form))
            end = where(end_index) + 1
            if (start > 0 and folded[start - 1].isalnum()) or (end < n and folded[end].isalnum()):
                continue
            entries = c.forms[form]
            victim = next((e for e in entries if e[1] is not None), None)
            if victim is None:  # a kept (open) name: protected
                found.append((start, end, None, 2))
                continue
            kind, _, label = victim
            if kind == "part" and self._someone_else(text, start, end):
                found.append((start, end, None, 0))
                continue
            found.append((start, end, label, 2 if kind != "part" else 1))

    def _someone_else(self, text: str, start: int, end: int) -> bool:
        """A lone name part next to another capitalised name word names someone else."""
        for word in (_word_before(text, start), _word_after(text, end)):
            word = word.rstrip("'’-")
            if not word:
                continue
            if len(word) < 2 or not word[0].isupper():
                continue
            key = fold(word)
            if key.endswith(("'s", "’s")):
                key = key[:-2]
            if key in _NOT_NAMES or key in self._c.victim_words:
                continue
            return True
        return False

    # -- replacing -----------------------------------------------------------------------

    def __call__(self, text: str | None) -> str:
        if not text:
            return text or ""
        return apply(text, self.spans(text))

    def html(self, document: str) -> str:
        """Redact the text of an HTML document, leaving tags, styles and scripts intact."""
        if not self.active:
            return document
        parts = _HTML_PARTS.split(document)
        return "".join(part if part.startswith("<") else self(part) for part in parts)

    def labels(self) -> set[str]:
        """Every replacement this redactor can write (pseudonyms and neutral tokens)."""
        c = self._c
        out = {label for entries in c.forms.values() for _, p, label in entries if p}
        out |= set(c.dates.values()) | {label for _, label in c.phones}
        out |= set(c.emails.values()) | set(c.handles.values())
        for pseudonym in set(c.name_parts.values()):
            out |= {pseudonym, f"[{pseudonym} e-mail]", f"[{pseudonym} handle]"}
        return out

    def fields(self, item: T, *names: str) -> T:
        """A copy of the dataclass ``item`` with the named text fields redacted."""
        changes = {}
        for name in names:
            value = getattr(item, name)
            if value is not None:
                changes[name] = self.value(value)
        return dataclasses.replace(item, **changes) if changes else item  # type: ignore[type-var]

    def value(self, value: Any) -> Any:
        """Redact every string inside a JSON-like value (dicts, lists), keys kept."""
        if isinstance(value, str):
            return self(value)
        if isinstance(value, dict):
            return {k: self.value(v) for k, v in value.items()}
        if isinstance(value, tuple):
            return tuple(self.value(v) for v in value)
        if isinstance(value, list):
            return [self.value(v) for v in value]
        return value


def _is_local(char: str) -> bool:
    return char.isalnum() or char in "._+-"


def _word_before(text: str, start: int) -> str:
    """The word right before ``start``, separated from it by spaces or tabs only."""
    j = start
    while j > 0 and text[j - 1] in " \t":
        j -= 1
    if j == start:
        return ""
    k = j
    while k > 0 and start - k < 60 and (text[k - 1].isalnum() or text[k - 1] in "'’-_"):
        k -= 1
    word = text[k:j]
    return word if word[:1].isalpha() else ""


def _word_after(text: str, end: int) -> str:
    match = _WORD_AFTER.match(text, end, end + 60)
    return match.group(1) if match else ""


def _squeeze(folded: str) -> tuple[str, Callable[[int], int]]:
    """``folded`` with runs of spaces made one, and the map from its positions back."""
    if "  " not in folded:
        return folded, lambda i: i
    keys: list[int] = [0]
    shifts: list[int] = [0]
    removed = 0
    for run in _SPACE_RUNS.finditer(folded):
        removed += len(run.group(0)) - 1
        keys.append(run.end() - removed)  # first squeezed position after the run
        shifts.append(removed)
    squeezed = _SPACE_RUNS.sub(" ", folded)

    def where(i: int) -> int:
        return i + shifts[bisect.bisect_right(keys, i) - 1]

    return squeezed, where


def apply(text: str, spans: Sequence[tuple[int, int, str]], offset: int = 0) -> str:
    """``text`` with each (start, end, replacement) span replaced; spans are positions in
    a larger text of which ``text`` starts at ``offset``; spans outside it are ignored."""
    out: list[str] = []
    at = 0
    for start, end, replacement in spans:
        s, e = start - offset, end - offset
        if e <= 0 or s >= len(text):
            continue
        s, e = max(0, s), min(len(text), e)
        out.append(text[at:s])
        out.append(replacement)
        at = e
    out.append(text[at:])
    return "".join(out)


def _resolve(found: list[tuple[int, int, str | None, int]]) -> list[tuple[int, int, str]]:
    """Leftmost first; at one start the longest, then the highest priority. A protected
    span (replacement None) hides whatever it covers."""
    found.sort(key=lambda f: (f[0], -(f[1] - f[0]), -f[3]))
    out: list[tuple[int, int, str]] = []
    covered = 0
    for start, end, replacement, _ in found:
        if start < covered:
            if end > covered and replacement is not None and out and out[-1][1] == covered:
                # Overlaps a replaced span and reaches past it: widen that span.
                prev = out[-1]
                out[-1] = (prev[0], end, prev[2])
                covered = end
            continue
        if replacement is not None:
            out.append((start, end, replacement))
        covered = end
    return out
