"""The form of exploitation the stored evidence points to, for many cases at once.

Statistics and the HTCDS export use a case's typology as a user set it; where none is
set they fall back to the form inferred here and say so. The inference reads only what
extraction already stored (indicator assertions that nobody rejected, and the victims'
recorded minor flag): no text is read again, no elements assessment is run, so a unit's
statistics cost one grouped query, not one extraction per case. The facts are read afresh
on every call, so a confirmed or rejected passage counts at once.

Per victim (HTCDS rows are per victim): a victim takes the form of the passages whose
sentence names them (a mention of that victim inside the indicator's sentence). A victim
no passage names takes the case's form.

The case header shows the same verdict from the elements assessment, with its passages
(:mod:`palermo.services.viewcache`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from palermo.law.exploitation import (
    MINOR,
    RELEVANT,
    ExploitationFact,
    form_of_exploitation,
)
from palermo.store.models import Assertion, AssertionStatus, Person


@dataclass(frozen=True, slots=True)
class InferredForm:
    """``form``: as :class:`palermo.law.exploitation.Exploitation` (None: no evidence);
    ``victims``: person id -> form, for victims a passage names."""

    form: str | None
    minor: bool
    victims: dict[int, str] = field(default_factory=dict)


@lru_cache(maxsize=1)
def _concepts_by_indicator() -> dict[str, tuple[str, ...]]:
    """Indicator id -> the concepts of it that bear on the form (only those indicators)."""
    from palermo.law.indicators import load_indicators

    out: dict[str, tuple[str, ...]] = {}
    for ind in load_indicators():
        relevant = tuple(c for c in ind.indicator.concepts if c in RELEVANT)
        if relevant:
            out[ind.id] = relevant
    return out


def _facts_query(case_ids: list[int]) -> Any:
    return (
        select(Assertion.case_id, Assertion.value)
        .where(
            Assertion.case_id.in_(case_ids),
            Assertion.predicate == "indicator",
            Assertion.status != AssertionStatus.REJECTED.value,
            Assertion.value.in_(list(_concepts_by_indicator())),
        )
        .distinct()
    )


def inferred_forms(
    session: Session, case_ids: Iterable[int], *, per_victim: bool = False
) -> dict[int, InferredForm]:
    """The inferred form of each case that has evidence either way (others are left out).

    ``per_victim`` also reads the sentences of the relevant passages and the mentions of
    victims in them (for the HTCDS export; the statistics need the case's form only)."""
    ids = sorted(set(case_ids))
    if not ids:
        return {}
    by_indicator = _concepts_by_indicator()
    facts: dict[int, list[ExploitationFact]] = defaultdict(list)
    for cid, value in session.execute(_facts_query(ids)):
        # The indicator's id stands for its passages (see ExploitationFact).
        facts[cid].extend(
            ExploitationFact(c, str(value)) for c in by_indicator.get(value or "", ())
        )
    minors = dict(
        session.execute(
            select(Person.id, Person.case_id).where(
                Person.case_id.in_(ids), Person.kind == "victim", Person.is_minor.is_(True)
            )
        ).all()
    )
    for pid, cid in minors.items():
        facts[cid].append(ExploitationFact(MINOR, f"person {pid}", str(pid)))
    named = _named_victims(session, ids, by_indicator) if per_victim else {}
    for cid, victim_facts in named.items():
        facts[cid].extend(victim_facts)
    out: dict[int, InferredForm] = {}
    for cid, fs in facts.items():
        whole, per = form_of_exploitation(fs)
        if whole.form is None and not whole.minor:
            continue
        victims = {int(v): e.form for v, e in per.items() if e.form is not None}
        out[cid] = InferredForm(whole.form, whole.minor, victims)
    return out


def _named_victims(
    session: Session, ids: list[int], by_indicator: dict[str, tuple[str, ...]]
) -> dict[int, list[ExploitationFact]]:
    """Facts per victim: a relevant passage whose sentence mentions a victim of the case."""
    hits: dict[tuple[int | None, str | None], list[tuple[int, int, str]]] = defaultdict(list)
    for fid, locator, value, details, start, end in session.execute(
        select(
            Assertion.evidence_file_id,
            Assertion.locator,
            Assertion.value,
            Assertion.details,
            Assertion.span_start,
            Assertion.span_end,
        ).where(
            Assertion.case_id.in_(ids),
            Assertion.predicate == "indicator",
            Assertion.status != AssertionStatus.REJECTED.value,
            Assertion.value.in_(list(by_indicator)),
            Assertion.evidence_file_id.is_not(None),
        )
    ):
        span = (details or {}).get("sentence_span")
        s_start, s_end = (span[0], span[1]) if span else (start or 0, end or 0)
        hits[(fid, locator)].append((int(s_start), int(s_end), str(value)))
    if not hits:
        return {}
    victims = select(Person.id).where(Person.case_id.in_(ids), Person.kind == "victim")
    files = sorted({fid for fid, _ in hits if fid is not None})
    out: dict[int, list[ExploitationFact]] = defaultdict(list)
    seen: set[tuple[int | None, str]] = set()
    for cid, fid, locator, start, pid in session.execute(
        select(
            Assertion.case_id,
            Assertion.evidence_file_id,
            Assertion.locator,
            Assertion.span_start,
            Assertion.subject_id,
        ).where(
            Assertion.case_id.in_(ids),
            Assertion.predicate == "mention",
            Assertion.subject_type == "person",
            Assertion.status != AssertionStatus.REJECTED.value,
            Assertion.evidence_file_id.in_(files),
            Assertion.subject_id.in_(victims.scalar_subquery()),
        )
    ):
        for s_start, s_end, value in hits.get((fid, locator), ()):
            if s_start <= (start or 0) < s_end and (pid, value) not in seen:
                seen.add((pid, value))
                out[cid].extend(
                    ExploitationFact(c, value, str(pid)) for c in by_indicator.get(value, ())
                )
    return out
