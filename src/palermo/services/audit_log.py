"""Reading the audit log: search, verify, checkpoints and CSV export (auditor and admin)."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Select, func, select

from palermo.reports import csv_safe
from palermo.security import audit
from palermo.security.permissions import Actor, Permission
from palermo.services.context import Context
from palermo.services.errors import InvalidInput, PermissionDenied
from palermo.store.models import AuditEntry

PAGE_SIZE = 50
MAX_PAGE = 1_000_000
CSV_COLUMNS = [
    "seq",
    "at",
    "user_id",
    "username",
    "action",
    "case_id",
    "object_type",
    "object_id",
    "details",
    "mac",
]
# A spreadsheet runs a cell starting with one of these as a formula.


def _require(actor: Actor) -> None:
    if not actor.can(Permission.READ_AUDIT):
        raise PermissionDenied("only an auditor or an administrator can read the audit log")


@dataclass(frozen=True, slots=True)
class AuditFilter:
    username: str | None = None
    case_id: int | None = None
    action: str | None = None
    date_from: date | None = None
    date_to: date | None = None

    def validate(self) -> None:
        if self.date_from and self.date_to and self.date_from > self.date_to:
            raise InvalidInput("date_to: the end date is before the start date")

    def apply(self, query: Select[Any]) -> Select[Any]:
        if self.username:
            query = query.where(AuditEntry.username == self.username.strip().lower())
        if self.case_id is not None:
            query = query.where(AuditEntry.case_id == self.case_id)
        if self.action:
            action = self.action.strip()
            if action.endswith("*"):
                query = query.where(AuditEntry.action.startswith(action[:-1], autoescape=True))
            else:
                query = query.where(AuditEntry.action == action)
        if self.date_from:
            query = query.where(AuditEntry.at >= datetime.combine(self.date_from, time(), UTC))
        if self.date_to:
            end = datetime.combine(self.date_to + timedelta(days=1), time(), UTC)
            query = query.where(AuditEntry.at < end)
        return query


@dataclass(frozen=True, slots=True)
class AuditRow:
    seq: int
    at: datetime
    username: str | None
    action: str
    case_id: int | None
    object_type: str | None
    object_id: str | None
    details: dict[str, Any] | None


@dataclass(frozen=True, slots=True)
class AuditPage:
    rows: list[AuditRow]
    total: int
    page: int
    pages: int
    actions: list[str]


# Detail fields that can carry case content (an evidence file's name may name a victim).
# The log's readers (auditor, administrator) may not see identities, so these are
# withheld from the page and the export; the stored entry and its MAC are unchanged.
CASE_CONTENT_KEYS = frozenset({"name", "files", "problem", "file_name", "title", "text"})
WITHHELD = "[withheld: case content]"


def shown_details(details: dict[str, Any] | None) -> dict[str, Any] | None:
    if not details:
        return details
    return {k: (WITHHELD if k in CASE_CONTENT_KEYS else v) for k, v in details.items()}


def _row(entry: AuditEntry) -> AuditRow:
    return AuditRow(
        entry.seq,
        entry.at,
        entry.username,
        entry.action,
        entry.case_id,
        entry.object_type,
        entry.object_id,
        shown_details(entry.details),
    )


def search(ctx: Context, actor: Actor, flt: AuditFilter, page: int = 1) -> AuditPage:
    """One page of entries, newest first. Reading the log is itself audited (once per page)."""
    _require(actor)
    flt.validate()
    page = min(max(page, 1), MAX_PAGE)
    with ctx.db.session() as session:
        total = int(session.scalar(flt.apply(select(func.count()).select_from(AuditEntry))) or 0)
        pages = max(1, -(-total // PAGE_SIZE))
        page = min(page, pages)
        entries = session.scalars(
            flt.apply(select(AuditEntry))
            .order_by(AuditEntry.seq.desc())
            .offset((page - 1) * PAGE_SIZE)
            .limit(PAGE_SIZE)
        ).all()
        actions = list(
            session.scalars(select(AuditEntry.action).distinct().order_by(AuditEntry.action))
        )
        rows = [_row(e) for e in entries]
        audit.record(session, actor=actor, action="audit.read", details=_described(flt, page))
    return AuditPage(rows, total, page, pages, actions)


def _described(flt: AuditFilter, page: int | None = None) -> dict[str, Any]:
    described: dict[str, Any] = {
        k: (v.isoformat() if isinstance(v, date) else v)
        for k, v in {
            "username": flt.username,
            "case_id": flt.case_id,
            "action": flt.action,
            "date_from": flt.date_from,
            "date_to": flt.date_to,
        }.items()
        if v not in (None, "")
    }
    if page is not None:
        described["page"] = page
    return described


def export_csv(ctx: Context, actor: Actor, flt: AuditFilter) -> Iterator[str]:
    """The filtered log as CSV text chunks, oldest first; the export is audited first."""
    _require(actor)
    flt.validate()
    with ctx.db.session() as session:
        audit.record(session, actor=actor, action="audit.export", details=_described(flt))

    def chunks() -> Iterator[str]:
        buffer = io.StringIO()
        csv_safe.write_rows(buffer, CSV_COLUMNS, [])
        last = 0
        with ctx.db.session() as session:
            while True:
                batch = session.scalars(
                    flt.apply(select(AuditEntry))
                    .where(AuditEntry.seq > last)
                    .order_by(AuditEntry.seq)
                    .limit(2000)
                ).all()
                if not batch:
                    break
                for e in batch:
                    at = e.at if e.at.tzinfo else e.at.replace(tzinfo=UTC)
                    shown = shown_details(e.details)
                    details = json.dumps(shown, sort_keys=True) if shown else ""
                    csv_safe.write_rows(
                        buffer,
                        None,
                        [
                            (
                                e.seq,
                                at.isoformat(),
                                e.user_id,
                                e.username,
                                e.action,
                                e.case_id,
                                e.object_type,
                                e.object_id,
                                details,
                                e.hash,
                            )
                        ],
                    )
                last = batch[-1].seq
                session.expunge_all()
                yield buffer.getvalue()
                buffer.seek(0)
                buffer.truncate()
        yield buffer.getvalue()

    return chunks()


def verify_chain(ctx: Context, actor: Actor) -> audit.VerifyResult:
    _require(actor)
    with ctx.db.session() as session:
        result = audit.verify(session)
    with ctx.db.session() as session:
        audit.record(
            session,
            actor=actor,
            action="audit.verify",
            details={"ok": result.ok, "checked": result.checked, "problem": result.problem},
        )
    return result


def checkpoint(ctx: Context, actor: Actor) -> audit.Checkpoint:
    """Sign the current head after verifying the chain (refused when it is broken)."""
    _require(actor)
    with ctx.db.session() as session:
        try:
            return audit.checkpoint_now(session)
        except ValueError as error:
            raise InvalidInput(str(error)) from error


def export_checkpoints(ctx: Context, actor: Actor) -> str:
    """The checkpoint file as it is (JSON lines), for safekeeping elsewhere."""
    _require(actor)
    keys = audit.keys_for_engine(ctx.db.engine)
    path = keys.checkpoint_path
    return path.read_text(encoding="utf-8") if path.exists() else ""


def case_id_for(ctx: Context, actor: Actor, reference: str) -> int:
    """The id the log records for a case reference (the log stores ids, people type references)."""
    from palermo.store.models import Case

    _require(actor)
    with ctx.db.session() as session:
        found = session.scalar(select(Case.id).where(Case.reference == reference.strip()))
    if found is None:
        raise InvalidInput(f"case: no case with reference '{reference.strip()}'")
    return int(found)
