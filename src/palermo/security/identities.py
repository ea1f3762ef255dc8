"""The one way to open a victim's sealed identity, or to get a redactor for a case.

Every service that needs a victim's name, aliases, date of birth, phones, addresses,
e-mails, handles or places (to show them to a role allowed to see them, to match them in
evidence, or to hide them from everyone else) asks this module. It fails closed: when a
sealed identity cannot be opened (a wrong or missing key, tampered data) it raises
:class:`IdentityUnavailable`, which stops the request with a plain explanation (HTTP 503
on the web, a message and a non-zero exit in the CLI), and it writes an
``identity.unseal_failed`` audit entry. It never carries on "with no names known": a
redactor that knows no names hides nothing.

The audit entry is written in its own transaction *after* the caller's transaction has
ended (committed or, as usual when the error propagates, rolled back), so that it is not
rolled back with the work, and so that it never waits on a lock that the caller's own
transaction holds.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import event, select
from sqlalchemy.orm import Session, object_session

from palermo.security import audit
from palermo.security.permissions import Actor, Permission
from palermo.security.redaction import IdentityTokens, Redactor
from palermo.security.sealing import SealError, person_context
from palermo.services.errors import ServiceError
from palermo.store.models import Identifier, Person

if TYPE_CHECKING:
    from palermo.services.context import Context

UNSEAL_FAILED = "identity.unseal_failed"
_log = logging.getLogger(__name__)

# Sealed-field names, singular or plural, for each kind of token.
_FIELDS: dict[str, tuple[str, ...]] = {
    "dates_of_birth": ("date_of_birth", "dates_of_birth", "dob", "birth_date"),
    "phones": ("phone", "phones", "phone_number", "phone_numbers", "mobile"),
    "emails": ("email", "emails", "e_mail", "email_address"),
    "handles": ("handle", "handles", "username", "usernames", "online_handles"),
    "addresses": ("address", "addresses", "home_address"),
    "locations": ("location", "locations", "shelter", "shelters", "place", "places"),
}
_NOT_TOKENS = {"name", "aliases"}
_IDENTIFIER_KINDS = {"phone": "phones", "email": "emails", "handle": "handles"}


class IdentityUnavailable(ServiceError):
    """A sealed identity could not be opened: the request stops, nothing is shown."""

    def __init__(self, case_id: int, pseudonym: str, reason: str) -> None:
        self.case_id = case_id
        self.pseudonym = pseudonym
        self.reason = reason
        super().__init__(
            f"The sealed identity of {pseudonym} cannot be opened ({reason}). Nothing is "
            "shown until it can: the data directory's secret key is probably not the one "
            "the identities were sealed with. Restore the right key (PALERMO_SECRET_KEY or "
            "the data directory's secret.key) and try again; the failure is in the audit log."
        )


@dataclass(frozen=True, slots=True)
class SealedIdentity:
    """A victim's identity, unsealed: only ever held in memory for one request."""

    person_id: int
    case_id: int
    pseudonym: str
    name: str
    aliases: tuple[str, ...]
    fields: dict[str, Any]
    identifiers: tuple[tuple[str, str], ...] = ()  # (kind, value) attached to the person

    @property
    def names(self) -> list[str]:
        return [n for n in [self.name, *self.aliases] if n]

    def tokens(self) -> IdentityTokens:
        """Everything of this identity that a redactor must hide."""
        found: dict[str, list[str]] = {key: [] for key in _FIELDS}
        details: list[str] = []
        for key, value in self.fields.items():
            if key in _NOT_TOKENS:
                continue
            kind = next((k for k, names in _FIELDS.items() if key.lower() in names), None)
            values = _strings(value)
            if kind is not None:
                found[kind] += values
            else:  # an unknown sealed field is hidden too (fail closed)
                details += [v for v in values if len(v.strip()) >= 4]
        for kind, value in self.identifiers:
            target = _IDENTIFIER_KINDS.get(kind)
            if target is not None:
                found[target].append(value)
            elif len(value.strip()) >= 4:
                details.append(value)
        return IdentityTokens(
            pseudonym=self.pseudonym,
            names=tuple(self.names),
            dates_of_birth=tuple(found["dates_of_birth"]),
            phones=tuple(found["phones"]),
            emails=tuple(found["emails"]),
            handles=tuple(found["handles"]),
            addresses=tuple(found["addresses"]),
            locations=tuple(found["locations"]),
            details=tuple(details),
        )


def _strings(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, list | tuple | set):
        return [s for v in value for s in _strings(v)]
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    text = str(value).strip()
    return [text] if text else []


def _audit_after(
    ctx: Context,
    session: Session | None,
    actor: Actor,
    error: IdentityUnavailable,
    person_id: int,
    purpose: str,
) -> None:
    def write() -> None:
        with ctx.db.session() as own:
            audit.record(
                own,
                actor=actor,
                action=UNSEAL_FAILED,
                case_id=error.case_id,
                object_type="person",
                object_id=person_id,
                details={"pseudonym": error.pseudonym, "purpose": purpose, "reason": error.reason},
            )

    if session is None or not session.in_transaction():
        write()
        return
    # Once the caller's transaction is over (its locks released), whichever way it ends.
    event.listen(session, "after_transaction_end", _once(write), once=True)


def _once(write: Callable[[], None]) -> Callable[[Session, Any], None]:
    def listener(session: Session, transaction: Any) -> None:
        if transaction.parent is not None:  # a nested transaction ended: wait for the outer
            event.listen(session, "after_transaction_end", _once(write), once=True)
            return
        try:
            write()
        except Exception:  # never hide the error that stops the request behind this one
            _log.exception("could not audit a sealed identity that failed to open")

    return listener


def unseal(
    ctx: Context,
    person: Person,
    *,
    actor: Actor,
    purpose: str,
    session: Session | None = None,
    identifiers: Sequence[tuple[str, str]] = (),
) -> SealedIdentity:
    """The unsealed identity of a victim (a person with a sealed identity).

    Raises :class:`IdentityUnavailable` (and audits it) when it cannot be opened. For a
    person whose identity is not sealed, the plain name and aliases are returned."""
    if person.sealed_identity is None:
        return SealedIdentity(
            person.id,
            person.case_id,
            person.pseudonym,
            person.name or "",
            tuple(person.aliases or []),
            {},
            tuple(identifiers),
        )
    try:
        fields = ctx.sealer.unseal(
            person.sealed_identity, person_context(person.case_id, person.pseudonym)
        )
    except SealError as exc:
        error = IdentityUnavailable(person.case_id, person.pseudonym, str(exc))
        _audit_after(ctx, session or object_session(person), actor, error, person.id, purpose)
        raise error from exc
    return SealedIdentity(
        person_id=person.id,
        case_id=person.case_id,
        pseudonym=person.pseudonym,
        name=str(fields.get("name") or ""),
        aliases=tuple(str(a) for a in fields.get("aliases") or [] if a),
        fields=fields,
        identifiers=tuple(identifiers),
    )


def case_identities(
    ctx: Context, session: Session, case_id: int, *, actor: Actor, purpose: str
) -> list[SealedIdentity]:
    """Every sealed identity of a case, unsealed, with the identifiers attached to each."""
    people = list(
        session.scalars(
            select(Person)
            .where(Person.case_id == case_id, Person.sealed_identity.is_not(None))
            .order_by(Person.id)
        )
    )
    if not people:
        return []
    attached: dict[int, list[tuple[str, str]]] = {}
    for kind, value, person_id in session.execute(
        select(Identifier.kind, Identifier.value, Identifier.person_id).where(
            Identifier.case_id == case_id,
            Identifier.person_id.in_([p.id for p in people]),
        )
    ):
        if person_id is not None:
            attached.setdefault(int(person_id), []).append((str(kind), str(value)))
    return [
        unseal(
            ctx,
            p,
            actor=actor,
            purpose=purpose,
            session=session,
            identifiers=attached.get(p.id, ()),
        )
        for p in people
    ]


def open_names(session: Session, case_id: int) -> list[str]:
    """Full names and aliases of the case's people whose identity is not sealed."""
    out: list[str] = []
    for name, aliases in session.execute(
        select(Person.name, Person.aliases).where(
            Person.case_id == case_id, Person.sealed_identity.is_(None)
        )
    ):
        out += [n for n in [name, *(aliases or [])] if n]
    return out


def build_redactor(identities: Iterable[SealedIdentity], keep: Iterable[str] = ()) -> Redactor:
    return Redactor((i.tokens() for i in identities), keep=keep)


def redactor_for(
    ctx: Context,
    session: Session,
    case_id: int,
    actor: Actor,
    *,
    purpose: str,
    always: bool = False,
) -> Redactor | None:
    """The redactor for what ``actor`` is shown of a case: None when the actor may see
    identities (unless ``always``: views that hide victims from everyone), else a
    redactor of every sealed identity's tokens. Raises :class:`IdentityUnavailable`."""
    if not always and actor.can(Permission.SEE_VICTIM_IDENTITY):
        return None
    identities = case_identities(ctx, session, case_id, actor=actor, purpose=purpose)
    return build_redactor(identities, keep=open_names(session, case_id))
