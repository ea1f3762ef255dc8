from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from palermo.ingest.readers.base import ReadContext, ReadError, ReadOutput
from palermo.ingest.readers.documents import DOCUMENT_READERS, pick_reader, read_document
from palermo.ingest.readers.pdf import NO_TEXT_NOTE

RO = ReadContext(default_region="RO")


def read(path: Path, context: ReadContext = RO) -> ReadOutput:
    return read_document(path, context)


def reader_name(path: Path) -> str | None:
    chosen = pick_reader(path, path.read_bytes()[:8192])
    return None if chosen is None else chosen.name


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("statement.txt", "text"),
        ("latin1.txt", "text"),
        ("junk.txt", "text"),
        ("statement.pdf", "pdf"),
        ("record.docx", "docx"),
        ("letter.eml", "eml"),
        ("inbox.mbox", "mbox"),
        ("WhatsApp Chat with Ana.txt", "whatsapp"),
        ("ios_chat.txt", "whatsapp"),
        ("result.json", "telegram"),
        ("sms-20240312.xml", "sms_backup"),
        ("ad.html", "html"),
        ("photo.jpg", "image"),
        ("scan.png", "image"),
        ("data.xyz", None),
    ],
)
def test_sniffing_picks_the_right_reader(evidence: Path, name: str, expected: str | None) -> None:
    assert reader_name(evidence / name) == expected


def test_every_reader_has_a_unique_name() -> None:
    names = [r.name for r in DOCUMENT_READERS]
    assert len(names) == len(set(names))


def test_plain_text_utf8(evidence: Path) -> None:
    out = read(evidence / "statement.txt")
    assert out.document is not None and out.records is None
    assert [p.number for p in out.document.pages] == [1]
    assert out.document.pages[0].text.startswith("He took my passport.")


def test_plain_text_legacy_encodings_are_detected(evidence: Path) -> None:
    latin = read(evidence / "latin1.txt").document
    assert latin is not None
    assert "São Paulo" in latin.pages[0].text and "quitó" in latin.pages[0].text
    utf16 = read(evidence / "utf16.txt").document
    assert utf16 is not None and utf16.pages[0].text.startswith("Witness: Ana.")


def test_form_feed_splits_pages(evidence: Path) -> None:
    doc = read(evidence / "pages.txt").document
    assert doc is not None
    assert [(p.number, p.text) for p in doc.pages] == [(1, "first page"), (2, "second page")]


def test_binary_junk_with_txt_extension_is_not_text(evidence: Path) -> None:
    with pytest.raises(ReadError, match="not text") as info:
        read(evidence / "junk.txt")
    assert info.value.file.endswith("junk.txt")


def test_unknown_format_is_a_clear_error(evidence: Path) -> None:
    with pytest.raises(ReadError, match=r"unknown format \(\.xyz\)"):
        read(evidence / "data.xyz")


def test_pdf_keeps_page_numbers(evidence: Path) -> None:
    doc = read(evidence / "statement.pdf").document
    assert doc is not None and doc.note is None
    assert [p.number for p in doc.pages] == [1, 2, 3]
    assert "0721 234 567" in doc.pages[1].text
    assert "owed them" in doc.pages[2].text


def test_pdf_without_text_layer_gets_a_note(evidence: Path) -> None:
    doc = read(evidence / "scanned.pdf").document
    assert doc is not None
    assert doc.note == NO_TEXT_NOTE
    assert len(doc.pages) == 1 and not doc.pages[0].text.strip()


def test_encrypted_pdf_needs_a_password(evidence: Path) -> None:
    with pytest.raises(ReadError, match="encrypted PDF"):
        read(evidence / "encrypted.pdf")


@pytest.mark.parametrize("name", ["corrupt.pdf", "notreally.pdf"])
def test_corrupt_pdf(evidence: Path, name: str) -> None:
    with pytest.raises(ReadError, match="corrupt PDF"):
        read(evidence / name)


def test_docx_paragraphs_and_tables_in_order(evidence: Path) -> None:
    doc = read(evidence / "record.docx").document
    assert doc is not None
    text = doc.pages[0].text
    assert (
        text.index("Interview record")
        < text.index("kept our wages")
        < text.index("Ion Popescu | +40 721 234 567")
        < text.index("End of record.")
    )
    assert doc.metadata["author"] == "Investigator K."
    assert doc.metadata["tables"] == 1


def test_broken_docx(evidence: Path) -> None:
    with pytest.raises(ReadError, match="corrupt or not a Word document"):
        read(evidence / "broken.docx")


def test_eml_headers_body_and_attachments(evidence: Path) -> None:
    out = read(evidence / "letter.eml")
    doc = out.document
    assert out.source_kind == "email" and doc is not None
    assert doc.title == "Your job"
    assert doc.metadata["headers"]["from"] == "Boss <boss@example.com>"
    assert doc.metadata["headers"]["date_iso"] == "2024-03-12T14:05:00+01:00"
    assert doc.metadata["date"] == "2024-03-12T14:05:00+01:00"
    assert "pays 800 EUR" in doc.pages[0].text
    assert "From: Boss <boss@example.com>" in doc.pages[0].text
    assert doc.attachments == [("contract.pdf", b"%PDF-1.4 x")]


def test_mbox_each_message_is_a_page(evidence: Path) -> None:
    doc = read(evidence / "inbox.mbox").document
    assert doc is not None
    assert [p.number for p in doc.pages] == [1, 2, 3]
    assert "Body 2: call +40 721 234 562." in doc.pages[2].text
    assert doc.metadata["message_dates"][2] == "2024-03-12T14:05:00+01:00"
    assert [m["subject"] for m in doc.metadata["messages"]] == [
        "Message 0",
        "Message 1",
        "Message 2",
    ]


def test_whatsapp_android_messages_multiline_and_system_lines(evidence: Path) -> None:
    out = read(evidence / "WhatsApp Chat with Ana.txt")
    assert out.source_kind == "chat" and out.records is not None and out.document is not None
    rows = list(out.records)
    # Five entries; the first is a system line (a page, not a message record).
    assert [r.row_number for r in rows] == [2, 3, 4, 5]
    assert len(out.document.pages) == 5
    boss = rows[1]
    assert boss.body == "Tomorrow. Bring your passport,\nI keep it safe.\nAlso bring 200 euros."
    assert boss.attrs is not None and boss.attrs["sender_name"] == "Boss"
    assert boss.source is None and boss.target is None
    assert boss.occurred_at == datetime(2024, 3, 13, 9, 10, tzinfo=UTC)
    # A sender shown as a phone number becomes the source, normalised.
    assert rows[3].source == "+40721234567"
    assert out.document.pages[2].text == boss.body
    assert out.document.metadata["participants"] == ["Ana", "Boss", "+40 721 234 567"]


def test_whatsapp_ios_layout(evidence: Path) -> None:
    out = read(evidence / "ios_chat.txt", ReadContext(default_region="US"))
    assert out.records is not None
    rows = list(out.records)
    assert len(rows) == 3
    # 12/03 with a US phone would be month first, but nothing in this file decides it;
    # the region does: US -> December 3rd.
    assert rows[0].occurred_at == datetime(2024, 12, 3, 14, 5, 9, tzinfo=UTC)
    assert rows[2].attrs is not None and rows[2].attrs.get("media") is True
    assert rows[0].attrs is not None and rows[0].attrs["recipients"] == ["Ana"]


def test_whatsapp_date_order_decided_by_the_file(evidence: Path) -> None:
    out = read(evidence / "WhatsApp Chat with Ana.txt", ReadContext(default_region="US"))
    assert out.document is not None
    # "13/03/2024" can only be day first, so the whole file is day first.
    assert out.document.metadata["date_order"] == "day-first"


def test_telegram_json(evidence: Path) -> None:
    out = read(evidence / "result.json")
    assert out.records is not None and out.document is not None
    rows = list(out.records)
    assert [r.row_number for r in rows] == [2, 3]
    assert rows[0].occurred_at == datetime.fromtimestamp(1710252309, tz=UTC)
    assert rows[1].body == "Call me at +49 151 23456789 please"
    assert rows[1].attrs is not None and rows[1].attrs["from_id"] == "user222"
    assert len(out.document.pages) == 3
    assert out.document.title == "Recruiter"


def test_telegram_bad_json_names_the_line(evidence: Path) -> None:
    with pytest.raises(ReadError, match="not valid JSON") as info:
        read(evidence / "bad.json")
    assert info.value.line == 2


def test_telegram_nested_too_deep_is_a_read_error_naming_the_line(tmp_path: Path) -> None:
    # Brackets inside a string do not nest; the real nesting starts on line 3.
    path = tmp_path / "result.json"
    text = '{"messages": [\n {"text": "' + '[{\\"' * 600 + '"},\n'
    path.write_text(text + "[" * 5000 + "]" * 5000 + "]}")
    with pytest.raises(ReadError, match="nested more than 500 levels deep") as info:
        read(path)
    assert info.value.line == 3


def test_sms_backup(evidence: Path) -> None:
    out = read(evidence / "sms-20240312.xml")
    assert out.records is not None and out.document is not None
    rows = list(out.records)
    assert len(rows) == 3 and len(out.document.pages) == 3
    incoming, outgoing, third = rows
    assert incoming.source == "+40721234567" and incoming.target is None
    assert outgoing.target == "+40721234567" and outgoing.source is None
    assert incoming.attrs is not None and incoming.attrs["contact_name"] == "Boss"
    assert third.attrs is not None and "contact_name" not in third.attrs
    assert incoming.occurred_at == datetime.fromtimestamp(1710252309, tz=UTC)
    assert out.document.pages[2].text == "He took my passport"


def test_broken_sms_backup(evidence: Path) -> None:
    with pytest.raises(ReadError, match="not valid XML"):
        read(evidence / "broken-sms.xml")


def test_html_visible_text_title_and_links(evidence: Path) -> None:
    doc = read(evidence / "ad.html").document
    assert doc is not None
    assert doc.title == "New girls in town"
    text = doc.pages[0].text
    assert "New young Asian girls" in text and "+1 213 555 0143" in text
    assert "var x" not in text and "color:red" not in text
    assert doc.metadata["links"] == [{"href": "https://example-ads.com/post/1", "text": "see more"}]


def test_images_metadata_only(evidence: Path) -> None:
    out = read(evidence / "photo.jpg")
    doc = out.document
    assert out.source_kind == "image" and doc is not None
    assert doc.pages == [] and doc.note == "image: no OCR in this version"
    assert doc.metadata["width"] == 64 and doc.metadata["height"] == 48
    assert doc.metadata["exif"]["make"] == "PhoneMaker"
    png = read(evidence / "scan.png").document
    assert png is not None and png.metadata["format"] == "PNG"


def test_truncated_image(evidence: Path) -> None:
    with pytest.raises(ReadError, match="corrupt image"):
        read(evidence / "truncated.jpg")


def test_whatsapp_us_layout_with_am_pm(tmp_path: Path) -> None:
    path = tmp_path / "chat.txt"
    path.write_text(
        "3/12/24, 2:05\u202fPM - Boss: be ready at 9\n3/12/24, 11:40 AM - Ana: ok\n", "utf-8"
    )
    out = read(path, ReadContext(default_region="US"))
    assert out.records is not None
    rows = list(out.records)
    assert [r.occurred_at for r in rows] == [
        datetime(2024, 3, 12, 14, 5, tzinfo=UTC),
        datetime(2024, 3, 12, 11, 40, tzinfo=UTC),
    ]


def test_whatsapp_bad_date_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "chat.txt"
    path.write_text("12/03/2024, 14:05 - Ana: hi\n45/13/2024, 14:06 - Ana: hi\n", "utf-8")
    with pytest.raises(ReadError, match="bad date") as info:
        read(path)
    assert info.value.line == 2


def test_empty_eml_and_not_an_mbox(tmp_path: Path) -> None:
    empty = tmp_path / "empty.eml"
    empty.write_bytes(b"  \n")
    with pytest.raises(ReadError, match="empty e-mail"):
        read(empty)
    fake = tmp_path / "fake.mbox"
    fake.write_text("hello there\n", "utf-8")
    with pytest.raises(ReadError, match="not an mbox") as info:
        read(fake)
    assert info.value.line == 1


def test_missing_file_is_a_read_error(tmp_path: Path) -> None:
    with pytest.raises(ReadError, match="cannot read file"):
        read(tmp_path / "nope.txt")
