"""The Elements tab: each element of each charge against each suspect, with its evidence."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from palermo import words
from palermo.services import cases, casework, cockpit, elements
from palermo.services.elements import CaseAssessment, ElementView, StatuteView, SuspectView
from palermo.web.auth import CtxDep, PageUser
from palermo.web.fragments import fragments
from palermo.web.pages.cases import _case_page, case_path

router = APIRouter()

# Status -> (text, icon): the icon and text carry the meaning, colour only repeats it.
STATUS_TEXT: dict[str, tuple[str, str]] = {
    "proved": ("Proved", "✔"),
    "single_source": ("Single source", "◐"),
    "supported_if_confirmed": ("Supported if confirmed", "?"),
    "missing": ("Missing", "✖"),
    "waived": ("Waived", "⊘"),
}
READINESS_CLASS = {"ready": "ok", "needs corroboration": "warn", "not ready": "bad"}
# Up to this many suspect x statute sections, every section's evidence is on the page;
# beyond, only the one asked for (``?focus=``), so the page stays one screen of matrix.
MAX_SECTIONS = 3
# Unattributed facts listed for attribution by hand (the rest are counted).
MAX_UNATTRIBUTED = 50
# Facts listed per element and status in the evidence of one element.
MAX_FACTS = 25


@dataclass(frozen=True, slots=True)
class MatrixRow:
    suspect: SuspectView
    statute: StatuteView


@dataclass(frozen=True, slots=True)
class Matrix:
    """One statute: its elements as columns, the suspects it is charged against as rows."""

    statute_id: str
    citation: str
    title: str
    columns: list[ElementView]
    rows: list[MatrixRow]
    names: dict[str, str]  # element id -> short column heading


@dataclass(frozen=True, slots=True)
class Target:
    """A suspect x statute x element a fact can be attributed to by hand."""

    value: str
    label: str
    satisfied_by: list[str]


anchor = cockpit.element_anchor
section_anchor = cockpit.statute_anchor


def focus_key(suspect: str, statute: str) -> str:
    return f"{suspect}~{statute}"


def cell_words(e: ElementView) -> str:
    """What an element's evidence amounts to, in words, for a matrix cell."""
    pending = len(e.suggested)
    if e.status == "waived":
        return "Not needed in this case"
    if e.status == "supported_if_confirmed":
        return f"{words.counted(pending, 'suggestion')} to review"
    if e.source_count == 0:
        return "No evidence yet"
    text = f"{words.counted(e.source_count, 'independent source')}"
    if pending:
        text += f"; {words.counted(pending, 'suggestion')} to review"
    return text


def drill_words(e: ElementView) -> str:
    """The same, as the sentence of an element's evidence heading."""
    if e.status == "waived":
        return "not needed in this case"
    kinds = [words.lower(k) for k in e.source_kinds]
    have = (
        f"{words.counted(e.source_count, 'independent source')}"
        + (f" ({words.join(kinds)})" if kinds else "")
        if e.source_count
        else "no confirmed evidence"
    )
    pending = len(e.suggested)
    return have + (f"; {words.counted(pending, 'suggestion')} to review" if pending else "")


def _matrices(result: CaseAssessment) -> list[Matrix]:
    out: dict[str, Matrix] = {}
    for s in result.suspects:
        for st in s.statutes:
            m = out.get(st.statute_id)
            if m is None:
                m = out[st.statute_id] = Matrix(
                    st.statute_id,
                    st.citation,
                    st.title,
                    st.elements,
                    [],
                    cockpit.short_names(st),
                )
            m.rows.append(MatrixRow(s, st))
    return list(out.values())


def _targets(result: CaseAssessment) -> list[Target]:
    return [
        Target(
            f"{s.person_id}|{st.statute_id}|{e.element_id}",
            f"{s.pseudonym} {s.name} · {st.citation} · {e.label}",
            e.satisfied_by,
        )
        for s in result.suspects
        for st in s.statutes
        for e in st.elements
    ]


def _targets_for(targets: list[Target]) -> Callable[[str], list[Target]]:
    def pick(concept: str) -> list[Target]:
        return [t for t in targets if concept in t.satisfied_by]

    return pick


def _back(reference: str, fragment: str = "", focus: str = "") -> RedirectResponse:
    url = case_path(reference, "/elements")
    if focus:
        url += "?" + urlencode({"focus": focus})
    url += f"#{fragment}" if fragment else ""
    return RedirectResponse(url, status_code=303)


def _element_labels(result: CaseAssessment) -> dict[tuple[str, str], str]:
    return {
        (st.statute_id, e.element_id): e.label
        for s in result.suspects
        for st in s.statutes
        for e in st.elements
    }


@router.get("/cases/{reference}/elements")
def elements_tab(
    request: Request, ctx: CtxDep, user: PageUser, reference: str, focus: str = ""
) -> Response:
    case = cases.get_case(ctx, user.actor, reference)
    result = elements.assess_cached(ctx, user.actor, reference)
    sections = [focus_key(s.pseudonym, st.statute_id) for s in result.suspects for st in s.statutes]
    shown = set(sections) if len(sections) <= MAX_SECTIONS else {focus} & set(sections)
    notes = casework.list_notes(ctx, user.actor, reference)
    shown_focus = focus if focus in shown else ""
    path = case_path(case.reference, "/elements")

    def body() -> dict[str, object]:
        gaps, _total = cockpit.top_gaps(result, notes, limit=len(sections) * 20 + 1)
        groups = cockpit.group_charges(
            [c for s in result.suspects for c in cockpit.charge_lines(s)]
        )
        return {
            "result": result,
            "matrices": _matrices(result),
            "targets_for": _targets_for(_targets(result)),
            "status_text": STATUS_TEXT,
            "readiness_class": READINESS_CLASS,
            "anchor": anchor,
            "section_anchor": section_anchor,
            "focus_key": focus_key,
            "focus": shown_focus,
            "shown": shown,
            "cell_words": cell_words,
            "drill_words": drill_words,
            "gaps": gaps,
            "charge_groups": groups,
            "element_labels": _element_labels(result),
            "max_unattributed": MAX_UNATTRIBUTED,
            "max_facts": MAX_FACTS,
            "elements_path": path,
        }

    # The assessment is kept per case fingerprint and viewer (the same object while it
    # holds); with the notes (tasks close gaps) and the focus it is all the body shows.
    tab_body = fragments.render(
        request,
        "elements/_body.html",
        (id(result), user.id, tuple(notes), shown_focus, frozenset(shown), path),
        result,
        body,
    )
    return _case_page(
        request,
        user,
        case,
        "elements",
        "elements/tab.html",
        {"result": result, "tab_body": tab_body},
    )


@router.post("/cases/{reference}/elements/statutes")
def set_statutes(
    ctx: CtxDep,
    user: PageUser,
    reference: str,
    suspect_id: Annotated[int, Form()],
    statute: Annotated[list[str] | None, Form()] = None,
) -> Response:
    elements.set_statutes(ctx, user.actor, reference, suspect_id, statute or [])
    return _back(reference, f"suspect-{suspect_id}")


@router.post("/cases/{reference}/elements/decide")
def decide(
    ctx: CtxDep,
    user: PageUser,
    reference: str,
    decision: Annotated[str, Form()],
    assertion_id: Annotated[int | None, Form()] = None,
    fact_id: Annotated[str | None, Form(max_length=200)] = None,
    back: Annotated[str, Form(max_length=300)] = "",
    focus: Annotated[str, Form(max_length=300)] = "",
) -> Response:
    if assertion_id is not None:
        elements.decide_assertion(ctx, user.actor, reference, assertion_id, decision)
    elif fact_id:
        elements.decide_rule_fact(ctx, user.actor, reference, fact_id, decision)
    return _back(reference, back, focus)


@router.post("/cases/{reference}/elements/link")
def link(
    ctx: CtxDep,
    user: PageUser,
    reference: str,
    target: Annotated[str, Form(max_length=300)],
    concept: Annotated[str | None, Form(max_length=100)] = None,
    assertion_id: Annotated[int | None, Form()] = None,
    record_id: Annotated[int | None, Form()] = None,
    victim_id: Annotated[str | None, Form()] = None,
    quote: Annotated[str | None, Form(max_length=4000)] = None,
    focus: Annotated[str, Form(max_length=300)] = "",
) -> Response:
    parts = target.split("|")
    if len(parts) != 3 or not parts[0].isdigit():
        return _back(reference)
    suspect, statute_id, element_id = int(parts[0]), parts[1], parts[2]
    elements.link_fact(
        ctx,
        user.actor,
        reference,
        suspect_id=suspect,
        statute_id=statute_id,
        element_id=element_id,
        concept=concept or None,
        assertion_id=assertion_id,
        record_id=record_id,
        victim_id=int(victim_id) if victim_id and victim_id.isdigit() else None,
        quote=quote,
    )
    return _back(reference, "", focus)


@router.post("/cases/{reference}/elements/unlink")
def unlink(
    ctx: CtxDep,
    user: PageUser,
    reference: str,
    link_id: Annotated[int, Form()],
    back: Annotated[str, Form(max_length=300)] = "",
    focus: Annotated[str, Form(max_length=300)] = "",
) -> Response:
    elements.unlink(ctx, user.actor, reference, link_id)
    return _back(reference, back, focus)
