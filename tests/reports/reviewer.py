"""A reviewer who confirms every pending suggestion of a case through the JSON API
(``POST /api/cases/{ref}/elements/decide``), as a person on the Elements tab would.
Shared by the memo tests and ``benchmarks/memo_quality.py``."""

from __future__ import annotations

from fastapi.testclient import TestClient

from palermo.security.permissions import Actor
from palermo.services import users
from palermo.services.context import Context
from palermo.web.app import create_app

MAX_ROUNDS = 4  # confirming some facts can make new suggestions (e.g. a rule's second pass)


def confirm_all(ctx: Context, actor: Actor, reference: str) -> int:
    """Confirm every suggestion the Elements view lists for the case; returns how many."""
    token = users.create_api_token(ctx, actor, "memo reviewer")
    headers = {"Authorization": f"Bearer {token}"}
    done = 0
    with TestClient(create_app(ctx)) as api:
        for _ in range(MAX_ROUNDS):
            answer = api.get(f"/api/cases/{reference}/elements", headers=headers)
            assert answer.status_code == 200, answer.text
            pending: dict[str, dict] = {}
            for suspect in answer.json()["suspects"]:
                for statute in suspect["statutes"]:
                    for element in statute["elements"]:
                        for fact in element["suggested"]:
                            pending.setdefault(fact["id"], fact)
            if not pending:
                break
            for fact in pending.values():
                rule_fact = fact["record_id"] is not None or "#" in fact["id"]
                body = (
                    {"decision": "confirmed", "fact_id": fact["id"]}
                    if rule_fact
                    else {"decision": "confirmed", "assertion_id": fact["assertion_id"]}
                )
                answer = api.post(
                    f"/api/cases/{reference}/elements/decide", json=body, headers=headers
                )
                assert answer.status_code == 200, (fact, answer.text)
                done += 1
    return done


def confirm_all_in_bulk(ctx: Context, actor: Actor, reference: str) -> int:
    """The same as :func:`confirm_all` with the bulk actions a reviewer uses on large cases
    (the Review tab's "confirm selected", one rule-suggestion batch per round)."""
    from palermo.services import elements, review

    done = 0
    for _ in range(MAX_ROUNDS):
        assessment = elements.assess(ctx, actor, reference)
        pending = {
            f.id: f
            for s in assessment.suspects
            for st in s.statutes
            for el in st.elements
            for f in el.suggested
        }
        if not pending:
            break
        rule_facts = [f.id for f in pending.values() if f.record_id is not None or "#" in f.id]
        ruled = set(rule_facts)
        assertions = sorted(
            {
                f.assertion_id
                for f in pending.values()
                if f.id not in ruled and f.assertion_id is not None
            }
        )
        for i in range(0, len(assertions), review.MAX_BULK):
            review.decide_many(
                ctx, actor, reference, assertions[i : i + review.MAX_BULK], "confirmed"
            )
        if rule_facts:
            elements.decide_rule_facts(ctx, actor, reference, rule_facts, "confirmed")
        done += len(pending)
    return done
