"""The ground truth matches the files: ids exist, quotes are verbatim, roles are complete."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import phonenumbers
import pytest
import yaml
from schwifty import IBAN

from palermo.simulate import TYPOLOGIES

from .simulate_helpers import Generated

ROLES = {
    "recruiter",
    "transporter",
    "guide",
    "harbourer",
    "enforcer",
    "exploiter",
    "beneficiary",
    "money_handler",
    "buyer",
    "complicit_official",
    "victim_recruiter",
    "victim",
    "witness",
    "bystander",
}
ALL = sorted(TYPOLOGIES)
SEX = {"escort_ads", "child_sex"}
ID_COLUMN = {
    "calls": "call_id",
    "messages": "message_id",
    "payments": "transaction_id",
    "trips": "booking_id",
}
CONCEPTS = set(
    yaml.safe_load(
        (Path(__file__).parents[2] / "src/palermo/law/concepts.yaml").read_text("utf-8")
    )["concepts"]
)


def _norm(text: str) -> str:
    return " ".join(text.split())


def quote_found(case: Generated, fact: dict[str, Any]) -> bool:
    src, quote = fact["source"], fact["quote"]
    path = case.out / src["file"]
    name = src["file"]
    if name in ("messages.csv", "payments.csv", "trips.csv"):
        kind = name[:-4]
        row = case.rows(kind)[src["row"] - 2]  # line 1 is the header
        key = {"messages": "message_id", "payments": "transaction_id", "trips": "booking_id"}
        if row[ID_COLUMN[kind]] != src[key[kind]]:
            return False
        field = {"messages": "body", "payments": "reference", "trips": "destination"}[kind]
        return quote == row[field]
    if name.endswith(".pdf"):
        return _norm(quote) in _norm(case.page_text(name, src["page"]))
    if name.endswith(".docx"):
        return quote == case.page_text(name, src["paragraph"])
    if name.endswith(".txt"):
        line = path.read_text("utf-8").splitlines()[src["line"] - 1]
        return line.endswith(": " + quote)
    if name.endswith(".json"):
        chat = json.loads(path.read_text("utf-8"))
        message = next(m for m in chat["messages"] if m["id"] == src["message_id"])
        return bool(message["text"] == quote)
    if name.endswith(".xml"):
        sms = ET.parse(path).getroot().findall("sms")[src["index"]]
        return sms.get("body") == quote
    return quote in path.read_text("utf-8")


@pytest.mark.parametrize("typology", ALL)
def test_every_quote_is_verbatim_at_its_source(
    sim_cases: dict[str, Generated], typology: str
) -> None:
    case = sim_cases[typology]
    facts = case.truth["facts"]
    assert len(facts) > 40
    missing = [f for f in facts if not quote_found(case, f)]
    assert missing == []
    # and the check itself can fail: a changed quote is not found at any kind of source
    by_kind = {Path(f["source"]["file"]).suffix: f for f in facts}
    for fact in by_kind.values():
        assert not quote_found(case, {**fact, "quote": fact["quote"] + " (and he laughed)"})
    kinds = {Path(f["source"]["file"]).suffix for f in facts}
    assert {".csv", ".pdf", ".docx", ".txt", ".json", ".xml", ".eml", ".html"} <= kinds


@pytest.mark.parametrize("typology", ALL)
def test_facts_use_shared_concepts_and_known_people(
    sim_cases: dict[str, Generated], typology: str
) -> None:
    truth = sim_cases[typology].truth
    ids = {p["id"] for p in truth["persons"]}
    for fact in truth["facts"]:
        assert fact["concept"] in CONCEPTS
        assert fact["suspect"] in ids or (
            fact["suspect"] is None and fact["concept"].split(".")[0] in ("jurisdiction", "victim")
        )
        assert fact["victim"] is None or fact["victim"] in ids


@pytest.mark.parametrize("typology", ALL)
def test_criminal_records_and_patterns_exist_in_the_csvs(
    sim_cases: dict[str, Generated], typology: str
) -> None:
    case = sim_cases[typology]
    for kind, ids in case.truth["criminal_records"].items():
        present = {r[ID_COLUMN[kind]] for r in case.rows(kind)}
        assert ids, kind
        assert set(ids) <= present
        assert len(ids) < len(present)  # the crime is hidden in noise
    payments = {r["transaction_id"]: r for r in case.rows("payments")}
    criminal = set(case.truth["criminal_records"]["payments"])
    names = {p["pattern"] for p in case.truth["patterns"]}
    assert {
        "fan_in",
        "fan_out",
        "cycle",
        "scatter_gather",
        "gather_scatter",
        "funnel_account",
        "structuring",
        "rent_for_many",
        "prepaid_cards",
        "official_payment",
        "advertising",
    } <= names
    for pattern in case.truth["patterns"]:
        assert pattern["transactions"] and set(pattern["transactions"]) <= criminal
        rows = [payments[t] for t in pattern["transactions"]]
        touches = {r["payer_account"] for r in rows} | {r["payee_account"] for r in rows}
        assert pattern["account"] in touches, pattern["pattern"]


@pytest.mark.parametrize("typology", ALL)
def test_facts_in_records_point_at_criminal_records(
    sim_cases: dict[str, Generated], typology: str
) -> None:
    truth = sim_cases[typology].truth
    criminal = {k: set(v) for k, v in truth["criminal_records"].items()}
    key = {
        "messages.csv": ("messages", "message_id"),
        "payments.csv": ("payments", "transaction_id"),
        "trips.csv": ("trips", "booking_id"),
    }
    record_facts = [f for f in truth["facts"] if f["source"]["file"] in key]
    assert record_facts
    for fact in record_facts:
        kind, column = key[fact["source"]["file"]]
        assert fact["source"][column] in criminal[kind]


def test_structuring_stays_under_the_threshold(sim_cases: dict[str, Generated]) -> None:
    case = sim_cases["escort_ads"]
    payments = {r["transaction_id"]: r for r in case.rows("payments")}
    pattern = next(p for p in case.truth["patterns"] if p["pattern"] == "structuring")
    amounts = [float(payments[t]["amount"]) for t in pattern["transactions"]]
    assert len(amounts) >= 3 and all(8_000 < a < 10_000 for a in amounts)


def test_cycle_returns_to_its_start(sim_cases: dict[str, Generated]) -> None:
    case = sim_cases["domestic_servitude"]
    payments = {r["transaction_id"]: r for r in case.rows("payments")}
    pattern = next(p for p in case.truth["patterns"] if p["pattern"] == "cycle")
    first = [payments[t] for t in pattern["transactions"][:3]]
    assert first[0]["payee_account"] == first[1]["payer_account"]
    assert first[1]["payee_account"] == first[2]["payer_account"]
    assert first[2]["payee_account"] == first[0]["payer_account"]


@pytest.mark.parametrize("typology", ALL)
def test_network_has_every_role_and_an_uncharged_recruiter(
    sim_cases: dict[str, Generated], typology: str
) -> None:
    persons = sim_cases[typology].truth["persons"]
    roles = {r for p in persons for r in p["roles"]}
    assert roles <= ROLES
    needed = ROLES - {"guide", "buyer"}
    assert needed <= roles
    assert ("buyer" in roles) == (typology in SEX)
    recruiters = [p for p in persons if "recruiter" in p["roles"]]
    assert any(not p["charged"] for p in recruiters)
    assert any(p["charged"] and p["charges"] for p in recruiters)
    statutes = set(sim_cases[typology].truth["statutes"])
    for p in persons:
        assert set(p["charges"]) <= statutes
        assert bool(p["charges"]) == p["charged"]
        assert p["kind"] in {"suspect", "victim", "witness", "official", "other"}
    assert sum("victim" in p["roles"] for p in persons) >= 5


def test_child_sex_has_minors_with_minor_facts(sim_cases: dict[str, Generated]) -> None:
    truth = sim_cases["child_sex"].truth
    minors = [p for p in truth["persons"] if p["is_minor"]]
    assert minors and all("victim" in p["roles"] for p in minors)
    base = truth["base_date"]
    for p in minors:
        assert int(base[:4]) - int(p["birth_date"][:4]) <= 18
        assert any(
            f["concept"] == "victim.minor" and f["victim"] == p["id"] for f in truth["facts"]
        )
    assert not [p for p in sim_cases["escort_ads"].truth["persons"] if p["is_minor"]]


@pytest.mark.parametrize("typology", ALL)
def test_each_charged_suspect_has_evidence_for_the_elements(
    sim_cases: dict[str, Generated], typology: str
) -> None:
    truth = sim_cases[typology].truth
    by_suspect: dict[str, set[str]] = {}
    for fact in truth["facts"]:
        by_suspect.setdefault(fact["suspect"], set()).add(fact["concept"])
    for p in truth["persons"]:
        if not p["charged"]:
            continue
        kinds = {c.split(".")[0] for c in by_suspect.get(p["id"], set())}
        assert kinds & {"act", "benefit"}, p["roles"]
        assert "mental" in kinds, p["roles"]
        if "us-18-1594c" in p["charges"]:
            assert "act.agreement" in by_suspect[p["id"]]
        if set(p["roles"]) & {
            "recruiter",
            "transporter",
            "harbourer",
            "enforcer",
            "exploiter",
            "money_handler",
            "guide",
        }:
            assert "means" in kinds, p["roles"]
            assert "purpose" in kinds, p["roles"]
        if "beneficiary" in p["roles"] or "complicit_official" in p["roles"]:
            assert "benefit.financial" in by_suspect[p["id"]]
    concepts = {f["concept"] for f in truth["facts"]}
    if truth["jurisdiction"] == "US":
        assert "jurisdiction.interstate_commerce" in concepts
    if typology in ("domestic_servitude", "agricultural_debt_bondage", "scam_compound"):
        assert "jurisdiction.travel" in concepts
    if typology in SEX:
        assert {"act.advertising", "act.patronizing", "purpose.commercial_sex_act"} <= concepts


@pytest.mark.parametrize("typology", ALL)
def test_phones_are_valid_e164_and_ibans_validate(
    sim_cases: dict[str, Generated], typology: str
) -> None:
    case = sim_cases[typology]
    e164 = re.compile(r"^\+[1-9]\d{7,14}$")
    phones = {ph for p in case.truth["persons"] for ph in p["phones"]}
    for row in case.rows("calls"):
        phones.update((row["caller"], row["callee"]))
    for row in case.rows("messages"):
        phones.update((row["sender"], row["recipient"]))
    for phone in phones:
        assert e164.match(phone), phone
        assert phonenumbers.is_valid_number(phonenumbers.parse(phone)), phone
    accounts = {a for p in case.truth["persons"] for a in p["accounts"]}
    accounts |= {a for o in case.truth["organisations"] for a in o["accounts"]}
    for row in case.rows("payments"):
        accounts.update((row["payer_account"], row["payee_account"]))
    ibans = [a for a in accounts if re.match(r"^[A-Z]{2}\d{2}", a)]
    for account in ibans:
        IBAN(account)  # raises on a bad checksum
    if case.truth["jurisdiction"] in ("UK", "EU"):
        assert len(ibans) > 50


@pytest.mark.parametrize("typology", ALL)
def test_people_have_realistic_aliases(sim_cases: dict[str, Generated], typology: str) -> None:
    persons = sim_cases[typology].truth["persons"]
    for p in persons:
        assert p["name"] not in p["aliases"]
    with_aliases = [p for p in persons if p["aliases"]]
    assert len(with_aliases) >= len(persons) // 2
    initials = [a for p in persons for a in p["aliases"] if re.match(r"^[A-Z]\. ", a)]
    assert initials


@pytest.mark.parametrize("typology", ALL)
def test_events_tell_the_story(sim_cases: dict[str, Generated], typology: str) -> None:
    events = sim_cases[typology].truth["events"]
    kinds = [e["kind"] for e in events]
    assert {
        "recruitment",
        "travel",
        "exploitation_start",
        "payment",
        "threat",
        "raid",
        "arrest",
    } <= set(kinds)
    dates = [e["date"] for e in events]
    assert dates == sorted(dates)
    assert kinds.index("recruitment") < kinds.index("raid")
