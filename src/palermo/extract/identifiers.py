"""Identifiers in free text: phones, e-mails, IBANs, accounts, money, dates, URLs, handles, places.

Every item is normalised with ``palermo.ingest.normalize`` so that a phone in a
witness statement equals the same phone in a call detail record. Spans index the
page text. Overlaps are resolved by priority: an e-mail is not also a handle, an
IBAN is not also a phone.
"""

from __future__ import annotations

import itertools
import re
from bisect import bisect_left
from collections.abc import Callable, Iterable
from datetime import date, datetime, timedelta
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any

import phonenumbers
import yaml
from dateutil.relativedelta import relativedelta

from palermo.extract.types import Extraction
from palermo.ingest.normalize import (
    normalize_account,
    normalize_email,
    normalize_handle,
    normalize_iban,
)
from palermo.values import Ambiguous
from palermo.values import amount as amounts
from palermo.values.locale import region_prior

ALL_KINDS = (
    "email",
    "url",
    "iban",
    "account",
    "money",
    "date",
    "phone",
    "handle",
    "address",
    "place",
)

# ---------------------------------------------------------------- patterns
_EMAIL = re.compile(
    r"(?<![\w.+-])[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,24}"
)
_URL = re.compile(r"\b(?:https?://|www\.)[^\s<>\"'\[\]{}|\\^`]+", re.IGNORECASE)
_TLDS = (
    "com|net|org|info|biz|io|co|me|xxx|sex|ro|ph|mx|es|uk|de|it|fr|ru|ua|md|bg|al|ng|"
    "th|vn|eu|us|ca|onion|site|online|club|xyz|top|live|app|link|ly|gl|gg|to|cc|tv"
)
_BARE_URL = re.compile(
    rf"(?<![\w@.\-/])(?:[a-z0-9](?:[a-z0-9-]{{0,61}}[a-z0-9])?\.)+(?:{_TLDS})\b(?:/[^\s<>\"']*)?",
    re.IGNORECASE,
)
_TRAILING = ".,;:!?)]}'\""
_IBAN = re.compile(r"\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,4})?\b")
_ACCOUNT = re.compile(
    r"\b(?:bank\s+)?(?:account|acct|acc|a/c|cont(?:ul)?|cuenta|konto)\.?\s*"
    r"(?:no\.?|nr\.?|number|num\.?|#|n[°º]\.?|n[úu]mero)?\s*[:#]?\s*"
    r"(?P<num>[0-9][0-9 \-]{4,32}[0-9])",
    re.IGNORECASE,
)
_PLATFORMS = {
    "ig": "instagram",
    "insta": "instagram",
    "instagram": "instagram",
    "snap": "snapchat",
    "snapchat": "snapchat",
    "sc": "snapchat",
    "fb": "facebook",
    "facebook": "facebook",
    "tiktok": "tiktok",
    "telegram": "telegram",
    "tg": "telegram",
    "twitter": "twitter",
    "kik": "kik",
    "wechat": "wechat",
    "line": "line",
    "signal": "signal",
    "skype": "skype",
    "onlyfans": "onlyfans",
    "of": "onlyfans",
}
# Spelled out in three cases rather than IGNORECASE, which is much slower to scan.
_PLATFORM_FORMS = sorted(
    {f(p) for p in _PLATFORMS for f in (str.lower, str.title, str.upper)}
    | {"TikTok", "OnlyFans", "WeChat"},
    key=len,
    reverse=True,
)
_LABELLED_HANDLE = re.compile(
    r"\b(?P<platform>" + "|".join(_PLATFORM_FORMS) + r")\s*[:\-]\s*"
    r"(?P<handle>@?[A-Za-z0-9_](?:[A-Za-z0-9_.]{0,28}[A-Za-z0-9_])?)"
)
_AT_HANDLE = re.compile(r"(?<![\w@.])@(?P<handle>[A-Za-z0-9_](?:[A-Za-z0-9_.]{0,28}[A-Za-z0-9_])?)")

# Money ------------------------------------------------------------------
_SYMBOLS = {
    "US$": "USD",
    "R$": "BRL",
    "C$": "CAD",
    "A$": "AUD",
    "MX$": "MXN",
    "€": "EUR",
    "£": "GBP",
    "₱": "PHP",
    "₹": "INR",
    "¥": "JPY",
    "₦": "NGN",
    "₴": "UAH",
    "₽": "RUB",
    "₺": "TRY",
    "฿": "THB",
    "₫": "VND",
}
_CODES = (
    "USD|EUR|GBP|PHP|MXN|RON|MDL|BGN|INR|NGN|THB|UAH|RUB|TRY|CHF|AED|CAD|AUD|COP|GTQ|"
    "HNL|BRL|ALL|VND|KHR|CNY|JPY|PLN|HUF|CZK|DOP|ARS|PEN|GHS|KES|ZAR"
)
_WORDS = {
    "euro": "EUR",
    "euros": "EUR",
    "eur": "EUR",
    "dollar": "USD",
    "dollars": "USD",
    "bucks": "USD",
    "dólares": "USD",
    "dolares": "USD",
    "pound": "GBP",
    "pounds": "GBP",
    "quid": "GBP",
    "lei": "RON",
    "leu": "RON",
    "leva": "BGN",
    "lev": "BGN",
    "rupees": "INR",
    "naira": "NGN",
    "baht": "THB",
    "hryvnia": "UAH",
    "roubles": "RUB",
    "rubles": "RUB",
    "lira": "TRY",
    "dong": "VND",
    "quetzales": "GTQ",
    "lempiras": "HNL",
    "reais": "BRL",
    "pesos": "PESO",
    "peso": "PESO",
}
_DOLLAR_REGIONS = {
    "MX": "MXN",
    "AR": "ARS",
    "CO": "COP",
    "CL": "CLP",
    "CA": "CAD",
    "AU": "AUD",
    "NZ": "NZD",
    "SG": "SGD",
    "HK": "HKD",
    "DO": "DOP",
}
_PESO_REGIONS = {
    "PH": "PHP",
    "MX": "MXN",
    "CO": "COP",
    "AR": "ARS",
    "CL": "CLP",
    "DO": "DOP",
    "CU": "CUP",
    "UY": "UYU",
}
_NUM = r"\d{1,3}(?:[.,\u00a0\u202f ]\d{3})+(?:[.,]\d{1,2})?|\d+(?:[.,]\d{1,2})?"
_MULT = r"(?:\s?(?P<mult>k|K|thousand|mil|million|millones|m|M)\b)?"
_SYM_RE = "|".join(re.escape(s) for s in sorted(_SYMBOLS, key=len, reverse=True)) + r"|\$"
_MONEY_BEFORE = re.compile(rf"(?P<sym>{_SYM_RE})\s?(?P<num>{_NUM}){_MULT}")
_MONEY_CODE = re.compile(rf"\b(?P<code>{_CODES})\s?(?P<num>{_NUM}){_MULT}")
_MONEY_AFTER = re.compile(
    rf"(?P<num>{_NUM}){_MULT}\s?(?P<word>€|£|\$|₱|{_CODES}|"
    + "|".join(sorted(_WORDS, key=len, reverse=True))
    + r")(?![\w])",
    re.IGNORECASE,
)
_MULTIPLIERS = {
    "k": 1000,
    "thousand": 1000,
    "mil": 1000,
    "million": 1_000_000,
    "millones": 1_000_000,
    "m": 1_000_000,
}

# Dates ------------------------------------------------------------------
_MONTHS_EN = {
    "January": 1,
    "February": 2,
    "March": 3,
    "April": 4,
    "May": 5,
    "June": 6,
    "July": 7,
    "August": 8,
    "September": 9,
    "October": 10,
    "November": 11,
    "December": 12,
    "Jan": 1,
    "Feb": 2,
    "Mar": 3,
    "Apr": 4,
    "Jun": 6,
    "Jul": 7,
    "Aug": 8,
    "Sep": 9,
    "Sept": 9,
    "Oct": 10,
    "Nov": 11,
    "Dec": 12,
}
_MONTHS_ES = {
    "enero": 1,
    "febrero": 2,
    "marzo": 3,
    "abril": 4,
    "mayo": 5,
    "junio": 6,
    "julio": 7,
    "agosto": 8,
    "septiembre": 9,
    "setiembre": 9,
    "octubre": 10,
    "noviembre": 11,
    "diciembre": 12,
}
_MONTH_MAP = {**_MONTHS_EN, **_MONTHS_ES}
# English months must be capitalised ("may" is a verb); Spanish ones are written lower case.
_MON = (
    "(?P<mon>" + "|".join(sorted(_MONTHS_EN, key=len, reverse=True)) + r")\.?"
    "|(?P<mones>" + "|".join(f"[{m[0].upper()}{m[0]}]{m[1:]}" for m in _MONTHS_ES) + ")"
)
_ORD = r"(?:st|nd|rd|th)?"
_DATE_PATTERNS: list[re.Pattern[str]] = [
    re.compile(r"\b(?P<y>\d{4})-(?P<m>\d{2})-(?P<d>\d{2})(?:[T ]\d{2}:\d{2}(?::\d{2})?)?\b"),
    re.compile(r"\b(?P<a>\d{1,2})(?P<sep>[/.\-])(?P<b>\d{1,2})(?P=sep)(?P<y>\d{4}|\d{2})\b"),
    re.compile(
        rf"\b(?P<d>\d{{1,2}}){_ORD}\s+(?:of\s+|de\s+)?(?:{_MON}),?\s+(?:de\s+|del\s+)?(?P<y>\d{{4}})\b"
    ),
    re.compile(rf"\b(?:{_MON})\s+(?P<d>\d{{1,2}}){_ORD},?\s+(?P<y>\d{{4}})\b"),
    re.compile(rf"\b(?P<d>\d{{1,2}}){_ORD}\s+(?:of\s+|de\s+)?(?:{_MON})(?![\w])"),
    re.compile(rf"\b(?:{_MON})\s+(?P<d>\d{{1,2}}){_ORD}(?![\w:])"),
    re.compile(rf"\b(?:{_MON})\s+(?:de\s+|del\s+)?(?P<y>\d{{4}})\b"),
]
_WEEKDAYS = {
    "monday": 0,
    "tuesday": 1,
    "wednesday": 2,
    "thursday": 3,
    "friday": 4,
    "saturday": 5,
    "sunday": 6,
    "lunes": 0,
    "martes": 1,
    "miércoles": 2,
    "miercoles": 2,
    "jueves": 3,
    "viernes": 4,
    "sábado": 5,
    "sabado": 5,
    "domingo": 6,
}
_NUMBER_WORDS = {
    "a": 1,
    "an": 1,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "a few": 3,
    "few": 3,
    "un": 1,
    "una": 1,
    "dos": 2,
    "tres": 3,
    "cuatro": 4,
    "cinco": 5,
    "seis": 6,
}
_QTY = (
    r"(?P<n>\d{1,3}|a few|an?|one|two|three|four|five|six|seven|eight|nine|ten|"
    r"una?|dos|tres|cuatro|cinco|seis)"
)
_UNIT = r"(?P<unit>day|week|month|year|día|dia|semana|mes|año|ano)(?:s|es)?"
_RELATIVE = re.compile(
    r"\b(?:(?P<word>the day before yesterday|yesterday|today|tonight|tomorrow|last night|"
    r"anteayer|ayer|anoche|hoy)"
    rf"|(?P<rel>last|next|this|el pasado|el próximo|este)\s+(?P<wd>{'|'.join(_WEEKDAYS)})"
    rf"|(?P<wd2>{'|'.join(_WEEKDAYS)})\s+(?P<rel2>pasado|próximo)"
    rf"|{_QTY}\s+{_UNIT}\s+ago"
    rf"|hace\s+(?P<n2>\d{{1,3}}|una?|dos|tres|cuatro|cinco|seis)\s+(?P<unit2>días?|dias?|semanas?|mes(?:es)?|años?)"
    r"|(?P<rel3>last|next|past)\s+(?P<unit3>week|month|year)"
    r")\b"
)  # matched against lower-cased text
_MONTH_FIRST_REGIONS = frozenset({"US", "PH", "CA", "FM", "MH", "PW", "GU", "AS", "MP", "PR"})

# Addresses --------------------------------------------------------------
_CAP = r"[A-ZÁÉÍÓÚÑÂÎȘȚŞŢĂ][\w'.\-]*"
_ADDRESS = re.compile(
    rf"\b\d{{1,5}}[A-Za-z]?\s+(?:{_CAP}\s+){{1,4}}"
    r"(?:Street|St\.|Avenue|Ave\.|Road|Rd\.|Boulevard|Blvd\.|Lane|Ln\.|Drive|Way|Court|Place)"
    rf"|\b(?:Strada|Str\.|Calea|Bulevardul|Bd\.|Calle|C/|Avenida|Av\.|Rue|Via)\s+(?:{_CAP}\s*){{1,4}}"
    r"(?:,?\s*(?:nr\.?|no\.?|n[º°]\.?)?\s*\d{1,5}[A-Za-z]?\b)?"
)


# ---------------------------------------------------------------- gazetteer
_PLACE_WORD = re.compile(r"[^\W\d_][\w'’\-]*")


@lru_cache(maxsize=1)
def _gazetteer() -> tuple[dict[str, list[tuple[str, ...]]], dict[str, tuple[str, str]]]:
    """Names by their first word (longest first), and name -> (type, country code)."""
    data = yaml.safe_load((Path(__file__).with_name("places.yaml")).read_text("utf-8"))
    names: dict[str, tuple[str, str]] = {}
    for code, aliases in data["countries"].items():
        for alias in aliases:
            names[alias] = ("country", str(code))
    for city in data["cities"]:
        names[city["name"]] = ("city", str(city["country"]))
    by_first: dict[str, list[tuple[str, ...]]] = {}
    for name in names:
        words = tuple(_PLACE_WORD.findall(name))
        by_first.setdefault(words[0], []).append(words)
    for options in by_first.values():
        options.sort(key=len, reverse=True)
    return by_first, names


def place_names() -> frozenset[str]:
    """Every gazetteer name, so that person-name heuristics can skip places."""
    return frozenset(_gazetteer()[1])


# ---------------------------------------------------------------- helpers
class _Spans:
    """Taken character ranges, so a lower-priority kind does not claim the same text."""

    def __init__(self) -> None:
        # Sorted by start; only spans starting within the longest span's length before
        # ``start`` can reach it, so a check looks at a handful of neighbours, not all.
        self._starts: list[int] = []
        self._ends: list[int] = []
        self._longest = 0

    def free(self, start: int, end: int) -> bool:
        j = bisect_left(self._starts, end) - 1
        while j >= 0 and self._starts[j] > start - self._longest:
            if self._ends[j] > start:
                return False
            j -= 1
        return True

    def take(self, start: int, end: int) -> None:
        i = bisect_left(self._starts, start)
        self._starts.insert(i, start)
        self._ends.insert(i, end)
        self._longest = max(self._longest, end - start)


def _trim(raw: str, start: int) -> tuple[str, int, int]:
    stripped = raw.rstrip(_TRAILING)
    # Keep a closing parenthesis that has its opening one (Wikipedia-style URLs).
    if raw.endswith(")") and "(" in stripped and stripped.count("(") > stripped.count(")"):
        stripped += ")"
    return stripped, start, start + len(stripped)


def _currency(token: str, region: str) -> str | None:
    if token in _SYMBOLS:
        return _SYMBOLS[token]
    if token == "$":
        return _DOLLAR_REGIONS.get(region, "USD")
    upper = token.upper()
    if re.fullmatch(_CODES, upper):
        return upper
    word = _WORDS.get(token.lower())
    if word == "PESO":
        return _PESO_REGIONS.get(region, "MXN")
    return word


def _plain_decimal(value: Decimal) -> str:
    text = format(value, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def _to_datetime(value: date | datetime | None) -> date | None:
    if value is None:
        return None
    return value.date() if isinstance(value, datetime) else value


# ---------------------------------------------------------------- extractors
Emit = Callable[[str, str, str | None, int, int, float, dict[str, Any]], None]


def extract_identifiers(
    text: str,
    *,
    page: int = 1,
    default_region: str = "US",
    reference_date: date | datetime | None = None,
    kinds: Iterable[str] = ALL_KINDS,
) -> list[Extraction]:
    """All identifiers in ``text`` (one page), sorted by position."""
    wanted = set(kinds)
    region = default_region.upper()
    ref = _to_datetime(reference_date)
    out: list[Extraction] = []
    taken = _Spans()

    def emit(
        kind: str,
        raw: str,
        value: str | None,
        start: int,
        end: int,
        confidence: float = 1.0,
        details: dict[str, Any] | None = None,
    ) -> None:
        taken.take(start, end)
        if kind in wanted:
            out.append(Extraction(kind, raw, value, page, (start, end), confidence, details or {}))

    _emails(text, taken, emit)
    _urls(text, taken, emit)
    _ibans(text, taken, emit)
    _accounts(text, taken, emit)
    _money(text, taken, emit, region)
    _dates(text, taken, emit, region, ref)
    _phones(text, taken, emit, region)
    _handles(text, taken, emit)
    if "address" in wanted or "place" in wanted:
        _addresses(text, taken, emit)
        _places(text, taken, emit)
    out.sort(key=lambda e: (e.span, e.kind))
    return out


def _emails(text: str, taken: _Spans, emit: Emit) -> None:
    for m in _EMAIL.finditer(text):
        value = normalize_email(m.group())
        if value:
            emit("email", m.group(), value, m.start(), m.end(), 1.0, {})


def _urls(text: str, taken: _Spans, emit: Emit) -> None:
    for pattern in (_URL, _BARE_URL):
        for m in pattern.finditer(text):
            raw, start, end = _trim(m.group(), m.start())
            if not taken.free(start, end) or len(raw) < 4:
                continue
            value = raw if re.match(r"https?://", raw, re.IGNORECASE) else f"http://{raw}"
            scheme, _, rest = value.partition("://")
            host, slash, path = rest.partition("/")
            value = f"{scheme.lower()}://{host.lower()}{slash}{path}"
            emit("url", raw, value, start, end, 1.0 if pattern is _URL else 0.8, {})


def _ibans(text: str, taken: _Spans, emit: Emit) -> None:
    for m in _IBAN.finditer(text):
        if not taken.free(m.start(), m.end()):
            continue
        raw = m.group()
        compact = raw.replace(" ", "")
        found = False
        # The pattern is greedy; shorten until the checksum holds (text may follow the IBAN).
        for length in range(len(compact), 14, -1):
            value = normalize_iban(compact[:length])
            if value is None:
                continue
            end = m.start()
            seen = 0
            while seen < length:
                if text[end] != " ":
                    seen += 1
                end += 1
            emit("iban", text[m.start() : end], value, m.start(), end, 1.0, {})
            found = True
            break
        if not found:
            # IBAN-shaped but the checksum fails: reject, and keep it from becoming a phone.
            taken.take(m.start(), m.end())


def _accounts(text: str, taken: _Spans, emit: Emit) -> None:
    for m in _ACCOUNT.finditer(text):
        start, end = m.span("num")
        raw = m.group("num").strip(" -")
        end = start + len(raw)
        if not taken.free(start, end):
            continue
        value = normalize_account(raw)
        if value:
            emit(
                "account",
                raw,
                value,
                start,
                end,
                0.9,
                {"label": m.group()[: start - m.start()].strip()},
            )


def _money(text: str, taken: _Spans, emit: Emit, region: str) -> None:
    for pattern in (_MONEY_BEFORE, _MONEY_CODE, _MONEY_AFTER):
        for m in pattern.finditer(text):
            if not taken.free(m.start(), m.end()):
                continue
            if (
                pattern is _MONEY_AFTER
                and m.start()
                and (text[m.start() - 1].isalnum() or text[m.start() - 1] in "_.,")
            ):
                continue  # inside a longer number or word
            groups = m.groupdict()
            token = groups.get("sym") or groups.get("code") or groups.get("word") or ""
            currency = _currency(token, region)
            if currency is None:
                continue
            read = _amount(m.group("num"), region)
            if read is None:
                continue
            amount, confidence, caveat = read
            mult = (groups.get("mult") or "").lower()
            if mult:
                amount *= _MULTIPLIERS[mult]
            value = f"{_plain_decimal(amount)} {currency}"
            emit(
                "money",
                m.group(),
                value,
                m.start(),
                m.end(),
                confidence,
                {"amount": _plain_decimal(amount), "currency": currency, **caveat},
            )


def _amount(num: str, region: str) -> tuple[Decimal, float, dict[str, str]] | None:
    """The amount in a document's text (the one amount parser, palermo.values.amount).

    Text that reads two ways (``2,500``: thousands or decimals) is read the way the
    case's jurisdiction writes numbers, at lower confidence, and the suggestion says
    what else it could be, for the reviewer to decide."""
    result = amounts.parse_amount(num)
    if isinstance(result, Decimal):
        return result, 1.0, {}
    if not isinstance(result, Ambiguous):
        return None
    decimal = region_prior(region)[0] or amounts.DECIMAL_POINT
    value = amounts.parse_amount(num, decimal)
    if not isinstance(value, Decimal):
        return None
    others = [v for name, v in result.readings if name != amounts.separator_name(decimal)]
    caveat = f"{num} also reads as {' or '.join(others)}; read as the jurisdiction writes"
    return value, 0.6, {"ambiguous": caveat}


def _dates(text: str, taken: _Spans, emit: Emit, region: str, ref: date | None) -> None:
    day_first = region not in _MONTH_FIRST_REGIONS
    for pattern in _DATE_PATTERNS:
        for m in pattern.finditer(text):
            if not taken.free(m.start(), m.end()):
                continue
            resolved = _absolute_date(m.groupdict(), day_first, ref)
            if resolved is None:
                continue
            value, granularity = resolved
            emit(
                "date",
                m.group(),
                value,
                m.start(),
                m.end(),
                1.0 if value else 0.6,
                {"granularity": granularity},
            )
    lower = text.lower()
    if len(lower) != len(text):  # a few characters grow when lower-cased
        lower = "".join(c.lower() if len(c.lower()) == 1 else c for c in text)
    for m in _RELATIVE.finditer(lower):
        if not taken.free(m.start(), m.end()):
            continue
        value, granularity = _relative_date(m.groupdict(), ref)
        details: dict[str, Any] = {"relative": True, "granularity": granularity}
        if ref is not None:
            details["reference"] = ref.isoformat()
        emit(
            "date",
            text[m.start() : m.end()],
            value,
            m.start(),
            m.end(),
            0.8 if value else 0.4,
            details,
        )


def _absolute_date(
    g: dict[str, str | None], day_first: bool, ref: date | None
) -> tuple[str | None, str] | None:
    y, m, d = g.get("y"), g.get("m"), g.get("d")
    year = int(y) if y else None
    if year is not None and year < 100:
        year += 2000 if year < 70 else 1900
    if g.get("a"):
        a, b = int(g["a"] or 0), int(g["b"] or 0)
        if a > 12 >= b:
            day, month = a, b
        elif b > 12 >= a:
            day, month = b, a
        else:
            day, month = (a, b) if day_first else (b, a)
    else:
        mon = g.get("mon") or (g.get("mones") or "").lower()
        month = int(m) if m else _MONTH_MAP.get(mon or "", 0)
        day = int(d) if d else 0
    if not 1 <= month <= 12:
        return None
    if day == 0:
        return (f"{year:04d}-{month:02d}", "month") if year else None
    if year is None:
        if ref is None:
            return None, "day"
        year = ref.year
    try:
        return date(year, month, day).isoformat(), "day"
    except ValueError:
        return None


def _count(raw: str | None) -> int:
    if raw is None:
        return 1
    return int(raw) if raw.isdigit() else _NUMBER_WORDS.get(raw.lower(), 1)


def _relative_date(g: dict[str, str | None], ref: date | None) -> tuple[str | None, str]:
    granularity = "day"
    if ref is None:
        unit = (g.get("unit") or g.get("unit2") or g.get("unit3") or "day").lower()
        return None, _granularity(unit)
    word = (g.get("word") or "").lower()
    if word:
        offset = {
            "yesterday": -1,
            "ayer": -1,
            "last night": -1,
            "anoche": -1,
            "today": 0,
            "tonight": 0,
            "hoy": 0,
            "tomorrow": 1,
            "the day before yesterday": -2,
            "anteayer": -2,
        }[word]
        return (ref + timedelta(days=offset)).isoformat(), granularity
    wd = (g.get("wd") or g.get("wd2") or "").lower()
    if wd:
        rel = (g.get("rel") or g.get("rel2") or "").lower()
        target = _WEEKDAYS[wd]
        if rel in {"last", "el pasado", "pasado"}:
            delta = (ref.weekday() - target) % 7 or 7
            return (ref - timedelta(days=delta)).isoformat(), granularity
        delta = (target - ref.weekday()) % 7
        if rel in {"next", "el próximo", "próximo"}:
            delta = delta or 7
        return (ref + timedelta(days=delta)).isoformat(), granularity
    unit = (g.get("unit") or g.get("unit2") or g.get("unit3") or "day").lower()
    granularity = _granularity(unit)
    rel3 = g.get("rel3")
    # "last week" is one unit back, "next week" one forward.
    n = (-1 if rel3.lower() == "next" else 1) if rel3 else _count(g.get("n") or g.get("n2"))
    delta_rd = {
        "day": relativedelta(days=n),
        "week": relativedelta(weeks=n),
        "month": relativedelta(months=n),
        "year": relativedelta(years=n),
    }[granularity]
    when = ref - delta_rd
    if granularity == "month":
        return when.strftime("%Y-%m"), granularity
    if granularity == "year":
        return when.strftime("%Y"), granularity
    return when.isoformat(), granularity


def _granularity(unit: str) -> str:
    unit = unit.lower()
    if unit.startswith(("week", "semana")):
        return "week"
    if unit.startswith(("month", "mes")):
        return "month"
    if unit.startswith(("year", "año", "ano")):
        return "year"
    return "day"


def _phones(text: str, taken: _Spans, emit: Emit, region: str) -> None:
    for match in phonenumbers.PhoneNumberMatcher(text, region):
        start, end = match.start, match.end
        if not taken.free(start, end):
            continue
        value = phonenumbers.format_number(match.number, phonenumbers.PhoneNumberFormat.E164)
        explicit = match.raw_string.lstrip().startswith(("+", "00"))
        emit(
            "phone",
            match.raw_string,
            value,
            start,
            end,
            1.0 if explicit else 0.9,
            {"region": phonenumbers.region_code_for_number(match.number)},
        )


def _handles(text: str, taken: _Spans, emit: Emit) -> None:
    for m in _LABELLED_HANDLE.finditer(text):
        handle = m.group("handle")
        if not taken.free(m.start(), m.end()) or handle.isdigit():
            continue
        value = normalize_handle(handle)
        platform = _PLATFORMS[m.group("platform").lower()]
        emit("handle", m.group(), value, m.start(), m.end(), 0.9, {"platform": platform})
    for m in _AT_HANDLE.finditer(text):
        if not taken.free(m.start(), m.end()):
            continue
        emit("handle", m.group(), normalize_handle(m.group("handle")), m.start(), m.end(), 0.8, {})


def _addresses(text: str, taken: _Spans, emit: Emit) -> None:
    for m in _ADDRESS.finditer(text):
        raw = m.group().rstrip(" ,")
        end = m.start() + len(raw)
        if taken.free(m.start(), end):
            emit("address", raw, " ".join(raw.split()), m.start(), end, 0.7, {})


def _places(text: str, taken: _Spans, emit: Emit) -> None:
    by_first, names = _gazetteer()
    words = list(_PLACE_WORD.finditer(text))
    i = 0
    while i < len(words):
        options = by_first.get(words[i].group())
        matched = 0
        for option in options or ():
            k = len(option)
            window = words[i : i + k]
            if (
                len(window) == k
                and all(w.group() == o for w, o in zip(window, option, strict=True))
                and all(text[a.end() : b.start()] == " " for a, b in itertools.pairwise(window))
            ):
                start, end = window[0].start(), window[-1].end()
                raw = text[start:end]
                kind, country = names[raw]
                value = country if kind == "country" else f"{raw}, {country}"
                # A place may sit inside an address; both are useful, so no span check.
                emit("place", raw, value, start, end, 0.8, {"type": kind, "country": country})
                matched = k
                break
        i += matched or 1
