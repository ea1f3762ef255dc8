"""Context data read from the real tables shipped inside the package."""

import csv
import gzip
import io
from pathlib import Path

import pytest

from palermo.caseload import context
from palermo.caseload.context import Count, GlotipRow, parse_count

GLOTIP = context.data_file(context.GLOTIP_FILE)
TIP_FILES = [context.data_file(name) for name in context.TIP_FILES]


@pytest.fixture(scope="module")
def glotip() -> list[GlotipRow]:
    return context.load_glotip(GLOTIP)


@pytest.fixture(scope="module")
def raw() -> list[dict[str, str]]:
    with gzip.open(io.BytesIO(GLOTIP.read_bytes()), "rt", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def test_data_ships_inside_the_package(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv(context.ENV_OVERRIDE, raising=False)
    package = Path(context.__file__).resolve().parent / "data"
    assert Path(str(context.data_root())).resolve() == package
    for name in (context.GLOTIP_FILE, *context.TIP_FILES, context.HTCDS_REFERENCE):
        assert context.data_file(name).is_file(), name
    monkeypatch.setenv(context.ENV_OVERRIDE, str(tmp_path))
    assert context.data_root() == tmp_path


def test_parse_count() -> None:
    assert parse_count("<5") == Count(None, True, 4)
    assert parse_count("1,282") == Count(1282)
    assert parse_count(" 0 ") == Count(0)
    assert parse_count("") is None
    assert str(parse_count("<5")) == "<5"
    with pytest.raises(ValueError, match="not a count: 'n/a'"):
        parse_count("n/a")


def test_censored_values_are_kept_not_zero(
    glotip: list[GlotipRow], raw: list[dict[str, str]]
) -> None:
    assert len(glotip) == len(raw) == 46556
    censored = [r for r in glotip if r.count is not None and r.count.censored]
    assert len(censored) == sum(1 for r in raw if r["txtVALUE"] == "<5")
    assert all(r.count == Count(None, True, 4) for r in censored)


def _independent_sum(raw: list[dict[str, str]], **match: str) -> tuple[int, int]:
    exact = cens = 0
    for r in raw:
        if all(r[k] == v for k, v in match.items()):
            v = r["txtVALUE"]
            if v.startswith("<"):
                cens += 1
            elif v:
                exact += int(v.replace(",", ""))
    return exact, cens


@pytest.mark.parametrize(
    "indicator,year",
    [
        ("Detected trafficking victims", 2020),
        ("Persons convicted", 2019),
        ("Persons prosecuted", 2015),
    ],
)
def test_world_totals_match_independent_sum(
    glotip: list[GlotipRow], raw: list[dict[str, str]], indicator: str, year: int
) -> None:
    exact, cens = _independent_sum(
        raw,
        Indicator=indicator,
        Dimension="Total",
        Category="Total",
        Sex="Total",
        Age="Total",
        Year=str(year),
    )
    got = context.glotip_total(glotip, indicator=indicator, year=year)
    assert (got.exact, got.censored_cells) == (exact, cens)
    assert got.upper == exact + 4 * cens
    assert exact > 0


def test_female_child_victims_by_form(glotip: list[GlotipRow], raw: list[dict[str, str]]) -> None:
    exact, cens = _independent_sum(
        raw,
        Indicator="Detected trafficking victims",
        Dimension="by form of exploitation",
        Category="Sexual exploitation",
        Sex="Female",
        Age="0 to 17 years",
        Year="2018",
    )
    got = context.glotip_total(
        glotip,
        indicator="Detected trafficking victims",
        dimension="by form of exploitation",
        category="Sexual exploitation",
        sex="Female",
        age="0 to 17 years",
        year=2018,
    )
    assert (got.exact, got.censored_cells) == (exact, cens)


def test_values_checked_by_eye_against_file_lines(glotip: list[GlotipRow]) -> None:
    by_line = {r.line: r for r in glotip}
    # line 14108: GBR,...,Detected trafficking victims,Total,...,2019,Counts,"10,627",GLOTIP
    r = by_line[14108]
    assert (r.iso3, r.indicator, r.year, r.count) == (
        "GBR",
        "Detected trafficking victims",
        2019,
        Count(10627),
    )
    # line 36792: USA,...,Persons convicted,Total,Total,Total,Total,2019,Counts,475,GLOTIP
    assert context.glotip_country_series(glotip, "USA", "Persons convicted")[2019] == Count(475)
    # line 2: ABW,Aruba,...,by country of repatriation,Ukraine,Total,Total,2010,Counts,<5
    r = by_line[2]
    assert (r.iso3, r.category, r.count) == ("ABW", "Ukraine", Count(None, True, 4))


def test_bad_glotip_value_names_line_and_field(tmp_path: Path) -> None:
    p = tmp_path / "bad.csv"
    header = ",".join(context.GLOTIP_COLUMNS)
    p.write_text(
        header + "\nAFG,Afghanistan,Asia,Southern Asia,Persons convicted,Total,Total,"
        "Total,Total,2013,Counts,lots,GLOTIP\n",
        encoding="utf-8",
    )
    with pytest.raises(context.ContextDataError, match=r"line 2, txtVALUE"):
        context.load_glotip(p)


def test_tip_tables_both_files() -> None:
    years = {y.year: y for y in context.load_tip()}
    assert sorted(years) == list(range(2003, 2024))
    # "2012","7705","1153","4746","518","46570","17368","21"
    y = years[2012]
    assert (
        y.prosecutions,
        y.prosecutions_labor,
        y.convictions,
        y.convictions_labor,
        y.victims_identified,
        y.victims_identified_labor,
        y.new_or_amended_legislation,
    ) == (7705, 1153, 4746, 518, 46570, 17368, 21)
    # 2023,18774,3684,7115,1256,133943,42098,"TIP Report 2024, ..."
    y = years[2023]
    assert (y.prosecutions, y.convictions, y.victims_identified) == (18774, 7115, 133943)
    assert y.labor_share_victims == pytest.approx(42098 / 133943)
    assert y.source.startswith("TIP Report 2024")
    assert years[2003].prosecutions_labor is None  # empty cell, not zero
    assert years[2015].victims_identified is None


def test_tip_totals_match_independent_sum() -> None:
    total = 0
    for p in TIP_FILES:
        rows = list(csv.reader(io.StringIO(p.read_text(encoding="utf-8"))))
        idx = [h.lower() for h in rows[0]].index("convictions")
        total += sum(int(r[idx]) for r in rows[1:] if r and r[idx])
    assert sum(y.convictions or 0 for y in context.load_tip()) == total
