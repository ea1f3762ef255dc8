"""Read a simulator folder (``palermo.simulate`` CSV contract) into :class:`CaseData`.

Plain CSV reading for tests and benchmarks; the product fills :class:`CaseBuilder`
from the store instead. Persons, organisations, charges and facts come from
``ground_truth.json`` when present (the case file's own knowledge of who is who);
advertised phone numbers are taken from ``documents/advertisement*.html``.
"""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path
from typing import Any

from palermo.analysis.data import Advert, CaseBuilder, CaseData, Organisation, Person
from palermo.law.facts import Fact

_PHONE = re.compile(r"\+\d{8,15}")


def _columns(path: Path) -> dict[str, list[str]]:
    with path.open(newline="", encoding="utf-8") as fh:
        reader = csv.reader(fh)
        header = next(reader, None)
        if header is None:
            return {}
        cols: list[list[str]] = [[] for _ in header]
        for row in reader:
            for i, v in enumerate(row):
                cols[i].append(v)
    return dict(zip(header, cols, strict=True))


def load_truth(folder: Path | str) -> dict[str, Any]:
    path = Path(folder) / "ground_truth.json"
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}


def load_simulated(folder: Path | str, *, with_truth: bool = True) -> CaseData:
    """Build a :class:`CaseData` from ``calls.csv``, ``messages.csv``, ``payments.csv``,
    ``trips.csv`` and (optionally) ``ground_truth.json`` in ``folder``."""
    folder = Path(folder)
    b = CaseBuilder()
    truth = load_truth(folder) if with_truth else {}
    name_to_id: dict[str, str] = {}
    for p in truth.get("persons", []):
        b.add_person(
            Person(
                id=p["id"],
                name=p.get("name", ""),
                kind=p.get("kind", "other"),
                phones=tuple(p.get("phones", ())),
                accounts=tuple(p.get("accounts", ())),
                emails=tuple(p.get("emails", ())),
                handles=tuple(p.get("handles", ())),
                home_country=p.get("nationality"),
            )
        )
        for n in [p.get("name", ""), *p.get("aliases", [])]:
            if n:
                name_to_id.setdefault(n, p["id"])
        b.set_charges(p["id"], p.get("charges", []) if p.get("charged") else [])
    for o in truth.get("organisations", []):
        on = b.add_organisation(
            Organisation(
                id=o["id"],
                name=o.get("name", ""),
                kind=o.get("kind", "business"),
                accounts=tuple(o.get("accounts", ())),
            )
        )
        if o.get("owner"):
            b.own(b.node("person", o["owner"]), on)
    for i, f in enumerate(truth.get("facts", [])):
        src = f.get("source", {})
        rec = src.get("message_id") or src.get("transaction_id") or src.get("booking_id")
        locator = str(rec) if rec else f"{src.get('file', '')}#{src.get('row', '')}"
        b.add_fact(
            Fact(
                id=f"F{i:05d}@{locator}",
                concept=f["concept"],
                suspect=f.get("suspect"),
                victim=f.get("victim"),
                status="suggested",
                source_id=str(src.get("file", "")),
                source_kind="chat" if src.get("file") == "messages.csv" else "other",
                quote=f.get("quote"),
                locator=locator,
            )
        )

    calls = folder / "calls.csv"
    if calls.exists():
        c = _columns(calls)
        if c:
            b.add_calls(
                c["call_id"],
                c["started_at"],
                c["caller"],
                c["callee"],
                [int(x or 0) for x in c["duration_s"]],
            )
    msgs = folder / "messages.csv"
    if msgs.exists():
        m = _columns(msgs)
        if m:
            b.add_messages(m["message_id"], m["sent_at"], m["sender"], m["recipient"], m["body"])
    pays = folder / "payments.csv"
    if pays.exists():
        p = _columns(pays)
        if p:
            b.add_payments(
                p["transaction_id"],
                p["booked_at"],
                p["payer_account"],
                p["payee_account"],
                [float(x) for x in p["amount"]],
                p["currency"],
                p["channel"],
                p["country_from"],
                p["country_to"],
                p["payer_name"],
                p["payee_name"],
                p["reference"],
            )
    trips = folder / "trips.csv"
    if trips.exists():
        t = _columns(trips)
        if t:
            travellers = [name_to_id.get(n, n) for n in t["traveller"]]
            b.add_trips(
                t["booking_id"],
                t["departed_at"],
                travellers,
                t["origin"],
                t["destination"],
                t["booked_by"],
                t["paid_by"],
                [float(x or 0) for x in t["price"]],
            )
    docs = folder / "documents"
    if docs.is_dir():
        for k, html in enumerate(sorted(docs.glob("advertisement*.html"))):
            text = html.read_text(encoding="utf-8", errors="replace")
            for j, phone in enumerate(dict.fromkeys(_PHONE.findall(text))):
                b.add_advert(Advert(id=f"{html.stem}-{k}-{j}", phone=phone, site=html.name))
    return b.build()
