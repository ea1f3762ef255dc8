"""A case with sealed victims whose identities run through its evidence, built through
the product's own ingest path, and the identity tokens to look for (taken from the
sealed data, not from a hand list)."""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from sqlalchemy import select

from palermo.security import identities
from palermo.security.permissions import SYSTEM, Actor
from palermo.security.redaction import parse_date
from palermo.services import (
    caseload,
    cases,
    ingest,
    ingest_jobs,
    jobs,
    organisations,
    person_photos,
)
from palermo.services.context import Context
from palermo.store.models import Case, User

REFERENCE = "LEAK-001"
# Other people in the evidence who share a name part with a victim: their names are
# not the victims' and may be shown.
OTHER_PEOPLE = ("Travis Jones", "Maria Rusu")
_PARTICLES = {"de", "del", "la", "le", "los", "las", "van", "von", "da", "dos", "y"}

TRIPS = (
    "booking_id,departed_at,traveller,origin,destination,mode,booked_by,paid_by,price,currency\n"
    "B1,2024-02-28T06:00:00Z,Sarah Jones,Bucharest,London,bus,Travis Jones,Travis Jones,"
    "120.00,EUR\n"
    "B2,2024-02-28T06:00:00Z,Maria Rusu,Bucharest,London,bus,Maria Rusu,Maria Rusu,120.00,EUR\n"
    "B3,2024-03-02T07:30:00Z,Maria Lopez,Madrid,London,flight,Travis Jones,Travis Jones,"
    "210.00,EUR\n"
)
MESSAGES = (
    "message_id,sent_at,sender,recipient,channel,body\n"
    "M1,2024-03-01T10:05:00Z,+40 721 555 123,+44 7700 900123,sms,"
    '"Hi, it is Sarah. I am at the Safe Haven Shelter now"\n'
    'M2,2024-03-01T10:06:00Z,+44 7700 900123,+40 721 555 123,sms,"Stay there, Jones"\n'
)
PAYMENTS = (
    "transaction_id,booked_at,payer_account,payer_name,payee_account,payee_name,amount,"
    "currency,channel,country_from,country_to,reference\n"
    "T1,2024-03-03T09:00:00Z,RO49AAAA1B31007593840000,Sarah Jones,GB82WEST12345698765432,"
    "Travis Jones,900.00,EUR,wire,RO,GB,debt Sarah Jones\n"
    "T2,2024-03-04T09:00:00Z,ES9121000418450200051332,Maria Lopez,GB82WEST12345698765432,"
    "Travis Jones,450.00,EUR,wire,ES,GB,debt\n"
)
CHAT = (
    "12/03/2024, 10:05 - Sarah Jones: Hi La Tia, I am at the Safe Haven Shelter now\n"
    "12/03/2024, 10:07 - Travis Jones: Bring your passport. Your debt is 2000 euros.\n"
    "12/03/2024, 10:09 - Sarah Jones: I cannot pay, he keeps my passport\n"
)
STATEMENT = (
    "Witness statement of Sarah Jones, born 12 April 1998 (12/04/1998), "
    "phone 0721 555 123, e-mail sarah.jones88@mail.test, Instagram @sarahj98.\n"
    "She now stays at the Safe Haven Shelter; before that she lived at 12 Rose Street, "
    "Springfield.\n"
    "Sarah said Travis Jones took her passport and said she owed him a debt of 2000 euros. "
    "She was forced to work seven days a week without pay. Maria Rusu travelled on the "
    "same bus. Maria Lopez, born 03/07/2001, was also recruited by Travis Jones; Maria "
    "told Jones she wanted to go home. Ms Jones could not leave the flat.\n"
    "Contact for the victim: sjones.work@mail.test.\n"
)


@dataclass
class LeakCase:
    reference: str
    victim_ids: list[int]
    suspect_id: int
    evidence_ids: dict[str, int]
    unit_id: int = 0
    user_ids: list[int] = field(default_factory=list)
    tokens: list[str] = field(default_factory=list)
    patterns: list[re.Pattern[str]] = field(default_factory=list)
    photo_ids: list[int] = field(default_factory=list)  # the victim's first

    def leaks(self, text: str) -> list[str]:
        """The sealed tokens found in ``text`` (other people's full names removed first)."""
        text = " ".join(text.split())  # a PDF's line breaks fall inside names
        for other in OTHER_PEOPLE:
            text = re.sub(rf"\b{re.escape(other)}\b", " ", text, flags=re.IGNORECASE)
        return [p.pattern for p in self.patterns if p.search(text)]


def evidence_folder(root: Path) -> Path:
    folder = root / "evidence"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "trips.csv").write_text(TRIPS)
    (folder / "messages.csv").write_text(MESSAGES)
    (folder / "payments.csv").write_text(PAYMENTS)
    (folder / "WhatsApp Chat with Sarah Jones.txt").write_text(CHAT)
    (folder / "statement_sarah_jones.txt").write_text(STATEMENT)
    return folder


def build(ctx: Context, prosecutor: Actor, unit_id: int, root: Path) -> LeakCase:
    cases.create_case(
        ctx,
        prosecutor,
        reference=REFERENCE,
        title="Leak matrix case",
        jurisdiction="US",
        unit_id=unit_id,
        typology="escort_ads",
        statutes=["us-18-1591"],
        opened_on=date(2024, 3, 1),
    )
    sarah = cases.add_person(
        ctx,
        prosecutor,
        REFERENCE,
        kind="victim",
        name="Sarah Jones",
        aliases=["La Tia"],
        sealed_fields={
            "date_of_birth": "1998-04-12",
            "phone": "+40 721 555 123",
            "email": "sarah.jones88@mail.test",
            "handle": "@sarahj98",
            "address": "12 Rose Street, Springfield",
            "shelter": "Safe Haven Shelter",
        },
        identifiers=[("phone", "+40721555123")],
    )
    maria = cases.add_person(
        ctx,
        prosecutor,
        REFERENCE,
        kind="victim",
        name="Maria Lopez",
        sealed_fields={"date_of_birth": "2001-07-03"},
    )
    travis = cases.add_person(
        ctx,
        prosecutor,
        REFERENCE,
        kind="suspect",
        name="Travis Jones",
        identifiers=[("phone", "+447700900123")],
    )
    cases.add_charge(ctx, prosecutor, REFERENCE, person_id=travis.id, statute_id="us-18-1591")
    with ctx.db.session() as session:  # a free-text summary, as investigators write them
        case = session.scalar(select(Case).where(Case.reference == REFERENCE))
        assert case is not None
        case.summary = "Sarah Jones (born 12/04/1998) was recruited by Travis Jones."
    with ctx.db.session() as session:  # the advocate's contact notes and where she is safe
        caseload.add_contact(
            session,
            prosecutor,
            person_id=sarah.id,
            on=date(2024, 3, 5),
            kind="visit",
            notes="Visited Sarah Jones at the Safe Haven Shelter; phone 0721 555 123.",
        )
        caseload.set_witness_status(
            session, prosecutor, person_id=sarah.id, location="Safe Haven Shelter"
        )
    photo_ids = _people_extras(ctx, prosecutor, sarah.id, travis.id)
    report = ingest.ingest_path(ctx, prosecutor, REFERENCE, evidence_folder(root))
    assert all(f.status == "loaded" for f in report.files), report.files
    # One more file through the browser's path, a background job: its name carries
    # the victim's, so the Jobs pages are read for her identity too.
    job_id = ingest_jobs.submit_upload(
        ctx,
        prosecutor,
        REFERENCE,
        [
            (
                "Sarah Jones intake.txt",
                io.BytesIO(b"Sarah Jones said the boss kept her passport."),
            )
        ],
    )
    jobs.ensure_local_worker(ctx)
    assert jobs.wait_for(ctx, job_id) == "done"
    evidence = {e.original_name: e.id for e in cases.list_evidence(ctx, SYSTEM, REFERENCE)}
    with ctx.db.session() as session:  # for the administration pages' own ids
        unit_id = session.scalar(select(Case.unit_id).where(Case.reference == REFERENCE))
        user_ids = list(session.scalars(select(User.id).order_by(User.id)))
    leak = LeakCase(
        REFERENCE, [sarah.id, maria.id], travis.id, evidence, int(unit_id or 0), user_ids
    )
    leak.tokens, leak.patterns = sealed_tokens(ctx)
    leak.photo_ids = photo_ids
    return leak


def _png(text: str) -> bytes:
    """A small PNG whose metadata names the person (as a phone's photo would)."""
    import io

    from PIL import Image, PngImagePlugin

    info = PngImagePlugin.PngInfo()
    info.add_text("Description", text)
    out = io.BytesIO()
    Image.new("RGB", (32, 32), "grey").save(out, format="PNG", pnginfo=info)
    return out.getvalue()


def _people_extras(ctx: Context, prosecutor: Actor, victim: int, suspect: int) -> list[int]:
    """An organisation both are linked to, and a photo of each: the victim's is hers only
    for roles that may see her identity."""
    org = organisations.add_organisation(
        ctx, prosecutor, REFERENCE, name="Blue Door Lounge LLC", kind="venue", country="US"
    )
    for pid, relation in ((suspect, "owner"), (victim, "resident")):
        organisations.link_person(
            ctx, prosecutor, REFERENCE, person_id=pid, organisation_id=org, relation=relation
        )
    hers = person_photos.upload_photo(
        ctx,
        prosecutor,
        REFERENCE,
        victim,
        data=_png("Sarah Jones, 1998"),
        file_name="Sarah Jones.png",
    )
    his = person_photos.upload_photo(
        ctx, prosecutor, REFERENCE, suspect, data=_png("suspect"), file_name="suspect.png"
    )
    return [hers, his]


def _date_forms(raw: str) -> list[str]:
    forms: list[str] = []
    for y, m, d in parse_date(raw):
        try:
            day = date(y, m, d)
        except ValueError:  # the other reading of a date whose day is over 12
            continue
        forms += [
            day.isoformat(),
            f"{y}-{d:02d}-{m:02d}",  # the other reading of an ambiguous date, normalised
            f"{d:02d}/{m:02d}/{y}",
            f"{m:02d}/{d:02d}/{y}",
            f"{d:02d}.{m:02d}.{y}",
            f"{d} {day:%B} {y}",
            f"{day:%B} {d}, {y}",
        ]
    return forms


def sealed_tokens(ctx: Context) -> tuple[list[str], list[re.Pattern[str]]]:
    """Every token of every sealed identity of the case, read from the sealed data."""
    with ctx.db.session() as session:
        case_id = session.scalar(select(Case.id).where(Case.reference == REFERENCE))
        assert case_id is not None
        sealed = identities.case_identities(ctx, session, case_id, actor=SYSTEM, purpose="test")
    tokens: list[str] = []
    patterns: list[re.Pattern[str]] = []
    for identity in sealed:
        t = identity.tokens()
        words = [
            w
            for n in t.names
            for w in re.split(r"[\s,.'-]+", n)
            if len(w) >= 3 and w.lower() not in _PARTICLES
        ]
        literal = [*t.names, *words, *t.emails, *(h.lstrip("@") for h in t.handles)]
        literal += [*t.addresses, *(a.split(",")[0] for a in t.addresses), *t.locations]
        for raw in t.dates_of_birth:
            literal += _date_forms(raw)
        tokens += literal
        patterns += [
            re.compile(rf"(?<![^\W_]){re.escape(v)}(?![^\W_])", re.IGNORECASE) for v in literal if v
        ]
        for phone in t.phones:
            digits = re.sub(r"\D", "", phone)[-9:]
            tokens.append(phone)
            patterns.append(re.compile(r"[\s().-]?".join(digits)))
    return tokens, patterns
