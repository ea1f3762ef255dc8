"""The demo unit: synthetic cases of several typologies at different stages, and one
user per role. Built from the simulator, loaded through the ordinary ingest path,
so the demo exercises exactly what a real case goes through.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from sqlalchemy import insert, select

from palermo import clock
from palermo.security.permissions import Actor
from palermo.services import caseload_views
from palermo.services import cases as case_service
from palermo.services import users as user_service
from palermo.services.context import Context
from palermo.simulate.intake import PersonIntake, simulated_intake
from palermo.store.models import Case, CaseMember, Role, User

DEMO_UNIT = "demo"
DEMO_OPERATOR = Actor(user_id=None, username="demo-setup", role=Role.ADMIN, operator=True)


@dataclass(frozen=True, slots=True)
class DemoLogin:
    username: str
    password: str
    role: str


@dataclass(frozen=True, slots=True)
class DemoCase:
    reference: str
    typology: str
    stage: str
    size: int
    seed: int


@dataclass(frozen=True, slots=True)
class DemoResult:
    logins: list[DemoLogin]
    cases: list[str]


# Who can log in. Passwords are printed by `palermo demo`; the demo serves on loopback only.
DEMO_USERS: list[tuple[str, Role, str]] = [
    ("prosecutor", Role.PROSECUTOR, "Alex Morgan (prosecutor)"),
    ("investigator", Role.INVESTIGATOR, "Sam Rivera (investigator)"),
    ("analyst", Role.ANALYST, "Jo Chen (analyst)"),
    ("advocate", Role.ADVOCATE, "Pat Okafor (victim-witness advocate)"),
    ("admin", Role.ADMIN, "Administrator"),
    ("auditor", Role.AUDITOR, "Auditor"),
]

DEMO_CASES: list[DemoCase] = [
    DemoCase("DEMO-2024-001", "escort_ads", "trial", 6000, 11),
    DemoCase("DEMO-2024-002", "domestic_servitude", "charged", 2500, 12),
    DemoCase("DEMO-2024-003", "agricultural_debt_bondage", "investigation", 5000, 13),
    DemoCase("DEMO-2024-004", "scam_compound", "investigation", 4000, 14),
    DemoCase("DEMO-2024-005", "child_sex", "pre_trial", 3000, 15),
    DemoCase("DEMO-2025-006", "escort_ads", "intake", 1500, 16),
    DemoCase("DEMO-2025-007", "agricultural_debt_bondage", "verdict", 3000, 17),
    DemoCase("DEMO-2025-008", "domestic_servitude", "sentencing", 2000, 18),
    DemoCase("DEMO-2025-009", "scam_compound", "charged", 2500, 19),
    DemoCase("DEMO-2025-010", "child_sex", "investigation", 2000, 20),
]
HISTORY_PREFIX = "HIST-"
HISTORY_CASES = 300
# Members of every demo case: the roles that work on cases.
CASE_MEMBERS = ["prosecutor", "investigator", "analyst", "advocate"]


def demo_password(username: str) -> str:
    return f"{username}-demo"


# The road to each stage, and about how long a demo case spent in each stage it has left
# behind (days): under the default targets (caseload/targets.yaml), as a case on time.
STAGE_ROAD = ["intake", "investigation", "charged", "pre_trial", "trial", "verdict", "sentencing"]
DAYS_SPENT = {
    "intake": 14,
    "investigation": 200,
    "charged": 30,
    "pre_trial": 60,
    "trial": 70,
    "verdict": 20,
}
# How long it has been in its current stage so far: under that stage's target, and a
# case in court decided on well within 180 days of its charge.
DAYS_SO_FAR = {
    "intake": 9,
    "investigation": 150,
    "charged": 25,
    "pre_trial": 50,
    "trial": 40,
    "verdict": 20,
    "sentencing": 21,
}


def stage_history(stage: str, today: date, seed: int = 0) -> tuple[date, list[tuple[str, date]]]:
    """When a demo case at ``stage`` was opened and the stage changes that brought it
    there, dated back from ``today``. The simulated evidence keeps its own fixed dates
    (reproducible, and before the case was opened); the case's own dates are the day's,
    so the dashboard shows ages and times in stage a unit would see, not the years since
    the simulator's base date."""
    if stage not in STAGE_ROAD:
        return today - timedelta(days=DAYS_SO_FAR["intake"]), []
    road = STAGE_ROAD[: STAGE_ROAD.index(stage) + 1]
    jitter = seed % 5  # cases of one stage do not all move on the same day
    on = today - timedelta(days=DAYS_SO_FAR[stage] - jitter)
    moves: list[tuple[str, date]] = []
    for left, reached in zip(reversed(road[:-1]), reversed(road[1:]), strict=True):
        moves.append((reached, on))
        on -= timedelta(days=DAYS_SPENT[left])
    return on, list(reversed(moves))


def build_demo(
    ctx: Context,
    progress: Callable[[str], None] | None = None,
    *,
    specs: list[DemoCase] | None = None,
    history_cases: int = HISTORY_CASES,
) -> DemoResult:
    """Create (or complete) the demo unit. Safe to run again: finished cases are kept."""
    specs = DEMO_CASES if specs is None else specs
    say = progress or (lambda _message: None)
    unit_id = user_service.ensure_unit(ctx, DEMO_UNIT, "Demo trafficking unit", "US")
    logins = [
        _ensure_user(ctx, username, role, name, unit_id) for username, role, name in DEMO_USERS
    ]
    workdir = ctx.settings.data_dir / "demo-source"
    for spec in specs:
        if _case_exists(ctx, spec.reference):
            continue
        say(f"{spec.reference}: simulating a {spec.typology} case")
        _build_case(ctx, spec, unit_id, workdir / spec.reference, say)
    if history_cases:
        _ensure_history(ctx, unit_id, history_cases, say)
    return DemoResult(logins=logins, cases=[spec.reference for spec in specs])


def _ensure_history(ctx: Context, unit_id: int, count: int, say: Callable[[str], None]) -> None:
    """A few hundred closed and running cases over several years, for the dashboard."""
    from palermo.services.caseload import write_history
    from palermo.simulate.history import generate_history

    # The story runs up to today, so the dashboard has hearings coming and deadlines due.
    today = clock.today()
    with ctx.db.session() as session:
        if session.scalar(select(Case.id).where(Case.reference.like(f"{HISTORY_PREFIX}%"))):
            return
        say(f"writing {count} historical cases with hearings and outcomes")
        write_history(
            session,
            DEMO_OPERATOR,
            unit_id,
            generate_history(2019, n_cases=count, end_year=today.year, as_of=today),
            reference_prefix=HISTORY_PREFIX,
        )
        members = list(session.scalars(select(User.id).where(User.username.in_(CASE_MEMBERS))))
        history_ids = list(
            session.scalars(select(Case.id).where(Case.reference.like(f"{HISTORY_PREFIX}%")))
        )
        session.execute(
            insert(CaseMember),
            [{"case_id": c, "user_id": u} for c in history_ids for u in members],
        )


def _ensure_user(ctx: Context, username: str, role: Role, name: str, unit_id: int) -> DemoLogin:
    password = demo_password(username)
    with ctx.db.session() as session:
        exists = session.scalar(select(User.id).where(User.username == username)) is not None
    if not exists:
        user_service.create_user(
            ctx,
            DEMO_OPERATOR,
            username=username,
            password=password,
            role=role,
            display_name=name,
            unit_id=unit_id,
        )
    return DemoLogin(username=username, password=password, role=role.value)


def _case_exists(ctx: Context, reference: str) -> bool:
    with ctx.db.session() as session:
        return session.scalar(select(Case.id).where(Case.reference == reference)) is not None


def _build_case(
    ctx: Context, spec: DemoCase, unit_id: int, folder: Path, say: Callable[[str], None]
) -> None:
    from palermo.services import ingest as ingest_service

    if folder.exists():
        shutil.rmtree(folder)
    # Only what a unit would enter at intake (case details, people, charges) reaches the
    # product; what the simulator keeps for scoring stays inside the simulate package.
    case = simulated_intake(spec.typology, spec.size, spec.seed, folder, spec.reference)
    # Opened and moved on as a unit would have done it, up to today: not on the
    # simulator's fixed base date, which would leave every case years in its stage.
    opened_on, moves = stage_history(spec.stage, clock.today(), spec.seed)
    case_service.create_case(
        ctx,
        DEMO_OPERATOR,
        reference=spec.reference,
        title=case.title or spec.typology.replace("_", " ").title(),
        jurisdiction=case.jurisdiction,
        unit_id=unit_id,
        typology=spec.typology,
        stage=STAGE_ROAD[0] if moves else spec.stage,
        statutes=case.statutes,
        opened_on=opened_on,
        members=CASE_MEMBERS,
    )
    enter_people(ctx, DEMO_OPERATOR, spec.reference, case.people)
    for to_stage, on in moves:
        caseload_views.move_case(ctx, DEMO_OPERATOR, spec.reference, to_stage=to_stage, on=on)
    say(f"{spec.reference}: loading evidence")
    report = ingest_service.ingest_path(ctx, DEMO_OPERATOR, spec.reference, folder)
    say(f"{spec.reference}: {report.records:,} records from {report.loaded} files")


def enter_people(
    ctx: Context, actor: Actor, reference: str, people: list[PersonIntake]
) -> dict[str, int]:
    """The people of a simulated case's intake with their identifiers, and the charges of
    those charged, entered as an investigator would. Returns intake key -> person id."""
    ids: dict[str, int] = {}
    for person in people:
        victim = person.kind == "victim"
        view = case_service.add_person(
            ctx,
            actor,
            reference,
            kind=person.kind,
            name=person.name,
            aliases=person.aliases,
            sealed_fields={"date_of_birth": person.date_of_birth}
            if victim and person.date_of_birth
            else None,
            is_minor=person.is_minor,
            sex=person.sex,
            nationality=person.nationality,
            birth_year=person.birth_year,
            identifiers=person.identifiers,
        )
        ids[person.key] = view.id
        for statute_id in person.charges:
            case_service.add_charge(
                ctx, actor, reference, person_id=view.id, statute_id=statute_id, status="charged"
            )
    return ids
