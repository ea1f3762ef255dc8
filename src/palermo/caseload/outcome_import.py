"""Reading a defendant-level table of outcomes through a column mapping profile.

Pure: rows in, :class:`DefendantRow` and :class:`Problem` out. A row with any problem is
refused whole (its line, field and value are named); the service writes the accepted
rows in one transaction. Profiles live in ``import_profiles/*.yaml`` (``htd`` reads the
Human Trafficking Data project's table).

Rules (stated in the report, never guessed silently):

- a charge exists when its block's ``charged`` column is 1; counts default to 1;
- verdict per charge: guilty by plea or trial -> convicted (plea "guilty" when by plea);
  not guilty at trial -> acquitted; every count dismissed or nolle prossed -> dismissed;
  the case marked ongoing -> pending; anything else -> pending, with a warning;
- the table has no verdict date: the sentencing date stands in, else the date the case
  ended; a decided charge with neither is refused;
- defendant-level totals (restitution, supervised release) go on the defendant's first
  convicted charge so that they count once; "Life" supervised release is kept as a note;
- blank means unknown (None), never zero.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from importlib import resources
from typing import Any

import yaml

from palermo import clock


class ProfileError(ValueError):
    """The mapping profile itself is wrong (unknown statute, missing key...)."""


@dataclass(frozen=True, slots=True)
class Block:
    statute: str
    columns: dict[str, str]  # role -> column name


@dataclass(frozen=True, slots=True)
class Profile:
    name: str
    title: str
    source: str
    jurisdiction: str
    date_format: str
    case: dict[str, str]
    defendant: dict[str, Any]
    dates: dict[str, str]
    ongoing: dict[str, str]
    totals: dict[str, str]
    currency: str
    blocks: list[Block]

    def columns(self) -> set[str]:
        cols = {*self.case.values(), *self.dates.values(), *self.totals.values()}
        cols |= {
            v for k, v in self.defendant.items() if isinstance(v, str) and k != "alias_separator"
        }
        if self.ongoing:
            cols.add(self.ongoing["column"])
        for b in self.blocks:
            cols |= set(b.columns.values())
        return cols


def profile_names() -> list[str]:
    root = resources.files("palermo.caseload").joinpath("import_profiles")
    return sorted(p.name.removesuffix(".yaml") for p in root.iterdir() if p.name.endswith(".yaml"))


def load_profile(name: str, statutes: Iterable[str]) -> Profile:
    """A bundled profile by name; every statute must be in the law data.

    Only bundled names are accepted: the name may come from a web form, and a path here
    would let a request read files on the server. A profile of one's own is given as
    its YAML text (:func:`parse_profile`); the CLI reads the file and passes its text.
    """
    if name not in profile_names():
        raise ProfileError(f"no profile named {name!r}; choose {profile_names()}")
    root = resources.files("palermo.caseload").joinpath("import_profiles")
    text = root.joinpath(f"{name}.yaml").read_text(encoding="utf-8")
    return parse_profile(text, f"profile {name}", statutes)


def parse_profile(text: str, where: str, statutes: Iterable[str]) -> Profile:
    """A profile from its YAML text (``where`` names it in messages)."""
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ProfileError(f"{where}: not YAML ({exc})") from None
    if not isinstance(raw, dict):
        raise ProfileError(f"{where}: not a mapping")
    known = set(statutes)
    try:
        template: dict[str, str] = dict(raw["block"])
        blocks = []
        for i, spec in enumerate(raw["charges"], start=1):
            sid = str(spec["statute"])
            if sid not in known:
                raise ProfileError(f"{where}, charges[{i}].statute: unknown statute {sid!r}")
            section = str(spec.get("section", ""))
            cols = {role: col.format(section=section) for role, col in template.items()}
            cols.update({k: str(v) for k, v in (spec.get("columns") or {}).items()})
            blocks.append(Block(sid, cols))
        return Profile(
            name=str(raw["name"]),
            title=str(raw.get("title", raw["name"])),
            source=str(raw.get("source", "")),
            jurisdiction=str(raw.get("jurisdiction", "")),
            date_format=str(raw.get("date_format", "%Y-%m-%d")),
            case=dict(raw["case"]),
            defendant=dict(raw["defendant"]),
            dates=dict(raw.get("dates") or {}),
            ongoing=dict(raw.get("ongoing") or {}),
            totals=dict(raw.get("totals") or {}),
            currency=str(raw.get("currency", "")),
            blocks=blocks,
        )
    except KeyError as exc:
        raise ProfileError(f"{where}: missing key {exc.args[0]!r}") from None


@dataclass(frozen=True, slots=True)
class Problem:
    line: int
    field: str
    value: str
    message: str
    refused: bool = True

    def __str__(self) -> str:
        kind = "refused" if self.refused else "note"
        return f"line {self.line}, {self.field} = {self.value!r}: {self.message} ({kind})"


@dataclass(slots=True)
class ChargeRow:
    statute_id: str
    counts: int
    verdict: str
    plea: str | None
    custodial_months: int | None = None
    probation_months: int | None = None
    fine_amount: Decimal | None = None
    restitution_ordered: Decimal | None = None
    supervised_release_months: int | None = None
    note: str | None = None


@dataclass(slots=True)
class DefendantRow:
    line: int
    case_reference: str
    case_title: str
    case_summary: str | None
    name: str
    aliases: list[str]
    sex: str | None
    charged_on: date | None
    verdict_on: date | None
    sentenced_on: date | None
    appeal: bool | None
    forfeiture: bool | None
    charges: list[ChargeRow] = field(default_factory=list)


_MONEY = re.compile(r"[$,\s]")
# The HTD legend's code for "ongoing" in sentence and date fields.
ONGOING = "999"


class _Row:
    def __init__(self, line: int, raw: Mapping[str, str], profile: Profile) -> None:
        self.line, self.raw, self.profile = line, raw, profile
        self.problems: list[Problem] = []

    def text(self, col: str | None) -> str:
        return (self.raw.get(col) or "").strip() if col else ""

    def fail(self, col: str, message: str, refused: bool = True) -> None:
        self.problems.append(Problem(self.line, col, self.text(col), message, refused))

    def date(self, col: str | None) -> date | None:
        value = self.text(col)
        if not value or col is None:
            return None
        if value == ONGOING:
            self.fail(col, "999 marks an ongoing case: no date", refused=False)
            return None
        try:
            parsed = datetime.strptime(value, self.profile.date_format).date()
        except ValueError:
            self.fail(col, f"not a date in the form {self.profile.date_format}")
            return None
        if not 1950 <= parsed.year <= clock.today().year:
            self.fail(col, f"year {parsed.year} is not plausible")
            return None
        return parsed

    def number(self, col: str | None) -> int | None:
        value = self.text(col)
        if not value or col is None:
            return None
        try:
            number = float(value)
        except ValueError:
            self.fail(col, "not a number")
            return None
        if number < 0 or number != int(number):
            self.fail(col, "not a whole number of zero or more")
            return None
        return int(number)

    def money(self, col: str | None) -> Decimal | None:
        value = self.text(col)
        if not value or col is None:
            return None
        try:
            amount = Decimal(_MONEY.sub("", value))
        except InvalidOperation:
            self.fail(col, "not an amount")
            return None
        if amount < 0:
            self.fail(col, "negative amount")
            return None
        return amount.quantize(Decimal("0.01"))


def numbered(reader: Any) -> Iterator[tuple[int, Mapping[str, str]]]:
    """(line where the record starts, record) from a ``csv.DictReader``: a text editor's
    line number, also when quoted cells span several lines."""
    start = reader.line_num + 1
    for record in reader:
        yield start, record
        start = reader.line_num + 1


def parse(
    rows: Iterable[tuple[int, Mapping[str, str]]], profile: Profile, header: Iterable[str]
) -> tuple[list[DefendantRow], list[Problem]]:
    """Numbered rows of a CSV (see :func:`numbered`; the header is line 1)."""
    missing = sorted(profile.columns() - set(header))
    if missing:
        raise ProfileError(f"line 1: the table lacks the profile's columns {missing}")
    accepted: list[DefendantRow] = []
    problems: list[Problem] = []
    for line, raw in rows:
        row = _Row(line, raw, profile)
        parsed = _defendant(row)
        problems += row.problems
        if parsed is not None and not any(p.refused for p in row.problems):
            accepted.append(parsed)
    return accepted, problems


def _defendant(row: _Row) -> DefendantRow | None:
    p = row.profile
    ref = row.text(p.case["reference"])
    if not ref:
        row.fail(p.case["reference"], "a row needs the case reference")
    d = p.defendant
    name = " ".join(x for x in (row.text(d.get("first_name")), row.text(d.get("last_name"))) if x)
    if not name:
        row.fail(d.get("last_name", "name"), "a row needs the defendant's name")
    sep = str(d.get("alias_separator", ";"))
    aliases = [a.strip() for a in row.text(d.get("aliases")).split(sep) if a.strip()]
    sex_code = row.text(d.get("sex"))
    sex = (d.get("sex_codes") or {}).get(sex_code) if sex_code else None
    charged_on = row.date(p.dates.get("charged_on"))
    sentenced_on = row.date(p.dates.get("sentenced_on"))
    ended_on = row.date(p.dates.get("terminated_on"))
    ongoing = bool(p.ongoing) and row.text(p.ongoing.get("column")) == p.ongoing.get("value")
    out = DefendantRow(
        line=row.line,
        case_reference=ref,
        case_title=row.text(p.case.get("title")) or ref,
        case_summary=row.text(p.case.get("summary")) or None,
        name=name,
        aliases=aliases,
        sex=sex,
        charged_on=charged_on,
        verdict_on=sentenced_on or ended_on,
        sentenced_on=sentenced_on,
        appeal=_flag(row, p.totals.get("appeal")),
        forfeiture=_flag(row, p.totals.get("forfeiture")),
    )
    for block in p.blocks:
        charge = _charge(row, block, ongoing)
        if charge is not None:
            out.charges.append(charge)
    decided = [c for c in out.charges if c.verdict != "pending"]
    if decided and out.verdict_on is None:
        col = p.dates.get("sentenced_on") or p.dates.get("terminated_on") or "date"
        row.fail(col, "a decided charge needs the sentencing date or the date the case ended")
    if out.verdict_on and charged_on and out.verdict_on < charged_on:
        col = p.dates.get("sentenced_on") or "date"
        row.fail(col, f"before the charge date {charged_on}")
    convicted = [c for c in out.charges if c.verdict == "convicted"]
    restitution = row.money(p.totals.get("restitution_ordered"))
    release_text = row.text(p.totals.get("supervised_release_months"))
    release = None
    if release_text.lower() == "life":
        note = "supervised release for life"
    else:
        note = None
        release = row.number(p.totals.get("supervised_release_months"))
    if convicted:
        first = convicted[0]
        first.restitution_ordered = restitution or None
        first.supervised_release_months = release or None
        first.note = note
    elif restitution:
        row.fail(
            p.totals["restitution_ordered"],
            "restitution without a conviction under the profile's statutes (ordered on other "
            "charges): not imported",
            refused=False,
        )
    if not out.charges:
        col = p.blocks[0].columns.get("charged", "charges") if p.blocks else "charges"
        row.fail(
            col, "no charge under the profile's statutes: defendant added without charges", False
        )
    return out


def _flag(row: _Row, col: str | None) -> bool | None:
    value = row.text(col)
    if not value or col is None:
        return None
    if value not in ("0", "1"):
        row.fail(col, "expected 0 or 1")
        return None
    return value == "1"


def _charge(row: _Row, block: Block, ongoing: bool) -> ChargeRow | None:
    c = block.columns
    if row.text(c.get("charged")) not in ("1", "1.0"):
        return None
    counts = row.number(c.get("counts")) or 1
    plea_guilty = row.number(c.get("plea_guilty")) or 0
    trial_guilty = row.number(c.get("trial_guilty")) or 0
    not_guilty = row.number(c.get("trial_not_guilty")) or 0
    dropped = (row.number(c.get("dismissed")) or 0) + (row.number(c.get("nolle_prossed")) or 0)
    plea: str | None = None
    if plea_guilty + trial_guilty > 0:
        verdict, plea = "convicted", "guilty" if plea_guilty else "not_guilty"
    elif not_guilty > 0:
        verdict, plea = "acquitted", "not_guilty"
    elif dropped >= counts:
        verdict = "dismissed"
    else:
        verdict = "pending"
        if not ongoing:
            row.fail(c.get("charged", "charge"), "no verdict recorded: kept as pending", False)
    charge = ChargeRow(block.statute, counts, verdict, plea)
    if verdict == "convicted":
        charge.custodial_months = row.number(c.get("custodial_months"))
        charge.probation_months = row.number(c.get("probation_months")) or None
        charge.fine_amount = row.money(c.get("fine")) or None
    return charge
