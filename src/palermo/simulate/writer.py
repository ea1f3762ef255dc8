"""Stream the structured records to CSV: innocent noise merged in time order with the crime.

Noise rows are generated one at a time and never kept, so memory does not grow with the
number of records; only the (bounded) criminal records live in memory.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path

from palermo.simulate.plan import DAY, SPAN_DAYS, Case, fill
from palermo.simulate.world import account_number, load_data

HEADERS: dict[str, tuple[str, ...]] = {
    "calls": ("call_id", "started_at", "caller", "callee", "duration_s", "cell_id"),
    "messages": ("message_id", "sent_at", "sender", "recipient", "channel", "body"),
    "payments": (
        "transaction_id",
        "booked_at",
        "payer_account",
        "payer_name",
        "payee_account",
        "payee_name",
        "amount",
        "currency",
        "channel",
        "country_from",
        "country_to",
        "reference",
    ),
    "trips": (
        "booking_id",
        "departed_at",
        "traveller",
        "origin",
        "destination",
        "mode",
        "booked_by",
        "paid_by",
        "price",
        "currency",
    ),
}
ID_PREFIX = {"calls": "CL", "messages": "MS", "payments": "TX", "trips": "BK"}
PROGRESS_EVERY = 50_000

Progress = Callable[[str, int, int], None]


class Clock:
    """ISO 8601 UTC text for epoch seconds, fast: one cached prefix per day."""

    def __init__(self, case: Case) -> None:
        self.t0 = case.t0
        self.days = [
            (case.base + timedelta(days=d)).isoformat() + "T" for d in range(SPAN_DAYS + 10)
        ]

    def __call__(self, t: int) -> str:
        d, s = divmod(t - self.t0, DAY)
        h, rem = divmod(s, 3600)
        m, sec = divmod(rem, 60)
        return f"{self.days[d]}{h:02d}:{m:02d}:{sec:02d}Z"


def q(text: str) -> str:
    """A CSV field as csv.writer (QUOTE_MINIMAL) writes it."""
    if "," in text or '"' in text or "\n" in text or "\r" in text:
        return '"' + text.replace('"', '""') + '"'
    return text


_SECONDS = [f"{s:02d}Z" for s in range(60)]


def _noise_rows(kind: str, case: Case, rng: random.Random) -> Callable[[], str]:
    """A function that returns one innocent row as CSV text (without id and timestamp).

    Rows are built as text from pre-quoted pieces: this is the hot loop of the simulator.
    """
    pool = case.pool
    assert pool is not None
    rnd = rng.random
    log = math.log
    phones = pool.phones
    n_ph = len(phones)
    # named people have innocent lives too: their numbers appear in the noise
    own = [p for person in case.persons for p in person.phones]
    n_own = len(own)
    cells = pool.cells
    n_cells = len(cells)

    if kind == "calls":

        def call_row() -> str:
            a = phones[int(rnd() * n_ph)] if rnd() > 0.03 else own[int(rnd() * n_own)]
            return (
                f"{a},{phones[int(rnd() * n_ph)]},{int(-log(1.0 - rnd()) * 110.0) + 1},"
                f"{cells[int(rnd() * n_cells)]}"
            )

        return call_row

    data = load_data("text.yaml")
    if kind == "messages":
        names = pool.first_names
        bodies: list[str] = []
        for _ in range(3000):
            template = (
                rng.choice(data["chatter"])
                if rng.random() > 0.04
                else rng.choice(data["near_misses"])
            )
            bodies.append(
                q(
                    template.format(
                        first=rng.choice(names),
                        hour=f"{rng.randrange(7, 21)}:{rng.choice(['00', '30'])}",
                        small=f"{rng.randrange(5, 80)}",
                    )
                )
            )
        n_b = len(bodies)
        channels = ("sms", "sms", "whatsapp", "whatsapp", "whatsapp", "telegram", "signal")

        def msg_row() -> str:
            a = phones[int(rnd() * n_ph)] if rnd() > 0.03 else own[int(rnd() * n_own)]
            return (
                f"{a},{phones[int(rnd() * n_ph)]},{channels[int(rnd() * 7)]},"
                f"{bodies[int(rnd() * n_b)]}"
            )

        return msg_row

    spec = case.spec
    country = spec.country
    cur = spec.currency
    if kind == "payments":
        accounts = pool.accounts
        acc_names = [q(n) for n in pool.account_names]
        n_acc = len(accounts)
        acc_country = country if country != "MM" else "TH"
        merchants = [f"{account_number(rng, acc_country)},{q(m)}" for m in data["merchants"]]
        n_m = len(merchants)
        refs = [f"{cur},{{}},{country},{country},{q(r)}" for r in data["references"]["innocent"]]
        card_refs = [r.replace("{}", "card") for r in refs]
        bank_refs = [r.replace("{}", "bank") for r in refs]
        n_r = len(refs)
        gauss = rng.gauss
        exp = math.exp

        def pay_row() -> str:
            i = int(rnd() * n_acc)
            amount = exp(3.4 + 1.1 * gauss())
            if rnd() < 0.65:
                return (
                    f"{accounts[i]},{acc_names[i]},{merchants[int(rnd() * n_m)]},"
                    f"{amount:.2f},{card_refs[int(rnd() * n_r)]}"
                )
            j = int(rnd() * n_acc)
            return (
                f"{accounts[i]},{acc_names[i]},{accounts[j]},{acc_names[j]},{amount:.2f},"
                f"{bank_refs[int(rnd() * n_r)]}"
            )

        return pay_row

    places = [q(p.city) for p in spec.destinations + spec.origins]
    n_pl = len(places)
    travellers = [q(n) for n in pool.traveller_names]
    n_t = len(travellers)
    accounts = pool.accounts
    n_acc = len(accounts)
    modes = spec.modes
    n_mo = len(modes)

    def trip_row() -> str:
        o = int(rnd() * n_pl)
        d = (o + 1 + int(rnd() * (n_pl - 1))) % n_pl
        mode = modes[int(rnd() * n_mo)]
        price = 30 + rnd() * (900 if mode == "air" else 150)
        return (
            f"{travellers[int(rnd() * n_t)]},{places[o]},{places[d]},{mode},"
            f"{phones[int(rnd() * n_ph)]},{accounts[int(rnd() * n_acc)]},{price:.2f},{cur}"
        )

    return trip_row


def write_kind(
    kind: str, case: Case, total: int, out: Path, progress: Progress | None = None
) -> int:
    """Write ``kind`` with ``total`` rows (at least all criminal ones). Returns rows written."""
    crime = case.recs[kind]
    n_noise = max(0, total - len(crime))
    total = n_noise + len(crime)
    rng = random.Random(f"{case.seed}:{kind}")
    noise = _noise_rows(kind, case, rng)
    clock = Clock(case)
    prefix = ID_PREFIX[kind]
    span = SPAN_DAYS * DAY
    step = span / max(1, n_noise)
    t0 = case.t0
    rnd = rng.random
    seconds = _SECONDS
    with (out / f"{kind}.csv").open("w", newline="", encoding="utf-8") as fh:
        write = fh.write
        write(",".join(HEADERS[kind]) + "\n")
        k = 0  # next criminal record
        n_crime = len(crime)
        next_t = crime[0].t if crime else 1 << 62
        n = 0
        last_minute = -1
        minute = ""
        report = PROGRESS_EVERY
        for i in range(n_noise):
            t = t0 + int((i + rnd()) * step)  # noise times never go backwards
            while next_t <= t:
                n += 1
                rec = crime[k]
                rec.rid, rec.line = f"{prefix}{n:09d}", n + 1
                write(",".join((rec.rid, clock(rec.t), *map(q, rec.fields))) + "\n")
                k += 1
                next_t = crime[k].t if k < n_crime else 1 << 62
            n += 1
            m, sec = divmod(t, 60)
            if m != last_minute:
                last_minute, minute = m, clock(m * 60)[:-3]
            write(f"{prefix}{n:09d},{minute}{seconds[sec]},{noise()}\n")
            if n >= report:
                report += PROGRESS_EVERY
                if progress:
                    progress(kind, n, total)
        for rec in crime[k:]:
            n += 1
            rec.rid, rec.line = f"{prefix}{n:09d}", n + 1
            write(",".join((rec.rid, clock(rec.t), *map(q, rec.fields))) + "\n")
    if progress:
        progress(kind, n, total)
    return n


def record_sources(case: Case) -> Iterator[dict[str, object]]:
    """The facts carried by written records, with their source filled in."""
    for kind, recs in case.recs.items():
        for rec in recs:
            for fact in rec.facts:
                if kind == "messages":
                    source: dict[str, object] = {
                        "file": "messages.csv",
                        "row": rec.line,
                        "message_id": rec.rid,
                    }
                elif kind == "payments":
                    source = {"file": "payments.csv", "transaction_id": rec.rid, "row": rec.line}
                else:
                    source = {
                        "file": f"{kind}.csv",
                        "row": rec.line,
                        "booking_id" if kind == "trips" else "call_id": rec.rid,
                    }
                yield {
                    **{k: v for k, v in fact.items() if k != "quote"},
                    "source": source,
                    "quote": fact["quote"],
                }


__all__ = ["HEADERS", "fill", "record_sources", "write_kind"]
