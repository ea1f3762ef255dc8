"""WhatsApp chat exports (.txt), Android and iOS layouts, multi-line messages, system lines.

Exports show display names, not numbers, so names go to ``attrs``; ``source`` and
``target`` are set only when the name itself is a phone number.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from palermo.ingest.normalize import normalize_phone
from palermo.ingest.readers._common import decode_text, read_bytes, suffix
from palermo.ingest.readers.base import (
    DocumentText,
    Page,
    ReadContext,
    ReadError,
    ReadOutput,
    RecordRow,
)

_INVISIBLE = str.maketrans(
    {
        "\u200e": None,
        "\u200f": None,
        "\u202a": None,
        "\u202c": None,
        "\u202f": " ",
        "\u00a0": " ",
        "\ufeff": None,
    }
)
_DATE = r"(\d{1,4}[/.\-]\d{1,2}[/.\-]\d{1,4})"
_TIME = r"(\d{1,2}[:.]\d{2}(?:[:.]\d{2})?)(?:\s*([AaPp])\.?\s*[Mm]\.?)?"
ANDROID = re.compile(rf"^{_DATE},?\s+{_TIME}\s+[-–]\s+(.*)$")
IOS = re.compile(rf"^\[{_DATE},?\s+{_TIME}\]\s+(.*)$")
_SENDER = re.compile(r"^([^:]{1,80}?):\s(.*)$", re.DOTALL)
_SENDER_EMPTY = re.compile(r"^([^:]{1,80}?):$")
_MEDIA = re.compile(
    r"<(?:Media omitted|attached: [^>]+)>|\b(?:image|video|audio|sticker|"
    r"document) omitted\b",
    re.IGNORECASE,
)
# Regions whose phones write month first in numeric dates.
_MONTH_FIRST_REGIONS = frozenset({"US", "CA", "PH", "FM", "MH", "PW", "GU", "AS", "MP", "PR"})


@dataclass(slots=True)
class _Entry:
    index: int
    line: int
    date: str
    time: str
    ampm: str | None
    sender: str | None
    text: str
    extra: list[str] = field(default_factory=list)


def _match(line: str) -> re.Match[str] | None:
    return IOS.match(line) or ANDROID.match(line)


class WhatsAppReader:
    name = "whatsapp"

    def sniff(self, path: Path, head: bytes) -> bool:
        if suffix(path) not in {".txt", ""}:
            return False
        sample = head.decode("utf-8", errors="ignore").translate(_INVISIBLE)
        lines = [ln for ln in sample.splitlines()[:10] if ln.strip()]
        # A chat export starts with a dated line; later lines may be continuations.
        return bool(lines) and _match(lines[0]) is not None

    def read(self, path: Path, context: ReadContext) -> ReadOutput:
        file = str(path)
        text, _ = decode_text(read_bytes(path), file)
        entries = _parse(text.translate(_INVISIBLE), file)
        day_first = _day_first(entries, context.default_region)
        participants: list[str] = []
        for e in entries:
            if e.sender is not None and e.sender not in participants:
                participants.append(e.sender)
        records: list[RecordRow] = []
        pages: list[Page] = []
        dates: dict[int, str] = {}
        for e in entries:
            body = "\n".join([e.text, *e.extra]).strip("\n")
            occurred = _when(e, day_first, file)
            pages.append(Page(number=e.index, text=body))
            dates[e.index] = occurred.isoformat()
            if e.sender is None:
                continue
            others = [p for p in participants if p != e.sender]
            source = _phone(e.sender, context.default_region)
            target = _phone(others[0], context.default_region) if len(others) == 1 else None
            attrs: dict[str, Any] = {
                "sender_name": e.sender,
                "recipients": others,
                "time_zone": "device local time, stored as UTC",
            }
            if _MEDIA.search(body):
                attrs["media"] = True
            records.append(
                RecordRow(
                    kind="message",
                    row_number=e.index,
                    occurred_at=occurred,
                    source=source,
                    target=target,
                    channel="whatsapp",
                    body=body,
                    attrs=attrs,
                )
            )
        title = path.stem
        doc = DocumentText(
            media_type="text/plain; format=whatsapp",
            title=title,
            pages=pages,
            metadata={
                "locator": "message",
                "participants": participants,
                "message_count": len(records),
                "entry_count": len(entries),
                "date_order": "day-first" if day_first else "month-first",
                "message_dates": dates,
            },
        )
        rows: Iterator[RecordRow] = iter(records)
        return ReadOutput(source_kind="chat", records=rows, document=doc)


def _parse(text: str, file: str) -> list[_Entry]:
    entries: list[_Entry] = []
    for lineno, line in enumerate(text.splitlines(), start=1):
        m = _match(line)
        if m is None:
            if not entries:
                if line.strip():
                    raise ReadError(file, "not a WhatsApp export: no date at the start", lineno)
                continue
            entries[-1].extra.append(line)
            continue
        date, time, ampm, rest = m.group(1), m.group(2), m.group(3), m.group(4)
        sender: str | None = None
        body = rest
        sm = _SENDER.match(rest) or _SENDER_EMPTY.match(rest)
        if sm is not None:
            sender = sm.group(1).strip()
            body = sm.group(2) if sm.lastindex and sm.lastindex >= 2 else ""
        entries.append(_Entry(len(entries) + 1, lineno, date, time, ampm, sender, body))
    if not entries:
        raise ReadError(file, "not a WhatsApp export: no messages found")
    return entries


def _parts(date: str) -> list[int]:
    return [int(p) for p in re.split(r"[/.\-]", date)]


def _day_first(entries: list[_Entry], region: str) -> bool:
    """Decide the numeric date order for the whole file, as the exporting phone did."""
    for e in entries:
        if "." in e.date:
            return True
        a, b, _ = _parts(e.date)
        if a > 12 >= b:
            return True
        if b > 12 >= a:
            return False
    return region.upper() not in _MONTH_FIRST_REGIONS


def _when(e: _Entry, day_first: bool, file: str) -> datetime:
    a, b, c = _parts(e.date)
    if a > 31:  # year first (2024-03-12)
        year, month, day = a, b, c
    else:
        day, month, year = (a, b, c) if day_first else (b, a, c)
    if year < 100:
        year += 2000
    hms = [int(p) for p in re.split(r"[:.]", e.time)]
    hour, minute = hms[0], hms[1]
    second = hms[2] if len(hms) > 2 else 0
    if e.ampm:
        hour = hour % 12 + (12 if e.ampm.lower() == "p" else 0)
    try:
        return datetime(year, month, day, hour, minute, second, tzinfo=UTC)
    except ValueError as exc:
        raise ReadError(file, f"bad date or time '{e.date} {e.time}': {exc}", e.line) from exc


def _phone(name: str, region: str) -> str | None:
    if not re.fullmatch(r"[+\d][\d\s().\-]{6,}", name):
        return None
    return normalize_phone(name, region)


reader = WhatsAppReader()
