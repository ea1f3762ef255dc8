"""Sign-in resists guessing: failures are counted and audited in their own transaction,
slowed down per account and per address, and answered the same for every account."""

from __future__ import annotations

from collections.abc import Callable

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from palermo.security import throttle
from palermo.security.permissions import Actor
from palermo.services import administration, users
from palermo.services.context import Context
from palermo.services.errors import AuthenticationFailed
from palermo.store.models import AuditEntry, SigninAttempts

WRONG = "not the password"


def _time_passes(ctx: Context) -> None:
    """Every wait is over (the counters stay): what the clock would do."""
    with ctx.db.session() as session:
        session.execute(sa.update(SigninAttempts).values(locked_until=None))


def _try(ctx: Context, username: str, password: str, address: str = "10.0.0.1") -> int | None:
    """None when signed in; else the wait imposed (0: plain failure)."""
    try:
        users.authenticate(ctx, username, password, address)
    except users.SignInRefused as refused:
        return refused.retry_after
    except AuthenticationFailed:
        return 0
    return None


def _audited(ctx: Context, action: str) -> int:
    with ctx.db.session() as session:
        return int(
            session.scalar(sa.select(sa.func.count()).where(AuditEntry.action == action)) or 0
        )


def test_twenty_wrong_passwords_then_the_right_one_is_refused(
    ctx: Context, prosecutor: Actor, password: str
) -> None:
    # Even an attacker who waits out every delay is locked out after ACCOUNT.lock_at.
    for _ in range(20):
        _time_passes(ctx)
        _try(ctx, "prosecutor", WRONG)
    assert _try(ctx, "prosecutor", password) == int(throttle.ACCOUNT.lock.total_seconds())
    with ctx.db.session() as session:
        row = session.get(SigninAttempts, "account:prosecutor")
        assert row is not None and row.locked_until is not None


def test_every_failure_is_audited_even_though_sign_in_fails(
    ctx: Context, prosecutor: Actor
) -> None:
    for _ in range(3):
        assert _try(ctx, "prosecutor", WRONG) == 0
    assert _audited(ctx, "auth.failed") == 3
    for _ in range(100):
        _try(ctx, "prosecutor", WRONG)
        _time_passes(ctx)
    assert _audited(ctx, "auth.failed") == 103
    with ctx.db.session() as session:
        last = session.scalar(
            sa.select(AuditEntry)
            .where(AuditEntry.action == "auth.failed")
            .order_by(AuditEntry.seq.desc())
        )
        assert last is not None and last.details is not None
        assert last.details["username"] == "prosecutor"
        assert last.details["address"] == "10.0.0.1"


def test_the_delay_curve_per_account(ctx: Context, prosecutor: Actor, password: str) -> None:
    waits = []
    for _ in range(12):
        waits.append(_try(ctx, "prosecutor", WRONG))
        # While a wait runs, even the right password is refused at once, and audited.
        if waits[-1]:
            assert _try(ctx, "prosecutor", password) == pytest.approx(waits[-1], abs=1)
        _time_passes(ctx)
    lock = int(throttle.ACCOUNT.lock.total_seconds())
    assert waits == [0, 0, 0, 1, 2, 4, 8, 16, 32, lock, lock, lock]
    assert _audited(ctx, "auth.throttled") == 9
    assert _try(ctx, "prosecutor", password) is None  # the wait is over: signed in
    # The account starts afresh (from another address: this one keeps its count).
    assert _try(ctx, "prosecutor", WRONG, "10.9.9.9") == 0


def test_unknown_and_existing_accounts_answer_alike(ctx: Context, prosecutor: Actor) -> None:
    existing = [_try(ctx, "prosecutor", WRONG, "10.0.0.2") for _ in range(6)]
    unknown = [_try(ctx, "no-such-user", WRONG, "10.0.0.3") for _ in range(6)]
    assert existing == unknown == [0, 0, 0, 1, 1, 1]


def test_disabled_account_with_the_right_password_is_a_plain_failure(
    ctx: Context, prosecutor: Actor, password: str
) -> None:
    from palermo.security.permissions import SYSTEM

    assert prosecutor.user_id is not None
    administration.set_active(ctx, SYSTEM, prosecutor.user_id, False)
    assert _try(ctx, "prosecutor", password) == 0


def test_one_address_guessing_many_accounts_is_slowed_then_locked(
    ctx: Context, prosecutor: Actor, password: str
) -> None:
    waits = []
    for n in range(throttle.ADDRESS.lock_at):
        _time_passes(ctx)
        waits.append(_try(ctx, f"guess-{n}", WRONG, "203.0.113.9"))
    assert waits[: throttle.ADDRESS.free] == [0] * throttle.ADDRESS.free
    assert waits[throttle.ADDRESS.free] == 1
    assert waits[-1] == int(throttle.ADDRESS.lock.total_seconds())
    # The locked address cannot sign anyone in; another address can.
    assert _try(ctx, "prosecutor", password, "203.0.113.9") is not None
    assert _try(ctx, "prosecutor", password, "198.51.100.7") is None


def test_a_good_sign_in_does_not_reset_the_address_counter(
    ctx: Context, prosecutor: Actor, password: str
) -> None:
    for n in range(throttle.ADDRESS.free):
        _try(ctx, f"guess-{n}", WRONG, "203.0.113.10")
    assert _try(ctx, "prosecutor", password, "203.0.113.10") is None
    assert _try(ctx, "guess-x", WRONG, "203.0.113.10") == 1


def test_login_page_answers_429_with_retry_after_and_a_generic_message(
    client: TestClient, prosecutor: Actor, csrf: Callable[[str], str]
) -> None:
    answers = {}
    for name in ("prosecutor", "nobody"):
        for _ in range(4):
            token = csrf(client.get("/login").text)
            answer = client.post(
                "/login", data={"username": name, "password": WRONG, "csrf_token": token}
            )
        answers[name] = answer
    for answer in answers.values():
        assert answer.status_code == 429
        assert answer.headers["retry-after"] == "1"
        assert "Wrong username or password, or too many attempts" in answer.text
        assert "Try again in 1 s" in answer.text
    assert answers["prosecutor"].text.replace("prosecutor", "nobody") == answers["nobody"].text


def test_parallel_guesses_are_all_counted(ctx: Context, prosecutor: Actor) -> None:
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=8) as pool:
        answers = list(pool.map(lambda n: _try(ctx, "prosecutor", WRONG, f"10.3.0.{n}"), range(24)))
    assert None not in answers
    failed, throttled = _audited(ctx, "auth.failed"), _audited(ctx, "auth.throttled")
    assert failed + throttled == 24
    with ctx.db.session() as session:
        row = session.get(SigninAttempts, "account:prosecutor")
        assert row is not None and row.failures == failed
    # However they raced, no more than the free attempts got through before a wait.
    assert failed <= throttle.ACCOUNT.free + 8
