"""Jinja2 templates and the common page context (user, CSRF token, navigation)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.templating import Jinja2Templates
from jinja2 import Undefined
from starlette.responses import Response

from palermo import words
from palermo.services.users import UserInfo
from palermo.web import csrf, navigation
from palermo.web.auth import session_user

TEMPLATES_DIR = Path(__file__).parent / "templates"

templates = Jinja2Templates(directory=str(TEMPLATES_DIR))
# The templates ship with the package: no file check on every render (a restart, or
# uvicorn --reload in development, picks up a changed template).
templates.env.auto_reload = False


def label(value: object) -> str:
    """The human label of an id or enum value (``pre_trial`` → ``Pre-trial``,
    ``escort_ads`` → ``Escort advertisements``, ``us-18-1591`` → ``18 U.S.C. § 1591``):
    the same words as everywhere else, from :mod:`palermo.words`. A value the template
    does not have reads as a missing one ("—")."""
    return words.human(None if isinstance(value, Undefined) else value)


def human_size(size: int) -> str:
    value = float(size)
    for unit in ("bytes", "KB", "MB", "GB", "TB"):
        if value < 1024 or unit == "TB":
            return f"{int(value)} {unit}" if unit == "bytes" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{size} bytes"  # pragma: no cover


def when(value: datetime | date | None) -> str:
    if value is None:
        return "—"
    if isinstance(value, datetime):
        # Stored in UTC (SQLite hands back naive values); shown in UTC.
        if value.tzinfo is not None:
            value = value.astimezone(UTC)
        return value.strftime("%Y-%m-%d %H:%M:%S")
    return value.isoformat()


def number(value: int | float | Decimal | None) -> str:
    if value is None:
        return "—"
    if isinstance(value, Decimal):
        return f"{value:,.2f}"
    return f"{value:,}"


def counted(value: int | None, noun: str, plural: str | None = None) -> str:
    """``1|counted("payment")`` → ``1 payment``; ``1200|counted("row")`` → ``1,200 rows``."""
    n = value or 0
    return f"{number(n)} {plural or words.plural(noun, n)}" if n != 1 else f"1 {noun}"


def month_name(value: str) -> str:
    """``2024-03`` → ``March 2024``."""
    try:
        return datetime.strptime(value, "%Y-%m").strftime("%B %Y")
    except ValueError:
        return value


def duration(seconds: int | None) -> str:
    if seconds is None:
        return "—"
    minutes, secs = divmod(int(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


templates.env.filters.update(
    label=label,
    human_size=human_size,
    when=when,
    number=number,
    counted=counted,
    duration=duration,
    month_name=month_name,
    # Words, not codes (palermo.words): ids, enums and statutes as a person reads them.
    words=words.human,
    words_lower=words.lower,
    citation=words.citation,
    concept=words.concept_label,
    plural=lambda noun, n=2: words.plural(noun, n),
    count_words=words.counted,
    country=words.country,
    keys=words.keys_in,
    media_type=words.media_type,
)


def render(
    request: Request,
    name: str,
    context: dict[str, Any] | None = None,
    *,
    status_code: int = 200,
    user: UserInfo | None = None,
    active: str | None = None,
) -> Response:
    page: dict[str, Any] = {
        "user": user if user is not None else session_user(request),
        "csrf_token": csrf.ensure_token(request),
        "top_nav": navigation.TOP_NAV,
        "active": active,
    }
    page.update(context or {})
    return templates.TemplateResponse(request, name, page, status_code=status_code)
