"""Words, not codes: the one place that turns ids, enums and statute ids into what a
person reads.

- :func:`citation` — a statute id as its proper citation, from the law data
  (``us-18-1591`` → ``18 U.S.C. § 1591``).
- :func:`concept_label` — a concept id as its label from the law data
  (``act.patronizing`` → ``Patronizing or soliciting (buyer)``).
- :func:`human` — any id or enum value as its label: statutes and concepts from the law
  data, the enums of the case file from :data:`LABELS`, anything else by turning
  ``snake_case`` into a sentence-case phrase (``pre_trial`` → ``Pre-trial``).
- :func:`plural` and :func:`counted` — English plurals (``witness`` → ``witnesses``,
  ``person`` → ``people``) and "3 witnesses", "1 party", "no sources".
- :func:`join` — "a, b and c".
- :func:`country` — a country or jurisdiction code as its name (``MX`` → ``Mexico``).
- :func:`media_type` — a MIME type as the kind of file a person knows
  (``application/vnd.openxmlformats-officedocument.wordprocessingml.document`` →
  ``Word document``).
- :func:`key` and :func:`keys_in` — the keys the analysis gives phones, accounts and
  cash points (``account:5300127764``, ``cash:out:MX``, ``in:US``, ``phone:``) as words,
  alone or inside a sentence.

Pure: reads only the packaged law data (cached), never the database or the web.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache

from palermo.law import load_concepts, load_statutes

# Enum values of the case file and the law engine whose words are not just the value
# with spaces. Everything else falls back to :func:`_phrase`.
LABELS: dict[str, str] = {
    # case stages
    "pre_trial": "Pre-trial",
    # typologies
    "escort_ads": "Escort advertisements",
    "domestic_servitude": "Domestic servitude",
    "agricultural_debt_bondage": "Agricultural debt bondage",
    "scam_compound": "Scam compound",
    "child_sex": "Child sex trafficking",
    # element kinds and element statuses
    "mental_state": "Mental state",
    "single_source": "Single source",
    "supported_if_confirmed": "Supported if confirmed",
    # evidence source kinds (the law engine's)
    "victim_statement": "Victim's statement",
    "witness_statement": "Witness statement",
    "defendant_statement": "Defendant's statement",
    "bank_record": "Financial records",
    "phone_record": "Phone records",
    "travel_record": "Travel records",
    "search_inventory": "Search inventory",
    "chat": "Messages",
    "expert": "Expert evidence",
    # charges
    "considered": "Under consideration",
    # deadlines
    "custody_limit": "Custody time limit",
    "foreign_request": "Request for foreign assistance",
    "due_soon": "Due soon",
    # message channels (a brand's own spelling)
    "sms": "SMS",
    "mms": "MMS",
    "whatsapp": "WhatsApp",
    "imessage": "iMessage",
    # witness risk
    "high": "High risk",
    "medium": "Medium risk",
    "low": "Low risk",
}

# Nouns whose plural is not the regular one.
_IRREGULAR: dict[str, str] = {
    "person": "people",
    "child": "children",
    "man": "men",
    "woman": "women",
    "analysis": "analyses",
    "evidence": "evidence",
    "information": "information",
    "is": "are",
    "was": "were",
    "has": "have",
}
_SIBILANT = re.compile(r"(?:s|x|z|ch|sh)$")
_CONSONANT_Y = re.compile(r"[^aeiou]y$")
_SNAKE = re.compile(r"^[a-z0-9]+(?:[_\-][a-z0-9]+)+$|^[a-z]+$")


# Jurisdiction codes that are not ISO 3166 countries.
_JURISDICTIONS: dict[str, str] = {
    "UK": "United Kingdom",
    "EU": "European Union",
    "INTL": "International",
    "US-FEDERAL": "United States (federal)",
}
# The kinds of identifier key, as the noun read before the value.
_KEY_NOUNS: dict[str, str] = {
    "phone": "phone",
    "account": "account",
    "email": "email",
    "handle": "handle",
    "person": "person",
    "org": "organisation",
    "device": "device",
    "vehicle": "vehicle",
    "address": "address",
}
_KEY = re.compile(
    r"(?<![/.@\w])(?:(?P<cash>cash):)?(?P<kind>phone|account|email|handle|person|org|device|vehicle|"
    r"address|in|out):(?P<value>[^\s,;)]*)"
)


@lru_cache(maxsize=1)
def _citations() -> dict[str, str]:
    return {s.id: s.citation for s in load_statutes()}


@lru_cache(maxsize=1)
def _concepts() -> dict[str, str]:
    return {cid: c.label for cid, c in load_concepts().items()}


def citation(statute_id: str | None) -> str:
    """The proper citation of a statute id from the law data; an unknown id is returned
    as it is (a statute the law data does not know is better shown than hidden)."""
    if not statute_id:
        return "—"
    return _citations().get(statute_id, statute_id)


def is_statute(value: str) -> bool:
    return value in _citations()


def concept_label(concept_id: str | None) -> str:
    """A concept's label from the law data, or the id as a phrase when unknown."""
    if not concept_id:
        return "—"
    label = _concepts().get(concept_id)
    if label is not None:
        return label
    return _phrase(concept_id.rsplit(".", 1)[-1])


@lru_cache(maxsize=4096)  # the same few ids on every row of a long table
def _phrase(value: str) -> str:
    text = value.replace("_", " ").replace("-", " ").strip()
    text = re.sub(r"\s+", " ", text)
    return text[:1].upper() + text[1:]


def human(value: object) -> str:
    """The words for an id or enum value: statute citation, concept label, a known enum
    label, or the value as a sentence-case phrase. None or empty → "—"."""
    if value is None or value == "":
        return "—"
    text = str(getattr(value, "value", value))
    if text in _citations():
        return _citations()[text]
    if text in _concepts():
        return _concepts()[text]
    if text in LABELS:
        return LABELS[text]
    if _SNAKE.match(text):
        return _phrase(text)
    return text[:1].upper() + text[1:]


def lower(value: object) -> str:
    """:func:`human` for the middle of a sentence: first letter lower case unless the
    words start with a citation, an acronym or a name ("18 U.S.C.", "UK", "WhatsApp")."""
    words = human(value)
    first = words.split(" ", 1)[0]
    if len(first) > 1 and (
        first.isupper()
        or any(ch.isdigit() for ch in first)
        or any(ch.isupper() for ch in first[1:])
    ):
        return words
    return words[:1].lower() + words[1:]


def plural(noun: str, n: int = 2) -> str:
    """``noun`` for ``n`` things: "witness" → "witnesses", "person" → "people",
    "party" → "parties"; the last word of a phrase is the one made plural and its
    capitalisation is kept."""
    if n == 1 or not noun:
        return noun
    head, _, last = noun.rpartition(" ")
    lowered = last.lower()
    if lowered in _IRREGULAR:
        word = _IRREGULAR[lowered]
        if last[:1].isupper():
            word = word[:1].upper() + word[1:]
    elif _SIBILANT.search(lowered):
        word = last + "es"
    elif _CONSONANT_Y.search(lowered):
        word = last[:-1] + "ies"
    else:
        word = last + "s"
    return f"{head} {word}" if head else word


def counted(n: int | None, noun: str, *, zero: str = "no") -> str:
    """ "1 witness", "3 witnesses", "1,200 rows", "no sources" (``zero`` for none)."""
    count = n or 0
    if count == 0 and zero:
        return f"{zero} {plural(noun, 0)}"
    return f"{count:,} {plural(noun, count)}"


def join(items: Iterable[str], last: str = "and") -> str:
    """ "a", "a and b", "a, b and c"."""
    parts = [i for i in items if i]
    if len(parts) <= 1:
        return "".join(parts)
    return f"{', '.join(parts[:-1])} {last} {parts[-1]}"


def sentence(text: str) -> str:
    """First letter upper case and a full stop at the end."""
    text = text.strip()
    if not text:
        return text
    text = text[:1].upper() + text[1:]
    return text if text[-1] in ".!?" else text + "."


@lru_cache(maxsize=1)
def _territories() -> dict[str, str]:
    from babel import Locale

    return dict(Locale("en").territories)


def country(code: str | None) -> str:
    """A country or jurisdiction code as its English name: ``MX`` → ``Mexico``,
    ``UK`` → ``United Kingdom``, ``EU`` → ``European Union``; unknown codes as they are."""
    if not code:
        return "—"
    text = str(code).strip()
    upper = text.upper()
    if upper in _JURISDICTIONS:
        return _JURISDICTIONS[upper]
    if len(upper) == 2 and upper.isalpha():
        return _territories().get(upper, text)
    return text


def _key_words(cash: str | None, kind: str, value: str) -> str:
    if kind in {"in", "out"} or cash:
        place = f" ({country(value)})" if value else ""
        return ("cash paid in" if kind == "in" else "cash withdrawn") + place
    noun = _KEY_NOUNS.get(kind, kind)
    return f"{noun} {value}" if value else f"{noun} (no number)" if kind == "phone" else noun


def key(value: str | None) -> str:
    """An identifier key as words: ``account:5300127764`` → ``account 5300127764``,
    ``cash:out:MX`` → ``cash withdrawn (Mexico)``, ``in:US`` → ``cash paid in (United
    States)``, ``phone:`` → ``phone (no number)``; anything else unchanged."""
    if not value:
        return "—"
    m = _KEY.fullmatch(value.strip())
    if m is None:
        return value
    return _key_words(m["cash"], m["kind"], m["value"])


def keys_in(text: str | None) -> str:
    """Every identifier key inside ``text`` turned into words (see :func:`key`); a text
    that starts with one starts with a capital."""
    if not text:
        return text or ""
    text = str(text)
    out = _KEY.sub(lambda m: _key_words(m["cash"], m["kind"], m["value"]), text)
    if out != text and _KEY.match(text):
        out = out[:1].upper() + out[1:]
    return out


_MEDIA_TYPES: dict[str, str] = {
    "application/pdf": "PDF",
    "application/msword": "Word document",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "Word document",
    "application/vnd.ms-excel": "Excel workbook",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "Excel workbook",
    "application/vnd.oasis.opendocument.text": "OpenDocument text",
    "application/vnd.oasis.opendocument.spreadsheet": "OpenDocument spreadsheet",
    "application/json": "JSON",
    "application/xml": "XML",
    "application/zip": "ZIP archive",
    "application/octet-stream": "Binary file",
    "message/rfc822": "Email",
    "application/vnd.ms-outlook": "Outlook email",
    "text/plain": "Plain text",
    "text/csv": "CSV table",
    "text/html": "Web page",
    "text/xml": "XML",
}


def media_type(value: str | None) -> str:
    """A MIME type as the kind of file: ``application/pdf`` → ``PDF``, ``image/jpeg`` →
    ``JPEG image``; an unknown type by its last part (``application/x-foo`` → ``FOO file``)."""
    if not value:
        return "—"
    mime = value.split(";", 1)[0].strip().lower()
    if mime in _MEDIA_TYPES:
        return _MEDIA_TYPES[mime]
    major, _, minor = mime.partition("/")
    minor = minor.removeprefix("x-").removeprefix("vnd.").split("+", 1)[0]
    name = minor.rsplit(".", 1)[-1].upper() or major.upper()
    kinds = {"image": "image", "audio": "audio", "video": "video", "text": "text"}
    return f"{name} {kinds.get(major, 'file')}"


def file_size(size: int) -> str:
    """A size in bytes as a person reads it in a limit ("25 MB")."""
    value = float(size)
    for unit in ("bytes", "KB", "MB", "GB"):
        if value < 1024:
            return f"{value:.0f} {unit}"
        value /= 1024
    return f"{value:.1f} TB"
