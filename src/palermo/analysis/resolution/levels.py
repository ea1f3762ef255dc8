"""Comparison levels: one definition used three ways.

Each comparison (name, date of birth, identifiers, address, nationality) is a ladder of
levels, tried in order. Every level has a DuckDB SQL condition (what Splink scores
with), a Python predicate (the same condition, used to check that the level read back
from a scored pair is the one the ladder gives) and a plain-words reason. String
similarity thresholds use Jaro-Winkler, Hamming and Damerau-Levenshtein distance in both
(DuckDB built-ins / rapidfuzz), so the two agree up to rounding at the thresholds. A name
part one letter off (one edit) has its own levels, above those of names merely similar
(Jaro-Winkler): different names that share a long ending are often similar, seldom one
letter apart. Likewise a first name given as an initial is strong evidence only with
the same surname or one a letter off ("initial"); with a surname merely similar it has
a weaker level of its own ("initial_similar": "Petkovychenko" / "Petkodaenko").

A date of birth tolerates the usual typos (day and month swapped, the year one off, one
digit changed or two neighbouring digits swapped), so that a name and a date of birth
carry a match on their own. A new address says little against a match (people move
house: the address's ``weight_bounds`` keep it near 0), while the same address is
strong evidence for one, except when it is shared with someone of the same surname
and another first name: a household, whose level has a small set weight.

Levels with a ``tf_column`` have their weight adjusted by how common the pair's value
is (by the engine, on inputs large enough to count values). ``fallback_weight`` is the
weight a level gets in training when the training records never show it (e.g. no
record has an alias).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from rapidfuzz.distance import OSA, JaroWinkler

from palermo.analysis.resolution.records import PersonRecord, describe_identifier

Features = Mapping[str, Any]
Predicate = Callable[[Features, Features], bool]
Describe = Callable[[Features, Features, PersonRecord, PersonRecord], str]

NAME_TYPO = 0.88
NAME_SIMILAR = 0.80
DOB_CLOSE_DAYS = 31
ADDRESS_WORDS = 0.6
ADDRESS_SOME_WORDS = 0.3
ADDRESS_WEIGHT_BOUNDS = (-1.0, 10.0)
# an address shared with someone of the same surname and another first name: a household
HOUSEHOLD_WEIGHT = 1.0
NATIONALITY_WEIGHT_BOUNDS = (-2.0, 1.0)


@dataclass(frozen=True)
class Level:
    """One rung of a comparison ladder.

    ``tf_column``: the match weight of this level is adjusted by how common the pair's
    value of that column is (a rare surname shared is stronger evidence than "Popescu").
    ``set_weight``: the level's weight is set, not learnt (m is u times 2 to that
    power): for a pattern that random pairs seldom show but that is common among people
    close to each other (a household's shared address), whose weight from random pairs
    would be far too strong. Expectation maximisation does not see such a level (its
    pairs count with the levels below it), so adding one leaves the other weights as
    they were.
    """

    key: str
    sql: str
    test: Predicate
    describe: Describe | None
    fallback_weight: float
    is_null: bool = False
    tf_column: str | None = None
    set_weight: float | None = None


@dataclass(frozen=True)
class Comparison:
    """A ladder of levels. ``weight_bounds``: the least and most any of its levels may
    weigh in a trained model (bits), for a field that is weak evidence either way."""

    name: str
    levels: tuple[Level, ...]
    weight_bounds: tuple[float, float] | None = None

    def gamma_to_level(self) -> dict[int, Level]:
        """Splink numbers the null level -1 and the others from n-1 (first) down to 0."""
        non_null = [lv for lv in self.levels if not lv.is_null]
        out = {len(non_null) - 1 - i: lv for i, lv in enumerate(non_null)}
        for lv in self.levels:
            if lv.is_null:
                out[-1] = lv
        return out

    def level_for(self, a: Features, b: Features) -> Level:
        for lv in self.levels:
            if lv.test(a, b):
                return lv
        raise AssertionError("the last level of a comparison must always match")

    def splink_dict(self) -> dict[str, Any]:
        return {
            "output_column_name": self.name,
            "comparison_description": self.name,
            "comparison_levels": [_level_dict(lv) for lv in self.levels],
        }


def _level_dict(lv: Level) -> dict[str, Any]:
    # term-frequency adjustments (``tf_column``) are applied by the engine after Splink
    # has scored the pairs, see :func:`palermo.analysis.resolution.engine.tf_adjustment_sql`
    return {"sql_condition": lv.sql, "label_for_charts": lv.key, "is_null_level": lv.is_null}


# --------------------------------------------------------------------------- helpers


def _jw(a: str | None, b: str | None) -> float:
    if a is None or b is None:
        return 0.0
    return float(JaroWinkler.similarity(a, b))


def _hamming(a: str | None, b: str | None) -> int:
    """Positions that differ (dates are always 8 digits; DuckDB's hamming() likewise)."""
    if a is None or b is None or len(a) != len(b):
        return 10**6
    return sum(x != y for x, y in zip(a, b, strict=True))


def _list_overlap(a: list[str] | None, b: list[str] | None, share: float) -> bool:
    if not a or not b:
        return False
    return len(set(a) & set(b)) >= share * min(len(a), len(b))


def _damerau(a: str | None, b: str | None) -> int:
    """Edits between two strings, a swap of neighbours counting as one (as DuckDB)."""
    if a is None or b is None:
        return 10**6
    return int(OSA.distance(a, b))


def _overlap(a: int | None, b: int | None, share: float) -> bool:
    """At least ``share`` of the shorter address's words are shared (word bit sets),
    written as the SQL is so that both round alike."""
    if not a or not b:
        return False
    return (a & b).bit_count() >= share * min(a.bit_count(), b.bit_count())


def _eq(a: object, b: object) -> bool:
    return a is not None and b is not None and a == b


def _len(x: str | None) -> int:
    return len(x) if x else 0


def _always(_a: Features, _b: Features) -> bool:
    return True


def _names(ra: PersonRecord, rb: PersonRecord) -> str:
    return f"“{_display(ra)}” / “{_display(rb)}”"


def _display(r: PersonRecord) -> str:
    return r.display_name


def _fmt_dob(d: str | None) -> str:
    if not d:
        return "?"
    return f"{d[:4]}-{d[4:6]}-{d[6:8]}"


def _text(t: str) -> Describe:
    return lambda _a, _b, _ra, _rb: t


# --------------------------------------------------------------------------- name

JW_FIRST = f"jaro_winkler_similarity(first_l, first_r) >= {NAME_TYPO}"
JW_LAST = f"jaro_winkler_similarity(last_l, last_r) >= {NAME_TYPO}"
# one edit (a letter left out, added, changed, or two neighbours swapped): the usual
# typo, far rarer between different names than a Jaro-Winkler similarity (which names
# sharing a long ending, "-escu", "-enko", reach easily); names of two or three letters
# are too short for one letter to be a typo ("Do" / "Ho")
EDIT_MIN_LENGTH = 4


def _edit_sql(left: str, right: str) -> str:
    """One edit apart, in names of at least :data:`EDIT_MIN_LENGTH` letters (one side may
    have lost one)."""
    return (
        f"(damerau_levenshtein({left}_l, {right}_r) <= 1 "
        f"AND least(length({left}_l), length({right}_r)) >= {EDIT_MIN_LENGTH - 1} "
        f"AND greatest(length({left}_l), length({right}_r)) >= {EDIT_MIN_LENGTH})"
    )


def _edit(x: str | None, y: str | None) -> bool:
    if x is None or y is None:
        return False
    if min(len(x), len(y)) < EDIT_MIN_LENGTH - 1 or max(len(x), len(y)) < EDIT_MIN_LENGTH:
        return False
    return _damerau(x, y) <= 1


DL_FIRST = _edit_sql("first", "first")
DL_LAST = _edit_sql("last", "last")


def _name_null(a: Features, b: Features) -> bool:
    return (a["first"] is None and a["last"] is None) or (b["first"] is None and b["last"] is None)


def _name_exact(a: Features, b: Features) -> bool:
    return _eq(a["name_key"], b["name_key"]) and a["first"] == b["first"] and a["last"] == b["last"]


def _name_initial(a: Features, b: Features) -> bool:
    fa, fb, la, lb = a["first"], b["first"], a["last"], b["last"]
    if (
        (_eq(la, lb) or _edit(la, lb))
        and (_len(fa) == 1 or _len(fb) == 1)
        and _eq(a["first_initial"], b["first_initial"])
    ):
        return True
    if _eq(la, fb) and _len(fa) == 1 and lb is not None and fa == lb[0]:
        return True
    return _eq(lb, fa) and _len(fb) == 1 and la is not None and fb == la[0]


def _initial_similar(a: Features, b: Features) -> bool:
    fa, fb = a["first"], b["first"]
    return (
        _jw(a["last"], b["last"]) >= NAME_TYPO
        and (_len(fa) == 1 or _len(fb) == 1)
        and _eq(a["first_initial"], b["first_initial"])
    )


def _both_edit(a: Features, b: Features) -> bool:
    fa, fb, la, lb = a["first"], b["first"], a["last"], b["last"]
    return (_edit(fa, fb) and _edit(la, lb)) or (_edit(fa, lb) and _edit(la, fb))


def _both_typo(a: Features, b: Features) -> bool:
    fa, fb, la, lb = a["first"], b["first"], a["last"], b["last"]
    return (_jw(fa, fb) >= NAME_TYPO and _jw(la, lb) >= NAME_TYPO) or (
        _jw(fa, lb) >= NAME_TYPO and _jw(la, fb) >= NAME_TYPO
    )


NAME = Comparison(
    "name",
    (
        Level(
            "null",
            "(first_l IS NULL AND last_l IS NULL) OR (first_r IS NULL AND last_r IS NULL)",
            _name_null,
            None,
            0.0,
            is_null=True,
        ),
        Level(
            "exact",
            "name_key_l = name_key_r AND first_l IS NOT DISTINCT FROM first_r "
            "AND last_l IS NOT DISTINCT FROM last_r",
            _name_exact,
            lambda _a, _b, ra, rb: f"same name {_names(ra, rb)}",
            8.0,
            tf_column="name_key",
        ),
        Level(
            "reordered",
            "name_key_l = name_key_r",
            lambda a, b: _eq(a["name_key"], b["name_key"]),
            lambda _a, _b, ra, rb: f"names match with order swapped {_names(ra, rb)}",
            7.0,
            tf_column="name_key",
        ),
        Level(
            "alias",
            "list_has_any(name_forms_l, name_forms_r)",
            lambda a, b: bool(set(a["name_forms"] or ()) & set(b["name_forms"] or ())),
            lambda _a, _b, ra, rb: f"a name matches a known alias {_names(ra, rb)}",
            7.0,
        ),
        Level(
            "first_edit",
            f"last_l = last_r AND {DL_FIRST}",
            lambda a, b: _eq(a["last"], b["last"]) and _edit(a["first"], b["first"]),
            lambda _a, _b, ra, rb: f"same surname, first name one letter apart {_names(ra, rb)}",
            6.0,
            tf_column="last",
        ),
        Level(
            "surname_edit",
            f"first_l = first_r AND {DL_LAST}",
            lambda a, b: _eq(a["first"], b["first"]) and _edit(a["last"], b["last"]),
            lambda _a, _b, ra, rb: f"same first name, surname one letter apart {_names(ra, rb)}",
            6.0,
            tf_column="first",
        ),
        Level(
            "first_typo",
            f"last_l = last_r AND {JW_FIRST}",
            lambda a, b: _eq(a["last"], b["last"]) and _jw(a["first"], b["first"]) >= NAME_TYPO,
            lambda _a, _b, ra, rb: (
                f"same surname, first name spelt slightly differently {_names(ra, rb)}"
            ),
            5.0,
            tf_column="last",
        ),
        Level(
            "surname_typo",
            f"first_l = first_r AND {JW_LAST}",
            lambda a, b: _eq(a["first"], b["first"]) and _jw(a["last"], b["last"]) >= NAME_TYPO,
            lambda _a, _b, ra, rb: (
                f"same first name, surname spelt slightly differently {_names(ra, rb)}"
            ),
            5.0,
            tf_column="first",
        ),
        Level(
            "initial",
            f"((last_l = last_r OR {DL_LAST}) AND (length(first_l) = 1 OR length(first_r) = 1) "
            "AND first_initial_l = first_initial_r) "
            "OR (last_l = first_r AND length(first_l) = 1 AND first_l = substr(last_r, 1, 1)) "
            "OR (last_r = first_l AND length(first_r) = 1 AND first_r = substr(last_l, 1, 1))",
            _name_initial,
            lambda _a, _b, ra, rb: (
                f"names match, one first name given as an initial {_names(ra, rb)}"
            ),
            4.0,
            tf_column="last",
        ),
        Level(
            "initial_similar",
            f"{JW_LAST} AND (length(first_l) = 1 OR length(first_r) = 1) "
            "AND first_initial_l = first_initial_r",
            _initial_similar,
            lambda _a, _b, ra, rb: (
                f"one first name given as an initial, surnames spelt differently {_names(ra, rb)}"
            ),
            2.0,
        ),
        Level(
            "both_edit",
            f"({DL_FIRST} AND {DL_LAST}) "
            f"OR ({_edit_sql('first', 'last')} AND {_edit_sql('last', 'first')})",
            _both_edit,
            lambda _a, _b, ra, rb: f"first name and surname each one letter apart {_names(ra, rb)}",
            4.0,
        ),
        Level(
            "both_typo",
            f"({JW_FIRST} AND {JW_LAST}) "
            f"OR (jaro_winkler_similarity(first_l, last_r) >= {NAME_TYPO} "
            f"AND jaro_winkler_similarity(last_l, first_r) >= {NAME_TYPO})",
            _both_typo,
            lambda _a, _b, ra, rb: (
                f"first name and surname both spelt slightly differently {_names(ra, rb)}"
            ),
            3.0,
        ),
        Level(
            "similar",
            f"jaro_winkler_similarity(first_l, first_r) >= {NAME_SIMILAR} "
            f"AND jaro_winkler_similarity(last_l, last_r) >= {NAME_SIMILAR}",
            lambda a, b: (
                _jw(a["first"], b["first"]) >= NAME_SIMILAR
                and _jw(a["last"], b["last"]) >= NAME_SIMILAR
            ),
            lambda _a, _b, ra, rb: f"names similar {_names(ra, rb)}",
            1.5,
        ),
        Level(
            "surname_first_missing",
            "last_l = last_r AND (first_l IS NULL OR first_r IS NULL)",
            lambda a, b: _eq(a["last"], b["last"]) and (a["first"] is None or b["first"] is None),
            lambda _a, _b, ra, rb: f"same surname, a first name is missing {_names(ra, rb)}",
            2.0,
            tf_column="last",
        ),
        Level(
            "first_surname_missing",
            "first_l = first_r AND (last_l IS NULL OR last_r IS NULL)",
            lambda a, b: _eq(a["first"], b["first"]) and (a["last"] is None or b["last"] is None),
            lambda _a, _b, ra, rb: f"same first name, a surname is missing {_names(ra, rb)}",
            1.0,
            tf_column="first",
        ),
        Level(
            "surname_only",
            "last_l = last_r",
            lambda a, b: _eq(a["last"], b["last"]),
            lambda _a, _b, ra, rb: f"same surname, different first name {_names(ra, rb)}",
            -1.0,
            tf_column="last",
        ),
        Level(
            "first_only",
            "first_l = first_r",
            lambda a, b: _eq(a["first"], b["first"]),
            lambda _a, _b, ra, rb: f"same first name, different surname {_names(ra, rb)}",
            -2.0,
            tf_column="first",
        ),
        Level(
            "one_similar",
            f"{JW_FIRST} OR {JW_LAST}",
            lambda a, b: (
                _jw(a["first"], b["first"]) >= NAME_TYPO or _jw(a["last"], b["last"]) >= NAME_TYPO
            ),
            lambda _a, _b, ra, rb: f"one name part similar, the other not {_names(ra, rb)}",
            -1.5,
        ),
        Level(
            "different",
            "ELSE",
            _always,
            lambda _a, _b, ra, rb: f"different names {_names(ra, rb)}",
            -6.0,
        ),
    ),
)

# --------------------------------------------------------------------------- date of birth


def _dob_transposed(a: Features, b: Features) -> bool:
    x, y = a["dob"], b["dob"]
    return (
        x is not None and y is not None and x[:4] == y[:4] and x[4:6] == y[6:8] and x[6:8] == y[4:6]
    )


def _dob_year_off(a: Features, b: Features) -> bool:
    x, y = a["dob"], b["dob"]
    if x is None or y is None or x[4:] != y[4:]:
        return False
    try:
        return abs(int(x[:4]) - int(y[:4])) == 1
    except ValueError:
        return False


def _dob_days_apart(a: Features, b: Features) -> int:
    x, y = a["dob_days"], b["dob_days"]
    if x is None or y is None:
        return 10**6
    return abs(int(x) - int(y))


def _dob_pair(a: Features, b: Features) -> str:
    return f"({_fmt_dob(a['dob'])} / {_fmt_dob(b['dob'])})"


DOB = Comparison(
    "dob",
    (
        Level(
            "null",
            "dob_l IS NULL OR dob_r IS NULL",
            lambda a, b: a["dob"] is None or b["dob"] is None,
            None,
            0.0,
            is_null=True,
        ),
        Level(
            "exact",
            "dob_l = dob_r",
            lambda a, b: _eq(a["dob"], b["dob"]),
            lambda a, _b, _ra, _rb: f"same date of birth {_fmt_dob(a['dob'])}",
            7.0,
            tf_column="dob",
        ),
        Level(
            "transposed",
            "substr(dob_l, 1, 4) = substr(dob_r, 1, 4) "
            "AND substr(dob_l, 5, 2) = substr(dob_r, 7, 2) "
            "AND substr(dob_l, 7, 2) = substr(dob_r, 5, 2)",
            _dob_transposed,
            lambda a, b, _ra, _rb: f"date of birth with day and month swapped {_dob_pair(a, b)}",
            4.0,
        ),
        Level(
            "year_off",
            "substr(dob_l, 5, 4) = substr(dob_r, 5, 4) "
            "AND abs(TRY_CAST(dob_year_l AS INTEGER) - TRY_CAST(dob_year_r AS INTEGER)) = 1",
            _dob_year_off,
            lambda a, b, _ra, _rb: f"date of birth differs by one year {_dob_pair(a, b)}",
            3.0,
        ),
        Level(
            "one_digit",
            # one edit, a swap of neighbours counting as one (dates are 8 digits: the
            # costly edit distance only where two digits differ)
            "hamming(dob_l, dob_r) <= 1 "
            "OR (hamming(dob_l, dob_r) = 2 AND damerau_levenshtein(dob_l, dob_r) <= 1)",
            lambda a, b: _damerau(a["dob"], b["dob"]) <= 1,
            lambda a, b, _ra, _rb: (
                f"date of birth differs by one digit (or two digits swapped) {_dob_pair(a, b)}"
            ),
            4.0,
        ),
        Level(
            "within_month",
            f"abs(dob_days_l - dob_days_r) <= {DOB_CLOSE_DAYS}",
            lambda a, b: _dob_days_apart(a, b) <= DOB_CLOSE_DAYS,
            lambda a, b, _ra, _rb: f"dates of birth less than a month apart {_dob_pair(a, b)}",
            2.0,
        ),
        Level(
            "two_digits",
            "hamming(dob_l, dob_r) <= 2",
            lambda a, b: _hamming(a["dob"], b["dob"]) <= 2,
            lambda a, b, _ra, _rb: f"date of birth differs by two digits {_dob_pair(a, b)}",
            1.0,
        ),
        Level(
            "same_year",
            "dob_year_l = dob_year_r",
            lambda a, b: _eq(a["dob_year"], b["dob_year"]),
            lambda a, b, _ra, _rb: f"same year of birth, different day {_dob_pair(a, b)}",
            0.0,
        ),
        Level(
            "different",
            "ELSE",
            _always,
            lambda a, b, _ra, _rb: f"different date of birth {_dob_pair(a, b)}",
            -4.0,
        ),
    ),
)

# --------------------------------------------------------------------------- identifiers


def _shared_ids(a: Features, b: Features) -> list[str]:
    return sorted(set(a["ids"] or ()) & set(b["ids"] or ()))


def _describe_shared(a: Features, b: Features, _ra: PersonRecord, _rb: PersonRecord) -> str:
    return ", ".join(f"same {describe_identifier(i)}" for i in _shared_ids(a, b))


def _describe_different(a: Features, b: Features, _ra: PersonRecord, _rb: PersonRecord) -> str:
    kinds = sorted(set(a["id_kinds"] or ()) & set(b["id_kinds"] or ()))
    return "different " + " and ".join(kinds) + " (nothing shared)"


IDS = Comparison(
    "ids",
    (
        Level(
            "null",
            "ids_l IS NULL OR ids_r IS NULL",
            lambda a, b: not a["ids"] or not b["ids"],
            None,
            0.0,
            is_null=True,
        ),
        Level(
            "shared",
            "len(list_intersect(ids_l, ids_r)) > 0",
            lambda a, b: bool(_shared_ids(a, b)),
            _describe_shared,
            12.0,
        ),
        Level(
            "different",
            "list_has_any(id_kinds_l, id_kinds_r)",
            lambda a, b: bool(set(a["id_kinds"] or ()) & set(b["id_kinds"] or ())),
            _describe_different,
            -1.0,
        ),
        Level("not_comparable", "ELSE", _always, None, 0.0),
    ),
)

# --------------------------------------------------------------------------- address


def _words_overlap(share: float, col: str = "address_words") -> str:
    return (
        f"bit_count({col}_l & {col}_r) >= {share} * least(bit_count({col}_l), bit_count({col}_r))"
    )


def _same_numbers(a: Features, b: Features) -> bool:
    return _eq(a["address_numbers"], b["address_numbers"])


CLOSE_NUMBERS = (
    "(postcode_l = postcode_r "
    "OR split_part(address_numbers_l, ' ', 1) = split_part(address_numbers_r, ' ', 1) "
    "OR split_part(address_numbers_l, ' ', -1) = split_part(address_numbers_r, ' ', -1))"
)


def _close_numbers(a: Features, b: Features) -> bool:
    """Same postcode, or the same first or last number (the house, a postcode)."""
    x, y = a["address_numbers"], b["address_numbers"]
    if x is None or y is None:
        return False
    xs, ys = x.split(" "), y.split(" ")
    return _eq(a["postcode"], b["postcode"]) or xs[0] == ys[0] or xs[-1] == ys[-1]


# the address agrees closely: the same, or the same numbers and most words, or most of
# its distinctive words
ADDRESS_CLOSE = (
    f"(address_l = address_r OR (address_numbers_l = address_numbers_r "
    f"AND {_words_overlap(ADDRESS_WORDS)}) OR ({_words_overlap(ADDRESS_WORDS, 'address_rare')} "
    "AND len(list_intersect(address_rare_words_l, address_rare_words_r)) >= "
    f"{ADDRESS_WORDS} * least(len(address_rare_words_l), len(address_rare_words_r))))"
)
# the same surname and another first name (not a typo of it, not an initial of it) or
# none on one side
HOUSEHOLD_NAMES = (
    "last_l = last_r AND (first_l IS NULL OR first_r IS NULL "
    f"OR (jaro_winkler_similarity(first_l, first_r) < {NAME_TYPO} "
    "AND NOT (first_initial_l = first_initial_r "
    "AND (length(first_l) = 1 OR length(first_r) = 1))))"
)


def _address_close(a: Features, b: Features) -> bool:
    return (
        _eq(a["address"], b["address"])
        or (_same_numbers(a, b) and _overlap(a["address_words"], b["address_words"], ADDRESS_WORDS))
        or (
            _overlap(a["address_rare"], b["address_rare"], ADDRESS_WORDS)
            and _list_overlap(a["address_rare_words"], b["address_rare_words"], ADDRESS_WORDS)
        )
    )


def _household_names(a: Features, b: Features) -> bool:
    fa, fb = a["first"], b["first"]
    if not _eq(a["last"], b["last"]):
        return False
    if fa is None or fb is None:
        return True
    if _jw(fa, fb) >= NAME_TYPO:
        return False
    return not (fa[0] == fb[0] and (len(fa) == 1 or len(fb) == 1))


ADDRESS = Comparison(
    "address",
    (
        Level(
            "null",
            "address_l IS NULL OR address_r IS NULL",
            lambda a, b: a["address"] is None or b["address"] is None,
            None,
            0.0,
            is_null=True,
        ),
        Level(
            "household",
            f"{ADDRESS_CLOSE} AND {HOUSEHOLD_NAMES}",
            lambda a, b: _address_close(a, b) and _household_names(a, b),
            _text("same address and surname, not the same first name (a household?)"),
            0.5,
            set_weight=HOUSEHOLD_WEIGHT,
        ),
        Level(
            "exact",
            "address_l = address_r",
            lambda a, b: _eq(a["address"], b["address"]),
            _text("same address"),
            4.0,
            tf_column="address",
        ),
        Level(
            "same_numbers_words",
            f"address_numbers_l = address_numbers_r AND {_words_overlap(ADDRESS_WORDS)}",
            lambda a, b: (
                _same_numbers(a, b)
                and _overlap(a["address_words"], b["address_words"], ADDRESS_WORDS)
            ),
            lambda a, _b, _ra, _rb: (
                f"address with the same numbers ({a['address_numbers']}) and most words"
            ),
            3.5,
        ),
        Level(
            "most_rare_words",
            # the bit sets are a quick filter; the word lists then count exactly
            f"{_words_overlap(ADDRESS_WORDS, 'address_rare')} AND "
            "len(list_intersect(address_rare_words_l, address_rare_words_r)) >= "
            f"{ADDRESS_WORDS} * least(len(address_rare_words_l), len(address_rare_words_r))",
            lambda a, b: (
                _overlap(a["address_rare"], b["address_rare"], ADDRESS_WORDS)
                and _list_overlap(a["address_rare_words"], b["address_rare_words"], ADDRESS_WORDS)
            ),
            _text("address shares most of its distinctive words, not its numbers"),
            3.0,
        ),
        Level(
            "same_numbers",
            "address_numbers_l = address_numbers_r",
            _same_numbers,
            lambda a, _b, _ra, _rb: (
                f"address with the same numbers ({a['address_numbers']}), other words"
            ),
            1.0,
        ),
        Level(
            "close_numbers_words",
            f"{CLOSE_NUMBERS} AND {_words_overlap(ADDRESS_WORDS)}",
            lambda a, b: (
                _close_numbers(a, b)
                and _overlap(a["address_words"], b["address_words"], ADDRESS_WORDS)
            ),
            lambda a, b, _ra, _rb: (
                "address shares most of its words and some numbers "
                f"({a['address_numbers']} / {b['address_numbers']})"
            ),
            2.5,
        ),
        Level(
            "most_words",
            _words_overlap(ADDRESS_WORDS),
            lambda a, b: _overlap(a["address_words"], b["address_words"], ADDRESS_WORDS),
            _text("address shares most of its words, not its numbers"),
            2.0,
        ),
        Level(
            "close_numbers",
            CLOSE_NUMBERS,
            _close_numbers,
            lambda a, b, _ra, _rb: (
                "address shares some numbers, not its words "
                f"({a['address_numbers']} / {b['address_numbers']})"
            ),
            0.0,
        ),
        Level(
            "some_words",
            _words_overlap(ADDRESS_SOME_WORDS),
            lambda a, b: _overlap(a["address_words"], b["address_words"], ADDRESS_SOME_WORDS),
            _text("address shares some words"),
            0.0,
        ),
        Level("different", "ELSE", _always, _text("different address"), -0.5),
    ),
    # People move house: a new address says little against a match. A household shares
    # one address: the same address with the same surname and another first name says
    # little for one (its level's set weight); otherwise the same address counts.
    weight_bounds=ADDRESS_WEIGHT_BOUNDS,
)

# --------------------------------------------------------------------------- nationality

NATIONALITY = Comparison(
    "nationality",
    (
        Level(
            "null",
            "nationality_l IS NULL OR nationality_r IS NULL",
            lambda a, b: a["nationality"] is None or b["nationality"] is None,
            None,
            0.0,
            is_null=True,
        ),
        Level(
            "exact",
            "nationality_l = nationality_r",
            lambda a, b: _eq(a["nationality"], b["nationality"]),
            lambda a, _b, _ra, _rb: f"same nationality {str(a['nationality']).upper()}",
            0.5,
        ),
        Level("different", "ELSE", _always, _text("different nationality"), -2.0),
    ),
    # recorded loosely (a dual national, a country of residence taken for nationality)
    weight_bounds=NATIONALITY_WEIGHT_BOUNDS,
)

COMPARISONS: tuple[Comparison, ...] = (NAME, DOB, IDS, ADDRESS, NATIONALITY)
