"""Telegram Desktop JSON exports (``result.json``): one chat, or all chats of an account."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from palermo.ingest.readers._common import decode_text, read_bytes, suffix
from palermo.ingest.readers.base import (
    DocumentText,
    Page,
    ReadContext,
    ReadError,
    ReadOutput,
    RecordRow,
)

_KEYS = re.compile(rb'"(messages|chats|personal_information)"\s*:')
# A JSON string (skipped whole: brackets inside it do not nest) or a bracket.
_NESTING = re.compile(r'"(?:[^"\\]|\\.)*"|[\[\]{}]')
_DEEP = 500  # levels reported as too deep (Python's parser stops at about 1,000)


class TelegramJsonReader:
    name = "telegram"

    def sniff(self, path: Path, head: bytes) -> bool:
        return suffix(path) == ".json" and bool(_KEYS.search(head))

    def read(self, path: Path, context: ReadContext) -> ReadOutput:
        file = str(path)
        text, _ = decode_text(read_bytes(path), file)
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ReadError(
                file, f"not valid JSON: {exc.msg}", exc.lineno, column=str(exc.colno)
            ) from exc
        except RecursionError:
            # The parser recurses once per level; a real export nests a few levels.
            raise ReadError(
                file,
                f"arrays or objects nested more than {_DEEP:,} levels deep: not a Telegram"
                " export, and too deep to read",
                _deep_line(text),
            ) from None
        chats = _chats(data, file)
        records: list[RecordRow] = []
        pages: list[Page] = []
        dates: dict[int, str] = {}
        participants: list[str] = []
        index = 0
        for chat in chats:
            chat_name = chat.get("name")
            for msg in chat.get("messages") or []:
                if not isinstance(msg, dict):
                    continue
                index += 1
                body = flatten_text(msg.get("text", ""))
                occurred = _date(msg, file, index)
                pages.append(Page(number=index, text=body))
                if occurred is not None:
                    dates[index] = occurred.isoformat()
                if msg.get("type") != "message":
                    continue
                sender = msg.get("from")
                if sender and sender not in participants:
                    participants.append(str(sender))
                attrs: dict[str, Any] = {
                    "sender_name": sender,
                    "from_id": msg.get("from_id"),
                    "chat_name": chat_name,
                    "chat_id": chat.get("id"),
                    "chat_type": chat.get("type"),
                    "message_id": msg.get("id"),
                }
                for key in (
                    "reply_to_message_id",
                    "forwarded_from",
                    "media_type",
                    "file",
                    "photo",
                    "edited",
                ):
                    if key in msg:
                        attrs[key] = msg[key]
                records.append(
                    RecordRow(
                        kind="message",
                        row_number=index,
                        occurred_at=occurred,
                        channel="telegram",
                        body=body,
                        attrs=attrs,
                    )
                )
        doc = DocumentText(
            media_type="application/json; format=telegram",
            title=str(chats[0].get("name")) if len(chats) == 1 else path.name,
            pages=pages,
            metadata={
                "locator": "message",
                "participants": participants,
                "chats": [c.get("name") for c in chats],
                "message_count": len(records),
                "message_dates": dates,
            },
        )
        return ReadOutput(source_kind="chat", records=iter(records), document=doc)


def _deep_line(text: str) -> int | None:
    """The line on which the nesting first goes deeper than ``_DEEP`` levels."""
    depth = 0
    for match in _NESTING.finditer(text):
        token = match.group()
        if token in ("[", "{"):
            depth += 1
            if depth > _DEEP:
                return text.count("\n", 0, match.start()) + 1
        elif token in ("]", "}"):
            depth = max(depth - 1, 0)
    return None


def _chats(data: Any, file: str) -> list[dict[str, Any]]:
    if isinstance(data, dict) and isinstance(data.get("messages"), list):
        return [data]
    if isinstance(data, dict) and isinstance(data.get("chats"), dict):
        listed = data["chats"].get("list")
        if isinstance(listed, list):
            return [c for c in listed if isinstance(c, dict)]
    raise ReadError(file, "not a Telegram export: no 'messages' list or 'chats.list' found")


def flatten_text(value: Any) -> str:
    """Telegram text is a string or a list of strings and entity objects with a 'text'."""
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        parts: list[str] = []
        for item in value:
            if isinstance(item, str):
                parts.append(item)
            elif isinstance(item, dict):
                parts.append(str(item.get("text", "")))
        return "".join(parts)
    return ""


def _date(msg: dict[str, Any], file: str, index: int) -> datetime | None:
    unix = msg.get("date_unixtime")
    if unix is not None:
        try:
            return datetime.fromtimestamp(int(unix), tz=UTC)
        except (TypeError, ValueError, OverflowError):
            pass
    raw = msg.get("date")
    if not raw:
        return None
    try:
        value = datetime.fromisoformat(str(raw))
    except ValueError as exc:
        raise ReadError(file, f"message {index}: bad date '{raw}'") from exc
    # Exports write local time without a zone; stored as UTC, like the chat readers.
    return value if value.tzinfo else value.replace(tzinfo=UTC)


reader = TelegramJsonReader()
