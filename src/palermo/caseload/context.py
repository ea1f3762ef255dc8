"""Context figures: UNODC GLOTIP country data and the US TIP Report law-enforcement table.

The tables ship inside the package (``palermo/caseload/data``, see its README for
sources and licences) and are read with :mod:`importlib.resources`;
:func:`data_root` returns that folder, or ``$PALERMO_CONTEXT_DATA`` when set (a folder
with the same file names, e.g. a newer release). Callers may also pass a path.

Sources (keep with any figure shown): UNODC Global Report on Trafficking in Persons,
country data release of 30 May 2023; US Department of State, Trafficking in Persons
Report, global law enforcement data (public domain).
"""

from __future__ import annotations

import csv
import gzip
import io
import os
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from importlib.abc import Traversable
from pathlib import Path
from typing import IO

GLOTIP_SOURCE = "UNODC GLOTIP country data, release of 30 May 2023"
TIP_SOURCE = "US Department of State, TIP Report global law enforcement data"


ENV_OVERRIDE = "PALERMO_CONTEXT_DATA"
GLOTIP_FILE = "glotip_2023-05-30.csv.gz"
TIP_FILES = (
    "tip_global_law_enforcement_2003_2015.csv",
    "tip_global_law_enforcement_2016_2023.csv",
)
HTCDS_REFERENCE = "htcds-v2.0.xlsx"
HTCDS_DEFINITIONS = "htcds-field-definitions.md"


def data_root() -> Traversable:
    """The folder of context tables: the package's own, or ``$PALERMO_CONTEXT_DATA``."""
    env = os.environ.get(ENV_OVERRIDE)
    if env:
        return Path(env)
    return resources.files("palermo.caseload.data")


def data_file(name: str) -> Traversable:
    return data_root().joinpath(name)


Source = Path | Traversable


def _open_text(source: Source) -> IO[str]:
    """Open a context table as text; ``.gz`` files are decompressed on the fly."""
    data = source.read_bytes()
    if source.name.endswith(".gz"):
        data = gzip.decompress(data)
    return io.TextIOWrapper(io.BytesIO(data), encoding="utf-8-sig", newline="")


@dataclass(frozen=True, slots=True)
class Count:
    """A count that may be censored: ``<5`` is ``Count(value=None, censored=True, upper=4)``.

    ``lower`` is the smallest possible value (0 for ``<5``: UNODC does not say whether
    the cell could be zero), ``upper`` the largest.
    """

    value: int | None
    censored: bool = False
    upper: int | None = None

    @property
    def lower(self) -> int:
        return 0 if self.censored or self.value is None else self.value

    @property
    def high(self) -> int:
        if self.censored:
            return self.upper or 0
        return self.value or 0

    def __str__(self) -> str:
        return f"<{(self.upper or 0) + 1}" if self.censored else str(self.value)


_CENSORED = re.compile(r"^\s*<\s*([\d,]+)\s*$")


def parse_count(text: str | None) -> Count | None:
    """``"1,282"`` -> 1282; ``"<5"`` -> censored with upper 4; empty -> ``None``.

    Raises ``ValueError`` naming the text for anything else.
    """
    if text is None:
        return None
    t = text.strip()
    if not t:
        return None
    m = _CENSORED.match(t)
    if m:
        bound = int(m.group(1).replace(",", ""))
        return Count(value=None, censored=True, upper=bound - 1)
    cleaned = t.replace(",", "")
    if not cleaned.isdigit():
        raise ValueError(f"not a count: {text!r}")
    return Count(value=int(cleaned))


@dataclass(frozen=True, slots=True)
class CountSum:
    """A sum over possibly censored counts: exact part plus bounds."""

    exact: int
    censored_cells: int
    upper_extra: int
    cells: int

    @property
    def lower(self) -> int:
        return self.exact

    @property
    def upper(self) -> int:
        return self.exact + self.upper_extra

    def __str__(self) -> str:
        if not self.censored_cells:
            return str(self.exact)
        return f"{self.exact} to {self.upper} ({self.censored_cells} cells under 5)"


def sum_counts(counts: Iterable[Count | None]) -> CountSum:
    exact = cens = extra = n = 0
    for c in counts:
        if c is None:
            continue
        n += 1
        if c.censored:
            cens += 1
            extra += c.upper or 0
        else:
            exact += c.value or 0
    return CountSum(exact, cens, extra, n)


@dataclass(frozen=True, slots=True)
class GlotipRow:
    line: int  # line in the file (header is line 1)
    iso3: str
    country: str
    region: str
    subregion: str
    indicator: str
    dimension: str
    category: str
    sex: str
    age: str
    year: int
    unit: str
    count: Count | None
    source: str


GLOTIP_COLUMNS = (
    "Iso3_code",
    "Country",
    "Region",
    "Subregion",
    "Indicator",
    "Dimension",
    "Category",
    "Sex",
    "Age",
    "Year",
    "Unit of measurement",
    "txtVALUE",
    "Source",
)


class ContextDataError(ValueError):
    """A context file is not in the expected shape; the message names file, line and field."""


def iter_glotip(path: Source) -> Iterator[GlotipRow]:
    with _open_text(path) as fh:
        reader = csv.reader(fh)
        header = next(reader, [])
        missing = [c for c in GLOTIP_COLUMNS if c not in header]
        if missing:
            raise ContextDataError(f"{path}: missing columns {missing}")
        ix = [header.index(c) for c in GLOTIP_COLUMNS]
        parse = lru_cache(maxsize=4096)(parse_count)
        for i, raw in enumerate(reader, start=2):
            if not raw:
                continue
            try:
                (
                    iso3,
                    country,
                    region,
                    subregion,
                    indicator,
                    dimension,
                    category,
                    sex,
                    age,
                    year_text,
                    unit,
                    value,
                    source,
                ) = (raw[j] for j in ix)
            except IndexError:
                raise ContextDataError(f"{path}, line {i}: too few fields") from None
            try:
                count = parse(value)
            except ValueError as exc:
                raise ContextDataError(f"{path}, line {i}, txtVALUE: {exc}") from None
            try:
                year = int(year_text)
            except ValueError:
                raise ContextDataError(f"{path}, line {i}, Year: {year_text!r}") from None
            yield GlotipRow(
                i,
                iso3,
                country,
                region,
                subregion,
                indicator,
                dimension,
                category,
                sex,
                age,
                year,
                unit,
                count,
                source,
            )


def load_glotip(path: Source | None = None) -> list[GlotipRow]:
    return list(iter_glotip(path or data_file(GLOTIP_FILE)))


def glotip_select(
    rows: Iterable[GlotipRow],
    *,
    iso3: str | None = None,
    indicator: str | None = None,
    dimension: str | None = "Total",
    category: str | None = "Total",
    sex: str | None = "Total",
    age: str | None = "Total",
    year: int | None = None,
    where: Callable[[GlotipRow], bool] | None = None,
) -> list[GlotipRow]:
    """Rows matching every given field (``None`` = any). Defaults pick the totals."""
    out = []
    for r in rows:
        if iso3 is not None and r.iso3 != iso3:
            continue
        if indicator is not None and r.indicator != indicator:
            continue
        if dimension is not None and r.dimension != dimension:
            continue
        if category is not None and r.category != category:
            continue
        if sex is not None and r.sex != sex:
            continue
        if age is not None and r.age != age:
            continue
        if year is not None and r.year != year:
            continue
        if where is not None and not where(r):
            continue
        out.append(r)
    return out


def glotip_total(rows: Iterable[GlotipRow], **filters: object) -> CountSum:
    """Sum of counts over :func:`glotip_select` (same keyword filters)."""
    return sum_counts(r.count for r in glotip_select(rows, **filters))  # type: ignore[arg-type]


def glotip_country_series(
    rows: Sequence[GlotipRow], iso3: str, indicator: str
) -> dict[int, Count | None]:
    """Year -> total count for one country and indicator."""
    return {r.year: r.count for r in glotip_select(rows, iso3=iso3, indicator=indicator)}


@dataclass(frozen=True, slots=True)
class TipYear:
    year: int
    prosecutions: int | None
    prosecutions_labor: int | None
    convictions: int | None
    convictions_labor: int | None
    victims_identified: int | None
    victims_identified_labor: int | None
    new_or_amended_legislation: int | None
    source: str

    @property
    def labor_share_prosecutions(self) -> float | None:
        if self.prosecutions and self.prosecutions_labor is not None:
            return self.prosecutions_labor / self.prosecutions
        return None

    @property
    def labor_share_victims(self) -> float | None:
        if self.victims_identified and self.victims_identified_labor is not None:
            return self.victims_identified_labor / self.victims_identified
        return None


# Both TIP files' headers, normalised to our field names.
_TIP_ALIASES = {
    "year": "year",
    "prosecutions": "prosecutions",
    "prosecutions (labor)": "prosecutions_labor",
    "prosecutions_labor": "prosecutions_labor",
    "convictions": "convictions",
    "convictions (labor)": "convictions_labor",
    "convictions_labor": "convictions_labor",
    "victims identified": "victims_identified",
    "victims_identified": "victims_identified",
    "victims (labor)": "victims_identified_labor",
    "victims_identified_labor": "victims_identified_labor",
    "new or amended legislation": "new_or_amended_legislation",
    "source": "source",
}


def _int_or_none(text: str | None, where: str) -> int | None:
    c = parse_count(text)  # raises on junk
    if c is None:
        return None
    if c.censored:
        raise ContextDataError(f"{where}: censored value {text!r} not expected in the TIP table")
    return c.value


def load_tip_file(path: Source) -> list[TipYear]:
    out = []
    with _open_text(path) as fh:
        reader = csv.reader(fh)
        header = [_TIP_ALIASES.get(h.strip().lower()) for h in next(reader)]
        if "year" not in header or "prosecutions" not in header:
            raise ContextDataError(f"{path}: not a TIP law enforcement table (header {header})")
        for i, raw in enumerate(reader, start=2):
            if not any(cell.strip() for cell in raw):
                continue
            rec: dict[str, str] = {h: v for h, v in zip(header, raw, strict=False) if h}
            vals: dict[str, int | None] = {}
            for name in (
                "year",
                "prosecutions",
                "prosecutions_labor",
                "convictions",
                "convictions_labor",
                "victims_identified",
                "victims_identified_labor",
                "new_or_amended_legislation",
            ):
                try:
                    vals[name] = _int_or_none(rec.get(name), f"{path}, line {i}, {name}")
                except ValueError as exc:
                    raise ContextDataError(f"{path}, line {i}, {name}: {exc}") from None
            year = vals.pop("year")
            if year is None:
                raise ContextDataError(f"{path}, line {i}, year: missing")
            out.append(
                TipYear(
                    year=year, source=rec.get("source") or f"{TIP_SOURCE} ({path.name})", **vals
                )
            )
    return out


def load_tip(paths: Iterable[Source] | None = None) -> list[TipYear]:
    """All years from the given files (default: the bundled TIP tables).

    When a year appears twice, the later file wins (later editions revise earlier years).
    """
    if paths is None:
        paths = [data_file(name) for name in TIP_FILES]
    by_year: dict[int, TipYear] = {}
    for p in paths:
        for row in load_tip_file(p):
            by_year[row.year] = row
    return [by_year[y] for y in sorted(by_year)]
