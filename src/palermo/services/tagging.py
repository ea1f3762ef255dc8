"""Tag by hand a passage of a document as a trafficking indicator the extraction missed.

Survivors' own words defeat any list of phrasings (the patterns find about half of what
their statements say), so the person reading a statement must be able to say "this
passage is document retention" and have it count like a found hit: highlighted in the
document, confirmed, attributed by the same rule (who did what to whom), and read by the
elements matrix, the form of exploitation and the memo.

The passage is found in the page as the tagger sees it: a viewer who sees victims by
pseudonym searches the redacted text, so the answer ("not on this page", "occurs twice")
never tells whether a sealed name is there. A passage that occurs more than once is
asked about (which occurrence), never guessed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from palermo.extract.indicators import tagged_by_hand
from palermo.extract.types import Extraction
from palermo.law.indicators import load_indicators
from palermo.security import audit, identities
from palermo.security.permissions import Actor, Permission
from palermo.security.redaction import Redactor
from palermo.security.redaction import apply as apply_redaction
from palermo.services import analysis_jobs
from palermo.services.access import open_case
from palermo.services.context import Context
from palermo.services.errors import InvalidInput, NotFound
from palermo.services.review import screen_holding
from palermo.store.models import Assertion, AssertionStatus
from palermo.store.models.documents import Document, DocumentPage

MAX_PASSAGE = 2000
_APOSTROPHE = re.compile(r"['’]")


@dataclass(frozen=True, slots=True)
class Tagged:
    """The indicator assertion a tag made or confirmed, and where it sits."""

    assertion_id: int
    page: int
    span: tuple[int, int]
    screen: int  # the screen of the document's view that shows it
    created: bool  # False: a suggestion of the same indicator in that sentence was confirmed


def indicator_choices() -> list[tuple[str, str, str]]:
    """(id, label, group) of every indicator a passage can be tagged with, by group."""
    return sorted(
        ((i.id, i.indicator.label, i.indicator.group) for i in load_indicators()),
        key=lambda c: (c[2], c[1]),
    )


def tag_indicator(
    ctx: Context,
    actor: Actor,
    reference: str,
    evidence_file_id: int,
    *,
    page: int,
    passage: str,
    indicator: str,
    start: int | None = None,
    occurrence: int | None = None,
) -> Tagged:
    """Tag ``passage`` of ``page`` of a document as ``indicator``, confirmed, by ``actor``.

    ``start`` (where a selection began, in the page as the actor sees it) or
    ``occurrence`` (1-based) says which one is meant when the passage occurs more than
    once. Raises InvalidInput with the field at fault (``indicator``, ``passage``,
    ``page``, ``occurrence``), NotFound, or PermissionDenied without DECIDE.
    """
    if indicator not in {i.id for i in load_indicators()}:
        raise InvalidInput("indicator: choose an indicator from the list")
    words = passage.split()
    if not words:
        raise InvalidInput("passage: select or type the words of the passage")
    if len(passage) > MAX_PASSAGE:
        raise InvalidInput(f"passage: at most {MAX_PASSAGE:,} characters; tag a shorter passage")
    with ctx.db.session() as session:
        case = open_case(ctx, session, actor, reference, Permission.DECIDE)
        document = session.scalar(
            select(Document).where(
                Document.case_id == case.id, Document.evidence_file_id == evidence_file_id
            )
        )
        if document is None:
            raise NotFound(f"no document for evidence file {evidence_file_id}")
        text = session.scalar(
            select(DocumentPage.text).where(
                DocumentPage.document_id == document.id, DocumentPage.number == page
            )
        )
        if text is None:
            raise InvalidInput(f"page: this document has no page {page}")
        redactor = identities.redactor_for(ctx, session, case.id, actor, purpose="review")
        lo, hi = _locate(text, words, page, redactor, start, occurrence)
        try:
            hit = tagged_by_hand(text, lo, hi, indicator, page=page)
        except ValueError as error:
            raise InvalidInput(f"passage: {error}") from error
        tagged = _store(session, actor, case.id, document, hit, page)
        audit.record(
            session,
            actor=actor,
            action="indicator.tag",
            case_id=case.id,
            object_type="assertion",
            object_id=tagged.assertion_id,
            details={
                "indicator": indicator,
                "evidence_file_id": evidence_file_id,
                "locator": f"page {page}",
                "span": [lo, hi],
                "confirmed_suggestion": not tagged.created,
            },
        )
        analysis_jobs.analyse_after_commit(ctx, session, actor, case.id)
        return tagged


def _locate(
    text: str,
    words: list[str],
    page: int,
    redactor: Redactor | None,
    start: int | None,
    occurrence: int | None,
) -> tuple[int, int]:
    """The passage's span in the page's own text, found in the text as the viewer sees it."""
    hidden = redactor.spans(text) if redactor is not None and redactor.active else []
    shown = apply_redaction(text, hidden) if hidden else text
    gap = r"\s+"
    pattern = gap.join(_APOSTROPHE.sub("['’]", re.escape(w)) for w in words)
    found = [(m.start(), m.end()) for m in re.finditer(pattern, shown, re.IGNORECASE)]
    if not found:
        raise InvalidInput(
            f"passage: page {page} has no passage “{_short(' '.join(words))}”: "
            "select it in the text, or copy its words exactly"
        )
    if start is not None and any(s == start for s, _ in found):
        chosen = next(f for f in found if f[0] == start)
    elif len(found) == 1:
        chosen = found[0]
    elif occurrence is not None and 1 <= occurrence <= len(found):
        chosen = found[occurrence - 1]
    else:
        raise InvalidInput(
            f"occurrence: the passage occurs {len(found)} times on page {page}: "
            f"say which one (1 to {len(found)}), or select it in the text"
        )
    return _to_original(chosen, hidden)


def _to_original(span: tuple[int, int], hidden: list[tuple[int, int, str]]) -> tuple[int, int]:
    """A span of the redacted text back in the page's own text. A span that holds part of
    a pseudonym has no such place: it is refused (the viewer sees the pseudonym there)."""
    shift = 0  # original offset minus shown offset, before the current hidden span
    for lo, hi, replacement in hidden:
        shown_lo = lo - shift
        shown_hi = shown_lo + len(replacement)
        if span[1] <= shown_lo:
            break
        if span[0] < shown_hi:
            raise InvalidInput(
                "passage: it holds a pseudonym; tag the words around the name instead"
            )
        shift += (hi - lo) - len(replacement)
    return span[0] + shift, span[1] + shift


def _store(
    session: Session,
    actor: Actor,
    case_id: int,
    document: Document,
    hit: Extraction,
    page: int,
) -> Tagged:
    """A suggestion of the same indicator in the same sentence is that fact: it is
    confirmed rather than doubled. Otherwise a confirmed assertion of human origin."""
    now = datetime.now(UTC)
    details, span, locator = hit.details, hit.span, f"page {page}"
    sentence = details.get("sentence_span")
    assert isinstance(sentence, tuple)
    found = session.scalars(
        select(Assertion).where(
            Assertion.case_id == case_id,
            Assertion.evidence_file_id == document.evidence_file_id,
            Assertion.predicate == "indicator",
            Assertion.value == details["indicator"],
            Assertion.locator == locator,
            Assertion.span_start < sentence[1],
            Assertion.span_end > sentence[0],
        )
    )
    # A suppressed match (negated, hypothetical) is the patterns' reading, not this one.
    same = next((a for a in found if not (a.details or {}).get("blocked")), None)
    if same is not None:
        same.status = AssertionStatus.CONFIRMED.value
        same.decided_by, same.decided_at = actor.user_id, now
        session.flush()
        assert same.span_start is not None and same.span_end is not None
        span = (same.span_start, same.span_end)
        return Tagged(same.id, page, span, screen_holding(session, document, page, span[0]), False)
    a = Assertion(
        case_id=case_id,
        subject_type="document",
        subject_id=document.id,
        predicate="indicator",
        value=str(details["indicator"]),
        details=dict(details),
        evidence_file_id=document.evidence_file_id,
        locator=locator,
        span_start=span[0],
        span_end=span[1],
        quote=hit.raw,
        confidence=1.0,
        status=AssertionStatus.CONFIRMED.value,
        origin="human",
        decided_by=actor.user_id,
        decided_at=now,
    )
    session.add(a)
    session.flush()
    return Tagged(a.id, page, span, screen_holding(session, document, page, span[0]), True)


def _short(text: str, limit: int = 80) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
