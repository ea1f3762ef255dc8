"""The plain, columnar case container that every analysis core reads.

A case with a million calls and a million payments must fit in memory and be
scanned quickly, so records are held column by column in numpy arrays, and every
identifier (person, phone, account, organisation, address, advert, cash point) is
an integer node code into one :class:`Interner`. Times are epoch seconds (UTC).

A database service fills a :class:`CaseBuilder` row by row or column by column
and calls :meth:`CaseBuilder.build`; tests and benchmarks do the same.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

import numpy as np
import numpy.typing as npt

from palermo.law.facts import Fact

IntArray = npt.NDArray[np.int64]
I32 = npt.NDArray[np.int32]
FloatArray = npt.NDArray[np.float64]

NODE_KINDS: tuple[str, ...] = (
    "person",
    "phone",
    "account",
    "organisation",
    "address",
    "ad",
    "email",
    "handle",
    "cash",
)
CHANNELS: tuple[str, ...] = ("bank", "wire", "mto", "cash", "card", "crypto", "other")
# Person kinds used by the role and money rules; other strings are allowed.
PERSON_KINDS: tuple[str, ...] = (
    "suspect",
    "victim",
    "witness",
    "official",
    "buyer",
    "other",
)
DAY = 86_400


def uniq(x: npt.NDArray[Any]) -> npt.NDArray[Any]:
    """Sorted distinct values by sorting (numpy 2's hash-based ``unique`` is slower here)."""
    if len(x) == 0:
        return np.asarray(x)
    s = np.sort(x)
    return s[np.r_[True, s[1:] != s[:-1]]]


def uniq_counts(x: npt.NDArray[Any]) -> tuple[npt.NDArray[Any], IntArray]:
    """Sorted distinct values and how often each occurs."""
    if len(x) == 0:
        return np.asarray(x), np.zeros(0, dtype=np.int64)
    s = np.sort(x)
    starts = np.flatnonzero(np.r_[True, s[1:] != s[:-1]])
    return s[starts], np.diff(np.r_[starts, len(s)]).astype(np.int64)


def uniq_inverse(x: npt.NDArray[Any]) -> tuple[npt.NDArray[Any], IntArray, IntArray]:
    """Distinct values, each row's index into them, and counts (unstable sort: faster)."""
    n = len(x)
    if n == 0:
        z = np.zeros(0, dtype=np.int64)
        return np.asarray(x), z, z
    order = np.argsort(x)
    s = x[order]
    flag = np.r_[True, s[1:] != s[:-1]]
    grp = np.cumsum(flag) - 1
    inv = np.empty(n, dtype=np.int64)
    inv[order] = grp
    starts = np.flatnonzero(flag)
    return s[starts], inv, np.diff(np.r_[starts, n]).astype(np.int64)


class Interner:
    """Strings to dense integer codes (0..n-1), in order of first appearance."""

    __slots__ = ("index", "keys")

    def __init__(self, keys: Iterable[str] = ()) -> None:
        self.keys: list[str] = []
        self.index: dict[str, int] = {}
        for k in keys:
            self.code(k)

    def __len__(self) -> int:
        return len(self.keys)

    def __contains__(self, key: object) -> bool:
        return key in self.index

    def code(self, key: str) -> int:
        c = self.index.get(key)
        if c is None:
            c = len(self.keys)
            self.index[key] = c
            self.keys.append(key)
        return c

    def codes(self, keys: Iterable[str]) -> I32:
        index, klist = self.index, self.keys
        out: list[int] = []
        append = out.append
        for k in keys:
            c = index.get(k)
            if c is None:
                c = len(klist)
                index[k] = c
                klist.append(k)
            append(c)
        return np.asarray(out, dtype=np.int32)

    def get(self, key: str) -> int:
        """The code of ``key`` or -1."""
        return self.index.get(key, -1)


def to_epoch(values: Sequence[Any] | npt.NDArray[Any]) -> IntArray:
    """ISO strings, datetimes, dates, datetime64 or numbers -> int64 epoch seconds (UTC)."""
    arr = np.asarray(values)
    if arr.size == 0:
        return np.zeros(0, dtype=np.int64)
    if np.issubdtype(arr.dtype, np.integer) or np.issubdtype(arr.dtype, np.floating):
        return arr.astype(np.int64)
    if np.issubdtype(arr.dtype, np.datetime64):
        return arr.astype("datetime64[s]").astype(np.int64)
    if arr.dtype.kind in "US" or (arr.dtype == object and isinstance(arr.flat[0], str)):
        # numpy parses ISO 8601 but not a trailing zone; our records are UTC.
        cleaned = [s[:-1] if s.endswith("Z") else s.replace("+00:00", "") for s in arr.tolist()]
        return np.array(cleaned, dtype="datetime64[s]").astype(np.int64)
    return np.array([epoch_of(v) for v in arr.tolist()], dtype=np.int64)


def epoch_of(value: Any) -> int:
    """One timestamp (str, datetime, date, number) -> epoch seconds."""
    if isinstance(value, datetime):
        v = value if value.tzinfo else value.replace(tzinfo=UTC)
        return int(v.timestamp())
    if isinstance(value, date):
        return int(datetime(value.year, value.month, value.day, tzinfo=UTC).timestamp())
    if isinstance(value, int | float | np.integer | np.floating):
        return int(value)
    return int(to_epoch([str(value)])[0])


def iso(t: int | np.integer) -> str:
    """Epoch seconds -> ``YYYY-MM-DDTHH:MM:SSZ``."""
    return datetime.fromtimestamp(int(t), UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def iso_day(t: int | np.integer) -> str:
    return datetime.fromtimestamp(int(t), UTC).strftime("%Y-%m-%d")


class RangeIds(Sequence[str]):
    """Record ids ``prefix`` + zero-padded number, made on access (no list of millions)."""

    def __init__(self, prefix: str, n: int, width: int = 9, start: int = 1) -> None:
        self.prefix, self.n, self.width, self.start = prefix, n, width, start

    def __len__(self) -> int:
        return self.n

    def __getitem__(self, i: Any) -> Any:
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(self.n))]
        j = int(i)
        if j < 0:
            j += self.n
        if not 0 <= j < self.n:
            raise IndexError(i)
        return f"{self.prefix}{self.start + j:0{self.width}d}"


class ChainIds(Sequence[str]):
    """Two id sequences one after the other, without copying."""

    def __init__(self, a: Sequence[str], b: Sequence[str]) -> None:
        self.a, self.b = a, b

    def __len__(self) -> int:
        return len(self.a) + len(self.b)

    def __getitem__(self, i: Any) -> Any:
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self)))]
        j = int(i)
        return self.a[j] if j < len(self.a) else self.b[j - len(self.a)]


def chain_ids(parts: Sequence[Sequence[str]]) -> Sequence[str]:
    if all(isinstance(p, list) for p in parts):
        return [i for p in parts for i in p]
    out: Sequence[str] = []
    for p in parts:
        out = ChainIds(out, p) if len(out) else p
    return out


@dataclass(slots=True)
class Person:
    """A person of the case with the identifiers they are known to use."""

    id: str
    name: str = ""
    kind: str = "other"
    phones: tuple[str, ...] = ()
    accounts: tuple[str, ...] = ()
    addresses: tuple[str, ...] = ()
    emails: tuple[str, ...] = ()
    handles: tuple[str, ...] = ()
    home_country: str | None = None


@dataclass(slots=True)
class Organisation:
    id: str
    name: str = ""
    kind: str = "business"
    phones: tuple[str, ...] = ()
    accounts: tuple[str, ...] = ()
    addresses: tuple[str, ...] = ()


@dataclass(slots=True)
class Advert:
    """A commercial-sex or job advertisement with the contact phone it shows."""

    id: str
    phone: str
    site: str = ""
    posted_at: Any = None


@dataclass(slots=True)
class Table:
    """Common columns: record ids, times, source and target node codes."""

    ids: Sequence[str]
    t: IntArray
    src: I32
    dst: I32

    def __len__(self) -> int:
        return len(self.ids)


@dataclass(slots=True)
class CallTable(Table):
    duration: IntArray = field(default_factory=lambda: np.zeros(0, np.int64))


@dataclass(slots=True)
class MessageTable(Table):
    body: list[str] = field(default_factory=list)


@dataclass(slots=True)
class PaymentTable(Table):
    """Payments between account nodes. Cash in/out uses ``cash:`` nodes (see builder)."""

    amount: FloatArray = field(default_factory=lambda: np.zeros(0))
    currency: I32 = field(default_factory=lambda: np.zeros(0, np.int32))
    channel: I32 = field(default_factory=lambda: np.zeros(0, np.int32))
    country_from: I32 = field(default_factory=lambda: np.zeros(0, np.int32))
    country_to: I32 = field(default_factory=lambda: np.zeros(0, np.int32))
    payer_name: I32 = field(default_factory=lambda: np.zeros(0, np.int32))
    payee_name: I32 = field(default_factory=lambda: np.zeros(0, np.int32))
    reference: Sequence[str] = field(default_factory=list)


@dataclass(slots=True)
class TripTable(Table):
    """``src`` = traveller node, ``dst`` = destination place code (into ``CaseData.places``)."""

    origin: I32 = field(default_factory=lambda: np.zeros(0, np.int32))
    booked_by: I32 = field(default_factory=lambda: np.zeros(0, np.int32))
    paid_by: I32 = field(default_factory=lambda: np.zeros(0, np.int32))
    price: FloatArray = field(default_factory=lambda: np.zeros(0))


@dataclass(slots=True)
class LinkTable(Table):
    """Other evidence links (mentions, lives_at, advertised_in ...): ``kind`` codes."""

    kind: I32 = field(default_factory=lambda: np.zeros(0, np.int32))


@dataclass(slots=True)
class CaseData:
    """Everything the network and money analyses need, columnar and integer-coded."""

    nodes: Interner
    node_kind: I32  # index into NODE_KINDS
    labels: list[str]
    owner: I32  # node -> owning person/organisation node, or -1
    persons: dict[str, Person]
    organisations: dict[str, Organisation]
    calls: CallTable
    messages: MessageTable
    payments: PaymentTable
    trips: TripTable
    links: LinkTable
    link_kinds: Interner
    currencies: Interner
    countries: Interner
    names: Interner
    places: Interner
    adverts: list[Advert]
    facts: list[Fact]
    charges: dict[str, tuple[str, ...]]

    @property
    def n_nodes(self) -> int:
        return len(self.nodes)

    def node(self, key: str) -> int:
        return self.nodes.get(key)

    def person_node(self, person_id: str) -> int:
        return self.nodes.get(f"person:{person_id}")

    def key(self, code: int) -> str:
        return self.nodes.keys[int(code)]

    def person_kind_of_node(self) -> list[str | None]:
        """Per node: the person's kind for person nodes, else None."""
        out: list[str | None] = [None] * self.n_nodes
        for p in self.persons.values():
            out[self.nodes.index[f"person:{p.id}"]] = p.kind
        return out

    def resolved(self, codes: I32) -> I32:
        """Identifier nodes -> their owner where known, following one more step
        (account -> organisation -> the person who owns the organisation)."""
        own = self.owner[codes]
        out = np.where(own >= 0, own, codes)
        own2 = self.owner[out]
        return np.where(own2 >= 0, own2, out).astype(np.int32)

    def accounts_of(self, person_id: str) -> list[int]:
        pn = self.person_node(person_id)
        if pn < 0:
            return []
        acct = NODE_KINDS.index("account")
        return [int(i) for i in np.flatnonzero((self.owner == pn) & (self.node_kind == acct))]


class Coded(Sequence[str]):
    """Strings as codes into a small table of values (references, names repeat a lot)."""

    def __init__(self, values: Sequence[str], codes: npt.NDArray[np.integer[Any]]) -> None:
        self.values = list(values)
        self.codes = np.asarray(codes, dtype=np.int32)

    def __len__(self) -> int:
        return len(self.codes)

    def __getitem__(self, i: Any) -> Any:
        if isinstance(i, slice):
            return [self.values[c] for c in self.codes[i].tolist()]
        return self.values[int(self.codes[int(i)])]


def regex_rows(values: Sequence[str], rx: re.Pattern[str]) -> npt.NDArray[np.bool_]:
    """Per row: does ``rx`` match the string? Evaluated once per distinct value."""
    if isinstance(values, Coded):
        table = np.fromiter((bool(rx.search(v)) for v in values.values), bool, len(values.values))
        return np.asarray(table[values.codes], dtype=bool)
    if len(values) == 0:
        return np.zeros(0, dtype=bool)
    uniq, inv = np.unique(np.asarray(list(values), dtype=object), return_inverse=True)
    hit = np.fromiter((bool(rx.search(str(v))) for v in uniq), bool, len(uniq))
    return np.asarray(hit[inv], dtype=bool)


def _references(parts: list[tuple[int, Sequence[str]]]) -> Sequence[str]:
    fixed: list[Sequence[str]] = [
        refs if len(refs) == n else Coded([""], np.zeros(n, np.int32)) for n, refs in parts
    ]
    if fixed and all(isinstance(f, Coded) for f in fixed):
        table = Interner()
        codes = [table.codes(f.values)[f.codes] for f in fixed if isinstance(f, Coded)]
        return Coded(table.keys, np.concatenate(codes))
    return chain_ids([list(f) if isinstance(f, Coded) else f for f in fixed])


def _empty_i32() -> I32:
    return np.zeros(0, dtype=np.int32)


class CaseBuilder:
    """Collects people and records and produces a :class:`CaseData`.

    Identifier keys are ``kind:value`` (``phone:+447700900001``). Empty payer or
    payee accounts become cash points (``cash:in:<country>`` / ``cash:out:<country>``)
    so that cash deposits and ATM withdrawals are first-class nodes.
    """

    def __init__(self) -> None:
        self.nodes = Interner()
        self._kind: list[int] = []
        self._labels: list[str] = []
        self._owner: dict[int, int] = {}
        self.persons: dict[str, Person] = {}
        self.organisations: dict[str, Organisation] = {}
        self.link_kinds = Interner()
        self.currencies = Interner()
        self.countries = Interner([""])
        self.names = Interner([""])
        self.places = Interner([""])
        self.adverts: list[Advert] = []
        self.facts: list[Fact] = []
        self.charges: dict[str, tuple[str, ...]] = {}
        self._calls: list[tuple[Sequence[str], IntArray, I32, I32, IntArray]] = []
        self._msgs: list[tuple[Sequence[str], IntArray, I32, I32, list[str]]] = []
        self._pays: list[dict[str, Any]] = []
        self._trips: list[dict[str, Any]] = []
        self._links: list[tuple[list[str], IntArray, I32, I32, I32]] = []

    # -- nodes ---------------------------------------------------------------------------
    def _sync(self) -> None:
        # Codes handed out by Interner.codes() get default kind/label here.
        while len(self._kind) < len(self.nodes):
            key = self.nodes.keys[len(self._kind)]
            kind, _, value = key.partition(":")
            self._kind.append(NODE_KINDS.index(kind) if kind in NODE_KINDS else 0)
            self._labels.append(value)

    def node(self, kind: str, value: str, label: str | None = None) -> int:
        code = self.nodes.code(f"{kind}:{value}")
        self._sync()
        if label:
            self._labels[code] = label
        return code

    def _codes(self, kind: str, values: Sequence[str]) -> I32:
        codes = self.nodes.codes(f"{kind}:{v}" for v in values)
        self._sync()
        return codes

    def own(self, owner: int, ident: int) -> None:
        """Record that ``owner`` (person/organisation node) uses identifier ``ident``."""
        self._owner.setdefault(ident, owner)

    def add_person(self, person: Person) -> int:
        self.persons[person.id] = person
        pn = self.node("person", person.id, person.name or person.id)
        for kind, values in (
            ("phone", person.phones),
            ("account", person.accounts),
            ("address", person.addresses),
            ("email", person.emails),
            ("handle", person.handles),
        ):
            for v in values:
                self.own(pn, self.node(kind, v))
        return pn

    def add_organisation(self, org: Organisation) -> int:
        self.organisations[org.id] = org
        on = self.node("organisation", org.id, org.name or org.id)
        for kind, values in (
            ("phone", org.phones),
            ("account", org.accounts),
            ("address", org.addresses),
        ):
            for v in values:
                self.own(on, self.node(kind, v))
        return on

    def add_advert(self, ad: Advert) -> None:
        self.adverts.append(ad)
        an = self.node("ad", ad.id, ad.site or ad.id)
        pn = self.node("phone", ad.phone)
        t = epoch_of(ad.posted_at) if ad.posted_at is not None else 0
        self.add_links([f"ad:{ad.id}"], [t], [an], [pn], "advertises")

    def add_fact(self, fact: Fact) -> None:
        self.facts.append(fact)

    def set_charges(self, person_id: str, statutes: Sequence[str]) -> None:
        self.charges[person_id] = tuple(statutes)

    # -- records -------------------------------------------------------------------------
    def add_calls(
        self,
        ids: Sequence[str],
        started_at: Sequence[Any] | npt.NDArray[Any],
        callers: Sequence[str],
        callees: Sequence[str],
        durations: Sequence[int] | npt.NDArray[Any] | None = None,
    ) -> None:
        n = len(ids)
        dur = np.zeros(n, np.int64) if durations is None else np.asarray(durations, np.int64)
        self._calls.append(
            (
                list(ids),
                to_epoch(started_at),
                self._codes("phone", callers),
                self._codes("phone", callees),
                dur,
            )
        )

    def add_calls_indexed(
        self,
        ids: Sequence[str],
        started_at: IntArray,
        phones: Sequence[str],
        caller_idx: npt.NDArray[np.integer[Any]],
        callee_idx: npt.NDArray[np.integer[Any]],
        durations: npt.NDArray[np.integer[Any]] | None = None,
    ) -> None:
        """Fast path: epoch times and integer indexes into ``phones`` (e.g. from a database)."""
        codes = self._codes("phone", phones)
        n = len(ids)
        dur = np.zeros(n, np.int64) if durations is None else np.asarray(durations, np.int64)
        self._calls.append(
            (ids, np.asarray(started_at, np.int64), codes[caller_idx], codes[callee_idx], dur)
        )

    def add_payments_indexed(
        self,
        ids: Sequence[str],
        booked_at: IntArray,
        accounts: Sequence[str],
        payer_idx: npt.NDArray[np.integer[Any]],
        payee_idx: npt.NDArray[np.integer[Any]],
        amounts: npt.NDArray[np.floating[Any]],
        *,
        currency: str = "EUR",
        channels: npt.NDArray[np.integer[Any]] | None = None,
        countries: Sequence[str] = ("",),
        country_from_idx: npt.NDArray[np.integer[Any]] | None = None,
        country_to_idx: npt.NDArray[np.integer[Any]] | None = None,
        names: Sequence[str] = ("",),
        payer_name_idx: npt.NDArray[np.integer[Any]] | None = None,
        payee_name_idx: npt.NDArray[np.integer[Any]] | None = None,
        references: Sequence[str] | None = None,
    ) -> None:
        """Fast path: epoch times, indexes into ``accounts`` / ``countries`` / ``names`` and
        channel codes (into CHANNELS). Empty account strings become cash points."""
        n = len(ids)
        ctry = self.countries.codes(countries)
        nm = self.names.codes(names)
        cf = ctry[country_from_idx] if country_from_idx is not None else np.zeros(n, np.int32)
        ct = ctry[country_to_idx] if country_to_idx is not None else np.zeros(n, np.int32)
        acct = self._codes("account", accounts)
        src, dst = acct[payer_idx], acct[payee_idx]
        empty = [i for i, a in enumerate(accounts) if not a]
        if empty:  # cash deposits and withdrawals: one cash point per country
            cash_in = self.nodes.codes(f"cash:in:{self.countries.keys[c]}" for c in cf.tolist())
            cash_out = self.nodes.codes(f"cash:out:{self.countries.keys[c]}" for c in ct.tolist())
            self._sync()
            src = np.where(np.isin(payer_idx, empty), cash_in, src)
            dst = np.where(np.isin(payee_idx, empty), cash_out, dst)
        self._pays.append(
            {
                "ids": ids,
                "t": np.asarray(booked_at, np.int64),
                "src": src,
                "dst": dst,
                "amount": np.asarray(amounts, np.float64),
                "currency": np.full(n, self.currencies.code(currency), np.int32),
                "channel": np.zeros(n, np.int32) if channels is None else channels,
                "country_from": cf,
                "country_to": ct,
                "payer_name": nm[payer_name_idx]
                if payer_name_idx is not None
                else np.zeros(n, np.int32),
                "payee_name": nm[payee_name_idx]
                if payee_name_idx is not None
                else np.zeros(n, np.int32),
                "reference": references if references is not None else RangeIds("", 0),
            }
        )

    def add_messages(
        self,
        ids: Sequence[str],
        sent_at: Sequence[Any] | npt.NDArray[Any],
        senders: Sequence[str],
        recipients: Sequence[str],
        bodies: Sequence[str] | None = None,
    ) -> None:
        body = list(bodies) if bodies is not None else [""] * len(ids)
        self._msgs.append(
            (
                list(ids),
                to_epoch(sent_at),
                self._codes("phone", senders),
                self._codes("phone", recipients),
                body,
            )
        )

    def add_payments(
        self,
        ids: Sequence[str],
        booked_at: Sequence[Any] | npt.NDArray[Any],
        payer_accounts: Sequence[str],
        payee_accounts: Sequence[str],
        amounts: Sequence[float] | npt.NDArray[Any],
        currencies: Sequence[str] | str = "EUR",
        channels: Sequence[str] | str = "bank",
        countries_from: Sequence[str] | str = "",
        countries_to: Sequence[str] | str = "",
        payer_names: Sequence[str] | None = None,
        payee_names: Sequence[str] | None = None,
        references: Sequence[str] | None = None,
    ) -> None:
        n = len(ids)

        def col(v: Sequence[str] | str | None) -> list[str]:
            if v is None:
                return [""] * n
            return [v] * n if isinstance(v, str) else list(v)

        cf, ct = col(countries_from), col(countries_to)
        src_keys = [
            f"account:{a}" if a else f"cash:in:{c}" for a, c in zip(payer_accounts, cf, strict=True)
        ]
        dst_keys = [
            f"account:{a}" if a else f"cash:out:{c}"
            for a, c in zip(payee_accounts, ct, strict=True)
        ]
        src = self.nodes.codes(src_keys)
        dst = self.nodes.codes(dst_keys)
        self._sync()
        chan = [c if c in CHANNELS else "other" for c in col(channels)]
        self._pays.append(
            {
                "ids": list(ids),
                "t": to_epoch(booked_at),
                "src": src,
                "dst": dst,
                "amount": np.asarray(amounts, dtype=np.float64),
                "currency": self.currencies.codes(col(currencies)),
                "channel": np.asarray([CHANNELS.index(c) for c in chan], np.int32),
                "country_from": self.countries.codes(cf),
                "country_to": self.countries.codes(ct),
                "payer_name": self.names.codes(col(payer_names)),
                "payee_name": self.names.codes(col(payee_names)),
                "reference": col(references),
            }
        )

    def add_trips(
        self,
        ids: Sequence[str],
        departed_at: Sequence[Any] | npt.NDArray[Any],
        travellers: Sequence[str],
        origins: Sequence[str],
        destinations: Sequence[str],
        booked_by: Sequence[str] | None = None,
        paid_by: Sequence[str] | None = None,
        prices: Sequence[float] | npt.NDArray[Any] | None = None,
    ) -> None:
        """``travellers`` are person ids (a person node is made for unknown ones)."""
        n = len(ids)
        bb = list(booked_by) if booked_by is not None else [""] * n
        pb = list(paid_by) if paid_by is not None else [""] * n
        trav = self._codes("person", travellers)
        booked = np.asarray([self.node("phone", b) if b else -1 for b in bb], dtype=np.int32)
        paid = np.asarray([self.node("account", p) if p else -1 for p in pb], dtype=np.int32)
        self._trips.append(
            {
                "ids": list(ids),
                "t": to_epoch(departed_at),
                "src": trav,
                "dst": self.places.codes(destinations),
                "origin": self.places.codes(origins),
                "booked_by": booked,
                "paid_by": paid,
                "price": np.zeros(n) if prices is None else np.asarray(prices, np.float64),
            }
        )

    def add_links(
        self,
        ids: Sequence[str],
        at: Sequence[Any] | npt.NDArray[Any],
        src_nodes: Sequence[int],
        dst_nodes: Sequence[int],
        kind: str,
    ) -> None:
        """Generic evidence links between existing node codes (mentions, lives_at, ...)."""
        k = self.link_kinds.code(kind)
        self._links.append(
            (
                list(ids),
                to_epoch(at),
                np.asarray(src_nodes, np.int32),
                np.asarray(dst_nodes, np.int32),
                np.full(len(ids), k, np.int32),
            )
        )

    # -- build ---------------------------------------------------------------------------
    def build(self) -> CaseData:
        self._sync()
        n = len(self.nodes)
        owner = np.full(n, -1, dtype=np.int32)
        for ident, own in self._owner.items():
            owner[ident] = own

        def cat_i(parts: list[Any]) -> Any:
            return np.concatenate(parts) if parts else _empty_i32()

        def ids_of(parts: list[Any]) -> Sequence[str]:
            return chain_ids(parts)

        calls = CallTable(
            ids_of([c[0] for c in self._calls]),
            cat_i([c[1] for c in self._calls]).astype(np.int64),
            cat_i([c[2] for c in self._calls]).astype(np.int32),
            cat_i([c[3] for c in self._calls]).astype(np.int32),
            cat_i([c[4] for c in self._calls]).astype(np.int64),
        )
        msgs = MessageTable(
            ids_of([m[0] for m in self._msgs]),
            cat_i([m[1] for m in self._msgs]).astype(np.int64),
            cat_i([m[2] for m in self._msgs]).astype(np.int32),
            cat_i([m[3] for m in self._msgs]).astype(np.int32),
            [b for m in self._msgs for b in m[4]],
        )

        def pcol(name: str, dtype: Any) -> Any:
            return cat_i([p[name] for p in self._pays]).astype(dtype)

        pays = PaymentTable(
            ids_of([p["ids"] for p in self._pays]),
            pcol("t", np.int64),
            pcol("src", np.int32),
            pcol("dst", np.int32),
            pcol("amount", np.float64),
            pcol("currency", np.int32),
            pcol("channel", np.int32),
            pcol("country_from", np.int32),
            pcol("country_to", np.int32),
            pcol("payer_name", np.int32),
            pcol("payee_name", np.int32),
            _references([(len(p["ids"]), p["reference"]) for p in self._pays]),
        )

        def tcol(name: str, dtype: Any) -> Any:
            return cat_i([p[name] for p in self._trips]).astype(dtype)

        trips = TripTable(
            ids_of([p["ids"] for p in self._trips]),
            tcol("t", np.int64),
            tcol("src", np.int32),
            tcol("dst", np.int32),
            tcol("origin", np.int32),
            tcol("booked_by", np.int32),
            tcol("paid_by", np.int32),
            tcol("price", np.float64),
        )
        links = LinkTable(
            ids_of([x[0] for x in self._links]),
            cat_i([x[1] for x in self._links]).astype(np.int64),
            cat_i([x[2] for x in self._links]).astype(np.int32),
            cat_i([x[3] for x in self._links]).astype(np.int32),
            cat_i([x[4] for x in self._links]).astype(np.int32),
        )
        return CaseData(
            nodes=self.nodes,
            node_kind=np.asarray(self._kind, dtype=np.int32),
            labels=self._labels,
            owner=owner,
            persons=self.persons,
            organisations=self.organisations,
            calls=calls,
            messages=msgs,
            payments=pays,
            trips=trips,
            links=links,
            link_kinds=self.link_kinds,
            currencies=self.currencies,
            countries=self.countries,
            names=self.names,
            places=self.places,
            adverts=self.adverts,
            facts=self.facts,
            charges=self.charges,
        )
