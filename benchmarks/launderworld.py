"""An independent, realistic transaction world with laundering inside, for the money benchmark.

    python benchmarks/launderworld.py [dev|test] [--csv out.csv]

Not the product's simulator (``palermo.simulate`` plans trafficking cases) and not
written from the detector's thresholds: ordinary life and laundering are drawn from
published descriptions of how each looks, and the detector is measured against it.

Ordinary activity (heavy-tailed, as in AMLworld's calibration to real banking data):
payroll runs on a fixed day each month (an employer paying 3-500 staff is a fan-out
every month), rent and utilities (fan-in to landlords, letting agencies and utilities),
card purchases at merchants whose popularity follows a Zipf law, person-to-person
transfers between friends, occasional large one-off purchases (cars, deposits), cash
withdrawals, shops depositing their takings in cash (often just under 10,000), remittances
abroad, transfers to one's own savings account, and payment wallets that gather many
top-ups and settle with merchants daily (a legitimate gather-scatter hub).

Laundering attempts, each a set of transactions with one typology:

- fan-in, fan-out, cycle, scatter-gather, gather-scatter, bipartite, stack (stacked
  bipartite) and random walk, as defined by IBM's AMLSim and AMLworld:
  Altman et al., "Realistic Synthetic Financial Transactions for Anti-Money Laundering
  Models", NeurIPS 2023 Datasets and Benchmarks (https://ar5iv.labs.arxiv.org/html/2306.16424),
  and the AMLSim alert-model typologies
  (https://github.com/IBM/AMLSim/wiki/Transaction-Model:-Alert-Model);
- structuring (several cash deposits just under the reporting threshold by one or more
  "smurfs", then consolidated) and rapid movement of funds through an account
  (pass-through), after FATF, "Professional Money Laundering" (2018),
  https://www.fatf-gafi.org/publications/methodandtrends/documents/professional-money-laundering.html;
- funnel account: "an individual or business account in one geographic area that receives
  multiple cash deposits, often in amounts below the cash reporting threshold, and from
  which the funds are withdrawn in a different geographic area with little time elapsing"
  (FinCEN FIN-2014-A005, quoted in FIN-2014-A008 on human trafficking).

Every attempt starts with placement (cash deposits or a payment from an account outside
the bank's view) and may end with integration (a large purchase). Hops carry 2-12
accounts, change currency when the next account keeps another currency (converted at the
day's rate, which wanders around the annual average), lose a fee and get perturbed, and
are spaced by minutes to weeks. Launderers are drawn from a pool of ordinary customers
(who keep paying rent and buying groceries), fresh mule accounts and shell companies,
and the pool is small enough that attempts overlap on accounts.

``DEV`` is for tuning; ``TEST`` was fixed (seed and parameters) before any tuning and
is only reported on. Data is generated on demand and never stored in the repository.
"""

from __future__ import annotations

import argparse
import itertools
import sys
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

T0 = 1_672_531_200  # 2023-01-01T00:00:00Z
DAY = 86_400
HOUR = 3_600

# Units per EUR, annual averages 2023 (the product's bundled table has the same series).
RATES = {"EUR": 1.0, "USD": 1.0813, "GBP": 0.86979, "RON": 4.9467, "PLN": 4.5420, "CHF": 0.9718}
COUNTRY = {"EUR": "ES", "USD": "US", "GBP": "GB", "RON": "RO", "PLN": "PL", "CHF": "CH"}
CITIES = (
    "Madrid",
    "Sevilla",
    "Valencia",
    "Bilbao",
    "Malaga",
    "Zaragoza",
    "Murcia",
    "Granada",
    "Alicante",
    "Vigo",
    "Cordoba",
    "Toledo",
)
CHANNELS = ("bank", "wire", "mto", "cash", "card", "crypto", "other")
TYPOLOGIES = (
    "fan_in",
    "fan_out",
    "cycle",
    "scatter_gather",
    "gather_scatter",
    "stack",
    "bipartite",
    "random_walk",
    "structuring",
    "funnel",
    "pass_through",
)


@dataclass(frozen=True)
class Config:
    seed: int
    months: int
    people: int
    employers: int
    merchants: int
    landlords: int
    attempts: int
    # Currency mix of accounts (share of people keeping each currency).
    currency_mix: dict[str, float]
    fee_max: float  # fee skimmed per hop, uniform 0..fee_max
    perturb: float  # multiplicative noise per hop (sd)
    rate_wander: float  # daily rate around the annual average (sd)
    # Delay between hops: probabilities of minutes / hours / days / weeks.
    delays: tuple[float, float, float, float]
    launderer_share: float  # share of people who take part in laundering
    mule_share: float  # share of attempt participants that are fresh accounts
    amount_median: float  # EUR, per attempt
    amount_sigma: float
    typology_weights: dict[str, float] = field(default_factory=dict)


DEV = Config(
    seed=20260101,
    months=6,
    people=2000,
    employers=60,
    merchants=600,
    landlords=150,
    attempts=350,
    currency_mix={"EUR": 0.78, "USD": 0.06, "GBP": 0.06, "RON": 0.06, "PLN": 0.04},
    fee_max=0.05,
    perturb=0.02,
    rate_wander=0.015,
    delays=(0.25, 0.35, 0.30, 0.10),
    launderer_share=0.06,
    mule_share=0.3,
    amount_median=15_000,
    amount_sigma=0.9,
)

# Frozen before tuning: another seed, a larger and longer world, other currencies,
# higher fees, slower hops, a different typology mix. Do not tune on it.
TEST = Config(
    seed=77031455,
    months=7,
    people=2400,
    employers=75,
    merchants=700,
    landlords=170,
    attempts=380,
    currency_mix={"EUR": 0.74, "USD": 0.05, "GBP": 0.07, "RON": 0.05, "PLN": 0.05, "CHF": 0.04},
    fee_max=0.06,
    perturb=0.025,
    rate_wander=0.02,
    delays=(0.2, 0.3, 0.35, 0.15),
    launderer_share=0.05,
    mule_share=0.25,
    amount_median=12_000,
    amount_sigma=1.0,
    typology_weights={"cycle": 1.3, "stack": 1.2, "structuring": 0.8, "funnel": 0.8},
)

SETS = {"dev": DEV, "test": TEST}


@dataclass
class World:
    """Transactions as columns (amount in the payer's currency) and the answer key."""

    ids: list[str]
    t: npt.NDArray[np.int64]
    payer: list[str]  # "" = cash deposit
    payee: list[str]  # "" = cash withdrawal
    amount: npt.NDArray[np.float64]
    currency: list[str]
    channel: list[str]
    country_from: list[str]
    country_to: list[str]
    reference: list[str]
    attempts: list[tuple[str, list[str]]]  # (typology, transaction ids)
    config: Config

    @property
    def laundering(self) -> set[str]:
        return {x for _, tx in self.attempts for x in tx}


class _Gen:
    def __init__(self, cfg: Config) -> None:
        self.cfg = cfg
        self.rng = np.random.default_rng(cfg.seed)
        self.span = cfg.months * 30 * DAY
        self.cols: dict[str, list[Any]] = {
            k: []
            for k in (
                "t",
                "payer",
                "payee",
                "amount",
                "currency",
                "channel",
                "cfrom",
                "cto",
                "ref",
            )
        }
        self.acct_cur: dict[str, str] = {}
        self.attempts: list[tuple[str, list[int]]] = []
        self.day_rate: dict[str, npt.NDArray[np.float64]] = {}
        n_days = cfg.months * 30 + 60
        for cur, base in RATES.items():
            walk = np.cumsum(self.rng.normal(0, cfg.rate_wander / 4, n_days))
            walk = np.clip(walk - walk.mean(), -2 * cfg.rate_wander, 2 * cfg.rate_wander)
            self.day_rate[cur] = base * (1 + walk) if cur != "EUR" else np.ones(n_days)

    # -- plumbing --------------------------------------------------------------------------
    def account(self, key: str, cur: str) -> str:
        self.acct_cur[key] = cur
        return key

    def rate(self, cur: str, t: float) -> float:
        d = int(max(0, min((t - T0) // DAY, len(self.day_rate[cur]) - 1)))
        return float(self.day_rate[cur][d])

    def add(
        self,
        t: float,
        payer: str,
        payee: str,
        eur: float,
        channel: str = "bank",
        ref: str = "",
        cur: str | None = None,
        cfrom: str | None = None,
        cto: str | None = None,
    ) -> int:
        """One payment of ``eur`` (value in euros), paid in the payer's currency."""
        c = cur or self.acct_cur.get(payer) or self.acct_cur.get(payee) or "EUR"
        amount = round(eur * self.rate(c, t), 2)
        i = len(self.cols["t"])
        self.cols["t"].append(int(t))
        self.cols["payer"].append(payer)
        self.cols["payee"].append(payee)
        self.cols["amount"].append(max(amount, 0.01))
        self.cols["currency"].append(c)
        self.cols["channel"].append(channel)
        self.cols["cfrom"].append(cfrom or COUNTRY.get(self.acct_cur.get(payer, c), "ES"))
        self.cols["cto"].append(cto or COUNTRY.get(self.acct_cur.get(payee, c), "ES"))
        self.cols["ref"].append(ref)
        return i

    def add_many(
        self,
        t: npt.NDArray[Any],
        payer: list[str],
        payee: list[str],
        eur: npt.NDArray[Any],
        channel: str,
        ref: str,
    ) -> None:
        for a, b, c, d in zip(t.tolist(), payer, payee, eur.tolist(), strict=True):
            if T0 <= a < T0 + self.span:
                self.add(a, b, c, d, channel, ref)

    def cur(self) -> str:
        mix = self.cfg.currency_mix
        return str(self.rng.choice(list(mix), p=np.asarray(list(mix.values())) / sum(mix.values())))

    def delay(self) -> float:
        r = self.rng
        kind = r.choice(4, p=self.cfg.delays)
        if kind == 0:
            return float(r.uniform(2, 90) * 60)
        if kind == 1:
            return float(r.uniform(1, 24) * HOUR)
        if kind == 2:
            return float(r.uniform(1, 7) * DAY)
        return float(r.uniform(7, 21) * DAY)

    def hop(self, eur: float) -> float:
        """Value carried on by the next hop: a fee skimmed and some noise."""
        r = self.rng
        v = eur * (1 - r.uniform(0, self.cfg.fee_max)) * (1 + r.normal(0, self.cfg.perturb))
        if r.random() < 0.25:  # launderers like round sums
            v = float(np.round(v, -2)) or v
        return v

    def split(self, eur: float, k: int) -> npt.NDArray[np.float64]:
        return np.asarray(eur * self.rng.dirichlet(np.full(k, 2.0)), dtype=np.float64)

    # -- ordinary life ---------------------------------------------------------------------
    def ordinary(self) -> None:
        cfg, r = self.cfg, self.rng
        months = cfg.months
        people = [self.account(f"P{i:06d}", self.cur()) for i in range(cfg.people)]
        self.people = people
        activity = r.lognormal(0, 0.5, cfg.people)
        # Employers and payroll (monthly fan-out on a fixed day).
        emps = [self.account(f"E{i:05d}", "EUR") for i in range(cfg.employers)]
        sizes = np.clip((r.pareto(1.1, cfg.employers) + 1) * 6, 3, 500).astype(int)
        employed = r.permutation(cfg.people)[: int(cfg.people * 0.8)]
        owner = np.repeat(np.arange(cfg.employers), sizes)[: len(employed)]
        owner = np.r_[owner, r.integers(0, cfg.employers, max(0, len(employed) - len(owner)))]
        salary = r.lognormal(np.log(2200), 0.4, cfg.people)
        payday = r.integers(24, 29, cfg.employers)
        for m in range(months):
            for e in range(cfg.employers):
                staff = employed[owner == e]
                if len(staff) == 0:
                    continue
                t = T0 + (m * 30 + payday[e]) * DAY + r.uniform(7, 10) * HOUR
                t = np.full(len(staff), t) + r.uniform(0, 600, len(staff))
                eur = salary[staff] * (1 + r.normal(0, 0.02, len(staff)))
                self.add_many(
                    t, [emps[e]] * len(staff), [people[i] for i in staff], eur, "bank", "salary"
                )
        # Employers' revenue: invoices from a few business customers (B2B, recurring).
        clients = [self.account(f"C{i:05d}", "EUR") for i in range(cfg.employers * 3)]
        for e in range(cfg.employers):
            bill = sizes[e] * 2600 / 3
            for c in r.choice(len(clients), 3, replace=False):
                for m in range(months):
                    t = T0 + (m * 30 + r.integers(1, 20)) * DAY + r.uniform(8, 18) * HOUR
                    self.add(t, clients[c], emps[e], bill * r.lognormal(0, 0.2), "wire", "invoice")
        # Savings: 15% move part of the salary to their own second account.
        for i in r.choice(cfg.people, int(cfg.people * 0.15), replace=False):
            sav = self.account(f"S{i:06d}", self.acct_cur[people[i]])
            share = r.uniform(0.05, 0.3)
            for m in range(months):
                t = T0 + (m * 30 + 28 + r.integers(0, 4)) * DAY + r.uniform(8, 22) * HOUR
                self.add(t, people[i], sav, salary[i] * share, "bank", "savings")
            if r.random() < 0.2:  # one large move back (a purchase coming up)
                t = T0 + r.uniform(0, self.span)
                self.add(t, sav, people[i], salary[i] * share * months * 0.8, "bank", "")
        # Rent (monthly fan-in to landlords; a few letting agencies have hundreds of tenants).
        lls = [self.account(f"L{i:05d}", "EUR") for i in range(cfg.landlords)]
        ll_w = (r.pareto(1.0, cfg.landlords) + 1) ** 1.5
        tenants = r.permutation(cfg.people)[: int(cfg.people * 0.55)]
        ll_of = r.choice(cfg.landlords, len(tenants), p=ll_w / ll_w.sum())
        rent = r.lognormal(np.log(850), 0.35, len(tenants))
        for m in range(months):
            t = (
                T0
                + (m * 30 + r.integers(0, 4, len(tenants))) * DAY
                + r.uniform(6, 23, len(tenants)) * HOUR
            )
            self.add_many(
                t, [people[i] for i in tenants], [lls[j] for j in ll_of], rent, "bank", "rent"
            )
        bank = self.account("B00001", "EUR")
        for j in range(cfg.landlords):  # landlords pay their mortgage
            mort = ll_w[j] * 700
            for m in range(months):
                self.add(T0 + (m * 30 + 5) * DAY + 9 * HOUR, lls[j], bank, mort, "bank", "mortgage")
        # Utilities (monthly fan-in with thousands of payers).
        utils = [self.account(f"U{i:03d}", "EUR") for i in range(10)]
        for i in range(cfg.people):
            for u in r.choice(10, r.integers(2, 4), replace=False):
                base = r.lognormal(np.log(55), 0.5)
                t = (
                    T0
                    + (np.arange(months) * 30 + r.integers(2, 12)) * DAY
                    + r.uniform(0, DAY, months)
                )
                eur = base * r.lognormal(0, 0.2, months)
                self.add_many(
                    t, [people[i]] * months, [utils[u]] * months, eur, "bank", "utilities"
                )
        # Merchants: Zipf popularity, price level per merchant; a few high-value ones.
        mer = [self.account(f"M{i:05d}", "EUR") for i in range(cfg.merchants)]
        pop = 1.0 / np.arange(1, cfg.merchants + 1) ** 1.1
        pop = r.permutation(pop)
        price = r.lognormal(np.log(35), 0.9, cfg.merchants)
        dealers = r.choice(cfg.merchants, max(3, cfg.merchants // 60), replace=False)
        price[dealers] = r.lognormal(np.log(9000), 0.5, len(dealers))
        pop[dealers] = pop.min()
        pop /= pop.sum()
        n_buy = r.poisson(18 * months * activity)
        buyers = np.repeat(np.arange(cfg.people), n_buy)
        shop = r.choice(cfg.merchants, len(buyers), p=pop)
        t = T0 + r.uniform(0, self.span, len(buyers))
        eur = price[shop] * r.lognormal(0, 0.6, len(buyers))
        self.add_many(t, [people[i] for i in buyers], [mer[j] for j in shop], eur, "card", "")
        # One-off large purchases (car, furniture, deposit) from 4% of people.
        big = r.choice(cfg.people, int(cfg.people * 0.04), replace=False)
        for i in big:
            j = int(r.choice(dealers))
            self.add(
                T0 + r.uniform(0, self.span),
                people[i],
                mer[j],
                price[j] * r.lognormal(0, 0.3),
                "bank",
                "purchase",
            )
        # Merchants pay suppliers monthly; busy shops bank their cash takings weekly.
        sups = [self.account(f"V{i:05d}", "EUR") for i in range(cfg.merchants // 4)]
        revenue = pop * 18 * cfg.people * 35
        for j in range(cfg.merchants):
            for s in r.choice(len(sups), r.integers(1, 4), replace=False):
                for m in range(months):
                    t = T0 + (m * 30 + int(r.integers(1, 28))) * DAY + 10 * HOUR
                    self.add(
                        t,
                        mer[j],
                        sups[s],
                        max(200.0, revenue[j] * 0.2 * r.lognormal(0, 0.2)),
                        "bank",
                        "invoice",
                    )
        cashy = r.choice(cfg.merchants, cfg.merchants // 15, replace=False)
        for j in cashy:
            level = r.lognormal(np.log(5000), 0.5)
            for w in range(months * 4):
                t = T0 + (w * 7 + r.integers(0, 7)) * DAY + r.uniform(9, 17) * HOUR
                eur = (
                    min(level * r.lognormal(0, 0.3), 9990.0)
                    if r.random() < 0.7
                    else level * r.lognormal(0, 0.3)
                )
                city = str(r.choice(CITIES[:3]))
                self.add(
                    t, "", mer[j], eur, "cash", f"deposit at {city} branch", cur="EUR", cfrom="ES"
                )
        # Payment wallets: many top-ups in, daily settlements out to merchants.
        wallets = [self.account(f"W{i:02d}", "EUR") for i in range(2)]
        users = r.choice(cfg.people, int(cfg.people * 0.2), replace=False)
        for i in users:
            n = r.poisson(months)
            wallet = wallets[int(r.integers(0, 2))]
            t = T0 + r.uniform(0, self.span, n)
            self.add_many(
                t,
                [people[i]] * n,
                [wallet] * n,
                r.lognormal(np.log(60), 0.6, n),
                "bank",
                "top-up",
            )
        for d in range(months * 30):
            for wallet in wallets:
                k = int(r.integers(3, 9))
                for j in r.choice(cfg.merchants, k, p=pop):
                    self.add(
                        T0 + d * DAY + 20 * HOUR + r.uniform(0, HOUR),
                        wallet,
                        mer[j],
                        r.lognormal(np.log(900), 0.7),
                        "bank",
                        "settlement",
                    )
        # Person to person between friends (small world); rare loans of thousands.
        friends = r.integers(0, cfg.people, (cfg.people, 6))
        n_p2p = r.poisson(1.5 * months * activity)
        src = np.repeat(np.arange(cfg.people), n_p2p)
        dst = friends[src, r.integers(0, 6, len(src))]
        eur = r.lognormal(np.log(40), 1.0, len(src))
        loans = r.random(len(src)) < 0.01
        eur[loans] = r.lognormal(np.log(2500), 0.6, int(loans.sum()))
        keep = src != dst
        t = T0 + r.uniform(0, self.span, len(src))
        self.add_many(
            t[keep],
            [people[i] for i in src[keep]],
            [people[i] for i in dst[keep]],
            eur[keep],
            "bank",
            "",
        )
        # Remittances home (monthly, recurring pair, another currency).
        for i in r.choice(cfg.people, int(cfg.people * 0.1), replace=False):
            fam_cur = str(r.choice(["RON", "PLN", "USD", "GBP"]))
            fam = self.account(f"F{i:06d}", fam_cur)
            base = r.lognormal(np.log(300), 0.4)
            for m in range(months):
                t = T0 + (m * 30 + 27 + r.integers(0, 5)) * DAY + r.uniform(8, 22) * HOUR
                self.add(t, people[i], fam, base * r.lognormal(0, 0.15), "mto", "family support")
        # Cash withdrawals.
        n_atm = r.poisson(2 * months * activity)
        who = np.repeat(np.arange(cfg.people), n_atm)
        t = T0 + r.uniform(0, self.span, len(who))
        eur = np.round(r.lognormal(np.log(80), 0.6, len(who)), -1) + 10
        self.add_many(t, [people[i] for i in who], [""] * len(who), eur, "cash", "ATM")

    # -- laundering ------------------------------------------------------------------------
    def laundering(self) -> None:
        cfg, r = self.cfg, self.rng
        pool = list(r.choice(self.people, int(cfg.people * cfg.launderer_share), replace=False))
        self.n_fresh = 0
        weights = np.asarray([cfg.typology_weights.get(k, 1.0) for k in TYPOLOGIES])
        kinds = r.choice(len(TYPOLOGIES), cfg.attempts, p=weights / weights.sum())
        self.pool = pool
        for k in kinds:
            start = T0 + r.uniform(3 * DAY, self.span - 45 * DAY)
            eur = float(
                np.clip(r.lognormal(np.log(cfg.amount_median), cfg.amount_sigma), 2000, 600_000)
            )
            name = TYPOLOGIES[int(k)]
            rows = getattr(self, f"_{name}")(start, eur)
            self.attempts.append((name, rows))

    def who(self, n: int) -> list[str]:
        """``n`` distinct participants: people from the launderer pool, fresh mules, shells."""
        r = self.rng
        out: list[str] = []
        while len(out) < n:
            x = r.random()
            if x < self.cfg.mule_share:
                self.n_fresh += 1
                kind = "X" if r.random() < 0.7 else "K"  # mule or shell company
                acct = self.account(f"{kind}{self.n_fresh:06d}", self.cur())
            else:
                acct = str(r.choice(self.pool))
            if acct not in out:
                out.append(acct)
        return out

    def place(self, t: float, acct: str, eur: float) -> list[int]:
        """Placement: a payment from outside (a foreign account) or a few cash deposits."""
        r = self.rng
        if r.random() < 0.5:
            src = self.account(f"O{len(self.cols['t']):07d}", str(r.choice(["USD", "GBP", "CHF"])))
            return [
                self.add(t, src, acct, eur, "wire", str(r.choice(["", "invoice", "consulting"])))
            ]
        k = int(r.integers(1, 4))
        rows = []
        for part in self.split(eur, k):
            t += r.uniform(0.5, 30) * HOUR
            city = str(r.choice(CITIES))
            rows.append(self.add(t, "", acct, part, "cash", f"deposit at {city} branch"))
        return rows

    def integrate(self, t: float, acct: str, eur: float) -> list[int]:
        """Sometimes the money ends in a purchase or goes abroad."""
        r = self.rng
        if r.random() < 0.5:
            return []
        dst = self.account(f"O{len(self.cols['t']):07d}", str(r.choice(["USD", "CHF", "GBP"])))
        return [self.add(t + self.delay(), acct, dst, self.hop(eur), "wire", "")]

    def _chain(self, t: float, eur: float, path: list[str]) -> tuple[list[int], float, float]:
        rows = []
        for a, b in itertools.pairwise(path):
            t += self.delay()
            eur = self.hop(eur)
            rows.append(self.add(t, a, b, eur))
        return rows, t, eur

    def _fan_out(self, t: float, eur: float) -> list[int]:
        k = int(self.rng.integers(3, 13))
        m, *outs = self.who(k + 1)
        rows = self.place(t, m, eur)
        t = self.cols["t"][rows[-1]]
        for b, part in zip(outs, self.split(self.hop(eur), k), strict=True):
            rows.append(self.add(t + self.delay(), m, b, part))
        return rows

    def _fan_in(self, t: float, eur: float) -> list[int]:
        k = int(self.rng.integers(3, 13))
        m, *ins = self.who(k + 1)
        rows: list[int] = []
        last = t
        for a, part in zip(ins, self.split(eur, k), strict=True):
            placed = self.place(t + self.rng.uniform(0, 2 * DAY), a, part)
            rows += placed
            tt = self.cols["t"][placed[-1]] + self.delay()
            rows.append(self.add(tt, a, m, self.hop(part)))
            last = max(last, tt)
        return rows + self.integrate(last, m, eur * 0.9)

    def _cycle(self, t: float, eur: float) -> list[int]:
        n = int(self.rng.integers(2, 13))
        accts = self.who(n)
        rows = self.place(t, accts[0], eur)
        chain, _, _ = self._chain(self.cols["t"][rows[-1]], eur, [*accts, accts[0]])
        return rows + chain

    def _scatter_gather(self, t: float, eur: float) -> list[int]:
        k = int(self.rng.integers(3, 11))
        m, d, *mid = self.who(k + 2)
        rows = self.place(t, m, eur)
        t0 = self.cols["t"][rows[-1]]
        last = t0
        for b, part in zip(mid, self.split(self.hop(eur), k), strict=True):
            t1 = t0 + self.delay()
            rows.append(self.add(t1, m, b, part))
            t2 = t1 + self.delay()
            rows.append(self.add(t2, b, d, self.hop(part)))
            last = max(last, t2)
        return rows + self.integrate(last, d, eur * 0.85)

    def _gather_scatter(self, t: float, eur: float) -> list[int]:
        r = self.rng
        k_in, k_out = int(r.integers(3, 9)), int(r.integers(3, 9))
        m, *rest = self.who(k_in + k_out + 1)
        ins, outs = rest[:k_in], rest[k_in:]
        rows: list[int] = []
        last = t
        for a, part in zip(ins, self.split(eur, k_in), strict=True):
            placed = self.place(t + r.uniform(0, DAY), a, part)
            rows += placed
            tt = self.cols["t"][placed[-1]] + self.delay()
            rows.append(self.add(tt, a, m, self.hop(part)))
            last = max(last, tt)
        for b, part in zip(outs, self.split(self.hop(eur * 0.97), k_out), strict=True):
            rows.append(self.add(last + self.delay(), m, b, part))
        return rows

    def _layers(self, t: float, eur: float, sizes: list[int]) -> list[int]:
        r = self.rng
        layers: list[list[str]] = []
        accts = self.who(sum(sizes))
        i = 0
        for s in sizes:
            layers.append(accts[i : i + s])
            i += s
        held = {a: (v, t) for a, v in zip(layers[0], self.split(eur, sizes[0]), strict=True)}
        rows: list[int] = []
        for a, (v, tt) in list(held.items()):
            placed = self.place(tt, a, v)
            rows += placed
            held[a] = (v, self.cols["t"][placed[-1]])
        for nxt in layers[1:]:
            got: dict[str, tuple[float, float]] = {}
            for a, (v, tt) in held.items():
                k = int(r.integers(1, len(nxt) + 1))
                targets = list(r.choice(nxt, k, replace=False))
                for b, part in zip(targets, self.split(self.hop(v), k), strict=True):
                    t1 = tt + self.delay()
                    rows.append(self.add(t1, a, str(b), part))
                    pv, pt = got.get(str(b), (0.0, 0.0))
                    got[str(b)] = (pv + part, max(pt, t1))
            held = got
        return rows

    def _bipartite(self, t: float, eur: float) -> list[int]:
        r = self.rng
        return self._layers(t, eur, [int(r.integers(2, 6)), int(r.integers(2, 7))])

    def _stack(self, t: float, eur: float) -> list[int]:
        r = self.rng
        return self._layers(t, eur, [int(r.integers(2, 5)) for _ in range(int(r.integers(3, 5)))])

    def _random_walk(self, t: float, eur: float) -> list[int]:
        r = self.rng
        group = self.who(int(r.integers(3, 8)))
        n = int(r.integers(3, 13))
        path = [group[0]]
        for _ in range(n):
            path.append(str(r.choice([g for g in group if g != path[-1]])))
        rows = self.place(t, path[0], eur)
        chain, t_end, v = self._chain(self.cols["t"][rows[-1]], eur, path)
        return rows + chain + self.integrate(t_end, path[-1], v)

    def _structuring(self, t: float, eur: float) -> list[int]:
        r = self.rng
        smurfs = self.who(int(r.integers(1, 4)) + 1)
        collector, smurfs = smurfs[0], smurfs[1:]
        rows: list[int] = []
        last = t
        for s in smurfs:
            cur = self.acct_cur[s]
            n = int(r.integers(3, 11))
            tt = t
            total = 0.0
            for _ in range(n):
                tt += r.uniform(0.5, 5) * DAY
                local = r.uniform(8000, 9990)  # just under 10,000 in the account's currency
                value = local / self.rate(cur, tt)
                total += value
                city = str(r.choice(CITIES))
                rows.append(
                    self.add(tt, "", s, value, "cash", f"deposit at {city} branch", cur=cur)
                )
            tt += self.delay()
            rows.append(self.add(tt, s, collector, self.hop(total)))
            last = max(last, tt)
        return rows + self.integrate(last, collector, eur * 0.5)

    def _funnel(self, t: float, eur: float) -> list[int]:
        r = self.rng
        (m,) = self.who(1)
        n = int(r.integers(4, 13))
        rows = []
        cities = r.choice(CITIES, n)
        for part, city in zip(self.split(eur, n), cities, strict=True):
            t += r.uniform(1, 48) * HOUR
            rows.append(
                self.add(
                    t, "", m, min(part, 9900.0), "cash", f"deposit at {city} branch", cfrom="ES"
                )
            )
        away = str(r.choice(["MX", "CO", "NG", "RO", "MA"]))
        out = self.hop(
            float(
                sum(self.cols["amount"][i] / self.rate(self.cols["currency"][i], t) for i in rows)
            )
        )
        if r.random() < 0.5:
            rows.append(self.add(t + self.delay(), m, "", out, "cash", "ATM", cto=away))
        else:
            dst = self.account(f"O{len(self.cols['t']):07d}", "USD")
            rows.append(self.add(t + self.delay(), m, dst, out, "wire", "", cto=away))
        return rows

    def _pass_through(self, t: float, eur: float) -> list[int]:
        r = self.rng
        m, *rest = self.who(3)
        rows = []
        for _ in range(int(r.integers(2, 6))):
            src = self.account(f"O{len(self.cols['t']):07d}", str(r.choice(["USD", "GBP", "CHF"])))
            v = eur * r.lognormal(0, 0.3)
            rows.append(self.add(t, src, m, v, "wire", ""))
            rows.append(self.add(t + r.uniform(5, 240) * 60, m, str(r.choice(rest)), self.hop(v)))
            t += r.uniform(2, 10) * DAY
        return rows

    def world(self) -> World:
        self.ordinary()
        self.laundering()
        c = self.cols
        order = np.argsort(np.asarray(c["t"]), kind="stable")
        rank = np.empty(len(order), dtype=np.int64)
        rank[order] = np.arange(len(order))
        ids = [f"T{i:08d}" for i in range(len(order))]

        def take(col: list[Any]) -> list[Any]:
            return [col[i] for i in order.tolist()]

        return World(
            ids=ids,
            t=np.asarray(c["t"], dtype=np.int64)[order],
            payer=take(c["payer"]),
            payee=take(c["payee"]),
            amount=np.asarray(c["amount"], dtype=np.float64)[order],
            currency=take(c["currency"]),
            channel=take(c["channel"]),
            country_from=take(c["cfrom"]),
            country_to=take(c["cto"]),
            reference=take(c["ref"]),
            attempts=[(k, [ids[rank[i]] for i in rows]) for k, rows in self.attempts if rows],
            config=self.cfg,
        )


def generate(cfg: Config) -> World:
    return _Gen(cfg).world()


def case_data(world: World) -> Any:
    """The world as the product's columnar case (one builder call per currency)."""
    from palermo.analysis.data import CaseBuilder

    b = CaseBuilder()
    b.add_payments(
        world.ids,
        world.t,
        world.payer,
        world.payee,
        world.amount,
        currencies=world.currency,
        channels=world.channel,
        countries_from=world.country_from,
        countries_to=world.country_to,
        references=world.reference,
    )
    return b.build()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("set", choices=sorted(SETS), nargs="?", default="dev")
    ap.add_argument("--csv", default=None, help="write the transactions to this CSV file")
    args = ap.parse_args()
    w = generate(SETS[args.set])
    bad = w.laundering
    print(
        f"{args.set}: {len(w.ids):,} transactions, {len(w.attempts)} attempts, "
        f"{len(bad):,} laundering"
    )
    kinds: dict[str, int] = {}
    for k, _ in w.attempts:
        kinds[k] = kinds.get(k, 0) + 1
    print("  " + ", ".join(f"{k} {v}" for k, v in sorted(kinds.items())))
    if args.csv:
        import csv

        with open(args.csv, "w", newline="") as fh:
            out = csv.writer(fh)
            out.writerow(
                [
                    "id",
                    "booked_at",
                    "payer_account",
                    "payee_account",
                    "amount",
                    "currency",
                    "channel",
                    "country_from",
                    "country_to",
                    "reference",
                    "laundering",
                ]
            )
            for i, tid in enumerate(w.ids):
                out.writerow(
                    [
                        tid,
                        int(w.t[i]),
                        w.payer[i],
                        w.payee[i],
                        w.amount[i],
                        w.currency[i],
                        w.channel[i],
                        w.country_from[i],
                        w.country_to[i],
                        w.reference[i],
                        int(tid in bad),
                    ]
                )
    sys.stdout.flush()


if __name__ == "__main__":
    main()
