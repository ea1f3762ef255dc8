"""SMS Backup & Restore XML (``<smses><sms .../></smses>``), streamed with iterparse.

The phone's own number is not in the file: an incoming message has the other
party as ``source``, an outgoing one as ``target``; the owner side stays None.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from xml.etree.ElementTree import Element, ParseError

from defusedxml.ElementTree import iterparse

from palermo.ingest.normalize import normalize_phone
from palermo.ingest.readers._common import from_epoch_ms, suffix
from palermo.ingest.readers.base import (
    DocumentText,
    Page,
    ReadContext,
    ReadError,
    ReadOutput,
    RecordRow,
)

# SMS Backup & Restore message box types.
_TYPES = {"1": "received", "2": "sent", "3": "draft", "4": "outbox", "5": "failed", "6": "queued"}
_MMS_BOX = {"1": "received", "2": "sent"}


class SmsBackupReader:
    name = "sms_backup"

    def sniff(self, path: Path, head: bytes) -> bool:
        return b"<smses" in head[:4096] and suffix(path) in {".xml", ""}

    def read(self, path: Path, context: ReadContext) -> ReadOutput:
        file = str(path)
        records: list[RecordRow] = []
        pages: list[Page] = []
        dates: dict[int, str] = {}
        index = 0
        root_seen = False
        try:
            for _event, elem in iterparse(str(path), events=("end",)):
                if elem.tag == "smses":
                    root_seen = True
                    continue
                if elem.tag not in {"sms", "mms"}:
                    continue
                index += 1
                row = (
                    _sms(elem, index, context) if elem.tag == "sms" else _mms(elem, index, context)
                )
                records.append(row)
                pages.append(Page(number=index, text=row.body or ""))
                if row.occurred_at is not None:
                    dates[index] = row.occurred_at.isoformat()
                elem.clear()
        except ParseError as exc:
            line = exc.position[0] if getattr(exc, "position", None) else None
            raise ReadError(file, f"not valid XML: {exc}", line) from exc
        except ValueError as exc:
            raise ReadError(file, f"message {index + 1}: {exc}") from exc
        if not root_seen:
            raise ReadError(file, "not an SMS backup: no <smses> element")
        doc = DocumentText(
            media_type="application/xml; format=sms-backup",
            title=path.name,
            pages=pages,
            metadata={
                "locator": "message",
                "message_count": len(records),
                "owner": "unknown (the backup does not name the phone's own number)",
                "message_dates": dates,
            },
        )
        return ReadOutput(source_kind="chat", records=iter(records), document=doc)


def _row(
    index: int,
    address: str | None,
    box: str,
    body: str,
    date: str | None,
    attrs: dict[str, Any],
    context: ReadContext,
    channel: str,
) -> RecordRow:
    phone = normalize_phone(address, context.default_region) if address else None
    other = phone or (address or None)
    incoming = box == "received"
    attrs = {
        **attrs,
        "direction": "in" if incoming else "out",
        "box": box,
        "owner": "unknown",
        "address_raw": address,
    }
    return RecordRow(
        kind="message",
        row_number=index,
        occurred_at=from_epoch_ms(date) if date and date.lstrip("-").isdigit() else None,
        source=other if incoming else None,
        target=None if incoming else other,
        channel=channel,
        body=body,
        attrs=attrs,
    )


def _clean(value: str | None) -> str | None:
    return None if value in (None, "", "null") else value


def _sms(elem: Element, index: int, context: ReadContext) -> RecordRow:
    box = _TYPES.get(elem.get("type", ""), "unknown")
    attrs = {
        k: v
        for k in ("contact_name", "readable_date", "service_center")
        if (v := _clean(elem.get(k))) is not None and v != "(Unknown)"
    }
    return _row(
        index,
        _clean(elem.get("address")),
        box,
        elem.get("body") or "",
        elem.get("date"),
        attrs,
        context,
        "sms",
    )


def _mms(elem: Element, index: int, context: ReadContext) -> RecordRow:
    box = _MMS_BOX.get(elem.get("msg_box", ""), "unknown")
    texts = [p.get("text") or "" for p in elem.iter("part") if p.get("ct") == "text/plain"]
    attrs: dict[str, Any] = {"mms": True}
    if (name := _clean(elem.get("contact_name"))) is not None:
        attrs["contact_name"] = name
    address = _clean(elem.get("address"))
    if address and "~" in address:  # group MMS lists several numbers
        attrs["addresses"] = address.split("~")
        address = address.split("~")[0]
    return _row(index, address, box, "\n".join(texts), elem.get("date"), attrs, context, "mms")


reader = SmsBackupReader()
