"""Today's date, for everything that counts days (deadlines, time since arraignment,
default dates in forms).

One function, read through this module at each call (``clock.today()``), so that tests
can fix the date instead of failing when a run crosses midnight. The queue keeps its own
instant clock (:func:`palermo.services.jobs.now`).
"""

from __future__ import annotations

from datetime import date


def today() -> date:
    """The local calendar date (UTC on servers)."""
    return date.today()
