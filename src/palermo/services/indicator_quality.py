"""How indicator extraction does on a case's own documents, from what its reviewers decided.

Every indicator a person confirmed, rejected or tagged by hand is a label on real text:
the sentences holding such a decision become labelled sentences in the format of the
shipped sets (``palermo.extract.evaluate``), which a unit can download and score with
``palermo indicators evaluate``, and which the Suggestions page scores at once. An
indicator counts as present in a sentence when a person confirmed or tagged it there,
absent otherwise: precision is what reviewers confirmed of what extraction found, and
recall counts only the misses a reviewer tagged (untagged misses stay unknown).

Victims' names are replaced by pseudonyms in these sentences for every viewer, whatever
their role: the sentences are made to leave the case (a download, a shared test set).
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from palermo.extract.evaluate import LabelledSentence, Score, score_sentences
from palermo.security import audit, identities
from palermo.security.permissions import Actor
from palermo.services.access import open_case
from palermo.services.context import Context
from palermo.services.derived_views import KeptView
from palermo.services.viewcache import case_fingerprint
from palermo.store.models import Assertion, AssertionStatus, Case

DECIDED = (AssertionStatus.CONFIRMED.value, AssertionStatus.REJECTED.value)


@dataclass(frozen=True, slots=True)
class CaseQuality:
    """Extraction scored on the case's reviewed sentences (counts only: no text)."""

    sentences: int
    micro: Score


def reviewed_sentences(ctx: Context, actor: Actor, reference: str) -> list[LabelledSentence]:
    """The case's sentences with an indicator decision, labelled by those decisions,
    victims by pseudonym (for a download: audited as one)."""
    with ctx.db.session() as session:
        case = open_case(ctx, session, actor, reference)
        sentences = _labelled(session, case)
        if sentences:
            redactor = identities.redactor_for(
                ctx, session, case.id, actor, purpose="indicator labels", always=True
            )
            assert redactor is not None  # always=True
            sentences = [s.model_copy(update={"text": redactor(s.text)}) for s in sentences]
        audit.record(
            session,
            actor=actor,
            action="indicators.export_reviewed",
            case_id=case.id,
            details={"sentences": len(sentences)},
        )
        return sentences


def case_quality(ctx: Context, actor: Actor, reference: str) -> CaseQuality | None:
    """Extraction's precision and recall on the case's reviewed sentences (None: no
    decision yet). Scored on the case's own text; only the counts leave this function, so
    no name is unsealed for it. Kept per case fingerprint (every decision moves it): the
    Suggestions page shows it on every visit, and a large case holds thousands."""
    with ctx.db.session() as session:
        case = open_case(ctx, session, actor, reference)
        fingerprint = case_fingerprint(session, case)

        def compute() -> CaseQuality | None:
            sentences = _labelled(session, case)
            if not sentences:
                return None
            report = score_sentences(sentences, where=f"case {reference}")
            return CaseQuality(len(sentences), report.micro)

        return _quality.get(ctx, case.id, fingerprint, "counts", compute).value


# Counts only, the same for every viewer; memory only.
_quality: KeptView[CaseQuality | None] = KeptView("indicators.quality/1", durable=False)


def as_json_lines(sentences: list[LabelledSentence]) -> str:
    """The sentences as JSON lines, as the shipped labelled sets are written."""
    return "".join(
        json.dumps(s.model_dump(exclude_defaults=True), ensure_ascii=False) + "\n"
        for s in sentences
    )


def _labelled(session: Session, case: Case) -> list[LabelledSentence]:
    rows = session.scalars(
        select(Assertion)
        .where(
            Assertion.case_id == case.id,
            Assertion.predicate == "indicator",
            Assertion.status.in_(DECIDED),
            Assertion.evidence_file_id.is_not(None),
        )
        .order_by(Assertion.evidence_file_id, Assertion.locator, Assertion.span_start)
    )
    # One labelled sentence per sentence holding a decision; its decided indicators.
    by_sentence: dict[tuple[int, str, int], tuple[str, set[str]]] = {}
    for a in rows:
        details = a.details or {}
        text = str(details.get("sentence") or a.quote or "").strip()
        span = details.get("sentence_span") or [a.span_start or 0]
        if not text or not a.value:
            continue
        key = (int(a.evidence_file_id or 0), a.locator or "", int(span[0]))
        _, present = by_sentence.setdefault(key, (text, set()))
        if a.status == AssertionStatus.CONFIRMED.value:
            present.add(a.value)
    out: list[LabelledSentence] = []
    for (file_id, locator, start), (text, present) in by_sentence.items():
        out.append(
            LabelledSentence(
                id=f"{case.reference}/{file_id}/{locator.replace(' ', '')}/{start}",
                doc=f"{case.reference}/{file_id}",
                source=f"case {case.reference}, evidence file {file_id}, {locator}",
                text=text,
                expect=sorted(present),
                note="reviewed in Palermo: only the indicators a person decided are labelled",
            )
        )
    return out
