"""What the Overview, People and Records pages read on every visit is counted or sorted
once per case fingerprint and kept: record counts and time span, the identifiers list
(per kind of viewer), and the Records tab's totals."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from palermo.security.permissions import Actor
from palermo.services import cases, record_stats
from palermo.services.context import Context
from palermo.services.ingest import ingest_path
from palermo.store.models import AuditEntry, Role

MakeUser = Callable[..., Actor]

CALLS = """call_id,started_at,caller,callee,duration_s,cell_id
CL1,2024-01-02T10:00:00Z,+15550000001,+15550000002,60,C1
CL2,2024-01-05T11:00:00Z,+15550000002,+15550000001,30,C1
CL3,2024-01-03T12:00:00Z,+15550000003,+15550000001,10,C2
"""
MORE_CALLS = """call_id,started_at,caller,callee,duration_s,cell_id
CL4,2024-02-01T09:00:00Z,+15550000001,+15550000004,5,C3
"""


def _load(ctx: Context, actor: Actor, case_ref: str, folder: Path, name: str, text: str) -> None:
    path = folder / name
    path.write_text(text)
    ingest_path(ctx, actor, case_ref, path)


def _stats(ctx: Context, case_ref: str, actor: Actor) -> record_stats.RecordStats:
    from palermo.services.access import open_case

    with ctx.db.session() as session:
        return record_stats.record_stats(ctx, session, open_case(ctx, session, actor, case_ref))


def test_record_counts_are_kept_per_fingerprint_and_follow_new_evidence(
    ctx: Context, prosecutor: Actor, case_ref: str, tmp_path: Path
) -> None:
    _load(ctx, prosecutor, case_ref, tmp_path, "calls.csv", CALLS)
    computed = record_stats._kept.counts.computed
    stats = _stats(ctx, case_ref, prosecutor)
    assert stats.by_kind["call"] == 3 and stats.total == 3
    assert stats.first is not None and stats.last is not None
    assert (stats.first.replace(tzinfo=None), stats.last.replace(tzinfo=None)) == (
        datetime(2024, 1, 2, 10),
        datetime(2024, 1, 5, 11),
    )
    assert cases.record_counts(ctx, prosecutor, case_ref)["call"] == 3
    # A restarted process reads the stored row instead of counting again.
    record_stats.clear_memory()
    assert _stats(ctx, case_ref, prosecutor) == stats
    assert record_stats._kept.counts.computed == computed + 1
    # New evidence changes the fingerprint: counted again, never the old figures.
    _load(ctx, prosecutor, case_ref, tmp_path, "more_calls.csv", MORE_CALLS)
    after = _stats(ctx, case_ref, prosecutor)
    assert after.by_kind["call"] == 4
    assert after.last is not None and after.last.replace(tzinfo=None) == datetime(2024, 2, 1, 9)
    assert record_stats._kept.counts.computed == computed + 2


def test_records_page_totals_and_time_order_in_both_directions(
    ctx: Context, prosecutor: Actor, case_ref: str, tmp_path: Path
) -> None:
    _load(ctx, prosecutor, case_ref, tmp_path, "calls.csv", CALLS)
    _load(ctx, prosecutor, case_ref, tmp_path, "more_calls.csv", MORE_CALLS)
    page = cases.list_records(ctx, prosecutor, case_ref, per_page=2)
    assert page.total == 4 and len(page.items) == 2
    assert [r.occurred_at.day for r in page.items if r.occurred_at] == [2, 3]
    calls = cases.list_records(ctx, prosecutor, case_ref, kind="call", page=2, per_page=3)
    assert calls.total == 4 and len(calls.items) == 1
    assert cases.list_records(ctx, prosecutor, case_ref, kind="payment").total == 0
    newest = cases.list_records(ctx, prosecutor, case_ref, descending=True)
    times = [r.occurred_at for r in newest.items]
    assert times == sorted(times, reverse=True)  # type: ignore[type-var]
    one = cases.list_records(ctx, prosecutor, case_ref, record_id=newest.items[0].id)
    assert one.total == 1 and one.items[0].id == newest.items[0].id


def test_identifiers_are_kept_per_kind_of_viewer_and_never_shown_to_a_role_not_allowed(
    ctx: Context, prosecutor: Actor, case_ref: str, make_user: MakeUser
) -> None:
    cases.add_person(
        ctx,
        prosecutor,
        case_ref,
        kind="victim",
        name="Maria Ionescu",
        identifiers=[("phone", "+40721000001"), ("email", "maria.ionescu@example.org")],
    )
    cases.add_person(
        ctx, prosecutor, case_ref, kind="suspect", name="Ion Popescu",
        identifiers=[("phone", "+40722000002")],
    )  # fmt: skip
    analyst = make_user(Role.ANALYST)
    cases.add_member(ctx, prosecutor, case_ref, analyst.username)

    # The prosecutor's list (victim's identifiers shown) is computed and kept first.
    shown = cases.list_identifiers(ctx, prosecutor, case_ref)
    assert "maria.ionescu@example.org" in {i.value for i in shown}
    for memory in (True, False):
        if not memory:
            cases._identifiers.clear_memory()  # as another worker, from the stored rows
        hidden = cases.list_identifiers(ctx, analyst, case_ref)
        text = " ".join(f"{i.value} {i.person}" for i in hidden)
        assert "maria" not in text.lower() and "+40721000001" not in text
        assert "+40722000002" in text and "Ion Popescu" in text
        again = cases.list_identifiers(ctx, prosecutor, case_ref)
        assert "maria.ionescu@example.org" in {i.value for i in again}
    # Every read is audited, kept or not.
    with ctx.db.session() as session:
        reads = session.query(AuditEntry).filter(AuditEntry.action == "identifier.list").count()
    assert reads == 5
    # A new identifier is listed at once (the fingerprint moved).
    cases.add_person(
        ctx, prosecutor, case_ref, kind="witness", name="Ana Pop",
        identifiers=[("phone", "+40723000003")],
    )  # fmt: skip
    assert "+40723000003" in {i.value for i in cases.list_identifiers(ctx, analyst, case_ref)}
