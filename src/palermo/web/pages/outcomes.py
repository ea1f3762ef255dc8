"""Outcomes: verdicts, sentences against the statute range and benchmark crimes,
restitution, time to disposition, the TIP-style yearly table and national/global context.

Every table on the page is built once (:func:`outcome_tables`) and served both as HTML
and as CSV (``/outcomes/tables/{name}.csv``); every chart is server-drawn SVG and
downloadable (``/outcomes/charts/{name}.svg``); the unit's raw tables download through
the service's ``export_csv`` (``/outcomes/export/{table}.csv``). Only roles with
``READ_STATISTICS``; the services answer 403 otherwise.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import Response

from palermo.caseload import stats as st
from palermo.reports import csv_safe
from palermo.services import caseload_views as views
from palermo.services.caseload import OutcomeStatistics
from palermo.services.caseload_views import ContextFigures
from palermo.web import charts
from palermo.web.auth import CtxDep, PageUser
from palermo.web.templating import label, render

router = APIRouter()

VERDICT_ORDER = ("convicted", "acquitted", "dismissed", "diverted", "pending")
SENTENCE_LABELS = {
    "custodial": "Custodial",
    "suspended": "Suspended",
    "fine_only": "Fine only",
    "other": "Other",
}


@dataclass(frozen=True, slots=True)
class Table:
    key: str
    title: str
    headers: list[str]
    rows: list[list[Any]]
    numeric: list[bool]
    note: str = ""


def _pct(x: float | None) -> float | None:
    return None if x is None else round(100 * x, 1)


def _r(x: float | None) -> float | None:
    return None if x is None else round(x, 1)


def _mix_table(key: str, title: str, group: str, mixes: Sequence[st.SentenceMix]) -> Table:
    rows = [
        [
            label(m.group),
            m.n,
            *(m.counts.get(k, 0) for k in SENTENCE_LABELS),
            _pct(m.non_custodial_share),
            _r(m.median_custodial_months),
            _r(m.mean_custodial_months),
            _r(m.p90_custodial_months),
        ]
        for m in mixes
    ]
    return Table(
        key,
        title,
        [
            group,
            "Convicted",
            *SENTENCE_LABELS.values(),
            "Non-custodial %",
            "Median custodial months",
            "Mean custodial months",
            "P90 custodial months",
        ],
        rows,
        [False] + [True] * 9,
        "Convicted outcomes (one per defendant and charge). Custodial if any months to serve; "
        "else suspended; else fine only; else other (e.g. probation only). Median, mean and "
        "P90 count custodial terms above zero only: they exclude suspended-only, fine-only and "
        "probation-only sentences and outcomes with no term recorded.",
    )


def outcome_tables(s: OutcomeStatistics) -> dict[str, Table]:
    verdicts = [v for v in VERDICT_ORDER if v in s.defendants_by_result or v != "pending"]
    verdicts += sorted(set(s.defendants_by_result) - set(VERDICT_ORDER))
    r = s.restitution
    tables = [
        Table(
            "verdicts",
            "Defendants by result",
            ["Result", "Defendants"],
            [[label(v), s.defendants_by_result.get(v, 0)] for v in verdicts],
            [False, True],
            "A defendant is a (case, person) pair: convicted if any charge ended in a "
            "conviction, pending if every charge is pending.",
        ),
        _mix_table(
            "sentences_statute", "Sentences by statute", "Statute", s.sentence_mix_by_statute
        ),
        _mix_table(
            "sentences_typology", "Sentences by typology", "Typology", s.sentence_mix_by_typology
        ),
        Table(
            "ranges",
            "Custodial terms against the statute's penalty range",
            [
                "Statute",
                "Minimum months",
                "Maximum months",
                "Convicted",
                "Below minimum",
                "Within range",
                "Above maximum",
            ],
            [
                [
                    label(c.statute_id),
                    c.min_months,
                    c.max_months if c.max_months is not None else "life",
                    c.n,
                    c.below_min,
                    c.within,
                    c.above_max,
                ]
                for c in s.statute_ranges
            ],
            [False] + [True] * 6,
            "Non-custodial sentences count as 0 months to serve.",
        ),
        Table(
            "benchmarks",
            "Sentences against benchmark crimes in the same jurisdiction",
            [
                "Statute",
                "Benchmark crime",
                "Benchmark low months",
                "Benchmark typical months",
                "Convicted",
                "Median custodial months",
                "Below benchmark low",
                "Below low %",
            ],
            [
                [
                    label(b.statute_id),
                    label(b.crime),
                    b.benchmark_low_months,
                    b.benchmark_typical_months,
                    b.n,
                    _r(b.median_custodial_months),
                    b.below_low,
                    _pct(b.below_low_share),
                ]
                for b in s.benchmarks
            ],
            [False, False] + [True] * 6,
            "US TVPA minimum standard: prison terms commensurate with rape and kidnapping. "
            "Non-custodial sentences count as 0 months. Benchmark figures are approximate: "
            + "; ".join(f"{k}: {v}" for k, v in sorted(s.benchmark_sources.items())),
        ),
        Table(
            "restitution",
            "Restitution",
            ["Measure", "Value"],
            [
                ["Convicted defendants", r.convicted_defendants],
                ["Restitution requested (defendants)", r.requested],
                ["Restitution ordered (defendants)", r.ordered],
                ["Ordered when requested (defendants)", r.ordered_when_requested],
                ["Request rate %", _pct(r.request_rate)],
                ["Award rate %", _pct(r.award_rate)],
                ["Award rate when requested %", _pct(r.award_rate_when_requested)],
                ["Amount requested", r.amount_requested],
                ["Amount ordered", r.amount_ordered],
                ["Amount paid", r.amount_paid],
            ],
            [False, True],
            "Per convicted defendant, amounts summed over their charges as recorded "
            "(currencies are not converted).",
        ),
        Table(
            "disposition",
            "Time to disposition",
            ["Measure", "Value"],
            [
                ["Cases with a first decision", s.disposition_cases],
                ["Median days", _r(s.disposition_median_days)],
                ["90th percentile days", _r(s.disposition_p90_days)],
            ],
            [False, True],
            "Days from the charge (or the opening, without a charge date) to the first "
            "verdict in the case.",
        ),
        Table(
            "tip",
            "Law enforcement per year (TIP Report layout)",
            [
                "Year",
                "Prosecutions",
                "Prosecutions (labour)",
                "Convictions",
                "Convictions (labour)",
                "Victims identified",
                "Victims identified (labour)",
            ],
            [
                [
                    str(t.year),
                    t.prosecutions,
                    t.prosecutions_labor,
                    t.convictions,
                    t.convictions_labor,
                    t.victims_identified,
                    t.victims_identified_labor,
                ]
                for t in s.tip_table
            ],
            [False] + [True] * 6,
            "Defendants prosecuted in the year of the charge, convicted in the year of the "
            "first conviction, victims identified in the year the case opened; labour from "
            "the case typology.",
        ),
        _forms_table(s),
    ]
    if s.inferred_typology_cases:
        note = _inferred_note(s.inferred_typology_cases)
        tables = [
            replace(t, note=f"{t.note} {note}".strip())
            if t.key in ("sentences_typology", "tip")
            else t
            for t in tables
        ]
    return {t.key: t for t in tables}


def _inferred_note(n: int) -> str:
    cases = "case has" if n == 1 else "cases have"
    return (
        f"{n} {cases} no typology set by a user: each is counted under the form of "
        "exploitation its evidence points to (inferred)."
    )


def _forms_table(s: OutcomeStatistics) -> Table:
    """Victims per form of exploitation (GLOTIP's three forms), with those whose case's
    form is inferred from its evidence rather than set by a user."""
    b = s.victims_breakdown
    inferred = s.victims_by_form_inferred
    return Table(
        "forms",
        "Victims by form of exploitation",
        ["Form of exploitation", "Victims", "Of which inferred"],
        [[form, n, inferred.get(form, 0)] for form, n in sorted(b.by_form.items())],
        [False, True, True],
        "Form from the case's typology. "
        + (
            _inferred_note(s.inferred_typology_cases)
            if s.inferred_typology_cases
            else "Every case's typology is set by a user."
        ),
    )


def context_table(s: OutcomeStatistics, c: ContextFigures) -> Table:
    """The unit's yearly figures beside the country's (GLOTIP) and the world's (TIP)."""
    unit = {t.year: t for t in s.tip_table}
    national = {n.year: n for n in c.national}
    tip = {t.year: t for t in c.tip}
    # The last ten years with context data, and every year of the unit's own.
    latest = max([*national, *tip], default=max(unit, default=2020))
    first = min([*unit, latest - 9])
    years = sorted(y for y in {*unit, *national, *tip} if y >= first)
    rows = []
    for y in years:
        u, n, g = unit.get(y), national.get(y), tip.get(y)

        def nat(indicator: str, n: views.NationalYear | None = n) -> Any:
            count = n.counts.get(indicator) if n else None
            return str(count) if count is not None else None

        rows.append(
            [
                str(y),
                u.victims_identified if u else None,
                u.prosecutions if u else None,
                u.convictions if u else None,
                nat("Detected trafficking victims"),
                nat("Persons prosecuted"),
                nat("Persons convicted"),
                g.victims_identified if g else None,
                g.prosecutions if g else None,
                g.convictions if g else None,
            ]
        )
    where = c.country or c.iso3 or "unit's country unknown"
    return Table(
        "context",
        "The unit beside national and global figures",
        [
            "Year",
            "Unit victims",
            "Unit prosecuted",
            "Unit convicted",
            f"{where}: victims (GLOTIP)",
            f"{where}: prosecuted (GLOTIP)",
            f"{where}: convicted (GLOTIP)",
            "World: victims identified (TIP)",
            "World: prosecutions (TIP)",
            "World: convictions (TIP)",
        ],
        rows,
        [False] + [True] * 9,
        f"Sources: {c.glotip_source}; {c.tip_source}. GLOTIP cells under 5 are shown as "
        "<5 (censored), never as 0. Definitions differ between sources: compare trends, "
        "not levels.",
    )


def outcome_charts(s: OutcomeStatistics, tables: dict[str, Table]) -> dict[str, str]:
    ranges = {m.group: m for m in s.sentence_mix_by_statute}

    def mix_chart(key: str, title: str, mixes: Sequence[st.SentenceMix], by: str) -> str:
        cats = [label(m.group) for m in mixes]
        series = [
            (name, [float(m.counts.get(k, 0)) for m in mixes])
            for k, name in SENTENCE_LABELS.items()
        ]
        return charts.stacked_bar_chart(
            title,
            cats,
            series,
            unit="convicted outcomes",
            chart_id=f"chart-{key}",
            empty="No convictions recorded yet.",
        )

    return {
        "verdicts": charts.bar_chart(
            "Defendants by result",
            [(row[0], float(row[1])) for row in tables["verdicts"].rows],
            unit="defendants",
            chart_id="chart-verdicts",
            empty="No outcomes recorded yet.",
        ),
        "sentences_statute": mix_chart(
            "sentences-statute", "Sentence type by statute", s.sentence_mix_by_statute, "statute"
        ),
        "sentences_typology": mix_chart(
            "sentences-typology",
            "Sentence type by typology",
            s.sentence_mix_by_typology,
            "typology",
        ),
        "ranges": charts.range_plot(
            "Custodial months against the statute range",
            [
                charts.RangeRow(
                    label(c.statute_id),
                    c.min_months,
                    c.max_months,
                    (
                        (
                            "median",
                            ranges[c.statute_id].median_custodial_months
                            if c.statute_id in ranges
                            else None,
                        ),
                        (
                            "90th percentile",
                            ranges[c.statute_id].p90_custodial_months
                            if c.statute_id in ranges
                            else None,
                        ),
                    ),
                )
                for c in s.statute_ranges
            ],
            band_label="statutory range",
            unit="months",
            chart_id="chart-ranges",
            empty="No convictions under a statute with a known range.",
        ),
        "benchmarks": charts.range_plot(
            "Median sentence against benchmark crimes",
            [
                charts.RangeRow(
                    f"{label(b.statute_id)}: {label(b.crime).lower()}",
                    b.benchmark_low_months,
                    b.benchmark_typical_months,
                    (("median sentence", b.median_custodial_months),),
                )
                for b in s.benchmarks
            ],
            band_label="benchmark low to typical",
            unit="months",
            chart_id="chart-benchmarks",
            empty="No convictions in a jurisdiction with benchmark figures.",
        ),
        "restitution": charts.bar_chart(
            "Restitution per convicted defendant",
            [
                ("Convicted defendants", float(s.restitution.convicted_defendants)),
                ("Restitution requested", float(s.restitution.requested)),
                ("Restitution ordered", float(s.restitution.ordered)),
            ],
            unit="defendants",
            chart_id="chart-restitution",
        ),
        "tip": charts.stacked_bar_chart(
            "Defendants prosecuted per year, by form of exploitation",
            [str(t.year) for t in s.tip_table],
            [
                ("Forced labour", [float(t.prosecutions_labor) for t in s.tip_table]),
                (
                    "Other forms",
                    [float(t.prosecutions - t.prosecutions_labor) for t in s.tip_table],
                ),
            ],
            unit="defendants",
            chart_id="chart-tip",
            empty="No prosecutions recorded yet.",
        ),
    }


def cell(value: Any) -> str:
    """Display form of a table cell."""
    if value is None:
        return "—"
    if isinstance(value, Decimal):
        return f"{value:,.2f}"
    if isinstance(value, float):
        return f"{value:,.1f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def to_csv(table: Table) -> str:
    return csv_safe.to_text(table.headers, table.rows)


def _stats(ctx: CtxDep, user: PageUser) -> OutcomeStatistics:
    view = views.outcomes(ctx, user.actor)
    if view.stats is None:
        raise HTTPException(404)
    return view.stats


@router.get("/outcomes")
def outcomes(request: Request, ctx: CtxDep, user: PageUser, context: bool = False) -> Response:
    view = views.outcomes(ctx, user.actor)
    page: dict[str, Any] = {
        "view": view,
        "cell": cell,
        "context_requested": context,
        "export_tables": views.EXPORT_TABLES,
    }
    if view.stats is not None:
        tables = outcome_tables(view.stats)
        page.update(tables=tables, charts=outcome_charts(view.stats, tables), s=view.stats)
        if context:
            figures = views.context_figures(ctx, user.actor)
            page["context"] = figures
            if figures.available:
                page["context_table"] = context_table(view.stats, figures)
    return render(request, "outcomes/outcomes.html", page, user=user, active="outcomes")


@router.get("/outcomes/charts/{name}.svg")
def outcome_chart(ctx: CtxDep, user: PageUser, name: str) -> Response:
    s = _stats(ctx, user)
    svg = outcome_charts(s, outcome_tables(s)).get(name)
    if svg is None:
        raise HTTPException(404)
    return Response(
        svg,
        media_type="image/svg+xml",
        headers={"content-disposition": f'attachment; filename="outcomes-{name}.svg"'},
    )


def _csv(text: str, filename: str) -> Response:
    return Response(
        text,
        media_type="text/csv; charset=utf-8",
        headers={"content-disposition": f'attachment; filename="{filename}"'},
    )


@router.get("/outcomes/tables/{name}.csv")
def outcome_table_csv(ctx: CtxDep, user: PageUser, name: str) -> Response:
    s = _stats(ctx, user)
    if name == "context":
        figures = views.context_figures(ctx, user.actor)
        if not figures.available:
            raise HTTPException(404)
        table = context_table(s, figures)
    else:
        found = outcome_tables(s).get(name)
        if found is None:
            raise HTTPException(404)
        table = found
    return _csv(to_csv(table), f"outcomes-{name}.csv")


@router.get("/outcomes/htcds.csv")
def htcds_csv(ctx: CtxDep, user: PageUser) -> Response:
    """The unit's victims and perpetrators in the Human Trafficking Case Data Standard."""
    return _csv(views.htcds_export(ctx, user.actor), "unit-htcds.csv")


@router.get("/outcomes/export/{table}.csv")
def export_raw(ctx: CtxDep, user: PageUser, table: str) -> Response:
    """One of the unit's tables as recorded (victim-witness tables are not exportable)."""
    if table not in views.EXPORT_TABLES:
        raise HTTPException(404)
    return _csv(views.export_table(ctx, user.actor, table), f"unit-{table}.csv")
