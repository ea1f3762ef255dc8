"""Large synthetic cases made with numpy, for the network and money benchmarks.

Not a simulator of trafficking (see :mod:`palermo.simulate`): it produces volume
with realistic shape (call groups, heavy-tailed merchants, cash, cross-border
transfers) and plants known money patterns so recall can be checked at scale.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from palermo.analysis.data import (
    CHANNELS,
    DAY,
    CaseBuilder,
    CaseData,
    Coded,
    Person,
    RangeIds,
)
from palermo.law.facts import Fact

T0 = 1_704_067_200  # 2024-01-01
REFERENCES = (
    "invoice",
    "salary",
    "rent",
    "groceries",
    "loan repayment",
    "gift",
    "school fees",
    "utilities",
    "phone bill",
    "car repair",
    "dinner",
    "subscription",
    "refund",
    "tickets",
    "family support",
    "services",
    "deposit",
    "transfer",
    "fees",
    "misc",
)
COUNTRIES = ("ES", "RO", "BG", "GB", "MA", "FR", "DE", "NG", "US")


@dataclass(slots=True)
class Planted:
    cycles: list[list[str]] = field(default_factory=list)
    structuring: list[list[str]] = field(default_factory=list)


def synthetic_case(
    n_calls: int,
    n_payments: int,
    *,
    seed: int = 0,
    n_persons: int = 20_000,
    group_size: int = 100,
    plant: int = 50,
) -> tuple[CaseData, Planted]:
    rng = np.random.default_rng(seed)
    b = CaseBuilder()
    kinds = np.full(n_persons, "other", dtype=object)
    kinds[:40] = "suspect"
    kinds[40:240] = "victim"
    kinds[240:245] = "official"
    n_phones = n_persons + 50_000
    n_accounts = n_persons + 100_000
    merchants = 2_000
    phones = [f"+3460{i:07d}" for i in range(n_phones)]
    accounts = [f"ES{i:020d}" for i in range(n_accounts)] + [""]  # "" = cash
    for i in range(n_persons):
        b.add_person(
            Person(
                f"P{i:05d}",
                f"Person {i}",
                str(kinds[i]),
                phones=(phones[i],),
                accounts=(accounts[i],),
            )
        )
    # Calls: 85% inside a group of about `group_size` phones; active phones call more.
    group = rng.permutation(n_phones) // group_size
    members = np.argsort(group, kind="stable")
    n_groups = int(group.max()) + 1
    activity = rng.pareto(1.5, n_phones) + 1
    caller = rng.choice(n_phones, n_calls, p=activity / activity.sum())
    same = rng.random(n_calls) < 0.85
    start = np.searchsorted(group[members], group[caller])
    within = members[np.minimum(start + rng.integers(0, group_size, n_calls), n_phones - 1)]
    callee = np.where(same, within, rng.integers(0, n_phones, n_calls))
    t_calls = T0 + rng.integers(0, 365 * DAY, n_calls)
    b.add_calls_indexed(
        RangeIds("CL", n_calls), t_calls, phones, caller, callee, rng.integers(5, 900, n_calls)
    )
    del n_groups
    # Payments: merchants get a heavy tail of small card payments.
    payer = rng.integers(0, n_accounts - merchants, n_payments)
    to_merchant = rng.random(n_payments) < 0.35
    merchant = (n_accounts - merchants) + np.minimum(rng.zipf(1.6, n_payments) - 1, merchants - 1)
    payee = np.where(to_merchant, merchant, rng.integers(0, n_accounts, n_payments))
    amount = np.where(
        to_merchant, rng.lognormal(3.0, 0.8, n_payments), rng.lognormal(5.5, 1.2, n_payments)
    ).round(2)
    u = rng.random(n_payments)
    channel = np.select(
        [to_merchant, u < 0.03, u < 0.05, u < 0.10],
        [
            CHANNELS.index("card"),
            CHANNELS.index("cash"),
            CHANNELS.index("mto"),
            CHANNELS.index("wire"),
        ],
        CHANNELS.index("bank"),
    ).astype(np.int32)
    cash = len(accounts) - 1
    payer = np.where(channel == CHANNELS.index("cash"), cash, payer)
    cfrom = np.zeros(n_payments, np.int64)
    cto = np.where(rng.random(n_payments) < 0.08, rng.integers(1, len(COUNTRIES), n_payments), 0)
    t_pay = T0 + rng.integers(0, 365 * DAY, n_payments)
    ids: list[str] = []
    planted = Planted()
    # Plant cycles (A -> B -> C -> A, 2% skimmed per hop) and structuring (3 x 9,5xx cash).
    extra_src, extra_dst, extra_amt, extra_t, extra_ch = [], [], [], [], []
    k = n_payments
    for j in range(plant):
        a, bb, c = rng.integers(0, n_accounts - merchants, 3).tolist()
        t = T0 + int(rng.integers(0, 300 * DAY))
        amt = float(rng.uniform(8_000, 15_000))
        cyc = []
        for s_, d_ in ((a, bb), (bb, c), (c, a)):
            extra_src.append(s_)
            extra_dst.append(d_)
            extra_amt.append(round(amt, 2))
            extra_t.append(t)
            extra_ch.append(CHANNELS.index("wire"))
            cyc.append(f"TX{k + 1:09d}")
            k += 1
            amt *= 0.98
            t += DAY
        planted.cycles.append(cyc)
        target = int(rng.integers(0, n_accounts - merchants))
        t = T0 + int(rng.integers(0, 300 * DAY))
        st = []
        for d in range(3):
            extra_src.append(cash)
            extra_dst.append(target)
            extra_amt.append(round(float(rng.uniform(9_000, 9_990)), 2))
            extra_t.append(t + d * DAY)
            extra_ch.append(CHANNELS.index("cash"))
            st.append(f"TX{k + 1:09d}")
            k += 1
        planted.structuring.append(st)
        del j
    n_extra = len(extra_src)
    payer = np.r_[payer, np.asarray(extra_src, np.int64)]
    payee = np.r_[payee, np.asarray(extra_dst, np.int64)]
    amount = np.r_[amount, np.asarray(extra_amt, np.float64)]
    t_pay = np.r_[t_pay, np.asarray(extra_t, np.int64)]
    channel = np.r_[channel, np.asarray(extra_ch, np.int32)]
    cfrom = np.r_[cfrom, np.zeros(n_extra, np.int64)]
    cto = np.r_[cto, np.zeros(n_extra, np.int64)]
    refs = Coded(REFERENCES, rng.integers(0, len(REFERENCES), len(payer)))
    del ids
    b.add_payments_indexed(
        RangeIds("TX", len(payer)),
        t_pay,
        accounts,
        payer,
        payee,
        amount,
        currency="EUR",
        channels=channel,
        countries=COUNTRIES,
        country_from_idx=cfrom,
        country_to_idx=cto,
        references=refs,
    )
    # Trips: victims booked by suspects' phones; others by themselves.
    n_trips = 10_000
    trav = rng.integers(0, n_persons, n_trips)
    trav[:400] = rng.integers(40, 240, 400)
    booker = np.where(np.arange(n_trips) < 400, rng.integers(0, 40, n_trips), trav)
    b.add_trips(
        [f"BK{i:09d}" for i in range(n_trips)],
        T0 + rng.integers(0, 365 * DAY, n_trips),
        [f"P{i:05d}" for i in trav.tolist()],
        ["Sofia"] * n_trips,
        ["Madrid"] * n_trips,
        [phones[i] for i in booker.tolist()],
        [accounts[i] for i in booker.tolist()],
        rng.uniform(30, 400, n_trips).round(2),
    )
    concepts = ("act.recruitment", "means.threat", "act.harbouring", "purpose.forced_labour")
    for i in range(400):
        s = int(rng.integers(0, 40))
        v = int(rng.integers(40, 240))
        b.add_fact(
            Fact(
                f"F{i:05d}",
                concepts[i % 4],
                f"P{s:05d}",
                f"P{v:05d}",
                "suggested",
                f"chat:{i}",
                "chat",
            )
        )
    return b.build(), planted
