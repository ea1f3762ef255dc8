"""E-mail: single messages (.eml) and mailboxes (.mbox), with attachments for recursive ingest."""

from __future__ import annotations

import contextlib
import email
import mailbox
import re
from email import policy
from email.message import EmailMessage, Message
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any

from bs4 import BeautifulSoup

from palermo.ingest.readers._common import read_bytes, suffix
from palermo.ingest.readers.base import DocumentText, Page, ReadContext, ReadError, ReadOutput

_HEADER_LINE = re.compile(rb"^[A-Za-z][A-Za-z0-9-]{1,40}:[ \t]", re.MULTILINE)
_KNOWN_HEADERS = (
    b"from:",
    b"to:",
    b"subject:",
    b"date:",
    b"message-id:",
    b"received:",
    b"return-path:",
    b"mime-version:",
    b"delivered-to:",
)
_MBOX_FROM = re.compile(rb"^From \S+")
HEADERS = ("from", "to", "cc", "bcc", "reply-to", "subject", "date", "message-id")


def _looks_like_headers(head: bytes) -> bool:
    lower = head[:4096].lower()
    if not _HEADER_LINE.match(head):
        return False
    return sum(1 for h in _KNOWN_HEADERS if h in lower) >= 2


class EmlReader:
    name = "eml"

    def sniff(self, path: Path, head: bytes) -> bool:
        if suffix(path) == ".eml":
            return True
        return suffix(path) in {"", ".email"} and _looks_like_headers(head)

    def read(self, path: Path, context: ReadContext) -> ReadOutput:
        data = read_bytes(path)
        if not data.strip():
            raise ReadError(str(path), "empty e-mail file")
        msg = email.message_from_bytes(data, policy=policy.default)
        if not isinstance(msg, EmailMessage) or not msg.keys():
            raise ReadError(str(path), "not an e-mail: no headers found", line=1)
        text, headers, attachments = render_message(msg)
        doc = DocumentText(
            media_type="message/rfc822",
            title=headers.get("subject") or path.name,
            pages=[Page(number=1, text=text)],
            metadata={
                "locator": "page",
                "headers": headers,
                # The reference for relative dates ("yesterday") in the body.
                **({"date": headers["date_iso"]} if "date_iso" in headers else {}),
            },
            attachments=attachments,
        )
        return ReadOutput(source_kind="email", document=doc)


class MboxReader:
    name = "mbox"

    def sniff(self, path: Path, head: bytes) -> bool:
        if suffix(path) == ".mbox":
            return True
        return (
            suffix(path) == ""
            and bool(_MBOX_FROM.match(head))
            and _looks_like_headers(head.split(b"\n", 1)[-1])
        )

    def read(self, path: Path, context: ReadContext) -> ReadOutput:
        file = str(path)
        with path.open("rb") as fh:
            first = fh.readline()
        if not first.startswith(b"From "):
            raise ReadError(file, "not an mbox: the first line must start with 'From '", line=1)
        box = mailbox.mbox(str(path), factory=None, create=False)
        pages: list[Page] = []
        messages: list[dict[str, Any]] = []
        attachments: list[tuple[str, bytes]] = []
        try:
            for index, raw in enumerate(box, start=1):
                parsed = email.message_from_bytes(raw.as_bytes(), policy=policy.default)
                assert isinstance(parsed, EmailMessage)
                text, headers, files = render_message(parsed)
                pages.append(Page(number=index, text=text))
                messages.append(headers)
                attachments.extend((f"message-{index}/{name}", content) for name, content in files)
        finally:
            box.close()
        if not pages:
            raise ReadError(file, "empty mailbox")
        doc = DocumentText(
            media_type="application/mbox",
            title=path.name,
            pages=pages,
            metadata={
                "locator": "message",
                "messages": messages,
                "message_count": len(pages),
                "message_dates": {
                    i: m["date_iso"] for i, m in enumerate(messages, 1) if "date_iso" in m
                },
            },
            attachments=attachments,
        )
        return ReadOutput(source_kind="email", document=doc)


def render_message(msg: EmailMessage) -> tuple[str, dict[str, Any], list[tuple[str, bytes]]]:
    """Text of one message (headers, then body), its headers, and its attachments."""
    headers: dict[str, Any] = {}
    for name in HEADERS:
        value = msg.get(name)
        if value is not None:
            headers[name] = str(value)
    if "date" in headers:
        with contextlib.suppress(TypeError, ValueError, IndexError):
            headers["date_iso"] = parsedate_to_datetime(headers["date"]).isoformat()
    bodies: list[str] = []
    html_bodies: list[str] = []
    attachments: list[tuple[str, bytes]] = []
    for part in msg.walk() if msg.is_multipart() else [msg]:
        if part.is_multipart():
            continue
        filename = part.get_filename()
        disposition = part.get_content_disposition()
        ctype = part.get_content_type()
        if filename or disposition == "attachment" or not ctype.startswith("text/"):
            payload = part.get_payload(decode=True)
            if isinstance(payload, bytes):
                name = filename or f"attachment-{len(attachments) + 1}"
                attachments.append((Path(name).name or name, payload))
            continue
        text = _part_text(part)
        if ctype == "text/html":
            html_bodies.append(BeautifulSoup(text, "html.parser").get_text("\n"))
        else:
            bodies.append(text)
    body = "\n\n".join(bodies) if bodies else "\n\n".join(html_bodies)
    head = "\n".join(
        f"{label}: {headers[key]}"
        for key, label in (
            ("from", "From"),
            ("to", "To"),
            ("cc", "Cc"),
            ("date", "Date"),
            ("subject", "Subject"),
        )
        if key in headers
    )
    text = f"{head}\n\n{body.strip()}\n" if head else body
    return text.replace("\r\n", "\n"), headers, attachments


def _part_text(part: Message) -> str:
    try:
        content = part.get_content()  # type: ignore[attr-defined]
    except (LookupError, UnicodeDecodeError, AttributeError):
        raw = part.get_payload(decode=True)
        content = raw.decode("utf-8", errors="replace") if isinstance(raw, bytes) else ""
    return content if isinstance(content, str) else ""


eml_reader = EmlReader()
mbox_reader = MboxReader()
