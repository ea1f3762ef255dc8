"""Extraction from document text: identifiers, mentions of people, trafficking indicators.

``extract_document`` is the one entry point the ingest service calls; every item
carries its page (or message index) and character span, to be stored as a
suggested assertion for a person to confirm or reject.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import replace
from datetime import date, datetime
from typing import Any

from palermo.extract.identifiers import extract_identifiers
from palermo.extract.indicators import find_indicators
from palermo.extract.mentions import KnownPerson, find_candidates, find_mentions, tokenize
from palermo.extract.types import Extraction
from palermo.ingest.readers.base import DocumentText, Page

__all__ = ["Extraction", "KnownPerson", "extract_document", "extract_text", "locator"]


def extract_text(
    text: str,
    *,
    page: int = 1,
    default_region: str = "US",
    known_people: list[KnownPerson] | None = None,
    reference_date: date | datetime | None = None,
) -> list[Extraction]:
    """Everything found in one page of text, sorted by position."""
    items = extract_identifiers(
        text, page=page, default_region=default_region, reference_date=reference_date
    )
    tokens = tokenize(text)
    mentions = find_mentions(text, known_people or [], page=page, tokens=tokens)
    # Names inside e-mail addresses, handles or URLs are not person candidates.
    taken = [m.span for m in mentions] + [i.span for i in items if i.kind != "date"]
    items.extend(mentions)
    items.extend(find_candidates(text, page=page, exclude=taken, tokens=tokens))
    items.extend(find_indicators(text, page=page))
    items.sort(key=lambda e: (e.page, e.span, e.kind))
    return items


# Joins short pages (chat messages) so each extractor runs once per batch: a blank line
# ends sentences and names, and U+2063 stops phone numbers and amounts from joining.
_SEP = "\n\n\u2063\n\n"
_BATCH_CHARS = 20_000


def extract_document(
    doc: DocumentText,
    *,
    default_region: str,
    known_people: list[KnownPerson],
    reference_date: datetime | None,
) -> list[Extraction]:
    """All identifiers, mentions, person candidates and indicator hits of a document.

    Chat readers put each message's date in ``metadata["message_dates"]``; relative
    dates in a message ("yesterday") are resolved against that message's own date,
    else against ``reference_date``.
    """
    dates = doc.metadata.get("message_dates") or {}
    out: list[Extraction] = []
    batch: list[Page] = []
    batch_ref: date | None = None
    size = 0
    for page in doc.pages:
        if not page.text.strip():
            continue
        ref = _reference(dates, page.number, reference_date)
        ref_day = ref.date() if isinstance(ref, datetime) else ref
        if batch and (ref_day != batch_ref or size + len(page.text) > _BATCH_CHARS):
            out.extend(_extract_batch(batch, batch_ref, default_region, known_people))
            batch, size = [], 0
        if _SEP in page.text:
            out.extend(
                extract_text(
                    page.text,
                    page=page.number,
                    default_region=default_region,
                    known_people=known_people,
                    reference_date=ref_day,
                )
            )
            continue
        batch.append(page)
        batch_ref = ref_day
        size += len(page.text) + len(_SEP)
    if batch:
        out.extend(_extract_batch(batch, batch_ref, default_region, known_people))
    return out


def locator(doc: DocumentText, item: Extraction) -> str:
    """Where an item is, in the words of the document's kind: "page 3" or "message 12"."""
    unit = "message" if doc.metadata.get("locator") == "message" else "page"
    return f"{unit} {item.page}"


def _reference(
    dates: dict[Any, str], number: int, fallback: datetime | None
) -> date | datetime | None:
    own = dates.get(number) or dates.get(str(number))
    return datetime.fromisoformat(own) if own else fallback


def _extract_batch(
    pages: list[Page], ref: date | None, default_region: str, known_people: list[KnownPerson]
) -> list[Extraction]:
    if len(pages) == 1:
        return extract_text(
            pages[0].text,
            page=pages[0].number,
            default_region=default_region,
            known_people=known_people,
            reference_date=ref,
        )
    starts: list[int] = []
    offset = 0
    for page in pages:
        starts.append(offset)
        offset += len(page.text) + len(_SEP)
    joined = _SEP.join(page.text for page in pages)
    out: list[Extraction] = []
    for item in extract_text(
        joined, page=0, default_region=default_region, known_people=known_people, reference_date=ref
    ):
        k = bisect_right(starts, item.start) - 1
        base = starts[k]
        page = pages[k]
        start, end = item.start - base, item.end - base
        if start < 0 or end > len(page.text):
            continue  # runs over a separator: not a real item
        details = item.details
        if "sentence_span" in details:
            s0, s1 = details["sentence_span"]
            details = {**details, "sentence_span": (s0 - base, s1 - base)}
        out.append(replace(item, page=page.number, span=(start, end), details=details))
    return out
