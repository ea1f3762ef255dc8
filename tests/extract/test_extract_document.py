from __future__ import annotations

import datetime as dt
from pathlib import Path

from palermo.extract import KnownPerson, extract_document, locator
from palermo.ingest.readers.base import DocumentText, Page, ReadContext
from palermo.ingest.readers.whatsapp import reader as whatsapp

PEOPLE = [KnownPerson("p-ion", "Ion Popescu", ("Nelu",))]


def test_all_kinds_with_page_and_span() -> None:
    doc = DocumentText(
        media_type="text/plain",
        pages=[
            Page(1, "Statement. Nelu took my passport in Bucharest."),
            Page(2, "Call 0721 234 567. I owed them 3.000 EUR. Radu Enache drove."),
            Page(3, "   "),
        ],
    )
    found = extract_document(doc, default_region="RO", known_people=PEOPLE, reference_date=None)
    for e in found:
        page_text = doc.pages[e.page - 1].text
        assert page_text[e.start : e.end] == e.raw
        if e.kind == "indicator":
            s0, s1 = e.details["sentence_span"]
            assert page_text[s0:s1] == e.details["sentence"]
    got = {(e.page, e.kind, e.value) for e in found}
    assert {
        (1, "mention", "p-ion"),
        (1, "indicator", "document_retention"),
        (1, "place", "Bucharest, RO"),
        (2, "phone", "+40721234567"),
        (2, "money", "3000 EUR"),
        (2, "indicator", "debt_bondage"),
        (2, "person_candidate", "Radu Enache"),
    } <= got
    assert all(e.page != 3 for e in found)


def test_chat_relative_dates_use_each_message_date(tmp_path: Path) -> None:
    path = tmp_path / "chat.txt"
    path.write_text(
        "12/03/2024, 14:05 - Boss: come yesterday\n"
        "20/03/2024, 09:00 - Boss: you came yesterday, good\n",
        "utf-8",
    )
    out = whatsapp.read(path, ReadContext(default_region="RO"))
    assert out.document is not None
    found = extract_document(
        out.document,
        default_region="RO",
        known_people=[],
        reference_date=dt.datetime(2030, 1, 1, tzinfo=dt.UTC),
    )
    dates = [(e.page, e.value) for e in found if e.kind == "date"]
    assert dates == [(1, "2024-03-11"), (2, "2024-03-19")]
    assert locator(out.document, found[-1]) == "message 2"


def test_reference_date_used_for_documents() -> None:
    doc = DocumentText(media_type="text/plain", pages=[Page(1, "He left last Friday.")])
    found = extract_document(
        doc, default_region="US", known_people=[], reference_date=dt.datetime(2024, 3, 20, 12, 0)
    )
    assert [e.value for e in found if e.kind == "date"] == ["2024-03-15"]
