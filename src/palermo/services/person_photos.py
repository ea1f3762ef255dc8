"""Photos of a person: uploaded (JPEG or PNG, checked against the image limits of
evidence ingest), stored encrypted with the case's data key like evidence files, with a
thumbnail stored the same way.

A photo of a victim (a person whose identity is sealed) is part of her identity: only
roles that may see victims' identities upload or see it; anyone else is refused (HTTP
403), and a photo that cannot be decrypted stops the request (HTTP 503), never shown
half. Every upload and every view is audited; file names stay encrypted and out of logs.
"""

from __future__ import annotations

import io
import os
import uuid
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from palermo.ingest.limits import DocumentLimits, LimitExceeded, check_image
from palermo.security import audit
from palermo.security.identities import IdentityUnavailable
from palermo.security.permissions import Actor, Permission
from palermo.security.sealing import SealError
from palermo.services.access import open_case
from palermo.services.context import Context
from palermo.services.errors import NotFound, PermissionDenied
from palermo.services.fields import FieldError, FieldErrors
from palermo.store.models import Case, EvidenceFile, Person, PersonKind
from palermo.store.models.people import PersonPhoto

MAX_PHOTO_BYTES = 20 * 1024 * 1024
THUMBNAIL_PIXELS = 240
MEDIA_TYPES = {"JPEG": "image/jpeg", "PNG": "image/png"}


@dataclass(frozen=True, slots=True)
class PhotoView:
    id: int
    media_type: str
    width: int
    height: int
    size: int
    uploaded_at: datetime


def is_sealed(person: Person) -> bool:
    """Whether the person's photo is part of a sealed identity (a victim's)."""
    return person.sealed_identity is not None or person.kind == PersonKind.VICTIM.value


def may_see_photos(actor: Actor, person: Person) -> bool:
    return not is_sealed(person) or actor.can(Permission.SEE_VICTIM_IDENTITY)


def _person(session: Session, case: Case, person_id: int) -> Person:
    person = session.get(Person, person_id)
    if person is None or person.case_id != case.id:
        raise NotFound(f"person {person_id} not found in case '{case.reference}'")
    return person


def photos_of(session: Session, person_id: int) -> list[PhotoView]:
    return [
        PhotoView(p.id, p.media_type, p.width, p.height, p.size, p.uploaded_at)
        for p in session.scalars(
            select(PersonPhoto).where(PersonPhoto.person_id == person_id).order_by(PersonPhoto.id)
        )
    ]


@dataclass(frozen=True, slots=True)
class _Image:
    media_type: str
    width: int
    height: int
    thumbnail: bytes


def _check_image(ctx: Context, data: bytes, name: str) -> _Image:
    """The image's type, size and thumbnail; FieldErrors naming the file when refused."""
    from PIL import Image, UnidentifiedImageError

    def refuse(message: str) -> FieldErrors:
        return FieldErrors([FieldError("photo", message)], f"photo {name}")

    if not data:
        raise refuse(f"{name} is empty")
    if len(data) > MAX_PHOTO_BYTES:
        raise refuse(f"{name} is larger than {MAX_PHOTO_BYTES // (1024 * 1024)} MB")
    limits = DocumentLimits.from_settings(ctx.settings)
    work = _temp_file(ctx, data)
    try:
        try:
            check_image(work, limits)
        except LimitExceeded as exc:
            raise refuse(f"{name}: {exc}") from None
        try:
            with Image.open(work) as probe:
                kind = probe.format or ""
                probe.verify()
            if kind not in MEDIA_TYPES:
                raise refuse(f"{name} is a {kind or 'unknown'} file; upload a JPEG or PNG image")
            with Image.open(work) as image:
                width, height = image.size
                if kind == "JPEG":  # decode at a reduced scale: a thumbnail needs no more
                    image.draft("RGB", (THUMBNAIL_PIXELS, THUMBNAIL_PIXELS))
                image.thumbnail((THUMBNAIL_PIXELS, THUMBNAIL_PIXELS))
                small = image.convert("RGB") if kind == "JPEG" else image.convert("RGBA")
                out = io.BytesIO()
                small.save(out, format=kind)
        except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
            raise refuse(f"{name} is not a readable JPEG or PNG image ({exc})") from None
    finally:
        work.unlink(missing_ok=True)
    return _Image(MEDIA_TYPES[kind], width, height, out.getvalue())


def _temp_file(ctx: Context, data: bytes) -> Path:
    folder = ctx.settings.data_dir / "tmp"
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    path = folder / f"photo-{uuid.uuid4().hex}.part"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
    return path


def _store(ctx: Context, session: Session, case_id: int, data: bytes) -> tuple[str, str, int]:
    """Encrypt ``data`` into the evidence store: (stored path, sha256, size)."""
    from palermo.services.ingest import store_content

    cipher = ctx.keyring.case_file_cipher(session, case_id)
    work = _temp_file(ctx, data)
    try:
        stored = store_content(work, ctx.settings.evidence_dir, cipher, case_id)
    finally:
        work.unlink(missing_ok=True)
    return stored.path.relative_to(stored.path.parents[3]).as_posix(), stored.sha256, stored.size


def upload_photo(
    ctx: Context, actor: Actor, reference: str, person_id: int, *, data: bytes, file_name: str
) -> int:
    """Add a photo of a person; returns its id."""
    name = Path(file_name or "photo").name[:200] or "photo"
    with ctx.db.session() as session:
        case = open_case(ctx, session, actor, reference, Permission.EDIT_CASE)
        person = _person(session, case, person_id)
        if not may_see_photos(actor, person):
            raise PermissionDenied(
                f"your role ({actor.role.value}) cannot add a photo of a victim: it is part "
                "of her sealed identity"
            )
        image = _check_image(ctx, data, name)
        stored_path, sha, size = _store(ctx, session, case.id, data)
        thumb_path, _, _ = _store(ctx, session, case.id, image.thumbnail)
        photo = PersonPhoto(
            case_id=case.id,
            person_id=person.id,
            sha256=sha,
            size=size,
            media_type=image.media_type,
            width=image.width,
            height=image.height,
            stored_path=stored_path,
            thumb_path=thumb_path,
            original_name=name,
            uploaded_by=actor.user_id,
        )
        session.add(photo)
        session.flush()
        audit.record(
            session,
            actor=actor,
            action="photo.upload",
            case_id=case.id,
            object_type="person",
            object_id=person.id,
            details={"photo_id": photo.id, "media_type": image.media_type, "size": size},
        )
        return photo.id


@dataclass(frozen=True, slots=True)
class PhotoFile:
    content: bytes
    media_type: str


def photo_file(
    ctx: Context, actor: Actor, reference: str, photo_id: int, *, thumbnail: bool = False
) -> PhotoFile:
    """The decrypted photo (or its thumbnail). PermissionDenied for a victim's photo and a
    role that may not see victims' identities; IdentityUnavailable (HTTP 503, audited) when
    the stored file cannot be decrypted."""
    from palermo.services.ingest import read_stored

    with ctx.db.session() as session:
        case = open_case(ctx, session, actor, reference)
        photo = session.get(PersonPhoto, photo_id)
        if photo is None or photo.case_id != case.id:
            raise NotFound(f"photo {photo_id} not found in case '{reference}'")
        person = _person(session, case, photo.person_id)
        if not may_see_photos(actor, person):
            audit.record(
                session,
                actor=actor,
                action="photo.view_denied",
                case_id=case.id,
                object_type="person",
                object_id=person.id,
                details={"photo_id": photo.id},
            )
            session.commit()
            raise PermissionDenied(f"your role ({actor.role.value}) may not see a victim's photo")
        path = ctx.settings.data_dir / (photo.thumb_path if thumbnail else photo.stored_path)
        try:
            cipher = ctx.keyring.case_file_cipher(session, case.id)
            content = b"".join(read_stored(cipher, path))
        except (SealError, OSError) as exc:
            error = IdentityUnavailable(
                case.id, person.pseudonym, f"photo {photo.id} cannot be decrypted: {exc}"
            )
            pid = person.id

            def failed() -> None:
                with ctx.db.session() as own:
                    audit.record(
                        own,
                        actor=actor,
                        action="photo.unavailable",
                        case_id=error.case_id,
                        object_type="person",
                        object_id=pid,
                        details={"photo_id": photo_id},
                    )

            session.rollback()
            failed()
            raise error from exc
        audit.record(
            session,
            actor=actor,
            action="photo.view",
            case_id=case.id,
            object_type="person",
            object_id=person.id,
            details={"photo_id": photo.id, "thumbnail": thumbnail},
        )
        return PhotoFile(content, photo.media_type)


def remove_photo(ctx: Context, actor: Actor, reference: str, photo_id: int) -> None:
    """Remove a photo, and once the removal is committed erase its stored files that
    nothing else refers to (a photo of a victim must not linger on disk)."""
    with ctx.db.session() as session:
        case = open_case(ctx, session, actor, reference, Permission.EDIT_CASE)
        photo = session.get(PersonPhoto, photo_id)
        if photo is None or photo.case_id != case.id:
            raise NotFound(f"photo {photo_id} not found in case '{reference}'")
        person = _person(session, case, photo.person_id)
        if not may_see_photos(actor, person):
            raise PermissionDenied(f"your role ({actor.role.value}) may not see a victim's photo")
        files = {photo.stored_path, photo.thumb_path}
        session.delete(photo)
        session.flush()
        orphans = files - _still_referenced(session, files)
        audit.record(
            session,
            actor=actor,
            action="photo.remove",
            case_id=case.id,
            object_type="person",
            object_id=person.id,
            details={"photo_id": photo_id, "files_erased": len(orphans)},
        )
    for relative in orphans:
        (ctx.settings.data_dir / relative).unlink(missing_ok=True)


def _still_referenced(session: Session, paths: set[str]) -> set[str]:
    """Which of ``paths`` another photo or an evidence file still uses (stored content is
    addressed by its hash, so the same picture uploaded twice shares one file)."""
    used = set(
        session.scalars(select(PersonPhoto.stored_path).where(PersonPhoto.stored_path.in_(paths)))
    )
    used |= set(
        session.scalars(select(PersonPhoto.thumb_path).where(PersonPhoto.thumb_path.in_(paths)))
    )
    used |= set(
        session.scalars(select(EvidenceFile.stored_path).where(EvidenceFile.stored_path.in_(paths)))
    )
    return used


__all__ = [
    "MAX_PHOTO_BYTES",
    "PhotoFile",
    "PhotoView",
    "may_see_photos",
    "photo_file",
    "photos_of",
    "remove_photo",
    "upload_photo",
]
