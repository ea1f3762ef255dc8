"""Synthetic trafficking cases with known ground truth, for demos, tests and benchmarks.

``simulate(typology, size, seed, out)`` writes one case under ``out/``; the same seed
gives byte-identical CSV files and ``ground_truth.json`` (a fixed base date, never the
clock). Records are streamed row by row, so ten million rows need little memory.

Files (CSV: header row, UTF-8, timestamps ISO 8601 UTC ``2024-03-01T14:05:00Z``, phones
E.164, amounts with a dot decimal):

- ``calls.csv``: call_id, started_at, caller, callee, duration_s, cell_id
- ``messages.csv``: message_id, sent_at, sender, recipient, channel (sms|whatsapp|telegram|
  signal), body. Mostly innocent chatter, with near misses ("I never took your passport").
- ``payments.csv``: transaction_id, booked_at, payer_account, payer_name, payee_account,
  payee_name, amount, currency, channel (bank|wire|mto|cash|card|crypto), country_from,
  country_to, reference. Cash deposits have an empty payer_account, ATM withdrawals an
  empty payee_account. Accounts are IBANs (GB, ES, RO, BG), national account numbers, or
  USDT wallet addresses in ``scam_compound``.
- ``trips.csv``: booking_id, departed_at, traveller, origin, destination, mode
  (bus|air|car|train|boat), booked_by (phone), paid_by (account), price, currency
- ``documents/``: statements (``statement_P05.pdf`` / ``.docx``, first person), WhatsApp
  exports (Android and iOS formats), ``telegram/result.json`` (Telegram Desktop), an SMS
  Backup & Restore XML, two ``.eml`` (one with a PDF attachment), ``advertisement.html``;
  large cases add reposted ads and ordinary chats (up to 3,000 files).
- ``ground_truth.json``: typology, seed, size, jurisdiction, statutes, title, summary,
  base_date, persons (id, name, aliases, kind suspect|victim|witness|official|other, roles,
  charged, charges, is_minor, sex, nationality, birth_date, phones, accounts, emails,
  handles), organisations, criminal_records (ids per CSV kind: the records made by the
  crime; the rest is noise), patterns (pattern, transactions, account, explanation),
  facts and events.

Roles: recruiter (one of them not charged), transporter, guide (scam_compound), harbourer,
enforcer, exploiter, beneficiary (abroad), money_handler, buyer (sex typologies),
complicit_official, victim_recruiter (a victim, not charged), victim, witness, bystander.

A fact is ``{concept, indicator, suspect, victim, source, quote}``; ``concept`` is an id of
``palermo/law/concepts.yaml`` and ``quote`` is written verbatim at ``source``. ``suspect`` is
None for case-wide facts (``jurisdiction.*``, and a victim's own statement of her age):

- ``{"file": "messages.csv", "row": N, "message_id": ...}``: N is the 1-based CSV line
  (the header is line 1); the quote is the body.
- ``{"file": "payments.csv", "transaction_id": ..., "row": N}``: the quote is the reference.
- ``{"file": "trips.csv", "booking_id": ..., "row": N}``: the quote is the destination.
- ``{"file": "documents/x.pdf", "page": 1}``, ``{"file": "documents/x.docx", "paragraph": i}``
  (index into ``Document.paragraphs``), ``{"file": "documents/x.txt", "line": n}`` (1-based),
  ``{"file": "documents/telegram/result.json", "message_id": n}``,
  ``{"file": "documents/sms_backup_P06.xml", "index": i}`` (i-th ``<sms>``), or just
  ``{"file": ...}`` for e-mails and the ad page.

Each charged suspect has facts for an act (or ``benefit.financial`` for beneficiaries and
officials) and a mental state (``mental.knowledge``, from their own words); crew members
also for means and purpose; suspects charged with conspiracy (us-18-1594b/c) have
``act.agreement``; minors have ``victim.minor``; US cases carry
``jurisdiction.interstate_commerce`` and cases with travel abroad ``jurisdiction.travel``.
Officials outside the US are left uncharged (corruption offences are not modelled), so the
case also holds culpable people who are not charged: a recruiter abroad and the official.
Small sizes still write every criminal record (a few hundred rows), so ``size`` is a floor
only above about 2,000; ``counts`` are exact whenever they exceed the criminal records.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from palermo.simulate.documents import write_documents
from palermo.simulate.plan import Case, build_case
from palermo.simulate.typologies import TYPOLOGIES, TYPOLOGY_SPECS
from palermo.simulate.writer import HEADERS, record_sources, write_kind

__all__ = ["HEADERS", "TYPOLOGIES", "SimulationSummary", "simulate"]

KINDS = ("calls", "messages", "payments", "trips")


@dataclass
class SimulationSummary:
    out: Path
    typology: str
    counts: dict[str, int] = field(default_factory=dict)
    documents: int = 0
    seconds: float = 0.0

    @property
    def records(self) -> int:
        return sum(self.counts.values())


def _targets(mix: dict[str, float], size: int, counts: dict[str, int] | None) -> dict[str, int]:
    targets = {k: round(size * mix.get(k, 0.0)) for k in KINDS}
    if counts:
        unknown = set(counts) - set(KINDS)
        if unknown:
            raise ValueError(f"unknown record kinds: {sorted(unknown)}; use {list(KINDS)}")
        targets.update(counts)
    return targets


def _summary_text(case: Case) -> str:
    spec = case.spec
    ex, rec = case.one("exploiter"), next(p for p in case.role("recruiter") if p.charged)
    minors = sum(v.is_minor for v in case.victims)
    return (
        f"{spec.description}. {rec.name} recruited {len(case.victims)} victims"
        f"{f' ({minors} minors)' if minors else ''} with promises of {case.ctx['work']}; "
        f"they were moved to {case.ctx['dest']} and exploited by {ex.name}'s network. "
        f"Proceeds were collected by {case.one('money_handler').name} and sent to "
        f"{case.one('beneficiary').name} abroad; a {spec.official_title} was paid off."
    )


def _ground_truth(case: Case, facts: list[dict[str, Any]]) -> dict[str, Any]:
    spec = case.spec
    family = case.one("exploiter").name.split()[-1]
    return {
        "typology": spec.id,
        "seed": case.seed,
        "size": case.size,
        "jurisdiction": spec.jurisdiction,
        "statutes": list(spec.statutes),
        "title": spec.title.format(exploiter_family=family),
        "summary": _summary_text(case),
        "base_date": case.base.isoformat(),
        "persons": [p.truth() for p in case.persons],
        "organisations": [o.truth() for o in case.orgs],
        "criminal_records": {k: [r.rid for r in case.recs[k]] for k in KINDS},
        "patterns": [
            {
                "pattern": p.pattern,
                "transactions": [r.rid for r in p.recs],
                "account": p.account,
                "explanation": p.explanation,
            }
            for p in case.patterns
        ],
        "facts": facts,
        "events": case.events,
    }


def simulate(
    typology: str,
    size: int,
    seed: int,
    out: Path,
    *,
    counts: dict[str, int] | None = None,
    progress: Callable[[str, int, int], None] | None = None,
) -> SimulationSummary:
    """Generate one synthetic case of ``typology`` with about ``size`` records under ``out``."""
    if typology not in TYPOLOGY_SPECS:
        raise ValueError(f"unknown typology {typology!r}; choose one of {sorted(TYPOLOGIES)}")
    if size < 0:
        raise ValueError("size must not be negative")
    started = time.perf_counter()
    spec = TYPOLOGY_SPECS[typology]
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    targets = _targets(spec.mix, size, counts)
    case = build_case(spec, size, seed, targets)
    summary = SimulationSummary(out=out, typology=typology)
    for kind in KINDS:
        summary.counts[kind] = write_kind(kind, case, targets[kind], out, progress)
    n_docs = min(3000, 12 + sum(targets.values()) // 4000)
    if progress:
        progress("documents", 0, n_docs)
    summary.documents, doc_facts = write_documents(case, out, n_docs)
    if progress:
        progress("documents", summary.documents, summary.documents)
    facts = list(record_sources(case)) + doc_facts
    truth = _ground_truth(case, facts)
    (out / "ground_truth.json").write_text(
        json.dumps(truth, indent=1, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    summary.seconds = time.perf_counter() - started
    return summary
