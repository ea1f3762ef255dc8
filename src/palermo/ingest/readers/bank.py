"""Bank statements in their standard formats: ISO 20022 camt.053 (XML) and SWIFT MT940.

Each booked entry becomes a payment record. A debit is a payment from the statement's
account to the counterparty, a credit one from the counterparty to the statement's
account; amounts are positive and the direction is in payer and payee, as in Palermo's
own payments. The statement account, the bank's entry reference and the remittance text
are kept in the record's attributes.

camt.053 is read with the standard library's XML parser, after refusing a document
type declaration (no entities, so no entity expansion) and with a size limit; element
names are those of the ISO 20022 schema (``BkToCstmrStmt/Stmt/Ntry``, ``Amt@Ccy``,
``CdtDbtInd``, ``BookgDt``, ``NtryDtls/TxDtls/RltdPties``, ``RmtInf/Ustrd``), matched
whatever the schema version in the namespace (camt.053.001.02 to .13). MT940 is read
by the ``mt-940`` package (tags :20:, :25:, :60F:, :61:, :86:, :62F:); its :86:
narrative is free text, so the counterparty's IBAN is taken from it only when one with a
valid checksum is written there, and is otherwise left empty.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from palermo.ingest.normalize import normalize_account, normalize_iban
from palermo.ingest.readers.base import ReadContext, ReadError, ReadOutput, RecordRow
from palermo.values.currency import is_code

MAX_STATEMENT_BYTES = 200 * 1024 * 1024
_CAMT = re.compile(rb"urn:iso:std:iso:20022:tech:xsd:camt\.05[234]\.")
_IBAN_IN_TEXT = re.compile(r"\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,4})?\b")


def _read_capped(path: Path, name: str) -> bytes:
    try:
        size = path.stat().st_size
        if size > MAX_STATEMENT_BYTES:
            raise ReadError(name, f"statement larger than {MAX_STATEMENT_BYTES // 2**20} MB")
        return path.read_bytes()
    except OSError as exc:
        raise ReadError(name, f"cannot read file: {exc.strerror or exc}") from exc


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _child(element: ET.Element | None, *path: str) -> ET.Element | None:
    """The first descendant along ``path`` of local element names, or None."""
    current = element
    for name in path:
        if current is None:
            return None
        current = next((c for c in current if _local(c.tag) == name), None)
    return current


def _text(element: ET.Element | None, *path: str) -> str | None:
    found = _child(element, *path)
    if found is None or found.text is None:
        return None
    return found.text.strip() or None


def _account(element: ET.Element | None) -> str | None:
    """An account element's IBAN, or its other identification."""
    iban = _text(element, "Id", "IBAN")
    raw = iban or _text(element, "Id", "Othr", "Id")
    return normalize_account(raw) if raw else None


class Camt053Reader:
    """ISO 20022 bank-to-customer statements (camt.053; camt.052/054 read the same way)."""

    name = "camt053"

    def sniff(self, path: Path, head: bytes) -> bool:
        return b"<" in head[:200] and _CAMT.search(head) is not None

    def read(self, path: Path, context: ReadContext) -> ReadOutput:
        name = context.display_name or path.name
        data = _read_capped(path, name)
        if re.search(rb"<!(DOCTYPE|ENTITY)", data, re.I):
            raise ReadError(name, "XML with a document type declaration is refused (entities)")
        try:
            root = ET.fromstring(data)
        except ET.ParseError as exc:
            line = exc.position[0] if exc.position else None
            raise ReadError(name, f"not well-formed XML: {exc}", line=line) from None
        statements = [e for e in root.iter() if _local(e.tag) in ("Stmt", "Rpt", "Ntfctn")]
        if not statements:
            raise ReadError(name, "no statement (Stmt) in this camt document")
        return ReadOutput(source_kind="payment", records=self._records(name, statements))

    def _records(self, name: str, statements: list[ET.Element]) -> Iterator[RecordRow]:
        index = 0
        for statement in statements:
            own = _account(_child(statement, "Acct"))
            statement_id = _text(statement, "Id")
            for entry in (e for e in statement if _local(e.tag) == "Ntry"):
                index += 1
                status = _text(entry, "Sts", "Cd") or _text(entry, "Sts")
                if status is not None and status.upper() not in ("BOOK", "BOOKED"):
                    continue  # pending or information-only entries are not payments
                yield self._entry(name, index, entry, own, statement_id)

    def _entry(
        self, name: str, index: int, entry: ET.Element, own: str | None, statement: str | None
    ) -> RecordRow:
        amount_el = _child(entry, "Amt")
        where = f"entry {index}"
        if amount_el is None or not (amount_el.text or "").strip():
            raise ReadError(name, f"{where}: no amount (Amt)", column="Amt")
        try:
            amount = Decimal(amount_el.text.strip())  # type: ignore[union-attr]
        except InvalidOperation:
            raise ReadError(name, f"{where}: bad amount {amount_el.text!r}", column="Amt") from None
        currency = (amount_el.get("Ccy") or "").upper() or None
        if currency is not None and not is_code(currency):
            raise ReadError(name, f"{where}: bad currency {currency!r}", column="Amt@Ccy")
        direction = _text(entry, "CdtDbtInd")
        if direction not in ("CRDT", "DBIT"):
            raise ReadError(name, f"{where}: CdtDbtInd must be CRDT or DBIT", column="CdtDbtInd")
        when = _when(_text(entry, "BookgDt", "DtTm") or _text(entry, "BookgDt", "Dt"))
        if when is None:
            when = _when(_text(entry, "ValDt", "DtTm") or _text(entry, "ValDt", "Dt"))
        tx = _child(entry, "NtryDtls", "TxDtls")
        parties = _child(tx, "RltdPties")
        debtor, creditor = (
            _account(_child(parties, "DbtrAcct")),
            _account(_child(parties, "CdtrAcct")),
        )
        if direction == "DBIT":
            payer, payee = own, creditor
            counterparty = _text(parties, "Cdtr", "Nm") or _text(parties, "Cdtr", "Pty", "Nm")
        else:
            payer, payee = debtor, own
            counterparty = _text(parties, "Dbtr", "Nm") or _text(parties, "Dbtr", "Pty", "Nm")
        remittance = " ".join(
            (e.text or "").strip()
            for e in (tx.iter() if tx is not None else [])
            if _local(e.tag) == "Ustrd"
        ).strip()
        attrs: dict[str, Any] = {
            "statement": statement,
            "statement_account": own,
            "direction": direction,
            "entry_reference": _text(entry, "AcctSvcrRef") or _text(entry, "NtryRef"),
            "end_to_end_id": _text(tx, "Refs", "EndToEndId"),
            "counterparty": counterparty,
            "payer_name" if direction == "CRDT" else "payee_name": counterparty,
            "reference": remittance or None,
            "entry": index,
        }
        return RecordRow(
            kind="payment",
            row_number=index,
            occurred_at=when,
            source=payer,
            target=payee,
            amount=abs(amount),
            currency=currency,
            channel=_text(entry, "BkTxCd", "Domn", "Cd") or "bank",
            attrs={k: v for k, v in attrs.items() if v is not None},
        )


def _when(raw: str | None) -> datetime | None:
    if not raw:
        return None
    try:
        value = datetime.fromisoformat(raw)
    except ValueError:
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Mt940Reader:
    """SWIFT MT940 customer statements (one or more statements per file)."""

    name = "mt940"

    def sniff(self, path: Path, head: bytes) -> bool:
        text = head[:4096]
        return b":20:" in text and b":25:" in text and (b":61:" in head or b":60F:" in text)

    def read(self, path: Path, context: ReadContext) -> ReadOutput:
        import mt940

        name = context.display_name or path.name
        data = _read_capped(path, name)
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            text = data.decode("latin-1")
        transactions = mt940.models.Transactions()
        try:
            transactions.parse(text)
        except Exception as exc:  # the parser raises plain exceptions for bad tags
            raise ReadError(name, f"not a readable MT940 statement: {exc}") from None
        own_raw = transactions.data.get("account_identification")
        own = normalize_account(str(own_raw)) if own_raw else None
        if not len(transactions.transactions):
            raise ReadError(name, "no transactions (:61:) in this MT940 statement")
        return ReadOutput(
            source_kind="payment", records=self._records(transactions, own, str(own_raw or ""))
        )

    def _records(self, transactions: Any, own: str | None, own_raw: str) -> Iterator[RecordRow]:
        for index, tx in enumerate(transactions, start=1):
            data = tx.data
            amount = data["amount"]
            value = Decimal(str(amount.amount))
            details = str(data.get("transaction_details") or "")
            gvc = " ".join(
                str(data.get(k) or "")
                for k in ("applicant_name", "applicant_iban", "purpose", "posting_text")
            )
            other = _iban_in(details + " " + gvc) or (
                normalize_iban(str(data["applicant_iban"])) if data.get("applicant_iban") else None
            )
            debit = str(data.get("status", "")).endswith("D")
            payer, payee = (own, other) if debit else (other, own)
            day = data.get("entry_date") or data.get("date")
            when = (
                datetime(day.year, day.month, day.day, tzinfo=UTC)
                if isinstance(day, date)
                else None
            )
            attrs = {
                "statement_account": own_raw,
                "direction": "DBIT" if debit else "CRDT",
                "bank_reference": data.get("bank_reference"),
                "customer_reference": data.get("customer_reference"),
                "reference": details or data.get("purpose") or None,
                "transaction_code": data.get("id"),
                "entry": index,
            }
            yield RecordRow(
                kind="payment",
                row_number=index,
                occurred_at=when,
                source=payer,
                target=payee,
                amount=abs(value),
                currency=str(amount.currency) if amount.currency else None,
                channel="bank",
                attrs={k: v for k, v in attrs.items() if v not in (None, "")},
            )


def _iban_in(text: str) -> str | None:
    """The first IBAN with a valid checksum written in free text, compact (written
    compact or in groups of four; trailing words are tried off one by one)."""
    for match in _IBAN_IN_TEXT.finditer(text.upper()):
        parts = match.group().split(" ")
        while parts:
            iban = normalize_iban("".join(parts))
            if iban:
                return iban
            parts.pop()
    return None


camt053_reader = Camt053Reader()
mt940_reader = Mt940Reader()
BANK_READERS: list[Camt053Reader | Mt940Reader] = [camt053_reader, mt940_reader]
