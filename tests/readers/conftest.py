"""A folder with one small file of every supported format, generated at test time."""

from __future__ import annotations

import io
import json
import mailbox
import random
from email.message import EmailMessage
from pathlib import Path

import docx
import pytest
from fpdf import FPDF
from PIL import Image
from pypdf import PdfReader, PdfWriter

STATEMENT_PAGES = [
    "Witness statement of A.B., page one. He took my passport when we arrived in Madrid.",
    "Page two. Call Ion on 0721 234 567. We worked 16 hours a day.",
    "Page three. I owed them 3,000 euros for the ticket.",
]


def make_pdf(pages: list[str]) -> bytes:
    pdf = FPDF()
    pdf.set_font("Helvetica", size=12)
    for text in pages:
        pdf.add_page()
        pdf.multi_cell(0, 8, text)
    return bytes(pdf.output())


def make_scanned_pdf() -> bytes:
    pdf = FPDF()
    pdf.add_page()
    pdf.set_fill_color(90, 90, 90)
    pdf.rect(20, 20, 100, 60, style="F")  # a "scan": graphics, no text layer
    return bytes(pdf.output())


def make_encrypted_pdf() -> bytes:
    writer = PdfWriter()
    for page in PdfReader(io.BytesIO(make_pdf(["Secret page."]))).pages:
        writer.add_page(page)
    writer.encrypt("s3cret", algorithm="AES-128")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def make_docx(path: Path) -> None:
    document = docx.Document()
    document.core_properties.author = "Investigator K."
    document.add_heading("Interview record", level=1)
    document.add_paragraph("The witness said the boss kept our wages.")
    table = document.add_table(rows=2, cols=2)
    table.cell(0, 0).text = "Name"
    table.cell(0, 1).text = "Phone"
    table.cell(1, 0).text = "Ion Popescu"
    table.cell(1, 1).text = "+40 721 234 567"
    document.add_paragraph("End of record.")
    document.save(str(path))


def make_email(subject: str, body: str, attachment: bytes | None = None) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = "Boss <boss@example.com>"
    msg["To"] = "ana@example.org"
    msg["Subject"] = subject
    msg["Date"] = "Tue, 12 Mar 2024 14:05:00 +0100"
    msg["Message-ID"] = f"<{abs(hash(subject))}@example.com>"
    msg.set_content(body)
    if attachment is not None:
        msg.add_attachment(
            attachment, maintype="application", subtype="pdf", filename="contract.pdf"
        )
    return msg


WHATSAPP_ANDROID = (
    (
        "12/03/2024, 14:05 - Messages and calls are end-to-end encrypted. No one outside of "
        "this chat, not even WhatsApp, can read or listen to them.\n"
    )
    + """\
12/03/2024, 14:05 - Ana: Hello, when do I start?
13/03/2024, 09:10 - Boss: Tomorrow. Bring your passport,
I keep it safe.
Also bring 200 euros.
13/03/2024, 09:12 - Ana: ok
13/03/2024, 09:15 - +40 721 234 567: who is this?
"""
)

WHATSAPP_IOS = """\
[12/03/2024, 14:05:09] Boss: you owe me 2000 for the trip
[12/03/2024, 14:06:11] Ana: I know
[12/03/2024, 14:07:45] Boss: \u200eimage omitted
"""

TELEGRAM = {
    "name": "Recruiter",
    "type": "personal_chat",
    "id": 4242,
    "messages": [
        {
            "id": 1,
            "type": "service",
            "date": "2024-03-12T14:00:00",
            "action": "phone_call",
            "text": "",
        },
        {
            "id": 2,
            "type": "message",
            "date": "2024-03-12T14:05:09",
            "date_unixtime": "1710252309",
            "from": "Recruiter",
            "from_id": "user111",
            "text": "Job in Berlin, 1500 EUR a month",
        },
        {
            "id": 3,
            "type": "message",
            "date": "2024-03-12T14:06:00",
            "from": "Maria",
            "from_id": "user222",
            "text": ["Call me at ", {"type": "phone", "text": "+49 151 23456789"}, " please"],
        },
    ],
}

SMS_XML = """<?xml version='1.0' encoding='UTF-8' standalone='yes' ?>
<smses count="3">
  <sms protocol="0" address="0721 234 567" date="1710252309000" type="1"
       body="Where are you? Come back now." contact_name="Boss" readable_date="12 Mar 2024" />
  <sms protocol="0" address="+40721234567" date="1710252409000" type="2"
       body="I am at the station" contact_name="Boss" />
  <sms protocol="0" address="+40744123456" date="1710252509000" type="1"
       body="He took my passport" contact_name="(Unknown)" />
</smses>
"""

HTML_AD = """<!DOCTYPE html>
<html><head><title>New girls in town</title>
<meta name="description" content="Escort ads"><style>body{color:red}</style></head>
<body><h1>New young Asian girls</h1><p>Call +1 213 555 0143 or
<a href="https://example-ads.com/post/1">see more</a></p><script>var x=1;</script></body></html>
"""


@pytest.fixture(scope="session")
def evidence(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("evidence")
    (root / "statement.txt").write_text("He took my passport.\nCall 0721 234 567.\n", "utf-8")
    (root / "latin1.txt").write_bytes(
        "Declaración: el patrón nos quitó los pasaportes en São Paulo. Niño, café, año, "
        "señora, corazón, acción, también, después, está, información.\n".encode("cp1252")
    )
    (root / "utf16.txt").write_bytes("Witness: Ana. He kept our wages.\n".encode("utf-16"))
    (root / "pages.txt").write_text("first page\fsecond page", "utf-8")
    (root / "junk.txt").write_bytes(random.Random(7).randbytes(4096))
    (root / "statement.pdf").write_bytes(make_pdf(STATEMENT_PAGES))
    (root / "scanned.pdf").write_bytes(make_scanned_pdf())
    (root / "encrypted.pdf").write_bytes(make_encrypted_pdf())
    good = make_pdf(["x"])
    (root / "corrupt.pdf").write_bytes(good[: len(good) // 3])
    (root / "notreally.pdf").write_bytes(b"%PDF-1.7\n" + random.Random(3).randbytes(2000))
    make_docx(root / "record.docx")
    (root / "broken.docx").write_bytes(b"PK\x03\x04" + random.Random(5).randbytes(500))
    (root / "letter.eml").write_bytes(
        make_email(
            "Your job", "Dear Ana,\nthe job in Madrid pays 800 EUR.", b"%PDF-1.4 x"
        ).as_bytes()
    )
    box = mailbox.mbox(str(root / "inbox.mbox"))
    for i in range(3):
        box.add(make_email(f"Message {i}", f"Body {i}: call +40 721 234 56{i}."))
    box.flush()
    box.close()
    (root / "WhatsApp Chat with Ana.txt").write_text(WHATSAPP_ANDROID, "utf-8")
    (root / "ios_chat.txt").write_text(WHATSAPP_IOS, "utf-8")
    (root / "result.json").write_text(json.dumps(TELEGRAM), "utf-8")
    (root / "bad.json").write_text('{"messages": [1, 2,\n  oops]}', "utf-8")
    (root / "sms-20240312.xml").write_text(SMS_XML, "utf-8")
    (root / "broken-sms.xml").write_text("<smses><sms address='1' ", "utf-8")
    (root / "ad.html").write_text(HTML_AD, "utf-8")
    image = Image.new("RGB", (64, 48), (200, 30, 30))
    exif = Image.Exif()
    exif[271] = "PhoneMaker"
    exif[272] = "Model X"
    image.save(root / "photo.jpg", "JPEG", exif=exif)
    Image.new("L", (10, 20)).save(root / "scan.png", "PNG")
    (root / "truncated.jpg").write_bytes(b"\xff\xd8\xff\xe0" + b"\x00" * 20)
    (root / "data.xyz").write_bytes(b"\x01\x02\x03 binary blob " + bytes(range(256)))
    return root
