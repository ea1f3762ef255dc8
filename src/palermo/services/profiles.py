"""Column mapping profiles of a unit: list, save, find by header, preview a file.

A unit's profiles are reached through one of its cases (the actor's membership and
role decide, as for every case action): reading them needs the case, saving one needs
the right to ingest into it. Every save is audited.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from palermo.ingest.options import LoadOptions
from palermo.ingest.profiles import (
    Profile,
    ProfileError,
    builtin_profiles,
    from_document,
    match,
)
from palermo.ingest.readers.base import ReadContext, ReadError
from palermo.ingest.readers.structured import StructuredReader
from palermo.security import audit
from palermo.security.permissions import Actor, Permission
from palermo.services.access import open_case
from palermo.services.context import Context
from palermo.services.errors import InvalidInput
from palermo.store.models.formats import MappingProfile

PREVIEW_ROWS = 10


def unit_profiles(session: Session, unit_id: int) -> list[Profile]:
    """The unit's saved profiles, then the built-in ones."""
    saved = [
        from_document(row.mapping)
        for row in session.scalars(
            select(MappingProfile)
            .where(MappingProfile.unit_id == unit_id)
            .order_by(MappingProfile.name)
        )
    ]
    return [*saved, *builtin_profiles()]


def list_profiles(ctx: Context, actor: Actor, reference: str) -> list[Profile]:
    with ctx.db.session() as session:
        case = open_case(ctx, session, actor, reference)
        return unit_profiles(session, case.unit_id)


def get_profile(ctx: Context, actor: Actor, reference: str, name: str) -> Profile:
    for profile in list_profiles(ctx, actor, reference):
        if profile.name == name:
            return profile
    raise InvalidInput(f"no mapping profile named {name!r}")


def save_profile(ctx: Context, actor: Actor, reference: str, document: Any) -> Profile:
    """Validate and save (or replace) a profile for the case's unit."""
    try:
        profile = from_document(document)
    except ProfileError as exc:
        raise InvalidInput(f"mapping profile: {exc}") from exc
    if any(p.name == profile.name for p in builtin_profiles()):
        raise InvalidInput(f"{profile.name!r} is a built-in profile's name; choose another")
    with ctx.db.session() as session:
        case = open_case(ctx, session, actor, reference, Permission.INGEST)
        row = session.scalar(
            select(MappingProfile).where(
                MappingProfile.unit_id == case.unit_id, MappingProfile.name == profile.name
            )
        )
        if row is None:
            row = MappingProfile(unit_id=case.unit_id, name=profile.name)
            session.add(row)
        row.kind = profile.kind
        row.fingerprint = profile.fingerprint
        row.mapping = profile.to_document()
        row.created_by = actor.user_id
        session.flush()
        audit.record(
            session,
            actor=actor,
            action="profile.save",
            case_id=case.id,
            object_type="mapping_profile",
            object_id=row.id,
            details={"name": profile.name, "kind": profile.kind, "columns": profile.columns},
        )
    return profile


def profile_for_header(session: Session, unit_id: int, header: list[str]) -> Profile | None:
    return match(header, unit_profiles(session, unit_id))


@dataclass(frozen=True)
class Preview:
    """The first rows of a file as a profile reads them, or the problem."""

    header: list[str]
    rows: list[dict[str, Any]]
    bad: list[str]
    problem: str | None = None


def preview(path: Path, profile: Profile, options: LoadOptions, region: str = "US") -> Preview:
    """Read the first rows of ``path`` with ``profile``: what ingest would store."""
    reader = StructuredReader(profile.kind)
    context = ReadContext(
        default_region=region,
        display_name=path.name,
        decimal=options.decimal or profile.decimal,
        date_order=options.date_order or profile.date_order,
        profile=profile,
    )
    rows: list[dict[str, Any]] = []
    try:
        stream = reader.rows(path, context)
        try:
            for row in _first(stream.rows, PREVIEW_ROWS):
                line, _kind, when, source, target, amount, currency = row[:7]
                rows.append(
                    {
                        "line": line,
                        "when": when.strftime("%Y-%m-%d %H:%M:%S UTC") if when else "",
                        "from": source or "",
                        "to": target or "",
                        "amount": str(amount) if amount is not None else "",
                        "currency": currency or "",
                        "channel": row[8] or "",
                    }
                )
        finally:
            stream.rows.close()  # type: ignore[attr-defined]
    except ReadError as exc:
        return Preview(list(profile.header), rows, [], str(exc))
    return Preview(list(profile.header), rows, [str(b) for b in stream.bad_rows.rows[:20]])


def _first(records: Iterator[Any], n: int) -> Iterator[Any]:
    for i, record in enumerate(records):
        if i >= n:
            return
        yield record


@dataclass(frozen=True)
class MapSource:
    """A file of the case to map: its id, name, header and where its bytes are."""

    evidence_file_id: int
    name: str
    header: list[str]
    path: Path
    region: str = "US"  # the case's default region (phone numbers, the locale prior)


def map_source(ctx: Context, actor: Actor, reference: str, evidence_file_id: int) -> MapSource:
    """A delimited file of the case whose columns are to be mapped (needs INGEST)."""
    from palermo.ingest.readers.structured import sniff_header
    from palermo.services.ingest import plain_copy
    from palermo.store.models import EvidenceFile

    with ctx.db.session() as session:
        case = open_case(ctx, session, actor, reference, Permission.INGEST)
        evidence = session.get(EvidenceFile, evidence_file_id)
        if evidence is None or evidence.case_id != case.id:
            raise InvalidInput("no such evidence file in this case")
        name = evidence.original_name
        region = case.default_region or "US"
        # Decrypted under the file's own name (readers sniff by it too); swept after a day.
        view = plain_copy(ctx, session, evidence)
    header = sniff_header(view)
    if not header:
        raise InvalidInput(f"{name} is not a delimited text file: there are no columns to map")
    return MapSource(evidence_file_id, name, header, view, region)


def suggested_columns(kind: str, header: list[str]) -> dict[str, str]:
    """Palermo column -> source column, guessed from the known header names."""
    from palermo.ingest.profiles import header_key, source_names
    from palermo.ingest.readers.structured import ALIASES

    names = source_names(header)
    guess: dict[str, str] = {}
    for canonical, aliases in ALIASES[kind].items():
        accepted = {canonical, *aliases}
        for name, cell in zip(names, header, strict=True):
            if header_key(cell) in accepted and name not in guess.values():
                guess[canonical] = name
                break
    return guess


def preview_file(source: MapSource, profile: Profile, options: LoadOptions, region: str) -> Preview:
    return preview(source.path, profile, options, region)
