"""Facts derived from a suspect's own words and from patterns of records: knowledge,
reckless disregard, agreement (conspiracy) and patronizing (a buyer), each with its evidence
and the rule that produced it."""

from __future__ import annotations

from pathlib import Path

from palermo.security.permissions import Actor
from palermo.services import cases, elements
from palermo.services.context import Context
from palermo.services.ingest import ingest_path

BOSS, BOSS_PHONE, BOSS_ACCOUNT = "Marco Bellini", "+12025550101", "GB33BUKB20201555555555"
ADVERT_PHONE = "+12025550199"  # the boss's second phone, the one in the advert
DRIVER, DRIVER_PHONE = "Luca Ferro", "+12025550102"
BUYER, BUYER_PHONE, BUYER_ACCOUNT = "John Carter", "+12025550103", "GB11BUKB20201511111111"
VICTIM, VICTIM_PHONE, VICTIM_ACCOUNT = "Ana Popescu", "+12025550104", "RO49AAAA1B31007593840000"

MESSAGES = (
    "message_id,sent_at,sender,recipient,channel,body\n"
    f"M1,2024-03-01T10:00:00Z,{BOSS_PHONE},{VICTIM_PHONE},sms,"
    "Your passport stays with me until you pay everything.\n"
    f"M2,2024-03-02T10:00:00Z,{DRIVER_PHONE},{BOSS_PHONE},sms,"
    '"I have the passports of the new ones, I bring them tonight."\n'
    f"M3,2024-03-05T21:00:00Z,{BUYER_PHONE},{ADVERT_PHONE},sms,How much for an hour?\n"
    f"M4,2024-03-09T21:00:00Z,{BUYER_PHONE},{ADVERT_PHONE},sms,"
    '"Last time she said she wasn\'t allowed to leave. Not my problem."\n'
)
CALLS = (
    "call_id,started_at,caller,callee,duration_s,cell_id\n"
    f"C1,2024-03-03T09:00:00Z,{BOSS_PHONE},{DRIVER_PHONE},60,1\n"
    f"C2,2024-03-04T09:00:00Z,{DRIVER_PHONE},{BOSS_PHONE},60,1\n"
    f"C3,2024-03-07T09:00:00Z,{BOSS_PHONE},{DRIVER_PHONE},60,1\n"
    # The buyer calls the advert: a customer's contact, never an agreement.
    f"C4,2024-03-05T20:00:00Z,{BUYER_PHONE},{ADVERT_PHONE},60,1\n"
    f"C5,2024-03-06T20:00:00Z,{BUYER_PHONE},{ADVERT_PHONE},60,1\n"
    f"C6,2024-03-07T20:00:00Z,{BUYER_PHONE},{ADVERT_PHONE},60,1\n"
)
PAYMENTS = (
    "transaction_id,booked_at,payer_account,payee_account,amount,currency,reference\n"
    f"T1,2024-03-03T12:00:00Z,{VICTIM_ACCOUNT},{BOSS_ACCOUNT},500.00,USD,debt\n"
    f"T2,2024-03-06T01:00:00Z,{BUYER_ACCOUNT},{BOSS_ACCOUNT},200.00,USD,services\n"
)
ADVERT = f"NEW IN TOWN, sweet and fun.\nCall or text {ADVERT_PHONE} - incall and outcall.\n"
VICTIM_STATEMENT = (
    f"My name is {VICTIM}. I make this statement voluntarily.\n"
    f"{BOSS} told the others that I looked about fifteen.\n"
)


def _case(ctx: Context, actor: Actor, reference: str, folder: Path) -> dict[str, int]:
    people = {
        "boss": cases.add_person(
            ctx, actor, reference, kind="suspect", name=BOSS,
            identifiers=[("phone", BOSS_PHONE), ("phone", ADVERT_PHONE), ("account", BOSS_ACCOUNT)],
        ),
        "driver": cases.add_person(
            ctx, actor, reference, kind="suspect", name=DRIVER,
            identifiers=[("phone", DRIVER_PHONE)],
        ),
        "buyer": cases.add_person(
            ctx, actor, reference, kind="suspect", name=BUYER,
            identifiers=[("phone", BUYER_PHONE), ("account", BUYER_ACCOUNT)],
        ),
        "victim": cases.add_person(
            ctx, actor, reference, kind="victim", name=VICTIM,
            identifiers=[("phone", VICTIM_PHONE), ("account", VICTIM_ACCOUNT)],
        ),
    }  # fmt: skip
    for who in ("boss", "driver", "buyer"):
        cases.add_charge(
            ctx, actor, reference, person_id=people[who].id, statute_id="us-18-1591",
            status="charged",
        )  # fmt: skip
    for who, statute in (
        ("driver", "us-18-1594c"),
        ("boss", "us-18-1594c"),
        ("boss", "us-18-1591a2"),
    ):
        cases.add_charge(
            ctx, actor, reference, person_id=people[who].id, statute_id=statute,
            status="charged",
        )  # fmt: skip
    folder.mkdir()
    for name, text in (
        ("messages.csv", MESSAGES),
        ("calls.csv", CALLS),
        ("payments.csv", PAYMENTS),
        ("advert.txt", ADVERT),
        ("statement_ana.txt", VICTIM_STATEMENT),
    ):
        (folder / name).write_text(text, encoding="utf-8")
    report = ingest_path(ctx, actor, reference, folder)
    assert report.ok, [(f.name, f.status, f.message) for f in report.files]
    return {k: v.id for k, v in people.items()}


def _facts(result: elements.CaseAssessment) -> dict[str, elements.FactView]:
    return {
        f.id: f
        for s in result.suspects
        for st in s.statutes
        for e in st.elements
        for f in e.confirmed + e.suggested
    }


def _by(facts: dict[str, elements.FactView], rule: str) -> list[elements.FactView]:
    return [f for f in facts.values() if f.rule == rule]


def test_derived_facts_carry_evidence_and_rule(
    ctx: Context, prosecutor: Actor, case_ref: str, tmp_path: Path
) -> None:
    _case(ctx, prosecutor, case_ref, tmp_path / "evidence")
    result = elements.assess(ctx, prosecutor, case_ref)
    facts = _facts(result)

    # Knowledge: the boss's own message about the passport, with the message as evidence.
    knowledge = {(f.suspect, f.quote) for f in _by(facts, "own-words-knowledge")}
    assert ("S-01", "Your passport stays with me until you pay everything.") in knowledge
    (boss_knows,) = [f for f in _by(facts, "own-words-knowledge") if f.suspect == "S-01"]
    assert boss_knows.concept == "mental.knowledge" and boss_knows.record_id is not None
    assert boss_knows.evidence_file == "messages.csv" and boss_knows.locator == "row 2"
    assert boss_knows.attribution.startswith("the suspect's own words (the sender")
    assert "knew these means were used" in boss_knows.attribution

    # The buyer: the request is patronizing; his account of her restraint, brushed aside, is
    # reckless disregard; calling the advert and paying the next day is patronizing too.
    buyer = {(f.rule, f.concept) for f in facts.values() if f.suspect == "S-03"}
    assert ("buyer_solicitation", "act.patronizing") in buyer
    assert ("own-words-disregard", "mental.reckless_disregard") in buyer
    assert ("advert-contact-then-payment", "act.patronizing") in buyer
    # A buyer and the seller are not partners: no agreement from the advert contacts.
    assert not any(f.concept == "act.agreement" for f in facts.values() if f.suspect == "S-03")
    # His payment is money from a customer of the advert: a benefit to the boss.
    (benefit,) = _by(facts, "advert-customer-pays-suspect")
    assert benefit.suspect == "S-01" and "200.00 USD" in benefit.quote

    # Agreement: the driver's message to the boss about the passports, and the repeated
    # calls between the two around the victim's payment.
    assert {f.suspect for f in _by(facts, "operational-message-between-suspects")} == {"S-02"}
    series = _by(facts, "repeated-contact-between-suspects")
    assert {f.suspect for f in series} == {"S-01", "S-02"}
    assert all("4 calls and messages between S-01 and S-02 on 4 days" in f.quote for f in series)
    assert all(f.attribution.startswith("record rule: ") for f in series)

    # The advert is the boss's through the number on it.
    advert = [f for f in facts.values() if f.rule == "sex_ad_language"]
    assert advert and {f.suspect for f in advert} == {"S-01"}
    assert all("phone number" in f.attribution for f in advert)

    # A remark on the victim's age in her own statement is not the boss's state of mind.
    assert not any(f.rule == "apparent_minor" for f in facts.values())
    assert not any(f.concept == "mental.reckless_disregard" and f.suspect == "S-01"
                   for f in facts.values())  # fmt: skip


def test_derived_facts_can_be_confirmed_and_rejected(
    ctx: Context, prosecutor: Actor, case_ref: str, tmp_path: Path
) -> None:
    _case(ctx, prosecutor, case_ref, tmp_path / "evidence")
    facts = _facts(elements.assess(ctx, prosecutor, case_ref))
    knows = next(f for f in _by(facts, "own-words-knowledge") if f.suspect == "S-01")
    series = next(f for f in _by(facts, "repeated-contact-between-suspects") if f.suspect == "S-02")
    elements.decide_rule_fact(ctx, prosecutor, case_ref, knows.id, "confirmed")
    elements.decide_rule_fact(ctx, prosecutor, case_ref, series.id, "rejected")
    result = elements.assess(ctx, prosecutor, case_ref)
    after = _facts(result)
    assert knows.id not in after and series.id not in after
    boss = next(s for s in result.suspects if s.pseudonym == "S-01")
    statute = next(st for st in boss.statutes if st.statute_id == "us-18-1591")
    knowledge = next(e for e in statute.elements if e.element_id == "knowledge")
    assert any(f.origin == "human" and "passport" in f.quote for f in knowledge.confirmed)
    driver = next(s for s in result.suspects if s.pseudonym == "S-02")
    conspiracy = next(st for st in driver.statutes if st.statute_id == "us-18-1594c")
    agreement = next(e for e in conspiracy.elements if e.element_id == "agreement")
    assert not any(f.rule == "repeated-contact-between-suspects" for f in agreement.suggested)


CHAT = (
    f"01/03/2024, 10:43 - {VICTIM}: Please, I want to go home.\n"
    f"01/03/2024, 10:45 - {BOSS}: I have your passport, you get it back when you pay.\n"
)


def test_own_words_in_a_chat_export_follow_the_passage(
    ctx: Context, prosecutor: Actor, case_ref: str, tmp_path: Path
) -> None:
    _case(ctx, prosecutor, case_ref, tmp_path / "evidence")
    chat = tmp_path / "whatsapp_boss_ana.txt"
    chat.write_text(CHAT, encoding="utf-8")
    assert ingest_path(ctx, prosecutor, case_ref, chat).ok

    def chat_knowledge() -> list[elements.FactView]:
        facts = _facts(elements.assess(ctx, prosecutor, case_ref))
        return [f for f in _by(facts, "own-words-knowledge") if f.evidence_file == chat.name]

    (fact,) = chat_knowledge()
    assert fact.suspect == "S-01" and fact.assertion_id is not None and fact.record_id is None
    assert fact.status == "suggested" and "I have your passport" in fact.quote
    # Confirming the passage (the indicator) confirms what follows from the suspect's words.
    elements.decide_assertion(ctx, prosecutor, case_ref, fact.assertion_id, "confirmed")
    (fact,) = chat_knowledge()
    assert fact.status == "confirmed"
    # The inference alone can still be rejected; the passage stays confirmed.
    elements.decide_rule_fact(ctx, prosecutor, case_ref, fact.id, "rejected")
    assert chat_knowledge() == []
    facts = _facts(elements.assess(ctx, prosecutor, case_ref))
    assert any(
        f.assertion_id == fact.assertion_id and f.concept == "means.document_retention"
        for f in facts.values()
    )
