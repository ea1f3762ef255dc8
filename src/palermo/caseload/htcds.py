"""Export to and import from the IOM Human Trafficking Case Data Standard v2.0.

One row per person in a case (victims and perpetrators), in the columns of the
reference spreadsheet plus Palermo's ``ext_`` columns (see ``htcds_mapping.yaml``).

What survives a round trip (export then import): case reference, case status and owner,
reason for closure; person pseudonym, role, gender, citizenship, birth year, minor flag;
victim context (trafficking status, methods of control, types of exploitation, forced
labour industry, method and location of recruitment, location of exploitation);
perpetrator context (role in the network, charged). Victims' real identities are never
exported: ``prs_FirstName`` and the contact columns stay empty.

Import keeps every row; an invalid picklist value is reported (row, field, value) and
that field is left empty.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict

from palermo.reports import csv_safe

MAPPING_FILE = Path(__file__).with_name("htcds_mapping.yaml")


class Column(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    field: str
    label: str


class Picklist(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    defined_by: str
    multi: bool = False
    values: list[str]


class TypologyRule(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    contains: str
    value: str


class PalermoToHtcds(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    sex: dict[str, str]
    closed_stages: list[str]
    typology_to_exploitation: list[TypologyRule]


class Mapping_(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    standard: str
    multi_value_separator: str
    columns: list[Column]
    extensions: list[Column]
    picklists: dict[str, Picklist]
    palermo_to_htcds: PalermoToHtcds

    @property
    def fields(self) -> list[str]:
        return [c.field for c in self.columns] + [c.field for c in self.extensions]


@lru_cache(maxsize=1)
def mapping() -> Mapping_:
    m = Mapping_.model_validate(yaml.safe_load(MAPPING_FILE.read_text(encoding="utf-8")))
    unknown = set(m.picklists) - set(m.fields)
    if unknown:
        raise ValueError(f"{MAPPING_FILE}: picklists for unknown fields {sorted(unknown)}")
    for rule in m.palermo_to_htcds.typology_to_exploitation:
        if rule.value not in m.picklists["vic_TypeOfExploitation"].values:
            raise ValueError(f"{MAPPING_FILE}: {rule.value!r} is not a TypeOfExploitation")
    return m


@dataclass(frozen=True, slots=True)
class HtcdsPerson:
    """One person of a case, in HTCDS terms (picklist values as in the standard)."""

    case_reference: str
    person_ref: str
    role: str  # victim | perpetrator
    case_status: str | None = None  # Open | Closed
    case_owner: str | None = None
    reason_for_case_closure: str | None = None
    gender: str | None = None
    citizenship: str | None = None
    birth_year: int | None = None
    is_minor: bool | None = None
    trafficking_status: str | None = None
    method_of_recruitment: str | None = None
    location_of_recruitment: str | None = None
    methods_of_control: tuple[str, ...] = ()
    types_of_exploitation: tuple[str, ...] = ()
    # "set" (the case's typology), "inferred" (the case's evidence), "inferred for the
    # victim" (passages naming the victim), None (no type).
    type_of_exploitation_source: str | None = None
    forced_labour_industry: str | None = None
    location_of_exploitation: str | None = None
    perpetrator_role: str | None = None
    perpetrator_charged: bool | None = None


# dataclass attribute -> HTCDS column, for single text values
_TEXT = {
    "case_reference": "ext_CaseReference",
    "person_ref": "ext_PersonRef",
    "role": "ext_PersonRole",
    "case_status": "cas_Status",
    "case_owner": "cas_CaseOwner",
    "reason_for_case_closure": "cas_ReasonForCaseClosure",
    "gender": "prs_Gender",
    "citizenship": "prs_Citizenship",
    "trafficking_status": "vic_TraffickingStatus",
    "method_of_recruitment": "vic_MethodOfRecruitment",
    "location_of_recruitment": "vic_LocationOfRecruitment",
    "forced_labour_industry": "vic_ForcedLabourIndustry",
    "location_of_exploitation": "vic_LocationOfExploitation",
    "perpetrator_role": "ext_PerpetratorRole",
    "type_of_exploitation_source": "ext_TypeOfExploitationSource",
}
_MULTI = {
    "methods_of_control": "vic_MethodsOfControl",
    "types_of_exploitation": "vic_TypeOfExploitation",
}
_BOOL = {"is_minor": "ext_IsMinor", "perpetrator_charged": "ext_PerpetratorCharged"}
_VICTIM_ONLY = {
    "vic_TraffickingStatus",
    "vic_MethodOfRecruitment",
    "vic_LocationOfRecruitment",
    "vic_MethodsOfControl",
    "vic_TypeOfExploitation",
    "vic_ForcedLabourIndustry",
    "vic_LocationOfExploitation",
}


def gender_from_sex(sex: str | None) -> str:
    return mapping().palermo_to_htcds.sex.get((sex or "").strip().lower(), "Unknown")


def status_from_stage(stage: str) -> str:
    return "Closed" if stage in mapping().palermo_to_htcds.closed_stages else "Open"


def exploitation_from_typology(typology: str | None) -> tuple[str, ...]:
    t = (typology or "").lower()
    if not t:
        return ()
    for rule in mapping().palermo_to_htcds.typology_to_exploitation:
        if rule.contains in t:
            return (rule.value,)
    return ("Other",)


def to_row(p: HtcdsPerson) -> dict[str, str]:
    """One HTCDS row (every column present; empty string for no value)."""
    m = mapping()
    sep = m.multi_value_separator
    row = dict.fromkeys(m.fields, "")
    for attr, col in _TEXT.items():
        value = getattr(p, attr)
        row[col] = "" if value is None else str(value)
    for attr, col in _MULTI.items():
        row[col] = sep.join(getattr(p, attr))
    for attr, col in _BOOL.items():
        value = getattr(p, attr)
        row[col] = "" if value is None else ("true" if value else "false")
    row["ext_BirthYear"] = "" if p.birth_year is None else str(p.birth_year)
    return row


def to_rows(people: Iterable[HtcdsPerson]) -> list[dict[str, str]]:
    return [to_row(p) for p in people]


def write_csv(people: Iterable[HtcdsPerson], out: io.TextIOBase | io.StringIO) -> int:
    """CSV with one header line of HTCDS field names; returns the number of data rows."""
    fields = mapping().fields
    rows = ([to_row(p).get(f, "") for f in fields] for p in people)
    return csv_safe.write_rows(out, fields, rows)


def write_xlsx(people: Iterable[HtcdsPerson], path: Path) -> int:
    """A workbook shaped like the reference: row 1 field names, row 2 labels, then data."""
    from openpyxl import Workbook

    m = mapping()
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "HTCDS"
    ws.append(m.fields)
    ws.append([c.label for c in m.columns] + [c.label for c in m.extensions])
    n = 0
    for p in people:
        row = to_row(p)
        ws.append([row[f] for f in m.fields])
        n += 1
    wb.save(path)
    return n


@dataclass(frozen=True, slots=True)
class Problem:
    row: int  # row or line number in the file, header included (as a spreadsheet shows)
    field: str
    value: str
    message: str

    def __str__(self) -> str:
        return f"row {self.row}, {self.field}: {self.message} (value {self.value!r})"


@dataclass(frozen=True, slots=True)
class ImportResult:
    people: list[HtcdsPerson]
    problems: list[Problem]
    rows: int


def _check(field: str, raw: str, row: int, problems: list[Problem]) -> str | None:
    pick = mapping().picklists.get(field)
    value = raw.strip()
    if not value:
        return None
    if pick is not None and value not in pick.values:
        # Accept a different letter case, report anything else.
        folded = {v.casefold(): v for v in pick.values}
        if value.casefold() in folded:
            return folded[value.casefold()]
        problems.append(Problem(row, field, raw, "not in the picklist"))
        return None
    return value


def _bool(field: str, raw: str, row: int, problems: list[Problem]) -> bool | None:
    v = raw.strip().lower()
    if not v:
        return None
    if v in ("true", "yes", "1"):
        return True
    if v in ("false", "no", "0"):
        return False
    problems.append(Problem(row, field, raw, "expected true or false"))
    return None


def from_rows(rows: Iterable[tuple[int, Mapping[str, str | None]]]) -> ImportResult:
    """Parse (row number, {field: value}) pairs; bad values are reported, rows kept."""
    m = mapping()
    sep = m.multi_value_separator
    people: list[HtcdsPerson] = []
    problems: list[Problem] = []
    n = 0
    for rownum, raw in rows:
        n += 1
        rec = {k: ("" if v is None else str(v)) for k, v in raw.items() if k}
        kwargs: dict[str, object] = {}
        for attr, col in _TEXT.items():
            kwargs[attr] = _check(col, rec.get(col, ""), rownum, problems)
        for attr, col in _MULTI.items():
            parts = [x for x in rec.get(col, "").split(sep) if x.strip()]
            checked = [_check(col, x, rownum, problems) for x in parts]
            kwargs[attr] = tuple(x for x in checked if x is not None)
        for attr, col in _BOOL.items():
            kwargs[attr] = _bool(col, rec.get(col, ""), rownum, problems)
        by = rec.get("ext_BirthYear", "").strip()
        if by and not (by.isdigit() and 1900 <= int(by) <= 2100):
            problems.append(Problem(rownum, "ext_BirthYear", by, "expected a year"))
            by = ""
        kwargs["birth_year"] = int(by) if by else None
        if not kwargs["case_reference"]:
            problems.append(Problem(rownum, "ext_CaseReference", "", "missing"))
            kwargs["case_reference"] = ""
        if not kwargs["person_ref"]:
            kwargs["person_ref"] = f"row-{rownum}"
        if kwargs["role"] is None:
            has_victim_data = any(rec.get(f, "").strip() for f in _VICTIM_ONLY)
            kwargs["role"] = "victim" if has_victim_data else "perpetrator"
        people.append(HtcdsPerson(**kwargs))  # type: ignore[arg-type]
    return ImportResult(people, problems, n)


def read_csv(text: str) -> ImportResult:
    """CSV with HTCDS field names in line 1; an optional label line 2 is skipped."""
    reader = csv.DictReader(io.StringIO(text))
    rows = []
    for i, raw in enumerate(reader, start=2):
        rec = {k: csv_safe.restore(v) if isinstance(v, str) else v for k, v in raw.items()}
        if i == 2 and _is_label_row(rec):
            continue
        if not any((v or "").strip() for v in rec.values() if isinstance(v, str)):
            continue
        rows.append((i, rec))
    return from_rows(rows)


def _is_label_row(rec: Mapping[str, object]) -> bool:
    labels = {c.field: c.label for c in mapping().columns + mapping().extensions}
    hits = sum(1 for k, v in rec.items() if k in labels and v == labels[k])
    return hits >= 3


def read_xlsx(path: Path) -> ImportResult:
    """A workbook shaped like the reference (field names in row 1, labels in row 2)."""
    from openpyxl import load_workbook

    wb = load_workbook(path, read_only=True, data_only=True)
    ws = wb.worksheets[0]
    it = ws.iter_rows(values_only=True)
    header = [str(h) if h is not None else "" for h in next(it)]
    rows: list[tuple[int, dict[str, str | None]]] = []
    for i, values in enumerate(it, start=2):
        # Unnamed columns (the reference numbers its rows in column A) are ignored.
        rec = {
            h: (None if v is None else str(v)) for h, v in zip(header, values, strict=False) if h
        }
        if i == 2 and _is_label_row(rec):
            continue
        if not any((v or "").strip() for v in rec.values()):
            continue
        rows.append((i, rec))
    wb.close()
    return from_rows(rows)


def known_fields() -> Sequence[str]:
    return mapping().fields
